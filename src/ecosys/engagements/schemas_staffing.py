"""API schemas of the competency inventory and staffing."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class SkillIn(Schema):
    name: str
    category: str = ""
    description: str = ""


class SkillOut(Schema):
    id: UUID
    name: str
    category: str
    description: str


class PersonSkillIn(Schema):
    skill_id: UUID
    level: int = Field(ge=1, le=5)
    evidence: str = ""
    certificate_id: UUID | None = Field(None, description="A readiness certificate of the person.")


class PersonSkillOut(Schema):
    id: UUID
    person_id: UUID
    person: str
    skill_id: UUID
    skill: str
    level: int
    evidence: str
    certificate_code: str | None


class ProfileIn(Schema):
    cost_rate: Decimal = Field(max_digits=12, decimal_places=2, description="Cost per hour.")
    bill_rate: Decimal = Field(max_digits=12, decimal_places=2, description="Billed per hour.")
    currency: str = "EUR"
    hours_per_week: Decimal = Decimal("40")
    weekly_capacity: Decimal = Field(Decimal("1"), description="Usual share of a full week.")
    location: str = ""
    remote: bool = True
    onsite: bool = True
    languages: list[str] = []


class ProfileOut(ProfileIn):
    person_id: UUID


class AvailabilityIn(Schema):
    start: dt.date = Field(description="Any day of the first week.")
    end: dt.date = Field(description="Any day of the last week.")
    fraction: Decimal = Field(description="Share of a full week, 0..1.")


class WeekOut(Schema):
    week: dt.date
    available: float
    allocated: float
    over: bool


class RoleIn(Schema):
    name: str
    skill_id: UUID
    min_level: int = Field(ge=1, le=5)
    share: Decimal = Field(description="Share of a full week in every week of the period.")
    start_date: dt.date
    end_date: dt.date
    onsite: bool = False
    language: str = ""


class RoleOut(Schema):
    id: UUID
    engagement_id: UUID
    name: str
    skill_id: UUID
    skill: str
    min_level: int
    share: Decimal
    start_date: dt.date
    end_date: dt.date
    onsite: bool
    language: str
    filled: float


class AssignmentIn(Schema):
    person_id: UUID
    share: Decimal
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    locked: bool = False


class AssignmentDecisionIn(Schema):
    accept: bool | None = None
    locked: bool | None = None


class AssignmentOut(Schema):
    id: UUID
    engagement_id: UUID
    engagement: str
    role_id: UUID
    role: str
    person_id: UUID
    person: str
    share: Decimal
    start_date: dt.date
    end_date: dt.date
    status: str
    locked: bool
    source: str
    explanation: str


class RunOut(Schema):
    id: UUID
    engagement_id: UUID
    status: str
    progress: int
    message: str
    method: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float | None
    candidates: int
    unfilled: list[dict]
    suggestions: list[dict]
    created_at: dt.datetime


class AlignmentIn(Schema):
    offering_id: UUID | None = None
    engagement_id: UUID | None = None


class AlignmentOut(Schema):
    name: str
    skill: str | None
    min_level: int
    qualify: int
    own: int
    ecosystem: int
    cross_training: int
    ecosystem_must_supply: bool
    where: str


class UtilisationOut(Schema):
    person_id: UUID
    person: str
    weeks: list[dt.date]
    allocated: list[float]
    available: list[float]
    over_weeks: list[dt.date]
