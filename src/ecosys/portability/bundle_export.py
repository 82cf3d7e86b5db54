"""Write the exit bundle: a ZIP of JSON Lines, CSV copies, JSON Schemas, attachments and
channel facts.

Rows stream from the database in chunks straight into the archive, so memory stays flat
whatever the size. Entity files are deterministic (rows sorted by public id, keys sorted), so
the same data always gives the same bytes and the same checksums.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import PurePosixPath
from uuid import UUID

from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from ecosys.core.access import Actor, restrict
from ecosys.core.models import Membership, Role, User, Workspace

from .bundle_facts import write_channel_facts
from .registry import Declaration, declaration_get, declaration_of, declarations, scope_factory
from .schema import entity_schema

FORMAT_VERSION = "2"
CHUNK = 2000
WORKSPACE, ORGANIZATION = "workspace", "organization"
CHANNEL_FACTS = "channel_facts"
ATTACHMENTS = "attachments"


@dataclass
class Manifest:
    """What a bundle holds; written as manifest.json."""

    scope: str
    organization: str | None
    created_at: str
    workspace: dict
    entities: dict[str, dict] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)
    channel_facts: dict = field(default_factory=lambda: {"files": [], "rows": 0})
    # What the bundle covers beyond the workspace and organisation scopes: an extension point
    # for scope kinds that other apps add later (e.g. one engagement), see _Scope.
    extra_scope: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "format": "ecosys-bundle",
            "format_version": FORMAT_VERSION,
            "producer": {"name": "ecosys", "version": version("ecosys")},
            "scope": {"kind": self.scope, "organization": self.organization, **self.extra_scope},
            "created_at": self.created_at,
            "workspace": self.workspace,
            "entities": self.entities,
            "channel_facts": self.channel_facts,
            "files": self.files,
        }


def entity_path(entity: str, kind: str = "jsonl") -> str:
    return f"entities/{entity}.{kind}"


def attachment_path(entity: str, public_id: str, field_name: str, stored_name: str) -> str:
    """Where a file field's file sits in the bundle: stable (no random stored name in it)."""
    suffix = PurePosixPath(stored_name).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = ""
    return f"{ATTACHMENTS}/{entity}/{public_id}/{field_name}{suffix}"


_PLAIN = frozenset({str, int, float, bool, type(None), dict, list})


def encode(value):
    """A database value as it appears in a record."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if hasattr(value, "code") and not isinstance(value, str):  # a django-countries Country
        return value.code
    return value


_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def record_line(record: dict) -> bytes:
    return (_dumps(record) + "\n").encode()


class _Scope:
    """Which rows of each entity a bundle may hold: all, or what one organisation's portal shows.

    Extension point: another scope kind (e.g. one engagement, ``ecosys.engagements.bundle``)
    subclasses this, overrides ``queryset`` (rows of each declaration in scope), ``narrowed``
    (whether references to rows outside the scope must be left out), ``member_ids`` (whose
    e-mail addresses may appear; None for anyone), ``fact_partners`` and ``extra`` (what
    ``Manifest.extra_scope`` records), and registers a factory with
    ``registry.register_scope``; the writer and the importer need nothing else.
    """

    kind = WORKSPACE

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
            self.kind = ORGANIZATION

    @property
    def narrowed(self) -> bool:
        """Whether the bundle holds a part of the workspace only (references to rows outside
        it are left out where the field allows it)."""
        return self.actor is not None

    def extra(self) -> dict:
        return {}

    def member_ids(self):
        """Users whose e-mail may appear (a queryset of user ids), or None for anyone."""
        if self.actor is None:
            return None
        return Membership.objects.filter(organization=self.organization).values("user_id")

    def fact_partners(self, partners: QuerySet) -> QuerySet:
        """The partners whose channel facts the bundle holds."""
        return partners if self.actor is None else restrict(partners, self.actor)

    def queryset(self, declaration: Declaration) -> QuerySet:
        queryset = declaration.model.objects.all()
        if self.actor is None:
            return queryset
        for name in declaration.required_users():
            # A row that cannot exist without a user of another organisation is left out.
            queryset = queryset.filter(**{f"{name}__in": self.member_ids()})
        if hasattr(declaration.model, "Access"):
            queryset = restrict(queryset, self.actor)
            if declaration.portal is not None:
                queryset = declaration.portal(queryset, self.actor)
            return queryset
        if declaration.portal_via:
            parent = declaration.field(declaration.portal_via).related_model
            return queryset.filter(
                **{
                    f"{declaration.portal_via}__in": self.queryset(declaration_of(parent)).values(
                        "pk"
                    )
                }
            )
        return queryset.none()


class ExportIds:
    """Answers converters while exporting: UUIDs of rows and e-mails of users, in scope."""

    def __init__(self, scope: _Scope):
        self.scope = scope
        self.maps: dict[str, dict[int, str]] = {}
        self.emails: dict[int, str | None] | None = None

    def public_id(self, entity: str, pk):
        if pk is None or not isinstance(pk, int):
            return None
        if entity not in self.maps:
            declaration = declaration_get(entity)
            rows = self.scope.queryset(declaration).values_list("pk", "public_id")
            self.maps[entity] = {key: str(public_id) for key, public_id in rows.iterator()}
        return self.maps[entity].get(pk)

    def email(self, user_pk):
        allowed = self.scope.member_ids()
        if self.emails is None:
            members = Membership.objects.filter(workspace=self.scope.workspace)
            if allowed is not None:
                members = members.filter(user_id__in=allowed)
            self.emails = dict(members.values_list("user_id", "user__email"))
        if user_pk not in self.emails and allowed is None:
            found = User.objects.filter(pk=user_pk).values_list("email", flat=True).first()
            self.emails[user_pk] = found
        return self.emails.get(user_pk)

    def pk(self, entity, public_id):  # pragma: no cover - import side only
        raise NotImplementedError

    user = uuid = pk

    def renumber(self, value):
        return value


def iter_records(
    declaration: Declaration, scope: _Scope, queryset=None, ids: ExportIds | None = None
) -> Iterator[dict]:
    """The entity's records in public-id order, chunk by chunk."""
    queryset = scope.queryset(declaration) if queryset is None else queryset
    ids = ids or ExportIds(scope)
    columns = {"id": F("public_id"), "pk_": F("pk")}
    for name in declaration.fields:
        item = declaration.field(name)
        columns[name] = F(item.attname if item.is_relation else name)
    many = [name for name in declaration.refs if declaration.is_many(name)]
    many_users = [name for name in declaration.users if declaration.is_many(name)]
    for name in declaration.refs:
        if name in many:
            continue
        target = F(f"{name}__public_id")
        if scope.narrowed and declaration.field(name).null:
            # A reference to a row the organisation cannot see is left out, not revealed.
            target_declaration = declaration_of(declaration.field(name).related_model)
            visible = scope.queryset(target_declaration).values("pk")
            target = Case(When(**{f"{name}__in": visible}, then=target), default=Value(None))
        columns[name] = target
    allowed = scope.member_ids()
    for name in declaration.users:
        if name in many_users:
            continue
        email = F(f"{name}__email")
        if allowed is not None:
            # Only the scope's own people are named in its bundle.
            email = Case(When(**{f"{name}__in": allowed}, then=email), default=Value(None))
        columns[name] = email
    for name in declaration.files:
        columns[name] = F(name)
    rows = queryset.order_by("public_id").values(**{f"c_{k}": v for k, v in columns.items()})
    chunk: list[dict] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from _finish(declaration, scope, chunk, many, many_users, ids)
            chunk = []
    if chunk:
        yield from _finish(declaration, scope, chunk, many, many_users, ids)


def _finish(declaration, scope, chunk, many, many_users, ids) -> Iterator[dict]:
    links: dict[str, dict[int, list[str]]] = {}
    pks = [row["c_pk_"] for row in chunk]
    for name in (*many, *many_users):
        item = declaration.field(name)
        through = item.remote_field.through
        source = item.m2m_field_name()
        target = item.m2m_reverse_field_name()
        pairs = through.objects.filter(**{f"{source}__in": pks})
        if name in many_users:
            if scope.member_ids() is not None:
                pairs = pairs.filter(**{f"{target}__in": scope.member_ids()})
            value = f"{target}__email"
        else:
            if scope.narrowed:
                visible = scope.queryset(declaration_of(item.related_model)).values("pk")
                pairs = pairs.filter(**{f"{target}__in": visible})
            value = f"{target}__public_id"
        found: dict[int, list[str]] = {}
        for owner, other in pairs.values_list(f"{source}_id", value):
            found.setdefault(owner, []).append(str(other))
        links[name] = found
    converts = declaration.convert.items()
    keys = [(key, key[2:]) for key in chunk[0] if key != "c_pk_"]
    for row in chunk:
        record = {name: encode(row[key]) for key, name in keys}
        for name, convert in converts:
            record[name] = convert.dump(row[f"c_{name}"], ids)
        for name in links:
            record[name] = sorted(links[name].get(row["c_pk_"], []))
        for name in declaration.files:
            stored = record[name]
            # A file lost from storage is left out (null), so the bundle stays importable.
            present = bool(stored) and declaration.field(name).storage.exists(stored)
            record[name] = (
                attachment_path(declaration.entity, record["id"], name, stored) if present else None
            )
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

    def open(self, path: str, compress: bool = True):
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        return _Hashing(self, path, self.archive.open(info, "w", force_zip64=True))

    def add(self, path: str, content: bytes) -> None:
        with self.open(path) as handle:
            handle.write(content)


class _Hashing:
    def __init__(self, writer: _Writer, path: str, handle):
        self.writer, self.path, self.handle = writer, path, handle
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.handle.write(data)
        return len(data)

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
    context: _Scope | None = None,
    engagement=None,
) -> Manifest:
    """Write a bundle of the workspace to ``out``; call inside the workspace's scope.

    ``scope``: ``"workspace"`` (everything), ``"organization"`` (what ``organization``'s
    portal shows) or a kind an app registered (``"engagement"``: one ``engagement``, all of it
    for the orchestrator, or what its customer's portal shows with ``organization`` the
    customer). ``context`` passes a ready ``_Scope`` instead."""
    if context is None:
        if scope in (WORKSPACE, ORGANIZATION):
            if (scope == ORGANIZATION) != (organization is not None):
                raise ValueError("An organisation scope needs an organisation, and only it.")
            context = _Scope(workspace, organization if scope == ORGANIZATION else None)
        elif (factory := scope_factory(scope)) is not None:
            context = factory(workspace, organization=organization, subject=engagement)
        else:
            raise ValueError(f"Unknown scope {scope!r}")
    scope = context.kind
    organization = context.organization if context.kind != WORKSPACE else None
    orchestrator = workspace.orchestrator.public_id if workspace.orchestrator_id else None
    manifest = Manifest(
        scope=scope,
        organization=str(organization.public_id) if organization is not None else None,
        created_at=timezone.now().astimezone(UTC).isoformat(),
        workspace={
            "name": workspace.name,
            "orchestrator": str(orchestrator) if scope == WORKSPACE and orchestrator else None,
        },
        extra_scope=context.extra(),
    )
    todo = declarations()
    ids = ExportIds(context)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = _Writer(archive, manifest)
        writer.add("README.md", readme().encode())
        for number, declaration in enumerate(todo):
            if progress:
                progress(declaration.entity, int(100 * number / (len(todo) + 1)))
            count = _write_entity(writer, declaration, context, ids)
            manifest.entities[declaration.entity] = {
                "file": entity_path(declaration.entity),
                "csv": entity_path(declaration.entity, "csv"),
                "schema": f"schema/{declaration.entity}.json",
                "count": count,
                "depends_on": sorted(declaration.depends_on()),
            }
            if declaration.files:
                manifest.entities[declaration.entity]["attachments"] = _write_attachments(
                    writer, declaration, context
                )
            schema = json.dumps(entity_schema(declaration), indent=2, sort_keys=True) + "\n"
            writer.add(f"schema/{declaration.entity}.json", schema.encode())
        if progress:
            progress(CHANNEL_FACTS, int(100 * len(todo) / (len(todo) + 1)))
        manifest.channel_facts = write_channel_facts(writer, workspace, context)
        archive.writestr(
            zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0)),
            json.dumps(manifest.as_dict(), indent=2, sort_keys=True) + "\n",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    if progress:
        progress("done", 100)
    return manifest


def _write_entity(writer: _Writer, declaration: Declaration, context: _Scope, ids) -> int:
    count = 0
    columns = declaration.columns()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        table = csv.writer(text)
        table.writerow(columns)
        with writer.open(entity_path(declaration.entity)) as lines:
            buffer: list[bytes] = []
            rows: list[list[str]] = []
            for record in iter_records(declaration, context, ids=ids):
                buffer.append(record_line(record))
                rows.append([_csv_value(record[name]) for name in columns])
                count += 1
                if len(buffer) >= CHUNK:
                    lines.write(b"".join(buffer))
                    table.writerows(rows)
                    buffer, rows = [], []
            if buffer:
                lines.write(b"".join(buffer))
                table.writerows(rows)
        text.flush()
        spool.seek(0)
        with writer.open(entity_path(declaration.entity, "csv")) as handle:
            shutil.copyfileobj(spool, handle, 1 << 20)
        text.detach()
    return count


def _write_attachments(writer: _Writer, declaration: Declaration, context: _Scope) -> int:
    """Copy each file of the entity's file fields into the bundle (streamed, one at a time).

    Files missing from storage were left out of the records already (null); one that vanishes
    between the two passes stops the export with a clear error."""
    count = 0
    rows = context.queryset(declaration).order_by("public_id")
    for name in declaration.files:
        storage = declaration.field(name).storage
        stored_files = rows.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        for public_id, stored in stored_files.values_list("public_id", name).iterator(CHUNK):
            if not storage.exists(stored):
                continue
            path = attachment_path(declaration.entity, str(public_id), name, stored)
            try:
                source = storage.open(stored, "rb")
            except FileNotFoundError as error:
                raise ExportError(
                    f"The file of {declaration.entity} {public_id} ({name}) is missing from "
                    "storage; restore it or clear the field, then export again."
                ) from error
            with source, writer.open(path, compress=False) as handle:
                shutil.copyfileobj(source, handle, 1 << 20)
            count += 1
    return count


class ExportError(Exception):
    """The workspace cannot be exported as it is; the message says why."""


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
- `attachments/<app>.<entity>/<id>/<field>.<ext>`: files (uploaded answers, course files);
  the record's field holds that path, and its `name` field (where it has one) the original
  file name.
- `channel_facts/period=<month>/part-<n>.parquet`: sell-through facts (Parquet), with
  `partner` the partner's UUID.

Check a file with `sha256sum` against `manifest.json`. The full description is
`docs/bundle-format.md` in the Ecosys repository.
"""
