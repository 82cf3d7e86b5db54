"""Write the exit bundle: a ZIP of JSON Lines, CSV copies, JSON Schemas and channel facts.

Rows stream from the database in chunks straight into the archive, so memory stays flat
whatever the size. Entity files are deterministic (rows sorted by public id, keys sorted), so
the same data always gives the same bytes and the same checksums.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import version
from uuid import UUID

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import Case, Exists, F, OuterRef, QuerySet, Value, When
from django.utils import timezone

from ecosys.core.access import Actor, restrict
from ecosys.core.models import Membership, Role, Workspace

from .registry import Declaration, declarations
from .schema import entity_schema

FORMAT_VERSION = "1"
CHUNK = 2000
WORKSPACE, ORGANIZATION = "workspace", "organization"
CHANNEL_FACTS = "channel_facts"


@dataclass
class Manifest:
    """What a bundle holds; written as manifest.json."""

    scope: str
    organization: str | None
    created_at: str
    workspace: dict
    entities: dict[str, dict] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "format": "ecosys-bundle",
            "format_version": FORMAT_VERSION,
            "producer": {"name": "ecosys", "version": version("ecosys")},
            "scope": {"kind": self.scope, "organization": self.organization},
            "created_at": self.created_at,
            "workspace": self.workspace,
            "entities": self.entities,
            "files": self.files,
        }


def entity_path(entity: str, kind: str = "jsonl") -> str:
    return f"entities/{entity}.{kind}"


def encode(value):
    """A database value as it appears in a record."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if hasattr(value, "code") and not isinstance(value, str):  # a django-countries Country
        return value.code
    return value


def record_line(record: dict) -> bytes:
    return (
        json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode()


class _Scope:
    """Which rows of each entity a bundle may hold: all, or what one organisation's portal shows."""

    def __init__(self, workspace: Workspace, organization=None):
        self.workspace = workspace
        self.organization = organization
        self.actor = None
        if organization is not None and organization.pk != workspace.orchestrator_id:
            # The portal's view of the organisation: what its admin may see, nothing more.
            membership = Membership(
                workspace=workspace, organization=organization, role=Role.EXTERNAL_ADMIN
            )
            self.actor = Actor(workspace=workspace, user=None, membership=membership)

    def queryset(self, declaration: Declaration) -> QuerySet:
        queryset = declaration.model.objects.all()
        if self.actor is None:
            return queryset
        if hasattr(declaration.model, "Access"):
            return restrict(queryset, self.actor)
        if declaration.portal_via:
            parent = declaration.field(declaration.portal_via).related_model
            parent_declaration = next(d for d in declarations() if d.model is parent)
            return queryset.filter(
                **{f"{declaration.portal_via}__in": self.queryset(parent_declaration).values("pk")}
            )
        return queryset.none()


def iter_records(declaration: Declaration, scope: _Scope, queryset=None) -> Iterator[dict]:
    """The entity's records in public-id order, chunk by chunk."""
    queryset = scope.queryset(declaration) if queryset is None else queryset
    columns = {"id": F("public_id"), "pk_": F("pk")}
    for name in declaration.fields:
        columns[name] = F(name)
    many = [name for name in declaration.refs if declaration.is_many(name)]
    for name in declaration.refs:
        if name in many:
            continue
        target = F(f"{name}__public_id")
        if scope.actor is not None and declaration.field(name).null:
            # A reference to a row the organisation cannot see is left out, not revealed.
            target_declaration = _declaration_of(declaration.field(name).related_model)
            visible = scope.queryset(target_declaration).values("pk")
            target = Case(When(**{f"{name}__in": visible}, then=target), default=Value(None))
        columns[name] = target
    for name in declaration.users:
        email = F(f"{name}__email")
        if scope.actor is not None:
            # Only the organisation's own people are named in its bundle.
            own = Membership.objects.filter(user=OuterRef(name), organization=scope.organization)
            email = Case(When(Exists(own), then=email), default=Value(None))
        columns[name] = email
    rows = queryset.order_by("public_id").values(**{f"c_{k}": v for k, v in columns.items()})
    chunk: list[dict] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from _finish(declaration, scope, chunk, many)
            chunk = []
    if chunk:
        yield from _finish(declaration, scope, chunk, many)


def _declaration_of(model) -> Declaration:
    return next(d for d in declarations() if d.model is model)


def _finish(declaration, scope, chunk, many) -> Iterator[dict]:
    links: dict[str, dict[int, list[str]]] = {}
    pks = [row["c_pk_"] for row in chunk]
    for name in many:
        field = declaration.field(name)
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        pairs = through.objects.filter(**{f"{source}__in": pks})
        if scope.actor is not None:
            visible = scope.queryset(_declaration_of(field.related_model)).values("pk")
            pairs = pairs.filter(**{f"{target}__in": visible})
        found: dict[int, list[str]] = {}
        for owner, public_id in pairs.values_list(f"{source}_id", f"{target}__public_id"):
            found.setdefault(owner, []).append(str(public_id))
        links[name] = found
    for row in chunk:
        record = {key[2:]: encode(value) for key, value in row.items() if key != "c_pk_"}
        for name in many:
            record[name] = sorted(links[name].get(row["c_pk_"], []))
        yield record


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


class _Writer:
    """Adds files to the archive and remembers each one's SHA-256 and size."""

    def __init__(self, archive: zipfile.ZipFile, manifest: Manifest):
        self.archive = archive
        self.manifest = manifest

    def open(self, path: str):
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        return _Hashing(self, path, self.archive.open(info, "w", force_zip64=True))

    def add(self, path: str, content: bytes) -> None:
        with self.open(path) as handle:
            handle.write(content)


class _Hashing:
    def __init__(self, writer: _Writer, path: str, handle):
        self.writer, self.path, self.handle = writer, path, handle
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.handle.write(data)

    closed = False

    def flush(self) -> None:
        self.handle.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()
        self.writer.manifest.files[self.path] = {
            "sha256": self.digest.hexdigest(),
            "bytes": self.size,
        }


def export_bundle(
    workspace: Workspace,
    *,
    scope: str,
    organization=None,
    out,
    progress: Callable[[str, int], None] | None = None,
) -> Manifest:
    """Write the workspace's (or one organisation's) bundle to ``out``; call inside its scope."""
    if scope not in (WORKSPACE, ORGANIZATION):
        raise ValueError(f"Unknown scope {scope!r}")
    if (scope == ORGANIZATION) != (organization is not None):
        raise ValueError("An organisation scope needs an organisation, and only it.")
    context = _Scope(workspace, organization if scope == ORGANIZATION else None)
    orchestrator = workspace.orchestrator.public_id if workspace.orchestrator_id else None
    manifest = Manifest(
        scope=scope,
        organization=str(organization.public_id) if organization is not None else None,
        created_at=timezone.now().astimezone(UTC).isoformat(),
        workspace={
            "name": workspace.name,
            "orchestrator": str(orchestrator) if scope == WORKSPACE and orchestrator else None,
        },
    )
    todo = declarations()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = _Writer(archive, manifest)
        writer.add("README.md", readme().encode())
        for number, declaration in enumerate(todo):
            if progress:
                progress(declaration.entity, int(100 * number / (len(todo) + 1)))
            count = _write_entity(writer, declaration, context)
            manifest.entities[declaration.entity] = {
                "file": entity_path(declaration.entity),
                "csv": entity_path(declaration.entity, "csv"),
                "schema": f"schema/{declaration.entity}.json",
                "count": count,
                "depends_on": sorted(declaration.depends_on()),
            }
            schema = json.dumps(entity_schema(declaration), indent=2, sort_keys=True) + "\n"
            writer.add(f"schema/{declaration.entity}.json", schema.encode())
        if progress:
            progress(CHANNEL_FACTS, int(100 * len(todo) / (len(todo) + 1)))
        _write_channel_facts(writer, workspace, context)
        archive.writestr(
            zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0)),
            json.dumps(manifest.as_dict(), indent=2, sort_keys=True) + "\n",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    if progress:
        progress("done", 100)
    return manifest


def _write_entity(writer: _Writer, declaration: Declaration, context: _Scope) -> int:
    count = 0
    columns = declaration.columns()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        table = csv.writer(text)
        table.writerow(columns)
        with writer.open(entity_path(declaration.entity)) as lines:
            for record in iter_records(declaration, context):
                lines.write(record_line(record))
                table.writerow([_csv_value(record[name]) for name in columns])
                count += 1
        text.flush()
        spool.seek(0)
        with writer.open(entity_path(declaration.entity, "csv")) as handle:
            shutil.copyfileobj(spool, handle, 1 << 20)
        text.detach()
    return count


def _write_channel_facts(writer: _Writer, workspace: Workspace, context: _Scope) -> None:
    """The store's Parquet files, with the partner as its public id instead of a row number."""
    from ecosys.partners.models import Partner
    from ecosys.performance.services import store_for

    partners = Partner.objects.all()
    if context.actor is not None:
        partners = restrict(partners, context.actor)
    public_ids = {pk: str(public_id) for pk, public_id in partners.values_list("pk", "public_id")}
    store = store_for(workspace)
    for stored in sorted(store.files(), key=lambda stored: stored.path):
        if not public_ids.keys() & set(stored.partners):
            continue
        source = pq.ParquetFile(store.root / stored.path)
        path = f"channel_facts/{stored.path.replace('/', '_')}"
        with writer.open(path) as handle:
            parquet = None
            for batch in source.iter_batches(batch_size=65536):
                table = pa.Table.from_batches([batch])
                keep = [public_ids.get(pk) for pk in table.column("partner_id").to_pylist()]
                table = table.append_column("partner", pa.array(keep, pa.string()))
                table = table.filter(pa.compute.is_valid(table.column("partner")))
                table = table.drop_columns(["partner_id"])
                if parquet is None:
                    parquet = pq.ParquetWriter(pa.PythonFile(handle, mode="w"), table.schema)
                parquet.write_table(table)
            if parquet is not None:
                parquet.close()


def readme() -> str:
    return README


README = """# Ecosys exit bundle

This archive holds the data of one Ecosys workspace, or one organisation's share of it, in
open formats. You do not need Ecosys to read it.

- `manifest.json`: format version, producing Ecosys version, scope, creation time, the number
  of records of each entity type, and the SHA-256 and size of every other file.
- `entities/<app>.<entity>.jsonl`: one JSON object per line, one line per record, sorted by
  `id`. `id` is the record's stable UUID. A reference to another record is that record's
  UUID (a list of UUIDs for many-to-many references); `manifest.json` names the entity each
  file depends on and `schema/` names the entity of each reference. Users appear only as an
  e-mail address. Money and other decimals are strings ("1200.00"), dates and times ISO 8601
  (times in UTC).
- `entities/<app>.<entity>.csv`: the same records as CSV for spreadsheets (lists and objects
  as JSON text, empty cells for nulls).
- `schema/<app>.<entity>.json`: a JSON Schema (draft 2020-12) of each record.
- `channel_facts/*.parquet`: sell-through facts (Parquet), with `partner` the partner's UUID.

Check a file with `sha256sum` against `manifest.json`. The full description is
`docs/bundle-format.md` in the Ecosys repository.
"""
