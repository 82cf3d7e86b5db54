"""From the public "become a partner" form, through approval steps, to a partner in onboarding."""

import json

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from ecosys.core.models import Membership
from ecosys.ecosystem.models import Organization
from ecosys.partners.applications import FORM_SALT
from ecosys.partners.models import Application, ApprovalStep, Partner

GOOD = {
    "company_name": "Kite Automation GmbH",
    "website_domain": "kite-automation.example",
    "country": "DE",
    "region": "europe",
    "partner_type": "integrator",
    "contact_name": "Karla Kite",
    "contact_email": "karla@kite-automation.example",
    "message": "We automate packaging lines.",
}


def _token(age_seconds=10):
    return signing.dumps(timezone.now().timestamp() - age_seconds, salt=FORM_SALT)


def _apply(client, data=None, **extra):
    return client.post("/apply/helix/", {**GOOD, **(data or {}), "started": _token(), **extra})


def test_public_form_accepts_a_good_application(workspace, django_capture_on_commit_callbacks):
    client = Client()
    assert b"Become a partner of Helix" in client.get("/apply/helix/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = _apply(client)
    assert response.status_code == 200 and b"Thank you" in response.content
    application = Application.objects.get(website_domain="kite-automation.example")
    assert application.status == "pending" and application.submitted_from == "127.0.0.1"
    assert mail.outbox[0].to == ["karla@kite-automation.example"]
    assert client.get("/apply/nowhere/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"website_domain": "https://kite.example/x"}, "bare domain"),
        ({"country": "XX"}, "Choose a country"),
        ({"partner_type": "customer"}, "how you would work with us"),
        ({"contact_email": "nope"}, "valid e-mail"),
        ({"company_name": ""}, "required"),
        ({"website_domain": "helix-components.example"}, "already part of our ecosystem"),
    ],
)
def test_bad_applications_are_refused_with_a_reason(workspace, changes, message):
    response = _apply(Client(), changes)
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_spam_protection(workspace):
    client = Client()
    too_fast = client.post("/apply/helix/", {**GOOD, "started": _token(age_seconds=0)})
    assert "too fast" in too_fast.content.decode()
    honeypot = _apply(client, homepage="http://spam.example")
    assert "could not be accepted" in honeypot.content.decode()
    forged = client.post("/apply/helix/", {**GOOD, "started": "forged"})
    assert "expired" in forged.content.decode()
    assert not Application.objects.exists()


def test_duplicate_domain_is_refused(workspace):
    _apply(Client())
    again = _apply(
        Client(), {"company_name": "Kite again", "contact_email": "x@kite-automation.example"}
    )
    assert "already in review" in again.content.decode()
    assert Application.objects.count() == 1


def test_two_step_approval_creates_partner_and_invites_its_admin(
    client_as, members, workspace, django_capture_on_commit_callbacks
):
    admin, manager = client_as("orchestrator_admin"), client_as("orchestrator_staff")
    steps = [
        {"name": "Channel review", "approvers": ["manager@helix.example"]},
        {"name": "Sign-off", "approvers": ["admin@helix.example"]},
    ]
    response = admin.put(
        "/api/v1/approval-steps", json.dumps(steps), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert (
        manager.put(
            "/api/v1/approval-steps", json.dumps(steps), content_type="application/json"
        ).status_code
        == 403
    )
    _apply(Client())
    application = Application.objects.get()
    assert application.current_step.name == "Channel review"
    url = f"/partners/applications/{application.public_id}/decide/"
    admin.post(url, {"decision": "approve"})  # not an approver of step 1
    application.refresh_from_db()
    assert application.current_step.name == "Channel review"
    manager.post(url, {"decision": "approve", "comment": "Strong in packaging"})
    application.refresh_from_db()
    assert application.current_step.name == "Sign-off" and application.status == "pending"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url, {"decision": "approve"})
    application.refresh_from_db()
    assert application.status == "approved"
    org = Organization.objects.get(website_domain="kite-automation.example")
    assert org.role_codes == ["integrator"] and org.country.code == "DE"
    partner = Partner.objects.get(organization=org)
    assert partner.state == "onboarding" and application.partner == partner
    assert [s.to_state for s in partner.timeline.all()] == ["applicant", "onboarding"]
    membership = Membership.objects.get(user__email="karla@kite-automation.example")
    assert membership.organization == org and membership.role == "external_admin"
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["karla@kite-automation.example", "karla@kite-automation.example"]
    assert any("/password/set/" in message.body for message in mail.outbox)


def test_rejection_needs_a_reason_and_tells_the_applicant(
    client_as, workspace, django_capture_on_commit_callbacks
):
    _apply(Client())
    application = Application.objects.get()
    client = client_as("orchestrator_staff")
    url = f"/api/v1/applications/{application.public_id}/decisions"
    no_reason = client.post(
        url, json.dumps({"decision": "reject"}), content_type="application/json"
    )
    assert no_reason.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client.post(
            url,
            json.dumps({"decision": "reject", "comment": "Outside our regions"}),
            content_type="application/json",
        )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decisions"][-1]["comment"] == "Outside our regions"
    assert "Outside our regions" in mail.outbox[-1].body
    late = client.post(url, json.dumps({"decision": "approve"}), content_type="application/json")
    assert late.status_code == 403
    assert not Organization.objects.filter(website_domain="kite-automation.example").exists()


def test_public_api_submission_and_partner_cannot_see_applications(client_as, workspace):
    client = Client()
    token = client.get("/api/v1/public/helix/application-token").json()["token"]
    fast = client.post(
        "/api/v1/public/helix/applications",
        json.dumps({**GOOD, "token": token}),
        content_type="application/json",
    )
    assert fast.status_code == 422
    slow = client.post(
        "/api/v1/public/helix/applications",
        json.dumps({**GOOD, "token": _token()}),
        content_type="application/json",
    )
    assert slow.status_code == 201
    assert client_as("partner_a_admin").get("/api/v1/applications").status_code == 403
    assert client_as("partner_a_admin").get("/partners/applications/").status_code == 403
    assert ApprovalStep.objects.count() == 0


def test_staff_approval_invites_the_admin_too(
    client_as, workspace, django_capture_on_commit_callbacks
):
    from ecosys.core.models import Membership

    _apply(Client())
    application = Application.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_as("orchestrator_staff").post(
            f"/partners/applications/{application.public_id}/decide/", {"decision": "approve"}
        )
    application.refresh_from_db()
    assert application.status == "approved"
    assert (
        Membership.objects.get(user__email="karla@kite-automation.example").role == "external_admin"
    )
