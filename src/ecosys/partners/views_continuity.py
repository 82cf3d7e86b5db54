"""Retirement pages: open a continuity plan, decide every item, complete it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import CHANGE
from ecosys.core.pages import apply_service, page
from ecosys.core.widgets import SearchSelectField
from ecosys.ecosystem.selectors import organization_list

from . import continuity, selectors


class PlanForm(forms.Form):
    effective_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=500)


@page("partners.partner:change")
def plan_open(request, public_id):
    actor = request.actor
    partner = selectors.partner_get(actor=actor, public_id=public_id, action=CHANGE)
    form = PlanForm(request.POST or None, initial={"effective_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        plan = apply_service(
            form, lambda: continuity.plan_open(actor=actor, partner=partner, **form.cleaned_data)
        )
        if plan is not None:
            messages.success(
                request, f"Continuity plan opened with {plan.items.count()} item(s) to decide."
            )
            return redirect("partners:plan-detail", plan.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Retire {partner.organization}: open its continuity plan",
            "cancel": f"/partners/{partner.public_id}/",
        },
    )


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=[("reassigned", "Hand over"), ("closed", "Close")])
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            required=False,
            label="Successor",
        )


@page("partners.continuityplan:view")
def plan_detail(request, public_id):
    actor = request.actor
    plan = selectors.continuity_plan_get(actor=actor, public_id=public_id)
    items = plan.items.select_related("successor", "resolved_by")
    return render(
        request,
        "partners/plan_detail.html",
        {
            "plan": plan,
            "items": items,
            "pending": sum(1 for item in items if item.resolution == "pending"),
            "successors": continuity.successors(plan) if actor.is_orchestrator else [],
            "form": ResolveForm(organizations=organization_list(actor=actor))
            if actor.is_orchestrator
            else None,
        },
    )


@require_POST
@page("partners.partner:change")
def item_resolve(request, public_id):
    actor = request.actor
    item = selectors.continuity_item_get(actor=actor, public_id=public_id)
    form = ResolveForm(request.POST, organizations=organization_list(actor=actor))
    if not form.is_valid():
        messages.error(
            request, "Choose a successor from the suggestions, or close the item with a reason."
        )
    else:
        try:
            continuity.item_resolve(actor=actor, item=item, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"Decided: {item.label}.")
    return redirect("partners:plan-detail", item.plan.public_id)


@require_POST
@page("partners.partner:change")
def plan_complete(request, public_id):
    actor = request.actor
    plan = selectors.continuity_plan_get(actor=actor, public_id=public_id)
    try:
        continuity.plan_complete(actor=actor, plan=plan)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            "Plan completed: the partner is retired; its sign-ins end on the effective date.",
        )
    return redirect("partners:plan-detail", plan.public_id)
