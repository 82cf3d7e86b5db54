"""Read an exit bundle back, in one transaction that commits only if everything passed.

The archive is checked before any record is read: it is safe (no paths outside it, no bombs,
bounded lines and entries), the manifest is known (older versions are upgraded step by step),
every other file's checksum matches. Then each entity's records are read once, a block at a
time: each block is checked (its schema, unique ids, every reference resolving inside the bundle
or to a row of the target workspace, users, attachments; the file's checksum at its end) and
then written, so the database stores one block while the next is checked. Anything wrong stops
the writing, the rest is only checked so that the report names every problem, and the
transaction is rolled back: nothing is written unless the whole bundle passes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import operator
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from uuid import UUID, uuid4, uuid5

import numpy as np
import orjson
from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django_scopes import scope as workspace_scope
from django_scopes import scopes_disabled

from ecosys.core.models import User, Workspace

from .bundle_export import (
    FORMAT_VERSION,
    _c_encoder,
    _Scope,
    attachment_path,
    collector_paused,
    entity_path,
    iter_records,
)
from .bundle_facts import (
    PREFIX,
    FactsConflict,
    FactsFile,
    FactsWrite,
    check_channel_facts,
    import_channel_facts,
    store_of,
)
from .registry import Declaration, declaration_get, declarations
from .schema import batch_check, compiled_check, entity_schema, record_problems

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 20 << 30  # uncompressed
MAX_RATIO = 500  # uncompressed / compressed, per entry
MAX_LINE_BYTES = 10 << 20
MAX_ATTACHMENT_BYTES = 200 << 20  # one attached file
MAX_PROBLEMS = 50
BATCH = 2000
POLICIES = ("skip", "update", "fail")


@dataclass(frozen=True)
class Upgrade:
    """One step that turns a bundle of an older format version into the next one."""

    from_version: str
    to_version: str
    manifest: Callable[[dict], dict]
    record: Callable[[str, dict], dict]  # (entity, record) -> record


# Fields that format version 2 added to entities that version 1 already had, with the value a
# version 1 record stands for (version 1 could not express them).
V2_ADDED_FIELDS: dict[str, dict] = {
    "readiness.onboardingtask": {"course": None},
}


def _v1_manifest(manifest: dict) -> dict:
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    facts = sorted(name for name in files if name.startswith("channel_facts/"))
    return {**manifest, "format_version": "2", "channel_facts": {"files": facts, "rows": None}}


def _v1_record(entity: str, record: dict) -> dict:
    added = V2_ADDED_FIELDS.get(entity)
    if added and isinstance(record, dict):
        record = {**added, **record}
    return record


# Each step turns one format version into the next; a bundle is upgraded step by step.
UPGRADES: list[Upgrade] = [Upgrade("1", "2", _v1_manifest, _v1_record)]


@dataclass
class ImportReport:
    """What an import did, or would do (dry run), or why it refused."""

    policy: str
    dry_run: bool
    format_version: str | None = None
    upgraded_from: str | None = None
    counts: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False
    new_ids: bool = False
    attachments: int = 0  # files restored (or that would be)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, entity: str, what: str, number: int = 1) -> None:
        entry = self.counts.setdefault(entity, {"created": 0, "updated": 0, "skipped": 0})
        entry[what] += number

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "applied": self.applied,
            "policy": self.policy,
            "dry_run": self.dry_run,
            "format_version": self.format_version,
            "upgraded_from": self.upgraded_from,
            "new_ids": self.new_ids,
            "counts": self.counts,
            "attachments": self.attachments,
            "problems": self.problems,
            "warnings": self.warnings,
        }


class Refused(Exception):
    """The bundle cannot be imported; the message says why."""


def import_bundle(
    workspace: Workspace,
    source,
    *,
    policy: str = "skip",
    dry_run: bool = False,
    new_ids: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Import a bundle file into the workspace, or report why not (and write nothing).

    ``new_ids`` gives every record of the bundle a new UUID (the same one for the record and
    every reference to it), so a bundle can be imported next to its own original, e.g. into a
    test workspace of the same instance. References to records outside the bundle keep their
    UUIDs and must resolve in the workspace."""
    if policy not in POLICIES:
        raise ValueError(f"Unknown policy {policy!r}")
    report = ImportReport(policy=policy, dry_run=dry_run, new_ids=new_ids)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        report.problem(f"Not a readable ZIP archive (corrupted or truncated): {error}")
        return report
    with (
        archive,
        workspace_scope(workspace=workspace.pk),
        tempfile.TemporaryDirectory(prefix="ecosys-import-") as work,
        collector_paused(),
    ):
        try:
            plan = _open(archive, report, new_ids, Path(work))
            if report.problems:
                return report
            _apply_all(plan, workspace, report, progress)
        except Refused as error:
            report.problem(str(error))
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            report.problem(f"The archive is damaged: {error}")
    if report.problems:
        report.counts = {}
        report.attachments = 0
    return report


# ------------------------------------------------------------------------------- checking
def _check_entries(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise Refused(f"Too many files in the archive ({len(entries)} > {MAX_ENTRIES}).")
    total = 0
    for info in entries:
        name = info.filename
        path = PurePosixPath(name)
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or ".." in path.parts
            or ":" in path.parts[0]
        ):
            raise Refused(f"Unsafe path in the archive: {name!r}.")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise Refused(f"The archive unpacks to more than {MAX_TOTAL_BYTES} bytes.")
        if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused(f"{name} is compressed suspiciously well (a zip bomb?).")


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes in chunks, refusing more than its declared size."""
    seen = 0
    with archive.open(info) as handle:
        while chunk := handle.read(1 << 20):
            seen += len(chunk)
            if seen > info.file_size:
                raise Refused(f"{info.filename} holds more than its declared size.")
            yield chunk


def _line_blocks(
    archive: zipfile.ZipFile, name: str, sha256: str | None = None
) -> Iterator[tuple[int, list[bytes]]]:
    """The file's lines, a block (about 1 MB) at a time, each block with the number of its
    first line; with ``sha256``, the file's checksum is checked on the way (its last line is
    yielded only once the whole file matched)."""
    digest = hashlib.sha256() if sha256 is not None else None
    info = archive.getinfo(name)
    seen = number = 0
    rest = b""
    with archive.open(info) as handle:
        while block := handle.read(1 << 20):
            seen += len(block)
            if seen > info.file_size:
                raise Refused(f"{name} holds more than its declared size.")
            if digest is not None:
                digest.update(block)
            long = len(rest) + len(block) >= MAX_LINE_BYTES  # else no line can be too long
            lines = (rest + block).split(b"\n") if rest else block.split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE_BYTES:
                raise Refused(f"{name} line {number + 1} is longer than {MAX_LINE_BYTES} bytes.")
            if long:
                for offset, line in enumerate(lines, number + 1):
                    if len(line) >= MAX_LINE_BYTES:
                        raise Refused(
                            f"{name} line {offset} is longer than {MAX_LINE_BYTES} bytes."
                        )
            if lines:
                yield number + 1, lines
            number += len(lines)
    if digest is not None and digest.hexdigest() != sha256:
        raise Refused(f"Checksum mismatch for {name}: the bundle was changed or damaged.")
    if rest:
        yield number + 1, [rest]


def _upgrade(manifest: dict, report: ImportReport) -> list[Upgrade]:
    found = manifest.get("format_version")
    if not isinstance(found, str):
        raise Refused("The manifest has no format version.")
    steps, current = [], found
    while current != FORMAT_VERSION:
        step = next((step for step in UPGRADES if step.from_version == current), None)
        if step is None:
            raise Refused(
                f"Unknown bundle format version {found!r}; this Ecosys reads up to "
                f"{FORMAT_VERSION}."
            )
        steps.append(step)
        current = step.to_version
    if steps:
        report.upgraded_from = found
    report.format_version = FORMAT_VERSION
    return steps


class _IdMap:
    """UUIDs of one entity's records, each with a row id (or without: ``values=False``), held
    compactly so that an import's memory does not grow with the bundle: the latest additions
    in a dict, the rest in sorted arrays, 36 bytes of UUID text and 8 of row id per record
    (a dict takes some 200), merged as they grow (each record is merged about log2(n / 65,536)
    times). Lookups go a block of keys at a time (``found``, ``missing``). A key that is not
    a 36-character ASCII text (never a valid UUID) stays in a dict of its own."""

    FLUSH = 1 << 13
    NONE = -1  # a record of the bundle with no row id (yet)

    def __init__(self, values: bool = True):
        self.values = values
        self.recent: dict[str, int | None] = {}
        self.odd: dict[str, int | None] = {}
        self.levels: list[tuple[np.ndarray, np.ndarray | None]] = []  # newest last

    def add(self, items) -> None:
        """Add keys (``values=False``) or (key, row id) pairs; a key added again takes the new
        row id."""
        if self.values:
            self.recent.update(items)
        else:
            self.recent.update(dict.fromkeys(items))
        if len(self.recent) >= self.FLUSH:
            self.compact()

    def compact(self) -> None:
        """Move the latest additions into the sorted arrays."""
        recent, self.recent = self.recent, {}
        keys = self._texts(list(recent))
        if keys is None:  # some keys are odd: they stay in a dict
            for key in [key for key in recent if not _IdMap._plain(key)]:
                self.odd[key] = recent.pop(key)
            keys = self._texts(list(recent))
        if not recent:
            return
        values = None
        if self.values:
            found = list(recent.values())
            if None in found:
                found = [self.NONE if value is None else value for value in found]
            values = np.array(found, dtype=np.int64)
        self.levels.append(self._sorted(keys, values))
        while len(self.levels) > 1 and len(self.levels[-1][0]) >= len(self.levels[-2][0]):
            (newer, newer_values), (older, older_values) = self.levels.pop(), self.levels.pop()
            keys = np.concatenate([older, newer])  # older first: the stable sort keeps the order
            if self.values:
                values = np.concatenate([older_values, newer_values])
            self.levels.append(self._sorted(keys, values))

    @staticmethod
    def _plain(key: str) -> bool:
        return len(key) == 36 and key.isascii()

    @staticmethod
    def _texts(keys: list[str]) -> np.ndarray | None:
        """The keys as 36-byte texts, or None if one is not 36 ASCII characters. (Between
        keys of exactly 36 characters the array's padding cannot make two equal.)"""
        if not all(map((36).__eq__, map(len, keys))):
            return None
        try:
            return np.array(keys, dtype="S36")
        except UnicodeEncodeError:
            return None

    @staticmethod
    def _sorted(keys: np.ndarray, values: np.ndarray | None) -> tuple:
        order = np.argsort(keys, kind="stable")
        return keys[order], None if values is None else values[order]

    def found(self, keys) -> dict[str, int | None]:
        """{key: row id (None if it has none)} of the keys that are here."""
        keys = keys if isinstance(keys, set | frozenset) else set(keys)
        found: dict[str, int | None] = {}
        for held in (self.recent, self.odd):
            if held and keys:
                hits = held.keys() & keys
                if hits:
                    found.update((key, held[key]) for key in hits)
                    keys = keys - hits
        if not keys or not self.levels:
            return found
        rest = list(keys)
        probe = self._texts(rest)
        if probe is None:  # odd keys are never in the arrays
            rest = [key for key in rest if self._plain(key)]
            probe = np.array(rest, dtype="S36")
        names = np.array(rest, dtype=object)
        for keys_here, values_here in reversed(self.levels):  # the newest row id wins
            at = np.searchsorted(keys_here, probe, side="right") - 1
            hit = at >= 0
            hit[hit] = keys_here[at[hit]] == probe[hit]
            if hit.any():
                if values_here is None:
                    found.update(dict.fromkeys(names[hit].tolist()))
                else:
                    ids = values_here[at[hit]]
                    listed = ids.tolist()
                    if (ids == self.NONE).any():
                        listed = [None if i == self.NONE else i for i in listed]
                    found.update(zip(names[hit].tolist(), listed, strict=True))
                probe, names = probe[~hit], names[~hit]
                if not len(probe):
                    break
        return found

    def missing(self, keys) -> set[str]:
        keys = set(keys)
        return keys - self.found(keys).keys()

    def __contains__(self, key) -> bool:
        return key in self.found((key,))

    def get(self, key, default=None):
        return self.found((key,)).get(key, default)

    def __len__(self) -> int:
        """Records here (a key added twice counts once only while it is among the latest)."""
        return len(self.recent) + len(self.odd) + sum(len(keys) for keys, _ in self.levels)


@dataclass
class _Plan:
    """What the import knows of the bundle: from its manifest before any record is read, and
    from its records as they are read (checked and written in one pass)."""

    manifest: dict
    archive: zipfile.ZipFile
    steps: list[Upgrade]
    entities: list[Declaration]
    names: set[str]  # the archive's file names
    facts: list[FactsFile]
    salt: UUID | None  # new_ids: the namespace of the new UUIDs
    bundle_ids: dict[str, set[str]]  # new_ids: entity -> UUIDs of its records, read first
    referred: set[str]  # entities whose rows' ids are looked up after writing (_referred_to)
    ids: dict[str, _IdMap] = dataclasses.field(default_factory=dict)  # checked so far
    existing: dict[str, _IdMap] = dataclasses.field(default_factory=dict)  # rows already here
    users: dict[str, int] = dataclasses.field(default_factory=dict)  # e-mail -> user pk
    no_user: set[str] = dataclasses.field(default_factory=set)  # e-mails with no account
    dropped: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # left out
    unresolved: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    refers_dropped: set[str] = dataclasses.field(default_factory=set)  # entities
    clashes: dict[str, int] = dataclasses.field(default_factory=dict)  # policy 'fail'
    attached: set[str] = dataclasses.field(default_factory=set)

    def writing(self, report: ImportReport) -> bool:
        """Whether records are still written: not once anything makes the import fail (the
        rest is only checked, to report every problem; the transaction is rolled back)."""
        return not (report.problems or self.unresolved or self.refers_dropped or self.clashes)

    def new_id(self, entity: str, public_id: str | None) -> str | None:
        """The UUID a record of the bundle gets here (the same one unless new_ids)."""
        if public_id is None or self.salt is None:
            return public_id
        if public_id in self.bundle_ids.get(entity, ()):
            return str(uuid5(self.salt, public_id))
        return public_id

    def new_any(self, public_id: str | None) -> str | None:
        if public_id is None or self.salt is None:
            return public_id
        if any(public_id in ids for ids in self.bundle_ids.values()):
            return str(uuid5(self.salt, public_id))
        return public_id


def _open(archive, report, new_ids: bool, work: Path) -> _Plan:
    """Check what can be checked before reading records: the archive's entries, the manifest
    (upgraded to this version), every other file's checksum, the entity types, the channel
    facts. Entity files are checked record by record while they are imported."""
    _check_entries(archive)
    names = {info.filename for info in archive.infolist()}
    if "manifest.json" not in names:
        raise Refused("The archive has no manifest.json: not an Ecosys bundle.")
    try:
        manifest = json.loads(b"".join(_read_limited(archive, archive.getinfo("manifest.json"))))
    except ValueError as error:
        raise Refused(f"manifest.json is not valid JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != "ecosys-bundle":
        raise Refused("manifest.json does not describe an Ecosys bundle.")
    steps = _upgrade(manifest, report)
    for step in steps:
        manifest = step.manifest(manifest)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise Refused("The manifest lists no files.")
    extra = names - set(files) - {"manifest.json"}
    if extra:
        raise Refused(f"Files not listed in the manifest: {sorted(extra)[:5]}.")
    entity_list = manifest.get("entities") or {}
    # Entity files are hashed while their records are read (one pass over each).
    deferred = {
        entity_path(entity)
        for entity in (entity_list if isinstance(entity_list, dict) else ())
        if declaration_get(entity) is not None
    }
    for name, entry in sorted(files.items()):
        if name not in names:
            raise Refused(f"{name} is listed in the manifest but missing.")
        if name in deferred:
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
                raise Refused(f"Checksum mismatch for {name}: the bundle was changed or damaged.")
            continue
        info = archive.getinfo(name)
        if name.startswith("attachments/") and info.file_size > MAX_ATTACHMENT_BYTES:
            raise Refused(f"{name} is larger than {MAX_ATTACHMENT_BYTES} bytes.")
        digest = hashlib.sha256()
        for chunk in _read_limited(archive, info):
            digest.update(chunk)
        if not isinstance(entry, dict) or digest.hexdigest() != entry.get("sha256"):
            raise Refused(f"Checksum mismatch for {name}: the bundle was changed or damaged.")

    entities = []
    if not isinstance(entity_list, dict):
        raise Refused("The manifest's entities are not an object.")
    for entity in entity_list:
        declaration = declaration_get(entity)
        if declaration is None:
            raise Refused(f"Unknown entity type {entity!r} in the bundle.")
        if entity_path(entity) not in files:
            raise Refused(f"{entity_path(entity)} is missing.")
        entities.append(declaration)
    order = {d.entity: n for n, d in enumerate(declarations())}
    entities.sort(key=lambda declaration: order[declaration.entity])
    fact_names = sorted(name for name in files if name.startswith(PREFIX))
    facts = check_channel_facts(archive, fact_names, work, report.problem)
    salt = uuid4() if new_ids else None
    return _Plan(
        manifest,
        archive,
        steps,
        entities,
        names,
        facts,
        salt,
        _bundle_ids(archive, entities) if new_ids else {},
        _referred_to(entities),
    )


def _bundle_ids(archive, entities: list[Declaration]) -> dict[str, set[str]]:
    """Every record's id, per entity, read before anything else: with new ids a record may
    name one of a later entity (a converter's UUID of any record), which gets its new UUID
    too. What is not a record with an id is left to the check."""
    found: dict[str, set[str]] = {}
    for declaration in entities:
        ids = found.setdefault(declaration.entity, set())
        for _, lines in _line_blocks(archive, entity_path(declaration.entity)):
            for line in lines:
                with suppress(ValueError):
                    record = _parse(line)
                    if isinstance(record, dict) and isinstance(record.get("id"), str):
                        ids.add(record["id"])
    return found


_get_id = operator.itemgetter("id")


class _EntityCheck:
    """Checks one entity's records a block at a time, before the block is written: ids unique,
    references resolved (to a record read before, entities coming in dependency order, or to
    a row of the workspace, looked up and locked), users known, attachments present, rows that
    exist already found. What it finds wrong goes to the report, or to the plan to be reported
    once all is read (``_conclude``)."""

    def __init__(self, plan: _Plan, declaration: Declaration, workspace, report, pks: _Pks):
        self.plan, self.declaration, self.workspace, self.report, self.pks = (
            plan,
            declaration,
            workspace,
            report,
            pks,
        )
        d = declaration
        self.entity = d.entity
        self.seen = plan.ids.setdefault(d.entity, _IdMap(values=False))
        self.present = plan.existing.setdefault(d.entity, _IdMap())
        self.dropped = plan.dropped.setdefault(d.entity, set())
        self.refs = [(name, d.is_many(name), d.ref_entity(name)) for name in d.refs]
        self.self_wanted: set[str] = set()
        self.required = d.required_users()
        # Rows already here: only a table with rows can hold some (not in a new instance),
        # and new ids cannot clash.
        with scopes_disabled():
            self.lookup = plan.salt is None and d.model._base_manager.exists()

    def block(self, first: int, batch: list[dict | None]) -> list[dict]:
        """The block's valid records (in order), once checked."""
        d, plan, report = self.declaration, self.plan, self.report
        seen = self.seen
        records = [r for r in batch if r is not None] if None in batch else batch
        block_ids = list(map(_get_id, records))
        if len(set(block_ids)) == len(block_ids) and not seen.found(block_ids):
            seen.add(block_ids)
        else:
            for line, record in enumerate(batch, first):
                if record is None:
                    continue
                if record["id"] in seen:
                    report.problem(f"{d.entity} line {line}: duplicate id {record['id']}.")
                seen.add((record["id"],))
        emails: set[str] = set()
        for name in d.users:
            values = map(operator.itemgetter(name), records)
            emails.update(itertools.chain.from_iterable(values) if d.is_many(name) else values)
        emails.discard(None)
        self.pks.users(emails)
        users = plan.users
        for name in self.required:
            values = map(operator.itemgetter(name), records)
            self.dropped.update(i for i, e in zip(block_ids, values, strict=True) if e not in users)
        for name, many, target in self.refs:
            values = map(operator.itemgetter(name), records)
            found = set(itertools.chain.from_iterable(values) if many else values)
            found.discard(None)
            if target == d.entity:
                self.self_wanted |= found  # checked once all the entity's records are read
                continue
            self._resolve(target, found)
        for line, record in enumerate(batch if d.files else (), first):
            if record is None:
                continue
            for name in d.files:
                path = record[name]
                if path is None:
                    continue
                expected = attachment_path(d.entity, record["id"], name, path)
                if path != expected or path not in plan.names:
                    report.problem(
                        f"{d.entity} line {line}: {name} names {path[:80]!r}, "
                        "which is not its attachment in this bundle."
                    )
                plan.attached.add(path)
        if self.lookup:
            self._existing(block_ids)
        return records

    def _resolve(self, target: str, found: set[str]) -> None:
        """References to ``target``: to its records read before (none left out), else to the
        workspace's rows."""
        gone = self.plan.dropped.get(target)
        if gone and not gone.isdisjoint(found):
            self.plan.refers_dropped.add(target)
        ids = self.plan.ids.get(target)
        outside = found if ids is None else ids.missing(found)
        if outside:
            self.pks.outside(target, outside)

    def end(self) -> None:
        """References of the entity to itself, now that all its records are read."""
        self._resolve(self.entity, self.self_wanted)
        self.self_wanted = set()

    def forget(self) -> None:
        """Once the entity is read: its ids are kept compactly, or not at all if nothing
        refers to the entity (memory)."""
        if self.entity not in self.plan.referred:
            self.plan.ids[self.entity] = _IdMap(values=False)
        elif self.plan.salt is None and self.plan.writing(self.report):
            # Every record is in the map of row ids now (written, or found already here):
            # with the records left out (no row id), that map serves as the ids too (not
            # under new ids, where it holds the new ones).
            rows = self.pks.map(self.entity)
            rows.add((public_id, None) for public_id in self.dropped)
            rows.compact()
            self.plan.ids[self.entity] = rows
        else:
            self.seen.compact()

    def _existing(self, block_ids: list[str]) -> None:
        """The block's records that the workspace holds already (a problem for ids held by
        another workspace of the instance, and with the policy 'fail')."""
        here, elsewhere = {}, 0
        with scopes_disabled():
            self.pks.quiet()
            rows = _id_rows(self.declaration.model, block_ids, None)
            for public_id, pk, workspace_id in rows:
                if workspace_id == self.workspace.pk:
                    here[public_id] = pk
                else:
                    elsewhere += 1
        if elsewhere:
            self.report.problem(
                f"{elsewhere} {self.entity} records already belong to another workspace of "
                "this instance (import with new ids to keep both)."
            )
        if not here:
            return
        self.pks.found(self.declaration, here)
        self.present.add(here.items())
        if self.report.policy == "fail":
            self.plan.clashes[self.entity] = self.plan.clashes.get(self.entity, 0) + len(here)


def _conclude(plan: _Plan, report: ImportReport) -> None:
    """Once every record is read: what could only be told then."""
    stray = sorted(
        name for name in plan.names if name.startswith("attachments/") and name not in plan.attached
    )
    if stray:
        report.problem(f"Attachments no record names: {stray[:3]}.")
    for entity, gone in sorted(plan.dropped.items()):
        if gone:
            report.warnings.append(
                f"{len(gone)} {entity} records are left out: their user has no account here."
            )
    for entity in sorted(plan.refers_dropped):
        report.problem(f"Records refer to {entity} records that would be left out.")
    for entity, missing in sorted(plan.unresolved.items()):
        report.problem(
            f"{len(missing)} references to {entity} resolve neither inside the bundle nor "
            f"in this workspace (e.g. {sorted(missing)[0]})."
        )
    if plan.clashes:
        report.problem(f"Records already exist and the policy is 'fail': {plan.clashes}.")
    named = {p for f in plan.facts for p in f.partners}
    partners = plan.ids.get("partners.partner")
    outside = named if partners is None else partners.missing(named)
    if outside:
        from ecosys.partners.models import Partner

        found = {
            str(u)
            for u in Partner.objects.filter(public_id__in=sorted(outside)).values_list(
                "public_id", flat=True
            )
        }
        if outside - found:
            report.problem(
                f"Channel facts name {len(outside - found)} partners that are neither in the "
                f"bundle nor in this workspace (e.g. {sorted(outside - found)[0]})."
            )


def _id_rows(model, public_ids: list[str], workspace: int | None) -> Iterator[tuple]:
    """(public id as text, pk) of the workspace's rows of the model among ``public_ids``; with
    ``workspace`` None, (public id, pk, workspace id) of such rows in any workspace. On
    PostgreSQL one query per 50,000 ids, sent as one text the server splits (no per-value
    parameter handling); elsewhere the ORM."""
    from django.db import connection

    has_workspace = _has_workspace(model)
    if connection.vendor != "postgresql":
        names = ("public_id", "pk") if workspace is not None else ("public_id", "pk", "workspace")
        rows = model._base_manager.all()
        if workspace is not None and has_workspace:
            rows = rows.filter(workspace=workspace)
        for chunk in _chunks(public_ids):
            for row in rows.filter(public_id__in=chunk).values_list(*names):
                yield (str(row[0]), *row[1:])
        return
    quote = connection.ops.quote_name
    columns = f"public_id::text, {quote(model._meta.pk.column)}"
    where = "public_id = ANY(string_to_array(%s, ',')::uuid[])"
    if workspace is None:
        columns += ", workspace_id" if has_workspace else ", NULL"
    elif has_workspace:
        where += f" AND workspace_id = {int(workspace)}"
    query = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        for chunk in _chunks(public_ids, 50_000):
            cursor.execute(query, [",".join(chunk)])
            yield from cursor.fetchall()


def _has_workspace(model) -> bool:
    return any(field.name == "workspace" for field in model._meta.concrete_fields)


def _chunks(values: list, size: int = 900) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _parse(raw: bytes):
    """``json.loads(raw)``, faster for the usual line: orjson parses it (the same values for
    what both accept); anything orjson refuses (NaN, integers beyond 64 bits, lone surrogates,
    a byte order mark...) takes ``json.loads`` itself, so what is accepted and how it fails
    stay the same."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _record_batches(
    archive, declaration: Declaration, steps, report, sha256: str
) -> Iterator[tuple[int, list[dict | None]]]:
    """The entity's records, a block at a time with the number of the block's first line,
    checked against its schema; the file's checksum is checked by the end (``_line_blocks``).
    A record that is not valid JSON or does not match is reported as a problem and is None
    in its block."""
    schema = entity_schema(declaration)
    valid = compiled_check(schema)
    all_valid = batch_check(schema)
    entity = declaration.entity
    for first, lines in _line_blocks(archive, entity_path(entity), sha256):
        try:
            records = list(map(orjson.loads, lines))
        except orjson.JSONDecodeError:
            records = []
            for line, raw in enumerate(lines, first):
                try:
                    records.append(_parse(raw))
                except ValueError:
                    report.problem(f"{entity} line {line}: not valid JSON.")
                    records.append(None)
        for step in steps:
            records = [step.record(entity, record) for record in records]
        if not all_valid(records) and not all(map(valid, records)):
            for number, record in enumerate(records):
                if record is not None and not valid(record):
                    problems = record_problems(schema, record) or ["does not match its schema"]
                    report.problem(f"{entity} line {first + number}: {'; '.join(problems[:3])}.")
                    records[number] = None
        yield first, records


# ------------------------------------------------------------------------------- applying
class _DryRun(Exception):
    pass


class _Problems(Exception):
    """The bundle failed its checks (the report says why): everything written is rolled back."""


def _apply_all(plan: _Plan, workspace, report, progress) -> None:
    saved: list[tuple] = []  # (storage, name) of attachments written, removed on failure
    facts = None
    orchestrator = workspace.orchestrator_id  # the caller's object is restored when rolled back
    try:
        with (
            transaction.atomic(),
            _timestamps_kept(plan.entities),
            _fk_triggers_off() as guard,
        ):
            _apply(plan, workspace, report, progress, saved, guard)
            _conclude(plan, report)
            if report.problems:
                raise _Problems
            facts = _apply_facts(plan, workspace, report)
            if report.dry_run:
                raise _DryRun
            if facts is not None:
                facts.commit()  # last step: the store's manifest swap makes the facts visible
    except _DryRun:
        workspace.orchestrator_id = orchestrator
        return
    except (IntegrityError, DatabaseError, FactsConflict, _Problems) as error:
        workspace.orchestrator_id = orchestrator
        _remove(saved, facts)
        if isinstance(error, FactsConflict):
            report.problem(str(error))
        elif not isinstance(error, _Problems):
            report.problem(_refusal(error))
        return
    except BaseException:
        workspace.orchestrator_id = orchestrator
        _remove(saved, facts)
        raise
    report.applied = True


def _refusal(error: DatabaseError) -> str:
    """Why the database refused the bundle, with the entity being written and, for a value
    that must be unique, what to do about it."""
    entity = getattr(error, "bundle_entity", None)
    text = f"The database refused the bundle, nothing was written: {error}"
    if entity:
        text += f" (while writing {entity} records)"
    if isinstance(error, IntegrityError) and "unique" in str(error).lower():
        text += (
            ". A value that must be unique (a name, a code) is taken already, in this workspace "
            "or twice in the bundle: rename one of them, or import into an empty workspace."
        )
    return text


class _fk_triggers_off:
    """On PostgreSQL, where the role may: no foreign-key trigger fires for the rows written
    (``session_replication_role = replica`` for this transaction only, as ``pg_restore
    --disable-triggers`` does). Checking resolves every reference before its record is
    written, to a record of the bundle (written in this transaction, invisible to others) or
    to a row of the workspace, which is locked (``lock``: ``FOR KEY SHARE``, the lock the
    triggers would take) so that nobody deletes it before the import commits. Otherwise the
    database checks every reference at commit, per row, which took a third of the time of a
    large import."""

    def __init__(self):
        from django.db import connection

        self.connection, self.active = connection, False

    def __enter__(self):
        if self.connection.vendor != "postgresql":
            return self
        try:
            with transaction.atomic(), self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return self  # not allowed: the triggers check every reference
        self.active = True
        return self

    def lock(self, meta, pks) -> None:
        """Lock the rows the bundle refers to (a no-op where the triggers are on); refuse if
        one was deleted since it was found."""
        if not self.active:
            return
        quote = self.connection.ops.quote_name
        pks = sorted({pk for pk in pks if pk is not None})
        locked = 0
        with self.connection.cursor() as cursor:
            for chunk in _chunks(pks, 50_000):
                cursor.execute(
                    f"SELECT 1 FROM {quote(meta.db_table)} "  # noqa: S608 (quoted names)
                    f"WHERE {quote(meta.pk.column)} = ANY(string_to_array(%s, ',')::bigint[]) "
                    "FOR KEY SHARE",
                    [",".join(map(str, chunk))],
                )
                locked += len(cursor.fetchall())
        if locked < len(pks):
            raise Refused(
                f"{len(pks) - locked} {meta.verbose_name_plural} the bundle refers to were "
                "deleted while it was imported; nothing was written. Try again."
            )

    def __exit__(self, kind, *exc) -> None:
        if self.active and kind is None:
            # The rest of an enclosing transaction has its triggers again.
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _remove(saved, facts) -> None:
    for storage, name in saved:
        storage.delete(name)
    if facts is not None:
        facts.discard()


class _timestamps_kept:
    """Let created_at/updated_at keep the bundle's values while importing."""

    def __init__(self, entities):
        self.fields = [
            field
            for declaration in entities
            for field in declaration.model._meta.concrete_fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        ]
        self.saved = []

    def __enter__(self):
        self.saved = [(field, field.auto_now, field.auto_now_add) for field in self.fields]
        for field in self.fields:
            field.auto_now = field.auto_now_add = False

    def __exit__(self, *exc):
        for field, auto_now, auto_now_add in self.saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _decoder(field) -> Callable:
    kind = field.get_internal_type()
    convert = {
        "DecimalField": Decimal,
        "DateTimeField": datetime.fromisoformat,
        "DateField": date.fromisoformat,
        "UUIDField": UUID,
    }.get(kind)
    if convert is None:
        return lambda value: value
    return lambda value: None if value is None else convert(value)


class _ImportIds:
    """Answers converters while importing: row ids, user ids and new UUIDs."""

    def __init__(self, plan: _Plan, pks):
        self.plan, self.pks, self.pk_of = plan, pks, pks.get

    def pk(self, entity, public_id):
        return self.pk_of(entity, public_id, missing_ok=True)

    def user(self, email):
        if isinstance(email, str):
            self.pks.users({email})
        return self.plan.users.get(email)

    def uuid(self, public_id):
        return self.plan.new_any(public_id)

    def renumber(self, value):
        if self.plan.salt is None or not isinstance(value, str) or not value:
            return value
        digest = hashlib.sha256(f"{self.plan.salt}:{value}".encode()).hexdigest()
        return digest[: len(value)]

    def public_id(self, entity, pk):  # pragma: no cover - export side only
        raise NotImplementedError

    email = public_id


class _Pks:
    """public id -> pk of the rows an import refers to, per entity: the bundle's rows as they
    are written, and the workspace's rows that the bundle holds already or refers to, looked
    up (and locked, see ``_fk_triggers_off``) when a record names them. The same for users,
    by e-mail."""

    def __init__(self, plan: _Plan, workspace, guard: _fk_triggers_off):
        self.plan, self.workspace, self.guard = plan, workspace, guard
        self.maps: dict[str, _IdMap] = {}
        self.quiet: Callable[[], None] = lambda: None  # ends a COPY in progress before a query

    def map(self, entity: str) -> _IdMap:
        found = self.maps.get(entity)
        if found is None:
            found = self.maps[entity] = _IdMap()
        return found

    def add(self, entity: str, pairs) -> None:
        self.map(entity).add(pairs)

    def found(self, declaration: Declaration, rows: dict[str, int]) -> None:
        """The workspace's rows of the entity that the bundle names: kept and locked."""
        self.map(declaration.entity).add(rows.items())
        self.guard.lock(declaration.model._meta, rows.values())

    def resolve(self, entity: str, public_ids) -> dict[str, int]:
        """{public id: pk} of rows that must exist (resolved while checking)."""
        public_ids = set(public_ids)
        public_ids.discard(None)
        found = self.map(entity).found(public_ids)
        if len(found) < len(public_ids):
            found.update(self._fetch(entity, public_ids - found.keys()))
        for public_id, pk in found.items():
            if pk is None:
                raise KeyError(f"{entity} {public_id}")
        if len(found) < len(public_ids):
            raise KeyError(f"{entity} {sorted(public_ids - found.keys())[0]}")
        return found

    def _fetch(self, entity: str, wanted: set[str]) -> dict[str, int]:
        """The workspace's rows among ``wanted`` (ids the map does not hold): kept, locked."""
        declaration = declaration_get(entity)
        if not wanted or declaration is None:
            return {}
        self.quiet()
        rows = dict(_id_rows(declaration.model, sorted(wanted), self.workspace.pk))
        self.found(declaration, rows)
        return rows

    def outside(self, entity: str, public_ids: set[str]) -> None:
        """References to rows that are not the bundle's: found in the workspace, or recorded
        as unresolved (a problem, told once everything is read)."""
        unresolved = self.plan.unresolved.get(entity)
        if unresolved:
            public_ids = public_ids - unresolved
        wanted = self.map(entity).missing(public_ids)
        missing = wanted - self._fetch(entity, wanted).keys()
        if missing:
            self.plan.unresolved.setdefault(entity, set()).update(missing)

    def users(self, emails: set[str]) -> None:
        """Look up the users with these e-mails that were not looked up before."""
        plan = self.plan
        new = emails - plan.users.keys() - plan.no_user
        if not new:
            return
        self.quiet()
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(new)):
            found.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))
        plan.users.update(found)
        plan.no_user |= new - found.keys()
        self.guard.lock(User._meta, found.values())

    def get(self, entity: str, public_id: str | None, missing_ok: bool = False) -> int | None:
        if public_id is None:
            return None
        held = self.map(entity).found((public_id,))
        if public_id not in held:
            held = self._fetch(entity, {public_id})
        found = held.get(public_id)
        if found is None and not missing_ok:
            raise KeyError(f"{entity} {public_id}")
        return found


def _referred_to(entities: list[Declaration]) -> set[str]:
    """Entities whose rows' ids the import looks up after writing them: targets of references
    and of converters, and entities with links or references to themselves. The others'
    ids are not kept (most rows of a large bundle belong to such leaf entities)."""
    found = set()
    for declaration in entities:
        found |= declaration.depends_on()
        if declaration.self_refs() or any(declaration.is_many(n) for n in declaration.refs):
            found.add(declaration.entity)
        if any(declaration.is_many(n) for n in declaration.users):
            found.add(declaration.entity)
    return found


def _apply(plan: _Plan, workspace, report, progress, saved: list, guard) -> None:
    """Each entity in dependency order, a block of records at a time: the block is checked,
    then written, so that PostgreSQL stores one block while the next is read and checked.
    Once anything fails, the rest is only checked (the transaction is rolled back)."""
    pks = _Pks(plan, workspace, guard)
    ids = _ImportIds(plan, pks)
    context = _Scope(workspace)
    files = plan.manifest["files"]
    for number, declaration in enumerate(plan.entities):
        if progress:
            progress(f"importing {declaration.entity}", int(100 * number / len(plan.entities)))
        writer = _EntityWriter(plan, declaration, workspace, report, pks, ids, context, saved)
        writer.remember = declaration.entity in plan.referred
        try:
            check = _EntityCheck(plan, declaration, workspace, report, pks)
            sha256 = files[entity_path(declaration.entity)]["sha256"]
            batches = _record_batches(plan.archive, declaration, plan.steps, report, sha256=sha256)
            for first, batch in batches:
                records = check.block(first, batch)
                if plan.writing(report):
                    writer.write(records)
            check.end()
            if plan.writing(report):
                writer.finish()
            else:
                writer.quiet()
        except BaseException as error:
            if writer.fast is not None:
                writer.fast.abort(error)
            if isinstance(error, DatabaseError):
                error.bundle_entity = declaration.entity  # named in the report
            raise
        check.forget()
        pks.map(declaration.entity).compact()
    if not plan.writing(report):
        return
    pk_of = pks.get
    orchestrator = plan.manifest.get("workspace", {}).get("orchestrator")
    scope_kind = plan.manifest["scope"]["kind"]
    if scope_kind == "workspace" and orchestrator and workspace.orchestrator_id is None:
        workspace.orchestrator_id = pk_of(
            "ecosystem.organization", plan.new_id("ecosystem.organization", orchestrator)
        )
        workspace.save(update_fields=["orchestrator"])


class _EntityWriter:
    """Writes one entity's records, a batch at a time (rows are never all held)."""

    def __init__(self, plan, declaration, workspace, report, pks: _Pks, ids, context, saved):
        self.plan, self.declaration, self.workspace = plan, declaration, workspace
        self.report, self.pks, self.ids, self.context, self.saved = (
            report,
            pks,
            ids,
            context,
            saved,
        )
        self.pk_of = pks.get
        # Link rows, as flat pairs of 8-byte ints (16 bytes a row, not some 100 as tuples).
        self.pending: dict[tuple[str, str, str], array] = {}
        self.remember = True  # whether the ids of its new rows are kept (see _referred_to)
        d = declaration
        self.entity = d.entity
        self.existing = plan.existing.setdefault(d.entity, _IdMap())  # grows as found
        self.present: dict[str, int] = {}  # of the block being written
        self.dropped = plan.dropped.setdefault(d.entity, set())
        self.plain = [
            (name, d.field(name).attname, _decoder(d.field(name)), d.convert.get(name))
            for name in d.fields
        ]
        self.single = [
            (name, d.field(name).attname, d.ref_entity(name))
            for name in d.refs
            if not d.is_many(name) and not d.is_self(name)
        ]
        self.self_refs = [(name, d.field(name).attname) for name in d.self_refs()]
        self.many = [name for name in d.refs if d.is_many(name)]
        self.single_users = [
            (name, d.field(name).attname) for name in d.users if not d.is_many(name)
        ]
        self.many_users = [name for name in d.users if d.is_many(name)]
        self.later: list[tuple[str, str, str]] = []  # (field, owner id, target id): self refs
        # New rows go in with one prepared INSERT per batch (COPY on PostgreSQL), no model
        # instances; rows with attachments take the model path (their files need the row).
        expected = plan.manifest["entities"].get(d.entity, {}).get("count")
        self.fast = None if d.files else _Inserter(d, workspace, expected)
        pks.quiet = self.quiet
        self.compiled = self._compile() if self.fast is not None else None
        self.make_row = self._generated_row() if self.fast is not None else None

    def _compile(self):
        """Per column of the INSERT: how a record's value becomes the database's."""
        postgres = self.fast.postgres
        steps = []
        for name, _, decode, convert in self.plain:
            field = self.declaration.field(name)
            prepare = _preparer(field, decode, postgres)
            if convert is not None:

                def step(value, load=convert.load, prepare=prepare, ids=self.ids):
                    value = load(value, ids)
                    return None if value is None else prepare(value)

                steps.append((name, step, True))
            else:
                steps.append((name, prepare, False))
        return steps

    def _generated_row(self) -> Callable[[dict], tuple]:
        """A new record as the INSERT's values (workspace, public id, then _Inserter.columns):
        one generated function with every column written out (no loop, no
        call for values the database takes as they are): it runs for every new record."""
        env: dict = {
            "workspace": self.workspace.pk,
            "uuid": self.fast.uuid,
            "users": self.plan.users,
            "later": self.later,
        }
        items = [
            "workspace",
            "uuid(record['id'])" if self.fast.uuid is not _same else "record['id']",
        ]
        for number, (name, prepare, always) in enumerate(self.compiled):
            value = f"record[{name!r}]"
            if prepare is _same:
                items.append(value)
                continue
            env[f"prepare_{number}"] = prepare
            if always:
                items.append(f"prepare_{number}({value})")
            else:
                items.append(
                    f"(None if (v{number} := {value}) is None else prepare_{number}(v{number}))"
                )
        for number, (name, _, _) in enumerate(self.single):
            # Every reference resolved while checking: to a row written before (entities go
            # in dependency order) or to one of the workspace's, both in the map already;
            # looked up a block at a time (``_targets``), which sets target_<n>.
            items.append(f"target_{number}(record[{name!r}])")
        self.row_env = env
        code = ["def row(record):"]
        for number, (name, attname) in enumerate(self.self_refs):
            env[f"self_{number}"] = attname
            items.append("None")
            code += [
                f"    if record[{name!r}] is not None:",
                f"        later.append((self_{number}, record['id'], record[{name!r}]))",
            ]
        items += [f"users.get(record[{name!r}])" for name, _ in self.single_users]
        code.append("    return (" + ", ".join(items) + ",)")
        exec("\n".join(code), env)  # noqa: S102 (code made above from the declaration)
        return env["row"]

    def _targets(self, records: list[dict]) -> None:
        """The pks of the rows the block's records refer to, for the generated row function:
        one lookup per reference field and block, not one per record."""
        for number, (name, _, target) in enumerate(self.single):
            values = set(map(operator.itemgetter(name), records))
            values.discard(None)
            self.row_env[f"target_{number}"] = self.pks.map(target).found(values).get

    def _written(self, public_ids: list[str], assigned: list[int] | None) -> None:
        """Remember the pks of new rows (assigned by the inserter, or looked up), where
        anything refers to them."""
        if not self.remember:
            return
        if assigned is None:
            self.pks.add(
                self.entity, _id_rows(self.declaration.model, public_ids, self.workspace.pk)
            )
        else:
            self.pks.add(self.entity, zip(public_ids, assigned, strict=True))

    def _remap(self, record: dict) -> dict:
        plan, d = self.plan, self.declaration
        record["id"] = plan.new_id(d.entity, record["id"])
        for name in d.refs:
            target = d.ref_entity(name)
            if d.is_many(name):
                record[name] = [plan.new_id(target, value) for value in record[name]]
            else:
                record[name] = plan.new_id(target, record[name])
        return record

    def write(self, records: list[dict]) -> None:
        plan, d, report = self.plan, self.declaration, self.report
        if self.dropped:
            for record in records:
                if record["id"] in self.dropped:
                    report.count(d.entity, "skipped")
            records = [r for r in records if r["id"] not in self.dropped]
        if plan.salt is not None:
            for record in records:
                self._remap(record)
        new, changed = [], []
        links: list[tuple[str, int | str, list]] = []
        linked = (*self.many, *self.many_users)
        model = d.model
        fast = self.fast is not None
        if fast:
            self._targets(records)
        self.present = self.existing.found(r["id"] for r in records) if len(self.existing) else {}
        if fast and not self.present and not linked:
            # The usual case (new rows, no links): every record becomes a row.
            rows = list(map(self.make_row, records))
            report.count(d.entity, "created", len(rows))
            self._written([row[1] for row in rows], self.fast.insert(rows))
            return
        same = self._unchanged([r for r in records if r["id"] in self.present])
        rows: list[tuple] = []
        for record in records:
            is_present = record["id"] in self.present
            if is_present and (report.policy == "skip" or record["id"] in same):
                report.count(d.entity, "skipped")
                continue
            if linked:
                links.extend((n, record["id"], record[n]) for n in linked)
            if fast and not is_present:
                rows.append(self.make_row(record))
                report.count(d.entity, "created")
                continue
            values = {}
            for name, attname, decode, convert in self.plain:
                value = record[name]
                values[attname] = convert.load(value, self.ids) if convert else decode(value)
            for name, attname, target in self.single:
                values[attname] = self.pk_of(target, record[name])
            for name, attname in self.self_refs:
                values[attname] = None
                if record[name] is not None:
                    self.later.append((attname, record["id"], record[name]))
            for name, attname in self.single_users:
                values[attname] = plan.users.get(record[name])
            row = model(workspace=self.workspace, public_id=UUID(record["id"]), **values)
            for name in d.files:
                path = record[name]
                setattr(row, name, self._attach(row, name, path) if path else "")
            if is_present:
                row.pk = self.present[record["id"]]
                changed.append(row)
                report.count(d.entity, "updated")
            else:
                new.append(row)
                report.count(d.entity, "created")
        if rows:
            self._written([row[1] for row in rows], self.fast.insert(rows))
        if new or changed:
            self.quiet()
        if new:
            model.objects.bulk_create(new, batch_size=BATCH)
            if any(row.pk is None for row in new):
                self._written([str(row.public_id) for row in new], None)
            else:
                self.pks.add(d.entity, ((str(row.public_id), row.pk) for row in new))
        if changed:
            names = [attname for _, attname, _, _ in self.plain]
            names += [attname for _, attname, _ in self.single]
            names += [attname for _, attname in (*self.self_refs, *self.single_users)]
            names += list(d.files)
            model.objects.bulk_update(changed, names, batch_size=BATCH)
        self._links(links, changed, later=False)

    def _attach(self, row, name: str, path: str) -> str:
        """Store the attachment (not in a dry run) and return its stored name."""
        self.report.attachments += 1
        if self.report.dry_run:
            return path
        field = self.declaration.field(name)
        with self.plan.archive.open(path) as source:
            stored = field.storage.save(
                field.generate_filename(row, PurePosixPath(path).name),
                File(source, name=PurePosixPath(path).name),
                max_length=field.max_length,
            )
        self.saved.append((field.storage, stored))
        return stored

    def _unchanged(self, records: list[dict]) -> set[str]:
        """Ids of the present records whose row already holds exactly the record."""
        if not records or self.report.policy != "update":
            return set()
        self.quiet()
        pks = [self.present[r["id"]] for r in records]
        queryset = self.declaration.model.objects.filter(pk__in=pks)
        current = {r["id"]: r for r in iter_records(self.declaration, self.context, queryset)}
        return {r["id"] for r in records if current.get(r["id"]) == r}

    def _links(self, links, changed, *, later: bool) -> None:
        d = self.declaration
        by_field: dict[str, list] = {}
        for name, owner, targets in links:
            if not later and name in self.many and d.is_self(name):
                self.later.append((name, owner, targets))
                continue
            by_field.setdefault(name, []).append((owner, targets))
        updated = {row.pk for row in changed}
        if by_field and (updated or later):
            self.quiet()
        for name, pairs in by_field.items():
            field = d.field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            owners = self.pks.resolve(d.entity, (owner for owner, _ in pairs))
            stale = [pk for pk in owners.values() if pk in updated or later]
            for chunk in _chunks(stale):
                through.objects.filter(**{f"{source}_id__in": chunk}).delete()
            if name in self.many_users:
                resolve = self.plan.users.get
            else:
                targets = {value for _, values in pairs for value in values}
                resolve = self.pks.map(d.ref_entity(name)).found(targets).get  # all resolved
            source_column, target_column = (
                through._meta.get_field(n).column for n in (source, target)
            )
            key = (through._meta.db_table, source_column, target_column)
            rows = self.pending.setdefault(key, array("q"))  # written when the entity's rows are
            for owner, targets in pairs:
                source_pk = owners[owner]
                for value in targets:
                    pk = resolve(value)
                    if pk is not None:
                        rows.append(source_pk)
                        rows.append(pk)

    def quiet(self) -> None:
        """End the entity's COPY in progress (before any other query on the connection)."""
        if self.fast is not None:
            self.fast.close()

    def _write_links(self) -> None:
        self.quiet()
        for (table, *columns), pairs in self.pending.items():
            if pairs:
                _insert_rows(table, columns, zip(pairs[0::2], pairs[1::2], strict=True))
        self.pending.clear()

    def finish(self) -> None:
        """The entity's COPY ends, its link rows go in, then a second pass: references to the
        entity itself, now that all its rows exist."""
        self._write_links()
        if not self.later:
            return
        d = self.declaration
        single = [(a, o, t) for a, o, t in self.later if not isinstance(t, list)]
        many = [(n, o, t) for n, o, t in self.later if isinstance(t, list)]
        pks = self.pks.resolve(d.entity, {i for _, o, t in single for i in (o, t)})
        rows = []
        for attname, owner, target in single:
            row = d.model(pk=pks[owner])
            setattr(row, attname, pks[target])
            rows.append((attname, row))
        for attname in {a for a, _ in rows}:
            d.model.objects.bulk_update(
                [row for a, row in rows if a == attname], [attname], batch_size=BATCH
            )
        if many:
            self._links(many, [], later=True)
            self._write_links()
        self.later.clear()  # the generated row function appends to this list


_json_dumps = _c_encoder(json.JSONEncoder())  # json.dumps's text, the C encoder made once


def _json_text(value):
    """A JSON column's text: orjson's (the database parses it; the spacing does not matter),
    or json.dumps's for what orjson refuses (integers beyond 64 bits, lone surrogates) and
    wherever orjson wrote a null, which may stand for a NaN or an infinity that json.loads
    accepted (orjson writes those as null; the database is to see and refuse them)."""
    if value is None:
        return None
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _json_dumps(value)
    return _json_dumps(value) if b"null" in text else text.decode()


def _same(value):
    return value


def _preparer(field, decode, postgres: bool):
    """How a record's (decoded) value becomes the database's for the fast INSERT. PostgreSQL's
    COPY parses the bundle's text of decimals, dates, times and UUIDs itself; elsewhere the
    field prepares the Python value as Django would."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _json_text
    if postgres:
        return _same
    prepare = field.get_db_prep_save
    from django.db import connection

    return lambda value: prepare(decode(value), connection)


def _insert_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert plain rows with raw SQL inside the import's transaction: COPY FROM STDIN on
    PostgreSQL (psycopg 3), one prepared INSERT run with executemany elsewhere."""
    from django.db import connection

    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )
            return
        copy = cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN")  # noqa: S608
        with connection.wrap_database_errors, copy as stream:
            write = stream.write_row
            for row in rows:
                write(row)


class _Inserter:
    """Inserts new rows of one entity with raw SQL. On PostgreSQL the rows get their ids from
    the table's sequence (reserved for the whole entity at once, so no query has to find them
    afterwards) and go into one COPY that stays open while the next batches are read: the
    server stores rows while Python prepares the next ones. ``close`` ends it; nothing else
    may use the connection meanwhile. Elsewhere ``_insert_rows`` per batch."""

    def __init__(self, declaration: Declaration, workspace, expected: int | None):
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        d = declaration
        names = ["workspace_id", "public_id"]
        names += [d.field(name).column for name in d.fields]
        names += [
            d.field(name).column for name in d.refs if not d.is_many(name) and not d.is_self(name)
        ]
        names += [d.field(name).column for name in d.self_refs()]
        names += [d.field(name).column for name in d.users if not d.is_many(name)]
        # Fields the bundle does not hold get their default, as bulk_create would give them.
        self.defaults = []
        for field in d.model._meta.concrete_fields:
            if field.primary_key or field.column in names:
                continue
            default = field.get_default()
            if field.get_internal_type() == "JSONField":
                default = _json_text(default)
            elif default is not None:
                default = field.get_db_prep_save(default, connection)
            names.append(field.column)
            self.defaults.append(default)
        self.defaults = tuple(self.defaults)
        self.table = d.model._meta.db_table
        self.pk_column = d.model._meta.pk.column
        self.columns = names
        self.sequence = None
        self.reserved: list[range] = []  # runs of reserved ids (one, usually)
        self.expected = expected if isinstance(expected, int) and expected > 0 else BATCH
        self.copy = self.stream = self.cursor = None
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [self.table, self.pk_column]
                )
                self.sequence = cursor.fetchone()[0]
        public_id = d.model._meta.get_field("public_id")
        self.uuid = (
            _same
            if self.postgres
            else lambda value: public_id.get_db_prep_value(UUID(value), connection)
        )

    def insert(self, rows: list[tuple]) -> list[int] | None:
        """Insert the rows; their ids in order (None where the database picked them)."""
        if self.sequence is None:
            if self.defaults:
                rows = [row + self.defaults for row in rows]
            _insert_rows(self.table, self.columns, rows)
            return None
        if sum(map(len, self.reserved)) < len(rows):
            self._reserve(len(rows))
        assigned = self._take(len(rows))
        if self.stream is None:
            quote = self.connection.ops.quote_name
            names = ", ".join(quote(name) for name in [self.pk_column, *self.columns])
            self.cursor = self.connection.cursor()
            self.copy = self.cursor.cursor.copy(
                f"COPY {quote(self.table)} ({names}) FROM STDIN"  # noqa: S608 (quoted names)
            )
            with self.connection.wrap_database_errors:
                self.stream = self.copy.__enter__()
        write, extra = self.stream.write_row, self.defaults
        with self.connection.wrap_database_errors:
            for pk, row in zip(assigned, rows, strict=True):
                write((pk, *row, *extra))
        return assigned

    def _reserve(self, needed: int) -> None:
        """Ids for the rows still expected (the manifest's count; more later if it was low)."""
        self.close()
        count = min(max(needed, self.expected), 200_000)
        with self.connection.cursor() as cursor:
            # The ids drawn, as runs of consecutive ids (one, unless another session drew
            # from the sequence meanwhile): the server groups them (gaps and islands).
            cursor.execute(
                "SELECT min(v), max(v) FROM (SELECT v, v - row_number() OVER (ORDER BY v) AS run "
                "FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) drawn) ids "
                "GROUP BY run ORDER BY 1",
                [self.sequence, count],
            )
            self.reserved += [range(low, high + 1) for low, high in cursor.fetchall()]
        self.expected = max(self.expected - count, BATCH)

    def _take(self, count: int) -> range | list[int]:
        """The next ``count`` reserved ids (a range while the sequence gave a run of them)."""
        taken = []
        while count:
            run = self.reserved[0]
            taken.append(run[:count])
            self.reserved[0] = run[count:]
            if not self.reserved[0]:
                del self.reserved[0]
            count -= len(taken[-1])
        return taken[0] if len(taken) == 1 else list(itertools.chain.from_iterable(taken))

    def abort(self, error: BaseException) -> None:
        """Give up the COPY in progress (the transaction is rolled back after this)."""
        self.close(error)

    def close(self, error: BaseException | None = None) -> None:
        """End the COPY in progress (the server has all its rows when this returns), or give
        it up with ``error``, whose own raising is left to the caller."""
        if self.stream is None:
            return
        copy, cursor = self.copy, self.cursor
        self.copy = self.stream = self.cursor = None
        try:
            with self.connection.wrap_database_errors:
                copy.__exit__(type(error) if error else None, error, None)
        except Exception:
            if error is None:
                raise
        finally:
            cursor.close()


def _apply_facts(plan: _Plan, workspace, report) -> FactsWrite | None:
    if not plan.facts:
        return None
    from ecosys.partners.models import Partner

    wanted = {plan.new_id("partners.partner", p): p for f in plan.facts for p in f.partners}
    partner_pk = {}
    for chunk in _chunks(sorted(wanted)):
        for public_id, pk in Partner.objects.filter(public_id__in=chunk).values_list(
            "public_id", "pk"
        ):
            partner_pk[wanted[str(public_id)]] = pk
    store = store_of(workspace)
    with store.locked():
        result = import_channel_facts(
            plan.facts,
            store,
            partner_pk,
            policy=report.policy,
            dry_run=report.dry_run,
            load=f"bundle-{uuid4().hex[:8]}",
        )
    report.counts["channel_facts"] = {
        "created": result.created,
        "updated": result.updated,
        "skipped": result.skipped,
    }
    return result
