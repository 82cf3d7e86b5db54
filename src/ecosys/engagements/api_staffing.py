"""Engagements API: staffing (skills, people's skills, profiles, availability, roles,
assignments, optimiser runs, alignment, utilisation, talent review)."""

import datetime as dt
from uuid import UUID

from django.utils import timezone
from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page

from . import lists_staffing as lists
from . import selectors_staffing as selectors
from . import services_staffing as services
from .schemas_staffing import (
    AlignmentIn,
    AlignmentOut,
    AssignmentDecisionIn,
    AssignmentIn,
    AssignmentOut,
    AvailabilityIn,
    PersonSkillIn,
    PersonSkillOut,
    ProfileIn,
    ProfileOut,
    RoleIn,
    RoleOut,
    RunOut,
    SkillIn,
    SkillOut,
    UtilisationOut,
    WeekOut,
)

router = Router(tags=["engagements"])
ERRORS = {400: Detail, 401: Detail, 403: Detail, 404: Detail}


def skill_out(skill) -> dict:
    return {"id": skill.public_id, "name": skill.name, "category": skill.category,
            "description": skill.description}  # fmt: skip


def person_skill_out(row) -> dict:
    return {
        "id": row.public_id, "person_id": row.person.public_id, "person": row.person.full_name,
        "skill_id": row.skill.public_id, "skill": row.skill.name, "level": row.level,
        "evidence": row.evidence,
        "certificate_code": row.certificate.code if row.certificate_id else None,
    }  # fmt: skip


def profile_out(profile) -> dict:
    return {"person_id": profile.person.public_id,
            **{f: getattr(profile, f) for f in services.PROFILE_FIELDS}}  # fmt: skip


def role_out(role, filled: float = 0.0) -> dict:
    return {
        "id": role.public_id, "engagement_id": role.engagement.public_id, "name": role.name,
        "skill_id": role.skill.public_id, "skill": role.skill.name, "min_level": role.min_level,
        "share": role.share, "start_date": role.start_date, "end_date": role.end_date,
        "onsite": role.onsite, "language": role.language, "filled": filled,
    }  # fmt: skip


def assignment_out(a, internal: bool = True) -> dict:
    """The explanation names costs: the orchestrator's staff only."""
    return {
        "id": a.public_id, "engagement_id": a.role.engagement.public_id,
        "engagement": a.role.engagement.title, "role_id": a.role.public_id, "role": a.role.name,
        "person_id": a.person.public_id, "person": a.person.full_name, "share": a.share,
        "start_date": a.start_date, "end_date": a.end_date, "status": a.status,
        "locked": a.locked, "source": a.source,
        "explanation": a.explanation if internal else "",
    }  # fmt: skip


def run_out(run) -> dict:
    return {
        "id": run.public_id, "engagement_id": run.engagement.public_id,
        **{f: getattr(run, f) for f in ("status", "progress", "message", "method", "objective",
                                          "bound", "gap", "seconds", "candidates", "unfilled",
                                          "suggestions", "created_at")},
    }  # fmt: skip


# ---------------------------------------------------------------------------- skills


@router.get("/skills", response={200: Page[SkillOut], **ERRORS})
@access_rule("engagements.skill:view")
def skill_list(request):
    """The skills taxonomy. Filters: category; q; sort (name, category)."""
    rows = list_apply(selectors.skill_list(actor=request.auth), request.GET, lists.SKILLS)
    return paginate(request, rows.queryset, skill_out)


@router.get("/skills/export", response={200: None, **ERRORS})
@access_rule("engagements.skill:view")
def skill_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    rows = list_apply(selectors.skill_list(actor=request.auth), request.GET, lists.SKILLS)
    return export_response(rows.queryset, lists.SKILLS, format)


@router.post("/skills", response={201: SkillOut, **ERRORS})
@access_rule("engagements.skill:add")
def skill_create(request, payload: SkillIn):
    return Status(201, skill_out(services.skill_save(actor=request.auth, **payload.dict())))


@router.post("/skills/defaults", response={200: dict, **ERRORS})
@access_rule("engagements.skill:add")
def skill_defaults(request):
    """Add the default taxonomy's skills the workspace does not have yet."""
    return {"added": services.skills_load_default(actor=request.auth)}


@router.put("/skills/{uuid:skill_id}", response={200: SkillOut, **ERRORS})
@access_rule("engagements.skill:change")
def skill_update(request, skill_id: UUID, payload: SkillIn):
    skill = selectors.skill_get(actor=request.auth, public_id=skill_id, action=CHANGE)
    return skill_out(services.skill_save(actor=request.auth, skill=skill, **payload.dict()))


@router.delete("/skills/{uuid:skill_id}", response={204: None, **ERRORS})
@access_rule("engagements.skill:delete")
def skill_delete(request, skill_id: UUID):
    skill = selectors.skill_get(actor=request.auth, public_id=skill_id, action=DELETE)
    services.skill_delete(actor=request.auth, skill=skill)
    return Status(204, None)


# ---------------------------------------------------------------------------- people's skills


@router.get("/people-skills", response={200: Page[PersonSkillOut], **ERRORS})
@access_rule("engagements.personskill:view")
def person_skill_list(request):
    """People's skills. Filters: skill, category, min_level, worker_type, organization,
    certified; q; sort (person, skill, level)."""
    rows = list_apply(selectors.person_skill_list(actor=request.auth), request.GET,
                      lists.PERSON_SKILLS)  # fmt: skip
    return paginate(request, rows.queryset, person_skill_out)


@router.get("/people-skills/export", response={200: None, **ERRORS})
@access_rule("engagements.personskill:view")
def person_skill_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.person_skill_list(actor=request.auth), request.GET,
                      lists.PERSON_SKILLS)  # fmt: skip
    return export_response(rows.queryset, lists.PERSON_SKILLS, format)


@router.put("/workers/{uuid:person_id}/skills", response={200: PersonSkillOut, **ERRORS})
@access_rule("engagements.personskill:add")
def person_skill_set(request, person_id: UUID, payload: PersonSkillIn):
    """Record or change a person's level in a skill (a readiness certificate as evidence)."""
    actor = request.auth
    person = selectors.worker_get(actor=actor, public_id=person_id)
    skill = selectors.skill_get(actor=actor, public_id=payload.skill_id)
    certificate = None
    if payload.certificate_id:
        certificate = selectors.certificate_list(actor=actor, person=person).filter(
            public_id=payload.certificate_id).first()  # fmt: skip
        if certificate is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"certificate_id": "No such certificate of this person."})
    row = services.person_skill_save(actor=actor, person=person, skill=skill,
                                     level=payload.level, evidence=payload.evidence,
                                     certificate=certificate)  # fmt: skip
    return person_skill_out(row)


@router.delete("/people-skills/{uuid:row_id}", response={204: None, **ERRORS})
@access_rule("engagements.personskill:delete")
def person_skill_delete(request, row_id: UUID):
    row = selectors.person_skill_get(actor=request.auth, public_id=row_id, action=DELETE)
    services.person_skill_delete(actor=request.auth, person_skill=row)
    return Status(204, None)


@router.put("/workers/{uuid:person_id}/profile", response={200: ProfileOut, **ERRORS})
@access_rule("engagements.workerprofile:change")
def profile_set(request, person_id: UUID, payload: ProfileIn):
    """A person's rates (Decimal + currency), place, remote/on-site, languages, capacity."""
    person = selectors.worker_get(actor=request.auth, public_id=person_id)
    profile = services.worker_profile_save(actor=request.auth, person=person, **payload.dict())
    return profile_out(profile)


@router.get("/workers/{uuid:person_id}/availability", response={200: list[WeekOut], **ERRORS})
@access_rule("engagements.availability:view")
def availability_get(request, person_id: UUID, start: dt.date | None = None, weeks: int = 26):
    person = selectors.worker_get(actor=request.auth, public_id=person_id)
    start = start or timezone.localdate()
    return selectors.availability_weeks(person, start, max(1, min(weeks, 260)))


@router.put("/workers/{uuid:person_id}/availability", response={200: dict, **ERRORS})
@access_rule("engagements.availability:add")
def availability_set(request, person_id: UUID, payload: AvailabilityIn):
    """Set the availability of every week from start's week to end's week at once."""
    person = selectors.worker_get(actor=request.auth, public_id=person_id)
    weeks = services.availability_set(actor=request.auth, person=person, **payload.dict())
    return {"weeks": weeks}


# ---------------------------------------------------------------------------- roles


@router.get(
    "/engagements/{uuid:staffed_engagement_id}/roles", response={200: list[RoleOut], **ERRORS}
)
@access_rule("engagements.engagementrole:view")
def role_list(request, staffed_engagement_id: UUID):
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=staffed_engagement_id)
    roles = list(selectors.role_list(actor=actor, engagement=engagement))
    assignments = selectors.assignment_list(actor=actor).filter(role__engagement=engagement)
    return [role_out(f["role"], f["filled"]) for f in selectors.role_fill(roles, assignments)]


@router.post("/engagements/{uuid:staffed_engagement_id}/roles", response={201: RoleOut, **ERRORS})
@access_rule("engagements.engagementrole:add")
def role_create(request, staffed_engagement_id: UUID, payload: RoleIn):
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=staffed_engagement_id)
    data = payload.dict()
    data["skill"] = selectors.skill_get(actor=actor, public_id=data.pop("skill_id"))
    return Status(201, role_out(services.role_save(actor=actor, engagement=engagement, **data)))


@router.put("/engagement-roles/{uuid:role_id}", response={200: RoleOut, **ERRORS})
@access_rule("engagements.engagementrole:change")
def role_update(request, role_id: UUID, payload: RoleIn):
    actor = request.auth
    role = selectors.role_get(actor=actor, public_id=role_id, action=CHANGE)
    data = payload.dict()
    data["skill"] = selectors.skill_get(actor=actor, public_id=data.pop("skill_id"))
    return role_out(services.role_save(actor=actor, engagement=role.engagement, role=role, **data))


@router.delete("/engagement-roles/{uuid:role_id}", response={204: None, **ERRORS})
@access_rule("engagements.engagementrole:delete")
def role_delete(request, role_id: UUID):
    role = selectors.role_get(actor=request.auth, public_id=role_id, action=DELETE)
    services.role_delete(actor=request.auth, role=role)
    return Status(204, None)


# ---------------------------------------------------------------------------- assignments


@router.get("/assignments", response={200: Page[AssignmentOut], **ERRORS})
@access_rule("engagements.assignment:view")
def assignment_list(request):
    """Assignments you may see: the orchestrator all; a customer its engagements' team; a
    contractor or ecosystem organisation its own people's. Filters: status, source,
    engagement; q; sort."""
    actor = request.auth
    rows = list_apply(selectors.assignment_list(actor=actor), request.GET, lists.ASSIGNMENTS)
    return paginate(request, rows.queryset, lambda a: assignment_out(a, actor.is_orchestrator))


@router.get("/assignments/export", response={200: None, **ERRORS})
@access_rule("engagements.assignment:view")
def assignment_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.assignment_list(actor=request.auth), request.GET,
                      lists.ASSIGNMENTS)  # fmt: skip
    return export_response(rows.queryset, lists.ASSIGNMENTS, format)


@router.post("/engagement-roles/{uuid:role_id}/assignments",
             response={201: AssignmentOut, **ERRORS})  # fmt: skip
@access_rule("engagements.assignment:add")
def assignment_create(request, role_id: UUID, payload: AssignmentIn):
    """Put a person on a role; refused beyond their availability in any week."""
    actor = request.auth
    role = selectors.role_get(actor=actor, public_id=role_id)
    data = payload.dict()
    data["person"] = selectors.worker_get(actor=actor, public_id=data.pop("person_id"))
    return Status(201, assignment_out(services.assignment_save(actor=actor, role=role, **data)))


@router.put("/assignments/{uuid:assignment_id}", response={200: AssignmentOut, **ERRORS})
@access_rule("engagements.assignment:change")
def assignment_update(request, assignment_id: UUID, payload: AssignmentIn):
    actor = request.auth
    assignment = selectors.assignment_get(actor=actor, public_id=assignment_id, action=CHANGE)
    data = payload.dict()
    data["person"] = selectors.worker_get(actor=actor, public_id=data.pop("person_id"))
    saved = services.assignment_save(actor=actor, role=assignment.role, assignment=assignment,
                                     **data)  # fmt: skip
    return assignment_out(saved)


@router.post("/assignments/{uuid:assignment_id}/decision",
             response={200: AssignmentOut, **ERRORS})  # fmt: skip
@access_rule("engagements.assignment:change")
def assignment_decide(request, assignment_id: UUID, payload: AssignmentDecisionIn):
    """Accept (the person is told by e-mail) and/or lock or unlock an assignment."""
    actor = request.auth
    assignment = selectors.assignment_get(actor=actor, public_id=assignment_id, action=CHANGE)
    return assignment_out(services.assignment_decide(actor=actor, assignment=assignment,
                                                     **payload.dict()))  # fmt: skip


@router.delete("/assignments/{uuid:assignment_id}", response={204: None, **ERRORS})
@access_rule("engagements.assignment:delete")
def assignment_delete(request, assignment_id: UUID):
    assignment = selectors.assignment_get(actor=request.auth, public_id=assignment_id,
                                          action=DELETE)  # fmt: skip
    services.assignment_delete(actor=request.auth, assignment=assignment)
    return Status(204, None)


# ---------------------------------------------------------------------------- runs


@router.post("/engagements/{uuid:staffed_engagement_id}/staffing-runs",
             response={202: RunOut, **ERRORS})  # fmt: skip
@access_rule("engagements.staffingrun:add")
def staffing_run_create(request, staffed_engagement_id: UUID):
    """Propose staffing in the background; poll the run. Replaces unlocked assignments."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=staffed_engagement_id)
    run = services.staffing_run_start(actor=actor, engagement=engagement)
    run.refresh_from_db()
    return Status(202, run_out(run))


@router.get("/staffing-runs/{uuid:run_id}", response={200: RunOut, **ERRORS})
@access_rule("engagements.staffingrun:view")
def staffing_run_detail(request, run_id: UUID):
    return run_out(selectors.staffing_run_get(actor=request.auth, public_id=run_id))


# ---------------------------------------------------------------------------- overviews


@router.post("/staffing/alignment", response={200: list[AlignmentOut], **ERRORS})
@access_rule("engagements.workerprofile:view")
def alignment(request, payload: AlignmentIn):
    """Per role of an offering or an engagement: who qualifies now, with cross-training, and
    where the ecosystem must supply."""
    from .selectors_cycle import offering_list

    actor = request.auth
    if payload.engagement_id:
        engagement = selectors.engagement_get(actor=actor, public_id=payload.engagement_id)
        roles = [{"name": r.name, "skill": r.skill, "min_level": r.min_level, "share": r.share}
                 for r in selectors.role_list(actor=actor, engagement=engagement)]  # fmt: skip
    else:
        from django.shortcuts import get_object_or_404

        offering = get_object_or_404(offering_list(actor=actor), public_id=payload.offering_id)
        roles = selectors.offering_roles(actor=actor, offering=offering)
    rows = selectors.alignment(actor=actor, roles=roles)
    return [{**r, "skill": r["skill"].name if r["skill"] else None} for r in rows]


@router.get("/staffing/utilisation", response={200: list[UtilisationOut], **ERRORS})
@access_rule("engagements.staffingrun:view")
def utilisation(request, start: dt.date | None = None, weeks: int = 26, over: bool = False):
    """Everyone's allocation per week across all engagements against availability."""
    days, rows, _ = selectors.utilisation(
        actor=request.auth, start=start or timezone.localdate(), weeks=max(1, min(weeks, 104)),
        only_over=over,
    )  # fmt: skip
    return [{"person_id": r["person"].public_id, "person": r["person"].full_name, "weeks": days,
             "allocated": r["allocated"], "available": r["available"],
             "over_weeks": r["over_weeks"]} for r in rows]  # fmt: skip


@router.get("/staffing/talent", response={200: dict, **ERRORS})
@access_rule("engagements.staffingrun:view")
def talent(request):
    """After engagements close: skills short, how gaps were filled, suggested hires/partners."""
    return selectors.talent_review(actor=request.auth)
