"""The analytics engine against independent computations: the scorecard pipeline against a
pandas re-implementation written from its definition, DuckDB against Spark, the store's
atomic corrections, and XLSX ingestion."""

import datetime as dt
import os
import shutil
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecosys.analytics.ingest import ingest
from ecosys.analytics.pipelines import compute_scorecards, connect, lost_items
from ecosys.analytics.store import SCHEMA, ChannelStore

WEIGHTS = [
    {"measure": "revenue", "weight": 30},
    {"measure": "growth_yoy", "weight": 20},
    {"measure": "growth_prev", "weight": 10},
    {"measure": "orders", "weight": 10},
    {"measure": "accounts", "weight": 10},
    {"measure": "product_lines", "weight": 10},
    {"measure": "avg_order_value", "weight": 5},
    {"measure": "top_line_share", "weight": 5},
]


def facts(rows: int, partners: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    months = np.array([np.datetime64("2024-01", "M") + i for i in range(30)])
    period = months[rng.integers(0, len(months), rows)]
    pid = rng.integers(1, partners + 1, rows)
    # Some partners miss some months entirely (gaps must not shift the growth comparisons).
    keep = ~((pid % 7 == 0) & (period.astype(int) % 5 == 0))
    period, pid = period[keep], pid[keep]
    n = len(pid)
    amount = np.round(rng.lognormal(5, 1, n), 2)
    accounts = rng.integers(0, 40, n)
    return pa.table(
        {
            "partner_id": pa.array(pid, pa.int64()),
            "period": pa.array(period.astype("datetime64[D]")).cast(pa.date32()),
            "date": pa.array(period.astype("datetime64[D]") + rng.integers(0, 28, n)).cast(
                pa.date32()
            ),
            "sku": pa.array([f"S{i}" for i in rng.integers(0, 50, n)]),
            "product_line": pa.array([f"L{i}" for i in rng.integers(0, 10, n)]),
            "account": pa.array([None if a == 0 else f"A{a}" for a in accounts], pa.string()),
            "order_id": pa.array([f"O{i}" for i in rng.integers(0, n // 3, n)]),
            "quantity": pa.array(rng.integers(1, 5, n).astype(float)),
            "amount": pa.array([Decimal(str(a)) for a in amount], pa.decimal128(18, 2)),
            "currency": pa.array(["EUR"] * n),
            "amount_base": pa.array([Decimal(str(a)) for a in amount], pa.decimal128(18, 2)),
        },
        schema=SCHEMA,
    )


def pandas_scorecards(table: pa.Table, segments: pd.DataFrame) -> pd.DataFrame:
    """The scorecard, from its written definition, the way an analyst would in pandas."""
    df = table.to_pandas()
    df["amount_base"] = df["amount_base"].astype(float)
    line = df.groupby(["partner_id", "period", "product_line"])["amount_base"].sum().reset_index()
    m = (
        line.groupby(["partner_id", "period"])
        .agg(
            revenue=("amount_base", "sum"),
            product_lines=("product_line", "count"),
            top=("amount_base", "max"),
        )
        .reset_index()
    )
    activity = (
        df.groupby(["partner_id", "period"])
        .agg(orders=("order_id", "nunique"), accounts=("account", "nunique"))
        .reset_index()
    )
    m = m.merge(activity, on=["partner_id", "period"])
    m["period"] = pd.to_datetime(m["period"])
    for name, lag in (("growth_prev", 1), ("growth_yoy", 12)):
        earlier = m[["partner_id", "period", "revenue"]].copy()
        earlier["period"] = earlier["period"] + pd.DateOffset(months=lag)
        m = m.merge(
            earlier.rename(columns={"revenue": "e"}), on=["partner_id", "period"], how="left"
        )
        m[name] = np.where(m["e"] > 0, (m["revenue"] / m["e"] - 1).round(9), np.nan)
        m = m.drop(columns="e")
    m["avg_order_value"] = (m["revenue"] / m["orders"]).round(9)
    m["top_line_share"] = (m["top"] / m["revenue"]).round(9)
    m = m.merge(segments, on="partner_id")
    numerator = 0.0
    denominator = 0.0
    for weight in WEIGHTS:
        name = weight["measure"]
        group = m.groupby(["segment", "period"])[name]
        rank0 = group.rank(method="min", ascending=name != "top_line_share") - 1
        count = group.transform("count")
        norm = np.where(count <= 1, 100.0, rank0 / (count - 1) * 100)
        norm = np.where(m[name].isna(), np.nan, norm)
        numerator = numerator + np.nan_to_num(norm) * weight["weight"]
        denominator = denominator + np.where(np.isnan(norm), 0, weight["weight"])
    m["score"] = (numerator / denominator).round(6)
    m["rank"] = m.groupby(["segment", "period"])["score"].rank(method="min", ascending=False)
    return m


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("facts")
    table = facts(60_000, 120)
    path = folder / "facts.parquet"
    pq.write_table(table, path)
    segments = pd.DataFrame(
        {"partner_id": range(1, 121), "segment": [f"s{i % 3}" for i in range(1, 121)]}
    )
    return table, [str(path)], segments


def _compare(result: pa.Table, reference: pd.DataFrame) -> pd.DataFrame:
    ours = result.to_pandas()
    ours["period"] = pd.to_datetime(ours["period"])
    merged = ours.merge(reference, on=["partner_id", "period"], suffixes=("", "_ref"))
    assert len(merged) == len(reference) == len(ours)
    return merged


def test_scorecards_match_an_independent_pandas_computation(dataset):
    table, files, segments = dataset
    result = compute_scorecards(
        files, pa.Table.from_pandas(segments, preserve_index=False), WEIGHTS
    )
    merged = _compare(result, pandas_scorecards(table, segments))
    for name in ("revenue", "orders", "accounts", "product_lines", "growth_prev", "growth_yoy"):
        assert np.allclose(
            merged[name].astype(float), merged[f"{name}_ref"].astype(float), equal_nan=True
        ), name
    assert np.abs(merged["score"] - merged["score_ref"]).max() < 1e-6
    assert (merged["rank"] == merged["rank_ref"]).all()
    assert merged["score"].between(0, 100).all()
    # Gaps: a partner missing a month has no month-on-month growth for the month after.
    assert merged["growth_prev"].isna().any()


def test_target_method_and_per_segment_weights(dataset):
    _table, files, segments = dataset
    weights = {
        "s0": [{"measure": "revenue", "weight": 1, "method": "target", "target": 1_000_000}],
        "s1": [{"measure": "orders", "weight": 1}],
        "s2": [{"measure": "accounts", "weight": 1}],
    }
    result = compute_scorecards(
        files, pa.Table.from_pandas(segments, preserve_index=False), weights
    ).to_pandas()
    s0 = result[result.segment == "s0"]
    expected = (s0["revenue"] / 1_000_000).clip(upper=1) * 100
    assert np.allclose(s0["score"], expected.round(6))
    s1 = result[(result.segment == "s1")].sort_values(["period", "orders"])
    for _period, group in s1.groupby("period"):
        # More orders never score lower; a sole best partner scores 100.
        assert group["score"].is_monotonic_increasing
        if (group["orders"] == group["orders"].max()).sum() == 1:
            assert group["score"].iloc[-1] == 100


def test_lost_key_accounts(tmp_path):
    months = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in (1, 2, 3)]
    rows = []
    for month in months:
        rows.append((1, month, "KEY", Decimal("500.00")))
        rows.append((1, month, "SMALL", Decimal("100.00")))
    rows = [r for r in rows if not (r[2] == "KEY" and r[1] >= dt.date(2026, 1, 1))]
    table = pa.table(
        {
            "partner_id": pa.array([r[0] for r in rows], pa.int64()),
            "period": pa.array([r[1] for r in rows], pa.date32()),
            "date": pa.array([r[1] for r in rows], pa.date32()),
            "sku": pa.array(["S"] * len(rows)),
            "product_line": pa.array(["L"] * len(rows)),
            "account": pa.array([r[2] for r in rows]),
            "order_id": pa.array([str(i) for i in range(len(rows))]),
            "quantity": pa.array([1.0] * len(rows)),
            "amount": pa.array([r[3] for r in rows], pa.decimal128(18, 2)),
            "currency": pa.array(["EUR"] * len(rows)),
            "amount_base": pa.array([r[3] for r in rows], pa.decimal128(18, 2)),
        },
        schema=SCHEMA,
    )
    path = tmp_path / "f.parquet"
    pq.write_table(table, path)
    lost = lost_items(connect(), [str(path)], "account", as_of=dt.date(2026, 3, 1)).to_pylist()
    assert len(lost) == 1
    assert lost[0]["item"] == "KEY" and lost[0]["since"] == dt.date(2026, 1, 1)
    assert lost[0]["share"] == pytest.approx(500 / 600)


def _spark_available() -> bool:
    return shutil.which("java") is not None and _has_pyspark()


def _has_pyspark() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
def test_spark_gives_the_same_scorecards(dataset):
    if not _spark_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Spark (pyspark and Java) is required under CI")
        pytest.skip("Spark needs pyspark and Java")
    table, files, segments = dataset
    small = table.slice(0, 15_000)
    folder = os.path.dirname(files[0])
    path = os.path.join(folder, "small.parquet")
    pq.write_table(small, path)
    segs = pa.Table.from_pandas(segments, preserve_index=False)
    duck = compute_scorecards([path], segs, WEIGHTS).to_pandas()
    spark = compute_scorecards([path], segs, WEIGHTS, backend="pyspark").to_pandas()
    key = ["partner_id", "period"]
    duck = duck.sort_values(key).reset_index(drop=True)
    spark = spark.sort_values(key).reset_index(drop=True)
    assert list(duck.columns) == list(spark.columns)
    assert len(duck) == len(spark) > 100
    assert np.abs(duck["score"] - spark["score"]).max() < 1e-9
    assert (duck["rank"] == spark["rank"]).all()
    assert np.allclose(duck["revenue"], spark["revenue"])


def test_corrections_replace_slices_atomically(tmp_path):
    store = ChannelStore(tmp_path, 7)
    common = {
        "partner_keys": {"a": 1, "b": 2},
        "products": {"S1": "L1"},
        "product_lines": {"L1"},
        "base_currency": "EUR",
        "rates": {},
        "store": store,
    }
    first = tmp_path / "first.csv"
    first.write_text(
        "partner,date,sku,quantity,amount\n"
        "a,2026-01-05,S1,1,10\na,2026-02-05,S1,1,20\nb,2026-02-06,S1,1,30\n"
    )
    mapping = {"partner": "partner", "date": "date", "sku": "sku", "quantity": "quantity",
               "amount": "amount"}  # fmt: skip
    assert ingest(first, "csv", mapping, load_id="one", **common).ok
    manifest = store.manifest_path.read_text()
    correction = tmp_path / "fix.csv"
    correction.write_text("partner,date,sku,quantity,amount\na,2026-02-09,S1,1,99\n")
    refused = ingest(correction, "csv", mapping, load_id="two", **common)
    assert not refused.ok and store.manifest_path.read_text() == manifest
    fixed = ingest(correction, "csv", mapping, load_id="two", mode="replace", **common)
    assert fixed.ok and fixed.replaced_slices == 1
    import duckdb

    totals = dict(
        duckdb.sql(
            "SELECT partner_id, sum(amount)::DOUBLE FROM read_parquet($files) GROUP BY 1",
            params={"files": store.paths()},
        ).fetchall()
    )
    assert totals == {1: 109.0, 2: 30.0}
    # Files of replaced slices are gone from disk, not only from the manifest.
    on_disk = {str(p.relative_to(store.root)) for p in store.root.rglob("*.parquet")}
    assert on_disk == {f.path for f in store.files()}


def test_xlsx_is_read_with_dates_and_blank_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Partner", "Date", "SKU", "Qty", "Amount"])
    noon = dt.datetime(2026, 3, 4)  # noqa: DTZ001 - spreadsheet cells have no time zone
    sheet.append(["a", noon, "S1", 2, 12.5])
    sheet.append([None, None, None, None, None])
    sheet.append(["a", dt.date(2026, 3, 5), "S1", 1, "7.25"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    store = ChannelStore(tmp_path, 8)
    mapping = {"partner": "Partner", "date": "Date", "sku": "SKU", "quantity": "Qty",
               "amount": "Amount"}  # fmt: skip
    result = ingest(
        path,
        "xlsx",
        mapping,
        partner_keys={"a": 1},
        products={"S1": "L1"},
        product_lines={"L1"},
        base_currency="EUR",
        rates={},
        store=store,
        load_id="x",
    )
    assert result.ok, result.errors
    assert result.rows == 2 and result.periods == ["2026-03-01"]
