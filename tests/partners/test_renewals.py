"""Term-limited relationships: a renewal review opens before the notice date with the
relationship's figures, both sides answer renew / change / part, and nothing renews silently."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecosys.partners import agreements, renewals
from ecosys.partners.models import (
    Agreement,
    AgreementStatus,
    Partner,
    Renewal,
    RenewalReview,
    RenewalReviewStatus,
)

TODAY = timezone.localdate()


def _agreement(actors, organization, *, renewal=Renewal.FIXED, start=None, name="Reseller"):
    """An agreement in force whose 12-month term ends about 65 days from today."""
    staff = actors["orchestrator_staff"]
    template = agreements.template_create(actor=staff, name=f"{name} {organization.pk}")
    version = agreements.version_publish(
        actor=staff, template=template, terms="The terms.", exit_clause="e",
        data_return_clause="d", notice_days=60, renewal=renewal,
    )  # fmt: skip
    agreement = agreements.agreement_issue(
        actor=staff, partner=Partner.objects.get(organization=organization), version=version,
        start_date=start or TODAY - dt.timedelta(days=300),
    )  # fmt: skip
    return agreements.agreement_accept(
        actor=actors["partner_a_admin"], agreement=agreement, address=None, version_number=1
    )


@pytest.fixture
def fixed(actors, partner_a):
    return _agreement(actors, partner_a)


def test_agreements_default_to_a_fixed_term(actors):
    staff = actors["orchestrator_staff"]
    template = agreements.template_create(actor=staff, name="Defaults")
    version = agreements.version_publish(
        actor=staff, template=template, terms="t", exit_clause="e", data_return_clause="d"
    )
    assert version.renewal == Renewal.FIXED and version.term_months == 12


def test_the_daily_job_opens_a_review_before_the_notice_date_once(
    actors, workspace, fixed, mailoutbox, django_capture_on_commit_callbacks
):
    opens_on = fixed.notice_date - dt.timedelta(days=renewals.REVIEW_DAYS_BEFORE_NOTICE)
    early = renewals.reviews_open_due(workspace=workspace, today=opens_on - dt.timedelta(days=1))
    assert not RenewalReview.objects.filter(agreement=fixed).exists()
    assert early["opened"] == sum(
        1
        for a in Agreement.objects.filter(status="accepted", end_date__gte=opens_on)
        if a.notice_date - dt.timedelta(days=60) <= opens_on - dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        renewals.reviews_open_due(workspace=workspace, today=opens_on)
    review = RenewalReview.objects.get(agreement=fixed)
    assert review.term_end == fixed.end_date and review.notice_date == fixed.notice_date
    assert review.status == RenewalReviewStatus.OPEN and not review.automatic
    mailed = {email for m in mailoutbox if str(fixed) in m.subject for email in m.to}
    assert {"admin@partner-a.example", "admin@helix.example"} <= mailed
    again = renewals.reviews_open_due(workspace=workspace, today=opens_on)
    assert again["opened"] == 0
    assert RenewalReview.objects.filter(agreement=fixed).count() == 1


def test_the_daily_job_is_registered():
    from ecosys.core.tasks import daily_job_get

    assert daily_job_get("partners.renewal_reviews") is not None


def test_the_review_gathers_the_relationships_figures(actors, partner_a, fixed):
    from ecosys.performance.models import PartnerScore

    partner = fixed.partner
    scores = list(PartnerScore.objects.filter(partner=partner, score__isnull=False))
    assert scores, "the demo scores partner A"
    latest = max(scores, key=lambda s: s.period)
    review = renewals.review_open(actor=actors["orchestrator_staff"], agreement=fixed)
    figures = review.figures
    assert figures["performance"]["score"] == round(latest.score, 1)
    assert figures["performance"]["period"] == f"{latest.period:%Y-%m}"
    series = figures["performance"]["series"]
    assert len(series) == min(len(scores), renewals.SCORE_MONTHS)
    assert series[-1]["period"] == f"{latest.period:%Y-%m}"
    # Partner A holds a submitted and an approved deal in the demo.
    assert figures["deals"]["open"] == 2
    assert figures["open_items"]["open deals"] == 2
    assert "engagements" not in figures and "trust" not in figures


def _review(actors, agreement):
    return renewals.review_open(actor=actors["orchestrator_staff"], agreement=agreement)


def test_both_renew_runs_another_term(
    actors, fixed, mailoutbox, django_capture_on_commit_callbacks
):
    review = _review(actors, fixed)
    old_end = fixed.end_date
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewals.review_answer(actor=actors["orchestrator_staff"], review=review, choice="renew")
    # The other side hears of it; nothing is decided yet.
    assert any("admin@partner-a.example" in m.to and "renew" in m.subject for m in mailoutbox)
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.OPEN
    assert Agreement.objects.get(pk=fixed.pk).end_date == old_end
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewals.review_answer(
            actor=actors["partner_a_admin"], review=review, choice="renew", comment="Gladly"
        )
    assert any("admin@helix.example" in m.to and "Gladly" in m.body for m in mailoutbox)
    review.refresh_from_db()
    fixed.refresh_from_db()
    assert review.status == RenewalReviewStatus.RENEWED and review.decided_at
    assert fixed.end_date == agreements.add_months(
        old_end + dt.timedelta(days=1), 12
    ) - dt.timedelta(days=1)


def test_both_renew_with_newer_terms_issues_them(actors, fixed):
    staff = actors["orchestrator_staff"]
    newer = agreements.version_publish(
        actor=staff, template=fixed.version.template, terms="Newer terms.", exit_clause="e",
        data_return_clause="d", notice_days=60,
    )  # fmt: skip
    review = _review(actors, fixed)
    renewals.review_answer(actor=staff, review=review, choice="renew")
    renewals.review_answer(actor=actors["partner_a_admin"], review=review, choice="renew")
    review.refresh_from_db()
    assert review.new_agreement.version == newer
    assert review.new_agreement.status == AgreementStatus.ISSUED
    assert review.new_agreement.start_date == fixed.end_date + dt.timedelta(days=1)


def test_a_change_drafts_new_terms_that_are_then_issued(actors, fixed):
    staff = actors["orchestrator_staff"]
    review = _review(actors, fixed)
    with pytest.raises(ValidationError) as error:
        renewals.review_answer(actor=actors["partner_a_admin"], review=review, choice="change")
    assert "comment" in error.value.message_dict
    renewals.review_answer(
        actor=actors["partner_a_admin"], review=review, choice="change", comment="Add Poland"
    )
    renewals.review_answer(actor=staff, review=review, choice="renew")
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.CHANGING
    assert review.draft_terms == "The terms."
    with pytest.raises(ValidationError):
        renewals.review_terms_issue(actor=staff, review=review, terms="The terms.")
    with pytest.raises(PermissionDenied):
        renewals.review_terms_issue(
            actor=actors["partner_a_admin"], review=review, terms="Mine now"
        )
    agreement = renewals.review_terms_issue(
        actor=staff, review=review, terms="The terms, now with Poland."
    )
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.NEW_TERMS_ISSUED
    assert agreement.version.number == 2 and agreement.version.terms.endswith("Poland.")
    assert agreement.start_date == fixed.end_date + dt.timedelta(days=1)


def test_either_side_parting_proposes_a_separation(
    actors, fixed, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    review = _review(actors, fixed)
    with django_capture_on_commit_callbacks(execute=True):
        renewals.review_answer(
            actor=actors["partner_a_admin"], review=review, choice="part", comment="New focus"
        )
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.PARTING
    assert any("Parting" in m.subject for m in mailoutbox)
    # No further answers once decided.
    with pytest.raises(ValidationError):
        renewals.review_answer(actor=actors["orchestrator_staff"], review=review, choice="renew")
    page = client_as("partner_a_admin").get(f"/partners/renewals/{review.public_id}/")
    html = page.content.decode()
    assert "Start the separation" in html
    date = renewals.separation_start_date(review)
    assert date == fixed.end_date
    assert f"effective_date={date:%Y-%m-%d}" in html
    start = client_as("partner_a_admin").get(f"/separations/new/?effective_date={date:%Y-%m-%d}")
    assert f'value="{date:%Y-%m-%d}"' in start.content.decode()


def test_nothing_renews_silently(actors, workspace, fixed):
    review = _review(actors, fixed)
    renewals.review_answer(actor=actors["orchestrator_staff"], review=review, choice="renew")
    after_end = fixed.end_date + dt.timedelta(days=1)
    agreements.agreements_review(workspace=workspace, today=after_end)
    assert Agreement.objects.get(pk=fixed.pk).status == AgreementStatus.ENDED
    assert renewals.reviews_open_due(workspace=workspace, today=after_end)["lapsed"] >= 1
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.LAPSED


def test_an_automatic_agreement_is_reviewed_for_information(actors, workspace, partner_a):
    auto = _agreement(actors, partner_a, renewal=Renewal.AUTO, name="Auto")
    review = _review(actors, auto)
    assert review.automatic
    renewals.review_answer(actor=actors["orchestrator_staff"], review=review, choice="renew")
    renewals.review_answer(actor=actors["partner_a_admin"], review=review, choice="renew")
    review.refresh_from_db()
    assert review.status == RenewalReviewStatus.RENEWED and review.new_agreement is None
    # The review did not extend it: the existing agreement review renews it at the end.
    assert Agreement.objects.get(pk=auto.pk).end_date == auto.end_date
    agreements.agreements_review(workspace=workspace, today=auto.end_date + dt.timedelta(days=1))
    assert Agreement.objects.get(pk=auto.pk).end_date > auto.end_date


def test_only_the_two_sides_answer(actors, fixed):
    review = _review(actors, fixed)
    for name in ("partner_a_member", "partner_b_member", "orchestrator_read_only"):
        with pytest.raises(PermissionDenied):
            renewals.review_answer(actor=actors[name], review=review, choice="renew")
    with pytest.raises(ValidationError) as error:
        renewals.review_answer(actor=actors["orchestrator_staff"], review=review, choice="stay")
    assert "choice" in error.value.message_dict


def test_pages_and_api_for_both_sides(actors, fixed, client_as):
    review = _review(actors, fixed)
    staff = client_as("orchestrator_staff")
    listing = staff.get("/partners/renewals/?status=open&waiting_for=partner")
    assert listing.status_code == 200 and "Harbor Controls" in listing.content.decode()
    export = staff.get("/partners/renewals/?export=csv")
    assert b"Harbor Controls" in b"".join(export.streaming_content if export.streaming else [
        export.content])  # fmt: skip
    own = client_as("partner_a_admin").get(f"/partners/renewals/{review.public_id}/")
    assert own.status_code == 200 and "Your answer" in own.content.decode()
    assert (
        client_as("partner_b_member").get(f"/partners/renewals/{review.public_id}/").status_code
        == 404
    )
    response = client_as("partner_a_admin").post(
        f"/api/v1/renewal-reviews/{review.public_id}/answer",
        data=json.dumps({"choice": "renew", "comment": "Yes"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["partner_answer"]["choice"] == "renew" and body["status"] == "open"
    assert body["figures"]["deals"]["open"] == 2
    rows = client_as("partner_a_admin").get("/api/v1/renewal-reviews?waiting_for=orchestrator")
    assert [row["id"] for row in rows.json()["results"]] == [str(review.public_id)]
    assert client_as("partner_b_member").get("/api/v1/renewal-reviews").json()["count"] == 0
    refused = client_as("partner_a_member").post(
        f"/api/v1/renewal-reviews/{review.public_id}/answer",
        data=json.dumps({"choice": "renew"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
