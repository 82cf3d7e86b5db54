"""Writes to the ecosystem: each takes the acting user, checks, validates, writes and audits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from ecosys.core.access import ADD, CHANGE, DELETE, Actor, ensure
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.services import grants_remove_for

from .models import (
    RELATIONSHIP_TRANSITIONS,
    EcosystemRole,
    Organization,
    OrganizationRole,
    Person,
    PersonRole,
    Relationship,
    RelationshipState,
    RelationshipStateChange,
    Tag,
)

ORGANIZATION_FIELDS = [
    "name",
    "region",
    "country",
    "industry",
    "size",
    "website_domain",
    "description",
]
PERSON_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "worker_type",
    "organization",
    "location",
]
RELATIONSHIP_FIELDS = ["source", "target", "kind", "start_date", "end_date", "notes"]
ASSIGNABLE_ROLES = {value for value, _ in EcosystemRole.choices} - {EcosystemRole.ORCHESTRATOR}


def _assign(obj: Any, fields: list[str], values: dict[str, Any]) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in values.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


def _clean(obj: Any) -> None:
    obj.full_clean(exclude=["workspace"], validate_unique=True)


def _collect_errors(*checks) -> list[Any]:
    """Run every check, so one answer names every field that is wrong; their results."""
    results, errors = [], ValidationError({})
    for check in checks:
        try:
            results.append(check())
        except ValidationError as error:
            errors = ValidationError({**errors.message_dict, **error.message_dict})
            results.append(None)
    if errors.message_dict:
        raise errors
    return results


def _org_state(org: Organization) -> dict[str, Any]:
    state = snapshot(org, ORGANIZATION_FIELDS)
    state["roles"] = list(org.role_codes)
    state["tags"] = list(org.tag_names)
    return state


def _normalise_roles(roles: Iterable[str], *, allow_none: bool = False) -> list[str]:
    roles = sorted(set(roles))
    invalid = [role for role in roles if role not in ASSIGNABLE_ROLES]
    if invalid:
        raise ValidationError(
            {"roles": f"Unknown or reserved ecosystem role: {', '.join(invalid)}."}
        )
    if not roles and not allow_none:
        raise ValidationError({"roles": "Choose at least one ecosystem role."})
    return roles


def _normalise_tags(tags: Iterable[str]) -> list[str]:
    names = sorted({tag.strip().lower() for tag in tags if tag and tag.strip()})
    too_long = [name for name in names if len(name) > 50]
    if too_long:
        raise ValidationError({"tags": "A tag may have at most 50 characters."})
    return names


def _set_roles(org: Organization, roles: list[str], *, new: bool = False) -> None:
    existing: set[str] = set()
    if not new:
        OrganizationRole.objects.filter(organization=org).exclude(role__in=roles).delete()
        existing = set(
            OrganizationRole.objects.filter(organization=org).values_list("role", flat=True)
        )
    OrganizationRole.objects.bulk_create(
        OrganizationRole(workspace_id=org.workspace_id, organization=org, role=role)
        for role in roles
        if role not in existing
    )
    org.role_codes = sorted(roles)
    org.save(update_fields=["role_codes"])


def _set_tags(org: Organization, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [
        Tag(workspace_id=org.workspace_id, name=name) for name in names if name not in existing
    ]
    for tag in Tag.objects.bulk_create(missing):
        existing[tag.name] = tag
    org.tags.set([existing[name] for name in names])
    org.tag_names = sorted(names)
    org.save(update_fields=["tag_names"])


@transaction.atomic
def organization_create(
    *, actor: Actor, roles: Iterable[str], tags: Iterable[str] = (), **fields: Any
) -> Organization:
    """Add an organisation to the ecosystem with its roles and tags."""
    org = Organization(workspace=actor.workspace)
    _assign(org, ORGANIZATION_FIELDS, fields)
    ensure(actor, ADD, org)
    roles, tags = _collect_errors(
        lambda: _normalise_roles(roles), lambda: _normalise_tags(tags), lambda: _clean(org)
    )[:2]
    org.save()
    _set_roles(org, roles, new=True)
    _set_tags(org, tags)
    audit_record(actor=actor, action="create", target=org, changes=diff({}, _org_state(org)))
    return org


@transaction.atomic
def organization_update(
    *,
    actor: Actor,
    organization: Organization,
    roles: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    **fields: Any,
) -> Organization:
    """Change an organisation's attributes, roles or tags; only the orchestrator sets roles."""
    ensure(actor, CHANGE, organization)
    before = _org_state(organization)
    _assign(organization, ORGANIZATION_FIELDS, fields)
    if roles is not None:
        # The orchestrator's own role is fixed: kept on it, never given to another.
        is_orchestrator_org = EcosystemRole.ORCHESTRATOR in before["roles"]
        roles = set(roles) - ({EcosystemRole.ORCHESTRATOR} if is_orchestrator_org else set())
        roles = _normalise_roles(roles, allow_none=is_orchestrator_org)
        if is_orchestrator_org:
            roles = sorted({*roles, EcosystemRole.ORCHESTRATOR})
        if roles != before["roles"] and not actor.is_orchestrator:
            raise PermissionDenied("Only the orchestrator can change an organisation's roles.")
    _clean(organization)
    organization.save()
    if roles is not None:
        _set_roles(organization, roles)
    if tags is not None:
        _set_tags(organization, _normalise_tags(tags))
    changes = diff(before, _org_state(organization))
    if changes:
        audit_record(actor=actor, action="update", target=organization, changes=changes)
    return organization


@transaction.atomic
def organization_delete(*, actor: Actor, organization: Organization) -> None:
    """Remove an organisation that no people, relationships or members depend on."""
    ensure(actor, DELETE, organization)
    if organization.pk == actor.workspace.orchestrator_id:
        raise ValidationError("The orchestrator organisation cannot be deleted.")
    before = _org_state(organization)
    grants_remove_for(target=organization)
    try:
        organization.delete()
    except ProtectedError as error:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
        raise ValidationError(
            f"{organization} still has {', '.join(kinds)}; remove or move them first."
        ) from error
    audit_record(actor=actor, action="delete", target=organization, changes=diff(before, {}))


@transaction.atomic
def person_create(*, actor: Actor, **fields: Any) -> Person:
    """Add a worker or contact."""
    person = Person(workspace=actor.workspace)
    _assign(person, PERSON_FIELDS, fields)
    ensure(actor, ADD, person)
    _clean(person)
    person.save()
    audit_record(
        actor=actor,
        action="create",
        target=person,
        changes=diff({}, snapshot(person, PERSON_FIELDS)),
    )
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, **fields: Any) -> Person:
    """Change a person's details; only the orchestrator moves a person between organisations
    (a partner moving one out of its own, or into it from a record shared with it read-write,
    would change who owns the person)."""
    ensure(actor, CHANGE, person)
    before = snapshot(person, PERSON_FIELDS)
    organization_id = person.organization_id
    _assign(person, PERSON_FIELDS, fields)
    if person.organization_id != organization_id and not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator can move a person to another organisation.")
    _clean(person)
    person.save()
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", target=person, changes=changes)
    return person


@transaction.atomic
def person_delete(*, actor: Actor, person: Person) -> None:
    ensure(actor, DELETE, person)
    before = snapshot(person, PERSON_FIELDS)
    grants_remove_for(target=person)
    person.delete()
    audit_record(actor=actor, action="delete", target=person, changes=diff(before, {}))


@transaction.atomic
def relationship_create(
    *, actor: Actor, state: str = RelationshipState.PROPOSED, **fields
) -> Relationship:
    """Link two organisations; the first state is recorded in the relationship's history."""
    relationship = Relationship(workspace=actor.workspace, state=state)
    _assign(relationship, RELATIONSHIP_FIELDS, fields)
    ensure(actor, ADD, relationship)
    _clean(relationship)
    relationship.save()
    RelationshipStateChange.objects.create(
        workspace=actor.workspace,
        relationship=relationship,
        from_state="",
        to_state=relationship.state,
        changed_by=actor.label,
        reason="Created",
    )
    audit_record(
        actor=actor,
        action="create",
        target=relationship,
        changes=diff({}, snapshot(relationship, [*RELATIONSHIP_FIELDS, "state"])),
    )
    return relationship


@transaction.atomic
def relationship_update(*, actor: Actor, relationship: Relationship, **fields) -> Relationship:
    """Change a relationship's dates, kind or notes; its state moves only by transition."""
    ensure(actor, CHANGE, relationship)
    before = snapshot(relationship, RELATIONSHIP_FIELDS)
    ends = (relationship.source_id, relationship.target_id)
    _assign(relationship, RELATIONSHIP_FIELDS, fields)
    if (relationship.source_id, relationship.target_id) != ends and not actor.is_orchestrator:
        # A partner editing a relationship shared with it must not re-point it (to itself).
        raise PermissionDenied("Only the orchestrator can change who a relationship links.")
    _clean(relationship)
    relationship.save()
    changes = diff(before, snapshot(relationship, RELATIONSHIP_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", target=relationship, changes=changes)
    return relationship


@transaction.atomic
def relationship_transition(
    *, actor: Actor, relationship: Relationship, to_state: str, reason: str = ""
) -> Relationship:
    """Move a relationship along its lifecycle; only allowed transitions, each with its reason."""
    ensure(actor, CHANGE, relationship)
    allowed = RELATIONSHIP_TRANSITIONS[relationship.state]
    if to_state not in allowed:
        names = ", ".join(sorted(allowed)) or "none (it has ended)"
        raise ValidationError(
            {"to_state": f"A {relationship.state} relationship can move to: {names}."}
        )
    if to_state in (RelationshipState.SUSPENDED, RelationshipState.ENDED) and not reason.strip():
        raise ValidationError({"reason": "Say why the relationship is suspended or ended."})
    from_state = relationship.state
    relationship.state = to_state
    relationship.save(update_fields=["state", "updated_at"])
    RelationshipStateChange.objects.create(
        workspace=actor.workspace,
        relationship=relationship,
        from_state=from_state,
        to_state=to_state,
        changed_by=actor.label,
        reason=reason.strip()[:500],
    )
    audit_record(
        actor=actor,
        action="transition",
        target=relationship,
        changes={"state": [from_state, to_state], "reason": [None, reason.strip()]},
    )
    return relationship


@transaction.atomic
def person_role_create(
    *, actor: Actor, person: Person, organization: Organization, kind: str, **dates
) -> PersonRole:
    """Record a person's role towards an organisation (works for, account lead, contact)."""
    role = PersonRole(
        workspace=actor.workspace, person=person, organization=organization, kind=kind, **dates
    )
    ensure(actor, ADD, role)
    _clean(role)
    role.save()
    audit_record(
        actor=actor,
        action="create",
        target=role,
        changes=diff(
            {}, snapshot(role, ["person", "organization", "kind", "start_date", "end_date"])
        ),
    )
    return role


@transaction.atomic
def person_role_delete(*, actor: Actor, person_role: PersonRole) -> None:
    ensure(actor, DELETE, person_role)
    before = snapshot(person_role, ["person", "organization", "kind"])
    person_role.delete()
    audit_record(actor=actor, action="delete", target=person_role, changes=diff(before, {}))
