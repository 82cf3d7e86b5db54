"""Separation pages: the list, the start form (either side), the plan with its checklist and
each step (decisions, bundle, acknowledgement, erasure, completion, cancellation)."""

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.ecosystem.selectors import organization_list

from . import lists, selectors, services
from .forms import BundleDeliverForm, CancelForm, CompleteForm, ItemDecideForm, SeparationStartForm
from .models import (
    KIND_DECISIONS,
    OPEN_SEPARATION_STATUSES,
    DataHandling,
    ItemDecision,
    Separation,
    SeparationStatus,
)


def _may_start(actor) -> bool:
    if actor.token_scope is not None:
        return False
    if actor.is_orchestrator:
        return allows(actor, ADD, Separation)
    return actor.role == "external_admin"


@page("portability.separation:view")
def separation_list(request):
    return list_response(
        request,
        spec=lists.SEPARATIONS,
        queryset=selectors.separation_list(actor=request.actor),
        template="portability/separation_list.html",
        context={"title": "Separations", "can_add": _may_start(request.actor)},
        detail_url=detail_url("portability:separation-detail"),
    )


@page("portability.separation:add")
def separation_start(request):
    actor = request.actor
    if not _may_start(actor):
        raise PermissionDenied(
            "Only the orchestrator's staff or an organisation's admin start one."
        )
    organizations = (
        organization_list(actor=actor).exclude(pk=actor.workspace.orchestrator_id)
        if actor.is_orchestrator
        else None
    )
    form = SeparationStartForm(
        request.POST or None,
        organizations=organizations,
        initial={
            "organization": request.GET.get("organization"),
            # A renewal review that ends in parting proposes the date.
            "effective_date": request.GET.get("effective_date") or timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization", None) or actor.membership.organization
        separation = apply_service(
            form, lambda: services.separation_start(actor=actor, organization=organization, **data)
        )
        if separation is not None:
            messages.success(
                request,
                f"Separation started; its plan lists {separation.items.count()} item(s).",
            )
            return redirect("portability:separation-detail", separation.public_id)
    title = (
        "Start a separation"
        if actor.is_orchestrator
        else f"Leave {actor.workspace.name}: start a friendly separation"
    )
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "cancel": reverse("portability:separation-list")},
    )


@page("portability.separation:view")
def separation_detail(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    items = list(selectors.separation_items(actor=actor, separation=separation))
    is_open = separation.status in OPEN_SEPARATION_STATUSES
    orchestrator_writer = (
        actor.is_orchestrator and allows(actor, CHANGE, Separation) and actor.token_scope is None
    )
    leaving_admin = (
        actor.role == "external_admin" and actor.organization_id == separation.organization_id
    )
    deliveries = list(separation.deliveries.select_related("delivered_by", "acknowledged_by"))
    latest = deliveries[0] if deliveries else None
    steps = services.checklist(separation)
    certificate = getattr(separation, "erasure", None)
    for item in items:
        item.choices = [ItemDecision(d) for d in KIND_DECISIONS[item.kind]]
    return render(
        request,
        "portability/separation_detail.html",
        {
            "separation": separation,
            "items": items,
            "pending": sum(1 for item in items if item.decision == ItemDecision.PENDING),
            "steps": steps,
            "all_done": all(step.done for step in steps),
            "deliveries": deliveries,
            "certificate": certificate,
            "is_open": is_open,
            "can_decide": orchestrator_writer and is_open,
            "decide_form": ItemDecideForm(organizations=organization_list(actor=actor))
            if orchestrator_writer and is_open
            else None,
            "deliver_form": BundleDeliverForm() if orchestrator_writer and is_open else None,
            "can_acknowledge": leaving_admin
            and is_open
            and latest is not None
            and latest.acknowledged_at is None,
            "can_erase": orchestrator_writer
            and is_open
            and separation.data_handling == DataHandling.ERASE
            and certificate is None,
            "holdings": services.holdings(items),
            "complete_form": CompleteForm(
                initial={"delivered": services.delivered_summary(separation)}
            )
            if orchestrator_writer and is_open
            else None,
            "returning_bundle": services.acknowledged_bundle(separation),
            "cancel_form": CancelForm()
            if (orchestrator_writer or leaving_admin)
            and separation.status == SeparationStatus.PLANNED
            and not separation.access_revoked_at
            else None,
        },
    )


def _run(request, call, success: str) -> None:
    try:
        call()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, success)


@require_POST
@page("portability.separation:change")
def separation_item_decide(request, public_id):
    actor = request.actor
    item = selectors.separation_item_get(actor=actor, public_id=public_id)
    form = ItemDecideForm(request.POST, organizations=organization_list(actor=actor))
    if not form.is_valid():
        messages.error(request, "Choose a decision (and a successor from the suggestions).")
    else:
        _run(
            request,
            lambda: services.separation_item_decide(actor=actor, item=item, **form.cleaned_data),
            f"Decided: {item.label}.",
        )
    return redirect("portability:separation-detail", item.separation.public_id)


@require_POST
@page("portability.separation:change")
def separation_bundle_deliver(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    form = BundleDeliverForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the bundle file to deliver.")
    else:
        upload = form.cleaned_data["bundle"]
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        _run(
            request,
            lambda: services.separation_bundle_deliver(
                actor=actor,
                separation=separation,
                file_name=upload.name,
                sha256=digest.hexdigest(),
                size_bytes=upload.size,
                file=upload,
            ),
            "Bundle delivered; the organisation's admin is asked to acknowledge it.",
        )
    return redirect("portability:separation-detail", separation.public_id)


@require_POST
@page("portability.separation:change")
def separation_bundle_produce(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    _run(
        request,
        lambda: services.separation_bundle_produce(actor=actor, separation=separation),
        "Bundle produced and delivered; the organisation's admin is asked to acknowledge it.",
    )
    return redirect("portability:separation-detail", separation.public_id)


@require_POST
@page("portability.separation:change")
def separation_bundle_acknowledge(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    _run(
        request,
        lambda: services.separation_bundle_acknowledge(actor=actor, separation=separation),
        "Thank you: the bundle is acknowledged.",
    )
    return redirect("portability:separation-detail", separation.public_id)


@page("portability.separation:view")
def separation_bundle_download(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    delivery = separation.deliveries.exclude(file="").first()
    if delivery is None:
        raise Http404("No bundle file was delivered.")
    return FileResponse(delivery.file.open("rb"), as_attachment=True, filename=delivery.file_name)


@require_POST
@page("portability.separation:change")
def separation_erase(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    _run(
        request,
        lambda: services.separation_erase(actor=actor, separation=separation),
        "Personal data erased; the certificate is below.",
    )
    return redirect("portability:separation-detail", separation.public_id)


@require_POST
@page("portability.separation:change")
def separation_complete(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Write the closing record: why, what was delivered, the invitation."
        )
    else:
        _run(
            request,
            lambda: services.separation_complete(
                actor=actor, separation=separation, **form.cleaned_data
            ),
            "Separation completed; both sides received the closing record.",
        )
    return redirect("portability:separation-detail", separation.public_id)


@require_POST
@page("portability.separation:change")
def separation_cancel(request, public_id):
    actor = request.actor
    separation = selectors.separation_get(actor=actor, public_id=public_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the separation is called off.")
    else:
        _run(
            request,
            lambda: services.separation_cancel(
                actor=actor, separation=separation, reason=form.cleaned_data["reason"]
            ),
            "Separation cancelled.",
        )
    return redirect("portability:separation-detail", separation.public_id)
