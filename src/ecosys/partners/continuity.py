"""Retirement and continuity: list what a retiring partner holds, hand each item over or close it.

The plan cannot complete while an item is undecided; access ends on the effective date; nothing
is deleted (relationships are ended and new ones started, agreements are ended, sign-ins
suspended).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import CHANGE, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership
from ecosys.ecosystem.models import Organization, Relationship, RelationshipKind, RelationshipState
from ecosys.ecosystem.services import relationship_create, relationship_transition

from .models import (
    Agreement,
    AgreementStatus,
    ContinuityItem,
    ContinuityPlan,
    Partner,
    PartnerState,
)
from .services import partner_transition

OPEN_RELATIONSHIP_STATES = (
    RelationshipState.PROPOSED,
    RelationshipState.ACTIVE,
    RelationshipState.SUSPENDED,
)


def _check(actor: Actor) -> None:
    if not actor.is_orchestrator or not allows(actor, CHANGE, Partner):
        raise PermissionDenied("Only the orchestrator's staff retire partners.")


@transaction.atomic
def plan_open(
    *, actor: Actor, partner: Partner, effective_date: dt.date, reason: str
) -> ContinuityPlan:
    """Open the continuity plan of a partner about to retire, listing everything it holds."""
    _check(actor)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why the partner retires."
    if partner.state == PartnerState.RETIRED:
        errors["partner"] = "This partner has retired already."
    if ContinuityPlan.objects.filter(partner=partner, status="open").exists():
        errors["partner"] = "A continuity plan is open for this partner already."
    if errors:
        raise ValidationError(errors)
    plan = ContinuityPlan.objects.create(
        workspace=actor.workspace,
        partner=partner,
        effective_date=effective_date,
        reason=reason,
        created_by=actor.user,
    )
    organization = partner.organization
    items = (
        [
            ContinuityItem(
                workspace=actor.workspace,
                plan=plan,
                kind="relationship",
                target_public_id=r.public_id,
                label=f"{r.get_kind_display()} {r.target.name}",
            )
            for r in Relationship.objects.filter(
                source=organization,
                kind=RelationshipKind.SERVES,
                state__in=OPEN_RELATIONSHIP_STATES,
            ).select_related("target")
        ]
        + [
            ContinuityItem(
                workspace=actor.workspace,
                plan=plan,
                kind="agreement",
                target_public_id=a.public_id,
                label=str(a.version),
            )
            for a in Agreement.objects.filter(
                partner=partner, status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED]
            ).select_related("version__template")
        ]
        + [
            ContinuityItem(
                workspace=actor.workspace,
                plan=plan,
                kind="access",
                target_public_id=m.public_id,
                label=f"{m.user.email} ({m.get_role_display()})",
            )
            for m in Membership.objects.filter(
                organization=organization, is_active=True
            ).select_related("user")
        ]
    )
    ContinuityItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action="continuity_open",
        target=partner,
        changes={
            "effective_date": [None, str(effective_date)],
            "items": [None, len(items)],
            "reason": [None, reason],
        },
    )
    return plan


def holdings_count(partner: Partner) -> int:
    """How many customer relationships, open agreements and sign-ins the partner holds."""
    organization = partner.organization
    return (
        Relationship.objects.filter(
            source=organization, kind=RelationshipKind.SERVES, state__in=OPEN_RELATIONSHIP_STATES
        ).count()
        + Agreement.objects.filter(
            partner=partner, status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED]
        ).count()
        + Membership.objects.filter(organization=organization, is_active=True).count()
    )


def successors(plan: ContinuityPlan, limit: int = 5) -> list[dict]:
    """Active partners that could take over: same region, a shared role; best fit first."""
    retiring = plan.partner.organization
    candidates = (
        Partner.objects.filter(state__in=[PartnerState.ACTIVE, PartnerState.AT_RISK])
        .exclude(pk=plan.partner_id)
        .select_related("organization")
        .order_by("-fit_score", "organization__name")
    )
    if retiring.region:
        candidates = candidates.filter(organization__region=retiring.region)
    suggestions = []
    for partner in candidates[:200]:
        shared = sorted(set(partner.organization.role_codes) & set(retiring.role_codes))
        if not shared:
            continue
        reasons = [f"same region ({retiring.get_region_display()})"] if retiring.region else []
        reasons.append("also " + ", ".join(shared))
        if partner.fit_score is not None:
            reasons.append(f"fit {partner.fit_score}")
        suggestions.append(
            {
                "organization": partner.organization,
                "reasons": reasons,
                "state": partner.get_state_display(),
            }
        )
        if len(suggestions) == limit:
            break
    return suggestions


@transaction.atomic
def item_resolve(
    *,
    actor: Actor,
    item: ContinuityItem,
    resolution: str,
    successor: Organization | None = None,
    note: str = "",
) -> ContinuityItem:
    """Hand a relationship over to a successor, or close an item with a reason."""
    _check(actor)
    item = (
        ContinuityItem.objects.select_for_update(of=("self",))
        .select_related("plan__partner__organization")
        .get(pk=item.pk)
    )
    if item.plan.status != "open":
        raise ValidationError("The plan is completed; nothing more to decide.")
    if item.resolution != "pending":
        raise ValidationError("This item is decided already.")
    note = (note or "").strip()
    if resolution == "reassigned":
        if item.kind != "relationship":
            raise ValidationError(
                {"resolution": "Only customer relationships can be handed over; close the others."}
            )
        if successor is None or successor.pk == item.plan.partner.organization_id:
            raise ValidationError(
                {"successor": "Choose the organisation that takes the customer over."}
            )
        old = Relationship.objects.select_related("target").get(public_id=item.target_public_id)
        relationship_create(
            actor=actor,
            source=successor,
            target=old.target,
            kind=old.kind,
            state=RelationshipState.ACTIVE,
            start_date=max(item.plan.effective_date, timezone.localdate()),
            notes=f"Taken over from {item.plan.partner.organization}",
        )
        relationship_transition(
            actor=actor,
            relationship=old,
            to_state=RelationshipState.ENDED,
            reason=f"Handed to {successor}",
        )
    elif resolution == "closed":
        if not note:
            raise ValidationError({"note": "Say why the item is closed without a successor."})
        if item.kind == "relationship":
            old = Relationship.objects.get(public_id=item.target_public_id)
            relationship_transition(
                actor=actor, relationship=old, to_state=RelationshipState.ENDED, reason=note
            )
        elif item.kind == "agreement":
            Agreement.objects.filter(public_id=item.target_public_id).update(
                status=AgreementStatus.ENDED
            )
        # Sign-ins are suspended on the effective date (see plan_complete / the daily review).
    else:
        raise ValidationError({"resolution": "Hand over or close."})
    item.resolution, item.successor, item.note = resolution, successor, note
    item.resolved_by, item.resolved_at = actor.user, timezone.now()
    item.save()
    audit_record(
        actor=actor,
        action="continuity_item",
        target=item.plan.partner,
        changes={
            "item": [None, item.label],
            "resolution": [None, resolution],
            "successor": [None, str(successor) if successor else None],
        },
    )
    return item


@transaction.atomic
def plan_complete(*, actor: Actor, plan: ContinuityPlan) -> ContinuityPlan:
    """Complete the plan once every item is decided: the partner retires, its access ends."""
    _check(actor)
    plan = (
        ContinuityPlan.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=plan.pk)
    )
    pending = plan.items.filter(resolution="pending").count()
    if pending:
        raise ValidationError(f"{pending} item(s) still need a decision; the plan cannot complete.")
    if plan.status != "open":
        raise ValidationError("The plan is completed already.")
    plan.status, plan.completed_at = "completed", timezone.now()
    plan.save(update_fields=["status", "completed_at"])
    partner = plan.partner
    if partner.state != PartnerState.RETIRED:
        # Any state may retire; go through the state machine for the timeline and audit.
        partner_transition(
            actor=actor,
            partner=partner,
            to_state=PartnerState.RETIRED,
            reason=plan.reason,
            via_plan=True,
        )
    if plan.effective_date <= timezone.localdate():
        access_end(plan=plan)
    return plan


def access_end(*, plan: ContinuityPlan) -> int:
    """Suspend the retired partner's sign-ins (on or after the effective date)."""
    ids = plan.items.filter(kind="access").values_list("target_public_id", flat=True)
    return Membership.objects.filter(public_id__in=list(ids), is_active=True).update(
        is_active=False
    )
