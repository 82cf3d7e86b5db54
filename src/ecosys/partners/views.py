"""Partner lifecycle pages: the partner list and board, partner pages, ideal partner profiles."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows, can
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.ecosystem.selectors import organization_list

from . import lists, selectors, services
from .forms import CriterionFormSet, PartnerForm, ProfileForm, TransitionForm
from .models import PARTNER_TRANSITIONS, IdealPartnerProfile, Partner
from .tiers import BENEFITS, next_tier_gap


@page("partners.partner:view")
def partner_list(request):
    return list_response(
        request,
        spec=lists.PARTNERS,
        queryset=selectors.partner_list(actor=request.actor),
        template="partners/partner_list.html",
        context={"title": "Partners", "can_add": allows(request.actor, ADD, Partner)},
        detail_url=detail_url("partners:partner-detail"),
    )


@page("partners.partner:view")
def partner_board(request):
    """The recruitment pipeline as columns, one per lifecycle state."""
    actor = request.actor
    partners = selectors.partner_list(actor=actor).order_by("-fit_score", "organization__name")
    query = request.GET.get("q", "").strip()
    if query:
        partners = partners.filter(organization__name__icontains=query)
    columns = []
    for state, label, count in selectors.partner_counts_by_state(actor=actor):
        cards = list(partners.filter(state=state)[:30]) if count else []
        columns.append({"state": state, "label": label, "count": count, "cards": cards})
    return render(request, "partners/board.html", {"columns": columns, "query": query})


def _mentoring(actor, partner):
    from ecosys.readiness.mentoring import suggestions

    current = (
        partner.mentorships.filter(ended_on__isnull=True).select_related("mentor__person").first()
    )
    return {
        "current": current,
        "sessions": current.sessions.all()[:10] if current else [],
        "suggestions": suggestions(partner) if actor.is_orchestrator and current is None else [],
        "can_manage": actor.is_orchestrator and actor.role != "read_only",
    }


def _certificates(actor, partner):
    from ecosys.readiness.selectors import certificate_list

    return certificate_list(actor=actor).filter(person__organization=partner.organization)


def _onboarding(actor, partner):
    """The partner's onboarding plan with its progress, for both sides to follow."""
    from ecosys.readiness.services import progress

    plan = partner.onboarding_plans.first()
    if plan is None:
        return None
    can_tick = actor.role != "read_only" and actor.token_scope is None
    return {
        "plan": plan,
        "tasks": list(plan.tasks.all()),
        "progress": progress(plan),
        "own_side": ("orchestrator" if actor.is_orchestrator else "partner") if can_tick else None,
    }


def _listing_form(actor, partner):
    """The partner's own admin edits its locator listing (the orchestrator only sees it)."""
    from .views_locator import ListingForm

    if actor.role != "external_admin" or actor.organization_id != partner.organization_id:
        return None
    listing = getattr(partner, "listing", None)
    initial = (
        {name: getattr(listing, name) for name in ListingForm.base_fields}
        if listing
        else {"show_website": True, "show_description": True}
    )
    return ListingForm(initial=initial)


@page("partners.partner:view")
def partner_detail(request, public_id):
    actor = request.actor
    partner = selectors.partner_get(actor=actor, public_id=public_id)
    can_change = can(actor, CHANGE, partner)
    plans = list(partner.continuity_plans.all())
    # Retiring goes through the continuity plan, so the plain state change does not offer it.
    allowed = sorted(PARTNER_TRANSITIONS[partner.state] - {"retired"})
    context = {
        "partner": partner,
        "timeline": selectors.partner_timeline(actor=actor, partner=partner),
        "can_change": can_change,
        "transition_form": TransitionForm(allowed=allowed) if can_change and allowed else None,
        "show_fit": actor.is_orchestrator,
        "agreements": partner.agreements.select_related("version__template"),
        "plans": plans,
        "listing_form": _listing_form(actor, partner),
        "onboarding": _onboarding(actor, partner),
        "certificates": _certificates(actor, partner),
        "mentoring": _mentoring(actor, partner),
        "people": partner.organization.people.order_by("last_name")[:20],
        "assessments": partner.organization.assignments.select_related("questionnaire")[:10],
        "open_plan": any(plan.status == "open" for plan in plans),
        "programs": selectors.program_list(actor=actor) if actor.is_orchestrator else [],
        "gap": next_tier_gap(partner),
        "benefits": [
            (BENEFITS[key].label, value)
            for key, value in (partner.tier.benefits.items() if partner.tier else [])
            if key in BENEFITS
        ],
    }
    from ecosys.performance.selectors import partner_scores
    from ecosys.performance.selectors_actions import partner_actions

    context["performance_score"] = partner_scores(actor=actor, partner=partner).last()
    context["performance_actions"] = partner_actions(actor=actor, partner=partner)
    return render(request, "partners/partner_detail.html", context)


@page("partners.partner:add")
def partner_create(request):
    actor = request.actor
    initial = {"organization": request.GET.get("organization", "")}
    form = PartnerForm(
        request.POST or None,
        initial=initial,
        owners=selectors.owner_list(actor=actor),
        profiles=selectors.profile_list(actor=actor),
        organizations=organization_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        partner = apply_service(
            form, lambda: services.partner_create(actor=actor, **form.cleaned_data)
        )
        if partner is not None:
            messages.success(
                request, f"{partner.organization} is now a {partner.get_state_display().lower()}."
            )
            return redirect("partners:partner-detail", partner.public_id)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "Add a partner", "cancel": reverse("partners:partner-list")},
    )


@page("partners.partner:change")
def partner_update(request, public_id):
    actor = request.actor
    partner = selectors.partner_get(actor=actor, public_id=public_id, action=CHANGE)
    initial = {
        "owner": partner.owner.email if partner.owner else None,
        "next_step": partner.next_step,
        "next_step_due": partner.next_step_due,
        "fit_profile": partner.fit_profile.public_id if partner.fit_profile else None,
    }
    form = PartnerForm(
        request.POST or None,
        initial=initial,
        owners=selectors.owner_list(actor=actor),
        profiles=selectors.profile_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        updated = apply_service(
            form, lambda: services.partner_update(actor=actor, partner=partner, **form.cleaned_data)
        )
        if updated is not None:
            messages.success(request, "Changes saved.")
            return redirect("partners:partner-detail", partner.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {partner.organization}",
            "cancel": reverse("partners:partner-detail", args=[partner.public_id]),
        },
    )


@require_POST
@page("partners.partner:change")
def partner_transition(request, public_id):
    partner = selectors.partner_get(actor=request.actor, public_id=public_id, action=CHANGE)
    form = TransitionForm(request.POST, allowed=sorted(PARTNER_TRANSITIONS[partner.state]))
    if not form.is_valid():
        messages.error(request, "Choose one of the offered states.")
    else:
        try:
            services.partner_transition(actor=request.actor, partner=partner, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{partner.organization} is now {partner.get_state_display().lower()}."
            )
    return redirect("partners:partner-detail", partner.public_id)


@page("partners.idealpartnerprofile:view")
def profile_list(request):
    return render(
        request,
        "partners/profile_list.html",
        {
            "profiles": selectors.profile_list(actor=request.actor),
            "can_add": allows(request.actor, ADD, IdealPartnerProfile),
        },
    )


def _criteria_data(formset) -> list[dict]:
    rows = []
    for form in formset:
        data = form.cleaned_data if form.is_valid() else {}
        if data.get("attribute"):
            values = [value for value in (data.get("values") or "").split(",") if value.strip()]
            rows.append(
                {"attribute": data["attribute"], "values": values, "weight": data.get("weight")}
            )
    return rows


def _profile_form(request, profile=None):
    actor = request.actor
    initial = {"name": profile.name, "description": profile.description} if profile else None
    criteria = (
        [
            {"attribute": c.attribute, "values": ", ".join(c.values), "weight": c.weight}
            for c in profile.criteria.all()
        ]
        if profile
        else []
    )
    form = ProfileForm(request.POST or None, initial=initial)
    formset = CriterionFormSet(request.POST or None, initial=criteria, prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = apply_service(
            form,
            lambda: services.profile_save(
                actor=actor, profile=profile, criteria=_criteria_data(formset), **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(
                request, f"Profile “{saved}” saved; partners measured against it were rescored."
            )
            return redirect("partners:profile-list")
    title = f"Edit {profile}" if profile else "New ideal partner profile"
    return render(
        request, "partners/profile_form.html", {"form": form, "formset": formset, "title": title}
    )


@page("partners.idealpartnerprofile:add")
def profile_create(request):
    return _profile_form(request)


@page("partners.idealpartnerprofile:change")
def profile_update(request, public_id):
    return _profile_form(
        request, selectors.profile_get(actor=request.actor, public_id=public_id, action=CHANGE)
    )


@require_POST
@page("partners.idealpartnerprofile:delete")
def profile_delete(request, public_id):
    profile = selectors.profile_get(actor=request.actor, public_id=public_id, action="delete")
    services.profile_delete(actor=request.actor, profile=profile)
    messages.success(request, f"Profile “{profile}” deleted.")
    return redirect("partners:profile-list")
