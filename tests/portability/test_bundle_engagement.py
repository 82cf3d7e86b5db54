"""The one-engagement bundle: everything of the engagement for the orchestrator, only what the
customer's portal shows for the customer, and a round trip into an empty workspace."""

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from ecosys.core.access import Actor, restrict
from ecosys.core.models import Membership, Role
from ecosys.ecosystem.models import Person
from ecosys.engagements.bundle import may_export_engagement
from ecosys.engagements.demo import demo_cycle
from ecosys.engagements.demo_money import demo_money
from ecosys.engagements.demo_staffing import demo_staff
from ecosys.engagements.models import (
    Assignment,
    Engagement,
    EngagementRole,
    Measurement,
    Metric,
    Settlement,
    SettlementStatus,
    TimeEntry,
    VentureShare,
)
from ecosys.engagements.selectors_money import settlement_list
from ecosys.portability.bundle_import import import_bundle
from ecosys.portability.registry import declarations

from .test_bundle import (  # noqa: F401 (analytics_dir is an autouse fixture)
    analytics_dir,
    drop_workspace,
    entity_files,
    export_bytes,
    manifest_of,
    new_workspace,
    same_bundle,
    write,
)


def _ids(files, entity) -> set[str]:
    lines = files[f"entities/{entity}.jsonl"].decode().splitlines()
    return {json.loads(line)["id"] for line in lines}


@pytest.fixture
def demo_engagements(workspace):
    """The engagements demo (cycle, money, and staffing of one engagement) in the workspace."""
    engagements = demo_cycle(workspace, rng=random.Random(5))
    demo_money(engagements, rng=random.Random(5))
    closed = engagements["closed"]
    demo_staff(closed, rng=random.Random(4))
    # A supplier's person on a role, a draft statement and a venture owner: rows whose
    # visibility differs between the orchestrator and the customer.
    supplier = Person.objects.exclude(
        organization__in=[closed.customer_id, workspace.orchestrator_id]
    ).exclude(organization=None)[0]
    role = EngagementRole.objects.filter(engagement=closed).first()
    Assignment.objects.create(
        workspace=workspace,
        role=role,
        person=supplier,
        share=Decimal("0.5"),
        start_date=role.start_date,
        end_date=role.end_date,
        status="accepted",
    )
    Settlement.objects.create(
        workspace=workspace,
        engagement=closed,
        period_start=dt.date(2031, 1, 1),
        period_end=dt.date(2031, 1, 31),
        model="consulting",
        currency="EUR",
        total=Decimal("10.00"),
        inputs_hash="0" * 64,
        generated_at=dt.datetime(2031, 2, 1, tzinfo=dt.UTC),
    )
    VentureShare.objects.create(
        workspace=workspace, engagement=closed, organization=supplier.organization, share=1
    )
    return engagements


@pytest.fixture
def engagement(demo_engagements):
    """The closed engagement: measurements, results, report, time, settlements, roles."""
    return Engagement.objects.select_related("customer").get(pk=demo_engagements["closed"].pk)


def test_the_orchestrators_engagement_bundle_holds_all_of_it_and_nothing_else(
    workspace, engagement
):
    data = export_bytes(workspace, scope="engagement", engagement=engagement)
    manifest = manifest_of(data)
    assert manifest["scope"] == {
        "kind": "engagement",
        "organization": None,
        "engagement": str(engagement.public_id),
    }
    files = entity_files(data)
    assert _ids(files, "engagements.engagement") == {str(engagement.public_id)}
    metrics = Metric.objects.filter(engagement=engagement)
    assert metrics.exists()
    assert _ids(files, "engagements.metric") == {
        str(u) for u in metrics.values_list("public_id", flat=True)
    }
    measurements = Measurement.objects.filter(metric__engagement=engagement)
    assert manifest["entities"]["engagements.measurement"]["count"] == measurements.count() > 0
    entries = TimeEntry.objects.filter(engagement=engagement)
    assert manifest["entities"]["engagements.timeentry"]["count"] == entries.count() > 0
    assert manifest["entities"]["engagements.settlement"]["count"] == (
        Settlement.objects.filter(engagement=engagement).count()
    )
    people = _ids(files, "ecosystem.person")
    assert {str(e.person.public_id) for e in entries.select_related("person")} <= people
    assignments = Assignment.objects.filter(role__engagement=engagement)
    assert _ids(files, "engagements.assignment") == {
        str(u) for u in assignments.values_list("public_id", flat=True)
    }
    assignment = assignments.select_related("person__organization").get(
        person__organization__isnull=False, share=Decimal("0.5"), staffing_run=None
    )
    assert {str(u) for u in assignments.values_list("person__public_id", flat=True)} <= people
    skills = EngagementRole.objects.filter(engagement=engagement).values("skill").distinct()
    assert manifest["entities"]["engagements.skill"]["count"] == skills.count() > 0
    organizations = _ids(files, "ecosystem.organization")
    assert {
        str(engagement.customer.public_id),
        str(assignment.person.organization.public_id),
    } <= organizations
    # Nothing of other engagements, nor of the rest of the workspace.
    assert manifest["entities"]["partners.partner"]["count"] == 0
    assert manifest["entities"]["selling.dealregistration"]["count"] == 0
    assert manifest["channel_facts"] == {"files": [], "rows": 0}
    others = Metric.objects.exclude(engagement=engagement).values_list("public_id", flat=True)
    assert not {str(u) for u in others} & _ids(files, "engagements.metric")


def test_an_engagement_bundle_imports_into_an_empty_workspace_and_round_trips(
    workspace, engagement, tmp_path
):
    data = export_bytes(workspace, scope="engagement", engagement=engagement)
    drop_workspace(workspace)
    target = new_workspace(name=workspace.name, slug="engagement-copy")
    report = import_bundle(target, write(tmp_path, data))
    assert report.ok, report.problems
    assert report.counts["engagements.engagement"]["created"] == 1
    with target_scope(target):
        copy = Engagement.objects.get()
    again = export_bytes(target, scope="engagement", engagement=copy)
    same_bundle(data, again)


def target_scope(workspace):
    from django_scopes import scope

    return scope(workspace=workspace.pk)


def test_the_customers_engagement_bundle_shows_no_more_than_its_portal(workspace, demo_engagements):
    """For every engagement of the demo: its customer's bundle holds no record the customer's
    portal users cannot see (the access policy, and no draft settlements)."""
    checked = 0
    for engagement in Engagement.objects.select_related("customer"):
        customer = engagement.customer
        data = export_bytes(
            workspace, scope="engagement", engagement=engagement, organization=customer
        )
        assert manifest_of(data)["scope"]["organization"] == str(customer.public_id)
        files = entity_files(data)
        members = Membership.objects.filter(organization=customer).select_related("user")
        member = members.first() or Membership(
            workspace=workspace, organization=customer, role=Role.EXTERNAL_MEMBER
        )
        actor = Actor(
            workspace=workspace, user=member.user if member.pk else None, membership=member
        )
        emails = set(members.values_list("user__email", flat=True))
        for declaration in declarations():
            exported = _ids(files, declaration.entity)
            if not hasattr(declaration.model, "Access"):
                assert not exported, declaration.entity
                continue
            visible = restrict(declaration.model.objects.all(), actor)
            if declaration.model is Settlement:
                visible = settlement_list(actor=actor)
            assert exported <= {str(u) for u in visible.values_list("public_id", flat=True)}, (
                customer.name,
                declaration.entity,
            )
            for line in files[f"entities/{declaration.entity}.jsonl"].decode().splitlines():
                record = json.loads(line)
                for name in declaration.users:
                    value = record[name]
                    named = value if isinstance(value, list) else [value] if value else []
                    assert set(named) <= emails, (declaration.entity, name)
            checked += 1
        drafts = Settlement.objects.filter(engagement=engagement, status=SettlementStatus.DRAFT)
        assert not {str(u) for u in drafts.values_list("public_id", flat=True)} & _ids(
            files, "engagements.settlement"
        )
        assert _ids(files, "engagements.engagement") == {str(engagement.public_id)}
        if engagement.pk == demo_engagements["closed"].pk:
            # The customer sees its team's assignment (the supplier's person by UUID only),
            # its issued statement but not the draft, and not the supplier organisation.
            assert len(_ids(files, "engagements.assignment")) == (
                Assignment.objects.filter(role__engagement=engagement).count()
            )
            assert len(_ids(files, "engagements.settlement")) == 1
            assert _ids(files, "ecosystem.organization") == {str(customer.public_id)}
            assert _ids(files, "engagements.timeentry")
    assert checked > 20


def test_only_the_orchestrator_or_the_customer_exports_an_engagement(workspace, engagement, actors):
    from ecosys.ecosystem.models import Organization

    stranger = Organization.objects.exclude(
        pk__in=[engagement.customer_id, workspace.orchestrator_id]
    ).first()
    with pytest.raises(ValueError, match="orchestrator or the engagement's customer"):
        export_bytes(workspace, scope="engagement", engagement=engagement, organization=stranger)
    assert may_export_engagement(actors["orchestrator_admin"], engagement)
    outsider = next(
        a
        for a in actors.values()
        if not a.is_orchestrator and a.organization_id != engagement.customer_id
    )
    assert not may_export_engagement(outsider, engagement)
