"""Deal registration pages: the list, the submit form, a registration with its decision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows, can
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.ecosystem.selectors import organization_list

from . import lists, selectors, services
from .forms import CloseForm, DealForm, DecisionForm
from .models import DealRegistration, DealStatus


def _may_submit(actor) -> bool:
    return allows(actor, ADD, DealRegistration) and actor.token_scope is None


@page("selling.dealregistration:view")
def deal_list(request):
    return list_response(
        request,
        spec=lists.DEALS,
        queryset=selectors.deal_list(actor=request.actor),
        template="selling/deal_list.html",
        context={"title": "Deal registrations", "can_add": _may_submit(request.actor)},
        detail_url=detail_url("selling:deal-detail"),
    )


@page("selling.dealregistration:add")
def deal_submit(request):
    actor = request.actor
    form = DealForm(
        request.POST or None,
        initial={"partner": request.GET.get("partner"), "currency": "EUR"},
        partners=selectors.submittable_partner_list(actor=actor),
        organizations=organization_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        deal = apply_service(form, lambda: services.deal_submit(actor=actor, **form.cleaned_data))
        if deal is not None:
            conflicts = selectors.deal_conflict_list(actor=actor, deal=deal)
            messages.success(request, "Deal registered; the orchestrator will decide on it.")
            if conflicts:
                messages.warning(
                    request,
                    "Another partner's approved registration for this customer is protected "
                    f"until {conflicts[0]['protection_until']:%Y-%m-%d}; this one cannot be "
                    "approved before then.",
                )
            return redirect("selling:deal-detail", deal.public_id)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "Register a deal", "cancel": reverse("selling:deal-list")},
    )


@page("selling.dealregistration:view")
def deal_detail(request, public_id):
    actor = request.actor
    deal = selectors.deal_get(actor=actor, public_id=public_id)
    may_change = can(actor, CHANGE, deal) and actor.token_scope is None
    can_decide = deal.status == DealStatus.SUBMITTED and actor.is_orchestrator and may_change
    can_close = deal.status == DealStatus.APPROVED and may_change and actor.role != "read_only"
    return render(
        request,
        "selling/deal_detail.html",
        {
            "deal": deal,
            "history": selectors.deal_history(actor=actor, deal=deal),
            "conflicts": selectors.deal_conflict_list(actor=actor, deal=deal)
            if deal.status in (DealStatus.SUBMITTED, DealStatus.APPROVED)
            else [],
            "decision_form": DecisionForm() if can_decide else None,
            "close_form": CloseForm() if can_close else None,
        },
    )


def _message(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


@require_POST
@page("selling.dealregistration:change")
def deal_decide(request, public_id):
    actor = request.actor
    deal = selectors.deal_get(actor=actor, public_id=public_id)  # another partner's: 404
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff decide deal registrations.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("selling:deal-detail", deal.public_id)
    try:
        deal = services.deal_decide(actor=actor, deal=deal, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        if deal.status == DealStatus.APPROVED:
            messages.success(
                request, f"Approved; protected until {deal.protection_until:%Y-%m-%d}."
            )
        else:
            messages.success(request, "Rejected; the partner's admins were told why.")
    return redirect("selling:deal-detail", deal.public_id)


@require_POST
@page("selling.dealregistration:change")
def deal_close(request, public_id):
    actor = request.actor
    deal = selectors.deal_get(actor=actor, public_id=public_id, action=CHANGE)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose won or lost.")
        return redirect("selling:deal-detail", deal.public_id)
    try:
        deal = services.deal_close(actor=actor, deal=deal, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"Recorded as {deal.get_status_display().lower()}.")
    return redirect("selling:deal-detail", deal.public_id)
