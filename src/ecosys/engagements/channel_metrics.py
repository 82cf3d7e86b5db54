"""Engagement metrics computed from channel data: what the customer bought through the channel.

Partners' sell-through names the end customer by an account code. For a customer's account,
each month's revenue (in the channel's base currency), orders or quantity becomes a baseline
value (months before the engagement starts) or a tracking value (months from its start); the
average of every other account in the same months becomes the comparison group, so the
benefit can be estimated by difference-in-differences against the market's own movement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record

from .models import (
    EngagementStatus,
    Measurement,
    MeasurementGroup,
    MeasurementKind,
    Metric,
    MetricSource,
)

# measure -> (SQL aggregate over the stored columns, the unit the metric must have; None: base
# currency)
MEASURES: dict[str, tuple[str, str | None]] = {
    "revenue": ("sum(amount_base)", None),
    "orders": ("count(DISTINCT order_id)", "orders"),
    "quantity": ("sum(quantity)", "units"),
}
BASELINE_MONTHS = 12


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def monthly_series(
    paths: list[str], *, account: str, measure: str, start: dt.date, end: dt.date
) -> tuple[dict[dt.date, Decimal], dict[dt.date, Decimal]]:
    """The account's value per month and the mean of every other account with sales that
    month, for months in [start, end]."""
    aggregate, _ = MEASURES[measure]
    if not paths:
        return {}, {}
    rows = duckdb.sql(
        f"""
        WITH per_account AS (
            SELECT period, account, {aggregate} AS value
            FROM read_parquet($paths)
            WHERE account IS NOT NULL AND period BETWEEN $start AND $end
            GROUP BY period, account
        )
        SELECT period,
               max(value) FILTER (WHERE account = $account) AS own,
               avg(value) FILTER (WHERE account <> $account) AS others
        FROM per_account GROUP BY period ORDER BY period
        """,  # noqa: S608 - the aggregate comes from MEASURES, never from input
        params={"paths": paths, "start": start, "end": end, "account": account},
    ).fetchall()
    own = {period: Decimal(str(value)) for period, value, _ in rows if value is not None}
    others = {period: Decimal(str(value)) for period, _, value in rows if value is not None}
    return own, others


def metric_channel_pull(
    *, actor: Actor, metric: Metric, account: str, measure: str, today: dt.date | None = None
) -> dict[str, int]:
    """Record the metric's values from channel data for the phase the engagement is in (all or
    none): before tracking, the baseline months; during tracking, the months since the start.
    Months already recorded are left as they are."""
    from ecosys.performance.services import store_for

    from .services_cycle import measurement_record

    engagement = metric.engagement
    account = (account or "").strip()
    errors: dict[str, str] = {}
    if measure not in MEASURES:
        errors["measure"] = f"The measure is one of: {', '.join(MEASURES)}."
    if not account:
        errors["account"] = "Give the customer's account code as partners report it."
    if errors:
        raise ValidationError(errors)
    unit = MEASURES[measure][1] or _base_currency(engagement.workspace)
    if metric.unit.lower() != unit.lower():
        raise ValidationError(
            {"measure": f"Channel {measure} is counted in {unit}; the metric's unit is "
                        f"“{metric.unit}”. Pick the matching measure or change the metric."}
        )  # fmt: skip
    today = today or timezone.localdate()
    if engagement.status == EngagementStatus.TRACKING:
        kind = MeasurementKind.TRACKING
        start, end = _month(engagement.start_date), min(today, engagement.end_date)
    elif engagement.status in (EngagementStatus.CLOSED,):
        raise ValidationError("The engagement is closed: its values can no longer change.")
    else:
        kind = MeasurementKind.BASELINE
        first = _month(engagement.start_date)
        start = (first - dt.timedelta(days=BASELINE_MONTHS * 31)).replace(day=1)
        end = first - dt.timedelta(days=1)
    paths = store_for(engagement.workspace_id).paths()
    own, others = monthly_series(paths, account=account, measure=measure, start=start, end=end)
    if not own:
        raise ValidationError(
            {"account": f"No channel sales to account “{account}” between {start:%Y-%m} and "
                        f"{end:%Y-%m}."}
        )  # fmt: skip
    have = set(
        Measurement.objects.filter(metric=metric, kind=kind).values_list("group", "period_start")
    )
    counts = {"engagement": 0, "comparison": 0, "skipped": 0}
    with transaction.atomic():
        series_by_group = {MeasurementGroup.ENGAGEMENT: own, MeasurementGroup.COMPARISON: others}
        for group, series in series_by_group.items():
            for period, value in sorted(series.items()):
                if (group, period) in have:
                    counts["skipped"] += 1
                    continue
                measurement_record(
                    actor=actor, metric=metric, kind=kind, period_start=period,
                    value=round(value, 4), unit=metric.unit, group=group,
                    source=MetricSource.CHANNEL,
                )  # fmt: skip
                counts[str(group)] += 1
        audit_record(
            actor=actor,
            action="channel_pull",
            target=metric,
            changes={"account": [None, account], "measure": [None, measure], **{
                key: [None, value] for key, value in counts.items()}},
        )  # fmt: skip
    return counts


def _base_currency(workspace) -> str:
    from ecosys.performance.models import ChannelSettings

    settings = ChannelSettings.objects.filter(workspace=workspace).first()
    return settings.base_currency if settings else "EUR"
