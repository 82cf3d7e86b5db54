"""Tier metrics of deal registration (registered in the tier metric registry by the app)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from .models import ACCEPTED_STATUSES, DealRegistration, DealStatus

WINDOW_DAYS = 365


def _since(today: dt.date) -> dt.datetime:
    start = today - dt.timedelta(days=WINDOW_DAYS)
    return dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)


def registered_deals(partners, today: dt.date) -> dict[int, Decimal]:
    """Approved registrations (still open, won or lost) decided in the last 365 days."""
    counts = dict(
        DealRegistration.objects.filter(
            partner__in=[p.pk for p in partners],
            status__in=ACCEPTED_STATUSES,
            decided_at__gte=_since(today),
        )
        .values_list("partner")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {p.pk: Decimal(counts.get(p.pk, 0)) for p in partners}


def deals_won_value(partners, today: dt.date) -> dict[int, Decimal]:
    """Estimated value of deals won in the last 365 days, in the workspace's base currency.

    Other currencies are converted at the newest exchange rate of the month won or before; a
    deal in a currency with no rate yet is left out rather than counted at a made-up rate.
    """
    from ecosys.performance.models import ChannelSettings, ExchangeRate

    won = list(
        DealRegistration.objects.filter(
            partner__in=[p.pk for p in partners],
            status=DealStatus.WON,
            closed_at__gte=_since(today),
        ).values_list("partner_id", "estimated_value", "currency", "closed_at")
    )
    settings = ChannelSettings.objects.first()
    base = settings.base_currency if settings else "EUR"
    rates: dict[str, list[tuple[dt.date, Decimal]]] = {}
    if any(currency != base for _, _, currency, _ in won):
        for currency, month, rate in ExchangeRate.objects.order_by("month").values_list(
            "currency", "month", "rate"
        ):
            rates.setdefault(currency, []).append((month, rate))
    totals = {p.pk: Decimal(0) for p in partners}
    for partner_id, value, currency, closed_at in won:
        if currency == base:
            totals[partner_id] += value
            continue
        month = timezone.localtime(closed_at).date().replace(day=1)
        known = [rate for start, rate in rates.get(currency, []) if start <= month]
        if known:
            totals[partner_id] += (value * known[-1]).quantize(Decimal("0.01"))
    return totals
