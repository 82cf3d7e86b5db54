"""The engagement cycle end to end through the demo: groups, themes, offerings, the three
engagements, the state machine, baseline confirmation by the customer only, immutability,
refusals that write nothing, the benefit, the report and its PDF."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecosys.core.access import Actor
from ecosys.engagements import benefit_run
from ecosys.engagements import services_cycle as services
from ecosys.engagements.benefit import before_after, diff_in_diff
from ecosys.engagements.demo import demo_cycle
from ecosys.engagements.models import (
    BaselineVersion,
    BenefitResult,
    Engagement,
    Measurement,
    OutcomeReport,
    Theme,
)


@pytest.fixture
def cycle(workspace):
    return demo_cycle(workspace, rng=random.Random(5))


@pytest.fixture
def system(workspace):
    return Actor.system(workspace)


def test_demo_builds_three_engagements_at_their_stages(cycle):
    assert cycle["closed"].status == "closed"
    assert cycle["tracking"].status == "tracking"
    assert cycle["staffing"].status == "staffing"
    report = OutcomeReport.objects.get(engagement=cycle["closed"])
    assert report.status == "confirmed" and report.closed_at is not None
    results = BenefitResult.objects.filter(engagement=cycle["closed"])
    assert {r.method for r in results} == {"diff_in_diff"}
    assert Theme.objects.count() >= 3
    steps = list(cycle["closed"].history.values_list("to_status", flat=True))
    assert steps == ["draft", "staffing", "baseline", "tracking", "closed"]


def test_benefit_result_matches_the_benefit_module(cycle):
    engagement = cycle["closed"]
    version = engagement.baseline_versions.get(status="confirmed")
    for result in BenefitResult.objects.filter(engagement=engagement).select_related("metric"):
        metric = result.metric

        def values(kind, group, version=None, metric=metric):
            return list(
                metric.measurements.filter(kind=kind, group=group, baseline_version=version)
                .order_by("period_start")
                .values_list("value", flat=True)
            )

        expected = diff_in_diff(
            values("baseline", "engagement", version), values("final", "engagement"),
            values("baseline", "comparison", version), values("final", "comparison"),
            metric.direction, seed=benefit_run.metric_seed(metric), level=0.9,
        )  # fmt: skip
        assert result.inputs["improvement"] == str(expected.improvement)
        money = (expected.improvement * metric.value_per_unit).quantize(Decimal("0.01"))
        assert result.money == money
        assert result.low is not None and result.low <= result.improvement <= result.high


def test_transitions_only_allowed_steps(cycle, system):
    engagement = cycle["staffing"]
    with pytest.raises(ValidationError, match="cannot move to tracking"):
        services.engagement_transition(actor=system, engagement=engagement, to_status="tracking")
    services.engagement_transition(actor=system, engagement=engagement, to_status="baseline")
    with pytest.raises(ValidationError, match="confirmed a baseline"):
        services.engagement_transition(actor=system, engagement=engagement, to_status="tracking")
    with pytest.raises(ValidationError, match="outcome report"):
        services.engagement_transition(
            actor=system, engagement=cycle["tracking"], to_status="closed"
        )
    engagement.refresh_from_db()
    assert engagement.status == "baseline"


def _baseline_ready(system, engagement):
    services.engagement_transition(actor=system, engagement=engagement, to_status="baseline")
    for metric in engagement.metrics.all():
        services.measurement_record(
            actor=system, metric=metric, kind="baseline", period_start=dt.date(2026, 1, 1),
            value="20", unit=metric.unit,
        )  # fmt: skip
    version = engagement.baseline_versions.get()
    return services.baseline_submit(actor=system, version=version)


def test_only_the_customer_admin_confirms_and_confirmed_is_frozen(cycle, system, actors):
    engagement = cycle["staffing"]
    version = _baseline_ready(system, engagement)
    with pytest.raises(PermissionDenied):
        services.baseline_confirm(actor=actors["orchestrator_staff"], version=version)
    with pytest.raises(PermissionDenied):
        services.baseline_confirm(actor=actors["partner_a_admin"], version=version)
    from ecosys.engagements.demo import _customer_admin

    customer = _customer_admin(engagement.workspace, engagement.customer, "c3")
    services.baseline_confirm(actor=customer, version=version)
    version.refresh_from_db()
    assert version.status == "confirmed" and version.confirmed_by == customer.user
    metric = engagement.metrics.first()
    count = Measurement.objects.count()
    with pytest.raises(ValidationError, match="confirmed and cannot be changed"):
        services.measurement_record(
            actor=system, metric=metric, kind="baseline", period_start=dt.date(2026, 2, 1),
            value="21", unit=metric.unit,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.measurement_delete(actor=system, measurement=version.measurements.first())
    assert Measurement.objects.count() == count
    second = services.baseline_version_new(actor=system, engagement=engagement, note="recount")
    assert second.version == 2 and second.measurements.count() == version.measurements.count()
    services.baseline_submit(actor=system, version=second)
    services.baseline_confirm(actor=customer, version=second)
    version.refresh_from_db()
    assert version.status == "superseded"


def test_bad_values_are_refused_with_messages_and_nothing_written(cycle, system):
    engagement = cycle["tracking"]
    metric = engagement.metrics.first()
    count = Measurement.objects.count()
    with pytest.raises(ValidationError) as wrong_unit:
        services.measurement_record(
            actor=system, metric=metric, kind="tracking", period_start=dt.date(2026, 5, 1),
            value="3", unit="hours",
        )  # fmt: skip
    assert "not the metric's unit" in wrong_unit.value.message_dict["unit"][0]
    with pytest.raises(ValidationError) as too_high:
        services.measurement_record(
            actor=system, metric=metric, kind="tracking", period_start=dt.date(2026, 5, 1),
            value="1000", unit=metric.unit,
        )  # fmt: skip
    assert "above the plausible maximum" in too_high.value.message_dict["value"][0]
    with pytest.raises(ValidationError) as not_number:
        services.measurement_record(
            actor=system, metric=metric, kind="tracking", period_start=dt.date(2026, 5, 1),
            value="ten", unit=metric.unit,
        )  # fmt: skip
    assert "not a number" in not_number.value.message_dict["value"][0]
    assert Measurement.objects.count() == count


def test_import_is_all_or_nothing_with_row_and_column_errors(cycle, system):
    engagement = cycle["tracking"]
    metric = engagement.metrics.first()
    count = Measurement.objects.count()
    good = f"{metric.name},tracking,engagement,2030-01-01,5,{metric.unit}"
    bad = f"{metric.name},tracking,engagement,2030-02-01,5,hours"
    content = f"metric,kind,group,period_start,value,unit\n{good}\n{bad}\n".encode()
    created, errors = services.measurement_import(
        actor=system, engagement=engagement, file_name="values.csv", content=content
    )
    assert created == 0 and Measurement.objects.count() == count
    assert (
        errors == [{"row": 3, "column": "unit", "message": errors[0]["message"]}]
        and "hours" in errors[0]["message"]
    )
    content = f"metric,kind,group,period_start,value,unit\n{good}\n".encode()
    created, errors = services.measurement_import(
        actor=system, engagement=engagement, file_name="values.csv", content=content
    )
    assert (created, errors) == (1, []) and Measurement.objects.count() == count + 1
    assert Measurement.objects.latest("id").source == "imported"


def test_closed_engagement_refuses_more_values(cycle, system):
    metric = cycle["closed"].metrics.first()
    with pytest.raises(ValidationError, match="closed measurement"):
        services.measurement_record(
            actor=system, metric=metric, kind="tracking", period_start=dt.date(2031, 1, 1),
            value="5", unit=metric.unit,
        )  # fmt: skip


def test_before_after_when_no_comparison_group(cycle, system, workspace):
    engagement = cycle["tracking"]
    assert Engagement.objects.filter(pk=engagement.pk, status="tracking").exists()
    assert before_after([Decimal(1)], [Decimal(2)], "higher").improvement == Decimal("1.000000")
    assert BaselineVersion.objects.filter(engagement=engagement, status="confirmed").exists()


def test_report_names_the_people_and_organisations_staffed(cycle, workspace, actors):
    from ecosys.ecosystem.models import Person
    from ecosys.engagements.models import Assignment, EngagementRole, Skill
    from ecosys.engagements.report import report_context, report_pdf

    engagement = cycle["closed"]
    skill = Skill.objects.create(workspace=workspace, name="Matrix planning skill")
    role = EngagementRole.objects.create(
        workspace=workspace, engagement=engagement, name="Supply-chain analyst", skill=skill,
        min_level=3, share=Decimal("0.5"), start_date=engagement.start_date,
        end_date=engagement.end_date,
    )  # fmt: skip
    person = (
        Person.objects.filter(organization__isnull=False)
        .exclude(organization=engagement.customer)
        .exclude(organization=workspace.orchestrator)
        .first()
    )
    Assignment.objects.create(
        workspace=workspace, role=role, person=person, share=Decimal("0.5"),
        start_date=role.start_date, end_date=role.end_date, status="accepted",
        source="ecosystem",
    )  # fmt: skip
    context = report_context(actor=actors["orchestrator_staff"], engagement=engagement)
    assert [a.person for a in context["assignments"]] == [person]
    assert person.organization in context["organizations"]
    assert report_pdf(context).startswith(b"%PDF")
