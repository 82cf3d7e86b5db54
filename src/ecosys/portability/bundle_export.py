"""Write the exit bundle: a ZIP of JSON Lines, CSV copies, JSON Schemas, attachments and
channel facts.

Rows stream from the database in chunks straight into the archive, so memory stays flat
whatever the size. Entity files are deterministic (rows sorted by public id, keys sorted), so
the same data always gives the same bytes and the same checksums.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import json
import operator
import queue
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import version
from itertools import islice
from pathlib import PurePosixPath
from uuid import UUID

import orjson
from django.db import connection, transaction
from django.db.models import Case, F, Func, OuterRef, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from ecosys.core.access import Actor, restrict
from ecosys.core.models import Membership, Role, User, Workspace

from .bundle_facts import write_channel_facts
from .registry import Declaration, declaration_get, declaration_of, declarations, scope_factory
from .schema import entity_schema

FORMAT_VERSION = "2"
CHUNK = 2000
COMPRESS_LEVEL = 1
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


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a bundle streams through: its records,
    rows and id maps hold no reference cycles (reference counts free them), and the
    collector's passes over the many young containers took up to half the time of parsing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def _c_encoder(encoder: json.JSONEncoder) -> Callable[[object], str]:
    """``encoder.encode`` without building the C encoder again on every call (most of its
    cost for small values); the same text, no circular-reference check (records are trees)."""
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return encoder.encode
    iterencode = make(
        None,
        encoder.default,
        json.encoder.encode_basestring
        if not encoder.ensure_ascii
        else json.encoder.encode_basestring_ascii,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    join = "".join

    def encode(value) -> str:
        return join(iterencode(value, 0))

    return encode


_dumps = _c_encoder(json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")))


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


_esc = json.encoder.encode_basestring  # what the encoder above does to a string (C)


def _j_str_null(value) -> str:
    return "null" if value is None else _esc(value)


def _j_int(value) -> str:
    return "null" if value is None else int.__repr__(value)


def _j_bool(value) -> str:
    return "null" if value is None else ("true" if value else "false")


def _j_text(value) -> str:
    """A value that is its record's JSON text already (see ``_json_texts``)."""
    return "null" if value is None else value


def _j_float(value) -> str:
    # What the encoder writes for a finite float; NaN and infinities (and ints) go through it.
    return float.__repr__(value) if type(value) is float and value - value == 0 else _dumps(value)


def _c_bool(value):
    return None if value is None else ("true" if value else "false")


def _c_json(value):
    return None if value is None else _dumps(value)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _dumps(value)
    return str(value)


def _iso_utc(value) -> str:
    return value.astimezone(UTC).isoformat()


def _text(value) -> str:
    return value if type(value) is str else str(value)


def _loads(text: str):
    """``json.loads(text)``: orjson parses it when it can (the same values for what both
    accept), anything it refuses (NaN, integers beyond 64 bits...) takes ``json.loads``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_MISS = object()
_JSON_CACHE = 4096  # distinct texts remembered per column (most JSON columns repeat a lot)


def _json_texts() -> Callable[[str], str | None]:
    """A JSON column's database text -> the record's text of the value (compact, keys sorted;
    None for JSON null), parsed and dumped once per distinct text."""
    cache: dict[str, str | None] = {}
    get = cache.get

    def convert(raw: str) -> str | None:
        text = get(raw, _MISS)
        if text is _MISS:
            value = _loads(raw)
            text = None if value is None else _dumps(value)
            if len(cache) < _JSON_CACHE:
                cache[raw] = text
        return text

    return convert


_TO_TEXT = {
    "DateTimeField": _iso_utc,
    "DateField": date.isoformat,
    "DecimalField": str,
    "UUIDField": _text,
}
_INT = {
    "AutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
}


class _IsoTimestamp(Func):
    """A timestamp as ``datetime.astimezone(UTC).isoformat()`` writes it, made by PostgreSQL:
    ``2025-01-02T03:04:05+00:00``, with ``.ffffff`` only when the microseconds are not 0, years
    below 1000 with leading zeros (whatever the session's time zone)."""

    template = (
        "replace(to_char((%(expressions)s) AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')"
    )
    output_field = TextField()


class _IsoDate(Func):
    """A date as ``date.isoformat()`` writes it, made by PostgreSQL."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()


def _as_text(expression) -> Cast:
    return Cast(expression, output_field=TextField())


class _Encoder:
    """One entity's export, compiled once: the query (one per entity, every reference's UUID
    and every user's e-mail joined in, no model instances), a converter per column that needs
    one, and a JSON template with the keys in sorted order, so a record's line is one ``%``
    of per-column encoders (C functions for most columns) and its CSV row the same values.

    On PostgreSQL the server makes the text of timestamps, dates, UUIDs, decimals and
    references, and each row's many-to-many lists (sorted), so Python only moves strings;
    on other databases Python converts them. JSON columns arrive as text: for writing
    (``writing``) they become the record's JSON text (the same text in the CSV copy), for
    reading the value."""

    def __init__(
        self,
        declaration: Declaration,
        scope: _Scope,
        ids: ExportIds,
        in_sql: bool | None = None,
        writing: bool = False,
    ):
        self.declaration, self.scope, self.ids = declaration, scope, ids
        if in_sql is None:
            in_sql = connection.vendor == "postgresql"
        self.in_sql, self.writing = in_sql, writing
        d = declaration
        self.columns = d.columns()
        self.many = [name for name in d.refs if d.is_many(name)]
        self.many_users = [name for name in d.users if d.is_many(name)]
        expressions: dict[str, object] = {}
        converters: list[tuple[str, Callable]] = []
        json_of: dict[str, Callable] = {"id": _esc}
        csv_of: dict[str, Callable] = {}
        if in_sql:
            expressions["id"] = _as_text(F("public_id"))
        else:
            expressions["id"] = F("public_id")
            converters.append(("id", _text))
        for name in d.fields:
            item = d.field(name)
            column = F(item.attname if item.is_relation else name)
            expressions[name] = column
            convert = d.convert.get(name)
            kind = item.get_internal_type()
            country = type(item).__name__ == "CountryField" and not getattr(item, "multiple", 0)
            json_of[name] = _j_str_null if item.null else _esc
            if convert is not None:
                json_of[name], csv_of[name] = _dumps, _csv_value
            elif in_sql and kind == "DateTimeField":
                expressions[name] = _IsoTimestamp(column)
            elif in_sql and kind == "DateField":
                expressions[name] = _IsoDate(column)
            elif in_sql and (
                kind == "UUIDField"
                or country
                or (kind == "DecimalField" and item.decimal_places <= 6)
            ):
                # numeric's text is str(Decimal) of it, up to 6 decimal places (beyond,
                # str(Decimal) may write an exponent: "0E-7").
                expressions[name] = _as_text(column)
            elif kind in _TO_TEXT or country:
                converters.append((name, _TO_TEXT.get(kind, encode)))
            elif kind in ("CharField", "TextField", "EmailField", "SlugField", "URLField"):
                pass
            elif kind in _INT:
                json_of[name] = _j_int
            elif kind == "BooleanField":
                json_of[name], csv_of[name] = _j_bool, _c_bool
            elif kind == "FloatField":
                json_of[name] = _j_float  # the CSV writer writes repr() of a float as well
            elif kind == "JSONField":
                # The database's text, parsed here (no JSONField.from_db_value).
                expressions[name] = _as_text(column)
                converters.append((name, _json_texts() if writing else _loads))
                if writing:
                    json_of[name] = _j_text
                else:
                    json_of[name], csv_of[name] = _dumps, _c_json
            else:
                converters.append((name, encode))
                json_of[name], csv_of[name] = _dumps, _csv_value
        narrowed = scope.narrowed
        for name in d.refs:
            if name in self.many:
                json_of[name], csv_of[name] = _dumps, _c_json
                if in_sql:
                    expressions[name] = self._link_array(name)
                    if writing:  # the list's JSON text, made by the server
                        json_of[name] = _j_text
                        del csv_of[name]
                continue
            target = F(f"{name}__public_id")
            if narrowed and d.field(name).null:
                # A reference to a row outside the scope is left out, not revealed.
                visible = scope.queryset(declaration_of(d.field(name).related_model)).values("pk")
                target = Case(When(**{f"{name}__in": visible}, then=target), default=Value(None))
            if in_sql:
                target = _as_text(target)
            else:
                converters.append((name, _text))
            expressions[name] = target
            json_of[name] = _j_str_null
        allowed = scope.member_ids()
        for name in d.users:
            if name in self.many_users:
                json_of[name], csv_of[name] = _dumps, _c_json
                if in_sql:
                    expressions[name] = self._link_array(name)
                    if writing:  # the list's JSON text, made by the server
                        json_of[name] = _j_text
                        del csv_of[name]
                continue
            email = F(f"{name}__email")
            if allowed is not None:
                # Only the scope's own people are named in its bundle.
                email = Case(When(**{f"{name}__in": allowed}, then=email), default=Value(None))
            expressions[name] = email
            json_of[name] = _j_str_null
        for name in d.files:
            expressions[name] = F(name)
            json_of[name] = _j_str_null
        self.need_pk = not in_sql and bool(self.many or self.many_users)
        if self.need_pk:
            expressions["pk_"] = F("pk")
        self.expressions = expressions
        position = {name: number for number, name in enumerate(expressions)}
        self.converters = [(position[name], convert) for name, convert in converters]
        self.converts = [(position[name], convert) for name, convert in d.convert.items()]
        self.files = [(position[name], name) for name in d.files]
        self.width = len(self.columns)
        order = {name: number for number, name in enumerate(self.columns)}
        self.link_positions = [(name, order[name]) for name in (*self.many, *self.many_users)]
        self.select_order = [order[name] for name in expressions if name != "pk_"]
        ordered = sorted(self.columns)
        self.template = "{" + ",".join(f"{_esc(k)}:%s" for k in ordered) + "}\n"
        self.json_getter = operator.itemgetter(*[order[k] for k in ordered])
        self.json_of = tuple(json_of[k] for k in ordered)
        self.csv_of = [(order[k], f) for k, f in csv_of.items()]

    def _link_array(self, name: str):
        """PostgreSQL: the row's many-to-many list as one array, sorted as Python sorts the
        text (UUIDs in uuid order, e-mails bytewise), with what ``_links`` leaves out left out."""
        from django.contrib.postgres.expressions import ArraySubquery

        d, scope = self.declaration, self.scope
        item = d.field(name)
        through = item.remote_field.through
        source = item.m2m_field_name()
        target = item.m2m_reverse_field_name()
        pairs = through.objects.filter(**{source: OuterRef("pk")})
        if name in self.many_users:
            allowed = scope.member_ids()
            if allowed is not None:
                pairs = pairs.filter(**{f"{target}__in": allowed})
            email = F(f"{target}__email")
            pairs = pairs.order_by(Collate(email, "C")).values(value=email)
        else:
            if scope.narrowed:
                visible = scope.queryset(declaration_of(item.related_model)).values("pk")
                pairs = pairs.filter(**{f"{target}__in": visible})
            pairs = pairs.order_by(f"{target}__public_id").values(
                value=_as_text(F(f"{target}__public_id"))
            )
        array = ArraySubquery(pairs)
        # A part of the scope that holds nothing makes the subquery NULL (Django leaves out a
        # query it knows is empty): an empty list.
        empty = "COALESCE(%(expressions)s, '{}'::text[])"
        array = Func(array, template=empty, output_field=array.output_field)
        if self.writing:
            # array_to_json's text of a text[] is the compact dump of the list (strings
            # escaped as json.dumps(ensure_ascii=False) escapes them).
            return Func(
                array, template="array_to_json(%(expressions)s)::text", output_field=TextField()
            )
        return array

    def queryset(self, queryset=None) -> QuerySet:
        queryset = self.scope.queryset(self.declaration) if queryset is None else queryset
        names = {f"c_{n}": expression for n, expression in enumerate(self.expressions.values())}
        return queryset.order_by("public_id").annotate(**names).values_list(*names)

    def chunks(self, queryset=None, ahead: bool = False) -> Iterator[list]:
        """The entity's records (values in ``columns()`` order), in public-id order, chunk by
        chunk; only a few chunks are held at a time. ``ahead``: a thread fetches the next
        chunks while these are encoded (the wait for the database releases the GIL)."""
        rows = self.queryset(queryset).iterator(chunk_size=CHUNK)
        try:
            # The first chunk here: the cursor is made in this thread (Django checks that).
            chunk = list(islice(rows, CHUNK))
            if chunk:
                yield self._finish(chunk)
            if len(chunk) < CHUNK:
                return
            more = _Ahead(rows) if ahead else iter(lambda: list(islice(rows, CHUNK)), [])
            with contextlib.closing(more) if ahead else contextlib.nullcontext():
                for chunk in more:
                    yield self._finish(chunk)
        finally:
            rows.close()

    def _finish(self, chunk: list[tuple]) -> list:
        d, ids = self.declaration, self.ids
        converters, converts, files = self.converters, self.converts, self.files
        width, placed = self.width, self.select_order
        in_order = placed == list(range(len(placed))) and len(placed) == width
        if in_order and not (converters or converts or files):
            return chunk
        links = self._links([row[-1] for row in chunk]) if self.need_pk else {}
        out = []
        for raw in chunk:
            row = list(raw)
            for number, convert in converters:
                value = row[number]
                if value is not None:
                    row[number] = convert(value)
            for number, convert in converts:
                row[number] = convert.dump(raw[number], ids)
            for number, name in files:
                stored = row[number]
                # A file lost from storage is left out (null), so the bundle stays importable.
                present = bool(stored) and d.field(name).storage.exists(stored)
                row[number] = attachment_path(d.entity, row[0], name, stored) if present else None
            if not in_order:
                record = [None] * width
                for number, position in enumerate(placed):
                    record[position] = row[number]
                for name, position in self.link_positions:
                    record[position] = sorted(links[name].get(raw[-1], ()))
                row = record
            out.append(row)
        return out

    def _links(self, pks: list[int]) -> dict[str, dict[int, list[str]]]:
        d, scope = self.declaration, self.scope
        links: dict[str, dict[int, list[str]]] = {}
        allowed = scope.member_ids()
        for name in (*self.many, *self.many_users):
            item = d.field(name)
            through = item.remote_field.through
            source = item.m2m_field_name()
            target = item.m2m_reverse_field_name()
            pairs = through.objects.filter(**{f"{source}__in": pks})
            if name in self.many_users:
                if allowed is not None:
                    pairs = pairs.filter(**{f"{target}__in": allowed})
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
        return links

    def lines(self, rows: list) -> bytes:
        template, getter, encoders = self.template, self.json_getter, self.json_of
        call = operator.call
        return "".join(
            [template % tuple(map(call, encoders, getter(row))) for row in rows]
        ).encode()

    def csv_rows(self, rows: list) -> list:
        if not self.csv_of:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for number, convert in self.csv_of:
                row[number] = convert(row[number])
            out.append(row)
        return out


class _Ahead:
    """Chunks of ``rows`` fetched by a thread, a few ahead of the one that iterates. Only
    the thread advances ``rows`` until it is done or ``close`` has stopped it."""

    AHEAD = 3

    def __init__(self, rows: Iterator):
        self.rows = rows
        self.chunks: queue.Queue = queue.Queue(self.AHEAD)
        self.stop = threading.Event()
        self.done = False
        self.thread = threading.Thread(target=self._run, name="bundle-reader", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                chunk = list(islice(self.rows, CHUNK))
                if chunk:
                    self._put(chunk)
                if len(chunk) < CHUNK:
                    break
            self._put(None)  # the end
        except BaseException as error:  # noqa: BLE001 - raised again in the reader
            self._put(error)

    def _put(self, item) -> None:
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self):
        return self

    def __next__(self) -> list:
        if self.done:
            raise StopIteration
        item = self.chunks.get()
        if item is None or isinstance(item, BaseException):
            self.done = True
            if item is None:
                raise StopIteration
            raise item
        return item

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def iter_records(
    declaration: Declaration, scope: _Scope, queryset=None, ids: ExportIds | None = None
) -> Iterator[dict]:
    """The entity's records as dicts, in public-id order (the importer compares with them)."""
    encoder = _Encoder(declaration, scope, ids or ExportIds(scope))
    columns = encoder.columns
    for chunk in encoder.chunks(queryset):
        for row in chunk:
            yield dict(zip(columns, row, strict=True))


class _Writer:
    """Adds files to the archive and remembers each one's SHA-256 and size.

    ``stream`` and ``copy`` hand the work to a thread (deflate, CRC and SHA-256 release the
    GIL, so they overlap with encoding the next rows): their jobs run in order, the queue is
    bounded, and ``open``/``add`` (written here) first wait until it is drained, so entries
    follow each other as they were asked for. An error of the thread is raised here, at the
    next call."""

    QUEUED = 16  # jobs waiting (chunks of a few hundred kB each)

    def __init__(self, archive: zipfile.ZipFile, manifest: Manifest):
        self.archive = archive
        self.manifest = manifest
        self.jobs: queue.Queue | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.current: _Hashing | None = None  # the thread's open entry

    def open(self, path: str, compress: bool = True):
        self.drain()
        return self._open(path, compress)

    def _open(self, path: str, compress: bool = True) -> _Hashing:
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        # Deflate level 1: several times faster than the default 6 for about a third more
        # bytes; the same level (and zlib) always gives the same bytes.
        level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
        setattr(info, level, COMPRESS_LEVEL)
        return _Hashing(self, path, self.archive.open(info, "w", force_zip64=True))

    def add(self, path: str, content: bytes) -> None:
        """A deflated entry of ``content``, written by the thread."""

        def job() -> None:
            with self._enter(path) as handle:
                handle.write(content)
            self.current = None

        self.submit(job)

    def stream(self, path: str) -> _Queued:
        """A deflated entry whose writes the thread does."""
        return _Queued(self, path)

    def copy(self, path: str, source) -> None:
        """A deflated entry of ``source``'s bytes (from its start), written by the thread,
        which closes ``source`` then."""

        def job() -> None:
            with source:
                source.seek(0)
                with self._enter(path) as handle:
                    shutil.copyfileobj(source, handle, 1 << 20)
                self.current = None

        self.submit(job)

    def _enter(self, path: str) -> _Hashing:
        self.current = self._open(path)
        return self.current

    def submit(self, job: Callable[[], None]) -> None:
        self._check()
        if self.thread is None:
            self.jobs = queue.Queue(self.QUEUED)
            self.thread = threading.Thread(target=self._run, name="bundle-writer", daemon=True)
            self.thread.start()
        self.jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job()
            except BaseException as error:  # noqa: BLE001 - raised again in the caller
                self.error = error
            finally:
                self.jobs.task_done()

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def drain(self) -> None:
        """Wait until the thread has done every job; raise its error, if any."""
        if self.jobs is not None:
            self.jobs.join()
        self._check()

    def close(self) -> None:
        """Stop the thread (after its jobs, or at once after an error) and close an entry it
        left open, so the archive can be closed."""
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = self.jobs = None
        if self.current is not None:
            current, self.current = self.current, None
            with contextlib.suppress(Exception):
                current.handle.close()


class _Queued:
    """An entry written by the writer's thread: ``write`` queues the bytes."""

    def __init__(self, writer: _Writer, path: str):
        self.writer = writer
        writer.submit(lambda: writer._enter(path))

    def write(self, data: bytes) -> None:
        writer = self.writer
        writer.submit(lambda: writer.current.write(data))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        writer = self.writer

        def close() -> None:
            current, writer.current = writer.current, None
            current.__exit__()

        writer.submit(close)


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
        try:
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
            writer.drain()
        finally:
            writer.close()
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
    encoder = _Encoder(declaration, context, ids, writing=True)
    # The CSV copy waits in a spool while the lines stream (one archive entry at a time).
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")  # noqa: SIM115 - the writer closes it
    try:
        # The CSV rows of a chunk go to a string first, then to the spool in one write.
        text = io.StringIO(newline="")
        table = csv.writer(text)
        table.writerow(encoder.columns)
        with (
            _reading(encoder),
            writer.stream(entity_path(declaration.entity)) as lines,
            contextlib.closing(encoder.chunks(ahead=encoder.in_sql)) as chunks,
        ):
            for rows in chunks:
                lines.write(encoder.lines(rows))
                table.writerows(encoder.csv_rows(rows))
                spool.write(text.getvalue().encode())
                text.seek(0)
                text.truncate()
                count += len(rows)
        spool.write(text.getvalue().encode())
    except BaseException:
        spool.close()
        raise
    writer.copy(entity_path(declaration.entity, "csv"), spool)
    return count


def _reading(encoder: _Encoder):
    """On PostgreSQL an entity's rows are read in a transaction: its cursor then runs as rows
    are fetched (in autocommit the server computes the whole result before the first row), so
    the server makes the next rows while these are encoded."""
    return transaction.atomic() if encoder.in_sql else contextlib.nullcontext()


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
