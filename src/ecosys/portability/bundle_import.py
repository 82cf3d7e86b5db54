"""Read an exit bundle back: check everything first, then write it all in one transaction.

Nothing is written unless the whole bundle passes: the archive is safe (no paths outside it,
no bombs, bounded lines and entries), the manifest is known (older versions are upgraded step
by step), every checksum matches, every record matches its schema and every reference resolves
inside the bundle or to a row of the target workspace.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from uuid import UUID

from django.db import DatabaseError, IntegrityError, transaction
from django_scopes import scope as workspace_scope
from django_scopes import scopes_disabled

from ecosys.core.models import User, Workspace

from .bundle_export import FORMAT_VERSION, _Scope, entity_path, iter_records
from .registry import Declaration, declaration_get
from .schema import entity_schema, record_problems

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 20 << 30  # uncompressed
MAX_RATIO = 500  # uncompressed / compressed, per entry
MAX_LINE_BYTES = 10 << 20
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


# Format version 1 is the first; a future version 2 adds Upgrade("1", "2", ...) here.
UPGRADES: list[Upgrade] = []


@dataclass
class ImportReport:
    """What an import did, or would do (dry run), or why it refused."""

    policy: str
    dry_run: bool
    format_version: str | None = None
    upgraded_from: str | None = None
    counts: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False

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
            "counts": self.counts,
            "problems": self.problems,
        }


class Refused(Exception):
    """The bundle cannot be imported; the message says why."""


def import_bundle(
    workspace: Workspace,
    source,
    *,
    policy: str = "skip",
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Import a bundle file into the workspace, or report why not (and write nothing)."""
    if policy not in POLICIES:
        raise ValueError(f"Unknown policy {policy!r}")
    report = ImportReport(policy=policy, dry_run=dry_run)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        report.problem(f"Not a readable ZIP archive (corrupted or truncated): {error}")
        return report
    with archive, workspace_scope(workspace=workspace.pk):
        try:
            plan = _check(archive, workspace, report, progress)
            if report.problems:
                return report
            _apply_all(plan, workspace, report, progress)
        except Refused as error:
            report.problem(str(error))
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            report.problem(f"The archive is damaged: {error}")
    if report.problems:
        report.counts = {}
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


def _lines(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[int, bytes]]:
    with archive.open(name) as handle:
        number = 0
        while True:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise Refused(f"{name} line {number} is longer than {MAX_LINE_BYTES} bytes.")
            yield number, line


def _upgrade(manifest: dict, report: ImportReport) -> list[Upgrade]:
    found = manifest.get("format_version")
    if not isinstance(found, str):
        raise Refused("The manifest has no format version.")
    steps, current = [], found
    while current != FORMAT_VERSION:
        step = next((step for step in UPGRADES if step.from_version == current), None)
        if step is None:
            raise Refused(f"Unknown bundle format version {found!r}; this Ecosys reads 1.")
        steps.append(step)
        current = step.to_version
    if steps:
        report.upgraded_from = found
        for step in steps:
            manifest = step.manifest(manifest)
    report.format_version = FORMAT_VERSION
    return steps


@dataclass
class _Plan:
    manifest: dict
    archive: zipfile.ZipFile
    steps: list[Upgrade]
    entities: list[Declaration]
    existing: dict[str, dict[str, int]]  # entity -> {public id: pk} of rows already there
    unchanged: dict[str, set[str]]
    users: dict[str, int]


def _check(archive, workspace, report, progress) -> _Plan:
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
    for name, entry in sorted(files.items()):
        if name not in names:
            raise Refused(f"{name} is listed in the manifest but missing.")
        digest = hashlib.sha256()
        for chunk in _read_limited(archive, archive.getinfo(name)):
            digest.update(chunk)
        if not isinstance(entry, dict) or digest.hexdigest() != entry.get("sha256"):
            raise Refused(f"Checksum mismatch for {name}: the bundle was changed or damaged.")

    entities = []
    for entity in manifest.get("entities") or {}:
        declaration = declaration_get(entity)
        if declaration is None:
            raise Refused(f"Unknown entity type {entity!r} in the bundle.")
        if entity_path(entity) not in names:
            raise Refused(f"{entity_path(entity)} is missing.")
        entities.append(declaration)
    order = {d.entity: n for n, d in enumerate(_all_declarations())}
    entities.sort(key=lambda declaration: order[declaration.entity])

    ids: dict[str, set[str]] = {}
    wanted: dict[str, set[str]] = {}
    emails: set[str] = set()
    for number, declaration in enumerate(entities):
        if progress:
            progress(f"checking {declaration.entity}", int(40 * number / max(len(entities), 1)))
        seen = ids.setdefault(declaration.entity, set())
        for record, line in _records(archive, declaration, steps, report):
            if record is None:
                continue
            if record["id"] in seen:
                report.problem(f"{declaration.entity} line {line}: duplicate id {record['id']}.")
            seen.add(record["id"])
            for name in declaration.refs:
                values = record[name] if declaration.is_many(name) else [record[name]]
                target = wanted.setdefault(declaration.ref_entity(name), set())
                target.update(value for value in values if value is not None)
            emails.update(record[name] for name in declaration.users if record[name])
    if report.problems:
        return None

    existing: dict[str, dict[str, int]] = {}
    with scopes_disabled():
        for declaration in entities:
            model = declaration.model
            here, elsewhere = {}, 0
            for chunk in _chunks(sorted(ids[declaration.entity])):
                rows = model.objects.filter(public_id__in=chunk).values_list(
                    "public_id", "pk", "workspace_id"
                )
                for public_id, pk, workspace_id in rows:
                    if workspace_id == workspace.pk:
                        here[str(public_id)] = pk
                    else:
                        elsewhere += 1
            if elsewhere:
                report.problem(
                    f"{elsewhere} {declaration.entity} records already belong to another "
                    "workspace of this instance."
                )
            existing[declaration.entity] = here
    for entity, targets in sorted(wanted.items()):
        missing = targets - ids.get(entity, set())
        declaration = declaration_get(entity)
        if missing and declaration is not None:
            found = set()
            for chunk in _chunks(sorted(missing)):
                found.update(
                    str(public_id)
                    for public_id in declaration.model.objects.filter(
                        public_id__in=chunk
                    ).values_list("public_id", flat=True)
                )
            missing -= found
        if missing:
            report.problem(
                f"{len(missing)} references to {entity} resolve neither inside the bundle nor "
                f"in this workspace (e.g. {sorted(missing)[0]})."
            )
    if policy_fail(report) and any(existing.values()):
        clashes = {entity: len(rows) for entity, rows in existing.items() if rows}
        report.problem(f"Records already exist and the policy is 'fail': {clashes}.")
    users = {}
    for chunk in _chunks(sorted(emails)):
        users.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))

    unchanged: dict[str, set[str]] = {}
    context = _Scope(workspace)
    for declaration in entities:
        present = existing[declaration.entity]
        same = unchanged.setdefault(declaration.entity, set())
        if not present:
            continue
        current = {}
        for chunk in _chunks(sorted(present.values())):
            queryset = declaration.model.objects.filter(pk__in=chunk)
            for record in iter_records(declaration, context, queryset):
                current[record["id"]] = record
        for record, _ in _records(archive, declaration, steps, report):
            if record["id"] in current and current[record["id"]] == record:
                same.add(record["id"])
    return _Plan(manifest, archive, steps, entities, existing, unchanged, users)


def policy_fail(report: ImportReport) -> bool:
    return report.policy == "fail"


def _all_declarations() -> list[Declaration]:
    from .registry import declarations

    return declarations()


def _chunks(values: list, size: int = 900) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _records(archive, declaration: Declaration, steps, report) -> Iterator[tuple[dict, int]]:
    schema = entity_schema(declaration)
    for line, raw in _lines(archive, entity_path(declaration.entity)):
        try:
            record = json.loads(raw)
        except ValueError:
            report.problem(f"{declaration.entity} line {line}: not valid JSON.")
            yield None, line
            continue
        for step in steps:
            record = step.record(declaration.entity, record)
        problems = record_problems(schema, record)
        if problems:
            report.problem(f"{declaration.entity} line {line}: {'; '.join(problems[:3])}.")
            yield None, line
            continue
        yield record, line


# ------------------------------------------------------------------------------- applying
class _DryRun(Exception):
    pass


def _apply_all(plan: _Plan, workspace, report, progress) -> None:
    try:
        with transaction.atomic(), _timestamps_kept(plan.entities):
            _apply(plan, workspace, report, progress)
            if report.dry_run:
                raise _DryRun
    except _DryRun:
        return
    except (IntegrityError, DatabaseError) as error:
        report.problem(f"The database refused the bundle, nothing was written: {error}")
        return
    report.applied = True


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


def _decode(field, value):
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return Decimal(value)
    if kind == "DateTimeField":
        return datetime.fromisoformat(value)
    if kind == "DateField":
        return date.fromisoformat(value)
    if kind == "UUIDField":
        return UUID(value)
    return value


def _apply(plan: _Plan, workspace, report, progress) -> None:
    if plan.manifest["scope"]["kind"] == "workspace" and workspace.orchestrator_id is None:
        orchestrator = plan.manifest.get("workspace", {}).get("orchestrator")
    else:
        orchestrator = None
    maps: dict[str, dict[str, int]] = {}

    def pk_of(entity: str, public_id: str | None) -> int | None:
        if public_id is None:
            return None
        if entity not in maps:
            model = declaration_get(entity).model
            maps[entity] = {str(u): pk for u, pk in model.objects.values_list("public_id", "pk")}
        return maps[entity][public_id]

    links: list[tuple[Declaration, str, dict[str, list[str]]]] = []
    for number, declaration in enumerate(plan.entities):
        if progress:
            progress(f"writing {declaration.entity}", 40 + int(60 * number / len(plan.entities)))
        model = declaration.model
        present = plan.existing[declaration.entity]
        same = plan.unchanged[declaration.entity]
        single = [name for name in declaration.refs if not declaration.is_many(name)]
        many = [name for name in declaration.refs if declaration.is_many(name)]
        new, changed = [], []
        entity_links: dict[str, dict[str, list[str]]] = {name: {} for name in many}
        for record, _ in _records(plan.archive, declaration, plan.steps, report):
            is_present = record["id"] in present
            if is_present and (report.policy == "skip" or record["id"] in same):
                report.count(declaration.entity, "skipped")
                continue
            values = {
                name: _decode(declaration.field(name), record[name]) for name in declaration.fields
            }
            for name in single:
                values[declaration.field(name).attname] = pk_of(
                    declaration.ref_entity(name), record[name]
                )
            for name in declaration.users:
                values[declaration.field(name).attname] = plan.users.get(record[name])
            for name in many:
                entity_links[name][record["id"]] = record[name]
            row = model(workspace=workspace, public_id=UUID(record["id"]), **values)
            if is_present:
                row.pk = present[record["id"]]
                changed.append(row)
                report.count(declaration.entity, "updated")
            else:
                new.append(row)
                report.count(declaration.entity, "created")
            if len(new) >= BATCH:
                model.objects.bulk_create(new)
                new = []
            if len(changed) >= BATCH:
                _update(model, declaration, changed)
                changed = []
        if new:
            model.objects.bulk_create(new)
        if changed:
            _update(model, declaration, changed)
        maps.pop(declaration.entity, None)
        links.extend((declaration, name, entity_links[name]) for name in many)
    for declaration, name, by_row in links:
        field = declaration.field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        owners = {public_id: pk_of(declaration.entity, public_id) for public_id in by_row}
        through.objects.filter(**{f"{source}_id__in": list(owners.values())}).delete()
        through.objects.bulk_create(
            [
                through(
                    **{
                        f"{source}_id": owners[owner],
                        f"{target}_id": pk_of(declaration.ref_entity(name), ref),
                    }
                )
                for owner, refs in by_row.items()
                for ref in refs
            ],
            batch_size=BATCH,
        )
    if orchestrator:
        workspace.orchestrator_id = pk_of("ecosystem.organization", orchestrator)
        workspace.save(update_fields=["orchestrator"])


def _update(model, declaration: Declaration, rows: list) -> None:
    names = [
        *declaration.fields,
        *(name for name in declaration.refs if not declaration.is_many(name)),
        *declaration.users,
    ]
    model.objects.bulk_update(rows, names, batch_size=BATCH)
