"""API schemas of the ecosystem: separate input and output shapes, ids as UUIDs."""

import datetime as dt
from uuid import UUID

from ninja import Schema
from pydantic import Field


class OrganizationRef(Schema):
    id: UUID
    name: str


class OrganizationOut(Schema):
    id: UUID
    name: str
    roles: list[str]
    region: str
    country: str
    industry: str
    size: str
    website_domain: str
    description: str
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class OrganizationIn(Schema):
    name: str = Field(max_length=200)
    roles: list[str]
    region: str = ""
    country: str = ""
    industry: str = ""
    size: str = ""
    website_domain: str = ""
    description: str = ""
    tags: list[str] = []


class OrganizationPatch(Schema):
    name: str | None = Field(None, max_length=200)
    roles: list[str] | None = None
    region: str | None = None
    country: str | None = None
    industry: str | None = None
    size: str | None = None
    website_domain: str | None = None
    description: str | None = None
    tags: list[str] | None = None


class PersonOut(Schema):
    id: UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    worker_type: str
    organization: OrganizationRef | None
    location: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonIn(Schema):
    first_name: str = ""
    last_name: str = Field(max_length=100)
    email: str = ""
    phone: str = ""
    title: str = ""
    worker_type: str
    organization_id: UUID | None = None
    location: str = ""


class PersonPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    worker_type: str | None = None
    organization_id: UUID | None = None
    location: str | None = None


class RelationshipOut(Schema):
    id: UUID
    source: OrganizationRef
    target: OrganizationRef
    kind: str
    state: str
    start_date: dt.date | None
    end_date: dt.date | None
    notes: str
    created_at: dt.datetime


class RelationshipIn(Schema):
    source_id: UUID
    target_id: UUID
    kind: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: str = ""


class RelationshipPatch(Schema):
    kind: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: str | None = None


class TransitionIn(Schema):
    to_state: str
    reason: str = ""


class StateChangeOut(Schema):
    from_state: str
    to_state: str
    changed_by: str
    reason: str
    changed_at: dt.datetime


class PersonRoleOut(Schema):
    id: UUID
    person: OrganizationRef
    organization: OrganizationRef
    kind: str
    start_date: dt.date | None
    end_date: dt.date | None


class PersonRoleIn(Schema):
    person_id: UUID
    organization_id: UUID
    kind: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
