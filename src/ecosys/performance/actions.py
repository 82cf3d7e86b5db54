"""Writes on what users do about performance: warnings (acknowledge, snooze, dismiss, reopen),
playbooks, interventions and their tasks, escalation of stalled or overdue interventions, and
termination proposals that lead to the partner's retirement path."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, CHANGE, DELETE, MANAGE, Actor, allows, ensure
from ecosys.core.audit import audit_record, diff
from ecosys.core.models import Membership, Role, TokenScope, User
from ecosys.partners.models import Partner, PartnerState

from .models import (
    ChannelSettings,
    EarlyWarning,
    EscalationContact,
    Intervention,
    InterventionStatus,
    InterventionTask,
    Outcome,
    PartnerScore,
    Playbook,
    PlaybookStep,
    Side,
    TerminationProposal,
    TerminationStatus,
    WarningKind,
    WarningStatus,
)

# -- shared helpers --------------------------------------------------------------------------


def measure_label(code: str) -> str:
    """The measure's name for people ("Revenue"); its code when the registry does not know it."""
    try:
        from .measures import measures
    except ImportError:  # the measure registry is optional for these workflows
        return code.replace("_", " ")
    known = measures().get(code)
    return known.label if known else code.replace("_", " ")


def _measure_higher_is_better(code: str) -> bool:
    try:
        from .measures import measures
    except ImportError:
        return True
    known = measures().get(code)
    return known is None or known.direction != "lower"


def _require_orchestrator(actor: Actor, action: str, model, message: str) -> None:
    if not actor.is_orchestrator or not allows(actor, action, model):
        raise PermissionDenied(message)


def _settings(workspace) -> ChannelSettings:
    found = ChannelSettings.objects.filter(workspace=workspace).first()
    return found or ChannelSettings(workspace=workspace)


def _latest_value(partner: Partner, measure: str) -> tuple[float | None, dt.date | None]:
    """The partner's newest monthly figure for one measure, and its month."""
    for period, values in (
        PartnerScore.objects.filter(partner=partner)
        .order_by("-period")
        .values_list("period", "measures")[:12]
    ):
        value = (values or {}).get(measure)
        if isinstance(value, int | float):
            return float(value), period
    return None, None


def _latest_band(partner: Partner) -> str:
    row = PartnerScore.objects.filter(partner=partner).order_by("-period").first()
    return row.band if row else ""


def _percent(value: float) -> str:
    return f"{abs(value) * 100:.0f}%"


# -- warnings --------------------------------------------------------------------------------

# Which status a warning may go to from which.
WARNING_TRANSITIONS: dict[str, set[str]] = {
    WarningStatus.OPEN: {
        WarningStatus.ACKNOWLEDGED,
        WarningStatus.SNOOZED,
        WarningStatus.DISMISSED,
    },
    WarningStatus.ACKNOWLEDGED: {
        WarningStatus.SNOOZED,
        WarningStatus.DISMISSED,
        WarningStatus.OPEN,
    },
    WarningStatus.SNOOZED: {
        WarningStatus.ACKNOWLEDGED,
        WarningStatus.DISMISSED,
        WarningStatus.OPEN,
    },
    WarningStatus.DISMISSED: {WarningStatus.OPEN},
}
WARNING_ACTIONS = {
    WarningStatus.ACKNOWLEDGED: "warning_acknowledge",
    WarningStatus.SNOOZED: "warning_snooze",
    WarningStatus.DISMISSED: "warning_dismiss",
    WarningStatus.OPEN: "warning_reopen",
}


def _warning_write(
    warning: EarlyWarning, *, status: str, reason: str, by: str, until: dt.date | None
) -> dict:
    before = {
        "status": warning.status,
        "snoozed_until": str(warning.snoozed_until) if warning.snoozed_until else None,
        "reason": warning.status_reason or None,
    }
    warning.status, warning.status_reason, warning.snoozed_until = status, reason[:500], until
    warning.status_by, warning.status_at = by[:200], timezone.now()
    warning.save(
        update_fields=["status", "status_reason", "snoozed_until", "status_by", "status_at"]
    )
    after = {
        "status": status,
        "snoozed_until": str(until) if until else None,
        "reason": reason or None,
    }
    return diff(before, after)


@transaction.atomic
def warning_set_status(
    *,
    actor: Actor,
    warning: EarlyWarning,
    status: str,
    reason: str = "",
    snoozed_until: dt.date | None = None,
) -> EarlyWarning:
    """Acknowledge, snooze (until a date), dismiss (with a reason) or reopen a warning."""
    _require_orchestrator(
        actor, CHANGE, EarlyWarning, "Only the orchestrator's staff act on warnings."
    )
    warning = EarlyWarning.objects.select_for_update(of=("self",)).get(pk=warning.pk)
    reason = (reason or "").strip()
    if status not in WARNING_TRANSITIONS:
        raise ValidationError({"status": "Choose acknowledged, snoozed, dismissed or open."})
    if status not in WARNING_TRANSITIONS[warning.status]:
        raise ValidationError(
            {"status": f"The warning is {warning.get_status_display().lower()} already."}
            if status == warning.status
            else {
                "status": f"A {warning.get_status_display().lower()} warning cannot be "
                f"{WarningStatus(status).label.lower()}."
            }
        )
    if status == WarningStatus.DISMISSED and not reason:
        raise ValidationError({"reason": "Say why the warning is dismissed."})
    if status == WarningStatus.SNOOZED:
        if snoozed_until is None:
            raise ValidationError({"snoozed_until": "Choose the date the warning comes back."})
        if snoozed_until <= timezone.localdate():
            raise ValidationError({"snoozed_until": "Choose a date after today."})
    else:
        snoozed_until = None
    changes = _warning_write(
        warning, status=status, reason=reason, by=actor.label, until=snoozed_until
    )
    audit_record(actor=actor, action=WARNING_ACTIONS[status], target=warning, changes=changes)
    return warning


def warnings_unsnooze(*, workspace, today: dt.date | None = None) -> int:
    """Reopen snoozed warnings whose date has come (the daily job); each one audited."""
    today = today or timezone.localdate()
    actor = Actor.system(workspace)
    reopened = 0
    due = EarlyWarning.objects.filter(status=WarningStatus.SNOOZED, snoozed_until__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            warning = EarlyWarning.objects.select_for_update(of=("self",)).get(pk=pk)
            if warning.status != WarningStatus.SNOOZED:
                continue
            reason = f"Snoozed until {warning.snoozed_until:%Y-%m-%d}; the date has come."
            changes = _warning_write(
                warning, status=WarningStatus.OPEN, reason=reason, by=actor.label, until=None
            )
            audit_record(actor=actor, action="warning_reopen", target=warning, changes=changes)
            reopened += 1
    return reopened


# -- playbooks -------------------------------------------------------------------------------

PLAYBOOK_FIELDS = ["name", "description", "warning_kind", "measure", "min_drop", "score_band"]


def _steps_clean(steps: list[dict[str, Any]]) -> list[PlaybookStep]:
    rows, errors = [], {}
    for number, data in enumerate(steps, start=1):
        title = str(data.get("title") or "").strip()
        side = data.get("side") or Side.ORCHESTRATOR
        due_days = data.get("due_days")
        if not title:
            errors[f"steps.{number}.title"] = "Give the step a title."
        elif len(title) > 200:
            errors[f"steps.{number}.title"] = "Keep the title under 200 characters."
        if side not in Side.values:
            errors[f"steps.{number}.side"] = "The side is orchestrator (our team) or partner."
        if not isinstance(due_days, int) or isinstance(due_days, bool) or not 0 <= due_days <= 365:
            errors[f"steps.{number}.due_days"] = "Due days is a whole number from 0 to 365."
        position = data.get("position") or number
        rows.append(PlaybookStep(title=title, side=side, due_days=due_days, position=position))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"steps": "Give the playbook at least one step."})
    return sorted(rows, key=lambda step: step.position)


def _playbook_state(playbook: Playbook) -> dict[str, Any]:
    return {
        **{name: getattr(playbook, name) for name in PLAYBOOK_FIELDS},
        "active": playbook.active,
        "steps": [
            f"{s.position}. {s.title} ({s.get_side_display()}, {s.due_days} days)"
            for s in playbook.steps.all()
        ],
    }


@transaction.atomic
def playbook_save(
    *,
    actor: Actor,
    name: str,
    steps: list[dict[str, Any]],
    description: str = "",
    warning_kind: str = "",
    measure: str = "",
    min_drop: float | None = None,
    score_band: str = "",
    active: bool = True,
    playbook: Playbook | None = None,
) -> Playbook:
    """Create or replace a playbook: what it applies to and its steps."""
    _require_orchestrator(
        actor,
        ADD if playbook is None else CHANGE,
        Playbook,
        "Only the orchestrator's staff manage playbooks.",
    )
    rows = _steps_clean(steps)
    errors = {}
    name = (name or "").strip()
    if warning_kind and warning_kind not in WarningKind.values:
        errors["warning_kind"] = "Choose one of the warning kinds."
    if min_drop is not None and not 0 < min_drop <= 1:
        errors["min_drop"] = "The drop is a share between 0 and 1 (0.2 = 20%)."
    if (
        name
        and Playbook.objects.filter(name__iexact=name)
        .exclude(pk=playbook.pk if playbook else None)
        .exists()
    ):
        errors["name"] = "Another playbook has this name."
    if errors:
        raise ValidationError(errors)
    before = _playbook_state(playbook) if playbook else {}
    playbook = playbook or Playbook(workspace=actor.workspace)
    playbook.name, playbook.description = name, (description or "").strip()
    playbook.warning_kind, playbook.measure = warning_kind or "", (measure or "").strip()
    playbook.min_drop, playbook.score_band = min_drop, (score_band or "").strip()
    playbook.active = active
    playbook.full_clean(exclude=["workspace"], validate_constraints=False)
    playbook.save()
    playbook.steps.all().delete()
    for position, row in enumerate(rows, start=1):
        row.workspace, row.playbook, row.position = actor.workspace, playbook, position
    PlaybookStep.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="update" if before else "create",
        target=playbook,
        changes=diff(before, _playbook_state(playbook)),
    )
    return playbook


@transaction.atomic
def playbook_delete(*, actor: Actor, playbook: Playbook) -> None:
    """Delete a playbook; interventions opened from it keep their tasks."""
    _require_orchestrator(
        actor, DELETE, Playbook, "Only the orchestrator's staff manage playbooks."
    )
    before = _playbook_state(playbook)
    playbook.delete()
    audit_record(actor=actor, action="delete", target=playbook, changes=diff(before, {}))


def _specificity(playbook: Playbook) -> tuple:
    criteria = sum(
        1
        for value in (
            playbook.warning_kind,
            playbook.measure,
            playbook.min_drop is not None,
            playbook.score_band,
        )
        if value
    )
    return (criteria, playbook.min_drop or 0)


def playbook_matches(
    playbook: Playbook, *, kind: str, measure: str, drop: float | None, band: str
) -> bool:
    """Whether every criterion the playbook sets holds (an unset criterion matches anything)."""
    if playbook.warning_kind and playbook.warning_kind != kind:
        return False
    if playbook.measure and playbook.measure != measure:
        return False
    if playbook.min_drop is not None and (drop is None or drop < playbook.min_drop - 1e-9):
        return False
    return not (playbook.score_band and playbook.score_band.lower() != (band or "").lower())


def playbook_for(warning: EarlyWarning) -> Playbook | None:
    """The best active playbook for a warning: the one that matches on the most criteria (then
    the larger minimum drop, then the name)."""
    drop = -warning.magnitude if warning.magnitude is not None else None
    band = _latest_band(warning.partner)
    candidates = [
        playbook
        for playbook in Playbook.objects.filter(active=True).order_by("name")
        if playbook_matches(
            playbook, kind=warning.kind, measure=warning.measure, drop=drop, band=band
        )
    ]
    if not candidates:
        return None
    best = max(_specificity(playbook) for playbook in candidates)
    return next(playbook for playbook in candidates if _specificity(playbook) == best)


# -- interventions ---------------------------------------------------------------------------

INTERVENTION_FIELDS = ["title", "owner", "measure", "baseline_value", "due_date", "status"]


def _check_owner(actor: Actor, owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": "Choose who owns the intervention."})
    if not Membership.objects.filter(
        workspace=actor.workspace,
        organization_id=actor.workspace.orchestrator_id,
        user=owner,
        is_active=True,
    ).exists():
        raise ValidationError({"owner": "The owner must be an active member of the orchestrator."})


def _intervention_state(intervention: Intervention) -> dict[str, Any]:
    return {
        "title": intervention.title,
        "owner": intervention.owner.email if intervention.owner else None,
        "measure": intervention.measure or None,
        "baseline_value": intervention.baseline_value,
        "due_date": str(intervention.due_date),
        "status": intervention.status,
        "partner": str(intervention.partner.organization),
    }


@transaction.atomic
def intervention_open(
    *,
    actor: Actor,
    partner: Partner | None = None,
    warning: EarlyWarning | None = None,
    playbook: Playbook | None = None,
    owner: User | None = None,
    title: str = "",
    measure: str = "",
    due_date: dt.date | None = None,
) -> Intervention:
    """Open an intervention on a partner, from a warning or by hand; a playbook's steps become
    tasks due so many days from today, and the intervention is due with its last task."""
    _require_orchestrator(
        actor, ADD, Intervention, "Only the orchestrator's staff open interventions."
    )
    today = timezone.localdate()
    if warning is not None:
        warning = EarlyWarning.objects.select_for_update(of=("self",)).get(pk=warning.pk)
        partner = warning.partner
        if warning.interventions.filter(status=InterventionStatus.OPEN).exists():
            raise ValidationError({"warning": "An intervention is open on this warning already."})
    if partner is None:
        raise ValidationError({"partner": "Choose the partner."})
    if partner.state == PartnerState.RETIRED:
        raise ValidationError({"partner": "The partner has retired."})
    owner = owner or partner.owner or actor.user
    _check_owner(actor, owner)
    if playbook is not None and not playbook.active:
        raise ValidationError({"playbook": "This playbook is not active."})
    steps = list(playbook.steps.all()) if playbook else []
    if warning is not None:
        measure, baseline = warning.measure, warning.after
        title = (title or "").strip() or f"{measure_label(measure).capitalize()}: {warning}"[:200]
    else:
        measure = (measure or "").strip()
        baseline = _latest_value(partner, measure)[0] if measure else None
        title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the intervention a title."})
    task_dates = [today + dt.timedelta(days=step.due_days) for step in steps]
    if due_date is None:
        if not task_dates:
            raise ValidationError({"due_date": "Choose a due date, or a playbook with steps."})
        due_date = max(task_dates)
    elif task_dates and due_date < max(task_dates):
        raise ValidationError(
            {"due_date": f"The playbook's last task is due {max(task_dates):%Y-%m-%d}."}
        )
    if due_date < today:
        raise ValidationError({"due_date": "The due date has passed already."})
    intervention = Intervention(
        workspace=actor.workspace,
        partner=partner,
        warning=warning,
        playbook=playbook,
        title=title[:200],
        owner=owner,
        measure=measure[:40],
        baseline_value=baseline,
        due_date=due_date,
        created_by=actor.label[:200],
    )
    ensure(actor, ADD, intervention)
    intervention.full_clean(exclude=["workspace"])
    intervention.save()
    InterventionTask.objects.bulk_create(
        [
            InterventionTask(
                workspace=actor.workspace,
                intervention=intervention,
                title=step.title,
                side=step.side,
                assignee=owner if step.side == Side.ORCHESTRATOR else None,
                due_date=due,
            )
            for step, due in zip(steps, task_dates, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="intervention_open",
        target=intervention,
        changes={
            **diff({}, _intervention_state(intervention)),
            "playbook": [None, playbook.name if playbook else None],
            "tasks": [None, len(steps)],
        },
    )
    if warning is not None and warning.status in (WarningStatus.OPEN, WarningStatus.SNOOZED):
        changes = _warning_write(
            warning,
            status=WarningStatus.ACKNOWLEDGED,
            reason="An intervention was opened.",
            by=actor.label,
            until=None,
        )
        audit_record(actor=actor, action="warning_acknowledge", target=warning, changes=changes)
    return intervention


def _check_open(intervention: Intervention) -> None:
    if intervention.status != InterventionStatus.OPEN:
        raise ValidationError("The intervention is closed; nothing more to change.")


@transaction.atomic
def intervention_task_add(
    *,
    actor: Actor,
    intervention: Intervention,
    title: str,
    due_date: dt.date,
    side: str = Side.ORCHESTRATOR,
) -> InterventionTask:
    """Add a task to an open intervention; the intervention's due date follows its last task."""
    _require_orchestrator(
        actor, CHANGE, Intervention, "Only the orchestrator's staff plan interventions."
    )
    intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
    _check_open(intervention)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Give the task a title."
    if side not in Side.values:
        errors["side"] = "The side is orchestrator (our team) or partner."
    if due_date is None or due_date < timezone.localdate():
        errors["due_date"] = "Choose a due date from today on."
    if errors:
        raise ValidationError(errors)
    task = InterventionTask(
        workspace=actor.workspace,
        intervention=intervention,
        title=title,
        side=side,
        assignee=intervention.owner if side == Side.ORCHESTRATOR else None,
        due_date=due_date,
    )
    task.full_clean(exclude=["workspace"])
    task.save()
    changes = {"task": [None, f"{title} ({task.get_side_display()}, due {due_date:%Y-%m-%d})"]}
    if due_date > intervention.due_date:
        changes["due_date"] = [str(intervention.due_date), str(due_date)]
        intervention.due_date = due_date
        intervention.save(update_fields=["due_date"])
    audit_record(actor=actor, action="intervention_task_add", target=intervention, changes=changes)
    return task


@transaction.atomic
def intervention_task_done(
    *, actor: Actor, task: InterventionTask, done: bool = True
) -> InterventionTask:
    """Tick a task off (or undo it); each side ticks its own tasks, a partner through its admin."""
    task = (
        InterventionTask.objects.select_for_update(of=("self",))
        .select_related("intervention__partner")
        .get(pk=task.pk)
    )
    if actor.token_scope == TokenScope.READ or actor.role == Role.READ_ONLY:
        raise PermissionDenied("Your access is read-only.")
    ensure(actor, CHANGE, task)
    own_side = Side.ORCHESTRATOR if actor.is_orchestrator else Side.PARTNER
    if task.side != own_side or (
        not actor.is_orchestrator
        and actor.organization_id != task.intervention.partner.organization_id
    ):
        raise PermissionDenied("This task belongs to the other side.")
    _check_open(task.intervention)
    if done == (task.done_at is not None):
        return task
    task.done_at, task.done_by = (timezone.now(), actor.label[:200]) if done else (None, "")
    task.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        action="intervention_task_done" if done else "intervention_task_reopen",
        target=task.intervention,
        changes={"task": [None, task.title]},
    )
    return task


def outcome_check(intervention: Intervention) -> dict[str, Any] | None:
    """Did the measure recover? The partner's latest figure against the level the warning left
    it at (the baseline) and the level before the drop; a suggested outcome with its reason.
    None when the intervention follows no measure or no figure has come in."""
    if not intervention.measure:
        return None
    latest, period = _latest_value(intervention.partner, intervention.measure)
    if latest is None:
        return None
    baseline = intervention.baseline_value
    warning = intervention.warning
    target = warning.before if warning is not None else None
    label = measure_label(intervention.measure)
    result = {"latest": latest, "period": period, "baseline": baseline, "target": target}
    if baseline is None:
        return {**result, "suggestion": "", "progress": None, "explanation": (
            f"{label} was {latest:,.2f} in {period:%Y-%m}; no baseline to compare with."
        )}  # fmt: skip
    if target is not None and abs(target - baseline) > 1e-9:
        progress = (latest - baseline) / (target - baseline)
        gap = (target - latest) / target if target else 0.0
        if progress >= 0.9:
            suggestion = Outcome.RECOVERED
            text = f"back to {latest:,.2f} against {target:,.2f} before the drop"
        elif progress >= 0.3:
            suggestion = Outcome.PARTLY
            text = f"{progress * 100:.0f}% of the way back; still {_percent(gap)} short"
        else:
            suggestion = Outcome.NOT_RECOVERED
            side = "below" if (target - latest) * (target - baseline) > 0 else "above"
            text = f"still {_percent(gap)} {side} the level before the drop"
        explanation = f"{label} {text} ({period:%Y-%m})."
        return {
            **result,
            "suggestion": suggestion,
            "progress": progress,
            "explanation": explanation,
        }
    sign = 1 if _measure_higher_is_better(intervention.measure) else -1
    change = sign * (latest - baseline) / abs(baseline) if baseline else 0.0
    if change >= 0.1:
        suggestion = Outcome.RECOVERED
    elif change > 0.02:
        suggestion = Outcome.PARTLY
    else:
        suggestion = Outcome.NOT_RECOVERED
    word = "better" if change > 0 else "worse" if change < 0 else "no better"
    explanation = (
        f"{label} {latest:,.2f} in {period:%Y-%m}, {_percent(change)} {word} than "
        f"{baseline:,.2f} when the intervention opened."
        if change
        else f"{label} {latest:,.2f} in {period:%Y-%m}, unchanged since the intervention opened."
    )
    return {**result, "suggestion": suggestion, "progress": change, "explanation": explanation}


@transaction.atomic
def intervention_close(
    *, actor: Actor, intervention: Intervention, outcome: str, note: str = ""
) -> Intervention:
    """Close an intervention with its outcome (recovered, partly, not recovered) and a note."""
    _require_orchestrator(
        actor, CHANGE, Intervention, "Only the orchestrator's staff close interventions."
    )
    intervention = (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("partner__organization", "owner", "warning")
        .get(pk=intervention.pk)
    )
    _check_open(intervention)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose recovered, partly or not recovered."})
    note = (note or "").strip()
    check = outcome_check(intervention)
    before = _intervention_state(intervention)
    intervention.status, intervention.outcome = InterventionStatus.CLOSED, outcome
    intervention.outcome_note, intervention.closed_at = note, timezone.now()
    intervention.save(update_fields=["status", "outcome", "outcome_note", "closed_at"])
    audit_record(
        actor=actor,
        action="intervention_close",
        target=intervention,
        changes={
            **diff(before, _intervention_state(intervention)),
            "outcome": [None, outcome],
            "note": [None, note or None],
            "measured": [None, check["explanation"] if check else None],
        },
    )
    return intervention


@transaction.atomic
def intervention_cancel(*, actor: Actor, intervention: Intervention, reason: str) -> Intervention:
    """Cancel an open intervention (opened by mistake, or overtaken), with the reason."""
    _require_orchestrator(
        actor, CHANGE, Intervention, "Only the orchestrator's staff cancel interventions."
    )
    intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
    _check_open(intervention)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the intervention is cancelled."})
    intervention.status, intervention.outcome_note = InterventionStatus.CANCELLED, reason
    intervention.closed_at = timezone.now()
    intervention.save(update_fields=["status", "outcome_note", "closed_at"])
    audit_record(
        actor=actor,
        action="intervention_cancel",
        target=intervention,
        changes={"status": [InterventionStatus.OPEN, "cancelled"], "reason": [None, reason]},
    )
    return intervention


# -- escalation ------------------------------------------------------------------------------


@transaction.atomic
def escalation_contact_add(
    *, actor: Actor, level: int, user: User, manages: User | None = None, program=None
) -> EscalationContact:
    """Name who hears of escalations: a channel manager's manager (1) or leadership (2)."""
    _require_orchestrator(
        actor, MANAGE, EscalationContact, "Only the orchestrator's admins set escalation contacts."
    )
    errors = {}
    if level not in (1, 2):
        errors["level"] = "Level 1 (manager) or 2 (programme leadership)."
    for field, person in (("user", user), ("manages", manages)):
        if (
            person is not None
            and not Membership.objects.filter(
                workspace=actor.workspace,
                organization_id=actor.workspace.orchestrator_id,
                user=person,
                is_active=True,
            ).exists()
        ):
            errors[field] = "Choose an active member of the orchestrator."
    if level == 2 and manages is not None:
        errors["manages"] = "Programme leadership is set per programme, not per manager."
    if level == 1 and program is not None:
        errors["program"] = "A manager is set per channel manager, not per programme."
    if manages is not None and manages == user:
        errors["manages"] = "Nobody escalates to themselves."
    if errors:
        raise ValidationError(errors)
    if EscalationContact.objects.filter(
        level=level, user=user, manages=manages, program=program
    ).exists():
        raise ValidationError("This contact is set already.")
    contact = EscalationContact.objects.create(
        workspace=actor.workspace, level=level, user=user, manages=manages, program=program
    )
    audit_record(
        actor=actor,
        action="create",
        target=contact,
        changes={
            "level": [None, level],
            "user": [None, user.email],
            "manages": [None, manages.email if manages else None],
            "program": [None, str(program) if program else None],
        },
    )
    return contact


@transaction.atomic
def escalation_contact_remove(*, actor: Actor, contact: EscalationContact) -> None:
    _require_orchestrator(
        actor, MANAGE, EscalationContact, "Only the orchestrator's admins set escalation contacts."
    )
    label = str(contact)
    contact.delete()
    audit_record(actor=actor, action="delete", target=contact, changes={"contact": [label, None]})


def _level_one_recipients(intervention: Intervention) -> list[str]:
    contacts = EscalationContact.objects.filter(level=1).select_related("user")
    owner_id = intervention.owner_id
    return sorted(
        {
            contact.user.email
            for contact in contacts
            if contact.manages_id is None or contact.manages_id == owner_id
        }
        - ({intervention.owner.email} if intervention.owner else set())
    )


def _level_two_recipients(intervention: Intervention) -> list[str]:
    program_id = intervention.partner.program_id
    contacts = EscalationContact.objects.filter(level=2).select_related("user")
    return sorted(
        {
            contact.user.email
            for contact in contacts
            if contact.program_id is None or contact.program_id == program_id
        }
    )


def stalled_reason(intervention: Intervention) -> str | None:
    """Why an intervention counts as not improving, or None when its measure is improving (or
    there is nothing to measure it by)."""
    check = outcome_check(intervention)
    if check is None or check["suggestion"] != Outcome.NOT_RECOVERED:
        return None
    label = measure_label(intervention.measure)
    target, latest, baseline = check["target"], check["latest"], check["baseline"]
    if target is not None and target and abs(target - baseline) > 1e-9:
        gap = (target - latest) / target
        side = "below" if (target - latest) * (target - baseline) > 0 else "above"
        return f"{label} still {_percent(gap)} {side} the level before the drop"
    return f"{label} not improving since the intervention opened ({check['explanation']})"


def _escalate(intervention: Intervention, *, level: int, reason: str, actor: Actor) -> int:
    recipients = (
        _level_one_recipients(intervention) if level == 1 else _level_two_recipients(intervention)
    )
    before = intervention.escalation_level
    intervention.escalation_level, intervention.escalated_at = level, timezone.now()
    intervention.save(update_fields=["escalation_level", "escalated_at"])
    audit_record(
        actor=actor,
        action="intervention_escalate",
        target=intervention,
        changes={
            "escalation_level": [before, level],
            "reason": [None, reason],
            "notified": [None, recipients or "nobody: no escalation contact set"],
        },
    )
    if not recipients:
        return 0
    partner = intervention.partner.organization
    owner = intervention.owner.email if intervention.owner else "nobody"
    audience = "you manage its owner" if level == 1 else "you lead the partner's programme"
    message = EmailMessage(
        subject=f"Escalated (level {level}): {intervention.title}",
        body=(
            f"The intervention “{intervention.title}” on {partner} (owner: {owner}) is escalated "
            f"to you because {audience}.\n\nWhy: {reason}.\n"
            f"Due: {intervention.due_date:%Y-%m-%d}.\n\n"
            f"Open it: {settings.ECOSYS_BASE_URL}/performance/interventions/"
            f"{intervention.public_id}/"
        ),
        to=recipients,
        cc=[intervention.owner.email] if intervention.owner else [],
    )
    transaction.on_commit(message.send)
    return 1


def interventions_escalate(*, workspace, today: dt.date | None = None) -> dict[str, int]:
    """Escalate open interventions: level 1 (the owner's manager) when overdue by the workspace's
    `escalate_overdue_days`, level 2 (programme leadership) when the measure has not improved
    `escalate_stalled_days` after opening. A level is reached once and never lowered, so running
    this again sends nothing new."""
    today = today or timezone.localdate()
    settings = _settings(workspace)
    actor = Actor.system(workspace)
    overdue_before = today - dt.timedelta(days=settings.escalate_overdue_days)
    stalled_before = timezone.now() - dt.timedelta(days=settings.escalate_stalled_days)
    counts = {"level_1": 0, "level_2": 0, "emails": 0}
    candidates = Intervention.objects.filter(
        status=InterventionStatus.OPEN, escalation_level__lt=2
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            intervention = (
                Intervention.objects.select_for_update(of=("self",))
                .select_related("partner__organization", "owner", "warning")
                .get(pk=pk)
            )
            if intervention.status != InterventionStatus.OPEN:
                continue
            if intervention.escalation_level < 1 and intervention.due_date < overdue_before:
                days = (today - intervention.due_date).days
                counts["emails"] += _escalate(
                    intervention, level=1, reason=f"overdue by {days} days", actor=actor
                )
                counts["level_1"] += 1
            if intervention.escalation_level < 2 and intervention.created_at <= stalled_before:
                reason = stalled_reason(intervention)
                if reason:
                    counts["emails"] += _escalate(intervention, level=2, reason=reason, actor=actor)
                    counts["level_2"] += 1
    return counts


# -- termination -----------------------------------------------------------------------------


def _evidence(intervention: Intervention) -> dict[str, Any]:
    """What a termination decision rests on, gathered when it is proposed."""
    warning = intervention.warning
    tasks = list(intervention.tasks.all())
    check = outcome_check(intervention)
    scores = [
        {
            "period": str(score.period),
            "score": score.score,
            "band": score.band,
            **(
                {"measure": score.measures.get(intervention.measure)}
                if intervention.measure
                else {}
            ),
        }
        for score in PartnerScore.objects.filter(partner=intervention.partner).order_by("-period")[
            :6
        ]
    ]
    return {
        "warning": {
            "id": str(warning.public_id),
            "kind": warning.kind,
            "measure": warning.measure,
            "change_period": str(warning.change_period),
            "magnitude": warning.magnitude,
            "confidence": warning.confidence,
            "explanation": warning.explanation,
        }
        if warning
        else None,
        "intervention": {
            "id": str(intervention.public_id),
            "title": intervention.title,
            "playbook": intervention.playbook.name if intervention.playbook else None,
            "owner": intervention.owner.email if intervention.owner else None,
            "opened": intervention.created_at.date().isoformat(),
            "closed": intervention.closed_at.date().isoformat() if intervention.closed_at else None,
            "tasks_done": sum(1 for task in tasks if task.done_at),
            "tasks": len(tasks),
            "escalation_level": intervention.escalation_level,
        },
        "outcome": {
            "outcome": intervention.outcome,
            "note": intervention.outcome_note,
            "measured": check["explanation"] if check else None,
        },
        "scores": scores,
    }


def _orchestrator_admins(workspace) -> list[str]:
    return list(
        Membership.objects.filter(
            workspace=workspace,
            organization_id=workspace.orchestrator_id,
            role=Role.ORCHESTRATOR_ADMIN,
            is_active=True,
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def termination_propose(
    *, actor: Actor, intervention: Intervention, reason: str
) -> TerminationProposal:
    """Propose ending the partnership after an intervention that closed without recovery; the
    evidence (warning, intervention, outcome, latest scores) is gathered with it."""
    if not actor.is_orchestrator or not allows(actor, ADD, TerminationProposal):
        raise PermissionDenied("Only the orchestrator's staff propose termination.")
    intervention = (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("partner__organization", "owner", "warning", "playbook")
        .get(pk=intervention.pk)
    )
    if actor.user != intervention.owner and actor.role != Role.ORCHESTRATOR_ADMIN:
        raise PermissionDenied("The intervention's owner (or an admin) proposes termination.")
    reason = (reason or "").strip()
    errors = {}
    if intervention.status != InterventionStatus.CLOSED or (
        intervention.outcome != Outcome.NOT_RECOVERED
    ):
        errors["intervention"] = "Only an intervention closed as not recovered leads to this."
    elif TerminationProposal.objects.filter(
        partner=intervention.partner, status=TerminationStatus.PROPOSED
    ).exists():
        errors["intervention"] = "A termination of this partner is proposed already."
    if intervention.partner.state == PartnerState.RETIRED:
        errors["intervention"] = "The partner has retired already."
    if not reason:
        errors["reason"] = "Say why the partnership should end."
    if errors:
        raise ValidationError(errors)
    proposal = TerminationProposal.objects.create(
        workspace=actor.workspace,
        partner=intervention.partner,
        intervention=intervention,
        reason=reason,
        evidence=_evidence(intervention),
        proposed_by=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="termination_propose",
        target=proposal,
        changes={"reason": [None, reason], "intervention": [None, intervention.title]},
    )
    recipients = _orchestrator_admins(actor.workspace)
    if recipients:
        partner = intervention.partner.organization
        transaction.on_commit(
            lambda: send_mail(
                subject=f"Termination proposed: {partner}",
                message=(
                    f"{actor.label} proposes ending the partnership with {partner}: {reason}\n\n"
                    f"Decide it: {settings.ECOSYS_BASE_URL}/performance/terminations/"
                    f"{proposal.public_id}/"
                ),
                from_email=None,
                recipient_list=recipients,
            )
        )
    return proposal


@transaction.atomic
def termination_decide(
    *,
    actor: Actor,
    proposal: TerminationProposal,
    approve: bool,
    reason: str,
    effective_date: dt.date | None = None,
) -> TerminationProposal:
    """An admin approves (the partner enters the retirement path: a continuity plan is opened)
    or rejects a proposed termination, with the reason; the owner is told."""
    if not actor.is_orchestrator or not allows(actor, MANAGE, TerminationProposal):
        raise PermissionDenied("Only the orchestrator's admins decide terminations.")
    proposal = (
        TerminationProposal.objects.select_for_update(of=("self",))
        .select_related("partner__organization", "intervention__owner")
        .get(pk=proposal.pk)
    )
    if proposal.status != TerminationStatus.PROPOSED:
        raise ValidationError("This proposal is decided already.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    plan = None
    if approve:
        from ecosys.partners import continuity
        from ecosys.partners.models import ContinuityPlan

        effective_date = effective_date or timezone.localdate() + dt.timedelta(days=30)
        plan = ContinuityPlan.objects.filter(partner=proposal.partner, status="open").first()
        if plan is None:
            plan = continuity.plan_open(
                actor=actor,
                partner=proposal.partner,
                effective_date=effective_date,
                reason=f"Termination: {proposal.reason}"[:500],
            )
    proposal.status = TerminationStatus.APPROVED if approve else TerminationStatus.REJECTED
    proposal.decided_by, proposal.decided_at = actor.label[:200], timezone.now()
    proposal.decision_reason, proposal.continuity_plan = reason, plan
    proposal.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "continuity_plan"]
    )
    audit_record(
        actor=actor,
        action="termination_approve" if approve else "termination_reject",
        target=proposal,
        changes={
            "status": [TerminationStatus.PROPOSED, proposal.status],
            "reason": [None, reason],
            "continuity_plan": [None, str(plan.public_id) if plan else None],
        },
    )
    owner = proposal.intervention.owner if proposal.intervention else None
    recipients = sorted(
        ({owner.email} if owner else set())
        | ({proposal.proposed_by} if "@" in proposal.proposed_by else set())
    )
    if recipients:
        partner = proposal.partner.organization
        verdict = (
            f"approved: {partner} enters the retirement path (continuity plan effective "
            f"{plan.effective_date:%Y-%m-%d})"
            if plan
            else "rejected"
        )
        transaction.on_commit(
            lambda: send_mail(
                subject=f"Termination of {partner} {proposal.get_status_display().lower()}",
                message=f"{actor.label} {verdict}.\n\nReason: {reason}",
                from_email=None,
                recipient_list=recipients,
            )
        )
    return proposal
