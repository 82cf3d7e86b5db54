"""Channel data ingestion: check a whole sell-through file, then store all of it or none.

The file is read by DuckDB from disk (streamed, spilling to disk past the memory limit, never
read into Python memory), typed, checked row by row (types, dates, currencies, unknown partners
or products, rows for partners the uploader may not load, duplicates within the file, slices
already held by earlier loads) and — only when nothing is wrong — written to the Parquet store
partitioned by period, replacing (partner, period) slices in one atomic step when asked to.

Nothing here touches Django: the service hands in the partner keys, the product catalogue and
the exchange rates as plain dictionaries.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .store import COLUMNS, ChannelStore, StoredFile

# The column contract of a channel file: name -> (required, what it holds).
CONTRACT: dict[str, tuple[bool, str]] = {
    "partner": (True, "the partner: its Ecosys id, its organisation's name or web domain"),
    "date": (True, "the date of the sale, YYYY-MM-DD"),
    "sku": (False, "product SKU from the product catalogue (or give product_line)"),
    "product_line": (False, "product line, when the file has no SKU"),
    "account": (False, "end-customer account (optional)"),
    "order_id": (False, "order or invoice number (optional; rows of one order share it)"),
    "quantity": (True, "units sold (negative for returns)"),
    "amount": (True, "net amount of the row, e.g. 1234.50"),
    "currency": (False, "ISO 4217 code such as EUR; the workspace currency when absent"),
}

# Header names that mean a contract column, for the automatic first guess of the mapping.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "partner": ("partner", "partner_id", "reseller", "distributor", "sold_by", "seller", "dealer"),
    "date": ("date", "sale_date", "order_date", "invoice_date", "transaction_date", "day"),
    "sku": ("sku", "product_sku", "item", "item_code", "product_code", "part_number"),
    "product_line": ("product_line", "line", "product_family", "category", "family"),
    "account": ("account", "customer", "end_customer", "sold_to", "client", "account_id"),
    "order_id": ("order_id", "order", "order_number", "invoice", "invoice_number", "document"),
    "quantity": ("quantity", "qty", "units", "volume"),
    "amount": ("amount", "revenue", "net", "net_amount", "value", "sales", "net_sales", "total"),
    "currency": ("currency", "currency_code", "ccy", "cur"),
}

FORMATS = ("csv", "parquet", "xlsx")
MAX_ERRORS = 1000
# XLSX safety: a workbook is a zip; refuse one that would inflate beyond these.
XLSX_MAX_UNCOMPRESSED = 1_500_000_000
XLSX_MAX_RATIO = 200

ISO_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()  # noqa: SIM905 - a table, kept readable
)


class IngestRefused(Exception):
    """The file as a whole cannot be loaded (format, columns, size); nothing was stored."""


@dataclass
class RowError:
    row: int  # the row in the file: the header is row 1 (0 for the file as a whole)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class IngestResult:
    ok: bool
    rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    partners: list[int] = field(default_factory=list)
    replaced_slices: int = 0
    amount_base: Decimal = Decimal("0")
    first_period: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return (
                f"{self.rows:,} rows stored for {len(self.partners):,} partners over "
                f"{len(self.periods)} months"
                + (
                    f"; {self.replaced_slices:,} partner-months replaced"
                    if self.replaced_slices
                    else ""
                )
                + "."
            )
        return (
            f"Nothing was stored: {self.error_count:,} problem"
            f"{'' if self.error_count == 1 else 's'} found in {self.rows:,} rows."
        )


Progress = Callable[[str, int], None]


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """The first guess of contract column -> file column, by name."""
    by_name = {_normalise(column): column for column in columns}
    mapping = {}
    for target, names in SYNONYMS.items():
        for name in names:
            if name in by_name and by_name[name] not in mapping.values():
                mapping[target] = by_name[name]
                break
    return mapping


def check_mapping(mapping: dict[str, str], columns: list[str]) -> list[str]:
    """Problems with a mapping, as sentences (empty when it can be used)."""
    problems = [
        f"'{target}' is not a column of the channel data contract."
        for target in mapping
        if target not in CONTRACT
    ]
    for target, (required, _help) in CONTRACT.items():
        source = mapping.get(target)
        if required and not source:
            problems.append(f"Choose the file column that holds {target}.")
        elif source and source not in columns:
            problems.append(f"The file has no column '{source}' (chosen for {target}).")
    if not mapping.get("sku") and not mapping.get("product_line"):
        problems.append("Choose the file column that holds the SKU or the product line.")
    used = [source for source in mapping.values() if source]
    if len(used) != len(set(used)):
        problems.append("One file column is chosen for two contract columns.")
    return problems


def _connect(work_dir: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{work_dir}'")
    con.execute(f"SET threads = {max(1, min(os.cpu_count() or 1, 4))}")
    con.execute("SET preserve_insertion_order = true")
    return con


def _source_sql(source: Path, fmt: str) -> str:
    path = str(source).replace("'", "''")
    if fmt == "csv":
        return (
            f"read_csv('{path}', header = true, all_varchar = true, auto_detect = true, "
            "strict_mode = false, null_padding = true)"
        )
    if fmt == "parquet":
        return f"read_parquet('{path}')"
    raise IngestRefused(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")


def _xlsx_to_csv(source: Path, target: Path, progress: Progress | None) -> None:
    """Stream the first sheet of a workbook into a CSV file, after checking it is no zip bomb."""
    try:
        with zipfile.ZipFile(source) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
    except zipfile.BadZipFile as error:
        raise IngestRefused("The file is not a readable XLSX workbook.") from error
    if inflated > XLSX_MAX_UNCOMPRESSED or inflated / packed > XLSX_MAX_RATIO:
        raise IngestRefused(
            "The workbook would inflate to "
            f"{inflated / 1e6:,.0f} MB ({inflated / packed:,.0f}× its size); it was refused as "
            "unsafe. Save it as CSV or Parquet instead."
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:
        raise IngestRefused("The file is not a readable XLSX workbook.") from error
    sheet = workbook.worksheets[0]
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            cells = ["" if value is None else _cell_text(value) for value in row]
            if number and not any(cells):
                continue
            writer.writerow(cells)
            if progress and number % 100_000 == 0 and number:
                progress(f"reading workbook row {number:,}", 5)
    workbook.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_header(source: Path, fmt: str, sample: int = 5) -> tuple[list[str], list[list[str]]]:
    """The columns of a file and its first rows, for the mapping step."""
    work = Path(tempfile.mkdtemp(prefix="ecosys-header-"))
    try:
        if fmt == "xlsx":
            converted = work / "sheet.csv"
            _xlsx_to_csv(source, converted, None)
            source, fmt = converted, "csv"
        con = _connect(work, "256MB")
        try:
            relation = con.sql(f"SELECT * FROM {_source_sql(source, fmt)} LIMIT {int(sample)}")
            columns = list(relation.columns)
            rows = [
                ["" if cell is None else str(cell) for cell in row] for row in relation.fetchall()
            ]
        except duckdb.Error as error:
            raise IngestRefused(f"The file cannot be read: {_short(error)}") from error
        finally:
            con.close()
        return columns, rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:300]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ingest(
    source: Path,
    fmt: str,
    mapping: dict[str, str],
    *,
    partner_keys: dict[str, int],
    partner_names: dict[int, str] | None = None,
    products: dict[str, str],
    product_lines: set[str],
    base_currency: str,
    rates: dict[tuple[str, dt.date], Decimal],
    store: ChannelStore,
    load_id: str,
    mode: str = "append",
    allowed_partner_ids: set[int] | None = None,
    progress: Progress | None = None,
    memory_limit: str = "1GB",
) -> IngestResult:
    """Check `source` and, when every row is right, store it; otherwise store nothing.

    partner_keys: lower-cased key (id, name, domain) -> partner id.
    products: SKU -> product line; product_lines: the known product lines.
    rates: (currency, first day of month) -> value of one unit in the base currency.
    mode: "append" refuses rows for (partner, month) slices that already hold data;
          "replace" replaces those slices.
    allowed_partner_ids: when set (a partner loading its own data), rows for any other partner
          are refused.
    """
    if mode not in ("append", "replace"):
        raise IngestRefused("Mode must be 'append' or 'replace'.")
    if base_currency not in ISO_CURRENCIES:
        raise IngestRefused(f"'{base_currency}' is not an ISO 4217 currency code.")

    def report(stage: str, percent: int) -> None:
        if progress:
            progress(stage, percent)

    # Work files (spills, the converted workbook) sit beside the store: same disk, same rename.
    store.root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".ingest-", dir=store.root.parent))
    written: list[Path] = []
    try:
        if fmt == "xlsx":
            report("reading the workbook", 2)
            converted = work / "sheet.csv"
            _xlsx_to_csv(source, converted, progress)
            source, fmt = converted, "csv"
        con = _connect(work, memory_limit)
        try:
            try:
                columns = list(con.sql(f"SELECT * FROM {_source_sql(source, fmt)} LIMIT 0").columns)
            except duckdb.Error as error:
                raise IngestRefused(f"The file cannot be read: {_short(error)}") from error
            problems = check_mapping(mapping, columns)
            if problems:
                raise IngestRefused(" ".join(problems))
            report("reading the rows", 10)
            _stage(con, source, fmt, mapping, partner_keys, products, base_currency, rates)
            report("checking every row", 40)
            result = _check(con, mapping, product_lines, base_currency, allowed_partner_ids)
            if result.error_count:
                return result
            slices = con.execute(
                "SELECT partner_id, strftime(period, '%Y-%m-%d') FROM staged GROUP BY ALL"
            ).fetchall()
            held = store.slices()
            overlap = sorted({(p, period) for p, period in slices} & held)
            if overlap and mode == "append":
                names = partner_names or {v: k for k, v in partner_keys.items()}
                result.errors = [
                    RowError(
                        0,
                        "partner",
                        f"{names.get(partner, partner)} already has data for {period[:7]}; "
                        "load the file as a correction (replace) to change it.",
                    )
                    for partner, period in overlap[:MAX_ERRORS]
                ]
                result.error_count = len(overlap)
                result.ok = False
                return result
            report("writing the store", 60)
            with store.locked():
                add, remove, replaced = _write(con, store, load_id, work, overlap, written)
                report("publishing", 95)
                store.commit(add=add, remove=remove)
            result.ok = True
            result.replaced_slices = replaced
            report("done", 100)
            return result
        finally:
            con.close()
    except BaseException:
        store.discard(written)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stage(con, source, fmt, mapping, partner_keys, products, base_currency, rates) -> None:
    """Read the file into a typed staging table, one row per file row, raw text kept."""
    keys = pa.table(
        {
            "key": pa.array(list(partner_keys), pa.string()),
            "partner_id": pa.array(list(partner_keys.values()), pa.int64()),
        }
    )
    catalogue = pa.table(
        {
            "sku": pa.array(list(products), pa.string()),
            "line": pa.array(list(products.values()), pa.string()),
        }
    )
    rate_rows = [(currency, month, rate) for (currency, month), rate in rates.items()]
    rate_table = pa.table(
        {
            "currency": pa.array([r[0] for r in rate_rows], pa.string()),
            "month": pa.array([r[1] for r in rate_rows], pa.date32()),
            "rate": pa.array([r[2] for r in rate_rows], pa.decimal128(18, 8)),
        }
    )
    con.register("partner_keys_in", keys)
    con.register("catalogue_in", catalogue)
    con.register("rates_in", rate_table)

    def raw(target: str) -> str:
        source_column = mapping.get(target)
        return f"trim(CAST({_quote(source_column)} AS VARCHAR))" if source_column else "NULL"

    base = base_currency.replace("'", "")
    currency = f"upper(coalesce(nullif({raw('currency')}, ''), '{base}'))"
    con.execute(
        f"""
        CREATE TEMP TABLE src AS
        SELECT {raw("partner")} AS partner_raw, {raw("date")} AS date_raw,
               nullif({raw("sku")}, '') AS sku, nullif({raw("product_line")}, '') AS line_raw,
               nullif({raw("account")}, '') AS account, nullif({raw("order_id")}, '') AS order_id,
               {raw("quantity")} AS quantity_raw, {raw("amount")} AS amount_raw,
               {currency} AS currency
        FROM {_source_sql(source, fmt)}
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE staged AS
        SELECT s.rowid + 2 AS row_no, s.*, k.partner_id,
               coalesce(TRY_CAST(s.date_raw AS DATE),
                        TRY_CAST(TRY_CAST(s.date_raw AS TIMESTAMP) AS DATE)) AS sale_date,
               date_trunc('month', coalesce(TRY_CAST(s.date_raw AS DATE),
                        TRY_CAST(TRY_CAST(s.date_raw AS TIMESTAMP) AS DATE)))::DATE AS period,
               coalesce(c.line, s.line_raw) AS product_line,
               c.line IS NOT NULL AS sku_known,
               TRY_CAST(s.quantity_raw AS DOUBLE) AS qty,
               TRY_CAST(s.amount_raw AS DECIMAL(18, 2)) AS amount
        FROM src s
        LEFT JOIN partner_keys_in k ON k.key = lower(s.partner_raw)
        LEFT JOIN catalogue_in c ON c.sku = s.sku
        """
    )
    con.execute("DROP TABLE src")
    con.execute(
        f"""
        CREATE TEMP TABLE staged_rates AS
        SELECT row_no,
               CASE WHEN staged.currency = '{base}' THEN 1::DECIMAL(18, 8) ELSE r.rate END AS rate
        FROM staged LEFT JOIN rates_in r ON r.currency = staged.currency AND r.month = staged.period
        """
    )


def _check(con, mapping, product_lines, base_currency, allowed) -> IngestResult:
    """Every problem of every row (the first MAX_ERRORS of them, and how many in all)."""
    latest_year = dt.datetime.now(tz=dt.UTC).year + 1
    con.register("lines_in", pa.table({"line": pa.array(sorted(product_lines), pa.string())}))
    con.register("currencies_in", pa.table({"code": pa.array(sorted(ISO_CURRENCIES))}))
    if allowed is not None:
        con.register("allowed_in", pa.table({"id": pa.array(sorted(allowed), pa.int64())}))
    checks = [
        "SELECT row_no, 'partner', 'The partner is empty.' FROM staged "
        "WHERE coalesce(partner_raw, '') = ''",
        "SELECT row_no, 'partner', 'Unknown partner ''' || partner_raw || '''.' FROM staged "
        "WHERE partner_raw <> '' AND partner_id IS NULL",
        "SELECT row_no, 'date', CASE WHEN coalesce(date_raw, '') = '' THEN 'The date is empty.' "
        "ELSE '''' || date_raw || ''' is not a date; write it as YYYY-MM-DD.' END "
        "FROM staged WHERE sale_date IS NULL",
        "SELECT row_no, 'date', 'The date ' || sale_date || ' is outside 1990-' || "
        f"{latest_year} || '.' FROM staged "
        f"WHERE year(sale_date) < 1990 OR year(sale_date) > {latest_year}",
        "SELECT row_no, 'quantity', CASE WHEN coalesce(quantity_raw, '') = '' "
        "THEN 'The quantity is empty.' ELSE '''' || quantity_raw || ''' is not a number.' END "
        "FROM staged WHERE qty IS NULL OR isnan(qty) OR isinf(qty)",
        "SELECT row_no, 'amount', CASE WHEN coalesce(amount_raw, '') = '' "
        "THEN 'The amount is empty.' ELSE '''' || amount_raw || ''' is not an amount; "
        "write it like 1234.50.' END FROM staged WHERE amount IS NULL",
        "SELECT row_no, 'currency', '''' || currency || ''' is not an ISO 4217 currency code.' "
        "FROM staged WHERE currency NOT IN (SELECT code FROM currencies_in)",
        "SELECT s.row_no, 'currency', 'No exchange rate from ' || s.currency || ' to "
        f"{base_currency} for ' || strftime(s.period, '%Y-%m') || "
        "'; add it under channel settings.' FROM staged s JOIN staged_rates r USING (row_no) "
        "WHERE r.rate IS NULL AND s.period IS NOT NULL "
        "AND s.currency IN (SELECT code FROM currencies_in)",
    ]
    if mapping.get("sku"):
        checks.append(
            "SELECT row_no, 'sku', CASE WHEN sku IS NULL THEN 'The SKU is empty.' "
            "ELSE 'Unknown SKU ''' || sku || '''; add it to the product catalogue.' END "
            "FROM staged WHERE NOT sku_known AND NOT (sku IS NULL AND line_raw IS NOT NULL "
            "AND line_raw IN (SELECT line FROM lines_in))"
        )
    else:
        checks.append(
            "SELECT row_no, 'product_line', CASE WHEN line_raw IS NULL "
            "THEN 'The product line is empty.' ELSE 'Unknown product line ''' || line_raw || "
            "'''; add it to the product catalogue.' END FROM staged "
            "WHERE line_raw IS NULL OR line_raw NOT IN (SELECT line FROM lines_in)"
        )
    if allowed is not None:
        checks.append(
            "SELECT row_no, 'partner', 'This row is for ''' || partner_raw || ''': you may "
            "load data for your own organisation only.' FROM staged "
            "WHERE partner_id IS NOT NULL AND partner_id NOT IN (SELECT id FROM allowed_in)"
        )
    # A row repeating an earlier one (the same order line when there are order ids, else the
    # same values throughout) is a duplicate.
    if mapping.get("order_id"):
        key, only = "partner_id, order_id, coalesce(sku, line_raw)", "order_id IS NOT NULL"
    else:
        key, only = "partner_id, sale_date, sku, line_raw, account, qty, amount, currency", "true"
    checks.append(
        "SELECT row_no, 'row', 'Duplicate of row ' || first_row || '.' FROM ("
        f"SELECT row_no, min(row_no) OVER (PARTITION BY {key}) AS first_row FROM staged "
        f"WHERE {only} AND row_no IN (SELECT unnest(list(row_no)) FROM staged WHERE {only} "
        f"GROUP BY {key} HAVING count(*) > 1)) WHERE row_no <> first_row"
    )
    union = " UNION ALL ".join(f"({check})" for check in checks)
    con.execute(f"CREATE TEMP TABLE problems AS {union}")
    (count,) = con.execute("SELECT count(*) FROM problems").fetchone()
    (rows,) = con.execute("SELECT count(*) FROM staged").fetchone()
    result = IngestResult(ok=count == 0, rows=rows, error_count=count)
    if count:
        result.errors = [
            RowError(int(row), column, message)
            for row, column, message in con.execute(
                f"SELECT * FROM problems ORDER BY 1, 2 LIMIT {MAX_ERRORS}"
            ).fetchall()
        ]
        return result
    if rows == 0:
        result.ok = False
        result.error_count = 1
        result.errors = [RowError(0, "", "The file has no rows.")]
        return result
    summary = con.execute(
        "SELECT list(DISTINCT strftime(period, '%Y-%m-%d') "
        "ORDER BY strftime(period, '%Y-%m-%d')), "
        "list(DISTINCT partner_id ORDER BY partner_id) FROM staged"
    ).fetchone()
    result.periods, result.partners = list(summary[0]), list(summary[1])
    result.first_period = result.periods[0] if result.periods else None
    return result


def _write(con, store: ChannelStore, load_id: str, work: Path, overlap, written: list[Path]):
    """Write the staged rows into period files; rewrite the files whose slices are replaced.
    Returns (files to add, files to remove, slices replaced)."""
    out = work / "out"
    con.execute(
        f"""
        COPY (
            SELECT s.partner_id, s.period, s.sale_date AS date, s.sku, s.product_line,
                   s.account, s.order_id, s.qty AS quantity, s.amount, s.currency,
                   CAST(s.amount * r.rate AS DECIMAL(18, 2)) AS amount_base
            FROM staged s JOIN staged_rates r USING (row_no)
            ORDER BY s.period, s.partner_id
        ) TO '{out}' (FORMAT parquet, PARTITION_BY (period), WRITE_PARTITION_COLUMNS true,
                      COMPRESSION zstd, ROW_GROUP_SIZE 122880)
        """
    )
    per_period = {
        period: (rows, partners)
        for period, rows, partners in con.execute(
            "SELECT strftime(period, '%Y-%m-%d'), count(*), "
            "list(DISTINCT partner_id ORDER BY partner_id) FROM staged GROUP BY 1"
        ).fetchall()
    }
    add: list[StoredFile] = []
    for folder in sorted(out.iterdir()):
        period = folder.name.split("=", 1)[1]
        _rows, partners = per_period[period]
        for part in sorted(folder.glob("*.parquet")):
            absolute, relative = store.new_path(load_id, period)
            shutil.move(str(part), absolute)
            written.append(absolute)
            count = pq.read_metadata(absolute).num_rows
            add.append(StoredFile(relative, load_id, period, int(count), list(partners)))
    remove: list[StoredFile] = []
    replaced_by_period: dict[str, set[int]] = {}
    for partner, period in overlap:
        replaced_by_period.setdefault(period, set()).add(partner)
    for stored in store.files():
        gone = replaced_by_period.get(stored.period, set()) & set(stored.partners)
        if not gone:
            continue
        remove.append(stored)
        keep = [partner for partner in stored.partners if partner not in gone]
        if not keep:
            continue
        absolute, relative = store.new_path(stored.load, stored.period)
        ids = ", ".join(str(int(partner)) for partner in gone)
        con.execute(
            f"COPY (SELECT {', '.join(COLUMNS)} FROM read_parquet('{store.root / stored.path}') "
            f"WHERE partner_id NOT IN ({ids})) TO '{absolute}' (FORMAT parquet, COMPRESSION zstd)"
        )
        written.append(absolute)
        count = pq.read_metadata(absolute).num_rows
        add.append(StoredFile(relative, stored.load, stored.period, int(count), keep))
    return add, remove, len(overlap)
