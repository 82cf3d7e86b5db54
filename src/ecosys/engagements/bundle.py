"""What the engagements app puts in the exit bundle (see ecosys.portability.registry).

Everything of the engagement cycle (working groups, initiatives and their ranks, themes,
offerings, engagements with their history, metrics, baseline versions, measurements, benefit
results, outcome reports), of the workforce (skills, people's skills, worker profiles,
availability, engagement roles, assignments) and of the money part (commercial terms, time,
settlements, venture shares, contributions and distributions).

Staffing runs are not in the bundle (``NOT_IN_BUNDLE``): a run is a background job of the
optimiser (its progress, timing and the suggestions of that moment); what it produced, the
assignments with their explanations, is declared, without the link back to the run.

Two JSON values name records by UUID and are converted (so that ``new_ids`` keeps them
pointing at the right records): an offering's roles name a skill, and commercial terms key
their agreed rates by person. The inputs stored with a settlement, a venture distribution or
a benefit result are kept exactly as computed: they are the record of what was computed and
``inputs_hash`` is their hash.
"""

from ecosys.portability.registry import Convert, declare

from .models import (
    Assignment,
    Availability,
    BaselineVersion,
    BenefitResult,
    CommercialTerms,
    Engagement,
    EngagementRole,
    EngagementStatusChange,
    Initiative,
    InitiativeRank,
    Measurement,
    Metric,
    Offering,
    OutcomeReport,
    PersonSkill,
    Settlement,
    Skill,
    Theme,
    TimeEntry,
    VentureContribution,
    VentureDistribution,
    VentureShare,
    WorkerProfile,
    WorkingGroup,
)


def _roles_load(value, ids):
    """An offering's roles: the skill each names (by UUID, or by name) follows new ids."""
    if not isinstance(value, list):
        return value
    return [
        {**role, "skill": ids.uuid(role["skill"])}
        if isinstance(role, dict) and isinstance(role.get("skill"), str)
        else role
        for role in value
    ]


def _rates_load(value, ids):
    """Agreed rates keyed by person UUID: the keys follow new ids."""
    if not isinstance(value, dict):
        return value
    return {ids.uuid(key): rate for key, rate in value.items()}


def _same(value, ids):
    return value


OFFERING_ROLES = Convert(dump=_same, load=_roles_load)
TERMS_RATES = Convert(dump=_same, load=_rates_load)

# ------------------------------------------------------------------------------- cycle
declare(WorkingGroup, fields=["name", "description", "created_at"], refs=["members"])
declare(Theme, fields=["name", "keywords", "created_at"])
declare(
    Initiative,
    fields=[
        "title",
        "problem",
        "area",
        "expected_benefit",
        "expected_value",
        "currency",
        "created_at",
    ],
    refs=["group", "proposed_by", "theme"],
)
declare(InitiativeRank, fields=["rank"], refs=["initiative", "organization"])
declare(
    Offering,
    fields=["name", "scope", "deliverables", "metrics", "roles", "created_at"],
    refs=["theme"],
    convert={"roles": OFFERING_ROLES},
    after=["engagements.skill"],
)
declare(
    Engagement,
    fields=[
        "title",
        "scope",
        "start_date",
        "end_date",
        "cadence",
        "status",
        "currency",
        "budget",
        "onsite_required",
        "language",
        "tools",
        "commercial_model",
        "measurement_closed_at",
        "closed_at",
        "created_at",
    ],
    refs=["customer", "offering", "customer_team"],
    users=["lead"],
)
declare(
    EngagementStatusChange,
    fields=["from_status", "to_status", "changed_by", "reason", "changed_at"],
    refs=["engagement"],
)
declare(
    Metric,
    fields=[
        "name",
        "unit",
        "direction",
        "source",
        "value_per_unit",
        "currency",
        "target",
        "plausible_min",
        "plausible_max",
        "comparison_label",
        "created_at",
    ],
    refs=["engagement"],
)
declare(
    BaselineVersion,
    fields=[
        "version",
        "status",
        "note",
        "customer_comment",
        "submitted_at",
        "confirmed_at",
        "created_at",
    ],
    refs=["engagement"],
    users=["confirmed_by"],
)
declare(
    Measurement,
    fields=["kind", "group", "unit", "period_start", "value", "source", "created_at"],
    refs=["metric", "baseline_version"],
    users=["entered_by"],
)
declare(
    BenefitResult,
    fields=[
        "method",
        "improvement",
        "low",
        "high",
        "money",
        "money_low",
        "money_high",
        "currency",
        "inputs",
        "computed_at",
    ],
    refs=["engagement", "metric"],
)
declare(
    OutcomeReport,
    fields=["status", "summary", "issued_at", "customer_comment", "decided_at", "closed_at"],
    refs=["engagement"],
    users=["issued_by", "decided_by"],
)

# ------------------------------------------------------------------------------- workforce
declare(Skill, fields=["name", "category", "description", "created_at"])
declare(
    PersonSkill,
    fields=["level", "evidence", "updated_at"],
    refs=["person", "skill", "certificate"],
)
declare(
    WorkerProfile,
    fields=[
        "cost_rate",
        "bill_rate",
        "currency",
        "location",
        "remote",
        "onsite",
        "languages",
        "weekly_capacity",
        "hours_per_week",
        "updated_at",
    ],
    refs=["person"],
)
declare(Availability, fields=["week_start", "fraction"], refs=["person"])
declare(
    EngagementRole,
    fields=[
        "name",
        "min_level",
        "share",
        "start_date",
        "end_date",
        "onsite",
        "language",
        "created_at",
    ],
    refs=["engagement", "skill"],
)
declare(
    Assignment,
    fields=[
        "share",
        "start_date",
        "end_date",
        "status",
        "locked",
        "source",
        "explanation",
        "notified_at",
        "created_at",
    ],
    refs=["role", "person"],
)

# ------------------------------------------------------------------------------- money
declare(
    CommercialTerms,
    fields=[
        "model",
        "currency",
        "period",
        "fee",
        "included_hours",
        "overage_rate",
        "share",
        "floor",
        "cap",
        "settle_on_lower_bound",
        "schedule",
        "rates",
        "updated_at",
    ],
    refs=["engagement"],
    convert={"rates": TERMS_RATES},
    after=["ecosystem.person"],
)
declare(
    TimeEntry,
    fields=["work_date", "hours", "note", "status", "decided_at", "decision_reason", "created_at"],
    refs=["engagement", "person"],
    users=["entered_by", "decided_by"],
)
declare(
    Settlement,
    fields=[
        "period_start",
        "period_end",
        "model",
        "currency",
        "total",
        "lines",
        "schedule",
        "inputs",
        "inputs_hash",
        "status",
        "generated_at",
        "issued_at",
        "customer_comment",
        "decided_at",
    ],
    refs=["engagement"],
    users=["generated_by", "decided_by"],
)
declare(VentureShare, fields=["share"], refs=["engagement", "organization"])
declare(
    VentureContribution,
    fields=[
        "kind",
        "amount",
        "hours",
        "rate",
        "currency",
        "note",
        "contributed_on",
        "created_at",
    ],
    refs=["engagement", "organization"],
)
declare(
    VentureDistribution,
    fields=[
        "period_start",
        "period_end",
        "result",
        "currency",
        "lines",
        "inputs",
        "inputs_hash",
        "created_at",
    ],
    refs=["engagement"],
)
