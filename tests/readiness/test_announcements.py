"""Announcements reach the targeted partner members, in the portal and by e-mail, with receipts."""

import json

from django.core import mail

from ecosys.partners.models import Partner, Program
from ecosys.readiness.models import Announcement


def test_targeting_delivery_and_read_receipts(
    client_as, partner_a, partner_b, workspace, django_capture_on_commit_callbacks
):
    program = Program.objects.get(name="Reseller programme")
    Partner.objects.filter(organization=partner_a).update(program=program)
    Partner.objects.filter(organization=partner_b).update(program=None)
    staff = client_as("orchestrator_staff")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/api/v1/announcements",
            json.dumps(
                {
                    "title": "New servo line",
                    "body": "Available from March.",
                    "program_id": str(program.public_id),
                    "member_role": "external_admin",
                }
            ),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    announcement = Announcement.objects.get(public_id=body["id"])
    recipients = {m.to[0] for m in mail.outbox}
    assert "admin@partner-a.example" in recipients and "member@partner-a.example" not in recipients
    assert "member@partner-b.example" not in recipients and body["delivered"] == len(
        announcement.recipients
    )
    admin = client_as("partner_a_admin")
    listing = admin.get("/announcements/").content.decode()
    assert "New servo line" in listing and "new" in listing
    admin.get(f"/announcements/{announcement.public_id}/")
    assert staff.get(f"/api/v1/announcements/{announcement.public_id}").json()["read"] == 1
    assert (
        client_as("partner_b_member").get(f"/announcements/{announcement.public_id}/").status_code
        == 404
    )
    assert (
        "New servo line"
        not in client_as("partner_a_member").get("/announcements/").content.decode()
    )


def test_bad_targeting_is_refused(client_as, workspace):
    response = client_as("orchestrator_staff").post(
        "/api/v1/announcements",
        json.dumps({"title": "", "body": "", "region": "mars"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"title", "body", "region"}
    assert (
        client_as("partner_a_admin")
        .post(
            "/api/v1/announcements",
            json.dumps({"title": "x", "body": "y"}),
            content_type="application/json",
        )
        .status_code
        == 403
    )
