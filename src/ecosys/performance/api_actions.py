"""Performance actions API: warnings, playbooks, interventions and their tasks, escalation
contacts, termination proposals. A partner reads its own warnings and interventions and ticks
its side's tasks; everything else is the orchestrator's."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, MANAGE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.partners.selectors import partner_get, program_get

from . import actions, lists_actions
from . import selectors_actions as selectors
from .models import InterventionStatus
from .schemas_actions import (
    CancelIn,
    CloseIn,
    EscalationContactIn,
    EscalationContactOut,
    InterventionDetailOut,
    InterventionIn,
    InterventionOut,
    PlaybookIn,
    PlaybookOut,
    TaskDoneIn,
    TaskIn,
    TaskOut,
    TerminationDecisionIn,
    TerminationIn,
    TerminationOut,
    WarningDetailOut,
    WarningOut,
    WarningStatusIn,
)

router = Router(tags=["performance actions"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


# -- warnings --------------------------------------------------------------------------------


def warning_out(warning) -> dict:
    return {
        "id": warning.public_id,
        "partner_id": warning.partner.public_id,
        "partner": warning.partner.organization.name,
        **{
            name: getattr(warning, name)
            for name in (
                "kind", "measure", "change_period", "magnitude", "before", "after", "confidence",
                "explanation", "status", "snoozed_until", "status_reason", "status_by",
                "status_at", "detected_at", "last_seen_at",
            )
        },
    }  # fmt: skip


def warning_detail_out(warning, *, orchestrator: bool) -> dict:
    suggested = actions.playbook_for(warning) if orchestrator else None
    return {
        **warning_out(warning),
        "series": warning.series or {},
        "suggested_playbook_id": suggested.public_id if suggested else None,
    }


def _warnings(request):
    return list_apply(
        selectors.warning_list(actor=request.auth), request.GET, lists_actions.WARNINGS
    ).queryset


@router.get("/performance/warnings", response={200: Page[WarningOut], **ERRORS})
@access_rule("performance.earlywarning:view")
def warning_list(request):
    """Early warnings you can see (a partner: its own). Filters: status, kind, measure, partner
    (id or name), program (id); q; sort (-detected_at, magnitude, confidence, change_period…)."""
    return paginate(request, _warnings(request), warning_out)


@router.get("/performance/warnings/export", response={200: None, **ERRORS})
@access_rule("performance.earlywarning:view")
def warning_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    """The filtered warnings as CSV or XLSX."""
    return export_response(_warnings(request), lists_actions.WARNINGS, format)


@router.get("/performance/warnings/{warning_id}", response={200: WarningDetailOut, **ERRORS})
@access_rule("performance.earlywarning:view")
def warning_detail(request, warning_id: UUID):
    """One warning with its series (periods, values, fitted level, change index)."""
    warning = selectors.warning_get(actor=request.auth, public_id=warning_id)
    return warning_detail_out(warning, orchestrator=request.auth.is_orchestrator)


@router.post(
    "/performance/warnings/{warning_id}/status", response={200: WarningDetailOut, **ERRORS}
)
@access_rule("performance.earlywarning:change")
def warning_status_set(request, warning_id: UUID, payload: WarningStatusIn):
    """Acknowledge, snooze (until a date), dismiss (reason required) or reopen a warning."""
    warning = selectors.warning_get(actor=request.auth, public_id=warning_id)
    warning = actions.warning_set_status(actor=request.auth, warning=warning, **payload.dict())
    return warning_detail_out(
        selectors.warning_get(actor=request.auth, public_id=warning.public_id), orchestrator=True
    )


# -- playbooks -------------------------------------------------------------------------------


def playbook_out(playbook) -> dict:
    return {
        "id": playbook.public_id,
        **{
            name: getattr(playbook, name)
            for name in (
                "name", "description", "warning_kind", "measure", "min_drop", "score_band",
                "active",
            )
        },
        "steps": [
            {"title": s.title, "side": s.side, "due_days": s.due_days} for s in playbook.steps.all()
        ],
    }  # fmt: skip


@router.get("/performance/playbooks", response={200: Page[PlaybookOut], **ERRORS})
@access_rule("performance.playbook:view")
def playbook_list(request):
    """Playbooks. Filters: warning_kind, active; q; sort (name, min_drop…)."""
    rows = list_apply(
        selectors.playbook_list(actor=request.auth), request.GET, lists_actions.PLAYBOOKS
    ).queryset
    return paginate(request, rows.prefetch_related("steps"), playbook_out)


@router.post("/performance/playbooks", response={201: PlaybookOut, **ERRORS})
@access_rule("performance.playbook:add")
def playbook_create(request, payload: PlaybookIn):
    data = payload.dict()
    playbook = actions.playbook_save(actor=request.auth, **data)
    return Status(201, playbook_out(playbook))


@router.get("/performance/playbooks/{playbook_id}", response={200: PlaybookOut, **ERRORS})
@access_rule("performance.playbook:view")
def playbook_detail(request, playbook_id: UUID):
    return playbook_out(selectors.playbook_get(actor=request.auth, public_id=playbook_id))


@router.put("/performance/playbooks/{playbook_id}", response={200: PlaybookOut, **ERRORS})
@access_rule("performance.playbook:change")
def playbook_update(request, playbook_id: UUID, payload: PlaybookIn):
    """Replace a playbook (its criteria and steps)."""
    playbook = selectors.playbook_get(actor=request.auth, public_id=playbook_id, action=CHANGE)
    playbook = actions.playbook_save(actor=request.auth, playbook=playbook, **payload.dict())
    return playbook_out(selectors.playbook_get(actor=request.auth, public_id=playbook.public_id))


@router.delete("/performance/playbooks/{playbook_id}", response={204: None, **ERRORS})
@access_rule("performance.playbook:delete")
def playbook_delete(request, playbook_id: UUID):
    playbook = selectors.playbook_get(actor=request.auth, public_id=playbook_id, action=DELETE)
    actions.playbook_delete(actor=request.auth, playbook=playbook)
    return Status(204, None)


# -- interventions ---------------------------------------------------------------------------


def intervention_out(intervention) -> dict:
    return {
        "id": intervention.public_id,
        "title": intervention.title,
        "partner_id": intervention.partner.public_id,
        "partner": intervention.partner.organization.name,
        "warning_id": intervention.warning.public_id if intervention.warning else None,
        "owner": intervention.owner.email if intervention.owner else None,
        "overdue": intervention.status == InterventionStatus.OPEN
        and intervention.due_date < timezone.localdate(),
        **{
            name: getattr(intervention, name)
            for name in (
                "measure", "baseline_value", "due_date", "status", "escalation_level", "outcome",
                "outcome_note", "created_at", "closed_at",
            )
        },
    }  # fmt: skip


def _intervention_detail(request, public_id) -> dict:
    actor = request.auth
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    check = actions.outcome_check(intervention) if actor.is_orchestrator else None
    return {
        **intervention_out(intervention),
        "playbook_id": intervention.playbook.public_id if intervention.playbook else None,
        "tasks": [
            {
                "id": task.public_id,
                "title": task.title,
                "side": task.side,
                "due_date": task.due_date,
                "done_at": task.done_at,
                "done_by": task.done_by,
            }
            for task in selectors.intervention_tasks(actor=actor, intervention=intervention)
        ],
        "outcome_check": check if check and check.get("baseline") is not None else None,
    }


def _interventions(request):
    return list_apply(
        selectors.intervention_list(actor=request.auth), request.GET, lists_actions.INTERVENTIONS
    ).queryset


@router.get("/performance/interventions", response={200: Page[InterventionOut], **ERRORS})
@access_rule("performance.intervention:view")
def intervention_list(request):
    """Interventions you can see (a partner: its own). Filters: status, owner (e-mail), partner
    (id or name), overdue (true/false), outcome; q; sort (due_date, -created_at…)."""
    return paginate(request, _interventions(request), intervention_out)


@router.get("/performance/interventions/export", response={200: None, **ERRORS})
@access_rule("performance.intervention:view")
def intervention_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    return export_response(_interventions(request), lists_actions.INTERVENTIONS, format)


@router.post("/performance/interventions", response={201: InterventionDetailOut, **ERRORS})
@access_rule("performance.intervention:add")
def intervention_create(request, payload: InterventionIn):
    """Open an intervention from a warning (measure and baseline from it) or on a partner."""
    actor = request.auth
    data = payload.dict()
    warning_id, partner_id = data.pop("warning_id"), data.pop("partner_id")
    if (warning_id is None) == (partner_id is None):
        raise ValidationError({"warning_id": "Give a warning_id or a partner_id (one of them)."})
    if warning_id:
        data["warning"] = selectors.warning_get(actor=actor, public_id=warning_id)
    else:
        data["partner"] = partner_get(actor=actor, public_id=partner_id)
    playbook_id = data.pop("playbook_id")
    if playbook_id:
        data["playbook"] = selectors.playbook_get(actor=actor, public_id=playbook_id)
    email = data.pop("owner")
    if email:
        data["owner"] = selectors.owner_list(actor=actor).filter(email__iexact=email).first()
        if data["owner"] is None:
            raise ValidationError({"owner": f"No active member of the orchestrator is {email}."})
    intervention = actions.intervention_open(actor=actor, **data)
    return Status(201, _intervention_detail(request, intervention.public_id))


@router.get(
    "/performance/interventions/{intervention_id}", response={200: InterventionDetailOut, **ERRORS}
)
@access_rule("performance.intervention:view")
def intervention_detail(request, intervention_id: UUID):
    """One intervention with its tasks and, for the orchestrator, whether the measure recovered."""
    return _intervention_detail(request, intervention_id)


@router.post(
    "/performance/interventions/{intervention_id}/tasks", response={201: TaskOut, **ERRORS}
)
@access_rule("performance.intervention:change")
def intervention_task_add(request, intervention_id: UUID, payload: TaskIn):
    intervention = selectors.intervention_get(actor=request.auth, public_id=intervention_id)
    task = actions.intervention_task_add(
        actor=request.auth, intervention=intervention, **payload.dict()
    )
    return Status(
        201,
        {
            "id": task.public_id,
            "title": task.title,
            "side": task.side,
            "due_date": task.due_date,
            "done_at": task.done_at,
            "done_by": task.done_by,
        },
    )


@router.post(
    "/performance/intervention-tasks/{intervention_task_id}/done",
    response={200: InterventionDetailOut, **ERRORS},
)
@access_rule("performance.interventiontask:change")
def intervention_task_done(request, intervention_task_id: UUID, payload: TaskDoneIn):
    """Tick a task off (done=false undoes it); a partner's admin ticks the partner's tasks."""
    task = selectors.intervention_task_get(actor=request.auth, public_id=intervention_task_id)
    actions.intervention_task_done(actor=request.auth, task=task, done=payload.done)
    return _intervention_detail(request, task.intervention.public_id)


@router.post(
    "/performance/interventions/{intervention_id}/close",
    response={200: InterventionDetailOut, **ERRORS},
)
@access_rule("performance.intervention:change")
def intervention_close(request, intervention_id: UUID, payload: CloseIn):
    """Close with the outcome: recovered, partly or not_recovered (and a note)."""
    intervention = selectors.intervention_get(actor=request.auth, public_id=intervention_id)
    actions.intervention_close(actor=request.auth, intervention=intervention, **payload.dict())
    return _intervention_detail(request, intervention_id)


@router.post(
    "/performance/interventions/{intervention_id}/cancel",
    response={200: InterventionDetailOut, **ERRORS},
)
@access_rule("performance.intervention:change")
def intervention_cancel(request, intervention_id: UUID, payload: CancelIn):
    intervention = selectors.intervention_get(actor=request.auth, public_id=intervention_id)
    actions.intervention_cancel(actor=request.auth, intervention=intervention, **payload.dict())
    return _intervention_detail(request, intervention_id)


# -- escalation contacts ---------------------------------------------------------------------


def escalation_contact_out(contact) -> dict:
    return {
        "id": contact.public_id,
        "level": contact.level,
        "user": contact.user.email,
        "manages": contact.manages.email if contact.manages else None,
        "program_id": contact.program.public_id if contact.program else None,
        "program": contact.program.name if contact.program else None,
    }


@router.get(
    "/performance/escalation-contacts", response={200: list[EscalationContactOut], **ERRORS}
)
@access_rule("performance.escalationcontact:manage")
def escalation_contact_list(request):
    """Who hears of escalations (orchestrator admins)."""
    return [
        escalation_contact_out(c) for c in selectors.escalation_contact_list(actor=request.auth)
    ]


@router.post("/performance/escalation-contacts", response={201: EscalationContactOut, **ERRORS})
@access_rule("performance.escalationcontact:manage")
def escalation_contact_add(request, payload: EscalationContactIn):
    actor = request.auth
    users = selectors.owner_list(actor=actor)

    def member(email, field):
        if not email:
            return None
        user = users.filter(email__iexact=email).first()
        if user is None:
            raise ValidationError({field: f"No active member of the orchestrator is {email}."})
        return user

    contact = actions.escalation_contact_add(
        actor=actor,
        level=payload.level,
        user=member(payload.user, "user"),
        manages=member(payload.manages, "manages"),
        program=program_get(actor=actor, public_id=payload.program_id)
        if payload.program_id
        else None,
    )
    return Status(201, escalation_contact_out(contact))


@router.delete("/performance/escalation-contacts/{contact_id}", response={204: None, **ERRORS})
@access_rule("performance.escalationcontact:manage")
def escalation_contact_remove(request, contact_id: UUID):
    contact = selectors.escalation_contact_get(
        actor=request.auth, public_id=contact_id, action=MANAGE
    )
    actions.escalation_contact_remove(actor=request.auth, contact=contact)
    return Status(204, None)


# -- termination -----------------------------------------------------------------------------


def termination_out(proposal) -> dict:
    return {
        "id": proposal.public_id,
        "partner_id": proposal.partner.public_id,
        "partner": proposal.partner.organization.name,
        "intervention_id": proposal.intervention.public_id if proposal.intervention else None,
        "continuity_plan_id": proposal.continuity_plan.public_id
        if proposal.continuity_plan
        else None,
        **{
            name: getattr(proposal, name)
            for name in (
                "status", "reason", "evidence", "proposed_by", "decided_by", "decision_reason",
                "created_at", "decided_at",
            )
        },
    }  # fmt: skip


@router.get("/performance/terminations", response={200: Page[TerminationOut], **ERRORS})
@access_rule("performance.terminationproposal:view")
def termination_list(request):
    """Termination proposals. Filters: status; q; sort (-created_at…)."""
    rows = list_apply(
        selectors.termination_list(actor=request.auth), request.GET, lists_actions.TERMINATIONS
    ).queryset
    return paginate(request, rows, termination_out)


@router.post("/performance/terminations", response={201: TerminationOut, **ERRORS})
@access_rule("performance.terminationproposal:add")
def termination_propose(request, payload: TerminationIn):
    """Propose ending a partnership after an intervention closed as not recovered."""
    intervention = selectors.intervention_get(actor=request.auth, public_id=payload.intervention_id)
    proposal = actions.termination_propose(
        actor=request.auth, intervention=intervention, reason=payload.reason
    )
    return Status(
        201,
        termination_out(
            selectors.termination_get(actor=request.auth, public_id=proposal.public_id)
        ),
    )


@router.get("/performance/terminations/{termination_id}", response={200: TerminationOut, **ERRORS})
@access_rule("performance.terminationproposal:view")
def termination_detail(request, termination_id: UUID):
    return termination_out(selectors.termination_get(actor=request.auth, public_id=termination_id))


@router.post(
    "/performance/terminations/{termination_id}/decide", response={200: TerminationOut, **ERRORS}
)
@access_rule("performance.terminationproposal:manage")
def termination_decide(request, termination_id: UUID, payload: TerminationDecisionIn):
    """Approve (a continuity plan opens: the partner's retirement path) or reject, with why."""
    if payload.decision not in ("approve", "reject"):
        raise ValidationError({"decision": "approve or reject"})
    proposal = selectors.termination_get(actor=request.auth, public_id=termination_id)
    actions.termination_decide(
        actor=request.auth,
        proposal=proposal,
        approve=payload.decision == "approve",
        reason=payload.reason,
        effective_date=payload.effective_date,
    )
    return termination_out(selectors.termination_get(actor=request.auth, public_id=termination_id))
