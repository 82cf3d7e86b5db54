"""API schemas of the performance configuration."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class Ref(Schema):
    id: UUID
    name: str


class ChannelSettingsOut(Schema):
    base_currency: str
    warning_sensitivity: str
    warning_recent_months: int
    warning_min_change: Decimal
    report_recipients: list[str]
    escalate_overdue_days: int
    escalate_stalled_days: int
    dirty_from: dt.date | None = Field(None, description="Scores from this month on are stale.")
    computed_at: dt.datetime | None


class ChannelSettingsPatch(Schema):
    base_currency: str | None = Field(
        None, description="ISO 4217; changing it recomputes every month."
    )
    warning_sensitivity: str | None = Field(None, description="low, normal or high.")
    warning_recent_months: int | None = None
    warning_min_change: Decimal | None = Field(None, description="0.15 = 15%.")
    report_recipients: list[str] | None = Field(None, description="E-mail addresses.")
    escalate_overdue_days: int | None = None
    escalate_stalled_days: int | None = None


class ProductLineIn(Schema):
    name: str
    description: str = ""


class ProductLineOut(Schema):
    id: UUID
    name: str
    description: str
    product_count: int


class ProductIn(Schema):
    sku: str
    name: str
    product_line_id: UUID


class ProductOut(Schema):
    id: UUID
    sku: str
    name: str
    product_line: Ref


class ExchangeRateIn(Schema):
    currency: str = Field(description="ISO 4217, not the base currency.")
    month: str = Field(description="YYYY-MM (a full date is taken as its month).")
    rate: Decimal = Field(description="One unit of the currency in the base currency; > 0.")


class ExchangeRateOut(Schema):
    id: UUID
    currency: str
    month: dt.date
    rate: Decimal
    created: bool | None = Field(None, description="On a set: whether the rate was new.")


class BandIO(Schema):
    name: str
    min: float
    colour: str = Field(description="#rrggbb")


class MeasureIn(Schema):
    measure: str = Field(
        description="A code from the measure registry (GET /performance/scorecard-measures)."
    )
    weight: int = Field(description="1-100")
    method: str = Field("percentile", description="percentile or target")
    target: float | None = Field(None, description="Required (> 0) for the target method.")


class MeasureOut(MeasureIn):
    label: str
    share: float = Field(description="Per cent of the score this measure counts for.")


class ScorecardIn(Schema):
    name: str
    description: str = ""
    program_id: UUID | None = None
    tier_id: UUID | None = Field(None, description="A tier of the programme.")
    region: str = ""
    is_default: bool | None = Field(None, description="Omitted: unchanged (new: not default).")
    bands: list[BandIO] | None = Field(None, description="Lowest first; default bands if none.")
    measures: list[MeasureIn]


class ScorecardOut(Schema):
    id: UUID
    name: str
    description: str
    program: Ref | None
    tier: Ref | None
    region: str
    is_default: bool
    applies_to: str
    bands: list[BandIO]
    measures: list[MeasureOut]
    weight_total: int
    partner_count: int | None = Field(None, description="Orchestrator only.")


class MeasureChoiceOut(Schema):
    code: str
    label: str
    unit: str
    channel: bool
