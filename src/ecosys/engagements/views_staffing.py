"""Staffing pages: skills taxonomy, people's skills and profiles, alignment, engagement roles
and the optimiser's proposal, utilisation, the talent review and the portal's assignments."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows
from ecosys.core.pages import apply_service, is_htmx, list_response, page

from . import lists_staffing as lists
from . import selectors_staffing as selectors
from . import services_staffing as services
from .forms_staffing import (
    AssignmentForm,
    AvailabilityForm,
    PersonSkillForm,
    ProfileForm,
    RoleForm,
    SkillForm,
)
from .models import EngagementRole, PersonSkill, Skill


def _message(error) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for ms in error.message_dict.values() for m in ms)
    return " ".join(getattr(error, "messages", [str(error)]))


def _writer(actor, model) -> bool:
    return actor.is_orchestrator and allows(actor, ADD, model) and actor.token_scope is None


# ---------------------------------------------------------------------------- skills


@page("engagements.skill:view")
def skill_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists.SKILLS,
        queryset=selectors.skill_list(actor=actor),
        template="engagements/staffing_skill_list.html",
        context={"title": "Skills taxonomy", "can_add": _writer(actor, Skill)},
        detail_url=lambda s: reverse("engagements:staffing-skill-edit", args=[s.public_id]),
    )


@page("engagements.skill:add")
def skill_add(request):
    form = SkillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        skill = apply_service(
            form, lambda: services.skill_save(actor=request.actor, **form.cleaned_data)
        )
        if skill is not None:
            messages.success(request, f"“{skill}” added to the taxonomy.")
            return redirect("engagements:staffing-skill-list")
    return render(request, "core/form.html", {
        "form": form, "title": "Add a skill", "cancel": reverse("engagements:staffing-skill-list"),
    })  # fmt: skip


@page("engagements.skill:view")
def skill_edit(request, public_id):
    actor = request.actor
    skill = selectors.skill_get(actor=actor, public_id=public_id)
    may_change = _writer(actor, Skill)
    form = SkillForm(request.POST or None, initial={
        "name": skill.name, "category": skill.category, "description": skill.description,
    })  # fmt: skip
    if request.method == "POST":
        skill = selectors.skill_get(actor=actor, public_id=public_id, action=CHANGE)
        if form.is_valid() and apply_service(
            form, lambda: services.skill_save(actor=actor, skill=skill, **form.cleaned_data)
        ):
            messages.success(request, "Skill saved.")
            return redirect("engagements:staffing-skill-list")
    holders = selectors.person_skill_list(actor=actor).filter(skill=skill).order_by("-level")
    return render(request, "engagements/staffing_skill_detail.html", {
        "skill": skill, "form": form if may_change else None, "holders": holders[:50],
        "holder_count": holders.count(),
    })  # fmt: skip


@require_POST
@page("engagements.skill:delete")
def skill_delete(request, public_id):
    skill = selectors.skill_get(actor=request.actor, public_id=public_id, action="delete")
    try:
        services.skill_delete(actor=request.actor, skill=skill)
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("engagements:staffing-skill-edit", skill.public_id)
    messages.success(request, f"“{skill.name}” removed.")
    return redirect("engagements:staffing-skill-list")


@require_POST
@page("engagements.skill:add")
def skill_defaults(request):
    added = services.skills_load_default(actor=request.actor)
    messages.success(request, f"{added} skills of the default taxonomy added.")
    return redirect("engagements:staffing-skill-list")


# ---------------------------------------------------------------------------- people's skills


@page("engagements.personskill:view")
def person_skill_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists.PERSON_SKILLS,
        queryset=selectors.person_skill_list(actor=actor),
        template="engagements/staffing_person_skill_list.html",
        context={"title": "People's skills", "can_import": _writer(actor, PersonSkill)},
        detail_url=lambda r: reverse("engagements:staffing-worker", args=[r.person.public_id]),
    )


@page("engagements.personskill:view")
def worker_detail(request, public_id):
    actor = request.actor
    person = selectors.worker_get(actor=actor, public_id=public_id)
    # rates are the orchestrator's business: an organisation sees its people's skills only
    profile = selectors.profile_of(person) if actor.is_orchestrator else None
    writer = _writer(actor, PersonSkill)
    start = services.monday(timezone.localdate())
    weeks = selectors.availability_weeks(person, start, 26)
    context = {
        "person": person,
        "profile": profile,
        "skills": selectors.person_skill_list(actor=actor).filter(person=person),
        "weeks": weeks,
        "chart": {
            "labels": [w["week"].isoformat() for w in weeks],
            "available": [w["available"] for w in weeks],
            "allocated": [w["allocated"] for w in weeks],
        },
        "assignments": selectors.assignment_list(actor=actor).filter(person=person),
        "own": services.is_own(person, actor.workspace),
    }
    if writer:
        context["profile_form"] = ProfileForm(initial={
            **{f: getattr(profile, f) for f in services.PROFILE_FIELDS if profile},
            "languages": ", ".join(profile.languages) if profile else "",
        } if profile else {"location": person.location})  # fmt: skip
        context["skill_form"] = PersonSkillForm(
            skills=selectors.skill_list(actor=actor),
            certificates=selectors.certificate_list(actor=actor, person=person),
        )
        context["availability_form"] = AvailabilityForm(
            initial={"start": start, "end": start + dt.timedelta(weeks=4), "fraction": 1}
        )
    return render(request, "engagements/staffing_worker.html", context)


def _post_form(request, person, form, call, ok: str):
    if form.is_valid():
        try:
            call()
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, ok)
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("engagements:staffing-worker", person.public_id)


@require_POST
@page("engagements.workerprofile:change")
def worker_profile(request, public_id):
    actor = request.actor
    person = selectors.worker_get(actor=actor, public_id=public_id)
    form = ProfileForm(request.POST)
    return _post_form(
        request, person, form,
        lambda: services.worker_profile_save(actor=actor, person=person, **form.cleaned_data),
        "Profile saved.",
    )  # fmt: skip


@require_POST
@page("engagements.personskill:add")
def worker_skill(request, public_id):
    actor = request.actor
    person = selectors.worker_get(actor=actor, public_id=public_id)
    form = PersonSkillForm(
        request.POST, skills=selectors.skill_list(actor=actor),
        certificates=selectors.certificate_list(actor=actor, person=person),
    )  # fmt: skip
    return _post_form(
        request, person, form,
        lambda: services.person_skill_save(actor=actor, person=person, **form.cleaned_data),
        "Skill recorded.",
    )  # fmt: skip


@require_POST
@page("engagements.personskill:delete")
def person_skill_delete(request, public_id):
    row = selectors.person_skill_get(actor=request.actor, public_id=public_id, action="delete")
    services.person_skill_delete(actor=request.actor, person_skill=row)
    messages.success(request, f"{row.skill} removed from {row.person}.")
    return redirect("engagements:staffing-worker", row.person.public_id)


@require_POST
@page("engagements.availability:add")
def worker_availability(request, public_id):
    actor = request.actor
    person = selectors.worker_get(actor=actor, public_id=public_id)
    form = AvailabilityForm(request.POST)
    return _post_form(
        request, person, form,
        lambda: services.availability_set(actor=actor, person=person, **form.cleaned_data),
        "Availability saved.",
    )  # fmt: skip


# ---------------------------------------------------------------------------- alignment


@page("engagements.workerprofile:view")
def alignment(request):
    from .selectors_cycle import offering_list

    actor = request.actor
    offerings = list(offering_list(actor=actor))
    chosen = request.GET.get("offering") or (str(offerings[0].public_id) if offerings else "")
    offering = next((o for o in offerings if str(o.public_id) == chosen), None)
    engagement = None
    if request.GET.get("engagement"):
        engagement = selectors.engagement_get(actor=actor, public_id=request.GET["engagement"])
        roles = [
            {"name": r.name, "skill": r.skill, "min_level": r.min_level, "share": r.share}
            for r in selectors.role_list(actor=actor, engagement=engagement)
        ]
        offering = None
    else:
        roles = selectors.offering_roles(actor=actor, offering=offering) if offering else []
    rows = selectors.alignment(actor=actor, roles=roles)
    chart = {
        "labels": [r["name"] for r in rows],
        "own": [r["own"] for r in rows],
        "ecosystem": [r["ecosystem"] for r in rows],
        "cross": [r["cross_training"] for r in rows],
    }
    return render(request, "engagements/staffing_alignment.html", {
        "offerings": offerings, "offering": offering, "engagement": engagement, "rows": rows,
        "chart": chart, "unknown": sum(1 for r in roles if r["skill"] is None),
    })  # fmt: skip


# ---------------------------------------------------------------------------- engagement staffing


def _run_context(run):
    active = run is not None and run.status in ("queued", "running")
    gap = run.gap * 100 if run is not None and run.gap is not None else None
    return {"run": run, "active": active, "gap_pct": gap}


@page("engagements.engagementrole:view")
def engagement_staffing(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    roles = list(selectors.role_list(actor=actor, engagement=engagement))
    assignments = selectors.assignment_list(actor=actor).filter(role__engagement=engagement)
    writer = _writer(actor, EngagementRole)
    runs = selectors.staffing_run_list(actor=actor, engagement=engagement) if writer else []
    run = runs[0] if writer and runs else None
    context = {
        "engagement": engagement,
        "fill": selectors.role_fill(roles, assignments),
        "writer": writer,
        "runs": list(runs[:10]) if writer else [],
        **_run_context(run),
    }
    if writer:
        context["role_form"] = RoleForm(
            skills=selectors.skill_list(actor=actor),
            initial={"start_date": engagement.start_date, "end_date": engagement.end_date,
                     "language": engagement.language, "onsite": engagement.onsite_required},
        )  # fmt: skip
        context["assign_form"] = AssignmentForm(people=selectors.worker_list(actor=actor))
    return render(request, "engagements/staffing_engagement.html", context)


@require_POST
@page("engagements.engagementrole:add")
def role_add(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    form = RoleForm(request.POST, skills=selectors.skill_list(actor=actor))
    if form.is_valid():
        try:
            services.role_save(actor=actor, engagement=engagement, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, "Role added.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("engagements:staffing", engagement.public_id)


@page("engagements.engagementrole:change")
def role_edit(request, public_id):
    actor = request.actor
    role = selectors.role_get(actor=actor, public_id=public_id, action=CHANGE)
    form = RoleForm(request.POST or None, skills=selectors.skill_list(actor=actor), initial={
        "name": role.name, "skill": role.skill.public_id, "min_level": role.min_level,
        "share": role.share, "start_date": role.start_date, "end_date": role.end_date,
        "onsite": role.onsite, "language": role.language,
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.role_save(
            actor=actor, engagement=role.engagement, role=role, **form.cleaned_data))  # fmt: skip
        if saved is not None:
            messages.success(request, "Role saved.")
            return redirect("engagements:staffing", role.engagement.public_id)
    return render(request, "core/form.html", {
        "form": form, "title": f"Role: {role.name}",
        "cancel": reverse("engagements:staffing", args=[role.engagement.public_id]),
    })  # fmt: skip


@require_POST
@page("engagements.engagementrole:delete")
def role_delete(request, public_id):
    role = selectors.role_get(actor=request.actor, public_id=public_id, action="delete")
    try:
        services.role_delete(actor=request.actor, role=role)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"Role “{role.name}” removed.")
    return redirect("engagements:staffing", role.engagement.public_id)


@require_POST
@page("engagements.staffingrun:add")
def staffing_run(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    try:
        services.staffing_run_start(actor=actor, engagement=engagement)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, "Staffing is being proposed; this page updates when it is done.")
    return redirect("engagements:staffing", engagement.public_id)


@page("engagements.staffingrun:view")
def staffing_run_detail(request, public_id):
    run = selectors.staffing_run_get(actor=request.actor, public_id=public_id)
    if is_htmx(request):  # polled while the run is under way; reload the page when it ends
        context = _run_context(run)
        return render(request, "engagements/staffing_run_status.html",
                      {**context, "finished_now": not context["active"]})  # fmt: skip
    return render(request, "engagements/staffing_run.html", {**_run_context(run),
                  "engagement": run.engagement, "detail": True})  # fmt: skip


@require_POST
@page("engagements.assignment:add")
def assignment_add(request, public_id):
    actor = request.actor
    role = selectors.role_get(actor=actor, public_id=public_id)
    form = AssignmentForm(request.POST, people=selectors.worker_list(actor=actor))
    if form.is_valid():
        try:
            services.assignment_save(actor=actor, role=role, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, "Assignment added.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("engagements:staffing", role.engagement.public_id)


@page("engagements.assignment:change")
def assignment_edit(request, public_id):
    actor = request.actor
    assignment = selectors.assignment_get(actor=actor, public_id=public_id, action=CHANGE)
    form = AssignmentForm(request.POST or None, people=selectors.worker_list(actor=actor),
                          initial={"person": assignment.person.public_id,
                                   "share": assignment.share, "locked": assignment.locked,
                                   "start_date": assignment.start_date,
                                   "end_date": assignment.end_date})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.assignment_save(
                actor=actor, role=assignment.role, assignment=assignment, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, "Assignment saved.")
            return redirect("engagements:staffing", assignment.role.engagement.public_id)
    return render(request, "core/form.html", {
        "form": form, "title": f"{assignment.person} on {assignment.role.name}",
        "cancel": reverse("engagements:staffing", args=[assignment.role.engagement.public_id]),
    })  # fmt: skip


@require_POST
@page("engagements.assignment:change")
def assignment_decide(request, public_id):
    actor = request.actor
    assignment = selectors.assignment_get(actor=actor, public_id=public_id, action=CHANGE)
    decision = request.POST.get("decision")
    changes = {"accept": {"accept": True}, "lock": {"locked": True}, "unlock": {"locked": False},
               "unaccept": {"accept": False}}.get(decision)  # fmt: skip
    if changes is None:
        messages.error(request, "Choose accept, lock or unlock.")
    else:
        try:
            services.assignment_decide(actor=actor, assignment=assignment, **changes)
        except ValidationError as error:
            messages.error(request, _message(error))
    return redirect("engagements:staffing", assignment.role.engagement.public_id)


@require_POST
@page("engagements.assignment:delete")
def assignment_delete(request, public_id):
    assignment = selectors.assignment_get(actor=request.actor, public_id=public_id,
                                          action="delete")  # fmt: skip
    services.assignment_delete(actor=request.actor, assignment=assignment)
    messages.success(request, "Assignment removed.")
    return redirect("engagements:staffing", assignment.role.engagement.public_id)


@require_POST
@page("engagements.assignment:change")
def assignments_accept(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    try:
        count = services.assignments_accept_all(actor=actor, engagement=engagement)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"{count} assignments accepted; the people were told.")
    return redirect("engagements:staffing", engagement.public_id)


# ---------------------------------------------------------------------------- overviews


@page("engagements.staffingrun:view")
def utilisation(request):
    actor = request.actor
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = timezone.localdate() - dt.timedelta(weeks=4)
    only_over = request.GET.get("over") == "1"
    weeks, rows, totals = selectors.utilisation(actor=actor, start=start, weeks=26,
                                                only_over=only_over)  # fmt: skip
    chart = {"labels": [w.isoformat() for w in weeks], **totals}
    return render(request, "engagements/staffing_utilisation.html", {
        "weeks": weeks, "rows": rows[:200], "total_rows": len(rows), "chart": chart,
        "start": services.monday(start), "only_over": only_over,
        "over_people": sum(1 for r in rows if r["over_weeks"]),
    })  # fmt: skip


@page("engagements.staffingrun:view")
def talent(request):
    review = selectors.talent_review(actor=request.actor)
    chart = {"labels": [s["skill"] for s in review["short"][:15]],
             "missing": [s["missing"] for s in review["short"][:15]]}  # fmt: skip
    return render(request, "engagements/staffing_talent.html", {"review": review, "chart": chart})


@page("engagements.assignment:view")
def my_assignments(request):
    actor = request.actor
    rows = (selectors.assignment_list(actor=actor) if actor.is_orchestrator
            else selectors.my_assignments(actor=actor))  # fmt: skip
    return list_response(
        request,
        spec=lists.ASSIGNMENTS,
        queryset=rows,
        template="engagements/staffing_assignment_list.html",
        context={"title": "Assignments" if actor.is_orchestrator else "Our assignments"},
        detail_url=(lambda a: reverse("engagements:staffing", args=[a.role.engagement.public_id]))
        if actor.is_orchestrator
        else None,
    )
