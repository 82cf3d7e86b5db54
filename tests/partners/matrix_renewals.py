"""The permission matrix's objects, payloads and pages for renewal reviews:
tests/core/test_permission_matrix.py calls every operation as every kind of principal on the
review of partner A's agreement and on that of partner B."""

import datetime as dt

from django.utils import timezone

from ecosys.partners import agreements, renewals
from ecosys.partners.models import Agreement, AgreementStatus, Partner

PAGES = ("/partners/renewals/{renewal_review}/",)
LISTS = ("/partners/renewals/",)


def objects(workspace, actors, organizations) -> dict:
    """Per organisation: an agreement in force (term ending in about 65 days) under review,
    still open, so answering succeeds for each side allowed and issuing terms answers 422."""
    staff, found = actors["orchestrator_staff"], {}
    template = agreements.template_create(actor=staff, name="Matrix renewal agreement")
    version = agreements.version_publish(
        actor=staff, template=template, terms="t", exit_clause="e", data_return_clause="d"
    )
    for organization in organizations:
        agreement = agreements.agreement_issue(
            actor=staff, partner=Partner.objects.get(organization=organization), version=version,
            start_date=timezone.localdate() - dt.timedelta(days=300),
        )  # fmt: skip
        # Accepted as its admin would (partner B has no admin among the matrix's principals).
        Agreement.objects.filter(pk=agreement.pk).update(
            status=AgreementStatus.ACCEPTED, accepted_at=timezone.now()
        )
        review = renewals.review_open(actor=staff, agreement=agreement)
        found[organization] = {"renewal_review": review.public_id}
    return found


def url(url: str, ids: dict) -> str:
    return url.replace("{review_id}", str(ids["renewal_review"]))


def payloads(ids: dict) -> dict:
    return {
        "renewal_review_answer": {"choice": "renew", "comment": "matrix"},
        "renewal_review_terms": {"terms": "matrix terms"},
    }
