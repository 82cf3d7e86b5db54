"""API schemas of deal registration."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class DealIn(Schema):
    partner_id: UUID = Field(description="A partner admin gives its own partner.")
    customer_id: UUID | None = Field(None, description="The customer, if it is in Ecosys.")
    customer_name: str = Field("", description="When the customer is not in Ecosys yet.")
    customer_domain: str = Field("", description="e.g. example.com")
    title: str
    description: str = ""
    estimated_value: Decimal = Field(max_digits=14, decimal_places=2)
    currency: str = Field(description="ISO 4217, e.g. EUR")
    expected_close_date: dt.date


class DealDecisionIn(Schema):
    decision: str = Field(description="approve or reject")
    reason: str = Field("", description="Needed to reject; told to the partner.")


class DealCloseIn(Schema):
    outcome: str = Field(description="won or lost")
    reason: str = ""


class DealStepOut(Schema):
    from_status: str
    to_status: str
    changed_by: str
    reason: str
    changed_at: dt.datetime


class DealConflictOut(Schema):
    id: UUID | None = Field(None, description="Orchestrator only.")
    title: str
    partner: str = Field(description="Orchestrator only (empty for partners).")
    protection_until: dt.date


class DealOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    customer_id: UUID | None
    customer_name: str
    customer_domain: str
    title: str
    description: str
    estimated_value: Decimal
    currency: str
    expected_close_date: dt.date
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    protection_until: dt.date | None
    protection_basis: str
    closed_at: dt.datetime | None
    registered_by: str | None
    created_at: dt.datetime


class DealDetailOut(DealOut):
    conflicts: list[DealConflictOut]
    history: list[DealStepOut]
