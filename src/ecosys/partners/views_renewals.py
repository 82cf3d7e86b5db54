"""Renewal review pages for both sides: the list, and a review with the relationship's figures,
both answers, the answer form, and the outcome (new terms, or the separation to start)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.pages import detail_url, list_response, page

from . import lists_renewals, renewals, selectors_renewals
from .models import RenewalChoice, RenewalReviewStatus


class AnswerForm(forms.Form):
    choice = forms.ChoiceField(choices=RenewalChoice.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to change or part: the other side reads it.",
    )


class TermsForm(forms.Form):
    terms = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), label="New terms")


@page("partners.renewalreview:view")
def renewal_review_list(request):
    return list_response(
        request,
        spec=lists_renewals.RENEWAL_REVIEWS,
        queryset=selectors_renewals.renewal_review_list(actor=request.actor),
        template="partners/renewal_list.html",
        context={"title": "Renewal reviews", "review_days": renewals.REVIEW_DAYS_BEFORE_NOTICE},
        detail_url=detail_url("partners:renewal-detail"),
    )


def _separation_link(review) -> str:
    query = {"effective_date": f"{renewals.separation_start_date(review):%Y-%m-%d}"}
    if review.partner.organization_id != review.workspace.orchestrator_id:
        query["organization"] = str(review.partner.organization.public_id)
    return f"{reverse('portability:separation-start')}?{urlencode(query)}"


@page("partners.renewalreview:view")
def renewal_review_detail(request, public_id):
    actor = request.actor
    review = selectors_renewals.renewal_review_get(actor=actor, public_id=public_id)
    side = renewals.side_of(actor, review)
    is_open = review.status == RenewalReviewStatus.OPEN
    answer_form = None
    if side and is_open:
        answer_form = AnswerForm(
            initial={
                "choice": getattr(review, f"{side}_choice") or None,
                "comment": getattr(review, f"{side}_comment"),
            }
        )
    return render(
        request,
        "partners/renewal_detail.html",
        {
            "review": review,
            "figures": review.figures,
            "side": side,
            "answer_form": answer_form,
            "terms_form": TermsForm(initial={"terms": review.draft_terms})
            if side == "orchestrator" and review.status == RenewalReviewStatus.CHANGING
            else None,
            "separation_link": _separation_link(review)
            if side and review.status == RenewalReviewStatus.PARTING
            else None,
            "score_series": (review.figures.get("performance") or {}).get("series", []),
        },
    )


def _fail(request, error) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@require_POST
@page("partners.renewalreview:change")
def renewal_review_answer(request, public_id):
    actor = request.actor
    review = selectors_renewals.renewal_review_get(actor=actor, public_id=public_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose renew, change or part.")
    else:
        try:
            review = renewals.review_answer(actor=actor, review=review, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _fail(request, error)
        else:
            messages.success(
                request,
                "Answer recorded; the other side is told."
                if review.status == RenewalReviewStatus.OPEN
                else f"Answer recorded: {review.get_status_display().lower()}.",
            )
    return redirect("partners:renewal-detail", review.public_id)


@require_POST
@page("partners.renewalreview:change")
def renewal_review_terms(request, public_id):
    actor = request.actor
    review = selectors_renewals.renewal_review_get(actor=actor, public_id=public_id)
    form = TermsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the new terms.")
    else:
        try:
            agreement = renewals.review_terms_issue(
                actor=actor, review=review, terms=form.cleaned_data["terms"]
            )
        except (ValidationError, PermissionDenied) as error:
            _fail(request, error)
        else:
            messages.success(
                request, f"“{agreement.version}” issued; the partner's admins accept it."
            )
    return redirect("partners:renewal-detail", review.public_id)
