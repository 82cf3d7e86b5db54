"""Channel reporting: the league table, segment and region views, the channel's trend, and the
monthly report e-mailed to chosen recipients."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Avg, Count, Max, Q

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record, diff
from ecosys.ecosystem.models import Region

from .models import ChannelSettings, EarlyWarning, PartnerScore, WarningStatus


def latest_scored_period(queryset) -> dt.date | None:
    return queryset.aggregate(p=Max("period"))["p"]


def channel_trend(queryset) -> list[dict]:
    """Per month: the channel's revenue (sum of partners') and average score."""
    totals: dict[dt.date, dict] = defaultdict(lambda: {"revenue": 0.0, "score": 0.0, "n": 0})
    for period, measures, score in queryset.values_list("period", "measures", "score"):
        row = totals[period]
        row["revenue"] += float(measures.get("revenue") or 0)
        if score is not None:
            row["score"] += score
            row["n"] += 1
    return [
        {
            "period": period,
            "revenue": round(row["revenue"], 2),
            "avg_score": round(row["score"] / row["n"], 1) if row["n"] else None,
            "partners": row["n"],
        }
        for period, row in sorted(totals.items())
    ]


def group_view(queryset, period: dt.date, by: str) -> list[dict]:
    """Partners, revenue, average score and band counts per region or scorecard segment."""
    field = {
        "region": "partner__organization__region",
        "segment": "scorecard__name",
        "program": "partner__program__name",
    }[by]
    rows = (
        queryset.filter(period=period)
        .values(field)
        .annotate(
            partners=Count("id"),
            avg_score=Avg("score"),
            green=Count("id", filter=Q(band="Green")),
            amber=Count("id", filter=Q(band="Amber")),
            red=Count("id", filter=Q(band="Red")),
        )
        .order_by(field)
    )
    revenue: dict[str, float] = defaultdict(float)
    for key, measures in queryset.filter(period=period).values_list(field, "measures"):
        revenue[key] += float(measures.get("revenue") or 0)
    labels = dict(Region.choices) if by == "region" else {}
    return [
        {
            "group": labels.get(row[field], row[field]) or "—",
            "partners": row["partners"],
            "avg_score": round(row["avg_score"], 1) if row["avg_score"] is not None else None,
            "revenue": round(revenue[row[field]], 2),
            "green": row["green"],
            "amber": row["amber"],
            "red": row["red"],
        }
        for row in rows
    ]


def recipients(channel: ChannelSettings) -> list[str]:
    return [line.strip() for line in channel.report_recipients.splitlines() if line.strip()]


def _previous_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def monthly_report_send(workspace, *, today: dt.date, force: bool = False) -> int:
    """Send last month's report once (to each recipient); returns how many were sent."""
    from .setup import settings_for

    channel = settings_for(workspace)
    to = recipients(channel)
    period = _previous_month(today)
    scores = PartnerScore.objects.filter(workspace=workspace)
    latest = latest_scored_period(scores)
    if not to or latest is None:
        return 0
    period = min(period, latest)
    if not force and channel.last_report_period and channel.last_report_period >= period:
        return 0
    month = list(
        scores.filter(period=period)
        .select_related("partner__organization", "scorecard")
        .order_by("scorecard__name", "rank")
    )
    trend = {row["period"]: row for row in channel_trend(scores)}
    this = trend.get(period, {})
    open_warnings = EarlyWarning.objects.filter(
        workspace=workspace, status=WarningStatus.OPEN
    ).count()
    ranked = sorted((s for s in month if s.score is not None), key=lambda s: -s.score)
    lines = [
        f"Channel performance for {period:%B %Y} — {workspace.name}",
        "",
        f"Partners scored: {len(month)}",
        f"Channel revenue: {this.get('revenue', 0):,.2f} {channel.base_currency}",
        f"Average score: {this.get('avg_score')}",
        f"Open early warnings: {open_warnings}",
        "",
        "Top partners:",
        *[_line(score) for score in ranked[:10]],
        "",
        "Partners needing attention:",
        *[_line(score) for score in ranked[-10:][::-1]],
        "",
        f"The full table is attached. Open {settings.ECOSYS_BASE_URL}/performance/ for more.",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["partner", "scorecard", "score", "band", "rank", "of", "trend", "revenue"])
    for score in month:
        writer.writerow(
            [
                score.partner.organization.name,
                score.scorecard.name if score.scorecard else "",
                "" if score.score is None else f"{score.score:.1f}",
                score.band,
                score.rank or "",
                score.segment_size,
                "" if score.trend is None else f"{score.trend:+.1f}",
                score.measures.get("revenue") or 0,
            ]
        )
    message = EmailMessage(
        subject=f"[{workspace.name}] Channel performance, {period:%B %Y}",
        body="\n".join(lines),
        to=to,
    )
    message.attach(f"scores-{period:%Y-%m}.csv", buffer.getvalue(), "text/csv")
    with transaction.atomic():
        ChannelSettings.objects.filter(pk=channel.pk).update(last_report_period=period)
        audit_record(
            actor=Actor.system(workspace),
            action="monthly_report_sent",
            target=channel,
            changes=diff({}, {"period": period.isoformat(), "recipients": len(to)}),
        )
        transaction.on_commit(message.send)
    return len(to)


def _line(score: PartnerScore) -> str:
    trend = "" if score.trend is None else f" ({score.trend:+.1f})"
    return f"  {score.partner.organization.name}: {score.score:.1f} {score.band}{trend}"
