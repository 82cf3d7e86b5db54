"""What the performance app puts in the exit bundle (see ecosys.portability.registry).

Channel facts themselves are Parquet files of the analytics store; the exporter copies them.
"""

from ecosys.portability.registry import declare

from .models import (
    EarlyWarning,
    EscalationContact,
    ExchangeRate,
    Intervention,
    InterventionTask,
    PartnerScore,
    Playbook,
    PlaybookStep,
    Product,
    ProductLine,
    Scorecard,
    ScorecardMeasure,
    TerminationProposal,
)

declare(ProductLine, fields=["name", "description"])
declare(Product, fields=["sku", "name"], refs=["line"])
declare(ExchangeRate, fields=["currency", "month", "rate"])
declare(
    Scorecard,
    fields=["name", "description", "region", "is_default", "bands", "created_at"],
    refs=["program", "tier"],
)
declare(
    ScorecardMeasure,
    fields=["measure", "weight", "method", "target"],
    refs=["scorecard"],
)
declare(
    PartnerScore,
    fields=[
        "period",
        "score",
        "band",
        "rank",
        "segment_size",
        "trend",
        "measures",
        "normalised",
        "watch",
        "computed_at",
    ],
    refs=["partner", "scorecard"],
)
declare(
    EarlyWarning,
    fields=[
        "kind",
        "measure",
        "change_period",
        "magnitude",
        "before",
        "after",
        "confidence",
        "statistic",
        "explanation",
        "series",
        "status",
        "snoozed_until",
        "status_reason",
        "status_by",
        "status_at",
        "detected_at",
        "last_seen_at",
    ],
    refs=["partner"],
)
declare(
    Playbook,
    fields=["name", "description", "warning_kind", "measure", "min_drop", "score_band", "active"],
)
declare(
    PlaybookStep,
    fields=["position", "title", "side", "due_days"],
    refs=["playbook"],
    portal_via="playbook",
)
declare(
    Intervention,
    fields=[
        "title",
        "measure",
        "baseline_value",
        "due_date",
        "status",
        "escalation_level",
        "escalated_at",
        "outcome",
        "outcome_note",
        "created_by",
        "created_at",
        "closed_at",
    ],
    refs=["partner", "warning", "playbook"],
    users=["owner"],
)
declare(
    InterventionTask,
    fields=["title", "side", "due_date", "done_at", "done_by"],
    refs=["intervention"],
    users=["assignee"],
)
declare(
    TerminationProposal,
    fields=[
        "reason",
        "evidence",
        "status",
        "proposed_by",
        "decided_by",
        "decision_reason",
        "created_at",
        "decided_at",
    ],
    refs=["partner", "intervention", "continuity_plan"],
)
declare(EscalationContact, fields=["level"], refs=["program"], users=["user", "manages"])
