"""Which models the exit bundle holds: each app declares its own in its ``bundle`` module.

A model joins the bundle by calling ``declare`` in ``<app>/bundle.py``; the exporter and the
importer only read the declarations, so adding a model (or a whole new app) never means editing
them. A model of an installed app that belongs to a workspace and is not declared must be listed
in ``NOT_IN_BUNDLE`` with the reason (a test fails otherwise).

Besides plain fields a declaration names:

- ``refs``: foreign keys and many-to-many fields to other declared entities (also to its own
  model: a nullable foreign key, set in a second pass, or a many-to-many field), exported as
  the target's UUID;
- ``users``: references to users (nullable foreign keys, required foreign keys, or many-to-many),
  exported as e-mail addresses only;
- ``files``: file fields, exported as attachments inside the bundle;
- ``convert``: plain fields whose value holds internal references (row ids inside JSON, a
  content type, a UUID of any entity) with the functions that turn them into portable values
  and back (see ``Convert``);
- ``after``: entities that must be imported first because a converter looks them up;
- ``portal``: what an external organisation's portal hides beyond the model's access rule
  (a function ``(rows, actor) -> rows``), so that its bundles hide it too.

Scope kinds beyond the workspace and one organisation (e.g. one engagement) register a factory
with ``register_scope``; ``export_bundle(..., scope=<kind>)`` then builds the scope from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

from django.apps import apps
from django.db.models import Model
from django.utils.module_loading import module_has_submodule

from ecosys.core.models import User

# Models of installed apps that belong to a workspace but are deliberately not in the bundle.
# Everything else with a workspace must be declared (tests/portability/test_bundle_coverage.py).
NOT_IN_BUNDLE: dict[str, str] = {
    # Sign-in and access configuration of this instance, not data of the relationship. Users
    # carry passwords and are never exported; the receiving side invites people afresh (they
    # appear in the bundle as e-mail addresses wherever they did something).
    "core.membership": "who may sign in to this instance: granted afresh by the receiving side",
    "core.apitoken": "secrets of this instance; never leave it",
    "core.sharinggrant": (
        "access configuration of this instance (row ids of its tables); the shared rows "
        "themselves are in the bundle"
    ),
    # Jobs and their progress: how this instance did work, not data of the relationship.
    "core.importjob": "a background job (and the uploaded file it processed)",
    "core.jobrun": "a background job run",
    "performance.channelload": (
        "a background load of channel data; the facts it loaded are in channel_facts/"
    ),
    "performance.analyticsrun": "a background analytics run; its results (scores) are declared",
    "portability.bundlejob": "a background export or import job",
    "engagements.staffingrun": (
        "a background optimiser run (progress, timing, that moment's suggestions); the "
        "assignments it proposed are declared, with their explanations"
    ),
    # Settings of the workspace itself (one row per workspace): the receiving workspace keeps
    # its own, and an import must not clash with them.
    "performance.channelsettings": "the receiving workspace's own settings (one per workspace)",
}


class Ids(Protocol):
    """What a converter may ask while exporting (first three) or importing (last three)."""

    def public_id(self, entity: str, pk: int | None) -> str | None: ...
    def email(self, user_pk: int | None) -> str | None: ...
    def pk(self, entity: str, public_id: str | None) -> int | None: ...
    def user(self, email: str | None) -> int | None: ...
    def uuid(self, public_id: str | None) -> str | None: ...
    def renumber(self, value: str) -> str: ...


@dataclass(frozen=True)
class Convert:
    """Turns a field's database value into its portable form (``dump``) and back (``load``).

    ``dump(value, ids)`` sees the raw database value (for a foreign key: the row id) and
    returns JSON; ``load(value, ids)`` sees the bundle's value (already checked against
    ``schema``) and returns the database value. ``ids.uuid`` gives the UUID a record of the
    bundle has in the target workspace (different from the bundle's under ``new_ids``).
    """

    dump: Callable[[Any, Ids], Any]
    load: Callable[[Any, Ids], Any]
    schema: dict | None = None  # the record's JSON Schema for the field (default: the field's)


def uuid_of_any() -> Convert:
    """A UUID field naming a record of any entity (e.g. an audit event's target)."""
    return Convert(
        dump=lambda value, ids: None if value is None else str(value),
        load=lambda value, ids: ids.uuid(value),
    )


def uuid_list() -> Convert:
    """A JSON list of UUIDs (as text) of records of the bundle."""
    return Convert(
        dump=lambda value, ids: list(value or []),
        load=lambda value, ids: (
            [ids.uuid(item) if isinstance(item, str) else item for item in value]
            if isinstance(value, list)
            else value
        ),
    )


def unique_code() -> Convert:
    """A code unique across the instance (e.g. a certificate's verification code): kept, but
    replaced by a new code of the same length when importing under new ids."""
    return Convert(dump=lambda value, ids: value, load=lambda value, ids: ids.renumber(value))


def user_id_list() -> Convert:
    """A JSON list of user ids, exported as e-mail addresses (unknown users are left out)."""

    def dump(value, ids):
        emails = (ids.email(pk) for pk in value or [] if isinstance(pk, int))
        return [email for email in emails if email]

    def load(value, ids):
        pks = (ids.user(email) for email in value if isinstance(email, str))
        return [pk for pk in pks if pk is not None]

    return Convert(dump, load, {"type": "array", "items": {"type": "string"}})


def content_type() -> Convert:
    """A foreign key to a content type, exported as ``"app_label.model"``."""

    def dump(value, ids):
        from django.contrib.contenttypes.models import ContentType

        if value is None:
            return None
        kind = ContentType.objects.get_for_id(value)
        return f"{kind.app_label}.{kind.model}"

    def load(value, ids):
        from django.contrib.contenttypes.models import ContentType

        if not value or "." not in value:
            return None
        app_label, model = value.split(".", 1)
        try:
            return ContentType.objects.get_by_natural_key(app_label, model).pk
        except ContentType.DoesNotExist:
            return None

    return Convert(dump, load, {"type": ["string", "null"], "maxLength": 200})


@dataclass(frozen=True)
class Declaration:
    """One entity type of the bundle: its model, exported fields, references, users, files."""

    entity: str  # "ecosystem.organization"
    model: type[Model]
    fields: tuple[str, ...]  # plain values (some converted)
    refs: tuple[str, ...]  # foreign keys and many-to-many fields, exported as public_id UUIDs
    users: tuple[str, ...]  # references to users, exported as the user's e-mail only
    portal_via: str | None  # for a model without its own access rule: the reference that decides
    files: tuple[str, ...] = ()  # file fields, exported as attachments
    convert: dict[str, Convert] = field(default_factory=dict, hash=False, compare=False)
    after: tuple[str, ...] = ()  # entities a converter looks up, imported first
    # What an external organisation's portal hides beyond the access rule (e.g. a customer
    # never sees draft settlements): (rows, actor) -> rows, applied to narrowed scopes.
    portal: Callable[[Any, Any], Any] | None = field(default=None, hash=False, compare=False)

    def field(self, name: str):
        return self.model._meta.get_field(name)

    def is_many(self, name: str) -> bool:
        return self.field(name).many_to_many

    def ref_entity(self, name: str) -> str:
        return entity_name(self.field(name).related_model)

    def is_self(self, name: str) -> bool:
        return self.field(name).related_model is self.model

    def self_refs(self) -> tuple[str, ...]:
        """Foreign keys to the entity itself: imported as null, then set in a second pass."""
        return tuple(n for n in self.refs if not self.is_many(n) and self.is_self(n))

    def required_users(self) -> tuple[str, ...]:
        return tuple(n for n in self.users if not self.is_many(n) and not self.field(n).null)

    def depends_on(self) -> set[str]:
        """Entities whose rows must exist first."""
        found = {self.ref_entity(name) for name in self.refs if not self.is_self(name)}
        return found | set(self.after)

    def columns(self) -> tuple[str, ...]:
        """Record keys, in file order."""
        return ("id", *self.fields, *self.refs, *self.users, *self.files)


DECLARATIONS: dict[str, Declaration] = {}


def entity_name(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def declare(
    model: type[Model],
    *,
    fields: list[str] | tuple[str, ...],
    refs: list[str] | tuple[str, ...] = (),
    users: list[str] | tuple[str, ...] = (),
    files: list[str] | tuple[str, ...] = (),
    convert: dict[str, Convert] | None = None,
    after: list[str] | tuple[str, ...] = (),
    portal_via: str | None = None,
    portal: Callable[[Any, Any], Any] | None = None,
) -> Declaration:
    """Put a model in the bundle; fails at import time on an unknown or unfit field."""
    entity = entity_name(model)
    convert = dict(convert or {})
    if not any(f.name == "public_id" for f in model._meta.concrete_fields):
        raise ValueError(f"{entity} has no public_id (declared models are TenantModels)")
    for name in convert:
        if name not in fields:
            raise ValueError(f"{entity}.{name}: only plain fields are converted")
    for name in fields:
        item = model._meta.get_field(name)
        if name in ("id", "workspace", "public_id"):
            raise ValueError(f"{entity}.{name} is not a plain field")
        if item.is_relation and name not in convert:
            raise ValueError(f"{entity}.{name} is a reference: declare it in refs, or convert it")
        if type(item).__name__ in ("FileField", "ImageField"):
            raise ValueError(f"{entity}.{name} is a file: declare it in files")
    for name in refs:
        item = model._meta.get_field(name)
        if not item.is_relation or item.related_model is User:
            raise ValueError(f"{entity}.{name} is not a reference to another entity")
        if item.related_model is model and not (item.many_to_many or item.null):
            raise ValueError(f"{entity}.{name}: a reference to its own entity must be nullable")
    for name in users:
        item = model._meta.get_field(name)
        if item.related_model is not User:
            raise ValueError(f"{entity}.{name} must be a reference to a user")
    for name in files:
        if type(model._meta.get_field(name)).__name__ not in ("FileField", "ImageField"):
            raise ValueError(f"{entity}.{name} is not a file field")
    if portal_via is not None and portal_via not in refs:
        raise ValueError(f"{entity}: portal_via must be one of its references")
    declaration = Declaration(
        entity,
        model,
        tuple(fields),
        tuple(refs),
        tuple(users),
        portal_via,
        tuple(files),
        convert,
        tuple(after),
        portal,
    )
    DECLARATIONS[entity] = declaration
    return declaration


# Scope kinds added by apps: kind -> factory(workspace, organization=..., subject=...) that
# returns a ``bundle_export._Scope`` (see register_scope).
SCOPE_KINDS: dict[str, Callable[..., Any]] = {}


def register_scope(kind: str, factory: Callable[..., Any]) -> None:
    """Add a scope kind: ``factory(workspace, organization=..., subject=...)`` returns the
    ``_Scope`` subclass instance that decides which rows of each entity the bundle holds."""
    SCOPE_KINDS[kind] = factory


def scope_factory(kind: str) -> Callable[..., Any] | None:
    declarations()  # imports each app's bundle module, which registers its scope kinds
    return SCOPE_KINDS.get(kind)


_ordered: list[Declaration] | None = None


def declarations() -> list[Declaration]:
    """Every declaration, dependencies first (after importing each installed app's bundle)."""
    global _ordered
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "bundle"):
            import_module(f"{config.name}.bundle")
    if _ordered is not None and len(_ordered) == len(DECLARATIONS):
        return list(_ordered)
    ordered: list[Declaration] = []
    done: set[str] = set()

    def visit(entity: str, path: tuple[str, ...]) -> None:
        if entity in done:
            return
        if entity in path:
            raise ValueError(f"Bundle declarations reference each other in a cycle: {path}")
        declaration = DECLARATIONS.get(entity)
        if declaration is None:
            raise ValueError(f"{path[-1]} references {entity}, which is not declared")
        for dependency in sorted(declaration.depends_on()):
            visit(dependency, (*path, entity))
        done.add(entity)
        ordered.append(declaration)

    for entity in sorted(DECLARATIONS):
        visit(entity, ())
    _ordered = ordered
    return list(ordered)


def declaration_get(entity: str) -> Declaration | None:
    declarations()
    return DECLARATIONS.get(entity)


def declaration_of(model: type[Model]) -> Declaration | None:
    return declaration_get(entity_name(model))
