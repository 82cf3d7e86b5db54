"""Money pages: an engagement's terms, time, settlements and joint venture; the settlement
list and a statement with every number it depends on, accepted or disputed in the portal."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page

from . import exports_money, lists_money
from . import selectors_money as selectors
from . import services_money as services
from .forms_money import (
    ContributionForm,
    DistributeForm,
    GenerateForm,
    SettlementDecisionForm,
    TermsForm,
    TimeDecisionForm,
    TimeEntryForm,
    VentureSharesForm,
)
from .models import (
    CommercialModel,
    CommercialTerms,
    Settlement,
    SettlementStatus,
    TimeEntry,
    TimeEntryStatus,
    VentureShare,
)


def _staff(actor, model) -> bool:
    return actor.is_orchestrator and allows(actor, ADD, model) and actor.token_scope is None


def _message(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


def _engagement_url(engagement) -> str | None:
    """The cycle part's engagement page, when it is installed."""
    try:
        return reverse("engagements:engagement-detail", args=[engagement.public_id])
    except NoReverseMatch:
        return None


def _base(request, engagement, tab: str) -> dict:
    terms = selectors.terms_get(actor=request.actor, engagement=engagement)
    return {
        "engagement": engagement,
        "engagement_url": _engagement_url(engagement),
        "terms": terms,
        "tab": tab,
        "actor": request.actor,
    }


# -- terms -------------------------------------------------------------------------------------


@page("engagements.commercialterms:view")
def terms_page(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    context = _base(request, engagement, "terms")
    form = None
    if _staff(actor, CommercialTerms):
        initial = TermsForm.initial_from(context["terms"]) or {
            "model": engagement.commercial_model,
            "currency": engagement.currency,
        }
        form = TermsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            saved = apply_service(
                form,
                lambda: services.terms_set(actor=actor, engagement=engagement, **form.cleaned_data),
            )
            if saved is not None:
                messages.success(request, "Commercial terms saved.")
                return redirect("engagements:money-terms", engagement.public_id)
    elif request.method == "POST":
        raise PermissionDenied("Only the orchestrator's staff set commercial terms.")
    people = services.engagement_people(engagement) if actor.is_orchestrator else []
    return render(
        request, "engagements/money_terms.html", {**context, "form": form, "people": people}
    )


# -- time --------------------------------------------------------------------------------------


@page("engagements.timeentry:view")
def time_page(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    entries = selectors.time_entry_list(actor=actor, engagement=engagement)
    may_approve = services.may_approve_time(actor, engagement) and actor.token_scope is None
    context = {
        **_base(request, engagement, "time"),
        "title": f"Time: {engagement.title}",
        "add_form": TimeEntryForm(people=services.engagement_people(engagement))
        if _staff(actor, TimeEntry)
        else None,
        "waiting": list(
            entries.filter(status=TimeEntryStatus.SUBMITTED).order_by("work_date", "id")[:200]
        )
        if may_approve
        else [],
        "may_approve": may_approve,
        "totals": selectors.time_totals(actor=actor, engagement=engagement),
        "chart": selectors.time_by_week(actor=actor, engagement=engagement),
    }
    return list_response(
        request,
        spec=lists_money.TIME_ENTRIES,
        queryset=entries,
        template="engagements/money_time.html",
        context=context,
    )


@require_POST
@page("engagements.timeentry:add")
def time_add(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    if not _staff(actor, TimeEntry):
        raise PermissionDenied("Only the orchestrator's staff record time.")
    form = TimeEntryForm(request.POST, people=services.engagement_people(engagement))
    if form.is_valid():
        entry = apply_service(
            form,
            lambda: services.time_entry_add(
                actor=actor, engagement=engagement, **form.cleaned_data
            ),
        )
        if entry is not None:
            messages.success(
                request, f"{entry.hours} h recorded for {entry.person}; waiting for approval."
            )
            return redirect("engagements:money-time", engagement.public_id)
    errors = [
        f"{form.fields[f].label or f}: {m}" if f != "__all__" else m
        for f, ms in form.errors.items()
        for m in ms
    ]
    messages.error(request, "Time not recorded. " + " ".join(errors))
    return redirect("engagements:money-time", engagement.public_id)


@require_POST
@page("engagements.timeentry:change")
def time_decide(request, public_id):
    actor = request.actor
    entry = selectors.time_entry_get(actor=actor, public_id=public_id)
    form = TimeDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
    else:
        try:
            entry = services.time_entry_decide(actor=actor, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(
                request,
                f"{entry.person}, {entry.work_date:%Y-%m-%d}: "
                f"{entry.get_status_display().lower()}.",
            )
    return redirect("engagements:money-time", entry.engagement.public_id)


# -- settlements -------------------------------------------------------------------------------


@page("engagements.settlement:view")
def settlement_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_money.SETTLEMENTS,
        queryset=selectors.settlement_list(actor=actor),
        template="engagements/money_settlement_list.html",
        context={"title": "Settlements"},
        detail_url=detail_url("engagements:money-settlement-detail"),
    )


@page("engagements.settlement:view")
def engagement_settlements(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    rows = selectors.settlement_list(actor=actor, engagement=engagement)
    chart_rows = list(rows.order_by("period_start", "id"))
    context = {
        **_base(request, engagement, "settlements"),
        "title": f"Settlements: {engagement.title}",
        "generate_form": GenerateForm() if _staff(actor, Settlement) else None,
        "chart": {
            "labels": [f"{row.period_start:%Y-%m-%d}" for row in chart_rows],
            "totals": [float(row.total) for row in chart_rows],
            "statuses": [row.get_status_display() for row in chart_rows],
        },
    }
    return list_response(
        request,
        spec=lists_money.SETTLEMENTS,
        queryset=rows,
        template="engagements/money_settlements.html",
        context=context,
        detail_url=detail_url("engagements:money-settlement-detail"),
    )


@require_POST
@page("engagements.settlement:add")
def settlement_generate(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    if not _staff(actor, Settlement):
        raise PermissionDenied("Only the orchestrator's staff generate settlements.")
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a valid day.")
        return redirect("engagements:money-settlements", engagement.public_id)
    try:
        settlement = services.settlement_generate(
            actor=actor, engagement=engagement, day=form.cleaned_data["day"]
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("engagements:money-settlements", engagement.public_id)
    messages.success(request, f"Draft generated: {settlement.total} {settlement.currency}.")
    return redirect("engagements:money-settlement-detail", settlement.public_id)


@page("engagements.settlement:view")
def settlement_detail(request, public_id):
    actor = request.actor
    settlement = selectors.settlement_get(actor=actor, public_id=public_id)
    check = selectors.settlement_check(settlement)
    return render(
        request,
        "engagements/money_settlement_detail.html",
        {
            "settlement": settlement,
            "engagement": settlement.engagement,
            "inputs": exports_money._flat_inputs(settlement.inputs),
            "check": check,
            "may_issue": settlement.status == SettlementStatus.DRAFT and _staff(actor, Settlement),
            "may_regenerate": settlement.status
            in (SettlementStatus.DRAFT, SettlementStatus.DISPUTED)
            and _staff(actor, Settlement),
            "decision_form": SettlementDecisionForm()
            if services.may_decide_settlement(actor, settlement) and actor.token_scope is None
            else None,
            "period_day": settlement.period_start.isoformat(),
            "is_gain_share": settlement.model == CommercialModel.GAIN_SHARE,
        },
    )


@page("engagements.settlement:view")
def settlement_csv(request, public_id):
    return exports_money.settlement_csv(
        selectors.settlement_get(actor=request.actor, public_id=public_id)
    )


@page("engagements.settlement:view")
def settlement_pdf(request, public_id):
    return exports_money.settlement_pdf(
        selectors.settlement_get(actor=request.actor, public_id=public_id)
    )


@require_POST
@page("engagements.settlement:add")
def settlement_issue(request, public_id):
    actor = request.actor
    settlement = selectors.settlement_get(actor=actor, public_id=public_id)
    try:
        settlement = services.settlement_issue(actor=actor, settlement=settlement)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, "Issued; the customer's admins were told by e-mail.")
    return redirect("engagements:money-settlement-detail", settlement.public_id)


@require_POST
@page("engagements.settlement:change")
def settlement_decide(request, public_id):
    actor = request.actor
    settlement = selectors.settlement_get(actor=actor, public_id=public_id, action=CHANGE)
    form = SettlementDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept or dispute.")
    else:
        try:
            settlement = services.settlement_decide(
                actor=actor, settlement=settlement, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(
                request, f"Settlement {settlement.get_status_display().lower()}; the lead was told."
            )
    return redirect("engagements:money-settlement-detail", settlement.public_id)


# -- joint venture -----------------------------------------------------------------------------


@page("engagements.ventureshare:view")
def venture_page(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    owners = selectors.venture_summary(actor=actor, engagement=engagement)
    staff = _staff(actor, VentureShare)
    shares_text = "\n".join(f"{o['organization'].public_id} {o['share']}" for o in owners)
    owner_orgs = [o["organization"].pk for o in owners]
    from ecosys.ecosystem.selectors import organization_list

    return render(
        request,
        "engagements/money_venture.html",
        {
            **_base(request, engagement, "venture"),
            "owners": owners,
            "contributions": selectors.venture_contribution_list(
                actor=actor, engagement=engagement
            ),
            "distributions": selectors.venture_distribution_list(
                actor=actor, engagement=engagement
            ),
            "shares_form": VentureSharesForm(initial={"shares": shares_text}) if staff else None,
            "contribution_form": ContributionForm(
                owners=organization_list(actor=actor).filter(pk__in=owner_orgs)
            )
            if staff and owners
            else None,
            "distribute_form": DistributeForm() if staff and owners else None,
        },
    )


def _venture_post(request, public_id, form_class, call, done: str):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    if not _staff(actor, VentureShare):
        raise PermissionDenied("Only the orchestrator's staff manage the venture.")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(actor, engagement, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, done)
    else:
        messages.error(
            request, " ".join(f"{field}: {m}" for field, ms in form.errors.items() for m in ms)
        )
    return redirect("engagements:money-venture", engagement.public_id)


@require_POST
@page("engagements.ventureshare:add")
def venture_shares(request, public_id):
    return _venture_post(
        request,
        public_id,
        VentureSharesForm,
        lambda actor, engagement, data: services.venture_shares_set(
            actor=actor, engagement=engagement, shares=data["shares"]
        ),
        "Ownership shares saved.",
    )


@require_POST
@page("engagements.venturecontribution:add")
def venture_contribute(request, public_id):
    from ecosys.ecosystem.selectors import organization_list

    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id)
    if not _staff(actor, VentureShare):
        raise PermissionDenied("Only the orchestrator's staff manage the venture.")
    owners = organization_list(actor=actor).filter(
        pk__in=selectors.venture_share_list(actor=actor, engagement=engagement).values(
            "organization_id"
        )
    )
    form = ContributionForm(request.POST, owners=owners)
    if form.is_valid():
        try:
            services.venture_contribution_add(
                actor=actor, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, "Contribution recorded.")
    else:
        messages.error(
            request, " ".join(f"{field}: {m}" for field, ms in form.errors.items() for m in ms)
        )
    return redirect("engagements:money-venture", engagement.public_id)


@require_POST
@page("engagements.venturedistribution:add")
def venture_distribute(request, public_id):
    return _venture_post(
        request,
        public_id,
        DistributeForm,
        lambda actor, engagement, data: services.venture_distribute(
            actor=actor, engagement=engagement, **data
        ),
        "Result distributed by share.",
    )
