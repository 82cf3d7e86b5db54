"""API schemas of the engagement cycle."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class WorkingGroupIn(Schema):
    name: str
    description: str = ""
    member_ids: list[UUID] = Field(default_factory=list, description="Customer organisations.")


class WorkingGroupOut(Schema):
    id: UUID
    name: str
    description: str
    members: list[str]
    member_ids: list[UUID]
    created_at: dt.datetime


class InitiativeIn(Schema):
    proposed_by_id: UUID | None = Field(
        None, description="The member organisation; a customer's admin proposes for its own."
    )
    title: str
    problem: str
    area: str = Field(
        description="business_processes, data_analytics, process_automation, "
        "inventory_control, customer_experience or other"
    )
    expected_benefit: str = ""
    expected_value: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    currency: str = ""


class RankIn(Schema):
    organization_id: UUID | None = Field(
        None, description="The member that ranks; a customer's admin ranks for its own."
    )
    initiative_ids: list[UUID] = Field(description="Most wanted first.")


class InitiativeOut(Schema):
    id: UUID
    group_id: UUID
    group: str
    proposed_by_id: UUID
    proposed_by: str
    title: str
    problem: str
    area: str
    expected_benefit: str
    expected_value: Decimal | None
    currency: str
    theme: str | None
    average_rank: float | None
    created_at: dt.datetime


class RankOut(Schema):
    initiative_id: UUID
    title: str
    rank: int


class ThemeRebuildIn(Schema):
    threshold: float = Field(0.85, description="Cosine distance at which groups stop joining.")


class ThemeDemandOut(Schema):
    id: UUID
    name: str
    keywords: list[str]
    initiatives: int
    members: int = Field(description="Member organisations that proposed an initiative in it.")
    rankers: int
    average_rank: float | None
    expected_value: dict[str, Decimal] = Field(description="Sum per currency.")
    offering_ids: list[UUID]


class OfferingMetricIn(Schema):
    name: str
    unit: str
    direction: str = Field(description="higher or lower")


class OfferingRoleIn(Schema):
    name: str
    skill: str = Field("", description="Skill public id (staffing part).")
    min_level: int
    share: Decimal = Field(description="Fraction of a week, 0 < share <= 1.")


class OfferingIn(Schema):
    name: str
    scope: str
    deliverables: str = ""
    theme_id: UUID | None = None
    metrics: list[OfferingMetricIn] = Field(default_factory=list)
    roles: list[OfferingRoleIn] = Field(default_factory=list)


class OfferingOut(Schema):
    id: UUID
    name: str
    scope: str
    deliverables: str
    theme_id: UUID | None
    theme: str | None
    metrics: list[dict]
    roles: list[dict]
    created_at: dt.datetime


class ToolIn(Schema):
    kind: str = Field(description="project_management, collaboration, financial_model, analysis")
    name: str
    url: str = ""


class EngagementIn(Schema):
    customer_id: UUID
    offering_id: UUID | None = None
    title: str
    scope: str = ""
    start_date: dt.date
    end_date: dt.date
    cadence: str = ""
    currency: str
    budget: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    onsite_required: bool = False
    language: str = ""
    tools: list[ToolIn] = Field(default_factory=list)
    commercial_model: str = "consulting"
    customer_team_ids: list[UUID] = Field(default_factory=list)


class EngagementPatchIn(Schema):
    title: str | None = None
    scope: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    cadence: str | None = None
    currency: str | None = None
    budget: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    onsite_required: bool | None = None
    language: str | None = None
    tools: list[ToolIn] | None = None
    commercial_model: str | None = None
    customer_team_ids: list[UUID] | None = None


class TransitionIn(Schema):
    to_status: str = Field(description="staffing, baseline, tracking, closed or back a step")
    reason: str = ""


class StepOut(Schema):
    from_status: str
    to_status: str
    changed_by: str
    reason: str
    changed_at: dt.datetime


class PersonOut(Schema):
    id: UUID
    name: str
    title: str


class MetricIn(Schema):
    name: str
    unit: str
    direction: str = Field(description="higher or lower")
    source: str = Field("entered", description="entered, imported or api")
    value_per_unit: Decimal = Field(max_digits=14, decimal_places=4)
    currency: str = ""
    target: Decimal | None = None
    plausible_min: Decimal | None = None
    plausible_max: Decimal | None = None
    comparison_label: str = ""


class ChannelPullIn(Schema):
    account: str
    measure: str


class ChannelPullOut(Schema):
    engagement: int
    comparison: int
    skipped: int


class MetricPatchIn(Schema):
    name: str | None = None
    unit: str | None = None
    direction: str | None = None
    source: str | None = None
    value_per_unit: Decimal | None = None
    currency: str | None = None
    target: Decimal | None = None
    plausible_min: Decimal | None = None
    plausible_max: Decimal | None = None
    comparison_label: str | None = None


class MetricOut(Schema):
    id: UUID
    engagement_id: UUID
    name: str
    unit: str
    direction: str
    source: str
    value_per_unit: Decimal
    currency: str
    target: Decimal | None
    plausible_min: Decimal | None
    plausible_max: Decimal | None
    comparison_label: str


class MeasurementIn(Schema):
    metric_id: UUID
    kind: str = Field(description="baseline, tracking or final")
    group: str = Field("engagement", description="engagement or comparison")
    period_start: dt.date
    value: str = Field(description="A decimal number, in the metric's unit.")
    unit: str = Field(description="Must be the metric's unit.")


class MeasurementOut(Schema):
    id: UUID
    engagement_id: UUID
    metric_id: UUID
    metric: str
    kind: str
    group: str
    unit: str
    period_start: dt.date
    value: Decimal
    baseline_version: int | None
    source: str
    entered_by: str | None
    created_at: dt.datetime


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    created: int
    errors: list[ImportErrorOut]


class BaselineVersionIn(Schema):
    note: str = ""


class CommentIn(Schema):
    comment: str = ""


class BaselineVersionOut(Schema):
    id: UUID
    engagement_id: UUID
    version: int
    status: str
    note: str
    customer_comment: str
    submitted_at: dt.datetime | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    values: int


class BenefitOut(Schema):
    metric_id: UUID
    metric: str
    method: str
    improvement: Decimal
    low: Decimal | None
    high: Decimal | None
    money: Decimal
    money_low: Decimal | None
    money_high: Decimal | None
    currency: str
    inputs: dict
    computed_at: dt.datetime


class ReportIssueIn(Schema):
    summary: str = ""


class ReportDecisionIn(Schema):
    decision: str = Field(description="confirm or dispute")
    comment: str = ""


class ReportOut(Schema):
    engagement_id: UUID
    status: str
    summary: str
    issued_at: dt.datetime | None
    customer_comment: str
    decided_by: str | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None


class EngagementOut(Schema):
    id: UUID
    customer_id: UUID
    customer: str
    offering_id: UUID | None
    offering: str | None
    title: str
    scope: str
    start_date: dt.date
    end_date: dt.date
    cadence: str
    status: str
    lead: str | None
    currency: str
    budget: Decimal | None
    onsite_required: bool
    language: str
    tools: list[dict]
    commercial_model: str
    measurement_closed_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime


class EngagementDetailOut(EngagementOut):
    customer_team: list[PersonOut]
    metrics: list[MetricOut]
    baseline_versions: list[BaselineVersionOut]
    benefit: list[BenefitOut]
    report: ReportOut | None
    history: list[StepOut]
