"""API schemas of the money part: terms, time, settlements, joint venture."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class InstalmentIn(Schema):
    due_date: dt.date
    fraction: Decimal = Field(description="Part of the payable due on that date; all add up to 1.")


class TermsIn(Schema):
    model: str = Field(description="consulting, subscription, gain_share or joint_venture")
    currency: str = Field(description="ISO 4217, e.g. EUR")
    period: str = Field("month", description="month or quarter")
    fee: Decimal | None = Field(None, description="Subscription fee per period.")
    included_hours: Decimal | None = Field(None, description="Hours included in the fee.")
    overage_rate: Decimal | None = Field(None, description="Per hour beyond the included hours.")
    included_people: int | None = Field(None, description="People included in the fee.")
    person_overage_rate: Decimal | None = Field(
        None, description="Per person beyond the included people, per period."
    )
    share: Decimal | None = Field(None, description="Gain share, 0..1 of the money benefit.")
    floor: Decimal | None = None
    cap: Decimal | None = None
    settle_on_lower_bound: bool = Field(
        False, description="Settle on the interval's lower bound instead of the point estimate."
    )
    schedule: list[InstalmentIn] = Field(default_factory=list)
    rates: dict[str, Decimal] = Field(
        default_factory=dict, description="Agreed bill rate per person id on this engagement."
    )


class InstalmentOut(Schema):
    due_date: dt.date
    fraction: str
    amount: str | None = None


class TermsOut(Schema):
    id: UUID
    engagement_id: UUID
    model: str
    currency: str
    period: str
    fee: Decimal | None
    included_hours: Decimal | None
    overage_rate: Decimal | None
    included_people: int | None
    person_overage_rate: Decimal | None
    share: Decimal | None
    floor: Decimal | None
    cap: Decimal | None
    settle_on_lower_bound: bool
    schedule: list[InstalmentOut]
    rates: dict[str, str]
    updated_at: dt.datetime


class TimeEntryIn(Schema):
    person_id: UUID
    work_date: dt.date
    hours: Decimal = Field(description="More than 0 and at most 24, two decimals.")
    note: str = ""


class TimeDecisionIn(Schema):
    decision: str = Field(description="approve or reject")
    reason: str = Field("", description="Needed to reject.")


class TimeEntryOut(Schema):
    id: UUID
    engagement_id: UUID
    person_id: UUID
    person: str
    work_date: dt.date
    hours: Decimal
    note: str
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    created_at: dt.datetime


class SettlementGenerateIn(Schema):
    day: dt.date | None = Field(
        None, description="A day in the month or quarter to settle (not needed for gain sharing)."
    )


class SettlementDecisionIn(Schema):
    decision: str = Field(description="accept or dispute")
    comment: str = Field("", description="Needed to dispute.")


class LineOut(Schema):
    label: str
    quantity: str
    unit: str
    rate: str
    amount: str


class SettlementOut(Schema):
    id: UUID
    engagement_id: UUID
    engagement: str
    customer: str
    period_start: dt.date
    period_end: dt.date
    model: str
    currency: str
    total: Decimal
    status: str
    issued_at: dt.datetime | None
    customer_comment: str
    decided_at: dt.datetime | None


class SettlementDetailOut(SettlementOut):
    lines: list[LineOut]
    schedule: list[InstalmentOut]
    inputs: dict
    inputs_hash: str
    recomputed_total: Decimal | None
    recomputed_matches: bool


class VentureShareIn(Schema):
    organization_id: UUID
    share: Decimal = Field(description="Above 0, at most 1, four decimals; all add up to 1.")


class VentureSharesIn(Schema):
    shares: list[VentureShareIn]


class VentureContributionIn(Schema):
    organization_id: UUID
    kind: str = Field(description="money or in_kind")
    amount: Decimal | None = Field(None, description="For money.")
    hours: Decimal | None = Field(None, description="For in kind.")
    rate: Decimal | None = Field(None, description="For in kind: value of an hour.")
    contributed_on: dt.date
    note: str = ""


class VentureDistributeIn(Schema):
    day: dt.date = Field(description="A day in the month or quarter whose result this is.")
    result: Decimal = Field(description="The venture's result for the period (a loss negative).")


class VentureOwnerOut(Schema):
    organization_id: UUID
    organization: str
    share: Decimal
    contributed_money: Decimal
    contributed_in_kind: Decimal
    hours_in_kind: Decimal
    distributed: Decimal


class VentureContributionOut(Schema):
    id: UUID
    organization_id: UUID
    organization: str
    kind: str
    amount: Decimal
    hours: Decimal | None
    rate: Decimal | None
    currency: str
    contributed_on: dt.date
    note: str


class VentureDistributionOut(Schema):
    id: UUID
    period_start: dt.date
    period_end: dt.date
    result: Decimal
    currency: str
    lines: list[LineOut]
    inputs_hash: str


class VentureOut(Schema):
    owners: list[VentureOwnerOut]
    contributions: list[VentureContributionOut]
    distributions: list[VentureDistributionOut]
