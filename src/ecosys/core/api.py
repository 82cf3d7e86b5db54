"""Core API: who am I, personal tokens, the audit log, imports."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from ninja import File, Form, Router, Status, UploadedFile

from . import selectors, services
from .access import MEMBER, access_rule, get_visible
from .listing import MAX_PAGE_SIZE
from .models import ApiToken, AuditEvent, ImportJob
from .schemas import (
    AuditEventOut,
    Detail,
    ImportJobOut,
    MeOut,
    Page,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["account"])


def paginate(request, queryset, serialize) -> dict:
    """The list envelope shared by every list operation."""
    try:
        per_page = min(max(int(request.GET.get("per_page", 25)), 1), MAX_PAGE_SIZE)
    except ValueError:
        per_page = 25
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {
        "count": page.paginator.count,
        "page": page.number,
        "per_page": per_page,
        "pages": page.paginator.num_pages,
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
    return _job_out(get_visible(ImportJob.objects.all(), request.auth, public_id=_uuid(job_id)))


def _uuid(text: str):
    import uuid

    from django.http import Http404

    try:
        return uuid.UUID(str(text))
    except ValueError as error:
        raise Http404 from error
