"""Which models the exit bundle holds: each app declares its own in its ``bundle`` module.

A model joins the bundle by calling ``declare`` in ``<app>/bundle.py``; the exporter and the
importer only read the declarations, so adding a model never means editing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db.models import Model
from django.utils.module_loading import module_has_submodule

from ecosys.core.models import User


@dataclass(frozen=True)
class Declaration:
    """One entity type of the bundle: its model, exported fields, references and users."""

    entity: str  # "ecosystem.organization"
    model: type[Model]
    fields: tuple[str, ...]  # plain values
    refs: tuple[str, ...]  # foreign keys and many-to-many fields, exported as public_id UUIDs
    users: tuple[str, ...]  # foreign keys to users, exported as the user's e-mail only
    portal_via: str | None  # for a model without its own access rule: the reference that decides

    def field(self, name: str):
        return self.model._meta.get_field(name)

    def is_many(self, name: str) -> bool:
        return self.field(name).many_to_many

    def ref_entity(self, name: str) -> str:
        return entity_name(self.field(name).related_model)

    def depends_on(self) -> set[str]:
        """Entities whose rows must exist first (many-to-many links are set after all rows)."""
        return {self.ref_entity(name) for name in self.refs if not self.is_many(name)}

    def columns(self) -> tuple[str, ...]:
        """Record keys, in file order."""
        return ("id", *self.fields, *self.refs, *self.users)


DECLARATIONS: dict[str, Declaration] = {}


def entity_name(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def declare(
    model: type[Model],
    *,
    fields: list[str] | tuple[str, ...],
    refs: list[str] | tuple[str, ...] = (),
    users: list[str] | tuple[str, ...] = (),
    portal_via: str | None = None,
) -> Declaration:
    """Put a model in the bundle; fails at import time on an unknown or unfit field."""
    entity = entity_name(model)
    for name in fields:
        field = model._meta.get_field(name)
        if field.is_relation or name in ("id", "workspace", "public_id"):
            raise ValueError(f"{entity}.{name} is not a plain field")
    for name in refs:
        field = model._meta.get_field(name)
        if not field.is_relation or field.related_model is User:
            raise ValueError(f"{entity}.{name} is not a reference to another entity")
        if field.related_model is model:
            raise ValueError(f"{entity}.{name}: references to the same entity are not supported")
    for name in users:
        field = model._meta.get_field(name)
        if field.related_model is not User or not field.null:
            raise ValueError(f"{entity}.{name} must be a nullable reference to a user")
    if portal_via is not None and portal_via not in refs:
        raise ValueError(f"{entity}: portal_via must be one of its references")
    declaration = Declaration(entity, model, tuple(fields), tuple(refs), tuple(users), portal_via)
    DECLARATIONS[entity] = declaration
    return declaration


def declarations() -> list[Declaration]:
    """Every declaration, dependencies first (after importing each installed app's bundle)."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "bundle"):
            import_module(f"{config.name}.bundle")
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
    return ordered


def declaration_get(entity: str) -> Declaration | None:
    declarations()
    return DECLARATIONS.get(entity)
