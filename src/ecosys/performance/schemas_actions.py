"""API input and output of warnings, playbooks, interventions, escalation and termination."""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class WarningOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    kind: str
    measure: str
    change_period: dt.date
    magnitude: float
    before: float | None
    after: float | None
    confidence: float
    explanation: str
    status: str
    snoozed_until: dt.date | None
    status_reason: str
    status_by: str
    status_at: dt.datetime | None
    detected_at: dt.datetime
    last_seen_at: dt.datetime


class WarningDetailOut(WarningOut):
    series: dict[str, Any]
    suggested_playbook_id: UUID | None = Field(
        None, description="The active playbook matching this warning best (orchestrator only)."
    )


class WarningStatusIn(Schema):
    status: str = Field(description="acknowledged, snoozed, dismissed or open (reopen)")
    reason: str = Field("", max_length=500, description="Required to dismiss.")
    snoozed_until: dt.date | None = Field(None, description="Required to snooze; after today.")


class PlaybookStepIO(Schema):
    title: str
    side: str = Field("orchestrator", description="orchestrator (our team) or partner")
    due_days: int = Field(10, description="Due this many days after the intervention opens.")


class PlaybookIn(Schema):
    name: str = Field(max_length=120)
    description: str = ""
    warning_kind: str = Field("", description="level_shift, trend_break, …; empty: any")
    measure: str = Field("", description="A measure code; empty: any")
    min_drop: float | None = Field(None, description="Applies when the drop is at least (0.2)")
    score_band: str = Field("", description="A score band name; empty: any")
    active: bool = True
    steps: list[PlaybookStepIO]


class PlaybookOut(Schema):
    id: UUID
    name: str
    description: str
    warning_kind: str
    measure: str
    min_drop: float | None
    score_band: str
    active: bool
    steps: list[PlaybookStepIO]


class InterventionIn(Schema):
    warning_id: UUID | None = Field(None, description="Open it from this warning…")
    partner_id: UUID | None = Field(None, description="…or on this partner by hand.")
    playbook_id: UUID | None = Field(None, description="Its steps become tasks.")
    owner: str | None = Field(None, description="E-mail of an orchestrator member.")
    title: str = ""
    measure: str = Field("", description="By hand: the measure to follow.")
    due_date: dt.date | None = Field(None, description="Default: the last task's due date.")


class TaskOut(Schema):
    id: UUID
    title: str
    side: str
    due_date: dt.date
    done_at: dt.datetime | None
    done_by: str


class OutcomeCheckOut(Schema):
    latest: float
    period: dt.date
    baseline: float | None
    target: float | None
    suggestion: str
    explanation: str


class InterventionOut(Schema):
    id: UUID
    title: str
    partner_id: UUID
    partner: str
    warning_id: UUID | None
    owner: str | None
    measure: str
    baseline_value: float | None
    due_date: dt.date
    overdue: bool
    status: str
    escalation_level: int
    outcome: str
    outcome_note: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class InterventionDetailOut(InterventionOut):
    playbook_id: UUID | None
    tasks: list[TaskOut]
    outcome_check: OutcomeCheckOut | None = Field(
        None, description="Did the measure recover? (orchestrator only)"
    )


class TaskIn(Schema):
    title: str = Field(max_length=200)
    side: str = "orchestrator"
    due_date: dt.date


class TaskDoneIn(Schema):
    done: bool = True


class CloseIn(Schema):
    outcome: str = Field(description="recovered, partly or not_recovered")
    note: str = ""


class CancelIn(Schema):
    reason: str


class EscalationContactIn(Schema):
    level: int = Field(description="1: a channel manager's manager; 2: programme leadership")
    user: str = Field(description="E-mail of the orchestrator member told.")
    manages: str | None = Field(None, description="Level 1: the channel manager's e-mail.")
    program_id: UUID | None = Field(None, description="Level 2: the programme (empty: all).")


class EscalationContactOut(Schema):
    id: UUID
    level: int
    user: str
    manages: str | None
    program_id: UUID | None
    program: str | None


class TerminationIn(Schema):
    intervention_id: UUID
    reason: str


class TerminationDecisionIn(Schema):
    decision: str = Field(description="approve or reject")
    reason: str
    effective_date: dt.date | None = Field(
        None, description="Approval: when the retirement takes effect (default in 30 days)."
    )


class TerminationOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    intervention_id: UUID | None
    status: str
    reason: str
    evidence: dict[str, Any]
    proposed_by: str
    decided_by: str
    decision_reason: str
    continuity_plan_id: UUID | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
