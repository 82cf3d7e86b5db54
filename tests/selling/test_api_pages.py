"""Deal registration through the API and the pages, as partners and the orchestrator use them."""

import datetime as dt
import json

from django.utils import timezone

from ecosys.selling.models import DealRegistration, DealStatus

CLOSE = str(timezone.localdate() + dt.timedelta(days=45))


def _body(partner_id, **fields):
    return {
        "partner_id": str(partner_id),
        "customer_name": "Kestrel Foods",
        "customer_domain": "kestrel-foods.example",
        "title": "Bottling line retrofit",
        "estimated_value": "125000.50",
        "currency": "eur",
        "expected_close_date": CLOSE,
        **fields,
    }


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_register_decide_and_close_through_the_api(
    client_as, partner_rec_a, partner_rec_b, django_assert_max_num_queries
):
    admin, staff = client_as("partner_a_admin"), client_as("orchestrator_staff")
    response = _post(admin, "/api/v1/deals", _body(partner_rec_a.public_id))
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["status"] == "submitted" and deal["currency"] == "EUR"
    assert deal["estimated_value"] == "125000.50" and deal["conflicts"] == []
    # Partner B's registration for the same customer (found by domain) is refused at approval.
    rival = _post(
        staff, "/api/v1/deals", _body(partner_rec_b.public_id, customer_name="Kestrel")
    ).json()
    approve = {"decision": "approve"}
    assert _post(staff, f"/api/v1/deals/{deal['id']}/decision", approve).status_code == 200
    refused = _post(staff, f"/api/v1/deals/{rival['id']}/decision", approve)
    assert refused.status_code == 422
    assert "Bottling line retrofit" in refused.json()["detail"][0]["msg"]
    # The orchestrator sees which registration conflicts; partner B's member learns only when.
    shown = staff.get(f"/api/v1/deals/{rival['id']}").json()
    assert shown["conflicts"][0]["title"] == "Bottling line retrofit"
    assert shown["conflicts"][0]["id"] == deal["id"]
    seen_by_b = client_as("partner_b_member").get(f"/api/v1/deals/{rival['id']}").json()
    assert seen_by_b["conflicts"][0]["id"] is None and seen_by_b["conflicts"][0]["partner"] == ""
    # The partner's admin reports the outcome.
    closed = _post(admin, f"/api/v1/deals/{deal['id']}/close", {"outcome": "won"})
    assert closed.status_code == 200 and closed.json()["status"] == "won"
    assert [s["to_status"] for s in closed.json()["history"]] == ["submitted", "approved", "won"]
    with django_assert_max_num_queries(8):
        listed = staff.get("/api/v1/deals?q=kestrel&sort=created_at&per_page=50")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [deal["id"], rival["id"]]


def test_partners_see_and_register_only_their_own(client_as, partner_rec_a, partner_rec_b):
    admin = client_as("partner_a_admin")
    assert _post(admin, "/api/v1/deals", _body(partner_rec_b.public_id)).status_code == 404
    member = client_as("partner_a_member")
    assert _post(member, "/api/v1/deals", _body(partner_rec_a.public_id)).status_code == 403
    own = _post(admin, "/api/v1/deals", _body(partner_rec_a.public_id)).json()
    assert (
        _post(admin, f"/api/v1/deals/{own['id']}/decision", {"decision": "approve"}).status_code
        == 403
    )
    assert client_as("partner_b_member").get(f"/api/v1/deals/{own['id']}").status_code == 404
    rows = client_as("partner_b_member").get("/api/v1/deals?per_page=100").json()["results"]
    assert rows and {row["partner_id"] for row in rows} == {str(partner_rec_b.public_id)}


def test_list_filters_and_exports(client_as, partner_rec_a):
    staff = client_as("orchestrator_staff")
    _post(staff, "/api/v1/deals", _body(partner_rec_a.public_id, title="Export me"))
    rows = staff.get("/api/v1/deals?status=submitted&partner=" + partner_rec_a.organization.name)
    assert {row["status"] for row in rows.json()["results"]} == {"submitted"}
    csv = staff.get("/api/v1/deals/export?format=csv&q=Export")
    text = b"".join(csv.streaming_content).decode()
    assert text.splitlines()[0].startswith("id,title,customer") and "Export me" in text
    page = staff.get("/deals/?export=xlsx&status=submitted")
    assert page.status_code == 200 and page["Content-Type"].startswith("application/vnd.openxml")


def test_pages_submit_decide_and_show_the_timeline(
    client_as, partner_rec_a, partner_rec_b, django_assert_max_num_queries
):
    admin, staff = client_as("partner_a_admin"), client_as("orchestrator_staff")
    form = admin.get("/deals/new/")
    assert form.status_code == 200
    assert b'type="hidden" name="partner"' in form.content  # its own partner, not a choice
    response = admin.post(
        "/deals/new/",
        {
            "partner": str(partner_rec_a.public_id),
            "customer_name": "Heron Plastics",
            "title": "Extruder controls",
            "estimated_value": "40000",
            "currency": "EUR",
            "expected_close_date": CLOSE,
        },
    )
    deal = DealRegistration.objects.get(title="Extruder controls")
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.public_id}/"
    refused = admin.post(
        "/deals/new/",
        {
            "partner": str(partner_rec_b.public_id),
            "customer_name": "Other",
            "title": "Not mine",
            "estimated_value": "1",
            "currency": "EUR",
            "expected_close_date": CLOSE,
        },
    )
    assert refused.status_code == 200 and not DealRegistration.objects.filter(title="Not mine")
    detail = staff.get(f"/deals/{deal.public_id}/")
    assert b"Approve" in detail.content and b"Registered" in detail.content
    assert b"Approve" not in admin.get(f"/deals/{deal.public_id}/").content
    staff.post(f"/deals/{deal.public_id}/decide/", {"decision": "approve"})
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    page = admin.get(f"/deals/{deal.public_id}/").content.decode()
    assert "Protected until" in page and deal.protection_basis in page
    assert page.count('class="badge') >= 3  # status plus two timeline steps
    staff.get("/deals/")  # warm the session and caches, then count a page of the list
    with django_assert_max_num_queries(12):
        listed = staff.get("/deals/?q=Extruder")
    assert listed.status_code == 200 and "Extruder controls" in listed.content.decode()
    assert b"Deals" in listed.content  # in the orchestrator's menu
    assert client_as("partner_b_member").get(f"/deals/{deal.public_id}/").status_code == 404


def test_a_conflict_is_shown_when_submitting_on_the_page(client_as, partner_rec_a, partner_rec_b):
    staff = client_as("orchestrator_staff")
    first = _post(staff, "/api/v1/deals", _body(partner_rec_a.public_id)).json()
    _post(staff, f"/api/v1/deals/{first['id']}/decision", {"decision": "approve"})
    response = staff.post(
        "/deals/new/",
        {
            "partner": str(partner_rec_b.public_id),
            "customer_name": "KESTREL FOODS",
            "title": "Rival",
            "estimated_value": "10",
            "currency": "EUR",
            "expected_close_date": CLOSE,
        },
        follow=True,
    )
    text = response.content.decode()
    assert "cannot be approved before then" in text
    assert "Bottling line retrofit" in text  # the detail's conflict box names it for staff
    decided = staff.post(
        f"/deals/{DealRegistration.objects.get(title='Rival').public_id}/decide/",
        {"decision": "approve"},
        follow=True,
    )
    assert "conflicts with an approved one" in decided.content.decode()
    assert DealRegistration.objects.get(title="Rival").status == DealStatus.SUBMITTED
