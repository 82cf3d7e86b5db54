"""What a separation item's decision does to the record it names, through the owning app.

Each hand-over calls the owning app's service where one exists (interventions, continuity
items, sharing grants, sign-ins, rejecting a submitted deal). Where none exists yet the write
is made here through that app's models, inside the caller's transaction and audited on the
record itself: moving a deal registration to another partner, releasing an approved one,
taking an onboarding task back or closing it, ending an agreement. Those are marked
"no <app> service yet" below.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, SharingGrant
from ecosys.ecosystem.models import Organization
from ecosys.partners.models import (
    Agreement,
    AgreementStatus,
    ContinuityItem,
    Partner,
    PartnerState,
)

from .models import ItemDecision, ItemKind, Separation, SeparationItem

# A successor must be a partner that can take work: not retired, not suspended.
SUCCESSOR_STATES = (PartnerState.ACTIVE, PartnerState.AT_RISK, PartnerState.ONBOARDING)


def _target(item: SeparationItem, model):
    """The record an item names, locked; None when it is gone or already settled elsewhere."""
    if not item.target_public_id:
        return None
    return (
        model.objects.select_for_update(of=("self",))
        .filter(public_id=item.target_public_id)
        .first()
    )


def _why(item: SeparationItem, decision: str, successor, note: str) -> str:
    leaving = item.separation.organization
    if decision == ItemDecision.TRANSFER:
        text = f"Handed over from {leaving} to {successor} (separation)"
    elif decision == ItemDecision.BACK:
        text = f"Back to the orchestrator: {leaving} separates"
    else:
        text = f"Closed on the separation of {leaving}"
    return f"{text}: {note}"[:500] if note else text[:500]


def _successor_partner(successor: Organization) -> Partner:
    partner = Partner.objects.filter(organization=successor).first()
    if partner is None or partner.state not in SUCCESSOR_STATES:
        raise ValidationError(
            {"successor": f"{successor} is not an active partner; deals go to active partners."}
        )
    return partner


def _tell_admins(organization: Organization, subject: str, body: str) -> None:
    recipients = list(
        Membership.objects.filter(
            organization=organization, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=body, from_email=None, recipient_list=recipients
            )
        )


def deal_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note) -> None:
    from ecosys.selling.models import OPEN_STATUSES, DealRegistration, DealStatus
    from ecosys.selling.services import deal_decide, same_customer

    deal = _target(item, DealRegistration)
    if deal is None or deal.status not in OPEN_STATUSES:
        return  # decided or closed meanwhile: nothing left to move
    reason = _why(item, decision, successor, note)
    if decision == ItemDecision.TRANSFER:
        # No selling service moves a registration between partners yet: written here.
        new_partner = _successor_partner(successor)
        duplicate = DealRegistration.objects.filter(
            same_customer(
                customer_id=deal.customer_id, name=deal.customer_name, domain=deal.customer_domain
            ),
            partner=new_partner,
            status__in=OPEN_STATUSES,
        ).first()
        if duplicate is not None:
            raise ValidationError(
                {
                    "successor": f"{successor} already has an open registration for this "
                    f"customer (“{duplicate.title}”): choose another successor or close it."
                }
            )
        old_partner = deal.partner
        deal.partner = new_partner
        deal.save(update_fields=["partner"])
        _deal_step(actor, deal, deal.status, reason)
        audit_record(
            actor=actor,
            action="transfer",
            target=deal,
            changes={"partner": [str(old_partner.organization), str(successor)]},
        )
        _tell_admins(
            successor,
            f"A deal was handed over to you: {deal.title}",
            f"{actor.workspace.name} handed the deal registration “{deal}” "
            f"({deal.estimated_value} {deal.currency}, status "
            f"{deal.get_status_display().lower()}) over to {successor}: {reason}.",
        )
    elif deal.status == DealStatus.SUBMITTED:
        deal_decide(actor=actor, deal=deal, decision="reject", reason=reason)
    else:
        # An approved registration is released (no selling service for it yet): its
        # protection ends, the opportunity is the orchestrator's again.
        deal.status, deal.closed_at = DealStatus.EXPIRED, timezone.now()
        deal.save(update_fields=["status", "closed_at"])
        _deal_step(actor, deal, DealStatus.APPROVED, reason)
        audit_record(
            actor=actor,
            action="release",
            target=deal,
            changes={"status": [DealStatus.APPROVED.value, deal.status], "reason": [None, reason]},
        )


def _deal_step(actor: Actor, deal, from_status: str, reason: str) -> None:
    from ecosys.selling.models import DealStatusChange

    DealStatusChange.objects.create(
        workspace=deal.workspace,
        deal=deal,
        from_status=from_status,
        to_status=deal.status,
        changed_by=actor.label,
        reason=reason,
    )


def intervention_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    from ecosys.performance.actions import intervention_cancel
    from ecosys.performance.models import Intervention, InterventionStatus

    intervention = _target(item, Intervention)
    if intervention is None or intervention.status != InterventionStatus.OPEN:
        return
    intervention_cancel(
        actor=actor, intervention=intervention, reason=_why(item, decision, successor, note)
    )


def onboarding_task_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    # No readiness service closes or reassigns a task yet: written here, audited on the partner.
    from ecosys.readiness.models import OnboardingTask, Side

    task = _target(item, OnboardingTask)
    if task is None or task.done_at is not None:
        return
    reason = _why(item, decision, successor, note)
    partner = item.separation.partner
    if decision == ItemDecision.BACK:
        before = task.side
        task.side = Side.ORCHESTRATOR
        task.save(update_fields=["side"])
        changes = {"task": [None, task.title], "side": [before, task.side]}
        action = "task_taken_back"
    else:
        task.done_at, task.done_by = timezone.now(), actor.user
        task.save(update_fields=["done_at", "done_by"])
        changes = {"task": [None, task.title], "closed": [None, reason]}
        action = "task_closed"
    audit_record(actor=actor, action=action, target=partner or task, changes=changes)


def agreement_end_on(
    *, actor: Actor, agreement: Agreement, day: dt.date, reason: str, now: bool = False
) -> None:
    """End an agreement on `day`: now when it is not in force yet or the day has come (`now`),
    otherwise its end date moves to that day and the effective-date pass ends it (no agreements
    service ends one early yet)."""
    before = {"status": agreement.status, "end_date": str(agreement.end_date)}
    if (
        now
        or agreement.status == AgreementStatus.ISSUED
        or day <= timezone.localdate()
        or agreement.start_date >= day
    ):
        agreement.status = AgreementStatus.ENDED
        agreement.end_date = min(agreement.end_date, max(day, agreement.start_date))
    elif agreement.status == AgreementStatus.ACCEPTED:
        agreement.end_date = min(agreement.end_date, day)
    else:
        return
    agreement.save(update_fields=["status", "end_date"])
    audit_record(
        actor=actor,
        action="end" if agreement.status == AgreementStatus.ENDED else "end_scheduled",
        target=agreement,
        changes={
            "status": [before["status"], agreement.status],
            "end_date": [before["end_date"], str(agreement.end_date)],
            "reason": [None, reason],
        },
    )


def agreement_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    agreement = _target(item, Agreement)
    if agreement is None or agreement.status not in (
        AgreementStatus.ISSUED,
        AgreementStatus.ACCEPTED,
    ):
        return
    agreement_end_on(
        actor=actor,
        agreement=agreement,
        day=item.separation.effective_date,
        reason=_why(item, decision, successor, note),
    )


def continuity_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    from ecosys.partners.continuity import item_resolve

    entry = _target(item, ContinuityItem)
    if entry is None or entry.resolution != "pending" or entry.plan.status != "open":
        return
    reason = _why(item, decision, successor, note)
    if decision == ItemDecision.TRANSFER:
        item_resolve(actor=actor, item=entry, resolution="reassigned", successor=successor)
    elif decision == ItemDecision.BACK and entry.kind == "relationship":
        orchestrator = Organization.objects.get(pk=actor.workspace.orchestrator_id)
        item_resolve(
            actor=actor, item=entry, resolution="reassigned", successor=orchestrator, note=reason
        )
    else:
        item_resolve(actor=actor, item=entry, resolution="closed", note=reason)


def access_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    """Sign-ins end on the effective date; decided after it (a late member), they end now."""
    if item.separation.access_revoked_at is None:
        return
    membership = _target(item, Membership)
    if membership is not None and membership.is_active:
        membership_end(membership=membership, separation=item.separation)


def membership_end(*, membership: Membership, separation: Separation) -> None:
    from ecosys.core.services import member_set_active

    # Managing members is an admin's right; the separation ends them on the platform's
    # authority, recorded as the system acting for this separation.
    member_set_active(actor=Actor.system(separation.workspace), membership=membership, active=False)


def sharing_hand_over(*, actor: Actor, item: SeparationItem, decision, successor, note):
    from ecosys.core.services import grant_revoke

    grant = _target(item, SharingGrant)
    if grant is not None:
        grant_revoke(actor=actor, grant=grant)


HAND_OVERS = {
    ItemKind.DEAL: deal_hand_over,
    ItemKind.INTERVENTION: intervention_hand_over,
    ItemKind.ONBOARDING_TASK: onboarding_task_hand_over,
    ItemKind.AGREEMENT: agreement_hand_over,
    ItemKind.CONTINUITY: continuity_hand_over,
    ItemKind.ACCESS: access_hand_over,
    ItemKind.SHARING: sharing_hand_over,
}


def hand_over(*, actor: Actor, item: SeparationItem, decision: str, successor, note: str) -> None:
    """Carry out an item's decision on the record it names (inside the caller's transaction)."""
    action = HAND_OVERS.get(item.kind)
    # Money is settled outside Ecosys for now: the decision and its note are the record.
    if action is not None:
        action(actor=actor, item=item, decision=decision, successor=successor, note=note)
