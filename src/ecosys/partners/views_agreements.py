"""Agreement pages: templates and their versions, issuing, acceptance in the portal."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page

from . import agreements, lists, selectors
from .models import Agreement, AgreementVersion, Partner, Renewal
from .tasks import agreements_review_run


@page("partners.agreement:view")
def agreement_list(request):
    return list_response(
        request,
        spec=lists.AGREEMENTS,
        queryset=selectors.agreement_list(actor=request.actor),
        template="partners/agreement_list.html",
        context={
            "title": "Agreements",
            "can_add": allows(request.actor, ADD, Agreement) and request.actor.is_orchestrator,
        },
        detail_url=detail_url("partners:agreement-detail"),
    )


@page("partners.agreement:view")
def agreement_detail(request, public_id):
    actor = request.actor
    agreement = selectors.agreement_get(actor=actor, public_id=public_id)
    can_decide = (
        agreement.status == "issued"
        and actor.role == "external_admin"
        and actor.organization_id == agreement.partner.organization_id
    )
    return render(
        request,
        "partners/agreement_detail.html",
        {"agreement": agreement, "can_decide": can_decide},
    )


@require_POST
@page("partners.agreement:change")
def agreement_decide(request, public_id):
    actor = request.actor
    agreement = selectors.agreement_get(actor=actor, public_id=public_id)
    try:
        if request.POST.get("decision") == "accept":
            agreements.agreement_accept(
                actor=actor,
                agreement=agreement,
                address=request.META.get("REMOTE_ADDR"),
                version_number=int(request.POST.get("version") or 0),
            )
            messages.success(request, "Agreement accepted; it is in force.")
        else:
            agreements.agreement_decline(
                actor=actor, agreement=agreement, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Agreement declined; the orchestrator has your reason.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("partners:agreement-detail", agreement.public_id)


class IssueForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), to_field_name="public_id")
    version = forms.ModelChoiceField(
        queryset=AgreementVersion.objects.none(), to_field_name="public_id", label="Agreement"
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = selectors.issuable_partner_list(actor=actor)
        self.fields["partner"].label_from_instance = lambda partner: (
            f"{partner.organization.name} ({partner.get_state_display().lower()})"
        )
        self.fields["version"].queryset = selectors.agreement_versions_latest(actor=actor)


@page("partners.agreement:add")
def agreement_issue(request):
    actor = request.actor
    if not actor.is_orchestrator:
        raise PermissionDenied("Agreements are issued by the orchestrator.")
    initial = {
        "start_date": timezone.localdate() + dt.timedelta(days=1),
        "partner": request.GET.get("partner"),
    }
    form = IssueForm(request.POST or None, initial=initial, actor=actor)
    if request.method == "POST" and form.is_valid():
        agreement = apply_service(
            form, lambda: agreements.agreement_issue(actor=actor, **form.cleaned_data)
        )
        if agreement is not None:
            messages.success(
                request, "Agreement issued; the partner's admins were asked to accept it."
            )
            return redirect("partners:agreement-detail", agreement.public_id)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "Issue an agreement", "cancel": reverse("partners:agreement-list")},
    )


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=150)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VersionForm(forms.ModelForm):
    class Meta:
        model = AgreementVersion
        fields = [
            "terms",
            "term_months",
            "renewal",
            "notice_days",
            "territory",
            "exclusive",
            "exit_clause",
            "data_return_clause",
        ]
        widgets = {
            "terms": forms.Textarea(attrs={"rows": 6}),
            "exit_clause": forms.Textarea(attrs={"rows": 3}),
            "data_return_clause": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        pass  # the service validates, so every channel gets the same messages


@page("partners.agreementtemplate:view")
def template_list(request):
    actor = request.actor
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = apply_service(
            form, lambda: agreements.template_create(actor=actor, **form.cleaned_data)
        )
        if template is not None:
            messages.success(request, f"Template “{template}” created; publish its first version.")
            return redirect("partners:version-publish", template.public_id)
    templates = selectors.agreement_template_list(actor=actor)
    return render(request, "partners/template_list.html", {"templates": templates, "form": form})


@page("partners.agreementversion:add")
def version_publish(request, public_id):
    actor = request.actor
    template = selectors.agreement_template_get(actor=actor, public_id=public_id)
    latest = template.versions.order_by("-number").first()
    initial = {"renewal": Renewal.FIXED, "term_months": 12, "notice_days": 60}
    if latest:
        initial = {name: getattr(latest, name) for name in VersionForm.Meta.fields}
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = apply_service(
            form,
            lambda: agreements.version_publish(actor=actor, template=template, **form.cleaned_data),
        )
        if version is not None:
            messages.success(request, f"Version {version.number} of “{template}” published.")
            return redirect("partners:template-list")
    title = f"Publish version {(latest.number if latest else 0) + 1} of {template}"
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "cancel": reverse("partners:template-list")},
    )


@require_POST
@page("partners.agreement:add")
def agreements_review_now(request):
    if not request.actor.is_orchestrator:
        raise PermissionDenied("The orchestrator runs the agreement review.")
    agreements_review_run.enqueue(request.actor.workspace.pk)
    messages.success(
        request, "Agreement review queued: reminders, renewals and ends run in the background."
    )
    return redirect("partners:agreement-list")
