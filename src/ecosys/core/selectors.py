"""Reads of audit events, members and tokens, narrowed by the access policy."""

from __future__ import annotations

from django.db.models import QuerySet

from .access import Actor
from .models import ApiToken, AuditEvent, Membership, Role


def audit_log(*, actor: Actor) -> QuerySet[AuditEvent]:
    """The workspace log: orchestrator members only (others see history on what they can see)."""
    if not actor.is_orchestrator:
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("user")


def audit_for(*, actor: Actor, target) -> QuerySet[AuditEvent]:
    """History of one object the caller has already fetched through a scoped selector.

    Whom a record is shared with is the orchestrator's business: a partner given a record must
    not learn from its history which other partners have it too."""
    events = AuditEvent.objects.filter(target_public_id=target.public_id).select_related("user")
    if not actor.is_orchestrator:
        events = events.exclude(action__in=("share", "unshare"))
    return events


def token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens; an orchestrator admin sees every token of the workspace."""
    tokens = ApiToken.objects.select_related("membership__user").order_by("-created_at")
    if actor.role == Role.ORCHESTRATOR_ADMIN and actor.is_orchestrator:
        return tokens
    return tokens.filter(membership=actor.membership)


def token_get(*, actor: Actor, public_id) -> ApiToken:
    from django.http import Http404

    token = token_list(actor=actor).filter(public_id=public_id).first()
    if token is None:
        raise Http404("Not found.")
    return token


def member_list(*, actor: Actor) -> QuerySet[Membership]:
    members = Membership.objects.select_related("user", "organization").order_by("user__email")
    if actor.is_orchestrator:
        return members
    return members.filter(organization_id=actor.organization_id)


def member_get(*, actor: Actor, public_id) -> Membership:
    from django.http import Http404

    membership = member_list(actor=actor).filter(public_id=public_id).first()
    if membership is None:
        raise Http404("Not found.")
    return membership


def grant_list(*, actor: Actor, target) -> QuerySet:
    """Who an object is shared with (the orchestrator's concern; others get nothing)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import SharingGrant

    if not actor.is_orchestrator:
        return SharingGrant.objects.none()
    return SharingGrant.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("organization", "granted_by")


def grant_get(*, actor: Actor, public_id):
    from django.http import Http404

    from .models import SharingGrant

    grant = SharingGrant.objects.filter(public_id=public_id).select_related("organization").first()
    if grant is None or not actor.is_orchestrator:
        raise Http404("Not found.")
    return grant


def shareable_get(*, actor: Actor, target_type: str, public_id, action: str = "change"):
    """An object of a shareable kind that the actor may see (view) or share (change)."""
    from django.apps import apps
    from django.http import Http404

    from .access import get_visible

    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError) as error:
        raise Http404("Not found.") from error
    if not getattr(getattr(model, "Access", None), "shareable", False):
        raise Http404("Not found.")
    return get_visible(model.objects.all(), actor, action=action, public_id=public_id)


def workspace_by_slug(slug: str):
    """A workspace for the public pages (application form, locator); 404 when unknown."""
    from django.http import Http404

    from .models import Workspace

    workspace = Workspace.objects.filter(slug=slug).select_related("orchestrator").first()
    if workspace is None:
        raise Http404("No such partner programme.")
    return workspace


def import_job_get(*, actor: Actor, public_id):
    """An import job the actor may see (its own organisation's, or any for the orchestrator)."""
    from .access import get_visible
    from .models import ImportJob

    return get_visible(ImportJob.objects.defer("content"), actor, public_id=public_id)


def job_run_list(*, actor: Actor) -> QuerySet:
    """Runs of the daily jobs in the actor's workspace (orchestrator members only)."""
    from .access import restrict
    from .models import JobRun

    return restrict(JobRun.objects.select_related("requested_by"), actor)


def job_run_get(*, actor: Actor, public_id):
    from .access import get_visible
    from .models import JobRun

    return get_visible(JobRun.objects.select_related("requested_by"), actor, public_id=public_id)
