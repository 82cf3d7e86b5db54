"""Reads of the engagement cycle, narrowed by the access policy."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg, BooleanField, Case, Count, Prefetch, QuerySet, Value, When

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import (
    Assignment,
    AssignmentStatus,
    BaselineStatus,
    BaselineVersion,
    BenefitResult,
    Engagement,
    EngagementStatusChange,
    Initiative,
    InitiativeRank,
    Measurement,
    MeasurementGroup,
    MeasurementKind,
    Metric,
    Offering,
    OutcomeReport,
    Theme,
    WorkingGroup,
)


def working_group_list(*, actor: Actor, action: str = VIEW) -> QuerySet[WorkingGroup]:
    return restrict(WorkingGroup.objects.all(), actor, action).annotate(
        member_count=Count("members", distinct=True),
        initiative_count=Count("initiatives", distinct=True),
    )


def working_group_get(*, actor: Actor, public_id, action: str = VIEW) -> WorkingGroup:
    return get_visible(WorkingGroup.objects.all(), actor, action=action, public_id=public_id)


def group_members(*, group: WorkingGroup) -> list:
    return list(group.members.order_by("name"))


def initiative_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Initiative]:
    # distinct: a row visible through several member organisations would repeat.
    rows = restrict(Initiative.objects.all(), actor, action)
    if not actor.is_orchestrator:
        rows = Initiative.objects.filter(pk__in=rows.values("pk"))
    return rows.select_related("group", "proposed_by", "theme").annotate(
        rank_count=Count("ranks", distinct=True), average_rank=Avg("ranks__rank")
    )


def initiative_get(*, actor: Actor, public_id, action: str = VIEW) -> Initiative:
    rows = Initiative.objects.select_related("group", "proposed_by", "theme")
    return get_visible(rows, actor, action=action, public_id=public_id)


def group_initiatives(*, actor: Actor, group: WorkingGroup) -> list[Initiative]:
    """The group's initiatives with every member's rank, most wanted (lowest average) first."""
    rows = (
        Initiative.objects.filter(group=group)
        .select_related("proposed_by", "theme")
        .prefetch_related(
            Prefetch("ranks", queryset=InitiativeRank.objects.select_related("organization"))
        )
        .annotate(average_rank=Avg("ranks__rank"))
    )
    return sorted(
        rows, key=lambda i: (i.average_rank is None, i.average_rank or 0, i.title.lower())
    )


def own_ranking(*, group: WorkingGroup, organization_id: int) -> list[Initiative]:
    ranks = InitiativeRank.objects.filter(
        initiative__group=group, organization_id=organization_id
    ).select_related("initiative")
    return [rank.initiative for rank in ranks.order_by("rank")]


def theme_list(*, actor: Actor) -> QuerySet[Theme]:
    return restrict(Theme.objects.all(), actor)


def theme_get(*, actor: Actor, public_id) -> Theme:
    return get_visible(Theme.objects.all(), actor, public_id=public_id)


def theme_demand(*, actor: Actor) -> list[dict]:
    """Demand per theme: initiatives, members asking, average rank, expected value by currency;
    most initiatives first."""
    themes = list(theme_list(actor=actor).order_by("name"))
    if not themes:
        return []
    stats = {
        row["theme_id"]: row
        for row in Initiative.objects.filter(theme__in=themes)
        .values("theme_id")
        .annotate(initiatives=Count("id"), members=Count("proposed_by", distinct=True))
    }
    ranks = {
        row["initiative__theme_id"]: row
        for row in InitiativeRank.objects.filter(initiative__theme__in=themes)
        .values("initiative__theme_id")
        .annotate(average=Avg("rank"), rankers=Count("organization", distinct=True))
    }
    values: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for theme_id, value, currency in Initiative.objects.filter(
        theme__in=themes, expected_value__isnull=False
    ).values_list("theme_id", "expected_value", "currency"):
        values[theme_id][currency] += value
    offerings = defaultdict(list)
    for offering in Offering.objects.filter(theme__in=themes).order_by("name"):
        offerings[offering.theme_id].append(offering)
    rows = []
    for theme in themes:
        count = stats.get(theme.pk, {})
        rank = ranks.get(theme.pk, {})
        average = rank.get("average")
        rows.append(
            {
                "theme": theme,
                "initiatives": count.get("initiatives", 0),
                "members": count.get("members", 0),
                "rankers": rank.get("rankers", 0),
                "average_rank": round(average, 2) if average is not None else None,
                "expected_value": dict(sorted(values[theme.pk].items())),
                "offerings": offerings[theme.pk],
            }
        )
    rows.sort(key=lambda row: (-row["initiatives"], -row["members"], row["theme"].name))
    return rows


def offering_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Offering]:
    return restrict(Offering.objects.select_related("theme"), actor, action).annotate(
        engagement_count=Count("engagements")
    )


def offering_get(*, actor: Actor, public_id, action: str = VIEW) -> Offering:
    rows = Offering.objects.select_related("theme")
    return get_visible(rows, actor, action=action, public_id=public_id)


def _as_customer(actor: Actor) -> Case:
    return Case(
        When(customer_id=actor.organization_id, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def shows_money(engagement: Engagement) -> bool:
    """Whether the row was read for its customer or the orchestrator (budget, commercial model
    shown) rather than for an organisation whose people are assigned to it."""
    return getattr(engagement, "as_customer", True)


def engagement_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Engagement]:
    rows = restrict(Engagement.objects.all(), actor, action)
    if not actor.is_orchestrator:
        # an engagement reached through several accepted assignments would repeat
        rows = Engagement.objects.filter(pk__in=rows.values("pk")).annotate(
            as_customer=_as_customer(actor)
        )
    return rows.select_related("customer", "offering", "lead")


def is_customer_view(actor: Actor, engagement: Engagement) -> bool:
    """Whether the actor sees the engagement as its customer (or as the orchestrator), rather
    than as an organisation whose people are assigned to it (facts and team only)."""
    return actor.is_orchestrator or actor.organization_id == engagement.customer_id


def own_assignments(*, actor: Actor, engagement: Engagement) -> list[Assignment]:
    """The accepted assignments of the actor's own organisation's people on the engagement."""
    rows = restrict(
        Assignment.objects.select_related("person__organization", "role"), actor
    ).filter(
        role__engagement=engagement,
        status=AssignmentStatus.ACCEPTED,
        person__organization_id=actor.organization_id,
    )
    return list(rows.order_by("role__name", "person__last_name", "id"))


def engagement_get(*, actor: Actor, public_id, action: str = VIEW) -> Engagement:
    rows = Engagement.objects.select_related("customer", "offering", "lead", "workspace")
    if not actor.is_orchestrator:
        rows = rows.annotate(as_customer=_as_customer(actor))
    return get_visible(rows, actor, action=action, public_id=public_id)


def engagement_part_get(*, actor: Actor, public_id, action: str = VIEW) -> Engagement:
    """The engagement for its metrics, values, baseline, benefit and report: the orchestrator
    and the customer only (an organisation that is only assigned to it gets 404)."""
    rows = Engagement.objects.select_related("customer", "offering", "lead", "workspace")
    if not actor.is_orchestrator:
        rows = rows.filter(customer_id=actor.organization_id)
    return get_visible(rows, actor, action=action, public_id=public_id)


def engagement_history(*, actor: Actor, engagement: Engagement):
    return restrict(EngagementStatusChange.objects.all(), actor).filter(engagement=engagement)


def customer_team(*, engagement: Engagement) -> list:
    return list(engagement.customer_team.order_by("last_name", "first_name"))


def engagement_assignments(*, actor: Actor, engagement: Engagement) -> list[Assignment]:
    """The accepted assignments of the engagement's roles: who of the orchestrator and of the
    ecosystem works on it (from the staffing part)."""
    rows = restrict(
        Assignment.objects.select_related("person__organization", "role"), actor
    ).filter(role__engagement=engagement, status=AssignmentStatus.ACCEPTED)
    return list(rows.order_by("role__name", "person__last_name", "id"))


def metric_list(*, actor: Actor, engagement: Engagement) -> list[Metric]:
    return list(restrict(Metric.objects.all(), actor).filter(engagement=engagement))


def metric_get(*, actor: Actor, public_id, action: str = VIEW) -> Metric:
    rows = Metric.objects.select_related("engagement__customer")
    return get_visible(rows, actor, action=action, public_id=public_id)


def metric_values(*, actor: Actor, metric: Metric) -> list[Measurement]:
    """Every value of one metric, baseline first, then by period and group."""
    rows = restrict(
        Measurement.objects.select_related("baseline_version", "entered_by"), actor
    ).filter(metric=metric)
    order = {MeasurementKind.BASELINE: 0, MeasurementKind.TRACKING: 1, MeasurementKind.FINAL: 2}
    return sorted(
        rows,
        key=lambda m: (
            order.get(m.kind, 3),
            -(m.baseline_version.version if m.baseline_version_id else 0),
            m.period_start,
            m.group,
        ),
    )


def measurement_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Measurement]:
    return restrict(
        Measurement.objects.select_related(
            "metric__engagement__customer", "baseline_version", "entered_by"
        ),
        actor,
        action,
    )


def measurement_get(*, actor: Actor, public_id, action: str = VIEW) -> Measurement:
    rows = Measurement.objects.select_related("metric__engagement", "baseline_version")
    return get_visible(rows, actor, action=action, public_id=public_id)


def baseline_versions(*, actor: Actor, engagement: Engagement) -> list[BaselineVersion]:
    rows = restrict(BaselineVersion.objects.select_related("confirmed_by"), actor)
    return list(rows.filter(engagement=engagement).order_by("-version"))


def baseline_version_get(*, actor: Actor, public_id, action: str = VIEW) -> BaselineVersion:
    rows = BaselineVersion.objects.select_related("engagement__customer")
    return get_visible(rows, actor, action=action, public_id=public_id)


def current_baseline(versions: list[BaselineVersion]) -> BaselineVersion | None:
    """The confirmed version if there is one, else the newest."""
    for version in versions:
        if version.status == BaselineStatus.CONFIRMED:
            return version
    return versions[0] if versions else None


def benefit_results(*, actor: Actor, engagement: Engagement) -> list[BenefitResult]:
    rows = restrict(BenefitResult.objects.select_related("metric"), actor)
    return list(rows.filter(engagement=engagement))


def report_get(*, actor: Actor, engagement: Engagement) -> OutcomeReport | None:
    rows = restrict(OutcomeReport.objects.select_related("decided_by", "issued_by"), actor)
    return rows.filter(engagement=engagement).first()


def report_get_by_engagement(*, actor: Actor, engagement: Engagement) -> OutcomeReport:
    return get_visible(OutcomeReport.objects.all(), actor, engagement=engagement)


def metric_series(*, metrics: list[Metric], baseline: BaselineVersion | None) -> dict[str, dict]:
    """Per metric (by public id): the periods and values of each kind and group, the baseline
    mean and target, ready for a chart. One query for every metric."""
    rows = Measurement.objects.filter(metric__in=metrics).order_by("period_start", "id")
    by_metric: dict[int, list[Measurement]] = defaultdict(list)
    for row in rows:
        by_metric[row.metric_id].append(row)
    series = {}
    for metric in metrics:
        values = by_metric.get(metric.pk, [])
        base = [
            v.value
            for v in values
            if v.kind == MeasurementKind.BASELINE
            and v.group == MeasurementGroup.ENGAGEMENT
            and baseline is not None
            and v.baseline_version_id == baseline.pk
        ]
        periods = sorted(
            {
                v.period_start
                for v in values
                if v.baseline_version_id is None
                or (baseline and v.baseline_version_id == baseline.pk)
            }
        )
        labels = [p.isoformat() for p in periods]

        def line(kind, group, values=values, periods=periods):
            found = {
                v.period_start: float(v.value)
                for v in values
                if v.kind == kind
                and v.group == group
                and (
                    kind != MeasurementKind.BASELINE
                    or (baseline is not None and v.baseline_version_id == baseline.pk)
                )
            }
            return [found.get(p) for p in periods]

        mean = (sum(base, Decimal(0)) / len(base)) if base else None
        series[str(metric.public_id)] = {
            "name": metric.name,
            "unit": metric.unit,
            "labels": labels,
            "baseline": line(MeasurementKind.BASELINE, MeasurementGroup.ENGAGEMENT),
            "tracking": line(MeasurementKind.TRACKING, MeasurementGroup.ENGAGEMENT),
            "final": line(MeasurementKind.FINAL, MeasurementGroup.ENGAGEMENT),
            "comparison": [
                a if a is not None else b
                for a, b in zip(
                    line(MeasurementKind.TRACKING, MeasurementGroup.COMPARISON),
                    [
                        x if x is not None else y
                        for x, y in zip(
                            line(MeasurementKind.BASELINE, MeasurementGroup.COMPARISON),
                            line(MeasurementKind.FINAL, MeasurementGroup.COMPARISON),
                            strict=True,
                        )
                    ],
                    strict=True,
                )
            ],
            "baseline_mean": float(mean) if mean is not None else None,
            "target": float(metric.target) if metric.target is not None else None,
        }
    return series
