"""One analytics run: channel measures and scorecards for every partner and month (through the
analytics engine), written back to the database, then early warnings found in the series.

Every number a page shows comes from here, and each run is recorded (AnalyticsRun) with what it
read, how long each stage took, and what it found.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecosys.analytics.pipelines import compute_scorecards, connect, lost_items
from ecosys.core.access import Actor
from ecosys.core.audit import audit_record, diff
from ecosys.core.models import JobStatus, Workspace
from ecosys.partners.models import Partner, PartnerState

from .measures import CHANNEL_LABELS, band_for, measures
from .models import AnalyticsRun, EarlyWarning, PartnerScore, ScorecardMeasure, WarningKind
from .services import store_for

WRITE_BATCH = 2000
# The series early warning watches, with the kind of warning a drop in each raises.
WATCHED = {
    "revenue": (WarningKind.LEVEL_SHIFT, "log1p"),
    "orders": (WarningKind.ORDER_DROP, "sqrt"),
    "product_lines": (WarningKind.LINE_LOSS, "sqrt"),
    "accounts": (WarningKind.ACCOUNT_LOSS, "sqrt"),
}
SENSITIVITY = {"low": "low", "normal": "normal", "high": "high"}


def latest_period(workspace) -> dt.date | None:
    """The latest month that holds channel data."""
    periods = [stored.period for stored in store_for(workspace).files()]
    return dt.date.fromisoformat(max(periods)) if periods else None


def _scored_partners(workspace: Workspace) -> list[Partner]:
    return list(
        Partner.objects.filter(workspace=workspace)
        .exclude(state__in=[PartnerState.PROSPECT, PartnerState.APPLICANT])
        .select_related("organization")
    )


def analytics_run(
    workspace: Workspace, *, triggered_by: str = "schedule", run: AnalyticsRun | None = None
) -> AnalyticsRun:
    """Compute measures, scores and warnings for the workspace; record the run."""
    from .setup import scorecard_default, scorecard_for_partners, settings_for

    run = run or AnalyticsRun.objects.create(
        workspace=workspace,
        triggered_by=triggered_by[:200],
        backend=settings.ECOSYS_ANALYTICS_BACKEND,
    )
    AnalyticsRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, stage="starting")
    timings: dict[str, float] = {}
    started = time.monotonic()

    def stage(name: str, percent: int) -> None:
        AnalyticsRun.objects.filter(pk=run.pk).update(stage=name, percent=percent)

    try:
        channel = settings_for(workspace)
        scorecard_default(workspace)
        store = store_for(workspace)
        files = store.paths()
        partners = _scored_partners(workspace)
        if not files or not partners:
            AnalyticsRun.objects.filter(pk=run.pk).update(
                status=JobStatus.SUCCEEDED,
                stage="nothing to compute: no channel data yet" if not files else "no partners",
                percent=100,
                finished_at=timezone.now(),
            )
            return AnalyticsRun.objects.get(pk=run.pk)
        assignment = scorecard_for_partners(workspace, partners)
        segments = pa.table(
            {
                "partner_id": pa.array(list(assignment), pa.int64()),
                "segment": pa.array([str(card.pk) for card in assignment.values()], pa.string()),
            }
        )
        cards = {card.pk: card for card in assignment.values()}
        weights: dict[str, list[dict]] = defaultdict(list)
        for row in ScorecardMeasure.objects.filter(scorecard__in=list(cards)):
            weights[str(row.scorecard_id)].append(
                {
                    "measure": row.measure,
                    "weight": row.weight,
                    "direction": measures().get(row.measure).direction
                    if row.measure in measures()
                    else "higher",
                    "method": row.method,
                    "target": row.target,
                }
            )
        for card_id in cards:
            weights.setdefault(str(card_id), [{"measure": "revenue", "weight": 1}])
        stage("computing measures and scores", 10)
        tick = time.monotonic()
        con = connect(settings.ECOSYS_ANALYTICS_BACKEND)
        extra = _metric_measures(workspace, partners, weights, files, con)
        result = compute_scorecards(files, segments, dict(weights), con=con, extra=extra)
        timings["scorecards_s"] = round(time.monotonic() - tick, 3)
        rows_read = store.rows()

        stage("writing scores", 50)
        tick = time.monotonic()
        written = _write_scores(workspace, result, cards, channel.dirty_from)
        timings["write_s"] = round(time.monotonic() - tick, 3)

        stage("looking for changes", 75)
        tick = time.monotonic()
        raised = _warnings(workspace, result, channel, files, con)
        timings["warnings_s"] = round(time.monotonic() - tick, 3)
        timings["total_s"] = round(time.monotonic() - started, 3)
        with transaction.atomic():
            AnalyticsRun.objects.filter(pk=run.pk).update(
                status=JobStatus.SUCCEEDED,
                stage="done",
                percent=100,
                rows_read=rows_read,
                partner_periods=result.num_rows,
                written=written,
                warnings_raised=raised,
                timings=timings,
                finished_at=timezone.now(),
            )
            type(channel).objects.filter(pk=channel.pk).update(
                dirty_from=None, computed_at=timezone.now()
            )
            run.refresh_from_db()
            audit_record(
                actor=Actor.system(workspace),
                action="analytics_run",
                target=run,
                changes=diff(
                    {},
                    {
                        "partner_months": result.num_rows,
                        "scores_written": written,
                        "warnings_raised": raised,
                        "seconds": timings["total_s"],
                    },
                ),
            )
        return run
    except Exception as error:
        AnalyticsRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            timings=timings,
        )
        raise


def _metric_measures(workspace, partners, weights, files, con) -> pa.Table | None:
    """Current values of the non-channel measures that scorecards weigh, for the latest month."""
    wanted = {
        w["measure"] for ws in weights.values() for w in ws if w["measure"] not in CHANNEL_LABELS
    }
    if not wanted:
        return None
    from ecosys.partners.tiers import METRICS

    period = latest_period(workspace)
    if period is None:
        return None
    today = timezone.localdate()
    columns: dict[str, list] = {"partner_id": [p.pk for p in partners]}
    for code in sorted(wanted):
        metric = METRICS.get(code)
        values = metric.values(partners, today) if metric else {}
        columns[code] = [
            float(values[p.pk]) if values.get(p.pk) is not None else None for p in partners
        ]
    table = {"partner_id": pa.array(columns.pop("partner_id"), pa.int64())}
    table["period"] = pa.array([period] * len(partners), pa.date32())
    for code, values in columns.items():
        table[code] = pa.array(values, pa.float64())
    return pa.table(table)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _write_scores(workspace, result: pa.Table, cards, dirty_from: dt.date | None) -> int:
    """Replace the stored scores from `dirty_from` on (all of them when never computed)."""
    data = result.to_pydict()
    names = [name for name in result.column_names if name in measures()]
    order = sorted(range(result.num_rows), key=lambda i: (data["partner_id"][i], data["period"][i]))
    rows = []
    now = timezone.now()
    last_by_partner: dict[int, float | None] = {}
    for i in order:
        partner_id, period = data["partner_id"][i], data["period"][i]
        score = _clean(data["score"][i])
        card = cards.get(int(data["segment"][i]))
        band = band_for(score, card.bands if card else [])
        earlier = last_by_partner.get(partner_id)
        trend = None if score is None or earlier is None else round(score - earlier, 4)
        last_by_partner[partner_id] = score
        if dirty_from is not None and period < dirty_from:
            continue
        rows.append(
            PartnerScore(
                workspace=workspace,
                partner_id=partner_id,
                period=period,
                scorecard=card,
                score=score,
                band=band["name"] if band else "",
                rank=data["rank"][i],
                segment_size=data["segment_size"][i] or 0,
                trend=trend,
                measures={name: _clean(data[name][i]) for name in names},
                normalised={
                    name: _clean(data[f"n__{name}"][i])
                    for name in names
                    if f"n__{name}" in data and data[f"n__{name}"][i] is not None
                },
                computed_at=now,
            )
        )
    with transaction.atomic():
        stale = PartnerScore.objects.filter(workspace=workspace)
        if dirty_from is not None:
            stale = stale.filter(period__gte=dirty_from)
        stale.delete()
        PartnerScore.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    return len(rows)


def _matrix(result: pa.Table, measure: str):
    """partners × months array of one measure (NaN where a partner had no data)."""
    partner_ids = np.asarray(result.column("partner_id").to_numpy(zero_copy_only=False))
    periods_raw = result.column("period").to_pylist()
    values = np.asarray(result.column(measure).to_numpy(zero_copy_only=False), dtype="float64")
    partners = np.unique(partner_ids)
    periods = sorted(set(periods_raw))
    index_p = {p: i for i, p in enumerate(partners.tolist())}
    index_t = {p: i for i, p in enumerate(periods)}
    grid = np.full((len(partners), len(periods)), np.nan)
    rows = np.fromiter((index_p[p] for p in partner_ids.tolist()), dtype=np.int64)
    cols = np.fromiter((index_t[p] for p in periods_raw), dtype=np.int64)
    grid[rows, cols] = values
    return partners, periods, grid


def _fmt(value: float, unit: str) -> str:
    if unit == "money":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _warnings(workspace, result: pa.Table, channel, files, con) -> int:
    """Find changes in every partner's series and record new warnings (deduplicated)."""
    from .detect import scan

    now = timezone.now()
    raised = 0
    watch: dict[int, dict[str, float | None]] = {}
    labels = {code: label for code, (label, _u, _h) in CHANNEL_LABELS.items()}
    units = {code: unit for code, (_l, unit, _h) in CHANNEL_LABELS.items()}
    # Fill months with no sales as zeros between a partner's first and last month of data:
    # a partner who stops selling has a level of zero, not a gap.
    for measure, (kind, transform) in WATCHED.items():
        partners, periods, grid = _matrix(result, measure)
        if len(periods) < 8:
            continue
        observed = ~np.isnan(grid)
        first = np.where(observed.any(axis=1), observed.argmax(axis=1), len(periods))
        span = np.arange(len(periods))[None, :] >= first[:, None]
        grid = np.where(span & np.isnan(grid), 0.0, grid)
        scanned = scan(
            grid,
            np.array(periods, dtype="datetime64[M]"),
            sensitivity=SENSITIVITY.get(channel.warning_sensitivity, "normal"),
            recent=channel.warning_recent_months,
            min_change=float(channel.warning_min_change),
            transform=transform,
        )
        # What each partner's series lets us see: the smallest drop its noise would not hide
        # (series too sparse for a 25% drop are watched for nothing, and the profile says so).
        for row, partner_id in enumerate(partners.tolist()):
            value = float(scanned.detectable[row])
            watch.setdefault(int(partner_id), {})[measure] = (
                round(value, 3) if math.isfinite(value) else None
            )
        for hit in scanned.detections():
            partner_id = int(partners[hit.series])
            change_period = periods[hit.index]
            series = grid[hit.series]
            fitted = [
                None if math.isnan(v) else (hit.before if t < hit.index else hit.after)
                for t, v in enumerate(series)
            ]
            label = labels[measure]
            explanation = (
                f"{label} {'fell' if hit.magnitude < 0 else 'rose'} "
                f"{abs(hit.magnitude):.0%} from about {_fmt(hit.before, units[measure])} to "
                f"{_fmt(hit.after, units[measure])} a month from {change_period:%B %Y} "
                f"({hit.confidence:.0%} sure)."
            )
            values = {
                "magnitude": float(hit.magnitude),
                "before": float(hit.before),
                "after": float(hit.after),
                "confidence": float(hit.confidence),
                "statistic": float(hit.statistic),
                "explanation": explanation,
                "series": {
                    "periods": [p.isoformat() for p in periods],
                    "values": [None if math.isnan(v) else float(v) for v in series],
                    "fitted": fitted,
                    "change_index": int(hit.index),
                },
                "last_seen_at": now,
            }
            kind_here = WarningKind.TREND_BREAK if hit.kind == "trend_break" else kind
            warning, created = EarlyWarning.objects.update_or_create(
                workspace=workspace,
                partner_id=partner_id,
                kind=kind_here,
                measure=measure,
                change_period=change_period,
                defaults=values,
                create_defaults=values | {"detected_at": now},
            )
            if created:
                raised += 1
                audit_record(
                    actor=Actor.system(workspace),
                    action="warning_raised",
                    target=warning,
                    changes=diff(
                        {}, {"explanation": explanation, "statistic": float(hit.statistic)}
                    ),
                )
    raised += _lost_items_warnings(workspace, files, con, now)
    _record_watch(workspace, watch)
    return raised


def _record_watch(workspace, watch: dict[int, dict[str, float | None]]) -> None:
    """Store on each partner's latest score what early warning can see in its series."""
    latest = dict(
        PartnerScore.objects.filter(workspace=workspace, partner_id__in=list(watch))
        .values("partner_id")
        .annotate(last=Max("period"))
        .values_list("partner_id", "last")
    )
    rows = list(
        PartnerScore.objects.filter(
            workspace=workspace, partner_id__in=list(latest), period__in=set(latest.values())
        ).only("pk", "partner_id", "period", "watch")
    )
    changed = []
    for row in rows:
        if latest.get(row.partner_id) == row.period:
            row.watch = watch.get(row.partner_id, {})
            changed.append(row)
    PartnerScore.objects.bulk_update(changed, ["watch"], batch_size=WRITE_BATCH)


def _lost_items_warnings(workspace, files, con, now) -> int:
    """Key accounts and product lines that bought steadily and then stopped."""
    as_of = latest_period(workspace)
    if as_of is None:
        return 0
    raised = 0
    for column, kind, noun in (
        ("account", WarningKind.ACCOUNT_LOSS, "key account"),
        ("product_line", WarningKind.LINE_LOSS, "product line"),
    ):
        table = lost_items(con, files, column, as_of=as_of).to_pylist()
        grouped: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
        for row in table:
            grouped[(row["partner_id"], row["since"])].append(row)
        for (partner_id, since), items in grouped.items():
            names = ", ".join(str(item["item"]) for item in items[:5])
            share = sum(item["share"] for item in items)
            lost_revenue = sum(float(item["revenue"]) for item in items)
            explanation = (
                f"{len(items)} {noun}{'' if len(items) == 1 else 's'} that made "
                f"{share:.0%} of revenue in the year before stopped buying from "
                f"{since:%B %Y}: {names}."
            )
            values = {
                "magnitude": -float(share),
                "before": lost_revenue,
                "after": 0.0,
                "confidence": 0.95,
                "statistic": float(len(items)),
                "explanation": explanation,
                "series": {"items": [str(item["item"]) for item in items]},
                "last_seen_at": now,
            }
            warning, created = EarlyWarning.objects.update_or_create(
                workspace=workspace,
                partner_id=partner_id,
                kind=kind,
                measure=f"lost_{column}",
                change_period=since,
                defaults=values,
                create_defaults=values | {"detected_at": now},
            )
            if created:
                raised += 1
                audit_record(
                    actor=Actor.system(workspace),
                    action="warning_raised",
                    target=warning,
                    changes=diff({}, {"explanation": explanation}),
                )
    return raised
