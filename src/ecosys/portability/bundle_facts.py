"""Channel facts in the bundle: the analytics store's Parquet files out, and back in.

Out: one bundle file per stored file, named by period and position
(``channel_facts/period=<month>/part-<n>.parquet``), with the internal ``partner_id`` replaced
by the partner's UUID (``partner``) and rows regrouped into fixed row groups, so the same facts
always give the same bytes. In: every file is checked (columns, types, partners that resolve),
then written into the workspace's ``ChannelStore`` as new files of the same order, committed
with one manifest swap at the end of the import's transaction.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecosys.analytics.store import SCHEMA, ChannelStore, StoredFile

ROW_GROUP = 65536
PREFIX = "channel_facts/"
# The columns of a bundle's facts file: the store's, with the partner as a UUID at the end.
BUNDLE_SCHEMA = pa.schema(
    [f for f in SCHEMA if f.name != "partner_id"] + [pa.field("partner", pa.string())]
)
_NAME = re.compile(r"^channel_facts/[A-Za-z0-9=_.\-/]{1,200}\.parquet$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def store_of(workspace) -> ChannelStore:
    from ecosys.performance.services import store_for

    return store_for(workspace)


class _Regroup:
    """Writes batches as fixed-size row groups, whatever sizes they come in."""

    def __init__(self, sink, schema: pa.Schema):
        self.writer = pq.ParquetWriter(sink, schema)
        self.pending: list[pa.Table] = []
        self.rows = 0
        self.written = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.pending.append(table)
        self.rows += table.num_rows
        while self.rows >= ROW_GROUP:
            combined = pa.concat_tables(self.pending)
            self.writer.write_table(combined.slice(0, ROW_GROUP))
            rest = combined.slice(ROW_GROUP)
            self.pending, self.rows = [rest], rest.num_rows
            self.written += ROW_GROUP

    def close(self) -> None:
        if self.rows:
            self.writer.write_table(pa.concat_tables(self.pending))
            self.written += self.rows
        self.writer.close()


# --------------------------------------------------------------------------------- export
def write_channel_facts(writer, workspace, context) -> dict:
    """Copy the store's files the scope may see into the bundle; returns the manifest entry."""
    from ecosys.partners.models import Partner

    partners = context.fact_partners(Partner.objects.all())
    public_ids = {pk: str(public_id) for pk, public_id in partners.values_list("pk", "public_id")}
    store = store_of(workspace)
    keys = pa.array(list(public_ids), pa.int64())
    values = pa.array(list(public_ids.values()), pa.string())
    files, rows, numbers = [], 0, {}
    for stored in sorted(store.files(), key=lambda stored: (stored.period, stored.path)):
        if not public_ids.keys() & set(stored.partners):
            continue
        numbers[stored.period] = numbers.get(stored.period, 0) + 1
        path = f"{PREFIX}period={stored.period}/part-{numbers[stored.period]:05d}.parquet"
        source = pq.ParquetFile(store.root / stored.path)
        with writer.open(path, compress=False) as handle:
            out = _Regroup(pa.PythonFile(handle, mode="w"), BUNDLE_SCHEMA)
            for batch in source.iter_batches(batch_size=ROW_GROUP):
                table = pa.Table.from_batches([batch])
                partner = pc.take(values, pc.index_in(table.column("partner_id"), keys))
                table = table.drop_columns(["partner_id"]).append_column("partner", partner)
                table = table.filter(pc.is_valid(table.column("partner")))
                out.add(table.select(BUNDLE_SCHEMA.names).cast(BUNDLE_SCHEMA))
            out.close()
            rows += out.written
        files.append(path)
    return {"files": files, "rows": rows}


# --------------------------------------------------------------------------------- import
@dataclass
class FactsFile:
    name: str  # in the bundle
    local: Path  # extracted copy
    rows: int
    partners: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)


def check_channel_facts(
    archive: zipfile.ZipFile, names: list[str], work: Path, problem: Callable[[str], None]
) -> list[FactsFile]:
    """Extract and check every facts file; report what is wrong through ``problem``."""
    found = []
    for number, name in enumerate(sorted(names)):
        if not _NAME.match(name):
            problem(f"{name}: not a channel facts file name.")
            continue
        local = work / f"facts-{number:05d}.parquet"
        with archive.open(name) as source, open(local, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        try:
            parquet = pq.ParquetFile(local)
            schema = parquet.schema_arrow
        except (pa.ArrowException, OSError) as error:
            problem(f"{name} is not a readable Parquet file: {error}.")
            continue
        wrong = [
            f"{column.name} ({column.type})"
            for column in BUNDLE_SCHEMA
            if column.name not in schema.names
            or not _castable(schema.field(column.name).type, column.type)
        ]
        extra = set(schema.names) - set(BUNDLE_SCHEMA.names)
        if wrong or extra:
            problem(
                f"{name}: columns do not match the channel facts (missing or of another type: "
                f"{', '.join(wrong) or 'none'}; unknown: {', '.join(sorted(extra)) or 'none'})."
            )
            continue
        facts = FactsFile(name, local, parquet.metadata.num_rows)
        try:
            for batch in parquet.iter_batches(batch_size=ROW_GROUP, columns=["partner", "period"]):
                partner, period = batch.column(0), batch.column(1)
                if partner.null_count or period.null_count:
                    problem(f"{name}: rows without a partner or a period.")
                    break
                facts.partners.update(pc.unique(partner).to_pylist())
                facts.periods.update(str(value) for value in pc.unique(period).to_pylist())
        except (pa.ArrowException, OSError) as error:
            problem(f"{name} is damaged: {error}.")
            continue
        bad = [value for value in facts.partners if not _UUID.match(value)]
        if bad:
            problem(f"{name}: partner {bad[0][:40]!r} is not a UUID.")
            continue
        found.append(facts)
    return found


def _castable(found: pa.DataType, wanted: pa.DataType) -> bool:
    if found == wanted:
        return True
    if pa.types.is_decimal(wanted):
        return pa.types.is_decimal(found) and found.scale == wanted.scale
    if pa.types.is_string(wanted):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    if pa.types.is_integer(wanted) or pa.types.is_floating(wanted):
        return pa.types.is_integer(found) or pa.types.is_floating(found)
    if pa.types.is_date(wanted):
        return pa.types.is_date(found)
    return False


class FactsConflict(Exception):
    """Facts for slices the workspace already holds, under the 'fail' policy."""


@dataclass
class FactsWrite:
    """What importing the facts did, or would do; ``commit`` makes it visible."""

    store: ChannelStore
    add: list[StoredFile] = field(default_factory=list)
    remove: list[StoredFile] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0

    def commit(self) -> None:
        if self.add or self.remove:
            with self.store.locked():
                self.store.commit(add=self.add, remove=self.remove)

    def discard(self) -> None:
        self.store.discard(self.written)


def import_channel_facts(
    files: list[FactsFile],
    store: ChannelStore,
    partner_pk: dict[str, int],
    *,
    policy: str,
    dry_run: bool,
    load: str,
) -> FactsWrite:
    """Write the bundle's facts as new store files (not yet visible: call ``commit``).

    ``partner_pk`` maps each partner UUID of the facts to its row id in the workspace.
    Slices (partner, month) the store already holds are skipped, replaced or refused by the
    policy. Call while holding ``store.locked()``."""
    result = FactsWrite(store)
    existing = store.slices()
    incoming = {
        (partner_pk[partner], period)
        for facts in files
        for partner in facts.partners
        for period in facts.periods
    }
    clash = existing & incoming if existing else set()
    if clash and policy == "fail":
        raise FactsConflict(
            f"The workspace already holds channel facts for {len(clash)} partner-months and "
            "the policy is 'fail'."
        )
    keys = pa.array(list(partner_pk), pa.string())
    values = pa.array(list(partner_pk.values()), pa.int64())
    skip = clash if policy == "skip" else set()
    replace = clash if policy == "update" else set()
    number = 0
    try:
        for facts in files:
            writers: dict[str, tuple[_Regroup, str, str, set[int]]] = {}
            for table in _tables(facts):
                partner_id = pc.take(values, pc.index_in(table.column("partner"), keys))
                table = table.drop_columns(["partner"]).append_column("partner_id", partner_id)
                table = table.select(SCHEMA.names).cast(SCHEMA)
                for period in sorted(
                    {str(v) for v in pc.unique(table.column("period")).to_pylist()}
                ):
                    part = table.filter(
                        pc.equal(table.column("period"), pa.scalar(period).cast(pa.date32()))
                    )
                    keep, dropped, replacing = _split(part, period, skip, replace)
                    result.skipped += dropped
                    result.updated += replacing
                    result.created += keep.num_rows - replacing
                    if dry_run or keep.num_rows == 0:
                        continue
                    if period not in writers:
                        number += 1
                        name = f"{load}-{number:05d}"
                        absolute, relative = store.new_path(name, period)
                        result.written.append(absolute)
                        writers[period] = (_Regroup(str(absolute), SCHEMA), name, relative, set())
                    writer, _, _, partners = writers[period]
                    writer.add(keep)
                    partners.update(pc.unique(keep.column("partner_id")).to_pylist())
            for period, (writer, name, relative, partners) in writers.items():
                writer.close()
                result.add.append(
                    StoredFile(relative, name, period, writer.written, sorted(partners))
                )
        if replace and not dry_run:
            _rewrite_without(store, replace, result, load)
    except BaseException:
        result.discard()
        raise
    return result


def _tables(facts: FactsFile) -> Iterator[pa.Table]:
    parquet = pq.ParquetFile(facts.local)
    for batch in parquet.iter_batches(batch_size=ROW_GROUP):
        yield pa.Table.from_batches([batch]).select(BUNDLE_SCHEMA.names).cast(BUNDLE_SCHEMA)


def _split(part: pa.Table, period: str, skip: set, replace: set) -> tuple[pa.Table, int, int]:
    """(rows to write, rows skipped, rows that replace existing slices) of one period."""
    if not skip and not replace:
        return part, 0, 0
    partner_ids = part.column("partner_id").to_pylist()
    if skip:
        mask = pa.array([(pk, period) not in skip for pk in partner_ids])
        kept = part.filter(mask)
        return kept, part.num_rows - kept.num_rows, 0
    replacing = sum(1 for pk in partner_ids if (pk, period) in replace)
    return part, 0, replacing


def _rewrite_without(store: ChannelStore, replace: set, result: FactsWrite, load: str) -> None:
    """Rewrite the stored files that hold replaced slices, without those slices."""
    by_period: dict[str, set[int]] = {}
    for partner, period in replace:
        by_period.setdefault(period, set()).add(partner)
    for stored in store.files():
        gone = by_period.get(stored.period, set()) & set(stored.partners)
        if not gone:
            continue
        result.remove.append(stored)
        source = pq.ParquetFile(store.root / stored.path)
        absolute, relative = store.new_path(f"{stored.load}", stored.period)
        result.written.append(absolute)
        out = _Regroup(str(absolute), SCHEMA)
        drop = pa.array(sorted(gone), pa.int64())
        for batch in source.iter_batches(batch_size=ROW_GROUP):
            table = pa.Table.from_batches([batch])
            out.add(table.filter(pc.invert(pc.is_in(table.column("partner_id"), drop))))
        out.close()
        keep = sorted(set(stored.partners) - gone)
        if out.written:
            result.add.append(StoredFile(relative, stored.load, stored.period, out.written, keep))
        else:
            Path(absolute).unlink(missing_ok=True)
