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

from ecosys.portability.bundle_export import _Scope
from ecosys.portability.registry import Convert, declare, register_scope

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
    SettlementStatus,
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
    # Organisations whose people are only assigned to it see a few facts, not the engagement's
    # data: only the customer's share holds it.
    portal=lambda rows, actor: rows.filter(customer_id=actor.organization_id),
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
        "included_people",
        "person_overage_rate",
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
    # The customer never sees a draft statement (selectors_money.settlement_list).
    portal=lambda rows, actor: rows.exclude(status=SettlementStatus.DRAFT),
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


# ------------------------------------------------------------------------------- one engagement
class EngagementScope(_Scope):
    """One engagement's bundle: the engagement and everything of it (history, metrics,
    measurements, baseline versions, benefit results, report, roles, assignments, terms, time,
    settlements, venture records), its offering and theme, the skills its roles need, the
    people on it (customer team, assignments, time) and the organisations those references
    need (customer, the people's organisations, venture owners).

    For the orchestrator it holds all of that. For the engagement's customer it holds only what
    the customer's portal shows as well (the organisation scope's rules: the access policy,
    no draft settlements, only the customer's own people named by e-mail); a required
    reference to a row the customer cannot see keeps the UUID alone.
    """

    kind = "engagement"

    def __init__(self, workspace, engagement, organization=None):
        if organization is not None and organization.pk not in (
            workspace.orchestrator_id,
            engagement.customer_id,
        ):
            raise ValueError(
                "Only the orchestrator or the engagement's customer may export an engagement."
            )
        if engagement.workspace_id != workspace.pk:
            raise ValueError("The engagement belongs to another workspace.")
        customer = organization if organization is not None else None
        super().__init__(workspace, customer)
        self.kind = "engagement"
        self.engagement = engagement
        if self.actor is None:
            self.organization = None

    @property
    def narrowed(self) -> bool:
        return True

    def extra(self) -> dict:
        return {"engagement": str(self.engagement.public_id)}

    def fact_partners(self, partners):
        return partners.none()  # channel facts are not an engagement's

    def queryset(self, declaration):
        rows = _engagement_rows(declaration.model.objects.all(), declaration.entity, self)
        if self.actor is not None:  # the customer: also only what its portal shows
            rows = rows.filter(pk__in=super().queryset(declaration).values("pk"))
        return rows


def _engagement_rows(rows, entity: str, scope: EngagementScope):
    from ecosys.ecosystem.models import Organization, Person

    engagement = scope.engagement
    own = {
        "engagements.engagement": {"pk": engagement.pk},
        "engagements.measurement": {"metric__engagement": engagement},
        "engagements.assignment": {"role__engagement": engagement},
        "engagements.offering": {"pk": engagement.offering_id or 0},
        "engagements.theme": {"offerings": engagement.offering_id or 0},
        "engagements.skill": {
            "pk__in": EngagementRole.objects.filter(engagement=engagement).values("skill_id")
        },
    }
    child = {
        "engagements.engagementstatuschange",
        "engagements.metric",
        "engagements.baselineversion",
        "engagements.benefitresult",
        "engagements.outcomereport",
        "engagements.engagementrole",
        "engagements.commercialterms",
        "engagements.timeentry",
        "engagements.settlement",
        "engagements.ventureshare",
        "engagements.venturecontribution",
        "engagements.venturedistribution",
    }
    if entity in own:
        return rows.filter(**own[entity])
    if entity in child:
        return rows.filter(engagement=engagement)
    if entity in ("ecosystem.person", "ecosystem.organization"):
        people = set(engagement.customer_team.values_list("pk", flat=True))
        people.update(
            Assignment.objects.filter(role__engagement=engagement).values_list(
                "person_id", flat=True
            ),
            TimeEntry.objects.filter(engagement=engagement).values_list("person_id", flat=True),
        )
        if entity == "ecosystem.person":
            return rows.filter(pk__in=people)
        owners = {engagement.customer_id}
        owners.update(
            Person.objects.filter(pk__in=people, organization__isnull=False).values_list(
                "organization_id", flat=True
            )
        )
        for model in (VentureShare, VentureContribution):
            owners.update(
                model.objects.filter(engagement=engagement).values_list(
                    "organization_id", flat=True
                )
            )
        return rows.filter(pk__in=Organization.objects.filter(pk__in=owners).values("pk"))
    return rows.none()


def engagement_scope(workspace, *, organization=None, subject=None) -> EngagementScope:
    if subject is None:
        raise ValueError("An engagement scope needs the engagement.")
    return EngagementScope(workspace, subject, organization)


def may_export_engagement(actor, engagement) -> bool:
    """Who may export one engagement: the orchestrator's staff and admins, and the admins of
    the engagement's customer (their bundle holds only what their portal shows)."""
    from ecosys.core.models import Role

    if actor.is_orchestrator:
        return True
    return actor.role == Role.EXTERNAL_ADMIN and actor.organization_id == engagement.customer_id


register_scope("engagement", engagement_scope)
