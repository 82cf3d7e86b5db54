"""Exit bundle API: start an export or an import, follow a job, list jobs, download the bundle.

Access is the pages': the orchestrator's admins and staff export any scope, an organisation's
admin its own share, only the orchestrator's admins import; a job is seen by the requester's
organisation and the orchestrator."""

import datetime as dt
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from ecosys.core.access import access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get

from . import jobs, lists_bundles, selectors_bundles
from .models import BundleJob

router = Router(tags=["bundles"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


class BundleExportIn(Schema):
    scope: Literal["workspace", "organization", "engagement"] | None = Field(
        None,
        description="`workspace` (the orchestrator only; its default), `organization`: one "
        "organisation's share (the default for an organisation's admin, who exports its own), "
        "or `engagement`: one engagement (the default when `engagement_id` is given).",
    )
    organization_id: UUID | None = Field(
        None,
        description="Organisation scope: the organisation (orchestrator); else your own. "
        "Engagement scope: the orchestrator may give the engagement's customer to export what "
        "its portal shows; a customer's admin always gets that view.",
    )
    engagement_id: UUID | None = Field(
        None,
        description="Engagement scope: the engagement (the orchestrator: any; an organisation's "
        "admin: one whose customer it is).",
    )


class BundleJobOut(Schema):
    id: UUID
    kind: str
    scope: str
    organization_id: UUID | None
    engagement_id: UUID | None
    scope_label: str
    status: str = Field(description="queued, running, done, failed or expired")
    phase: str
    percent: int
    policy: str | None = Field(description="skip, update or fail (imports)")
    dry_run: bool
    new_ids: bool
    file_name: str
    sha256: str
    size_bytes: int
    counts: dict = Field(
        description="Export: records per entity. Import: created/updated/skipped per entity."
    )
    report: dict = Field(description="Import: the whole report, including the problems.")
    error: str
    requested_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    expires_at: dt.datetime | None
    download_url: str | None = Field(description="The signed link while it may be downloaded.")


class BundleDownloadOut(Schema):
    url: str = Field(description="The signed download link (page; needs the sign-in or token).")
    api_url: str = Field(description="The same file through the API.")
    expires_at: dt.datetime
    file_name: str
    sha256: str
    size_bytes: int


def job_out(job: BundleJob) -> dict:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "scope": job.scope,
        "organization_id": job.organization.public_id if job.organization else None,
        "engagement_id": job.engagement.public_id if job.engagement else None,
        "scope_label": job.scope_label,
        "status": job.status,
        "phase": job.phase_now,
        "percent": job.percent,
        "policy": job.policy if job.kind == "import" else None,
        "dry_run": job.dry_run,
        "new_ids": job.new_ids,
        "file_name": job.file_name,
        "sha256": job.sha256,
        "size_bytes": job.size_bytes,
        "counts": job.counts or {},
        "report": job.report or {},
        "error": job.error,
        "requested_by": job.requested_by.email if job.requested_by else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "download_url": _absolute(jobs.download_url(job)) if jobs.downloadable(job) else None,
    }


def _absolute(path: str) -> str:
    return settings.ECOSYS_BASE_URL + path


def _job(request, bundle_id: UUID) -> BundleJob:
    return selectors_bundles.bundle_job_get(actor=request.auth, public_id=bundle_id)


@router.get("/bundles", response={200: Page[BundleJobOut], **ERRORS})
@access_rule("portability.bundlejob:view")
def bundle_list(request):
    """Exports and imports you can see (an organisation's admin: its own). Filters: `kind`
    (export, import), `status`, `scope` (workspace, organization, engagement), `engagement`
    (its UUID); `q` searches the scope, file and requester."""
    rows = list_apply(
        selectors_bundles.bundle_job_list(actor=request.auth),
        request.GET,
        lists_bundles.BUNDLE_JOBS,
    ).queryset
    return paginate(request, rows, job_out)


@router.post("/bundles/export", response={202: BundleJobOut, **ERRORS})
@access_rule("portability.bundlejob:add")
def bundle_export_start(request, payload: BundleExportIn):
    """Queue an export; poll the job, then fetch its download link. An engagement that is not
    yours (not its customer) is 404; an organisation's member gets 403."""
    actor = request.auth
    if not jobs.may_export(actor):
        raise PermissionDenied("Only the orchestrator or an organisation's admin exports bundles.")
    organization = (
        organization_get(actor=actor, public_id=payload.organization_id)
        if payload.organization_id
        else None
    )
    engagement = (
        selectors_bundles.exportable_engagement_get(actor=actor, public_id=payload.engagement_id)
        if payload.engagement_id
        else None
    )
    scope = payload.scope or (
        "engagement"
        if engagement is not None
        else ("workspace" if actor.is_orchestrator else "organization")
    )
    job = jobs.bundle_export_start(
        actor=actor, scope=scope, organization=organization, engagement=engagement
    )
    return Status(202, job_out(_job(request, job.public_id)))


@router.post("/bundles/import", response={202: BundleJobOut, **ERRORS})
@access_rule("portability.bundlejob:manage")
def bundle_import_start(
    request,
    file: File[UploadedFile],
    policy: Form[str] = "skip",
    dry_run: Form[bool] = False,
    new_ids: Form[bool] = False,
):
    """Upload a bundle (multipart) and queue its import into this workspace, or a dry run that
    reports what would change. `policy` for records that exist: skip, update or fail;
    `new_ids` imports every record under a new UUID (a copy beside its original)."""
    job = jobs.bundle_import_start(
        actor=request.auth,
        upload=file,
        file_name=file.name,
        policy=policy,
        dry_run=dry_run,
        new_ids=new_ids,
    )
    return Status(202, job_out(_job(request, job.public_id)))


@router.post("/bundles/{bundle_id}/apply", response={202: BundleJobOut, **ERRORS})
@access_rule("portability.bundlejob:manage")
def bundle_import_apply(request, bundle_id: UUID):
    """Import for real the bundle a passed dry run checked (no second upload)."""
    job = jobs.bundle_import_apply(actor=request.auth, dry_run=_job(request, bundle_id))
    return Status(202, job_out(_job(request, job.public_id)))


@router.get("/bundles/{bundle_id}", response={200: BundleJobOut, **ERRORS})
@access_rule("portability.bundlejob:view")
def bundle_get(request, bundle_id: UUID):
    """A job's status, progress, counts and (imports) report."""
    return job_out(_job(request, bundle_id))


@router.get(
    "/bundles/{bundle_id}/download", response={200: BundleDownloadOut, 410: Detail, **ERRORS}
)
@access_rule("portability.bundlejob:view")
def bundle_download_link(request, bundle_id: UUID):
    """The signed download link of a finished export; 410 once it expired."""
    job = _job(request, bundle_id)
    token = jobs.download_token(job)
    try:
        jobs.download_check(job, token)
    except jobs.BundleGone as gone:
        return Status(410, {"detail": str(gone)})
    return {
        "url": _absolute(jobs.download_url(job)),
        "api_url": _absolute(f"/api/v1/bundles/{job.public_id}/file?token={token}"),
        "expires_at": job.expires_at,
        "file_name": job.file_name,
        "sha256": job.sha256,
        "size_bytes": job.size_bytes,
    }


@router.get("/bundles/{bundle_id}/file", response={200: None, 410: Detail, **ERRORS})
@access_rule("portability.bundlejob:view")
def bundle_file(request, bundle_id: UUID, token: str = ""):
    """The bundle file itself (ZIP), with the token of its signed link; 410 once expired."""
    job = _job(request, bundle_id)
    try:
        path = jobs.download_check(job, token)
    except jobs.BundleGone as gone:
        return Status(410, {"detail": str(gone)})
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=job.file_name)  # noqa: SIM115 - FileResponse closes it
    response["X-Content-SHA256"] = job.sha256
    return response
