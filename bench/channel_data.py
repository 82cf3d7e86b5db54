"""Synthetic channel (sell-through) data for the `channel_analytics` benchmark.

10,000 partners over 36 months (2023-01 to 2025-12), 200 product lines of 5 SKUs each, four
currencies. Partner sizes are lognormal (a few big partners carry much of the revenue), months
follow a seasonal curve, partners grow or shrink at their own pace, some start late, and a share
of them suffer an injected level drop (25-60%) from one month on. Rows are order lines: an order
has one date and one end-customer account (or none) and 1-5 lines of distinct SKUs.

The data is deterministic (seeded): the same size always gives the same rows. `ensure_store`
writes what Ecosys' Parquet store holds (hive-partitioned `period=YYYY-MM-01/part-0.parquet`,
one file per month, written chunk by chunk so 50M rows never sit in memory); `ensure_uploads`
writes the upload-contract files (CSV and Parquet) that ingestion reads. Both reuse files made
earlier (a `.done` marker says a set is complete).

    .venv/bin/python bench/channel_data.py 1m 10m     # make (or check) the sets
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ecosys.analytics.store import MONEY, SCHEMA

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench" / "channel"
VERSION = 1  # bump when the generator changes, so cached sets are remade

SIZES = {"1m": 1_000_000, "10m": 10_000_000, "50m": 50_000_000}
SEED = 20260401
PARTNERS = 10_000
MONTHS = 36
FIRST_MONTH = dt.date(2023, 1, 1)
PRODUCT_LINES = 200
SKUS_PER_LINE = 5
SEGMENTS = 10
BASE_CURRENCY = "EUR"
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
CURRENCY_SHARES = (0.6, 0.25, 0.1, 0.05)
CURRENCY_RATES = (1.0, 0.92, 1.17, 1.04)  # starting value of one unit in EUR
DROP_SHARE = 0.10  # partners with an injected level drop
MAX_LINES = 5  # lines per order; the SKUs of one order are distinct
NULL_ACCOUNT_SHARE = 0.08
PARTNER_BLOCK = 2_500  # partners per generated chunk (a Parquet row group)

# The store's own schema: the generated files are what Ecosys would have stored.
STORE_SCHEMA = SCHEMA
UPLOAD_COLUMNS = ("partner", "date", "sku", "account", "order_id", "quantity", "amount", "currency")


def log(message: str) -> None:
    print(f"[channel-data {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def month_start(index: int) -> dt.date:
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return dt.date(FIRST_MONTH.year + year, month + 1, 1)


def partner_key(partner_id: int) -> str:
    return f"P{partner_id:05d}"


def _lines_mean() -> float:
    """Expected lines per order: 1 + Poisson(1.5), capped at MAX_LINES."""
    lam = 1.5
    probabilities = [np.exp(-lam) * lam**k / np.prod(range(1, k + 1)) for k in range(MAX_LINES)]
    mean = sum((k + 1) * p for k, p in enumerate(probabilities))
    return mean + MAX_LINES * (1 - sum(probabilities))


@dataclass(frozen=True)
class Catalogue:
    skus: pa.Array  # string, index = line * SKUS_PER_LINE + k
    lines: pa.Array  # string, per SKU
    prices: np.ndarray  # unit list price per SKU, in the partner's currency units

    @property
    def products(self) -> dict[str, str]:
        return dict(zip(self.skus.to_pylist(), self.lines.to_pylist(), strict=True))

    @property
    def product_lines(self) -> set[str]:
        return set(self.lines.to_pylist())


class Universe:
    """Partners, catalogue, segments and exchange rates: the same for every size."""

    def __init__(self, seed: int = SEED) -> None:
        rng = np.random.default_rng([seed, 0])
        n = PARTNERS
        self.partner_ids = np.arange(1, n + 1, dtype=np.int64)
        self.size = rng.lognormal(0.0, 1.4, n)  # relative sales volume
        self.currency = rng.choice(len(CURRENCIES), n, p=CURRENCY_SHARES)
        late = rng.random(n) < 0.15
        self.start = np.where(late, rng.integers(1, 30, n), 0)
        self.trend = rng.normal(0.04, 0.15, n)  # yearly growth rate
        self.season_amplitude = rng.uniform(0.0, 0.35, n)
        self.breadth = rng.uniform(0.05, 0.6, n)  # geometric p over product lines: high = narrow
        self.line_offset = rng.integers(0, PRODUCT_LINES, n)
        self.accounts = np.maximum(3, (20 * self.size**0.7).astype(np.int64))
        self.segment = rng.integers(0, SEGMENTS, n)
        dropped = rng.random(n) < DROP_SHARE
        self.drop_month = np.where(dropped, rng.integers(12, MONTHS - 3, n), MONTHS)
        self.drop_factor = np.where(dropped, rng.uniform(0.4, 0.75, n), 1.0)
        lines = np.repeat(np.arange(PRODUCT_LINES), SKUS_PER_LINE)
        self.catalogue = Catalogue(
            skus=pa.array(
                [f"SKU-{line:03d}-{k}" for line in range(PRODUCT_LINES) for k in range(5)]
            ),
            lines=pa.array([f"PL{line:03d}" for line in lines]),
            prices=np.round(rng.lognormal(3.5, 1.0, PRODUCT_LINES * SKUS_PER_LINE), 2),
        )
        walk = rng.normal(0.0, 0.015, (MONTHS, len(CURRENCIES)))
        walk[:, 0] = 0.0
        self.rates = np.round(np.array(CURRENCY_RATES) * np.exp(np.cumsum(walk, axis=0)), 6)

    def intensity(self, month: int) -> np.ndarray:
        """Relative expected orders per partner in a month (0 before a partner starts)."""
        season = 1 + self.season_amplitude * np.cos(2 * np.pi * ((month % 12) - 10) / 12)
        growth = (1 + self.trend) ** (month / 12)
        drop = np.where(month >= self.drop_month, self.drop_factor, 1.0)
        return np.where(month >= self.start, self.size * season * growth * drop, 0.0)

    @cached_property
    def total_intensity(self) -> float:
        return float(sum(self.intensity(month).sum() for month in range(MONTHS)))

    def segments_table(self) -> pa.Table:
        names = pa.array([f"Segment {k + 1:02d}" for k in range(SEGMENTS)])
        return pa.table({"partner_id": self.partner_ids, "segment": names.take(self.segment)})

    def rates_by_month(self) -> dict[tuple[str, dt.date], Decimal]:
        """(currency, first day of month) -> value of one unit in EUR, as ingestion takes it."""
        return {
            (currency, month_start(month)): Decimal(f"{self.rates[month, c]:.6f}")
            for month in range(MONTHS)
            for c, currency in enumerate(CURRENCIES)
        }

    def partner_keys(self) -> dict[str, int]:
        return {partner_key(int(p)).lower(): int(p) for p in self.partner_ids}

    def drops_table(self) -> pa.Table:
        """The injected level drops: partner, first month affected, factor."""
        hit = self.drop_month < MONTHS
        return pa.table(
            {
                "partner_id": self.partner_ids[hit],
                "period": pa.array([month_start(int(m)) for m in self.drop_month[hit]]),
                "factor": self.drop_factor[hit],
            }
        )


def _decimal_from_cents(cents: np.ndarray) -> pa.Array:
    """decimal128(18, 2) from int64 cents without going through Python objects."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension to 128 bits (little-endian)
    return pa.Array.from_buffers(MONEY, len(cents), [None, pa.py_buffer(words)])


def _text(prefix: str, *parts: tuple[np.ndarray, int], sep: str = "-") -> pa.Array:
    """prefix + zero-padded integers joined by `sep`, vectorised in Arrow."""
    pieces = [pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0") for values, width
              in parts]  # fmt: skip
    joined = pc.binary_join_element_wise(*pieces, sep)
    return pc.binary_join_element_wise(pa.scalar(prefix), joined, "")


def generate_chunk(universe: Universe, rows_target: int, month: int, block: int) -> pa.Table:
    """The order lines of one month for one block of partners (deterministic)."""
    rng = np.random.default_rng([SEED, rows_target, month, block])
    lo, hi = block * PARTNER_BLOCK, min(PARTNERS, (block + 1) * PARTNER_BLOCK)
    scale = rows_target / (universe.total_intensity * _lines_mean())
    orders = rng.poisson(universe.intensity(month)[lo:hi] * scale)
    partner_index = np.repeat(np.arange(lo, hi), orders)
    n_orders = len(partner_index)
    order_seq = np.arange(n_orders) - np.repeat(np.cumsum(orders) - orders, orders)
    lines_per_order = np.minimum(1 + rng.poisson(1.5, n_orders), MAX_LINES)
    days = calendar.monthrange(month_start(month).year, month_start(month).month)[1]
    order_day = rng.integers(0, days, n_orders)
    account_no = np.minimum(
        rng.zipf(1.6, n_orders) - 1, universe.accounts[partner_index] - 1
    )  # a few key accounts buy most often
    account_null = rng.random(n_orders) < NULL_ACCOUNT_SHARE
    first_sku = rng.integers(0, SKUS_PER_LINE, n_orders)

    # Order lines.
    order_of_line = np.repeat(np.arange(n_orders), lines_per_order)
    n = len(order_of_line)
    line_no = np.arange(n) - np.repeat(
        np.cumsum(lines_per_order) - lines_per_order, lines_per_order
    )
    p = partner_index[order_of_line]
    # Product line: a partner-specific geometric preference over the 200 lines.
    pref = np.minimum(rng.geometric(universe.breadth[p]) - 1, PRODUCT_LINES - 1)
    product_line = (universe.line_offset[p] + pref * 7) % PRODUCT_LINES
    # Distinct SKUs within an order: its lines take distinct SKU slots (at most 5 lines).
    sku_index = product_line * SKUS_PER_LINE + (first_sku[order_of_line] + line_no) % 5
    quantity = (1 + rng.poisson(3.0, n)).astype(np.float64)
    unit_price = universe.catalogue.prices[sku_index] * rng.uniform(0.8, 1.0, n)
    cents = np.rint(quantity * unit_price * 100).astype(np.int64)
    currency = universe.currency[p]
    cents_base = np.rint(cents * universe.rates[month][currency]).astype(np.int64)

    period = month_start(month)
    first_day = (period - dt.date(1970, 1, 1)).days
    partner_ids = universe.partner_ids[p]
    account = _text("A", (partner_ids, 5), (account_no[order_of_line], 4))
    account = pc.if_else(pa.array(account_null[order_of_line]), pa.nulls(n, pa.string()), account)
    yyyymm = np.full(n, period.year * 100 + period.month)
    order_id = _text("O", (partner_ids, 5), (yyyymm, 6), (order_seq[order_of_line], 6))
    return pa.table(
        [
            pa.array(partner_ids),
            pa.array(np.full(n, first_day, dtype=np.int32), pa.date32()),
            pa.array((first_day + order_day[order_of_line]).astype(np.int32), pa.date32()),
            universe.catalogue.skus.take(pa.array(sku_index)),
            universe.catalogue.lines.take(pa.array(sku_index)),
            account,
            order_id,
            pa.array(quantity),
            _decimal_from_cents(cents),
            pa.array(np.array(CURRENCIES, dtype=object)[currency], pa.string()),
            _decimal_from_cents(cents_base),
        ],
        schema=STORE_SCHEMA,
    )


# ------------------------------------------------------------------------------ files


@dataclass(frozen=True)
class ChannelSet:
    """The files of one size under the cache directory."""

    size: str
    root: Path

    @property
    def rows_target(self) -> int:
        return SIZES[self.size]

    @property
    def store_dir(self) -> Path:
        return self.root / "store"

    @property
    def csv_path(self) -> Path:
        return self.root / "upload.csv"

    @property
    def upload_parquet_path(self) -> Path:
        return self.root / "upload.parquet"

    def files(self) -> list[str]:
        return sorted(str(path) for path in self.store_dir.glob("period=*/*.parquet"))

    def meta(self) -> dict:
        return json.loads((self.store_dir / ".done").read_text())


def channel_set(size: str, cache: Path = CACHE) -> ChannelSet:
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; known: {', '.join(SIZES)}")
    return ChannelSet(size, cache / size)


def _chunks(universe: Universe, rows_target: int, month: int) -> Iterator[pa.Table]:
    for block in range((PARTNERS + PARTNER_BLOCK - 1) // PARTNER_BLOCK):
        yield generate_chunk(universe, rows_target, month, block)


def ensure_store(size: str, cache: Path = CACHE, universe: Universe | None = None) -> ChannelSet:
    """The store files of `size`, generated unless a complete set of this version exists."""
    target = channel_set(size, cache)
    done = target.store_dir / ".done"
    if done.exists() and json.loads(done.read_text()).get("version") == VERSION:
        return target
    universe = universe or Universe()
    shutil.rmtree(target.store_dir, ignore_errors=True)
    started = time.monotonic()
    log(f"generating the {size} store under {target.store_dir}")
    rows = 0
    for month in range(MONTHS):
        folder = target.store_dir / f"period={month_start(month).isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(folder / "part-0.parquet", STORE_SCHEMA, compression="zstd") as out:
            for chunk in _chunks(universe, target.rows_target, month):
                out.write_table(chunk)
                rows += chunk.num_rows
        if month % 6 == 5 or month == MONTHS - 1:
            elapsed = time.monotonic() - started
            log(f"  {size}: {month + 1}/{MONTHS} months, {rows:,} rows, {elapsed:.0f} s")
    pq.write_table(universe.drops_table(), target.root / "drops.parquet")
    done.write_text(json.dumps({"version": VERSION, "rows": rows}))
    return target


def ensure_uploads(size: str, cache: Path = CACHE) -> ChannelSet:
    """Upload-contract files of `size` (CSV and Parquet), made from its store files."""
    target = ensure_store(size, cache)
    done = target.root / ".uploads-done"
    if done.exists() and json.loads(done.read_text()).get("version") == VERSION:
        return target
    started = time.monotonic()
    log(f"writing {target.csv_path} and {target.upload_parquet_path}")
    schema = pa.schema(
        [
            ("partner", pa.string()),
            ("date", pa.date32()),
            ("sku", pa.string()),
            ("account", pa.string()),
            ("order_id", pa.string()),
            ("quantity", pa.float64()),
            ("amount", MONEY),
            ("currency", pa.string()),
        ]
    )
    with (
        pacsv.CSVWriter(target.csv_path, schema) as csv_out,
        pq.ParquetWriter(target.upload_parquet_path, schema, compression="zstd") as pq_out,
    ):
        for path in target.files():
            for batch in pq.ParquetFile(path).iter_batches(batch_size=500_000):
                table = pa.Table.from_batches([batch])
                partner = _text("P", (table["partner_id"].to_numpy(), 5), sep="")
                upload = pa.table(
                    [partner, *(table[name] for name in UPLOAD_COLUMNS[1:])], schema=schema
                )
                csv_out.write_table(upload)
                pq_out.write_table(upload)
    done.write_text(json.dumps({"version": VERSION}))
    log(f"  uploads of {size} written in {time.monotonic() - started:.0f} s")
    return target


def main(argv: list[str]) -> int:
    sizes = argv or list(SIZES)
    universe = Universe()
    for size in sizes:
        made = ensure_store(size, universe=universe)
        print(f"{size}: {made.meta()['rows']:,} rows in {len(made.files())} files, {made.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
