"""API schemas of separations."""

import datetime as dt
from uuid import UUID

from ninja import Schema
from pydantic import Field

from ecosys.ecosystem.schemas import OrganizationRef


class SeparationIn(Schema):
    organization_id: UUID | None = Field(
        None, description="The leaving organisation; an external admin may leave it out (its own)."
    )
    reason: str
    effective_date: dt.date
    transition_end: dt.date | None = None
    data_retrieval_until: dt.date | None = None
    data_handling: str = Field("erase", description="erase or retain")
    retention_note: str = ""


class SeparationItemOut(Schema):
    id: UUID
    kind: str
    label: str
    target_type: str | None
    target_id: UUID | None
    decision: str
    successor: str | None
    note: str
    decided_by: str | None
    decided_at: dt.datetime | None


class ChecklistStepOut(Schema):
    key: str
    label: str
    done: bool
    detail: str


class BundleDeliveryOut(Schema):
    id: UUID
    file_name: str
    sha256: str
    size_bytes: int
    delivered_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None


class ErasureCertificateOut(Schema):
    erased_at: dt.datetime
    erased_by: str
    counts: dict[str, int]
    bundle_sha256: str


class SeparationOut(Schema):
    id: UUID
    organization: OrganizationRef
    partner_id: UUID | None
    status: str
    started_by_side: str
    reason: str
    notice_days: int
    effective_date: dt.date
    transition_end: dt.date
    data_retrieval_until: dt.date
    data_handling: str
    access_revoked_at: dt.datetime | None
    closing_why: str
    closing_delivered: str
    closing_invitation: str
    completed_at: dt.datetime | None


class SeparationDetailOut(SeparationOut):
    items: list[SeparationItemOut]
    checklist: list[ChecklistStepOut]
    deliveries: list[BundleDeliveryOut]
    erasure: ErasureCertificateOut | None


class SeparationItemDecideIn(Schema):
    decision: str = Field(description="transfer, back, close or revoke (as the item's kind allows)")
    successor_id: UUID | None = None
    note: str = ""


class BundleDeliveryIn(Schema):
    file_name: str
    sha256: str = Field(description="SHA-256 of the bundle file, 64 hexadecimal characters")
    size_bytes: int


class SeparationCompleteIn(Schema):
    why: str
    delivered: str
    invitation: str


class SeparationCancelIn(Schema):
    reason: str
