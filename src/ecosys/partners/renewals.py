"""Term-limited relationships: before a term's notice date a renewal review gathers the
relationship's figures and asks both sides to renew, change or part.

Both renew: the term is renewed (the agreement extended by a term, or the template's newer
version issued for the partner to accept). Either asks for a change (and nobody parts): the
orchestrator drafts new terms and issues them. Either parts: a separation is proposed, dated
after the term. Nothing renews silently unless the agreement renews automatically; then the
review informs and the existing agreement review renews it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from ecosys.core.access import CHANGE, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope, Workspace

from .agreements import add_months, agreement_issue, version_publish
from .models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Renewal,
    RenewalChoice,
    RenewalReview,
    RenewalReviewStatus,
)

# A review opens this many days before the notice date, so both sides have time to talk.
REVIEW_DAYS_BEFORE_NOTICE = 60
SCORE_MONTHS = 12


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def figures_gather(agreement: Agreement, today: dt.date | None = None) -> dict[str, Any]:
    """The relationship's figures over the term: performance, deals, open items,
    certifications and assessments (only what Ecosys holds; nothing is estimated)."""
    from ecosys.performance.models import Intervention, InterventionStatus, PartnerScore
    from ecosys.questionnaires.models import Assignment, AssignmentStatus
    from ecosys.readiness.models import CertificateAward, OnboardingTask
    from ecosys.selling.models import OPEN_STATUSES, DealRegistration, DealStatus

    today = today or timezone.localdate()
    partner, organization = agreement.partner, agreement.partner.organization
    figures: dict[str, Any] = {"as_of": str(today)}
    scores = list(
        PartnerScore.objects.filter(partner=partner, score__isnull=False).order_by("-period")[
            :SCORE_MONTHS
        ]
    )
    if scores:
        latest = scores[0]
        figures["performance"] = {
            "period": f"{latest.period:%Y-%m}",
            "score": round(latest.score, 1),
            "trend": round(latest.trend, 1) if latest.trend is not None else None,
            "band": latest.band,
            "rank": latest.rank,
            "segment_size": latest.segment_size,
            "series": [
                {"period": f"{s.period:%Y-%m}", "score": round(s.score, 1)}
                for s in reversed(scores)
            ],
        }
    deals = DealRegistration.objects.filter(partner=partner)
    won = (
        deals.filter(status=DealStatus.WON, closed_at__date__gte=agreement.start_date)
        .values("currency")
        .annotate(count=Count("id"), value=Sum("estimated_value"))
        .order_by("currency")
    )
    open_deals = deals.filter(status__in=OPEN_STATUSES).count()
    if won or open_deals:
        figures["deals"] = {
            "won": [
                {"currency": row["currency"], "count": row["count"], "value": _money(row["value"])}
                for row in won
            ],
            "open": open_deals,
        }
    open_items = {
        "open deals": open_deals,
        "open interventions": Intervention.objects.filter(
            partner=partner, status=InterventionStatus.OPEN
        ).count(),
        "open onboarding tasks": OnboardingTask.objects.filter(
            plan__partner=partner, done_at__isnull=True
        ).count(),
        "questionnaires to answer": Assignment.objects.filter(
            organization=organization, status=AssignmentStatus.OPEN
        ).count(),
    }
    figures["open_items"] = {k: v for k, v in open_items.items() if v}
    certificates = (
        CertificateAward.objects.filter(person__organization=organization, expires_on__gte=today)
        .values("certification__name")
        .annotate(count=Count("id"))
        .order_by("certification__name")
    )
    if certificates:
        figures["certifications"] = [
            {"name": row["certification__name"], "people": row["count"]} for row in certificates
        ]
    assessments = (
        Assignment.objects.filter(organization=organization, score__isnull=False)
        .exclude(status=AssignmentStatus.OPEN)
        .select_related("questionnaire")
        .order_by("-submitted_at")[:5]
    )
    if assessments:
        figures["assessments"] = [
            {
                "questionnaire": str(a.questionnaire),
                "score": str(a.score),
                "passed": a.passed,
                "submitted": f"{a.submitted_at:%Y-%m-%d}" if a.submitted_at else "",
            }
            for a in assessments
        ]
    return figures


def _orchestrator_emails(review: RenewalReview) -> list[str]:
    emails = set(
        Membership.objects.filter(
            organization_id=review.workspace.orchestrator_id,
            role=Role.ORCHESTRATOR_ADMIN,
            is_active=True,
        ).values_list("user__email", flat=True)
    )
    if review.partner.owner:
        emails.add(review.partner.owner.email)
    return sorted(emails)


def _partner_emails(review: RenewalReview) -> list[str]:
    return sorted(
        Membership.objects.filter(
            organization=review.partner.organization, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )


def _mail(recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=body, from_email=None, recipient_list=recipients
            )
        )


@transaction.atomic
def review_open(*, actor: Actor, agreement: Agreement, today: dt.date | None = None):
    """Open the renewal review of an agreement's current term (once per term)."""
    if not actor.is_orchestrator or not allows(actor, CHANGE, RenewalReview):
        raise PermissionDenied("Only the orchestrator opens renewal reviews.")
    agreement = Agreement.objects.select_related("version", "partner__organization").get(
        pk=agreement.pk
    )
    if agreement.status != AgreementStatus.ACCEPTED:
        raise ValidationError({"agreement": "Only an agreement in force is reviewed."})
    if RenewalReview.objects.filter(agreement=agreement, term_end=agreement.end_date).exists():
        raise ValidationError({"agreement": "This term is under review already."})
    automatic = agreement.version.renewal == Renewal.AUTO
    review = RenewalReview.objects.create(
        workspace=actor.workspace,
        agreement=agreement,
        partner=agreement.partner,
        term_end=agreement.end_date,
        notice_date=agreement.notice_date,
        automatic=automatic,
        figures=figures_gather(agreement, today),
    )
    audit_record(
        actor=actor,
        action="renewal_review_open",
        target=review,
        changes={"term_end": [None, str(review.term_end)], "automatic": [None, automatic]},
    )
    how = (
        "It renews automatically unless one of you chooses otherwise; this review is for "
        "information and to raise anything before then."
        if automatic
        else "It does not renew by itself: each side chooses to renew, change or part."
    )
    body = (
        f"“{agreement}” ends on {review.term_end:%Y-%m-%d}; notice is due by "
        f"{review.notice_date:%Y-%m-%d}. {how} The review shows the relationship's figures "
        "and both sides' answers."
    )
    subject = f"Renewal review opened: {agreement}"
    _mail(_orchestrator_emails(review), subject, body)
    _mail(_partner_emails(review), subject, body)
    return review


def reviews_open_due(*, workspace: Workspace, today: dt.date | None = None) -> dict[str, int]:
    """The daily pass: open reviews coming up to their notice date; mark lapsed ones."""
    today = today or timezone.localdate()
    actor = Actor.system(workspace)
    counts = {"opened": 0, "lapsed": 0}
    due = (
        Agreement.objects.filter(status=AgreementStatus.ACCEPTED, end_date__gte=today)
        .exclude(renewal_reviews__term_end=F("end_date"))
        .select_related("version")
    )
    for agreement in due:
        if agreement.notice_date - dt.timedelta(days=REVIEW_DAYS_BEFORE_NOTICE) <= today:
            review_open(actor=actor, agreement=agreement, today=today)
            counts["opened"] += 1
    lapsed = RenewalReview.objects.filter(status=RenewalReviewStatus.OPEN).filter(
        Q(term_end__lt=today) | ~Q(agreement__status=AgreementStatus.ACCEPTED)
    )
    for review in lapsed:
        review.status, review.decided_at = RenewalReviewStatus.LAPSED, timezone.now()
        review.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=actor, action="renewal_review_lapse", target=review, changes={"status": [
                RenewalReviewStatus.OPEN, RenewalReviewStatus.LAPSED]},
        )  # fmt: skip
        counts["lapsed"] += 1
    return counts


def side_of(actor: Actor, review: RenewalReview) -> str | None:
    """Which side the actor answers for: 'orchestrator', 'partner' or None."""
    if actor.token_scope == TokenScope.READ:
        return None
    if actor.is_orchestrator:
        return "orchestrator" if allows(actor, CHANGE, RenewalReview) else None
    if actor.role == Role.EXTERNAL_ADMIN and actor.organization_id == (
        review.partner.organization_id
    ):
        return "partner"
    return None


@transaction.atomic
def review_answer(
    *, actor: Actor, review: RenewalReview, choice: str, comment: str = ""
) -> RenewalReview:
    """One side's answer (renew, change or part, with a comment); both answers decide."""
    review = (
        RenewalReview.objects.select_for_update(of=("self",))
        .select_related("agreement__version__template", "partner__organization", "partner__owner")
        .get(pk=review.pk)
    )
    side = side_of(actor, review)
    if side is None:
        raise PermissionDenied(
            "The orchestrator's staff and the partner's admins answer renewal reviews."
        )
    comment = (comment or "").strip()
    errors = {}
    if review.status != RenewalReviewStatus.OPEN:
        errors["review"] = f"This review is {review.get_status_display().lower()}."
    if choice not in RenewalChoice.values:
        errors["choice"] = "Choose renew, change or part."
    elif choice != RenewalChoice.RENEW and not comment:
        errors["comment"] = "Say what should change, or why you part: the other side reads it."
    if errors:
        raise ValidationError(errors)
    before = getattr(review, f"{side}_choice")
    setattr(review, f"{side}_choice", choice)
    setattr(review, f"{side}_comment", comment[:2000])
    setattr(review, f"{side}_by", actor.user)
    setattr(review, f"{side}_at", timezone.now())
    review.save()
    audit_record(
        actor=actor,
        action="renewal_answer",
        target=review,
        changes={"side": [None, side], "choice": [before or None, choice]},
    )
    label = RenewalChoice(choice).label.lower()
    who = "The partner" if side == "partner" else review.workspace.name
    other = _orchestrator_emails(review) if side == "partner" else _partner_emails(review)
    _mail(
        other,
        f"Renewal review: {who} chose to {label}",
        f"{who} ({actor.label}) answered the renewal review of “{review.agreement}”: "
        f"{label}.{f' Comment: {comment}' if comment else ''}",
    )
    _decide(actor, review)
    return review


def _decide(actor: Actor, review: RenewalReview) -> None:
    """Apply the outcome once the answers settle it."""
    choices = {review.orchestrator_choice, review.partner_choice}
    if RenewalChoice.PART in choices:
        review.status = RenewalReviewStatus.PARTING
    elif "" in choices:
        return  # waiting for the other side
    elif choices == {RenewalChoice.RENEW}:
        if not review.automatic:
            review.new_agreement = _renew(actor, review)
        review.status = RenewalReviewStatus.RENEWED
    else:
        review.status = RenewalReviewStatus.CHANGING
        review.draft_terms = review.agreement.version.terms
    review.decided_at = timezone.now()
    review.save()
    audit_record(
        actor=actor, action="renewal_decide", target=review,
        changes={"status": [RenewalReviewStatus.OPEN, review.status]},
    )  # fmt: skip
    if review.status == RenewalReviewStatus.PARTING:
        body = (
            f"The renewal review of “{review.agreement}” ends in parting. A friendly separation "
            f"is proposed, effective after the term ({review.term_end:%Y-%m-%d}); either side "
            "starts it from the review page."
        )
        subject = f"Parting as friends: {review.partner.organization}"
        _mail(_orchestrator_emails(review), subject, body)
        _mail(_partner_emails(review), subject, body)


def _latest_version(agreement: Agreement) -> AgreementVersion:
    return AgreementVersion.objects.filter(template_id=agreement.version.template_id).order_by(
        "-number"
    )[0]


def _renew(actor: Actor, review: RenewalReview) -> Agreement | None:
    """Both sides renew: the same terms run another term; newer terms are issued instead."""
    agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=review.agreement_id)
    latest = _latest_version(agreement)
    if latest.pk != agreement.version_id:
        # Issuing is the orchestrator's act; the last answer may be the partner's admin.
        return agreement_issue(
            actor=Actor.system(review.workspace),
            partner=review.partner,
            version=latest,
            start_date=agreement.end_date + dt.timedelta(days=1),
        )
    old_end = agreement.end_date
    agreement.end_date = add_months(
        old_end + dt.timedelta(days=1), agreement.version.term_months
    ) - dt.timedelta(days=1)
    agreement.reminder_sent_at = None
    agreement.save(update_fields=["end_date", "reminder_sent_at"])
    audit_record(
        actor=actor,
        action="renew",
        target=agreement,
        changes={"end_date": [str(old_end), str(agreement.end_date)], "by": [None, "review"]},
    )
    return None


@transaction.atomic
def review_terms_issue(*, actor: Actor, review: RenewalReview, terms: str) -> Agreement:
    """A change was asked: publish the drafted terms as the template's next version and issue
    them for the next term; the partner's admins accept them in the portal."""
    if side_of(actor, review) != "orchestrator":
        raise PermissionDenied("The orchestrator's staff issue new terms.")
    review = RenewalReview.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if review.status != RenewalReviewStatus.CHANGING:
        raise ValidationError("New terms are issued only when a change was asked.")
    current = review.agreement.version
    terms = (terms or "").strip()
    if terms == current.terms.strip():
        raise ValidationError({"terms": "The terms are unchanged: write the change asked for."})
    version = version_publish(
        actor=actor,
        template=current.template,
        terms=terms,
        **{
            name: getattr(current, name)
            for name in (
                "term_months", "renewal", "notice_days", "territory", "exclusive",
                "exit_clause", "data_return_clause",
            )
        },
    )  # fmt: skip
    agreement = agreement_issue(
        actor=actor,
        partner=review.partner,
        version=version,
        start_date=review.term_end + dt.timedelta(days=1),
    )
    review.draft_terms, review.new_agreement = terms, agreement
    review.status = RenewalReviewStatus.NEW_TERMS_ISSUED
    review.save(update_fields=["draft_terms", "new_agreement", "status"])
    audit_record(
        actor=actor, action="renewal_terms_issue", target=review,
        changes={"version": [str(current), str(version)]},
    )  # fmt: skip
    return agreement


def separation_start_date(review: RenewalReview) -> dt.date:
    """When a separation proposed by the review takes effect: the term's last day (so the
    term does not roll over first), or later if the notice period asks for it."""
    from ecosys.portability.services import earliest_effective_date

    earliest, _ = earliest_effective_date(review.partner.organization)
    return max(review.term_end, earliest)
