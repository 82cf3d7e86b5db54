"""Reads of warnings, playbooks, interventions, escalation contacts and termination proposals,
narrowed by the access policy (a partner sees its own warnings and interventions only)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ecosys.core.access import VIEW, Actor, get_visible, restrict
from ecosys.core.models import User
from ecosys.partners.models import Partner, Program

from .models import (
    EarlyWarning,
    EscalationContact,
    Intervention,
    InterventionStatus,
    InterventionTask,
    PartnerScore,
    Playbook,
    TerminationProposal,
    WarningStatus,
)

ACTIVE_WARNING_STATUSES = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


def warning_list(*, actor: Actor) -> QuerySet[EarlyWarning]:
    return restrict(
        EarlyWarning.objects.select_related("partner__organization", "partner__program"), actor
    )


def warning_get(*, actor: Actor, public_id, action: str = VIEW) -> EarlyWarning:
    return get_visible(
        EarlyWarning.objects.select_related("partner__organization", "partner__program"),
        actor,
        action=action,
        public_id=public_id,
    )


def warning_interventions(*, actor: Actor, warning: EarlyWarning) -> QuerySet[Intervention]:
    return intervention_list(actor=actor).filter(warning=warning)


def playbook_list(*, actor: Actor) -> QuerySet[Playbook]:
    return restrict(Playbook.objects.annotate(step_count=Count("steps")), actor)


def playbook_get(*, actor: Actor, public_id, action: str = VIEW) -> Playbook:
    return get_visible(
        Playbook.objects.prefetch_related("steps"), actor, action=action, public_id=public_id
    )


def active_playbook_list(*, actor: Actor) -> QuerySet[Playbook]:
    return restrict(Playbook.objects.filter(active=True), actor).order_by("name")


def intervention_list(*, actor: Actor) -> QuerySet[Intervention]:
    return restrict(
        Intervention.objects.select_related("partner__organization", "owner", "warning"), actor
    )


def intervention_get(*, actor: Actor, public_id, action: str = VIEW) -> Intervention:
    return get_visible(
        Intervention.objects.select_related(
            "partner__organization", "partner__program", "owner", "warning", "playbook"
        ),
        actor,
        action=action,
        public_id=public_id,
    )


def intervention_tasks(*, actor: Actor, intervention: Intervention) -> QuerySet[InterventionTask]:
    return restrict(InterventionTask.objects.select_related("assignee"), actor).filter(
        intervention=intervention
    )


def intervention_task_get(*, actor: Actor, public_id, action: str = VIEW) -> InterventionTask:
    return get_visible(
        InterventionTask.objects.select_related("intervention__partner__organization"),
        actor,
        action=action,
        public_id=public_id,
    )


def overdue_q(today=None) -> Q:
    """Open interventions past their due date."""
    today = today or timezone.localdate()
    return Q(status=InterventionStatus.OPEN, due_date__lt=today)


def partner_scores(*, actor: Actor, partner: Partner, limit: int = 6) -> list[PartnerScore]:
    return list(
        restrict(PartnerScore.objects.all(), actor)
        .filter(partner=partner)
        .order_by("-period")[:limit]
    )


def owner_list(*, actor: Actor) -> QuerySet[User]:
    """Who may own an intervention or be an escalation contact: active orchestrator members."""
    return User.objects.filter(
        memberships__workspace=actor.workspace,
        memberships__organization_id=actor.workspace.orchestrator_id,
        memberships__is_active=True,
    ).order_by("email")


def program_list(*, actor: Actor) -> QuerySet[Program]:
    return restrict(Program.objects.all(), actor)


def partner_actions(*, actor: Actor, partner: Partner) -> dict:
    """A partner's open warnings and its interventions still running (the partner page)."""
    return {
        "warnings": list(
            warning_list(actor=actor)
            .filter(partner=partner, status__in=ACTIVE_WARNING_STATUSES)
            .order_by("-detected_at")[:10]
        ),
        "interventions": list(
            intervention_list(actor=actor)
            .filter(partner=partner, status=InterventionStatus.OPEN)
            .order_by("due_date")[:10]
        ),
    }


def escalation_contact_list(*, actor: Actor) -> QuerySet[EscalationContact]:
    return restrict(
        EscalationContact.objects.select_related("user", "manages", "program"), actor
    ).order_by("level", "program__name", "user__email")


def escalation_contact_get(*, actor: Actor, public_id, action: str = VIEW) -> EscalationContact:
    return get_visible(EscalationContact.objects.all(), actor, action=action, public_id=public_id)


def termination_list(*, actor: Actor) -> QuerySet[TerminationProposal]:
    return restrict(
        TerminationProposal.objects.select_related(
            "partner__organization", "intervention", "continuity_plan"
        ),
        actor,
    )


def termination_get(*, actor: Actor, public_id, action: str = VIEW) -> TerminationProposal:
    return get_visible(
        TerminationProposal.objects.select_related(
            "partner__organization", "intervention__owner", "continuity_plan"
        ),
        actor,
        action=action,
        public_id=public_id,
    )


def intervention_terminations(
    *, actor: Actor, intervention: Intervention
) -> QuerySet[TerminationProposal]:
    return termination_list(actor=actor).filter(intervention=intervention)
