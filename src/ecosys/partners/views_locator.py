"""The public partner locator and the partner's own listing settings."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_scopes import scope

from ecosys.core.access import PUBLIC
from ecosys.core.pages import page
from ecosys.core.selectors import workspace_by_slug
from ecosys.ecosystem.models import EcosystemRole, Region

from . import locator, selectors


@page(PUBLIC)
def public_locator(request, slug):
    """Find a partner near you (no sign-in): only partners that agreed to be listed."""
    workspace = workspace_by_slug(slug)
    region, capability, role = (
        request.GET.get(k, "").strip() for k in ("region", "capability", "role")
    )
    with scope(workspace=workspace.pk):
        listings = locator.listings_public(region=region, capability=capability, role=role)
    role_labels = dict(EcosystemRole.choices)
    return render(
        request,
        "partners/locator.html",
        {
            "programme": workspace,
            "listings": [
                {**item, "roles": [role_labels.get(r, r) for r in item["roles"]]}
                for item in listings
            ],
            "regions": Region.choices,
            "roles": [
                (v, label)
                for v, label in EcosystemRole.choices
                if v not in ("orchestrator", "customer")
            ],
            "filters": {"region": region, "capability": capability, "role": role},
        },
    )


class ListingForm(forms.Form):
    published = forms.BooleanField(required=False, label="List us in the public partner locator")
    show_website = forms.BooleanField(required=False, label="Show our website")
    show_description = forms.BooleanField(required=False, label="Show our description")
    capabilities = forms.CharField(max_length=300, required=False)
    contact_email = forms.EmailField(required=False, label="Public contact e-mail")


@require_POST
@page("partners.partner:view")
def listing_save(request, public_id):
    actor = request.actor
    partner = selectors.partner_get(actor=actor, public_id=public_id)
    form = ListingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the e-mail address.")
    else:
        try:
            locator.listing_save(actor=actor, partner=partner, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Locator listing saved.")
    return redirect("partners:partner-detail", partner.public_id)
