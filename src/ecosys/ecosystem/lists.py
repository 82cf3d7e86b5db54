"""How each ecosystem list is searched, filtered, sorted, shown and exported."""

import functools

from ecosys.core.listing import Column, ListSpec

from .filters import OrganizationFilter, PersonFilter, PersonRoleFilter, RelationshipFilter
from .models import EcosystemRole, Industry, Region, SizeBand, country_choices


@functools.cache
def country_names() -> dict[str, str]:
    return dict(country_choices())


def _roles(org):
    return org.role_codes


def _labels(choices, values):
    return ", ".join(str(choices(value).label) for value in values)


def _label(choices, attribute):
    def display(obj):
        value = getattr(obj, attribute)
        return choices(value).label if value else ""

    return display


ORGANIZATIONS = ListSpec(
    filterset=OrganizationFilter,
    search_fields=("name", "website_domain", "description"),
    columns=(
        Column("id", "ID", lambda o: o.public_id),
        Column("name", "Name", lambda o: o.name, sort="name", link=True),
        Column("roles", "Roles", _roles, display=lambda o: _labels(EcosystemRole, _roles(o))),
        Column(
            "region", "Region", lambda o: o.region, sort="region", display=_label(Region, "region")
        ),
        Column(
            "country",
            "Country",
            lambda o: o.country.code,
            sort="country",
            display=lambda o: country_names().get(o.country.code, ""),
        ),
        Column(
            "industry",
            "Industry",
            lambda o: o.industry,
            sort="industry",
            display=_label(Industry, "industry"),
        ),
        Column("size", "Size", lambda o: o.size, sort="size", display=_label(SizeBand, "size")),
        Column("website_domain", "Website", lambda o: o.website_domain),
        Column("tags", "Tags", lambda o: o.tag_names),
        Column("description", "Description", lambda o: o.description, in_table=False),
        Column(
            "created_at",
            "Added",
            lambda o: o.created_at,
            sort="created_at",
            display=lambda o: o.created_at.date(),
        ),
    ),
    default_sort="name",
    export_name="organizations",
)

PEOPLE = ListSpec(
    filterset=PersonFilter,
    search_fields=("first_name", "last_name", "email", "title", "organization__name"),
    columns=(
        Column("id", "ID", lambda p: p.public_id),
        Column("first_name", "First name", lambda p: p.first_name, sort="first_name"),
        Column("last_name", "Last name", lambda p: p.last_name, sort="last_name", link=True),
        Column("email", "E-mail", lambda p: p.email, sort="email"),
        Column("phone", "Phone", lambda p: p.phone),
        Column("title", "Job title", lambda p: p.title, sort="title"),
        Column(
            "worker_type",
            "Worker type",
            lambda p: p.worker_type,
            sort="worker_type",
            display=lambda p: p.get_worker_type_display(),
        ),
        Column(
            "organization",
            "Organisation",
            lambda p: p.organization.name if p.organization else "",
            sort="organization__name",
        ),
        Column("location", "Location", lambda p: p.location, sort="location"),
    ),
    default_sort="last_name",
    export_name="people",
    related=("organization",),
)

RELATIONSHIPS = ListSpec(
    filterset=RelationshipFilter,
    search_fields=("source__name", "target__name", "notes"),
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column("source", "From", lambda r: r.source.name, sort="source__name", link=True),
        Column(
            "kind", "Kind", lambda r: r.kind, sort="kind", display=lambda r: r.get_kind_display()
        ),
        Column("target", "To", lambda r: r.target.name, sort="target__name"),
        Column(
            "state",
            "State",
            lambda r: r.state,
            sort="state",
            display=lambda r: r.get_state_display(),
        ),
        Column("start_date", "Start", lambda r: r.start_date, sort="start_date"),
        Column("end_date", "End", lambda r: r.end_date, sort="end_date"),
        Column("notes", "Notes", lambda r: r.notes, in_table=False),
    ),
    default_sort="-created",
    export_name="relationships",
    related=("source", "target"),
    extra_sorts=(("created", "created_at"),),
)

PERSON_ROLES = ListSpec(
    filterset=PersonRoleFilter,
    search_fields=("person__last_name", "person__first_name", "organization__name"),
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column(
            "person", "Person", lambda r: r.person.full_name, sort="person__last_name", link=True
        ),
        Column(
            "kind", "Role", lambda r: r.kind, sort="kind", display=lambda r: r.get_kind_display()
        ),
        Column(
            "organization", "Organisation", lambda r: r.organization.name, sort="organization__name"
        ),
        Column("start_date", "Start", lambda r: r.start_date, sort="start_date"),
        Column("end_date", "End", lambda r: r.end_date, sort="end_date"),
    ),
    default_sort="person",
    export_name="person-roles",
    related=("person", "organization"),
)
