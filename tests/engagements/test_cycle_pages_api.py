"""The cycle's pages and API as users meet them: the orchestrator's lists (with query counts),
the customer's portal (its own engagement only; others 404), confirm/dispute by the customer,
theme grouping on a known example, and the report PDF with its figures."""

import base64
import random
import re
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecosys.core.models import Role
from ecosys.engagements.demo import _customer_admin, demo_cycle
from ecosys.engagements.themes import group


def pdf_text(content: bytes) -> bytes:
    """The page streams of a reportlab PDF (ASCII85 + Flate), decoded."""
    text = b""
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            text += zlib.decompress(base64.a85decode(match.group(1).strip(), adobe=True))
        except (ValueError, zlib.error):
            continue  # fonts and images
    return text


@pytest.fixture
def cycle(workspace):
    return demo_cycle(workspace, rng=random.Random(7))


def test_themes_group_a_known_example():
    texts = [
        "Inventory forecasting for spare parts",
        "Forecast inventory levels of spare parts per depot",
        "Automate invoice processing",
        "Invoice processing automation with bots",
        "Customer churn analytics dashboard",
        "Churn prediction analytics for customers",
    ]
    clusters = group(texts)
    assert sorted(c.members for c in clusters) == [(0, 1), (2, 3), (4, 5)]
    assert group(texts) == clusters  # deterministic
    names = {c.members: c.keywords for c in clusters}
    assert "inventory" in names[(0, 1)] and "invoice" in names[(2, 3)]
    assert "churn" in names[(4, 5)]


@pytest.mark.parametrize(
    "url",
    [
        "/engagements/",
        "/working-groups/",
        "/working-groups/initiatives/",
        "/engagements/offerings/",
        "/engagements/measurements/",
        "/api/v1/engagements",
        "/api/v1/working-groups",
        "/api/v1/working-groups/initiatives",
        "/api/v1/engagements/measurements",
        "/api/v1/engagements/offerings",
    ],
)
def test_lists_answer_in_few_queries(cycle, client_as, url):
    client = client_as("orchestrator_staff")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]
    export_url = f"{url}/export?format=csv" if url.startswith("/api") else f"{url}?export=csv"
    export = client.get(export_url)
    assert export.status_code == 200
    assert b"".join(export.streaming_content).lower().startswith(b"id,")


def test_orchestrator_pages_show_the_cycle(cycle, client_as):
    client = client_as("orchestrator_staff")
    closed = cycle["closed"]
    page = client.get(f"/engagements/{closed.public_id}/").content.decode()
    assert "Difference-in-differences" in page and "Baseline v1" in page
    assert client.get("/working-groups/themes/").status_code == 200
    assert (
        b"Ranks"
        in client.get(
            f"/working-groups/initiatives/{closed.customer.working_groups.first().initiatives.first().public_id}/"
        ).content
    )


def test_report_pdf_is_a_pdf_with_the_figures(cycle, client_as):
    closed = cycle["closed"]
    response = client_as("orchestrator_staff").get(f"/engagements/{closed.public_id}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    result = closed.benefit_results.order_by("metric__name").first()
    assert f"{result.money:,}".encode() in text
    assert b"Difference-in-differences" in text


def test_customer_portal_sees_its_own_and_decides(cycle, client_as, workspace):
    closed, tracking = cycle["closed"], cycle["tracking"]
    admin = _customer_admin(workspace, tracking.customer, "t")
    from django.test import Client

    client = Client()
    client.force_login(admin.user)
    listing = client.get("/api/v1/engagements").json()
    ids = [row["id"] for row in listing["results"]]  # the global demo's are its own too
    assert str(tracking.public_id) in ids and str(closed.public_id) not in ids
    assert {row["customer"] for row in listing["results"]} == {tracking.customer.name}
    assert client.get(f"/engagements/{tracking.public_id}/").status_code == 200
    assert client.get(f"/engagements/{closed.public_id}/").status_code == 404
    assert client.get(f"/api/v1/engagements/{closed.public_id}").status_code == 404
    assert client.get(f"/engagements/{closed.public_id}/report.pdf").status_code == 404
    assert client.get("/engagements/offerings/").status_code == 403
    # other partners see none of it
    partner = client_as("partner_a_member")
    assert partner.get(f"/engagements/{tracking.public_id}/").status_code == 404
    seen = [row["id"] for row in partner.get("/api/v1/engagements").json()["results"]]
    assert str(tracking.public_id) not in seen and str(closed.public_id) not in seen


def test_baseline_and_report_decisions_through_the_api(
    cycle, client_as, workspace, django_capture_on_commit_callbacks
):
    from ecosys.core.access import Actor
    from ecosys.engagements import benefit_run
    from ecosys.engagements import services_cycle as services

    staff = client_as("orchestrator_staff")
    engagement = cycle["staffing"]
    eid = engagement.public_id
    assert staff.post(f"/api/v1/engagements/{eid}/transition", {"to_status": "tracking"},
                      content_type="application/json").status_code == 422  # fmt: skip
    assert staff.post(f"/api/v1/engagements/{eid}/transition", {"to_status": "baseline"},
                      content_type="application/json").status_code == 200  # fmt: skip
    metrics = staff.get(f"/api/v1/engagements/{eid}").json()["metrics"]
    for metric in metrics:
        bad = staff.post(
            f"/api/v1/engagements/{eid}/measurements",
            {"metric_id": metric["id"], "kind": "baseline", "period_start": "2026-01-01",
             "value": "10", "unit": "wrong"},
            content_type="application/json",
        )  # fmt: skip
        assert bad.status_code == 422 and "unit" in bad.content.decode()
        ok = staff.post(
            f"/api/v1/engagements/{eid}/measurements",
            {"metric_id": metric["id"], "kind": "baseline", "period_start": "2026-01-01",
             "value": "10", "unit": metric["unit"]},
            content_type="application/json",
        )  # fmt: skip
        assert ok.status_code == 201 and ok.json()["source"] == "api"
    version = staff.get(f"/api/v1/engagements/{eid}").json()["baseline_versions"][0]["id"]
    assert staff.post(f"/api/v1/engagements/baseline-versions/{version}/submit").status_code == 200
    assert staff.post(f"/api/v1/engagements/baseline-versions/{version}/confirm").status_code == 403
    member = client_as("partner_a_admin")
    assert (
        member.post(f"/api/v1/engagements/baseline-versions/{version}/confirm").status_code == 404
    )
    from django.core import mail
    from django.test import Client

    admin = _customer_admin(workspace, engagement.customer, "s")
    assert admin.membership.role == Role.EXTERNAL_ADMIN
    customer = Client()
    customer.force_login(admin.user)
    mail.outbox.clear()
    response = customer.post(f"/api/v1/engagements/baseline-versions/{version}/confirm")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert (
        customer.post(f"/api/v1/engagements/baseline-versions/{version}/confirm").status_code == 422
    )
    # the tracking engagement's report: dispute needs a comment, then confirm closes
    tracking = cycle["tracking"]
    system = Actor.system(workspace)
    for metric in tracking.metrics.all():
        services.measurement_record(actor=system, metric=metric, kind="final",
                                    period_start=__import__("datetime").date(2030, 1, 1),
                                    value="10", unit=metric.unit)  # fmt: skip
    services.measurement_close(actor=system, engagement=tracking)
    benefit_run.benefit_compute(actor=system, engagement=tracking)
    services.report_issue(actor=system, engagement=tracking)
    tracking_admin = Client()
    tracking_admin.force_login(_customer_admin(workspace, tracking.customer, "t").user)
    url = f"/api/v1/engagements/{tracking.public_id}/report/decision"
    no_comment = tracking_admin.post(url, {"decision": "dispute"}, content_type="application/json")
    assert no_comment.status_code == 422
    disputed = tracking_admin.post(url, {"decision": "dispute", "comment": "Market effect"},
                                   content_type="application/json")  # fmt: skip
    assert disputed.json()["status"] == "disputed"
    tracking.refresh_from_db()
    assert tracking.status == "tracking"
    services.report_issue(actor=system, engagement=tracking, summary="Rechecked")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = tracking_admin.post(
            url, {"decision": "confirm"}, content_type="application/json"
        )
    assert confirmed.json()["status"] == "confirmed"
    tracking.refresh_from_db()
    assert tracking.status == "closed" and tracking.closed_at is not None
    assert any(m.subject.startswith("Outcome report confirmed") for m in mail.outbox)
