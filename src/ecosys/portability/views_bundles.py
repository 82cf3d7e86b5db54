"""Exit bundle pages: the list of exports and imports, the export and import forms, a job's
page with its progress (polled while it runs), report and signed download link."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.pages import apply_service, detail_url, is_htmx, list_response, page
from ecosys.ecosystem.selectors import organization_list

from . import jobs, lists_bundles, selectors_bundles
from .forms_bundles import BundleExportForm, BundleImportForm
from .models import BundleJobKind, BundleJobStatus, BundleScope


@page("portability.bundlejob:view")
def bundle_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_bundles.BUNDLE_JOBS,
        queryset=selectors_bundles.bundle_job_list(actor=actor),
        template="portability/bundle_list.html",
        context={
            "title": "Exit bundles",
            "can_export": jobs.may_export(actor) and actor.token_scope is None,
            "can_import": jobs.may_import(actor) and actor.token_scope is None,
            "ttl_hours": jobs.ttl().total_seconds() // 3600,
        },
        detail_url=detail_url("portability:bundle-detail"),
    )


@page("portability.bundlejob:add")
def bundle_export(request):
    actor = request.actor
    if not jobs.may_export(actor):
        raise PermissionDenied("Only an organisation's admin exports its bundle.")
    organizations = (
        organization_list(actor=actor).exclude(pk=actor.workspace.orchestrator_id)
        if actor.is_orchestrator
        else None
    )
    engagements = selectors_bundles.exportable_engagements(actor=actor)
    initial = {"scope": BundleScope.WORKSPACE}
    if request.GET.get("organization"):
        initial.update(scope=BundleScope.ORGANIZATION, organization=request.GET["organization"])
    if request.GET.get("engagement"):
        # ?engagement=<uuid> from the engagement's page: 404 when it is not the actor's to export
        engagement = selectors_bundles.exportable_engagement_get(
            actor=actor, public_id=_uuid_or_404(request.GET["engagement"])
        )
        initial.update(scope=BundleScope.ENGAGEMENT, engagement=str(engagement.public_id))
    form = BundleExportForm(
        request.POST if request.method == "POST" else None,
        organizations=organizations,
        engagements=engagements,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        arguments = form.export_arguments()
        job = apply_service(form, lambda: jobs.bundle_export_start(actor=actor, **arguments))
        if job is not None:
            messages.success(request, "Export queued; this page follows its progress.")
            return redirect("portability:bundle-detail", job.public_id)
    return render(
        request,
        "portability/bundle_export.html",
        {"form": form, "ttl_hours": jobs.ttl().total_seconds() // 3600},
    )


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such engagement.") from None


@page("portability.bundlejob:add")
def bundle_engagement_suggest(request):
    """Suggestions for the engagement search box of the export form: the engagements the actor
    may export (the orchestrator: any; a customer's admin: its own)."""
    text = next((value for key, value in request.GET.items() if key.endswith("search")), "")
    matches = []
    if text.strip():
        rows = selectors_bundles.exportable_engagements(actor=request.actor)
        matches = [
            (public_id, f"{title} ({customer})")
            for public_id, title, customer in rows.filter(
                Q(title__icontains=text.strip()) | Q(customer__name__icontains=text.strip())
            ).values_list("public_id", "title", "customer__name")[:12]
        ]
    return render(request, "core/partials/suggestions.html", {"matches": matches})


@page("portability.bundlejob:manage")
def bundle_import(request):
    actor = request.actor
    if not jobs.may_import(actor):
        raise PermissionDenied("Only the orchestrator's admins import bundles.")
    posted = request.method == "POST"
    form = BundleImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = apply_service(
            form,
            lambda: jobs.bundle_import_start(
                actor=actor,
                upload=upload,
                file_name=upload.name,
                policy=form.cleaned_data["policy"],
                dry_run=form.cleaned_data["dry_run"],
                new_ids=form.cleaned_data["new_ids"],
            ),
        )
        if job is not None:
            messages.success(request, "Bundle uploaded; it is checked in the background.")
            return redirect("portability:bundle-detail", job.public_id)
    return render(request, "portability/bundle_import.html", {"form": form})


def _counts_rows(job) -> list[dict]:
    rows = []
    for entity, value in sorted((job.counts or {}).items()):
        if isinstance(value, int):
            rows.append({"entity": entity, "records": value})
        else:
            rows.append({"entity": entity, **value, "changes": value["created"] + value["updated"]})
    return rows


@page("portability.bundlejob:view")
def bundle_detail(request, public_id):
    actor = request.actor
    job = selectors_bundles.bundle_job_get(actor=actor, public_id=public_id)
    context = {
        "job": job,
        "rows": _counts_rows(job),
        "download_url": jobs.download_url(job) if jobs.downloadable(job) else None,
        "can_apply": job.kind == BundleJobKind.IMPORT
        and job.dry_run
        and job.status == BundleJobStatus.DONE
        and jobs.bundle_file(job) is not None
        and jobs.may_import(actor)
        and actor.token_scope is None,
        "ttl_hours": jobs.ttl().total_seconds() // 3600,
    }
    if is_htmx(request) and request.GET.get("progress"):
        response = render(request, "portability/bundle_progress.html", context)
        if not job.is_active and context["rows"]:
            # Finished while the page polled: the whole page again, with the table of counts
            # the progress box refers to ("what the table says").
            response["HX-Refresh"] = "true"
        return response
    return render(request, "portability/bundle_detail.html", context)


@page("portability.bundlejob:view")
def bundle_download(request, public_id):
    job = selectors_bundles.bundle_job_get(actor=request.actor, public_id=public_id)
    try:
        path = jobs.download_check(job, request.GET.get("token"))
    except jobs.BundleGone as gone:
        return render(
            request, "portability/bundle_gone.html", {"job": job, "reason": str(gone)}, status=410
        )
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=job.file_name)  # noqa: SIM115 - FileResponse closes it
    response["X-Content-SHA256"] = job.sha256
    return response


@require_POST
@page("portability.bundlejob:manage")
def bundle_apply(request, public_id):
    actor = request.actor
    dry_run = selectors_bundles.bundle_job_get(actor=actor, public_id=public_id)
    try:
        job = jobs.bundle_import_apply(actor=actor, dry_run=dry_run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("portability:bundle-detail", args=[dry_run.public_id]))
    messages.success(request, "Import queued with the bundle the dry run checked.")
    return redirect("portability:bundle-detail", job.public_id)
