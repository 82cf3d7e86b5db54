"""Separations through the API and the pages, as each side sees them."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecosys.portability import services
from ecosys.portability.models import BundleDelivery, Separation

BUNDLE = b"PK\x03\x04 page bundle"


def _post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def separation(actors, partner_a):
    earliest, _ = services.earliest_effective_date(partner_a)
    return services.separation_start(
        actor=actors["orchestrator_staff"], organization=partner_a, reason="Matrix of two",
        effective_date=earliest,
    )  # fmt: skip


def test_external_admin_starts_its_own_separation_through_the_api(client_as, partner_a):
    earliest, _ = services.earliest_effective_date(partner_a)
    response = _post(
        client_as("partner_a_admin"),
        "/api/v1/separations",
        {"reason": "We move on", "effective_date": str(earliest)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["started_by_side"] == "organization"
    assert body["organization"]["id"] == str(partner_a.public_id)
    assert {step["key"] for step in body["checklist"]} == {"bundle", "items", "access", "data"}


def test_api_refuses_an_early_date_with_the_notice_period(client_as, partner_a):
    response = _post(
        client_as("orchestrator_staff"),
        "/api/v1/separations",
        {
            "organization_id": str(partner_a.public_id),
            "reason": "r",
            "effective_date": "2000-01-01",
        },
    )
    assert response.status_code == 422
    assert "effective" in response.content.decode()


def test_other_organisations_get_404_and_members_403(client_as, separation):
    url = f"/api/v1/separations/{separation.public_id}"
    assert client_as("partner_b_member").get(url).status_code == 404
    assert client_as("partner_a_member").get(url).status_code == 200
    assert _post(client_as("partner_a_member"), url + "/bundle/acknowledgement").status_code == 403
    assert _post(client_as("partner_b_member"), url + "/bundle/acknowledgement").status_code in (
        403,
        404,
    )
    item = separation.items.first()
    response = _post(
        client_as("partner_a_admin"),
        f"/api/v1/separation-items/{item.public_id}/decision",
        {"decision": "revoke"},
    )
    assert response.status_code == 403
    listing = client_as("partner_b_member").get("/api/v1/separations").json()
    assert listing["count"] == 0
    assert client_as("orchestrator_staff").get("/api/v1/separations").json()["count"] == 1


def test_api_walks_a_separation_to_completion(client_as, workspace, separation):
    staff, admin = client_as("orchestrator_staff"), client_as("partner_a_admin")
    base = f"/api/v1/separations/{separation.public_id}"
    completion = {"why": "w", "delivered": "d", "invitation": "i"}
    refused = _post(staff, base + "/completion", completion)
    assert refused.status_code == 422 and "Still open" in refused.content.decode()
    sha = hashlib.sha256(BUNDLE).hexdigest()
    delivered = _post(
        staff, base + "/bundle", {"file_name": "a.zip", "sha256": sha, "size_bytes": 10}
    )
    assert delivered.status_code == 201
    assert _post(admin, base + "/bundle/acknowledgement").status_code == 200
    for item in separation.items.all():
        decision = {"access": "revoke", "sharing": "revoke", "deal": "back"}.get(item.kind, "close")
        response = _post(
            staff, f"/api/v1/separation-items/{item.public_id}/decision",
            {"decision": decision, "note": "api"},
        )  # fmt: skip
        assert response.status_code == 200, response.content
    services.separations_review(workspace=workspace, today=separation.effective_date)
    erased = _post(staff, base + "/erasure")
    assert erased.status_code == 200 and erased.json()["erasure"]["bundle_sha256"] == sha
    done = _post(staff, base + "/completion", completion)
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_pages_for_both_sides(client_as, separation, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff = client_as("orchestrator_staff")
    assert separation.organization.name in staff.get("/separations/").content.decode()
    assert staff.get("/separations/?export=csv").status_code == 200
    detail = staff.get(f"/separations/{separation.public_id}/").content.decode()
    assert "Checklist" in detail and "Erase and certify" in detail
    response = staff.post(
        f"/separations/{separation.public_id}/bundle/",
        {"bundle": SimpleUploadedFile("partner-a.zip", BUNDLE)},
    )
    assert response.status_code == 302
    delivery = BundleDelivery.objects.get(separation=separation)
    assert delivery.sha256 == hashlib.sha256(BUNDLE).hexdigest()
    admin = client_as("partner_a_admin")
    page = admin.get(f"/separations/{separation.public_id}/").content.decode()
    assert "We received the bundle" in page and "Erase and certify" not in page
    download = admin.get(f"/separations/{separation.public_id}/bundle/download/")
    assert b"".join(download.streaming_content) == BUNDLE
    admin.post(f"/separations/{separation.public_id}/acknowledge/")
    delivery.refresh_from_db()
    assert delivery.acknowledged_at is not None
    assert (
        client_as("partner_b_member").get(f"/separations/{separation.public_id}/").status_code
        == 404
    )
    assert Client().get("/separations/").status_code == 302


def test_start_page_for_an_external_admin(client_as, partner_a):
    admin = client_as("partner_a_admin")
    assert admin.get("/separations/new/").status_code == 200
    assert client_as("partner_a_member").get("/separations/new/").status_code == 403
    earliest, _ = services.earliest_effective_date(partner_a)
    response = admin.post(
        "/separations/new/",
        {"reason": "Time to go", "effective_date": str(earliest), "data_handling": "erase"},
    )
    assert response.status_code == 302
    assert Separation.objects.get(organization=partner_a).started_by_side == "organization"


def test_lists_keep_their_query_count(
    client_as, actors, partner_b, separation, django_assert_max_num_queries
):
    earliest, _ = services.earliest_effective_date(partner_b)
    services.separation_start(
        actor=actors["orchestrator_staff"], organization=partner_b, reason="Second",
        effective_date=earliest,
    )  # fmt: skip
    staff = client_as("orchestrator_staff")
    staff.get("/separations/")  # warm the session and content-type caches
    with django_assert_max_num_queries(12):
        page = staff.get("/separations/")
    assert page.status_code == 200
    with django_assert_max_num_queries(12):
        api = staff.get("/api/v1/separations")
    assert api.json()["count"] == 2
    with django_assert_max_num_queries(25):
        assert staff.get(f"/separations/{separation.public_id}/").status_code == 200
