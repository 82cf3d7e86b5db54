"""Agreements: versioned terms, issue, acceptance recorded in the portal, reminders, renewal."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from ecosys.partners import agreements as service
from ecosys.partners.models import Agreement, AgreementTemplate, Partner

CLAUSES = {
    "terms": "The partner resells Helix components in its territory.",
    "exit_clause": "Either side may end the agreement with notice; open orders are fulfilled.",
    "data_return_clause": "Within 30 days of the end, each side returns or erases the data.",
}


@pytest.fixture
def version(actors, workspace):
    actor = actors["orchestrator_staff"]
    template = service.template_create(actor=actor, name="Reseller agreement")
    return service.version_publish(
        actor=actor, template=template, term_months=12, notice_days=60, **CLAUSES
    )


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert service.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert service.add_months(dt.date(2026, 11, 15), 12) == dt.date(2027, 11, 15)
    assert service.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


def test_versions_number_themselves_and_need_their_clauses(actors, version):
    actor = actors["orchestrator_staff"]
    assert version.number == 1 and version.renewal == "fixed"  # fixed term unless chosen
    second = service.version_publish(
        actor=actor, template=version.template, renewal="auto", **CLAUSES
    )
    assert second.number == 2
    with pytest.raises(ValidationError) as error:
        service.version_publish(
            actor=actor,
            template=version.template,
            terms="x",
            exit_clause="",
            data_return_clause="",
            notice_days=400,
        )
    assert {"exit_clause", "data_return_clause", "notice_days"} <= set(error.value.message_dict)


def test_issue_accept_in_the_portal_records_who_when_version_and_where(
    client_as, actors, partner_a, version, django_capture_on_commit_callbacks
):
    partner = Partner.objects.get(organization=partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        agreement = service.agreement_issue(
            actor=actors["orchestrator_staff"],
            partner=partner,
            version=version,
            start_date=dt.date(2026, 12, 1),
        )
    assert agreement.end_date == dt.date(2027, 11, 30) and agreement.notice_date == dt.date(
        2027, 10, 1
    )
    assert mail.outbox[-1].to == ["admin@partner-a.example"]
    url = f"/partners/agreements/{agreement.public_id}/decide/"
    member = client_as("partner_a_member").post(
        url, {"decision": "accept", "version": "1"}, follow=True
    )
    assert "Only an admin" in member.content.decode()
    stale = client_as("partner_a_admin").post(
        url, {"decision": "accept", "version": "0"}, follow=True
    )
    assert "terms changed" in stale.content.decode()
    client_as("partner_a_admin").post(url, {"decision": "accept", "version": "1"})
    agreement.refresh_from_db()
    assert (
        agreement.status == "accepted" and agreement.accepted_by.email == "admin@partner-a.example"
    )
    assert agreement.accepted_from == "127.0.0.1" and agreement.accepted_at is not None
    page = (
        client_as("partner_a_member")
        .get(f"/partners/agreements/{agreement.public_id}/")
        .content.decode()
    )
    assert "In force" in page and "Return of data" in page
    assert (
        client_as("partner_b_member")
        .get(f"/partners/agreements/{agreement.public_id}/")
        .status_code
        == 404
    )


def test_decline_needs_a_reason(client_as, actors, partner_a, version):
    partner = Partner.objects.get(organization=partner_a)
    agreement = service.agreement_issue(
        actor=actors["orchestrator_staff"],
        partner=partner,
        version=version,
        start_date=dt.date(2026, 12, 1),
    )
    api = client_as("partner_a_admin")
    url = f"/api/v1/agreements/{agreement.public_id}/decision"
    assert (
        api.post(
            url, json.dumps({"decision": "decline"}), content_type="application/json"
        ).status_code
        == 422
    )
    done = api.post(
        url,
        json.dumps({"decision": "decline", "reason": "Territory too small"}),
        content_type="application/json",
    )
    assert (
        done.json()["status"] == "declined"
        and done.json()["decline_reason"] == "Territory too small"
    )


def test_review_reminds_before_notice_renews_auto_and_ends_fixed(
    actors, workspace, partner_a, partner_b, version
):
    actor = actors["orchestrator_staff"]
    auto = service.version_publish(
        actor=actor,
        template=AgreementTemplate.objects.create(workspace=workspace, name="Auto"),
        renewal="auto",
        term_months=12,
        notice_days=30,
        **CLAUSES,
    )
    fixed = service.agreement_issue(
        actor=actor,
        partner=Partner.objects.get(organization=partner_a),
        version=version,
        start_date=dt.date(2025, 1, 1),
    )
    renewing = service.agreement_issue(
        actor=actor,
        partner=Partner.objects.get(organization=partner_b),
        version=auto,
        start_date=dt.date(2025, 1, 1),
    )
    Agreement.objects.filter(pk__in=[fixed.pk, renewing.pk]).update(status="accepted")
    mail.outbox.clear()
    first = service.agreements_review(
        workspace=workspace, today=dt.date(2025, 10, 15)
    )  # 18 days before fixed's notice date
    assert first == {"reminded": 1, "renewed": 0, "ended": 0}
    assert "Notice must be given by 2025-11-01" in mail.outbox[-1].body
    assert (
        service.agreements_review(workspace=workspace, today=dt.date(2025, 10, 16))["reminded"] == 0
    )  # once only
    later = service.agreements_review(workspace=workspace, today=dt.date(2026, 1, 2))
    assert later == {"reminded": 0, "renewed": 1, "ended": 1}
    fixed.refresh_from_db()
    renewing.refresh_from_db()
    assert fixed.status == "ended"
    assert renewing.status == "accepted" and renewing.end_date == dt.date(2026, 12, 31)


def test_api_issue_and_pages(client_as, partner_a, version):
    staff = client_as("orchestrator_staff")
    partner = Partner.objects.get(organization=partner_a)
    issued = staff.post(
        "/api/v1/agreements",
        json.dumps(
            {
                "partner_id": str(partner.public_id),
                "version_id": str(version.public_id),
                "start_date": "2026-12-01",
            }
        ),
        content_type="application/json",
    )
    assert issued.status_code == 201, issued.content
    again = staff.post(
        "/api/v1/agreements",
        json.dumps(
            {
                "partner_id": str(partner.public_id),
                "version_id": str(version.public_id),
                "start_date": "2026-12-01",
            }
        ),
        content_type="application/json",
    )
    assert again.status_code == 422
    listing = staff.get("/partners/agreements/", {"status": "issued"}).content.decode()
    assert partner_a.name in listing and "Waiting for acceptance" in listing
    assert "Reseller agreement" in staff.get("/partners/agreement-templates/").content.decode()
    assert client_as("partner_a_admin").get("/api/v1/agreements").json()["count"] == (
        Agreement.objects.filter(partner__organization=partner_a).count()
    )
    assert all(
        a["partner"] != partner_a.name
        for a in client_as("partner_b_member").get("/api/v1/agreements").json()["results"]
    )
    assert client_as("partner_a_admin").post("/api/v1/agreement-review").status_code == 403


def test_an_automatic_term_ends_instead_of_renewing_while_a_separation_is_under_way(
    actors, workspace, partner_b
):
    from ecosys.portability.models import Separation

    actor = actors["orchestrator_staff"]
    auto = service.version_publish(
        actor=actor,
        template=AgreementTemplate.objects.create(workspace=workspace, name="Auto"),
        renewal="auto",
        term_months=12,
        notice_days=30,
        **CLAUSES,
    )
    renewing = service.agreement_issue(
        actor=actor,
        partner=Partner.objects.get(organization=partner_b),
        version=auto,
        start_date=dt.date(2025, 1, 1),
    )
    Agreement.objects.filter(pk=renewing.pk).update(status="accepted")
    separation = Separation.objects.create(
        workspace=workspace,
        organization=partner_b,
        reason="parting",
        effective_date=dt.date(2026, 2, 1),
        transition_end=dt.date(2026, 3, 3),
        data_retrieval_until=dt.date(2026, 3, 3),
        started_by_side="orchestrator",
    )
    counts = service.agreements_review(workspace=workspace, today=dt.date(2026, 1, 2))
    assert counts == {"reminded": 0, "renewed": 0, "ended": 1}
    renewing.refresh_from_db()
    assert renewing.status == "ended" and renewing.end_date == dt.date(2025, 12, 31)
    # Once the separation is cancelled, automatic terms renew again.
    separation.status = "cancelled"
    separation.save()
    Agreement.objects.filter(pk=renewing.pk).update(status="accepted")
    assert service.agreements_review(workspace=workspace, today=dt.date(2026, 1, 2))["renewed"] == 1
