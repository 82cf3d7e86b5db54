"""The money part through the API and the pages: terms, time and its approval, settlements of
all four models (recomputed from their stored inputs to the cent), the portal, e-mails."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from ecosys.ecosystem.models import Person
from ecosys.engagements import settlement as maths
from ecosys.engagements.models import (
    BenefitResult,
    CommercialTerms,
    Engagement,
    Metric,
    Settlement,
    TimeEntry,
    VentureDistribution,
    VentureShare,
)

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture
def engagement(workspace, partner_a, members):
    return Engagement.objects.create(
        workspace=workspace,
        customer=partner_a,
        title="Inventory control at A",
        start_date=START,
        end_date=END,
        currency="EUR",
        lead=members["orchestrator_staff"].user,
    )


@pytest.fixture
def people(workspace):
    return list(Person.objects.filter(organization_id=workspace.orchestrator_id).order_by("id")[:2])


@pytest.fixture
def staff(client_as):
    return client_as("orchestrator_staff")


def _json(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )


def _terms(client, engagement, **body):
    return _json(client, "put", f"/api/v1/engagements/{engagement.public_id}/terms", body)


def _consulting(staff, engagement, people):
    response = _terms(
        staff,
        engagement,
        model="consulting",
        currency="EUR",
        rates={str(people[0].public_id): "120.50", str(people[1].public_id): "99.995"},
    )
    assert response.status_code == 200, response.content
    return response


def _time(client, engagement, person, day, hours):
    return _json(
        client,
        "post",
        f"/api/v1/engagements/{engagement.public_id}/time-entries",
        {"person_id": str(person.public_id), "work_date": day, "hours": hours},
    )


def _approve_all(client, engagement):
    for entry in TimeEntry.objects.filter(engagement=engagement, status="submitted"):
        response = _json(
            client,
            "post",
            f"/api/v1/time-entries/{entry.public_id}/decision",
            {"decision": "approve"},
        )
        assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"model": "gain_share", "share": "1.5"}, "share", "between 0 and 1"),
        ({"model": "gain_share", "share": "0.2", "floor": "10", "cap": "5"}, "cap", "below"),
        (
            {
                "model": "gain_share",
                "share": "0.2",
                "schedule": [{"due_date": "2026-01-31", "fraction": "0.9"}],
            },
            "schedule",
            "add up to 0.9",
        ),
        ({"model": "subscription"}, "fee", "needed"),
        ({"model": "subscription", "fee": "10", "included_hours": "8"}, "overage_rate", "overage"),
        ({"model": "consulting", "currency": "EURO"}, "currency", "ISO 4217"),
        ({"model": "barter"}, "model", "Choose"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_written(staff, engagement, body, field, message):
    response = _terms(staff, engagement, **{"currency": "EUR", **body})
    assert response.status_code == 422
    errors = {e["loc"][-1]: e["msg"] for e in response.json()["detail"]}
    assert message in errors[field]
    assert not CommercialTerms.objects.filter(engagement=engagement).exists()
    assert Engagement.objects.get(pk=engagement.pk).commercial_model == "consulting"


def test_consulting_time_approval_settlement_and_closed_period(
    staff, client_as, engagement, people, django_capture_on_commit_callbacks
):
    _consulting(staff, engagement, people)
    stranger = Person.objects.exclude(pk__in=[p.pk for p in people]).first()
    refused = _time(staff, engagement, stranger, "2025-03-03", "8")
    assert refused.status_code == 422
    assert "not on this engagement" in refused.json()["detail"][0]["msg"]
    assert _time(staff, engagement, people[0], "2025-03-03", "7.5").status_code == 201
    assert _time(staff, engagement, people[0], "2025-03-04", "0.25").status_code == 201
    assert _time(staff, engagement, people[1], "2025-03-05", "3").status_code == 201
    too_long = _time(staff, engagement, people[1], "2025-03-05", "21.5")
    assert too_long.status_code == 422 and "exceed 24 h" in too_long.json()["detail"][0]["msg"]
    outside = _time(staff, engagement, people[1], "2024-12-31", "1")
    assert "outside the engagement" in outside.json()["detail"][0]["msg"]

    url = f"/api/v1/engagements/{engagement.public_id}/settlements"
    waiting = _json(staff, "post", url, {"day": "2025-03-15"})
    assert waiting.status_code == 422 and "await the lead" in waiting.json()["detail"][0]["msg"]
    entry = TimeEntry.objects.filter(engagement=engagement).first()
    not_lead = _json(
        client_as("orchestrator_admin"),
        "post",
        f"/api/v1/time-entries/{entry.public_id}/decision",
        {"decision": "approve"},
    )
    assert not_lead.status_code == 403
    _approve_all(staff, engagement)

    generated = _json(staff, "post", url, {"day": "2025-03-15"})
    assert generated.status_code == 201, generated.content
    body = generated.json()
    assert (body["period_start"], body["period_end"]) == ("2025-03-01", "2025-03-31")
    # 7.75 h × 120.50 = 933.875 → 933.88; 3 h × 99.995 = 299.985 → 299.99 (half up per line)
    assert sorted(line["amount"] for line in body["lines"]) == ["299.99", "933.88"]
    assert Decimal(body["total"]) == Decimal("1233.87")
    assert body["recomputed_matches"] is True
    settlement = Settlement.objects.get(public_id=body["id"])

    customer = client_as("partner_a_admin")
    assert customer.get(f"/api/v1/settlements/{settlement.public_id}").status_code == 404  # draft

    with django_capture_on_commit_callbacks(execute=True):
        issued = _json(staff, "post", f"/api/v1/settlements/{settlement.public_id}/issue")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert [m.to for m in mail.outbox] == [["admin@partner-a.example"]]
    assert "1233.87 EUR" in mail.outbox[0].body

    count = TimeEntry.objects.count()
    closed = _time(staff, engagement, people[0], "2025-03-20", "2")
    assert closed.status_code == 422
    assert "is closed" in closed.json()["detail"][0]["msg"]
    assert TimeEntry.objects.count() == count
    again = _json(staff, "post", url, {"day": "2025-03-02"})
    assert again.status_code == 422 and "cannot be generated again" in again.content.decode()

    detail = f"/api/v1/settlements/{settlement.public_id}"
    assert client_as("partner_b_member").get(detail).status_code == 404
    member = _json(
        client_as("partner_a_member"), "post", f"{detail}/decision", {"decision": "accept"}
    )
    assert member.status_code == 403
    no_comment = _json(customer, "post", f"{detail}/decision", {"decision": "dispute"})
    assert no_comment.status_code == 422
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        disputed = _json(
            customer,
            "post",
            f"{detail}/decision",
            {"decision": "dispute", "comment": "Bob's hours look high"},
        )
    assert disputed.json()["status"] == "disputed"
    assert mail.outbox[0].to == ["manager@helix.example"]
    assert "Bob's hours look high" in mail.outbox[0].body
    # Disputed: the period opens again for corrections and the statement can be generated anew.
    assert _time(staff, engagement, people[0], "2025-03-20", "2").status_code == 201


def test_stored_settlement_recomputes_to_the_cent(staff, engagement, people):
    _consulting(staff, engagement, people)
    for day, hours in (("2025-05-05", "7.33"), ("2025-05-06", "6.67"), ("2025-05-07", "1.01")):
        _time(staff, engagement, people[0], day, hours)
        _time(staff, engagement, people[1], day, hours)
    _approve_all(staff, engagement)
    response = _json(
        staff,
        "post",
        f"/api/v1/engagements/{engagement.public_id}/settlements",
        {"day": "2025-05-01"},
    )
    stored = Settlement.objects.get(public_id=response.json()["id"])
    stored.refresh_from_db()  # numbers and JSON as the database gives them back
    again = maths.recompute(stored.inputs)
    assert again.total == stored.total
    assert again.lines_json() == stored.lines
    assert again.inputs_hash == stored.inputs_hash
    assert stored.total == sum(Decimal(line["amount"]) for line in stored.lines)
    assert len(stored.inputs["entries"]) == 6


def test_subscription_counts_approved_hours_against_included(staff, engagement, people):
    body = {
        "model": "subscription",
        "currency": "EUR",
        "period": "quarter",
        "fee": "9000",
        "included_hours": "10",
        "overage_rate": "150",
        "rates": {str(people[0].public_id): "100"},
    }
    assert _terms(staff, engagement, **body).status_code == 200
    _time(staff, engagement, people[0], "2025-04-01", "8")
    _time(staff, engagement, people[0], "2025-06-30", "4.5")
    _approve_all(staff, engagement)
    response = _json(
        staff,
        "post",
        f"/api/v1/engagements/{engagement.public_id}/settlements",
        {"day": "2025-05-10"},
    )
    body = response.json()
    assert (body["period_start"], body["period_end"]) == ("2025-04-01", "2025-06-30")
    assert [line["amount"] for line in body["lines"]] == ["9000.00", "375.00"]
    assert body["total"] == "9375.00" or Decimal(body["total"]) == Decimal("9375.00")


def _benefit(workspace, engagement, name, money, low):
    metric = Metric.objects.create(
        workspace=workspace, engagement=engagement, name=name, unit="days", direction="lower",
        value_per_unit=Decimal("1000"), currency="EUR",
    )  # fmt: skip
    return BenefitResult.objects.create(
        workspace=workspace, engagement=engagement, metric=metric, method="diff_in_diff",
        improvement=Decimal("3"), low=Decimal("1"), high=Decimal("5"), money=Decimal(money),
        money_low=Decimal(low), money_high=Decimal(money) * 2, currency="EUR",
        inputs={}, computed_at=timezone.now(),
    )  # fmt: skip


def test_gain_share_on_lower_bound_with_cap_and_schedule(staff, workspace, engagement):
    terms = {
        "model": "gain_share", "currency": "EUR", "share": "0.3", "floor": "5000",
        "cap": "40000", "settle_on_lower_bound": True,
        "schedule": [
            {"due_date": "2026-01-31", "fraction": "0.5"},
            {"due_date": "2026-03-31", "fraction": "0.5"},
        ],
    }  # fmt: skip
    assert _terms(staff, engagement, **terms).status_code == 200
    url = f"/api/v1/engagements/{engagement.public_id}/settlements"
    none_yet = _json(staff, "post", url, {})
    assert none_yet.status_code == 422 and "No benefit" in none_yet.content.decode()
    _benefit(workspace, engagement, "Stock-out days", "120000.00", "70000.01")
    _benefit(workspace, engagement, "Order cycle time", "30000.00", "10000.00")
    body = _json(staff, "post", url, {}).json()
    assert (body["period_start"], body["period_end"]) == ("2025-01-01", "2025-12-31")
    # 0.3 × 70000.01 = 21000.003 → 21000.00; 0.3 × 10000 = 3000.00; 24000.00 within floor..cap
    assert [line["amount"] for line in body["lines"]] == ["3000.00", "21000.00"]
    assert Decimal(body["total"]) == Decimal("24000.00")
    assert [row["amount"] for row in body["schedule"]] == ["12000.00", "12000.00"]
    assert body["inputs"]["settle_on_lower_bound"] is True
    assert {row["metric"] for row in body["inputs"]["benefits"]} == {
        "Stock-out days",
        "Order cycle time",
    }


def test_joint_venture_shares_contributions_distribution(staff, workspace, engagement, partner_a):
    orchestrator = workspace.orchestrator
    assert _terms(staff, engagement, model="joint_venture", currency="EUR").status_code == 200
    base = f"/api/v1/engagements/{engagement.public_id}/venture"
    wrong = _json(
        staff,
        "put",
        f"{base}/shares",
        {"shares": [{"organization_id": str(orchestrator.public_id), "share": "0.6"},
                    {"organization_id": str(partner_a.public_id), "share": "0.3"}]},
    )  # fmt: skip
    assert wrong.status_code == 422 and "add up to 0.9" in wrong.content.decode()
    assert not VentureShare.objects.filter(engagement=engagement).exists()
    shares = [
        {"organization_id": str(orchestrator.public_id), "share": "0.3333"},
        {"organization_id": str(partner_a.public_id), "share": "0.6667"},
    ]
    assert _json(staff, "put", f"{base}/shares", {"shares": shares}).status_code == 200
    in_kind = {
        "organization_id": str(orchestrator.public_id), "kind": "in_kind", "hours": "40",
        "rate": "95.55", "contributed_on": "2025-02-01",
    }  # fmt: skip
    assert _json(staff, "post", f"{base}/contributions", in_kind).status_code == 201
    money = {
        "organization_id": str(partner_a.public_id), "kind": "money", "amount": "25000",
        "contributed_on": "2025-02-02",
    }  # fmt: skip
    venture = _json(staff, "post", f"{base}/contributions", money).json()
    owners = {row["organization"]: row for row in venture["owners"]}
    assert Decimal(owners[orchestrator.name]["contributed_in_kind"]) == Decimal("3822.00")
    result = _json(
        staff, "post", f"{base}/distributions", {"day": "2025-02-10", "result": "1000.01"}
    ).json()
    lines = result["distributions"][0]["lines"]
    assert sum(Decimal(line["amount"]) for line in lines) == Decimal("1000.01")
    settlement = _json(
        staff,
        "post",
        f"/api/v1/engagements/{engagement.public_id}/settlements",
        {"day": "2025-02-10"},
    ).json()
    assert Decimal(settlement["total"]) == Decimal("1000.01")
    assert settlement["inputs_hash"] == VentureDistribution.objects.get().inputs_hash


def test_pages_portal_and_exports(
    staff, client_as, engagement, people, django_assert_max_num_queries
):
    _consulting(staff, engagement, people)
    page = staff.post(
        f"/engagements/{engagement.public_id}/time/new/",
        {
            "person": people[0].public_id,
            "work_date": "2025-07-01",
            "hours": "6",
            "note": "workshop",
        },
    )
    assert page.status_code == 302
    entry = TimeEntry.objects.get(engagement=engagement)
    time_page = staff.get(f"/engagements/{engagement.public_id}/time/")
    assert b"Waiting for your approval" in time_page.content and b"workshop" in time_page.content
    staff.post(f"/time-entries/{entry.public_id}/decide/", {"decision": "approve"})
    assert TimeEntry.objects.get(pk=entry.pk).status == "approved"
    response = staff.post(
        f"/engagements/{engagement.public_id}/settlements/generate/", {"day": "2025-07-09"}
    )
    settlement = Settlement.objects.get(engagement=engagement)
    assert response.url == f"/settlements/{settlement.public_id}/"
    detail = staff.get(response.url)
    assert b"the same figures to the cent" in detail.content and b"723.00" in detail.content
    staff.post(f"/settlements/{settlement.public_id}/issue/")

    customer = client_as("partner_a_admin")
    assert customer.get("/settlements/").status_code == 200
    assert str(settlement.public_id).encode() in customer.get("/settlements/").content
    portal = customer.get(f"/settlements/{settlement.public_id}/")
    assert portal.status_code == 200 and b"Accept" in portal.content
    customer.post(f"/settlements/{settlement.public_id}/decide/", {"decision": "accept"})
    assert Settlement.objects.get(pk=settlement.pk).status == "accepted"
    assert (
        client_as("partner_b_member").get(f"/settlements/{settlement.public_id}/").status_code
        == 404
    )
    assert (
        client_as("partner_b_member").get(f"/engagements/{engagement.public_id}/time/").status_code
        == 404
    )
    other = client_as("partner_b_member").get("/settlements/")
    assert str(settlement.public_id).encode() not in other.content

    csv_export = customer.get(f"/settlements/{settlement.public_id}/csv/")
    text = csv_export.content.decode()
    assert "723.00" in text and "inputs_hash" in text and "rates." in text
    pdf = customer.get(f"/api/v1/settlements/{settlement.public_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listing = staff.get("/settlements/?export=csv&status=accepted")
    assert str(settlement.public_id) in b"".join(listing.streaming_content).decode()
    for url in (
        f"/engagements/{engagement.public_id}/terms/",
        f"/engagements/{engagement.public_id}/settlements/",
        f"/engagements/{engagement.public_id}/venture/",
    ):
        assert staff.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        assert staff.get("/api/v1/settlements?status=accepted").json()["count"] == 1
    with django_assert_max_num_queries(20):
        listed = staff.get(f"/api/v1/engagements/{engagement.public_id}/time-entries")
        assert listed.json()["count"] == 1


def test_subscription_counts_people_against_included_people(staff, engagement, people):
    body = {
        "model": "subscription", "currency": "EUR", "period": "quarter", "fee": "9000",
        "included_people": 1, "person_overage_rate": "700",
        "rates": {str(people[0].public_id): "100", str(people[1].public_id): "90"},
    }  # fmt: skip
    refused = _terms(staff, engagement, **{**body, "person_overage_rate": None})
    assert refused.status_code == 422 and "per person" in refused.content.decode()
    assert _terms(staff, engagement, **body).status_code == 200
    _time(staff, engagement, people[0], "2025-04-01", "8")
    _time(staff, engagement, people[1], "2025-04-02", "3")
    _approve_all(staff, engagement)
    response = _json(
        staff, "post", f"/api/v1/engagements/{engagement.public_id}/settlements",
        {"day": "2025-05-10"},
    )  # fmt: skip
    lines = response.json()["lines"]
    assert [line["amount"] for line in lines] == ["9000.00", "700.00"]
    assert lines[1]["unit"] == "person" and Decimal(lines[1]["quantity"]) == 1
