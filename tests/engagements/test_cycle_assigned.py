"""What an organisation whose people are assigned to an engagement sees (the engagement, read
only: facts, dates, team and its own assignments; not money, baseline, values or report), and
the metric page where the orchestrator's staff change a metric and delete values."""

import random
from decimal import Decimal

import pytest
from django.test import Client

from ecosys.core.access import Actor
from ecosys.core.models import Role
from ecosys.ecosystem.models import Person, WorkerType
from ecosys.engagements.demo import _customer_admin, demo_cycle
from ecosys.engagements.models import (
    Assignment,
    EngagementRole,
    Measurement,
    MeasurementKind,
    Skill,
)


@pytest.fixture
def cycle(workspace):
    return demo_cycle(workspace, rng=random.Random(11))


def _assign(workspace, engagement, organization, *, status="accepted", name="Kim"):
    skill, _ = Skill.objects.get_or_create(workspace=workspace, name="Test analysis")
    role = EngagementRole.objects.create(
        workspace=workspace, engagement=engagement, name=f"Analyst {name}", skill=skill,
        min_level=2, share=Decimal("0.5"), start_date=engagement.start_date,
        end_date=engagement.end_date,
    )  # fmt: skip
    person = Person.objects.create(
        workspace=workspace, first_name=name, last_name="Contractor", organization=organization,
        worker_type=WorkerType.CONTRACTOR,
    )  # fmt: skip
    return Assignment.objects.create(
        workspace=workspace, role=role, person=person, share=Decimal("0.5"),
        start_date=role.start_date, end_date=role.end_date, status=status, source="ecosystem",
    )  # fmt: skip


def test_an_assigned_organisation_sees_the_engagement_read_only(
    cycle, workspace, partner_a, client_as
):
    tracking, closed = cycle["tracking"], cycle["closed"]
    _assign(workspace, tracking, partner_a, name="Kim")
    _assign(workspace, tracking, partner_a, name="Lou")  # two ways in: still one row
    _assign(workspace, closed, partner_a, status="proposed", name="Max")  # a proposal: no way in
    client = client_as("partner_a_member")

    rows = client.get("/api/v1/engagements?per_page=100").json()["results"]
    ids = [row["id"] for row in rows]
    assert ids.count(str(tracking.public_id)) == 1
    assert str(closed.public_id) not in ids
    row = next(r for r in rows if r["id"] == str(tracking.public_id))
    assert row["budget"] is None and row["commercial_model"] == ""
    model = tracking.commercial_model  # nor does a filter on the model reveal it
    assert client.get(f"/api/v1/engagements?commercial_model={model}").json()["results"] == []
    page = client.get("/engagements/?q=Invoice automation")
    assert page.status_code == 200 and page.content.count(str(tracking.public_id).encode()) >= 1
    export = b"".join(client.get("/engagements/?export=csv").streaming_content)
    assert export.count(str(tracking.public_id).encode()) == 1
    assert b"180000" not in export

    detail = client.get(f"/api/v1/engagements/{tracking.public_id}").json()
    assert detail["title"] == tracking.title and detail["budget"] is None
    assert detail["metrics"] == [] and detail["baseline_versions"] == []
    assert detail["benefit"] == [] and detail["report"] is None and detail["history"] == []
    assert {p["name"] for p in detail["customer_team"]} == {
        p.full_name for p in tracking.customer_team.all()
    }

    html = client.get(f"/engagements/{tracking.public_id}/").content.decode()
    assert "Kim Contractor" in html and "Lou Contractor" in html
    assert "/engagements/assignments/" in html  # the staffing part's portal list, linked
    assert "Budget" not in html and "180000" not in html
    assert "Baseline v1" not in html
    assert f"/engagements/{tracking.public_id}/settlements/" not in html
    assert f"/engagements/{tracking.public_id}/staffing/" not in html

    # nothing else of the engagement: money, report, values, metrics, baseline
    for url in (
        f"/engagements/{tracking.public_id}/terms/",
        f"/engagements/{tracking.public_id}/time/",
        f"/engagements/{tracking.public_id}/settlements/",
        f"/engagements/{tracking.public_id}/report/",
        f"/engagements/{tracking.public_id}/staffing/",
        f"/api/v1/engagements/{tracking.public_id}/roles",
        f"/api/v1/engagements/{tracking.public_id}/report",
        f"/api/v1/engagements/{tracking.public_id}/benefit",
        f"/api/v1/engagements/{tracking.public_id}/terms",
    ):
        assert client.get(url).status_code == 404, url
    metric = tracking.metrics.first()
    assert client.get(f"/engagements/metrics/{metric.public_id}/edit/").status_code in (403, 404)
    values = client.get(f"/api/v1/engagements/measurements?engagement={tracking.public_id}")
    assert values.json()["results"] == []
    # read only
    response = client.patch(
        f"/api/v1/engagements/{tracking.public_id}", {"cadence": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    # the proposal alone shows nothing; another partner sees nothing
    assert client.get(f"/engagements/{closed.public_id}/").status_code == 404
    other = client_as("partner_b_member")
    assert other.get(f"/engagements/{tracking.public_id}/").status_code == 404
    assert other.get(f"/api/v1/engagements/{tracking.public_id}").status_code == 404
    assert str(tracking.public_id) not in str(other.get("/api/v1/engagements").json())


def test_the_customer_still_sees_everything_of_its_own(cycle, workspace, partner_a):
    tracking = cycle["tracking"]
    _assign(workspace, tracking, partner_a)
    admin = _customer_admin(workspace, tracking.customer, "t")
    client = Client()
    client.force_login(admin.user)
    detail = client.get(f"/api/v1/engagements/{tracking.public_id}").json()
    assert detail["budget"] == "180000.00" and detail["metrics"]
    html = client.get(f"/engagements/{tracking.public_id}/").content.decode()
    assert "Kim Contractor" in html and "Baseline v1" in html
    assert f"/engagements/{tracking.public_id}/settlements/" in html
    assert f"/engagements/{tracking.public_id}/staffing/" in html


def test_detail_links_to_every_part(cycle, client_as):
    client = client_as("orchestrator_staff")
    closed = cycle["closed"]
    html = client.get(f"/engagements/{closed.public_id}/").content.decode()
    for part in ("staffing/", "terms/", "time/", "settlements/", "report/"):
        assert f"/engagements/{closed.public_id}/{part}" in html
    assert f"/engagements/{closed.public_id}/venture/" not in html  # not a joint venture
    listing = client.get("/engagements/").content.decode()
    assert "/engagements/offerings/" in listing and "/working-groups/themes/" in listing


def test_metric_page_changes_terms_with_messages_and_deletes_values(cycle, client_as):
    tracking = cycle["tracking"]
    client = client_as("orchestrator_staff")
    metric = tracking.metrics.first()
    url = f"/engagements/metrics/{metric.public_id}/edit/"
    detail = client.get(f"/engagements/{tracking.public_id}/").content.decode()
    assert url in detail
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "value_per_unit": "3000", "currency": "EUR", "target": "5", "plausible_min": "0",
        "plausible_max": "60", "comparison_label": "Other sites", "source": metric.source,
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302
    metric.refresh_from_db()
    assert (metric.value_per_unit, metric.target, metric.plausible_max) == (
        Decimal("3000"), Decimal("5"), Decimal("60"),
    )  # fmt: skip
    # bounds the wrong way round and a target outside them: messages, nothing written
    bad = client.post(url, {**form, "plausible_min": "70", "target": "90"})
    assert bad.status_code == 200
    assert "plausible maximum must be above" in bad.content.decode()
    metric.refresh_from_db()
    assert metric.plausible_min == Decimal("0") and metric.target == Decimal("5")
    negative = client.post(url, {**form, "value_per_unit": "-1"})
    assert "zero or more" in negative.content.decode()

    # tracking values are deleted from the page; the confirmed baseline's are not offered
    tracking_value = Measurement.objects.filter(
        metric=metric, kind=MeasurementKind.TRACKING
    ).first()
    baseline_value = Measurement.objects.filter(
        metric=metric, kind=MeasurementKind.BASELINE
    ).first()
    html = client.get(url).content.decode()
    assert f"/engagements/measurements/{tracking_value.public_id}/delete/" in html
    assert f"/engagements/measurements/{baseline_value.public_id}/delete/" not in html
    response = client.post(
        f"/engagements/measurements/{tracking_value.public_id}/delete/", {"back": "metric"}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert not Measurement.objects.filter(pk=tracking_value.pk).exists()
    refused = client.post(f"/engagements/measurements/{baseline_value.public_id}/delete/")
    assert refused.status_code == 302
    assert Measurement.objects.filter(pk=baseline_value.pk).exists()

    # the customer may not open it; a closed engagement's metric is shown, not changeable
    admin = _customer_admin(tracking.workspace, tracking.customer, "t")
    customer = Client()
    customer.force_login(admin.user)
    assert customer.get(url).status_code == 403
    closed_metric = cycle["closed"].metrics.first()
    closed_url = f"/engagements/metrics/{closed_metric.public_id}/edit/"
    html = client.get(closed_url).content.decode()
    assert "can no longer change" in html and "/delete/" not in html


def test_the_demo_engagements_and_their_supplier_login(workspace):
    """The global demo's engagements part (loaded here when the test database was made
    without it): the closed and tracking engagements are staffed with accepted assignments,
    the one being staffed has a proposal, and one assigned ecosystem organisation has a login
    that sees the engagements its people work on and none of their money."""
    from ecosys.core.models import Membership
    from ecosys.engagements import selectors_cycle
    from ecosys.engagements.demo import populate_engagements
    from ecosys.engagements.models import Engagement

    if not Membership.objects.filter(user__email="member@supplier.example").exists():
        populate_engagements(workspace, rng=random.Random(20261124))
    membership = Membership.objects.get(user__email="member@supplier.example")
    assert membership.role == Role.EXTERNAL_MEMBER
    demo = {
        e.status: e
        for e in Engagement.objects.filter(
            title__in=["Depot inventory optimisation", "Invoice automation", "Spare-parts planning"]
        ).order_by("created_at")
    }
    statuses = {
        status: set(
            Assignment.objects.filter(role__engagement=demo[status]).values_list(
                "status", flat=True
            )
        )
        for status in ("closed", "tracking", "staffing")
    }
    assert statuses == {"closed": {"accepted"}, "tracking": {"accepted"}, "staffing": {"proposed"}}
    assert demo["closed"].settlements.filter(status="accepted").exists()
    actor = Actor(workspace=workspace, user=membership.user, membership=membership)
    rows = list(selectors_cycle.engagement_list(actor=actor))
    assert demo["tracking"] in rows and demo["staffing"] not in rows
    assert all(not selectors_cycle.shows_money(row) for row in rows)


def test_engagement_page_offers_its_bundle_to_those_who_may_export_it(cycle, client_as):
    tracking = cycle["tracking"]
    link = f"/bundles/export/?engagement={tracking.public_id}"
    staff = client_as("orchestrator_staff").get(f"/engagements/{tracking.public_id}/")
    assert link in staff.content.decode()
    assert client_as("orchestrator_staff").get(link).status_code == 200
    member = client_as("partner_a_member").get(f"/engagements/{tracking.public_id}/")
    assert link not in member.content.decode()
