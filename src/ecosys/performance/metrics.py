"""Channel figures offered to the partner programme's metric registry (tier criteria)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max


def _latest_scores(partners):
    from .models import PartnerScore

    latest = PartnerScore.objects.filter(partner__in=partners).aggregate(p=Max("period"))["p"]
    if latest is None:
        return None, []
    return latest, PartnerScore.objects.filter(partner__in=partners, period__gt=_back(latest, 12))


def _back(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def channel_revenue_12m(partners, today) -> dict[int, Decimal]:
    """Sell-through over the twelve latest months of channel data."""
    latest, scores = _latest_scores(partners)
    totals: dict[int, Decimal] = {p.pk: Decimal(0) for p in partners}
    for partner_id, measures in scores.values_list("partner_id", "measures") if latest else []:
        totals[partner_id] += Decimal(str(measures.get("revenue") or 0)).quantize(Decimal("0.01"))
    return totals


def performance_score(partners, today) -> dict[int, Decimal]:
    """The latest performance score (0-100)."""
    from .models import PartnerScore

    latest = PartnerScore.objects.filter(partner__in=partners).aggregate(p=Max("period"))["p"]
    values = dict(
        PartnerScore.objects.filter(partner__in=partners, period=latest).values_list(
            "partner_id", "score"
        )
    )
    return {
        p.pk: Decimal(str(round(values[p.pk], 1))) for p in partners if values.get(p.pk) is not None
    }
