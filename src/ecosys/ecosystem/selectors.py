"""Reads of ecosystem rows, always narrowed by the access policy."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import (
    EcosystemRole,
    Organization,
    OrganizationRole,
    Person,
    PersonRole,
    Relationship,
    RelationshipStateChange,
    Tag,
)


def organization_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Organization]:
    return restrict(Organization.objects.all(), actor, action)


def organization_get(*, actor: Actor, public_id, action: str = VIEW) -> Organization:
    return get_visible(Organization.objects.all(), actor, action=action, public_id=public_id)


def person_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Person]:
    return restrict(Person.objects.all(), actor, action)


def person_get(*, actor: Actor, public_id, action: str = VIEW) -> Person:
    return get_visible(
        Person.objects.select_related("organization"), actor, action=action, public_id=public_id
    )


def relationship_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Relationship]:
    return restrict(Relationship.objects.all(), actor, action)


def relationship_get(*, actor: Actor, public_id, action: str = VIEW) -> Relationship:
    return get_visible(
        Relationship.objects.select_related("source", "target"),
        actor,
        action=action,
        public_id=public_id,
    )


def relationship_history(*, actor: Actor, relationship: Relationship) -> QuerySet:
    return restrict(RelationshipStateChange.objects.all(), actor).filter(relationship=relationship)


def person_role_list(*, actor: Actor, action: str = VIEW) -> QuerySet[PersonRole]:
    return restrict(PersonRole.objects.all(), actor, action)


def person_role_get(*, actor: Actor, public_id, action: str = VIEW) -> PersonRole:
    return get_visible(
        PersonRole.objects.select_related("person", "organization"),
        actor,
        action=action,
        public_id=public_id,
    )


def tag_names(*, actor: Actor) -> list[str]:
    """Tags in use on the organisations the actor can see."""
    visible = organization_list(actor=actor).values("pk")
    return list(
        Tag.objects.filter(organizations__in=visible)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )


def role_counts(*, actor: Actor) -> list[tuple[str, str, int]]:
    """(role, label, number of visible organisations) for every ecosystem role, in order."""
    visible = organization_list(actor=actor).values("pk")
    counts = Counter(
        dict(
            OrganizationRole.objects.filter(organization__in=visible)
            .values_list("role")
            .annotate(n=Count("id"))
            .values_list("role", "n")
        )
    )
    return [(value, label, counts.get(value, 0)) for value, label in EcosystemRole.choices]


def organization_counts_by(*, actor: Actor, field: str) -> list[tuple[str, int]]:
    """Visible organisations counted by one attribute (region, industry, size, country)."""
    rows = (
        organization_list(actor=actor)
        .order_by()
        .values_list(field)
        .annotate(n=Count("id"))
        .values_list(field, "n")
    )
    return sorted(rows, key=lambda row: -row[1])


def person_counts_by_worker_type(*, actor: Actor) -> list[tuple[str, int]]:
    rows = (
        person_list(actor=actor)
        .order_by()
        .values_list("worker_type")
        .annotate(n=Count("id"))
        .values_list("worker_type", "n")
    )
    return sorted(rows, key=lambda row: -row[1])


def graph_data(
    *, actor: Actor, roles: list[str] | None = None, region: str = "", limit: int = 600
) -> dict:
    """Nodes (organisations) and edges (relationships) for the ecosystem graph view."""
    organizations = organization_list(actor=actor)
    if roles:
        organizations = organizations.filter(roles__role__in=roles).distinct()
    if region:
        organizations = organizations.filter(region=region)
    organizations = organizations.prefetch_related("roles").order_by("name")[:limit]
    nodes = {org.pk: org for org in organizations}
    edges = (
        relationship_list(actor=actor)
        .filter(Q(source_id__in=nodes) & Q(target_id__in=nodes))
        .values_list("public_id", "source_id", "target_id", "kind", "state")
    )
    return {
        "nodes": [
            {
                "id": str(org.public_id),
                "label": org.name,
                "role": _primary_role(org),
                "region": org.region,
            }
            for org in nodes.values()
        ],
        "edges": [
            {
                "id": str(public_id),
                "source": str(nodes[source].public_id),
                "target": str(nodes[target].public_id),
                "kind": kind,
                "state": state,
            }
            for public_id, source, target, kind, state in edges
        ],
        "truncated": len(nodes) >= limit,
    }


def _primary_role(org: Organization) -> str:
    order = [value for value, _ in EcosystemRole.choices]
    roles = sorted((role.role for role in org.roles.all()), key=order.index)
    return roles[0] if roles else ""
