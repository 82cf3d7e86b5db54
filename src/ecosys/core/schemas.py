"""API schemas of the core: shared list envelope, errors, tokens, audit events, imports."""

import datetime as dt
from typing import Generic, TypeVar
from uuid import UUID

from ninja import Schema
from pydantic import Field

T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description="Matching rows, exact up to 1,000 (see count_exact).")
    count_exact: bool = Field(description="False when more than 1,000 rows match.")
    page: int
    per_page: int
    pages: int | None = Field(description="Number of pages; null when the count is not exact.")
    has_next: bool = Field(description="Whether page + 1 has rows: page through with it.")
    results: list[T]


class Detail(Schema):
    detail: str


class MeOut(Schema):
    email: str
    name: str
    workspace: str
    organization_id: UUID
    organization: str
    role: str
    is_orchestrator: bool
    token_scope: str | None


class TokenIn(Schema):
    name: str = Field(max_length=100)
    scope: str = "read"
    expires_in_days: int = 90


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    scope: str
    owner: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret; shown this once and never again.")


class AuditEventOut(Schema):
    id: UUID
    created_at: dt.datetime
    actor: str
    channel: str
    action: str
    target_type: str
    target_id: UUID | None
    target: str
    changes: dict


class ImportJobOut(Schema):
    id: UUID
    kind: str
    file_name: str
    status: str
    total_rows: int
    processed_rows: int
    percent: int
    created_count: int
    updated_count: int
    errors: list[dict]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class MemberOut(Schema):
    id: UUID
    email: str
    name: str
    organization_id: UUID
    organization: str
    role: str
    is_active: bool
    invited: bool = Field(description="True until the member has chosen a password.")


class MemberIn(Schema):
    email: str
    first_name: str = ""
    last_name: str = ""
    role: str
    organization_id: UUID | None = Field(None, description="Default: your own organisation.")


class MemberActiveIn(Schema):
    active: bool


class ShareOut(Schema):
    id: UUID
    target_type: str
    target_id: UUID
    organization_id: UUID
    organization: str
    access: str
    created_at: dt.datetime


class ShareIn(Schema):
    target_type: str = Field(
        description="ecosystem.organization, ecosystem.person or ecosystem.relationship"
    )
    target_id: UUID
    organization_id: UUID
    access: str = "read"


class JobRunOut(Schema):
    id: UUID
    job: str
    job_label: str
    status: str
    requested_by: str | None = Field(description="Who asked for it; null: the daily schedule.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: dict | int | float | None = Field(description="What the run did, e.g. {'sent': 3}.")
    error: str


class JobRunIn(Schema):
    job: str = Field(description="A daily job's name, e.g. partners.agreements_review.")
