"""Pipelines over the channel store, written once as Ibis expressions.

DuckDB (in-process) runs them by default; the same expressions run on Spark through Ibis'
PySpark backend (`backend="pyspark"`). Pipelines are pure: files and small tables in, an Arrow
table out. They use built-in expressions only (no UDFs), so both backends agree.

`monthly_measures` gives, per partner and month: revenue, growth against the previous month and
the same month a year before, orders, average order value, active end-customer accounts,
product-line breadth and the share of the biggest line (mix concentration).

`scorecards` normalises each measure within the partner's segment and month — percentile rank
(best = 100) or attainment of a target — and rolls them into one weighted score 0-100, with the
partner's rank in its segment.

Rounding (so that backends, and any re-implementation, agree on ranks despite the order in
which floating-point sums are taken): ratios (growth, average order value, top-line share) are
rounded to 9 decimals before they are ranked, and the score to 6 decimals before partners are
ranked on it. Ties share the lower rank (SQL RANK).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import pyarrow as pa
from ibis import _

RATIO_DIGITS = 9
SCORE_DIGITS = 6

# The measures the channel pipeline computes, with the direction in which they are better.
CHANNEL_MEASURES: dict[str, str] = {
    "revenue": "higher",
    "growth_prev": "higher",
    "growth_yoy": "higher",
    "orders": "higher",
    "avg_order_value": "higher",
    "accounts": "higher",
    "product_lines": "higher",
    "top_line_share": "lower",
}


@dataclass(frozen=True)
class Weight:
    """How one measure counts in a scorecard."""

    measure: str
    weight: float
    direction: str = "higher"  # or "lower" (lower is better)
    method: str = "percentile"  # or "target"
    target: float | None = None

    @classmethod
    def of(cls, value: Weight | dict) -> Weight:
        if isinstance(value, Weight):
            return value
        return cls(
            measure=value["measure"],
            weight=float(value["weight"]),
            direction=value.get("direction") or CHANNEL_MEASURES.get(value["measure"], "higher"),
            method=value.get("method", "percentile"),
            target=value.get("target"),
        )


# --------------------------------------------------------------------------- backends
def connect(backend: str = "duckdb"):
    """An Ibis connection: DuckDB in-process (default) or Spark (local or configured master)."""
    if backend == "duckdb":
        con = ibis.duckdb.connect()
        threads = int(os.environ.get("ECOSYS_ANALYTICS_THREADS", "0")) or (os.cpu_count() or 1)
        con.raw_sql(f"SET threads = {threads}")
        memory = os.environ.get("ECOSYS_ANALYTICS_MEMORY", "1500MB")
        con.raw_sql(f"SET memory_limit = '{memory}'")
        return con
    if backend == "pyspark":
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master(os.environ.get("ECOSYS_SPARK_MASTER", "local[2]"))
            .appName("ecosys-analytics")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", os.environ.get("ECOSYS_SPARK_SHUFFLE", "8"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="ecosys-spark-"))
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise ValueError(f"Unknown analytics backend {backend!r}; use 'duckdb' or 'pyspark'.")


def channel_table(con, files: list[str]):
    """The stored channel facts as one Ibis table."""
    if not files:
        raise ValueError("There is no channel data to compute on.")
    if con.name == "pyspark":  # Ibis' Spark reader takes one path; Spark itself takes many.
        frame = con._session.read.parquet(*files)
        frame.createOrReplaceTempView("channel_facts")
        return con.table("channel_facts")
    return con.read_parquet(list(files))


# --------------------------------------------------------------------------- measures
def monthly_measures(facts):
    """Per partner and month: the channel measures (see CHANNEL_MEASURES)."""
    by_line = facts.group_by(["partner_id", "period", "product_line"]).aggregate(
        line_revenue=_.amount_base.sum()
    )
    lines = by_line.group_by(["partner_id", "period"]).aggregate(
        revenue=_.line_revenue.sum(),
        product_lines=_.product_line.count(),
        top_line=_.line_revenue.max(),
    )
    activity = facts.group_by(["partner_id", "period"]).aggregate(
        orders=_.order_id.nunique(),
        accounts=_.account.nunique(),
    )
    base = lines.join(activity, ["partner_id", "period"]).select(
        "partner_id",
        "period",
        revenue=_.revenue.cast("float64"),
        orders=_.orders.cast("int64"),
        accounts=_.accounts.cast("int64"),
        product_lines=_.product_lines.cast("int64"),
        top_line=_.top_line.cast("float64"),
        month_no=(_.period.year() * 12 + _.period.month()).cast("int64"),
    )

    # The same partner's revenue one and twelve months before: range windows over the month
    # number find exactly that month (or nothing, when the partner had no sales then), with
    # no self-join.
    def months_before(months: int):
        window = ibis.window(
            group_by=base.partner_id, order_by=base.month_no, range=(-months, -months)
        )
        return base.revenue.max().over(window)

    def growth(earlier):
        return ibis.cases(
            (earlier > 0, (base.revenue / earlier - 1).round(RATIO_DIGITS)),
            else_=ibis.null("float64"),
        )

    return base.select(
        "partner_id",
        "period",
        "revenue",
        growth_prev=growth(months_before(1)),
        growth_yoy=growth(months_before(12)),
        orders=base.orders,
        avg_order_value=ibis.cases(
            (base.orders > 0, (base.revenue / base.orders).round(RATIO_DIGITS)),
            else_=ibis.null("float64"),
        ),
        accounts=base.accounts,
        product_lines=base.product_lines,
        top_line_share=ibis.cases(
            (base.revenue > 0, (base.top_line / base.revenue).round(RATIO_DIGITS)),
            else_=ibis.null("float64"),
        ),
    )


# --------------------------------------------------------------------------- scoring
def _config_table(segments: Iterable[str], weights: dict[str, list[Weight]]) -> pa.Table:
    measures = sorted({w.measure for ws in weights.values() for w in ws})
    rows: dict[str, list] = {"segment": []}
    for measure in measures:
        rows[f"w__{measure}"] = []
        rows[f"t__{measure}"] = []
    for segment in segments:
        chosen = {w.measure: w for w in weights.get(segment, weights.get("*", []))}
        rows["segment"].append(segment)
        for measure in measures:
            weight = chosen.get(measure)
            rows[f"w__{measure}"].append(float(weight.weight) if weight else 0.0)
            target = weight.target if weight and weight.method == "target" else None
            rows[f"t__{measure}"].append(float(target) if target else None)
    types = {"segment": pa.string()} | {name: pa.float64() for name in rows if name != "segment"}
    return pa.table({name: pa.array(values, types[name]) for name, values in rows.items()})


def scorecards(con, measures, segments: pa.Table, weights: dict[str, list[Weight]]):
    """Normalise every weighted measure within (segment, month) and roll into a score.

    measures: Ibis table with partner_id, period and one column per measure.
    segments: Arrow table partner_id -> segment (partners without one are left out).
    weights: segment -> weights ("*" for every segment).
    """
    directions = {w.measure: w.direction for ws in weights.values() for w in ws}
    names = sorted(directions)
    segment_names = sorted(set(segments.column("segment").to_pylist()))
    config = con.create_table(
        f"scorecard_config_{os.getpid()}", _config_table(segment_names, weights), overwrite=True
    )
    segs = con.create_table(f"scorecard_segments_{os.getpid()}", segments, overwrite=True)
    # Rank on a narrow table (sorting carries every column along), then join the settings.
    narrow = measures.join(segs, "partner_id").select(
        "partner_id",
        "period",
        "segment",
        *[measures[name].cast("float64").name(name) for name in names],
    )
    ranks = {}
    for name in names:
        value = narrow[name]
        # Nulls sort last in both directions (explicitly: Spark's default differs), so ranks
        # among the values are those of the values alone; count() skips nulls.
        window = ibis.window(
            group_by=[narrow.segment, narrow.period],
            order_by=ibis.asc(value, nulls_first=False)
            if directions[name] == "higher"
            else ibis.desc(value, nulls_first=False),
        )
        ranks[f"r__{name}"] = ibis.rank().over(window).cast("float64")
        ranks[f"c__{name}"] = (
            value.count()
            .over(ibis.window(group_by=[narrow.segment, narrow.period]))
            .cast("float64")
        )
    table = narrow.mutate(**ranks).join(config, "segment")
    normalised = {}
    for name in names:
        value = table[name]
        rank0, count = table[f"r__{name}"], table[f"c__{name}"]
        percentile = ibis.cases((count <= 1, 100.0), else_=rank0 / (count - 1.0) * 100.0)
        target = table[f"t__{name}"]
        attained = (
            ibis.least(value / target, 1.0) * 100.0
            if directions[name] == "higher"
            else ibis.least(target / ibis.greatest(value, 1e-12), 1.0) * 100.0
        )
        normalised[name] = ibis.cases(
            (value.isnull(), ibis.null("float64")),
            (target.notnull() & (target > 0), ibis.greatest(attained, 0.0)),
            else_=percentile,
        )
    numerator = sum(
        (normalised[name].fill_null(0.0) * table[f"w__{name}"] for name in names),
        ibis.literal(0.0),
    )
    denominator = sum(
        (ibis.cases((normalised[name].isnull(), 0.0), else_=table[f"w__{name}"]) for name in names),
        ibis.literal(0.0),
    )
    scored = table.select(
        "partner_id",
        "period",
        "segment",
        *names,
        **{f"n__{name}": normalised[name] for name in names},
        score=ibis.cases(
            (denominator > 0, (numerator / denominator).round(SCORE_DIGITS)),
            else_=ibis.null("float64"),
        ),
    )
    ranking = ibis.window(
        group_by=[scored.segment, scored.period],
        order_by=ibis.desc(scored.score, nulls_first=False),
    )
    return scored.mutate(
        rank=ibis.cases(
            (scored.score.isnull(), ibis.null("int64")),
            else_=(ibis.rank().over(ranking) + 1).cast("int64"),
        ),
        segment_size=scored.partner_id.count().over(
            ibis.window(group_by=[scored.segment, scored.period])
        ),
    )


def compute_scorecards(
    files: list[str],
    segments: pa.Table,
    weights: list[dict] | list[Weight] | dict[str, list],
    backend: str = "duckdb",
    extra: pa.Table | None = None,
    con=None,
) -> pa.Table:
    """Channel measures and scorecards for every partner and month, as an Arrow table.

    extra: more measures per (partner_id, period) from other modules, joined in (left join).
    """
    if isinstance(weights, dict):
        by_segment = {key: [Weight.of(w) for w in ws] for key, ws in weights.items()}
    else:
        by_segment = {"*": [Weight.of(w) for w in weights]}
    con = con or connect(backend)
    measures = monthly_measures(channel_table(con, files))
    if extra is not None and extra.num_rows:
        more = con.create_table(f"extra_measures_{os.getpid()}", extra, overwrite=True)
        measures = measures.left_join(more, ["partner_id", "period"])
    return scorecards(con, measures, segments, by_segment).to_pyarrow()


def lost_items(
    con,
    files: list[str],
    column: str,
    *,
    as_of: dt.date,
    recent: int = 3,
    min_share: float = 0.10,
    min_months: int = 6,
) -> pa.Table:
    """Items (end-customer accounts or product lines) that made at least `min_share` of a
    partner's revenue in the 12 months before the last `recent` months, bought in at least
    `min_months` of them, and bought nothing since — while the partner itself still sold.

    Columns: partner_id, item, revenue (in the year before), share, since (the first month
    without purchases)."""
    if column not in ("account", "product_line"):
        raise ValueError("Lost items are end-customer accounts or product lines.")
    recent_start = _add_months(as_of.replace(day=1), -(recent - 1))
    year_start = _add_months(recent_start, -12)
    facts = channel_table(con, files)
    monthly = (
        facts.filter(facts.period >= year_start, facts[column].notnull())
        .group_by(["partner_id", column, "period"])
        .aggregate(rev=_.amount_base.sum().cast("float64"))
    )
    before = monthly.period < recent_start
    items = monthly.group_by(["partner_id", column]).aggregate(
        year_rev=monthly.rev.sum(where=before),
        months=monthly.period.nunique(where=before & (monthly.rev > 0)),
        recent_rev=monthly.rev.sum(where=~before),
        last_month=monthly.period.max(where=monthly.rev > 0),
    )
    totals = monthly.group_by("partner_id").aggregate(
        total=monthly.rev.sum(where=before), still=monthly.rev.sum(where=~before)
    )
    joined = items.join(totals, "partner_id")
    lost = joined.filter(
        joined.total > 0,
        joined.still > 0,
        joined.months >= min_months,
        joined.year_rev / joined.total >= min_share,
        joined.recent_rev.fill_null(0.0) <= 0,
    ).select(
        "partner_id",
        item=joined[column].cast("string"),
        revenue=joined.year_rev.round(2),
        share=(joined.year_rev / joined.total).round(RATIO_DIGITS),
        since=(joined.last_month + ibis.interval(months=1)).cast("date"),
    )
    return lost.order_by(["partner_id", ibis.desc("share"), "item"]).to_pyarrow()


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
