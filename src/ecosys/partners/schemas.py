"""API schemas of the partner lifecycle."""

import datetime as dt
from uuid import UUID

from ninja import Schema
from pydantic import Field

from ecosys.ecosystem.schemas import OrganizationRef


class FitLine(Schema):
    attribute: str
    wanted: list[str]
    actual: list[str]
    weight: int
    matched: bool


class PartnerOut(Schema):
    id: UUID
    organization: OrganizationRef
    state: str
    state_changed_at: dt.datetime
    owner: str | None
    next_step: str
    next_step_due: dt.date | None
    fit_profile_id: UUID | None = Field(None, description="Orchestrator only.")
    fit_score: int | None = Field(None, description="0-100; orchestrator only.")
    fit_explanation: list[FitLine] = Field(default_factory=list, description="Orchestrator only.")


class PartnerIn(Schema):
    organization_id: UUID
    state: str = "prospect"
    owner: str | None = Field(None, description="E-mail of an orchestrator member.")
    next_step: str = ""
    next_step_due: dt.date | None = None
    fit_profile_id: UUID | None = None


class PartnerPatch(Schema):
    owner: str | None = None
    next_step: str | None = None
    next_step_due: dt.date | None = None
    fit_profile_id: UUID | None = None


class PartnerTransitionIn(Schema):
    to_state: str
    reason: str = ""


class TimelineOut(Schema):
    from_state: str
    to_state: str
    changed_by: str
    reason: str
    changed_at: dt.datetime


class CriterionIn(Schema):
    attribute: str
    values: list[str]
    weight: int


class ProfileOut(Schema):
    id: UUID
    name: str
    description: str
    criteria: list[CriterionIn]


class ProfileIn(Schema):
    name: str = Field(max_length=120)
    description: str = ""
    criteria: list[CriterionIn]


class ApplicationIn(Schema):
    company_name: str
    website_domain: str
    country: str
    region: str = ""
    partner_type: str
    contact_name: str
    contact_email: str
    message: str = ""
    token: str = Field(description="From GET /public/{slug}/application-token, at least 3 s old.")


class ApplicationReceipt(Schema):
    received: bool
    message: str


class DecisionOut(Schema):
    step: str
    decision: str
    decided_by: str | None
    comment: str
    decided_at: dt.datetime


class ApplicationOut(Schema):
    id: UUID
    company_name: str
    website_domain: str
    country: str
    region: str
    partner_type: str
    contact_name: str
    contact_email: str
    message: str
    status: str
    current_step: str | None
    partner_id: UUID | None
    created_at: dt.datetime
    decisions: list[DecisionOut]


class DecisionIn(Schema):
    decision: str = Field(description="approve, reject (needs a comment) or comment")
    comment: str = ""


class ApprovalStepIO(Schema):
    name: str
    approvers: list[str] = Field(description="E-mails of orchestrator admins or staff.")


class TemplateIn(Schema):
    name: str = Field(max_length=150)
    description: str = ""


class VersionIn(Schema):
    terms: str
    term_months: int = 12
    renewal: str = "fixed"
    notice_days: int = 60
    territory: str = ""
    exclusive: bool = False
    exit_clause: str
    data_return_clause: str


class VersionOut(VersionIn):
    id: UUID
    template: str
    number: int
    published_at: dt.datetime


class AgreementOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    template: str
    version: int
    version_id: UUID
    status: str
    start_date: dt.date
    end_date: dt.date
    notice_date: dt.date
    accepted_by: str | None
    accepted_at: dt.datetime | None
    accepted_from: str | None
    decline_reason: str


class AgreementIssueIn(Schema):
    partner_id: UUID
    version_id: UUID
    start_date: dt.date


class AgreementDecisionIn(Schema):
    decision: str = Field(description="accept or decline")
    version: int = Field(0, description="The version number you read (accept).")
    reason: str = Field("", description="Why you decline.")


class TierIO(Schema):
    name: str
    criteria: dict[str, str | int | float] = Field(
        default_factory=dict, description="metric: minimum"
    )
    benefits: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="benefit: value"
    )


class ProgramIn(Schema):
    name: str = Field(max_length=120)
    description: str = ""
    tiers: list[TierIO]


class ProgramOut(Schema):
    id: UUID
    name: str
    description: str
    tiers: list[TierIO]


class EnrollIn(Schema):
    program_id: UUID | None


class ProposalOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    program: str
    current_tier: str | None
    proposed_tier: str
    figures: dict[str, str]
    status: str
    decided_tier: str | None
    reason: str
    created_at: dt.datetime


class ProposalDecisionIn(Schema):
    decision: str = Field(
        description="approve, override (with tier_rank and reason) or dismiss (with reason)"
    )
    tier_rank: int | None = None
    reason: str = ""


class PlanIn(Schema):
    effective_date: dt.date
    reason: str


class PlanItemOut(Schema):
    id: UUID
    kind: str
    label: str
    resolution: str
    successor: str | None
    note: str


class PlanOut(Schema):
    id: UUID
    partner_id: UUID
    effective_date: dt.date
    reason: str
    status: str
    items: list[PlanItemOut]


class ItemResolutionIn(Schema):
    resolution: str = Field(description="reassigned (customer relationships) or closed")
    successor_id: UUID | None = None
    note: str = ""


class ListingIn(Schema):
    published: bool = False
    show_website: bool = True
    show_description: bool = True
    capabilities: str = ""
    contact_email: str = ""


class PublicPartnerOut(Schema):
    name: str
    region: str
    country: str
    roles: list[str]
    website: str
    description: str
    capabilities: list[str]
    contact_email: str
