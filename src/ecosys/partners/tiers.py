"""Programmes and tiers: metrics a tier can require, the benefit library, evaluation, decisions.

Metrics are declared in one registry so later modules (revenue from channel data, certified
people from readiness, registered deals) add theirs with `register_metric`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope, Workspace
from ecosys.ecosystem.models import Person

from .models import AgreementStatus, Partner, Program, Tier, TierProposal, TierProposalStatus


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    # values(partners, today) -> {partner id: value}
    values: Callable[[list[Partner], dt.date], dict[int, Decimal]]


METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    METRICS[metric.key] = metric
    return metric


def _tenure(partners, today):
    return {p.pk: Decimal((today - p.created_at.date()).days) for p in partners}


def _people(partners, today):
    counts = dict(
        Person.objects.filter(organization__in=[p.organization_id for p in partners])
        .values_list("organization")
        .annotate(n=Count("id"))
    )
    return {p.pk: Decimal(counts.get(p.organization_id, 0)) for p in partners}


def _fit(partners, today):
    return {p.pk: Decimal(p.fit_score or 0) for p in partners}


def _agreements(partners, today):
    counts = dict(
        Partner.objects.filter(pk__in=[p.pk for p in partners])
        .annotate(n=Count("agreements", filter=Q(agreements__status=AgreementStatus.ACCEPTED)))
        .values_list("pk", "n")
    )
    return {p.pk: Decimal(counts.get(p.pk, 0)) for p in partners}


register_metric(Metric("tenure_days", "Days in the programme", "days", _tenure))
register_metric(Metric("people", "People on record", "people", _people))
register_metric(Metric("fit_score", "Fit score", "points", _fit))
register_metric(Metric("agreements_in_force", "Agreements in force", "agreements", _agreements))


@dataclass(frozen=True)
class Benefit:
    key: str
    label: str
    kind: str  # percent, amount, days, flag, text


BENEFITS = {
    b.key: b
    for b in (
        Benefit("discount_percent", "Discount", "percent"),
        Benefit("mdf_eligible", "Market development funds", "flag"),
        Benefit("mdf_amount", "MDF amount per year (EUR)", "amount"),
        Benefit("deal_protection_days", "Deal protection", "days"),
        Benefit("lead_access", "Lead access", "flag"),
        Benefit("support_level", "Support level", "text"),
        Benefit("logo_use", "Logo use", "flag"),
    )
}


def _number(text: Any, where: str, errors: dict) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        errors[where] = f"“{text}” is not a number."
        return None
    if value < 0:
        errors[where] = "Must not be negative."
    return value


def _benefit_value(benefit: Benefit, value: Any, where: str, errors: dict) -> Any:
    if benefit.kind == "flag":
        if str(value).lower() in ("yes", "true", "1"):
            return True
        if str(value).lower() in ("no", "false", "0"):
            return False
        errors[where] = "Answer yes or no."
        return None
    if benefit.kind == "text":
        return str(value).strip()[:100]
    number = _number(value, where, errors)
    if number is not None and benefit.kind == "percent" and number > 100:
        errors[where] = "A percentage is at most 100."
    return str(number) if number is not None else None


@transaction.atomic
def program_save(
    *,
    actor: Actor,
    name: str,
    tiers: list[dict],
    description: str = "",
    program: Program | None = None,
) -> Program:
    """Create or replace a programme and its ranked tiers (first = entry level)."""
    if not actor.is_orchestrator or not allows(actor, ADD, Program):
        raise PermissionDenied("Only the orchestrator's staff manage programmes.")
    errors: dict[str, str] = {}
    cleaned = []
    for rank, tier in enumerate(tiers, start=1):
        tier_name = str(tier.get("name") or "").strip()
        if not tier_name:
            errors[f"tiers.{rank}.name"] = "Name the tier."
        criteria = {}
        for metric, minimum in (tier.get("criteria") or {}).items():
            if metric not in METRICS:
                errors[f"tiers.{rank}.criteria"] = (
                    f"Unknown metric “{metric}”; known: {', '.join(METRICS)}."
                )
                continue
            value = _number(minimum, f"tiers.{rank}.criteria", errors)
            if value is not None:
                criteria[metric] = str(value)
        benefits = {}
        for key, value in (tier.get("benefits") or {}).items():
            if key not in BENEFITS:
                errors[f"tiers.{rank}.benefits"] = (
                    f"Unknown benefit “{key}”; known: {', '.join(BENEFITS)}."
                )
                continue
            benefits[key] = _benefit_value(BENEFITS[key], value, f"tiers.{rank}.benefits", errors)
        cleaned.append((rank, tier_name, criteria, benefits))
    if not tiers:
        errors["tiers"] = "A programme needs at least one tier."
    if errors:
        raise ValidationError(errors)
    program = program or Program(workspace=actor.workspace)
    program.name, program.description = (name or "").strip(), (description or "").strip()
    program.full_clean(exclude=["workspace"])
    program.save()
    kept = {tier.rank: tier for tier in program.tiers.all()}
    for rank, tier_name, criteria, benefits in cleaned:
        tier = kept.pop(rank, None) or Tier(workspace=actor.workspace, program=program, rank=rank)
        tier.name, tier.criteria, tier.benefits = tier_name, criteria, benefits
        tier.save()
    for tier in kept.values():  # ranks beyond the new list: partners on them lose the tier
        Partner.objects.filter(tier=tier).update(tier=None)
        tier.delete()
    audit_record(
        actor=actor,
        action="update",
        target=program,
        changes={"tiers": [None, [f"{rank}. {name}" for rank, name, _, _ in cleaned]]},
    )
    return program


@transaction.atomic
def partner_enroll(*, actor: Actor, partner: Partner, program: Program | None) -> Partner:
    """Put a partner in a programme (at no tier until the evaluation places it), or take it out."""
    if not actor.is_orchestrator or not allows(actor, ADD, Program):
        raise PermissionDenied("Only the orchestrator's staff enrol partners.")
    before = str(partner.program) if partner.program else None
    partner.program, partner.tier = program, None
    partner.save(update_fields=["program", "tier"])
    TierProposal.objects.filter(partner=partner, status=TierProposalStatus.PENDING).update(
        status=TierProposalStatus.DISMISSED, reason="Programme changed"
    )
    audit_record(
        actor=actor,
        action="enroll",
        target=partner,
        changes={"program": [before, str(program) if program else None]},
    )
    return partner


def qualifying_tier(tiers: list[Tier], figures: dict[str, Decimal]) -> Tier | None:
    """The highest-ranked tier whose every criterion the figures meet."""
    best = None
    for tier in sorted(tiers, key=lambda t: t.rank):
        if all(
            figures.get(metric, Decimal(0)) >= Decimal(minimum)
            for metric, minimum in tier.criteria.items()
        ):
            best = tier
    return best


def partner_figures(partners: list[Partner], today: dt.date) -> dict[int, dict[str, Decimal]]:
    figures: dict[int, dict[str, Decimal]] = {p.pk: {} for p in partners}
    for metric in METRICS.values():
        for partner_id, value in metric.values(partners, today).items():
            figures[partner_id][metric.key] = value
    return figures


def tiers_evaluate(*, workspace: Workspace, today: dt.date | None = None) -> dict[str, int]:
    """Propose a tier change for every enrolled partner whose figures call for one."""
    today = today or timezone.localdate()
    partners = list(
        Partner.objects.filter(program__isnull=False)
        .exclude(state="retired")
        .select_related("program", "tier")
    )
    tiers: dict[int, list[Tier]] = {}
    for tier in Tier.objects.all():
        tiers.setdefault(tier.program_id, []).append(tier)
    pending = set(
        TierProposal.objects.filter(status=TierProposalStatus.PENDING).values_list(
            "partner_id", flat=True
        )
    )
    figures = partner_figures(partners, today)
    counts = {"evaluated": len(partners), "proposed": 0}
    for partner in partners:
        target = qualifying_tier(tiers.get(partner.program_id, []), figures[partner.pk])
        if target is None or target == partner.tier or partner.pk in pending:
            continue
        TierProposal.objects.create(
            workspace=workspace,
            partner=partner,
            current_tier=partner.tier,
            proposed_tier=target,
            figures={key: str(value) for key, value in figures[partner.pk].items()},
        )
        counts["proposed"] += 1
    return counts


@transaction.atomic
def proposal_decide(
    *,
    actor: Actor,
    proposal: TierProposal,
    decision: str,
    tier: Tier | None = None,
    reason: str = "",
) -> TierProposal:
    """Approve the proposed tier, override it with another (with a reason), or dismiss it."""
    if (
        not actor.is_orchestrator
        or actor.role not in (Role.ORCHESTRATOR_ADMIN, Role.ORCHESTRATOR_STAFF)
        or actor.token_scope == TokenScope.READ
    ):
        raise PermissionDenied("Only the orchestrator's staff decide tier changes.")
    proposal = (
        TierProposal.objects.select_for_update(of=("self",))
        .select_related("partner__organization", "proposed_tier")
        .get(pk=proposal.pk)
    )
    if proposal.status != TierProposalStatus.PENDING:
        raise ValidationError("This proposal has been decided already.")
    reason = (reason or "").strip()
    if decision == "approve":
        chosen = proposal.proposed_tier
    elif decision == "override":
        if tier is None or tier.program_id != proposal.proposed_tier.program_id:
            raise ValidationError({"tier": "Choose a tier of the partner's programme."})
        chosen = tier
    elif decision == "dismiss":
        chosen = None
    else:
        raise ValidationError({"decision": "Approve, override or dismiss."})
    if decision in ("override", "dismiss") and not reason:
        raise ValidationError({"reason": "Say why you depart from the evaluation."})
    proposal.status = {
        "approve": TierProposalStatus.APPROVED,
        "override": TierProposalStatus.OVERRIDDEN,
        "dismiss": TierProposalStatus.DISMISSED,
    }[decision]
    proposal.decided_tier, proposal.decided_by, proposal.reason, proposal.decided_at = (
        chosen,
        actor.user,
        reason,
        timezone.now(),
    )
    proposal.save()
    partner = proposal.partner
    if chosen is not None:
        before = str(partner.tier) if partner.tier_id else None
        partner.tier = chosen
        partner.save(update_fields=["tier"])
        audit_record(
            actor=actor,
            action="tier",
            target=partner,
            changes={"tier": [before, str(chosen)], "reason": [None, reason]},
        )
        recipients = list(
            Membership.objects.filter(
                organization=partner.organization, role=Role.EXTERNAL_ADMIN, is_active=True
            ).values_list("user__email", flat=True)
        )
        if recipients:
            benefits = (
                ", ".join(
                    f"{BENEFITS[k].label}: {v}" for k, v in chosen.benefits.items() if k in BENEFITS
                )
                or "see the portal"
            )
            transaction.on_commit(
                lambda: send_mail(
                    subject=f"{partner.organization} is now {chosen.name} in {chosen.program}",
                    message=(
                        f"Your tier in {chosen.program} is now {chosen.name}. "
                        f"Your benefits: {benefits}."
                    ),
                    from_email=None,
                    recipient_list=recipients,
                )
            )
    return proposal


def next_tier_gap(partner: Partner, today: dt.date | None = None) -> dict | None:
    """What the partner needs for the next tier: each criterion with the figure it has now."""
    if partner.program_id is None:
        return None
    tiers = list(Tier.objects.filter(program_id=partner.program_id).order_by("rank"))
    current_rank = partner.tier.rank if partner.tier_id else 0
    following = next((tier for tier in tiers if tier.rank > current_rank), None)
    if following is None:
        return None
    figures = partner_figures([partner], today or timezone.localdate())[partner.pk]
    lines = [
        {
            "label": METRICS[metric].label,
            "unit": METRICS[metric].unit,
            "required": Decimal(minimum),
            "current": figures.get(metric, Decimal(0)),
            "met": figures.get(metric, Decimal(0)) >= Decimal(minimum),
        }
        for metric, minimum in following.criteria.items()
        if metric in METRICS
    ]
    return {"tier": following, "lines": lines}
