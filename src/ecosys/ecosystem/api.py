"""Ecosystem API: organisations, people, relationships, person roles — list, read, write, export."""

from uuid import UUID

from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page

from . import lists, selectors, services
from .schemas import (
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    PersonRoleIn,
    PersonRoleOut,
    RelationshipIn,
    RelationshipOut,
    RelationshipPatch,
    StateChangeOut,
    TransitionIn,
)

router = Router()
ERRORS = {401: Detail, 403: Detail, 404: Detail}


def _ref(org):
    return {"id": org.public_id, "name": org.name} if org else None


def organization_out(org) -> dict:
    return {
        "id": org.public_id,
        "name": org.name,
        "roles": org.role_codes,
        "region": org.region,
        "country": org.country.code or "",
        "industry": org.industry,
        "size": org.size,
        "website_domain": org.website_domain,
        "description": org.description,
        "tags": org.tag_names,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


def person_out(person) -> dict:
    return {
        "id": person.public_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "title": person.title,
        "worker_type": person.worker_type,
        "organization": _ref(person.organization),
        "location": person.location,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def relationship_out(relationship) -> dict:
    return {
        "id": relationship.public_id,
        "source": _ref(relationship.source),
        "target": _ref(relationship.target),
        "kind": relationship.kind,
        "state": relationship.state,
        "start_date": relationship.start_date,
        "end_date": relationship.end_date,
        "notes": relationship.notes,
        "created_at": relationship.created_at,
    }


def person_role_out(role) -> dict:
    return {
        "id": role.public_id,
        "person": {"id": role.person.public_id, "name": role.person.full_name},
        "organization": _ref(role.organization),
        "kind": role.kind,
        "start_date": role.start_date,
        "end_date": role.end_date,
    }


def _list(request, spec, queryset, serialize):
    return paginate(request, list_apply(queryset, request.GET, spec).queryset, serialize)


def _export(request, spec, queryset, fmt: str):
    return export_response(list_apply(queryset, request.GET, spec).queryset, spec, fmt)


def _organization(actor, public_id: UUID, action: str = "view"):
    return selectors.organization_get(actor=actor, public_id=public_id, action=action)


# -- organisations ---------------------------------------------------------------------------


@router.get(
    "/organizations", response={200: Page[OrganizationOut], **ERRORS}, tags=["organizations"]
)
@access_rule("ecosystem.organization:view")
def organization_list(request):
    """Organisations you can see. Filters: role, region, country, industry, size, tag; q; sort."""
    rows = list_apply(
        selectors.organization_list(actor=request.auth), request.GET, lists.ORGANIZATIONS
    ).queryset
    page = paginate(request, rows.values(*ORGANIZATION_ROW), organization_row_out)
    return organization_page_out(page)


# The list reads the columns of OrganizationOut as plain values (no model instances) and hands
# ninja an already-built Page, which it dumps without validating each row again: the two took
# a third of the list's CPU. tests/ecosystem/test_api_fast_list.py checks that the output is
# the same as the validated organization_out's.
ORGANIZATION_ROW = (
    "public_id",
    "name",
    "role_codes",
    "region",
    "country",
    "industry",
    "size",
    "website_domain",
    "description",
    "tag_names",
    "created_at",
    "updated_at",
)


def organization_row_out(row: dict) -> OrganizationOut:
    return OrganizationOut.model_construct(
        id=row["public_id"],
        name=row["name"],
        roles=row["role_codes"],
        region=row["region"],
        country=row["country"] or "",
        industry=row["industry"],
        size=row["size"],
        website_domain=row["website_domain"],
        description=row["description"],
        tags=row["tag_names"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def organization_page_out(page: dict) -> Page[OrganizationOut]:
    return Page[OrganizationOut].model_construct(**page)


@router.get("/organizations/export", response={200: None, **ERRORS}, tags=["organizations"])
@access_rule("ecosystem.organization:view")
def organization_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    """Every organisation matching the same filters, as CSV or XLSX."""
    return _export(
        request, lists.ORGANIZATIONS, selectors.organization_list(actor=request.auth), format
    )


@router.post("/organizations", response={201: OrganizationOut, **ERRORS}, tags=["organizations"])
@access_rule("ecosystem.organization:add")
def organization_create(request, payload: OrganizationIn):
    org = services.organization_create(actor=request.auth, **payload.dict())
    return Status(201, organization_out(_organization(request.auth, org.public_id)))


@router.get(
    "/organizations/{org_id}", response={200: OrganizationOut, **ERRORS}, tags=["organizations"]
)
@access_rule("ecosystem.organization:view")
def organization_detail(request, org_id: UUID):
    return organization_out(_organization(request.auth, org_id))


@router.patch(
    "/organizations/{org_id}", response={200: OrganizationOut, **ERRORS}, tags=["organizations"]
)
@access_rule("ecosystem.organization:change")
def organization_update(request, org_id: UUID, payload: OrganizationPatch):
    org = _organization(request.auth, org_id, CHANGE)
    services.organization_update(
        actor=request.auth, organization=org, **payload.dict(exclude_unset=True)
    )
    return organization_out(_organization(request.auth, org_id))


@router.delete("/organizations/{org_id}", response={204: None, **ERRORS}, tags=["organizations"])
@access_rule("ecosystem.organization:delete")
def organization_delete(request, org_id: UUID):
    org = selectors.organization_get(actor=request.auth, public_id=org_id, action=DELETE)
    services.organization_delete(actor=request.auth, organization=org)
    return Status(204, None)


# -- people ----------------------------------------------------------------------------------


def _person_fields(actor, data: dict) -> dict:
    if "organization_id" in data:
        org_id = data.pop("organization_id")
        data["organization"] = (
            selectors.organization_get(actor=actor, public_id=org_id) if org_id else None
        )
    return data


@router.get("/people", response={200: Page[PersonOut], **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:view")
def person_list(request):
    """People you can see. Filters: worker_type, organization (id), independent; q; sort."""
    return _list(request, lists.PEOPLE, selectors.person_list(actor=request.auth), person_out)


@router.get("/people/export", response={200: None, **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:view")
def person_export(request, format: str = "csv"):  # noqa: A002
    return _export(request, lists.PEOPLE, selectors.person_list(actor=request.auth), format)


@router.post("/people", response={201: PersonOut, **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:add")
def person_create(request, payload: PersonIn):
    person = services.person_create(
        actor=request.auth, **_person_fields(request.auth, payload.dict())
    )
    return Status(201, person_out(person))


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:view")
def person_detail(request, person_id: UUID):
    return person_out(selectors.person_get(actor=request.auth, public_id=person_id))


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:change")
def person_update(request, person_id: UUID, payload: PersonPatch):
    person = selectors.person_get(actor=request.auth, public_id=person_id, action=CHANGE)
    fields = _person_fields(request.auth, payload.dict(exclude_unset=True))
    return person_out(services.person_update(actor=request.auth, person=person, **fields))


@router.delete("/people/{person_id}", response={204: None, **ERRORS}, tags=["people"])
@access_rule("ecosystem.person:delete")
def person_delete(request, person_id: UUID):
    person = selectors.person_get(actor=request.auth, public_id=person_id, action=DELETE)
    services.person_delete(actor=request.auth, person=person)
    return Status(204, None)


# -- relationships ---------------------------------------------------------------------------


@router.get(
    "/relationships", response={200: Page[RelationshipOut], **ERRORS}, tags=["relationships"]
)
@access_rule("ecosystem.relationship:view")
def relationship_list(request):
    """Relationships you can see. Filters: kind, state, organization (either end); q; sort."""
    return _list(
        request,
        lists.RELATIONSHIPS,
        selectors.relationship_list(actor=request.auth),
        relationship_out,
    )


@router.get("/relationships/export", response={200: None, **ERRORS}, tags=["relationships"])
@access_rule("ecosystem.relationship:view")
def relationship_export(request, format: str = "csv"):  # noqa: A002
    return _export(
        request, lists.RELATIONSHIPS, selectors.relationship_list(actor=request.auth), format
    )


@router.post("/relationships", response={201: RelationshipOut, **ERRORS}, tags=["relationships"])
@access_rule("ecosystem.relationship:add")
def relationship_create(request, payload: RelationshipIn):
    data = payload.dict()
    data["source"] = selectors.organization_get(actor=request.auth, public_id=data.pop("source_id"))
    data["target"] = selectors.organization_get(actor=request.auth, public_id=data.pop("target_id"))
    return Status(201, relationship_out(services.relationship_create(actor=request.auth, **data)))


@router.get(
    "/relationships/{rel_id}", response={200: RelationshipOut, **ERRORS}, tags=["relationships"]
)
@access_rule("ecosystem.relationship:view")
def relationship_detail(request, rel_id: UUID):
    return relationship_out(selectors.relationship_get(actor=request.auth, public_id=rel_id))


@router.patch(
    "/relationships/{rel_id}", response={200: RelationshipOut, **ERRORS}, tags=["relationships"]
)
@access_rule("ecosystem.relationship:change")
def relationship_update(request, rel_id: UUID, payload: RelationshipPatch):
    relationship = selectors.relationship_get(actor=request.auth, public_id=rel_id, action=CHANGE)
    return relationship_out(
        services.relationship_update(
            actor=request.auth, relationship=relationship, **payload.dict(exclude_unset=True)
        )
    )


@router.post(
    "/relationships/{rel_id}/transitions",
    response={200: RelationshipOut, **ERRORS},
    tags=["relationships"],
)
@access_rule("ecosystem.relationship:change")
def relationship_transition(request, rel_id: UUID, payload: TransitionIn):
    """Move a relationship along its lifecycle (proposed → active ⇄ suspended → ended)."""
    relationship = selectors.relationship_get(actor=request.auth, public_id=rel_id, action=CHANGE)
    return relationship_out(
        services.relationship_transition(
            actor=request.auth, relationship=relationship, **payload.dict()
        )
    )


@router.get(
    "/relationships/{rel_id}/history",
    response={200: list[StateChangeOut], **ERRORS},
    tags=["relationships"],
)
@access_rule("ecosystem.relationship:view")
def relationship_history(request, rel_id: UUID):
    relationship = selectors.relationship_get(actor=request.auth, public_id=rel_id)
    return list(selectors.relationship_history(actor=request.auth, relationship=relationship))


# -- person roles ----------------------------------------------------------------------------


@router.get("/person-roles", response={200: Page[PersonRoleOut], **ERRORS}, tags=["people"])
@access_rule("ecosystem.personrole:view")
def person_role_list(request):
    """Who works for, leads or is a contact at which organisation.

    Filters: kind, organization, person."""
    return _list(
        request, lists.PERSON_ROLES, selectors.person_role_list(actor=request.auth), person_role_out
    )


@router.post("/person-roles", response={201: PersonRoleOut, **ERRORS}, tags=["people"])
@access_rule("ecosystem.personrole:add")
def person_role_create(request, payload: PersonRoleIn):
    data = payload.dict()
    person = selectors.person_get(actor=request.auth, public_id=data.pop("person_id"))
    org = selectors.organization_get(actor=request.auth, public_id=data.pop("organization_id"))
    role = services.person_role_create(actor=request.auth, person=person, organization=org, **data)
    return Status(201, person_role_out(role))


@router.delete("/person-roles/{role_id}", response={204: None, **ERRORS}, tags=["people"])
@access_rule("ecosystem.personrole:delete")
def person_role_delete(request, role_id: UUID):
    role = selectors.person_role_get(actor=request.auth, public_id=role_id, action=DELETE)
    services.person_role_delete(actor=request.auth, person_role=role)
    return Status(204, None)
