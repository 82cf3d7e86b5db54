"""Reads of the money part, narrowed by the access policy (the customer sees its own)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from . import settlement as maths
from .models import (
    CommercialTerms,
    Engagement,
    Settlement,
    SettlementStatus,
    TimeEntry,
    VentureContribution,
    VentureDistribution,
    VentureShare,
)

# An engagement's money is the orchestrator's and its customer's only (assigned organisations: 404).
from .selectors_cycle import engagement_part_get as engagement_get  # noqa: F401


def terms_get(*, actor: Actor, engagement: Engagement) -> CommercialTerms | None:
    return restrict(CommercialTerms.objects.all(), actor).filter(engagement=engagement).first()


def time_entry_list(*, actor: Actor, engagement: Engagement | None = None) -> QuerySet[TimeEntry]:
    rows = restrict(TimeEntry.objects.select_related("person", "engagement", "decided_by"), actor)
    return rows if engagement is None else rows.filter(engagement=engagement)


def time_entry_get(*, actor: Actor, public_id, action: str = VIEW) -> TimeEntry:
    return get_visible(
        TimeEntry.objects.select_related("person", "engagement__lead"),
        actor,
        action=action,
        public_id=public_id,
    )


def time_totals(*, actor: Actor, engagement: Engagement) -> dict:
    """Hours per status, for the time page's summary."""
    rows = (
        time_entry_list(actor=actor, engagement=engagement)
        .order_by()
        .values("status")
        .annotate(hours=Sum("hours"))
    )
    return {row["status"]: row["hours"] or Decimal(0) for row in rows}


def time_by_week(*, actor: Actor, engagement: Engagement) -> dict:
    """Approved and waiting hours per week (Monday), for the time chart."""
    weeks: dict[str, dict[str, Decimal]] = {}
    for entry in time_entry_list(actor=actor, engagement=engagement).order_by("work_date"):
        monday = entry.work_date.toordinal() - entry.work_date.weekday()
        key = entry.work_date.fromordinal(monday).isoformat()
        bucket = weeks.setdefault(key, {"approved": Decimal(0), "submitted": Decimal(0)})
        if entry.status in bucket:
            bucket[entry.status] += entry.hours
    return {
        "labels": list(weeks),
        "approved": [float(week["approved"]) for week in weeks.values()],
        "submitted": [float(week["submitted"]) for week in weeks.values()],
    }


def settlement_list(*, actor: Actor, engagement: Engagement | None = None) -> QuerySet[Settlement]:
    """Settlements the actor may see; the customer never sees drafts."""
    rows = restrict(Settlement.objects.select_related("engagement__customer"), actor)
    if not actor.is_orchestrator:
        rows = rows.exclude(status=SettlementStatus.DRAFT)
    return rows if engagement is None else rows.filter(engagement=engagement)


def settlement_get(*, actor: Actor, public_id, action: str = VIEW) -> Settlement:
    queryset = Settlement.objects.select_related(
        "engagement__customer", "engagement__lead", "generated_by", "decided_by"
    )
    if not actor.is_orchestrator:
        queryset = queryset.exclude(status=SettlementStatus.DRAFT)
    return get_visible(queryset, actor, action=action, public_id=public_id)


def settlement_check(settlement: Settlement) -> dict:
    """Recompute the stored statement from its stored inputs and say whether it matches."""
    try:
        again = maths.recompute(settlement.inputs)
    except (ValueError, KeyError) as error:
        return {"ok": False, "message": f"The inputs cannot be recomputed: {error}"}
    same = (
        again.total == settlement.total
        and again.lines_json() == settlement.lines
        and again.inputs_hash == settlement.inputs_hash
        and list(again.schedule) == list(settlement.schedule)
    )
    return {
        "ok": same,
        "total": again.total,
        "hash": again.inputs_hash,
        "message": "Recomputed from the stored inputs: the same figures to the cent."
        if same
        else f"Recomputed from the stored inputs the total is {again.total}, not "
        f"{settlement.total}.",
    }


def venture_share_list(*, actor: Actor, engagement: Engagement) -> QuerySet[VentureShare]:
    return restrict(VentureShare.objects.select_related("organization"), actor).filter(
        engagement=engagement
    )


def venture_contribution_list(
    *, actor: Actor, engagement: Engagement
) -> QuerySet[VentureContribution]:
    return restrict(VentureContribution.objects.select_related("organization"), actor).filter(
        engagement=engagement
    )


def venture_distribution_list(
    *, actor: Actor, engagement: Engagement
) -> QuerySet[VentureDistribution]:
    return restrict(VentureDistribution.objects.all(), actor).filter(engagement=engagement)


def venture_summary(*, actor: Actor, engagement: Engagement) -> list[dict]:
    """Per owner: share, contributed (money, in kind), distributed so far."""
    owners = {
        row.organization_id: {
            "organization": row.organization,
            "share": row.share,
            "money": Decimal("0.00"),
            "in_kind": Decimal("0.00"),
            "hours": Decimal(0),
            "distributed": Decimal("0.00"),
        }
        for row in venture_share_list(actor=actor, engagement=engagement)
    }
    for contribution in venture_contribution_list(actor=actor, engagement=engagement):
        owner = owners.get(contribution.organization_id)
        if owner is None:
            continue
        if contribution.kind == "money":
            owner["money"] += contribution.amount
        else:
            owner["in_kind"] += contribution.amount
            owner["hours"] += contribution.hours or 0
    by_public_id = {str(row["organization"].public_id): row for row in owners.values()}
    for distribution in venture_distribution_list(actor=actor, engagement=engagement):
        for share, line in zip(
            distribution.inputs.get("shares", []), distribution.lines, strict=False
        ):
            owner = by_public_id.get(share["organization"])
            if owner is not None:
                owner["distributed"] += Decimal(line["amount"])
    for owner in owners.values():
        owner["contributed"] = owner["money"] + owner["in_kind"]
    return list(owners.values())
