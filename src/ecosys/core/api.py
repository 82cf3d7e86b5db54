"""Core API: who am I, personal tokens, members, sharing, the audit log, imports."""

from django.core.exceptions import PermissionDenied
from ninja import File, Form, Router, Status, UploadedFile

from . import selectors, services
from .access import MEMBER, access_rule
from .listing import list_page
from .models import ApiToken, AuditEvent, ImportJob
from .schemas import (
    AuditEventOut,
    Detail,
    ImportJobOut,
    JobRunIn,
    JobRunOut,
    MemberActiveIn,
    MemberIn,
    MemberOut,
    MeOut,
    Page,
    ShareIn,
    ShareOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["account"])
JOB_ERRORS = {401: Detail, 403: Detail, 404: Detail}


def paginate(request, queryset, serialize) -> dict:
    """The list envelope shared by every list operation (see core.listing.ListPage)."""
    page = list_page(queryset, request.GET)
    return {
        "count": page.count,
        "count_exact": page.count_exact,
        "page": page.number,
        "per_page": page.per_page,
        "pages": page.num_pages,
        "has_next": page.has_next,
        "results": [serialize(obj) for obj in page.object_list],
    }


@router.get("/me", response=MeOut, summary="The signed-in member")
@access_rule(MEMBER)
def me(request):
    actor = request.auth
    membership = actor.membership
    return {
        "email": actor.user.email,
        "name": actor.user.get_full_name(),
        "workspace": actor.workspace.name,
        "organization_id": membership.organization.public_id,
        "organization": membership.organization.name,
        "role": actor.role,
        "is_orchestrator": actor.is_orchestrator,
        "token_scope": actor.token_scope,
    }


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.public_id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "owner": token.membership.user.email,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


@router.get("/tokens", response=Page[TokenOut], summary="List API tokens")
@access_rule(MEMBER)
def token_list(request):
    return paginate(request, selectors.token_list(actor=request.auth), _token_out)


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
@access_rule(MEMBER)
def token_create(request, payload: TokenIn):
    token, raw = services.token_create(actor=request.auth, **payload.dict())
    return Status(201, {**_token_out(token), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke an API token")
@access_rule(MEMBER)
def token_revoke(request, token_id: str):
    token = selectors.token_get(actor=request.auth, public_id=_uuid(token_id))
    return _token_out(services.token_revoke(actor=request.auth, token=token))


def _audit_out(event: AuditEvent) -> dict:
    return {
        "id": event.public_id,
        "created_at": event.created_at,
        "actor": event.actor_label,
        "channel": event.channel,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_public_id,
        "target": event.target_repr,
        "changes": event.changes,
    }


@router.get("/audit-events", response={200: Page[AuditEventOut], 403: Detail}, tags=["audit"])
@access_rule("core.auditevent:view")
def audit_event_list(request, target: str | None = None, channel: str | None = None):
    """The workspace log (orchestrator members); filter by object id or channel."""
    if not request.auth.is_orchestrator:
        raise PermissionDenied("The workspace log is for the orchestrator.")
    events = selectors.audit_log(actor=request.auth)
    if target:
        events = events.filter(target_public_id=_uuid(target))
    if channel:
        events = events.filter(channel=channel)
    return paginate(request, events, _audit_out)


def _job_out(job: ImportJob) -> dict:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "file_name": job.file_name,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "percent": job.percent,
        "created_count": job.created_count,
        "updated_count": job.updated_count,
        "errors": job.errors,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.post("/imports", response={202: ImportJobOut}, tags=["imports"])
@access_rule("core.importjob:add")
def import_create(request, kind: Form[str], file: File[UploadedFile]):
    """Queue a CSV/XLSX import (`organizations` or `people`); poll the job for its outcome."""
    job = services.import_job_create(
        actor=request.auth, kind=kind, file_name=file.name, content=file.read()
    )
    job.refresh_from_db()
    return Status(202, _job_out(job))


@router.get("/imports/{job_id}", response=ImportJobOut, tags=["imports"])
@access_rule("core.importjob:view")
def import_detail(request, job_id: str):
    """An import's progress and, when it failed, its row-and-column error report."""
    return _job_out(selectors.import_job_get(actor=request.auth, public_id=_uuid(job_id)))


def _uuid(text: str):
    import uuid

    from django.http import Http404

    try:
        return uuid.UUID(str(text))
    except ValueError as error:
        raise Http404 from error


# -- members ---------------------------------------------------------------------------------


def _member_out(membership) -> dict:
    return {
        "id": membership.public_id,
        "email": membership.user.email,
        "name": membership.user.get_full_name(),
        "organization_id": membership.organization.public_id,
        "organization": membership.organization.name,
        "role": membership.role,
        "is_active": membership.is_active,
        "invited": not membership.user.has_usable_password(),
    }


@router.get("/members", response={200: Page[MemberOut], 403: Detail}, tags=["members"])
@access_rule("core.membership:manage")
def member_list(request):
    """Members of the workspace (orchestrator admin) or of your organisation (external admin)."""
    return paginate(request, selectors.member_list(actor=request.auth), _member_out)


@router.post("/members", response={201: MemberOut, 403: Detail, 404: Detail}, tags=["members"])
@access_rule("core.membership:manage")
def member_add(request, payload: MemberIn):
    """Add a member; a new user gets an e-mail with a one-time link to choose a password."""
    from ecosys.ecosystem.selectors import organization_get

    data = payload.dict()
    org_id = data.pop("organization_id")
    actor = request.auth
    organization = (
        organization_get(actor=actor, public_id=org_id) if org_id else actor.membership.organization
    )
    membership = services.member_add(actor=actor, organization=organization, **data)
    return Status(201, _member_out(membership))


@router.post(
    "/members/{member_id}/active",
    response={200: MemberOut, 403: Detail, 404: Detail},
    tags=["members"],
)
@access_rule("core.membership:manage")
def member_set_active(request, member_id: str, payload: MemberActiveIn):
    """Suspend (active=false) or restore (active=true) a member."""
    membership = selectors.member_get(actor=request.auth, public_id=_uuid(member_id))
    services.member_set_active(actor=request.auth, membership=membership, active=payload.active)
    return _member_out(membership)


# -- sharing ---------------------------------------------------------------------------------


def _share_out(grant, target) -> dict:
    return {
        "id": grant.public_id,
        "target_type": grant.target_type.app_label + "." + grant.target_type.model,
        "target_id": target.public_id,
        "organization_id": grant.organization.public_id,
        "organization": grant.organization.name,
        "access": grant.access,
        "created_at": grant.created_at,
    }


@router.get("/shares", response={200: list[ShareOut], 403: Detail, 404: Detail}, tags=["sharing"])
@access_rule("core.sharinggrant:view")
def share_list(request, target_type: str, target_id: str):
    """Who one record is shared with (the orchestrator's view)."""
    if not request.auth.is_orchestrator:
        raise PermissionDenied("Sharing is managed by the orchestrator.")
    target = selectors.shareable_get(
        action="view", actor=request.auth, target_type=target_type, public_id=_uuid(target_id)
    )
    return [
        _share_out(grant, target)
        for grant in selectors.grant_list(actor=request.auth, target=target)
    ]


@router.post("/shares", response={201: ShareOut, 403: Detail, 404: Detail}, tags=["sharing"])
@access_rule("core.sharinggrant:add")
def share_create(request, payload: ShareIn):
    """Share a record with an external organisation, read or write."""
    from ecosys.ecosystem.selectors import organization_get

    actor = request.auth
    target = selectors.shareable_get(
        actor=actor, target_type=payload.target_type, public_id=payload.target_id
    )
    organization = organization_get(actor=actor, public_id=payload.organization_id)
    grant = services.grant_share(
        actor=actor, target=target, organization=organization, access=payload.access
    )
    return Status(201, _share_out(grant, target))


@router.delete(
    "/shares/{share_id}", response={204: None, 403: Detail, 404: Detail}, tags=["sharing"]
)
@access_rule("core.sharinggrant:delete")
def share_revoke(request, share_id: str):
    """Stop sharing; the organisation no longer sees the record."""
    grant = selectors.grant_get(actor=request.auth, public_id=_uuid(share_id))
    services.grant_revoke(actor=request.auth, grant=grant)
    return Status(204, None)


def _job_run_out(run) -> dict:
    from .lists import job_label

    return {
        "id": run.public_id,
        "job": run.job,
        "job_label": job_label(run.job),
        "status": run.status,
        "requested_by": run.requested_by.email if run.requested_by else None,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "result": run.result,
        "error": run.error,
    }


@router.get("/job-runs", response={200: Page[JobRunOut], **JOB_ERRORS}, tags=["jobs"])
@access_rule("core.jobrun:view")
def job_run_list(request):
    """Runs of the daily jobs in this workspace. Filters: job, status; q; sort (-created_at…)."""
    from .listing import list_apply
    from .lists import JOB_RUNS
    from .tasks import daily_jobs

    daily_jobs()  # the job filter's choices and labels come from the registry
    rows = list_apply(selectors.job_run_list(actor=request.auth), request.GET, JOB_RUNS).queryset
    return paginate(request, rows, _job_run_out)


@router.post("/job-runs", response={202: JobRunOut, **JOB_ERRORS}, tags=["jobs"])
@access_rule("core.jobrun:add")
def job_run_create(request, payload: JobRunIn):
    """Run a daily job now in this workspace (only jobs that are safe to re-run)."""
    run = services.job_run_request(actor=request.auth, job=payload.job)
    return Status(
        202, _job_run_out(selectors.job_run_get(actor=request.auth, public_id=run.public_id))
    )
