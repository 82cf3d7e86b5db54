"""Pages for applications: the public "become a partner" form and the staff's review."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_scopes import scope

from ecosys.core.access import PUBLIC
from ecosys.core.pages import detail_url, list_response, page
from ecosys.core.selectors import workspace_by_slug
from ecosys.ecosystem.models import Region, country_choices

from . import applications, lists, selectors


def _client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@page(PUBLIC)
def apply(request, slug):
    """The public "become a partner" page of a workspace (no sign-in)."""
    workspace = workspace_by_slug(slug)
    errors, data = {}, {}
    with scope(workspace=workspace.pk):
        if request.method == "POST":
            data = request.POST
            try:
                applications.application_submit(
                    workspace=workspace,
                    data=data,
                    token=data.get("started", ""),
                    honeypot=data.get("homepage", ""),
                    address=_client_address(request),
                )
            except ValidationError as error:
                errors = (
                    error.message_dict if hasattr(error, "error_dict") else {"form": error.messages}
                )
            else:
                return render(request, "partners/apply_thanks.html", {"programme": workspace})
    return render(
        request,
        "partners/apply.html",
        {
            "programme": workspace,
            "errors": errors,
            "data": data,
            "token": applications.form_token(),
            "types": applications.APPLICANT_TYPES,
            "countries": country_choices(),
            "regions": Region.choices,
        },
    )


@page("partners.application:view")
def application_list(request):
    return list_response(
        request,
        spec=lists.APPLICATIONS,
        queryset=selectors.application_list(actor=request.actor),
        template="partners/application_list.html",
        context={"title": "Partner applications"},
        detail_url=detail_url("partners:application-detail"),
    )


@page("partners.application:view")
def application_detail(request, public_id):
    actor = request.actor
    application = selectors.application_get(actor=actor, public_id=public_id)
    return render(
        request,
        "partners/application_detail.html",
        {
            "application": application,
            "decisions": application.decisions.select_related("decided_by"),
            "steps": selectors.approval_step_list(actor=actor),
            "can_decide": applications.can_decide(actor, application),
        },
    )


@require_POST
@page("partners.application:change")
def application_decide(request, public_id):
    actor = request.actor
    application = selectors.application_get(actor=actor, public_id=public_id)
    try:
        applications.application_decide(
            actor=actor,
            application=application,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Decision recorded.")
    return redirect("partners:application-detail", application.public_id)


@page("partners.approvalstep:view")
def approval_steps(request):
    actor = request.actor
    steps = selectors.approval_step_list(actor=actor)
    errors = {}
    if request.method == "POST":
        names = request.POST.getlist("name")
        approvers = request.POST.getlist("approvers")
        rows = [
            {
                "name": name,
                "approvers": [e for e in emails.replace(";", ",").split(",") if e.strip()],
            }
            for name, emails in zip(names, approvers, strict=False)
            if name.strip() or emails.strip()
        ]
        try:
            applications.approval_steps_set(actor=actor, steps=rows)
        except ValidationError as error:
            errors = (
                error.message_dict if hasattr(error, "error_dict") else {"steps": error.messages}
            )
            messages.error(request, "The steps were not saved; see the messages below.")
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Approval steps saved.")
            return redirect("partners:approval-steps")
    return render(
        request,
        "partners/approval_steps.html",
        {"steps": steps, "errors": errors, "blank_rows": range(3)},
    )
