"""Writes of deal registration: submit, decide (with the conflict rule), close, expire."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ecosys.analytics.ingest import ISO_CURRENCIES
from ecosys.core.access import ADD, CHANGE, Actor, allows, ensure
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.models import Membership, Role, TokenScope, Workspace
from ecosys.ecosystem.models import Organization
from ecosys.partners.models import Partner, PartnerState

from .models import (
    DEFAULT_PROTECTION_DAYS,
    OPEN_STATUSES,
    DealRegistration,
    DealStatus,
    DealStatusChange,
)

DEAL_FIELDS = [
    "partner", "customer", "customer_name", "customer_domain", "title", "description",
    "estimated_value", "currency", "expected_close_date", "status",
]  # fmt: skip
# Partners in these states sell; prospects, applicants, suspended and retired ones do not.
SELLING_STATES = frozenset({PartnerState.ONBOARDING, PartnerState.ACTIVE, PartnerState.AT_RISK})


def domain_clean(text: str) -> str:
    """'https://www.Example.com/' -> 'example.com'; the same rule as organisations' domains."""
    domain = (text or "").strip().lower()
    for prefix in ("https://", "http://", "www."):
        domain = domain.removeprefix(prefix)
    domain = domain.rstrip("/")
    if "/" in domain or " " in domain or ":" in domain:
        raise ValidationError(
            {"customer_domain": "Enter a bare domain such as example.com, without a path."}
        )
    if domain and "." not in domain:
        raise ValidationError({"customer_domain": "A domain needs a dot, as in example.com."})
    return domain


def same_customer(*, customer_id: int | None, name: str, domain: str) -> Q:
    """Registrations for the same customer: same organisation, same domain, or same name."""
    condition = Q(customer_name__iexact=name.strip())
    if customer_id:
        condition |= Q(customer_id=customer_id)
    if domain:
        condition |= Q(customer_domain__iexact=domain)
    return condition


def deal_conflicts(deal: DealRegistration, *, today: dt.date | None = None) -> QuerySet:
    """Approved registrations of other partners for the same customer, still under protection.

    Not narrowed by the access policy: the rule holds across partners; callers decide what of
    the other partner's registration a viewer may learn.
    """
    today = today or timezone.localdate()
    return (
        DealRegistration.objects.filter(
            same_customer(
                customer_id=deal.customer_id, name=deal.customer_name, domain=deal.customer_domain
            ),
            status=DealStatus.APPROVED,
            protection_until__gte=today,
        )
        .exclude(partner_id=deal.partner_id)
        .exclude(pk=deal.pk)
        .select_related("partner__organization")
        .order_by("protection_until", "id")
    )


def conflict_message(conflict: DealRegistration) -> str:
    return (
        f"“{conflict.title}” of {conflict.partner.organization} for {conflict.customer_name} "
        f"is protected until {conflict.protection_until:%Y-%m-%d}."
    )


def protection_for(partner: Partner) -> tuple[int, str]:
    """Days of protection an approval gives this partner, and where the number comes from."""
    tier = partner.tier
    raw = (tier.benefits or {}).get("deal_protection_days") if tier else None
    try:
        days = int(Decimal(str(raw))) if raw not in (None, "") else 0
    except (InvalidOperation, ValueError):
        days = 0
    if days > 0:
        return days, f"{days} days: deal-protection benefit of the {tier} tier"
    why = f"the {tier} tier grants no deal protection" if tier else "the partner has no tier"
    return DEFAULT_PROTECTION_DAYS, f"{DEFAULT_PROTECTION_DAYS} days: workspace default ({why})"


def _step(actor: Actor, deal: DealRegistration, from_status: str, reason: str = "") -> None:
    DealStatusChange.objects.create(
        workspace=deal.workspace,
        deal=deal,
        from_status=from_status,
        to_status=deal.status,
        changed_by=actor.label,
        reason=reason[:500],
    )


def _writer(actor: Actor) -> bool:
    return actor.role != Role.READ_ONLY and actor.token_scope != TokenScope.READ


@transaction.atomic
def deal_submit(
    *,
    actor: Actor,
    partner: Partner,
    title: str,
    estimated_value: Decimal,
    currency: str,
    expected_close_date: dt.date,
    customer: Organization | None = None,
    customer_name: str = "",
    customer_domain: str = "",
    description: str = "",
) -> DealRegistration:
    """Register a deal for a partner: its admins for their own partner, the orchestrator for any."""
    deal = DealRegistration(
        workspace=actor.workspace,
        partner=partner,
        customer=customer,
        title=(title or "").strip(),
        description=(description or "").strip(),
        estimated_value=estimated_value,
        currency=(currency or "").strip().upper(),
        expected_close_date=expected_close_date,
        registered_by=actor.user,
    )
    ensure(actor, ADD, deal)  # a partner admin may register for their own partner only
    errors: dict[str, str] = {}
    if partner.state not in SELLING_STATES:
        errors["partner"] = (
            f"{partner.organization} is {partner.get_state_display().lower()}; only onboarding, "
            "active and at-risk partners register deals."
        )
    if customer is not None:
        if customer.pk in (partner.organization_id, actor.workspace.orchestrator_id):
            errors["customer"] = "The customer must be another organisation."
        deal.customer_name = customer.name
        deal.customer_domain = customer.website_domain.lower().removeprefix("www.")
    else:
        deal.customer_name = (customer_name or "").strip()
        try:
            deal.customer_domain = domain_clean(customer_domain)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
        if not deal.customer_name:
            errors["customer_name"] = "Pick the customer organisation or give its name."
    if deal.currency not in ISO_CURRENCIES:
        errors["currency"] = f"“{deal.currency}” is not an ISO 4217 currency code."
    if estimated_value is not None and estimated_value <= 0:
        errors["estimated_value"] = "The estimated value must be more than zero."
    if expected_close_date and expected_close_date < timezone.localdate():
        errors["expected_close_date"] = "The expected close date has passed."
    try:
        deal.full_clean(exclude=["workspace", *errors])
    except ValidationError as error:
        errors = {**{k: v[0] for k, v in error.message_dict.items()}, **errors}
    if errors:
        raise ValidationError(errors)
    duplicate = (
        DealRegistration.objects.filter(
            same_customer(
                customer_id=deal.customer_id, name=deal.customer_name, domain=deal.customer_domain
            ),
            partner=partner,
            status__in=OPEN_STATUSES,
        )
        .order_by("created_at")
        .first()
    )
    if duplicate is not None:
        raise ValidationError(
            {
                "customer_name": (
                    f"{partner.organization} already has an open registration for this customer: "
                    f"“{duplicate.title}” ({duplicate.get_status_display().lower()})."
                )
            }
        )
    deal.save()
    _step(actor, deal, "", "Registered")
    audit_record(
        actor=actor, action="submit", target=deal, changes=diff({}, snapshot(deal, DEAL_FIELDS))
    )
    return deal


def _partner_admins(partner: Partner) -> list[str]:
    return list(
        Membership.objects.filter(
            organization=partner.organization, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )


def _tell_partner(deal: DealRegistration) -> None:
    recipients = _partner_admins(deal.partner)
    if not recipients:
        return
    if deal.status == DealStatus.APPROVED:
        subject = f"Deal registration approved: {deal.title}"
        body = (
            f"Your registration “{deal.title}” for {deal.customer_name} was approved. It is "
            f"protected until {deal.protection_until:%Y-%m-%d} ({deal.protection_basis})."
        )
    else:
        subject = f"Deal registration rejected: {deal.title}"
        body = (
            f"Your registration “{deal.title}” for {deal.customer_name} was rejected: "
            f"{deal.decision_reason}"
        )
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    )


@transaction.atomic
def deal_decide(
    *, actor: Actor, deal: DealRegistration, decision: str, reason: str = ""
) -> DealRegistration:
    """Approve a submitted registration (unless it conflicts) or reject it with a reason."""
    if not actor.is_orchestrator or not allows(actor, CHANGE, DealRegistration):
        raise PermissionDenied("Only the orchestrator's staff decide deal registrations.")
    # Lock every open registration for this customer (in id order, so two approvers of rival
    # registrations queue rather than both pass the conflict check).
    rivals = same_customer(
        customer_id=deal.customer_id, name=deal.customer_name, domain=deal.customer_domain
    )
    list(
        DealRegistration.objects.select_for_update()
        .filter(rivals | Q(pk=deal.pk), status__in=OPEN_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)
    )
    deal = DealRegistration.objects.select_related("partner__organization", "partner__tier").get(
        pk=deal.pk
    )
    if deal.status != DealStatus.SUBMITTED:
        raise ValidationError(
            f"This registration is {deal.get_status_display().lower()}; it was decided already."
        )
    reason = (reason or "").strip()
    before = snapshot(deal, ["status", "protection_until", "protection_basis"])
    if decision == "approve":
        conflict = deal_conflicts(deal).first()
        if conflict is not None:
            raise ValidationError(
                {
                    "decision": (
                        "This registration conflicts with an approved one: "
                        f"{conflict_message(conflict)} Reject it, or wait until then."
                    )
                }
            )
        days, basis = protection_for(deal.partner)
        deal.status = DealStatus.APPROVED
        deal.protection_until = timezone.localdate() + dt.timedelta(days=days)
        deal.protection_basis = basis
    elif decision == "reject":
        if not reason:
            raise ValidationError({"reason": "Say why the registration is rejected."})
        deal.status = DealStatus.REJECTED
    else:
        raise ValidationError({"decision": "Approve or reject."})
    deal.decided_by, deal.decided_at, deal.decision_reason = actor.user, timezone.now(), reason
    deal.save()
    _step(actor, deal, DealStatus.SUBMITTED, reason)
    after = snapshot(deal, ["status", "protection_until", "protection_basis"])
    audit_record(
        actor=actor,
        action=decision,
        target=deal,
        changes={**diff(before, after), "reason": [None, reason]},
    )
    _tell_partner(deal)
    return deal


@transaction.atomic
def deal_close(
    *, actor: Actor, deal: DealRegistration, outcome: str, reason: str = ""
) -> DealRegistration:
    """Record how an approved deal ended (won or lost): the orchestrator or the partner's admin."""
    deal = DealRegistration.objects.select_for_update(of=("self",)).get(pk=deal.pk)
    ensure(actor, CHANGE, deal)
    if not _writer(actor):
        raise PermissionDenied("Your role may not change deal registrations.")
    if outcome not in (DealStatus.WON, DealStatus.LOST):
        raise ValidationError({"outcome": "Won or lost."})
    if deal.status != DealStatus.APPROVED:
        raise ValidationError(
            f"Only an approved registration can be closed; this one is "
            f"{deal.get_status_display().lower()}."
        )
    reason = (reason or "").strip()
    deal.status, deal.closed_at = outcome, timezone.now()
    deal.save(update_fields=["status", "closed_at"])
    _step(actor, deal, DealStatus.APPROVED, reason)
    audit_record(
        actor=actor,
        action="close",
        target=deal,
        changes={"status": [DealStatus.APPROVED.value, outcome], "reason": [None, reason]},
    )
    return deal


def deals_expire(*, workspace: Workspace, today: dt.date | None = None) -> int:
    """Approved registrations past both their expected close date and their protection expire."""
    today = today or timezone.localdate()
    actor = Actor.system(workspace)
    expired = 0
    due = DealRegistration.objects.filter(
        status=DealStatus.APPROVED, expected_close_date__lt=today, protection_until__lt=today
    ).order_by("id")
    for deal in due:
        with transaction.atomic():
            updated = DealRegistration.objects.filter(
                pk=deal.pk, status=DealStatus.APPROVED
            ).update(status=DealStatus.EXPIRED, closed_at=timezone.now())
            if not updated:
                continue  # closed meanwhile
            deal.status = DealStatus.EXPIRED
            reason = (
                f"Expected to close by {deal.expected_close_date:%Y-%m-%d}; "
                f"protected until {deal.protection_until:%Y-%m-%d}"
            )
            _step(actor, deal, DealStatus.APPROVED, reason)
            audit_record(
                actor=actor,
                action="expire",
                target=deal,
                changes={"status": [DealStatus.APPROVED.value, DealStatus.EXPIRED.value]},
            )
            expired += 1
    return expired
