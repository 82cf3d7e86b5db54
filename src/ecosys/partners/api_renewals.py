"""API operations of renewal reviews (prefix renewal_review_*)."""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Router, Schema
from pydantic import Field

from ecosys.core.access import access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import list_apply
from ecosys.core.schemas import Detail, Page

from . import lists_renewals, renewals, selectors_renewals

router = Router(tags=["renewal reviews"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


class AnswerOut(Schema):
    choice: str = Field(description="renew, change, part, or empty while not answered")
    comment: str
    by: str | None
    at: dt.datetime | None


class RenewalReviewOut(Schema):
    id: UUID
    partner_id: UUID
    partner: str
    agreement_id: UUID
    agreement: str
    term_end: dt.date
    notice_date: dt.date
    automatic: bool
    status: str
    orchestrator: AnswerOut
    partner_answer: AnswerOut
    new_agreement_id: UUID | None
    decided_at: dt.datetime | None


class RenewalReviewDetailOut(RenewalReviewOut):
    figures: dict[str, Any]
    draft_terms: str
    separation_effective_date: dt.date | None = Field(
        description="When parting: the proposed effective date of the separation to start."
    )


class RenewalAnswerIn(Schema):
    choice: str = Field(description="renew, change or part")
    comment: str = Field("", description="Needed to change or part.")


class RenewalTermsIn(Schema):
    terms: str


def _answer(review, side: str) -> dict:
    user = getattr(review, f"{side}_by")
    return {
        "choice": getattr(review, f"{side}_choice"),
        "comment": getattr(review, f"{side}_comment"),
        "by": user.email if user else None,
        "at": getattr(review, f"{side}_at"),
    }


def review_out(review) -> dict:
    return {
        "id": review.public_id,
        "partner_id": review.partner.organization.public_id,
        "partner": review.partner.organization.name,
        "agreement_id": review.agreement.public_id,
        "agreement": str(review.agreement.version),
        "term_end": review.term_end,
        "notice_date": review.notice_date,
        "automatic": review.automatic,
        "status": review.status,
        "orchestrator": _answer(review, "orchestrator"),
        "partner_answer": _answer(review, "partner"),
        "new_agreement_id": review.new_agreement.public_id if review.new_agreement else None,
        "decided_at": review.decided_at,
    }


def review_detail_out(review) -> dict:
    return {
        **review_out(review),
        "figures": review.figures,
        "draft_terms": review.draft_terms,
        "separation_effective_date": renewals.separation_start_date(review)
        if review.status == "parting"
        else None,
    }


def _get(request, review_id):
    return selectors_renewals.renewal_review_get(actor=request.auth, public_id=review_id)


@router.get("/renewal-reviews", response={200: Page[RenewalReviewOut], **ERRORS})
@access_rule("partners.renewalreview:view")
def renewal_review_list(request):
    """Renewal reviews you can see (a partner: its own). Filters: status, waiting_for
    (orchestrator or partner), answer, notice_before."""
    rows = list_apply(
        selectors_renewals.renewal_review_list(actor=request.auth).select_related(
            "orchestrator_by", "partner_by", "new_agreement"
        ),
        request.GET,
        lists_renewals.RENEWAL_REVIEWS,
    ).queryset
    return paginate(request, rows, review_out)


@router.get("/renewal-reviews/{review_id}", response={200: RenewalReviewDetailOut, **ERRORS})
@access_rule("partners.renewalreview:view")
def renewal_review_detail(request, review_id: UUID):
    """A renewal review with the relationship's figures and both sides' answers."""
    return review_detail_out(_get(request, review_id))


@router.post(
    "/renewal-reviews/{review_id}/answer", response={200: RenewalReviewDetailOut, **ERRORS}
)
@access_rule("partners.renewalreview:change")
def renewal_review_answer(request, review_id: UUID, payload: RenewalAnswerIn):
    """Answer for your side (orchestrator staff, or the partner's admin): renew, change or
    part, with a comment; once both answered the outcome applies."""
    review = renewals.review_answer(
        actor=request.auth, review=_get(request, review_id), **payload.dict()
    )
    return review_detail_out(_get(request, review.public_id))


@router.post("/renewal-reviews/{review_id}/terms", response={200: RenewalReviewDetailOut, **ERRORS})
@access_rule("partners.renewalreview:change")
def renewal_review_terms(request, review_id: UUID, payload: RenewalTermsIn):
    """After a change was asked: publish the new terms as the template's next version and
    issue them for the next term (orchestrator staff)."""
    renewals.review_terms_issue(
        actor=request.auth, review=_get(request, review_id), terms=payload.terms
    )
    return review_detail_out(_get(request, review_id))
