"""Writes to workspaces, members, API tokens and sharing grants."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scope

from .access import ADD, DELETE, MANAGE, Actor, allows, restrict
from .audit import audit_record
from .models import (
    ApiToken,
    GrantAccess,
    Membership,
    Role,
    SharingGrant,
    TokenScope,
    User,
    Workspace,
)

TOKEN_PREFIX = "ecs_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKEN_DAYS = 366
ORCHESTRATOR_ROLES = {Role.ORCHESTRATOR_ADMIN, Role.ORCHESTRATOR_STAFF, Role.READ_ONLY}
EXTERNAL_ROLES = {Role.EXTERNAL_ADMIN, Role.EXTERNAL_MEMBER, Role.READ_ONLY}


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def workspace_create(
    *, name: str, orchestrator_name: str, slug: str = "", **org_fields
) -> Workspace:
    """Create a workspace and its orchestrator organisation (the one with the orchestrator role)."""
    from ecosys.ecosystem.models import EcosystemRole, Organization, OrganizationRole

    slug = slug or slugify(name)[:60]
    if not slug:
        raise ValidationError({"slug": "Give the workspace a name with letters or digits."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A workspace called '{slug}' already exists."})
    workspace = Workspace.objects.create(name=name, slug=slug)
    with scope(workspace=workspace.pk):
        orchestrator = Organization(workspace=workspace, name=orchestrator_name, **org_fields)
        orchestrator.full_clean(exclude=["workspace", "tags"])
        orchestrator.save()
        OrganizationRole.objects.create(
            workspace=workspace, organization=orchestrator, role=EcosystemRole.ORCHESTRATOR
        )
        orchestrator.role_codes = [EcosystemRole.ORCHESTRATOR]
        orchestrator.save(update_fields=["role_codes"])
        workspace.orchestrator = orchestrator
        workspace.save(update_fields=["orchestrator"])
        audit_record(
            actor=Actor.system(workspace),
            action="create",
            target=workspace,
            changes={"name": [None, name], "orchestrator": [None, orchestrator_name]},
        )
    return workspace


@transaction.atomic
def member_add(
    *,
    actor: Actor,
    email: str,
    organization: Model,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Give a user (created when new) a role in one organisation of the workspace."""
    if not allows(actor, MANAGE, Membership):
        raise PermissionDenied("Only administrators can add members.")
    if not actor.is_orchestrator and organization.pk != actor.organization_id:
        raise PermissionDenied("You can only add members to your own organisation.")
    is_orchestrator_org = organization.pk == actor.workspace.orchestrator_id
    allowed_roles = ORCHESTRATOR_ROLES if is_orchestrator_org else EXTERNAL_ROLES
    if role not in allowed_roles:
        names = ", ".join(sorted(allowed_roles))
        raise ValidationError({"role": f"For this organisation the role must be one of: {names}."})
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from error
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    if Membership.objects.filter(user=user).exists():
        raise ValidationError({"email": "This user is already a member of the workspace."})
    membership = Membership.objects.create(
        workspace=actor.workspace, user=user, organization=organization, role=role
    )
    audit_record(
        actor=actor,
        action="create",
        target=membership,
        changes={
            "user": [None, email],
            "organization": [None, str(organization)],
            "role": [None, role],
        },
    )
    if not user.has_usable_password():
        transaction.on_commit(lambda: member_invite_send(membership=membership))
    return membership


def member_invite_send(*, membership: Membership) -> None:
    """E-mail a new member a one-time link to choose their password."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = membership.user
    link = settings.ECOSYS_BASE_URL + reverse(
        "password-set",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    send_mail(
        subject=f"You have been invited to {membership.workspace.name} on Ecosys",
        message=(
            f"Hello,\n\nyou now have access to {membership.workspace.name} as "
            f"{membership.get_role_display()} of {membership.organization}.\n\n"
            f"Choose your password here (the link works once): {link}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def member_set_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Suspend or restore a member's access; their tokens stop working while suspended."""
    if not allows(actor, MANAGE, Membership) or not (
        actor.is_orchestrator or membership.organization_id == actor.organization_id
    ):
        raise PermissionDenied("Only administrators can change members.")
    if membership.pk == getattr(actor.membership, "pk", None):
        raise ValidationError("You cannot suspend yourself.")
    if membership.is_active != active:
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="restore" if active else "suspend",
            target=membership,
            changes={"is_active": [not active, active]},
        )
    return membership


@transaction.atomic
def token_create(
    *, actor: Actor, name: str, scope: str = TokenScope.READ, expires_in_days: int = 90
) -> tuple[ApiToken, str]:
    """Issue a personal API token; the raw secret is returned once and never stored."""
    if actor.membership is None or actor.user is None:
        raise PermissionDenied("Only a signed-in member can create personal tokens.")
    if actor.token_scope is not None:
        raise PermissionDenied("Tokens cannot be created with a token; sign in to create one.")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Name the token after what will use it."
    elif len(name) > 100:
        errors["name"] = "At most 100 characters."
    if scope not in TokenScope.values:
        errors["scope"] = "Choose read or write."
    elif scope == TokenScope.WRITE and actor.role in (Role.READ_ONLY, Role.EXTERNAL_MEMBER):
        errors["scope"] = "Your role can only have read tokens."
    if not 1 <= int(expires_in_days) <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = f"A token lives between 1 and {MAX_TOKEN_DAYS} days."
    if errors:
        raise ValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=actor.workspace,
        membership=actor.membership,
        name=name,
        prefix=raw[:10],
        token_hash=token_hash(raw),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=int(expires_in_days)),
    )
    audit_record(
        actor=actor,
        action="create",
        target=token,
        changes={"name": [None, name], "scope": [None, scope]},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once; it can never be used again."""
    if actor.token_scope == TokenScope.READ:
        raise PermissionDenied("A read-only token cannot revoke tokens.")
    if (
        token.membership_id != getattr(actor.membership, "pk", None)
        and actor.role != Role.ORCHESTRATOR_ADMIN
    ):
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="revoke", target=token, changes={"revoked": [False, True]})
    return token


# What a token-authenticated request reads of its token, member, user and organisation (the
# workspace is read whole). Every request authenticates, so it loads no more than this:
# passwords, descriptions and timestamps cost decoding and are read (lazily) almost never.
TOKEN_AUTH_FIELDS = (
    "scope",
    "last_used_at",
    "workspace",
    "membership__workspace_id",
    "membership__public_id",
    "membership__role",
    "membership__is_active",
    "membership__user__email",
    "membership__user__first_name",
    "membership__user__last_name",
    "membership__user__is_active",
    "membership__organization__workspace_id",
    "membership__organization__public_id",
    "membership__organization__name",
)


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a raw secret, or None if unknown, revoked or expired."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    try:
        token = (
            ApiToken.objects.with_scopes_disabled()  # the token itself tells which workspace
            .select_related("membership__user", "membership__organization", "workspace")
            .only(*TOKEN_AUTH_FIELDS)
            .get(token_hash=token_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.membership.is_active or not token.membership.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.with_scopes_disabled().filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def grant_share(
    *, actor: Actor, target: Model, organization: Model, access: str = GrantAccess.READ
) -> SharingGrant:
    """Share one object with an external organisation, read-only or read-write."""
    if not getattr(type(target).Access, "shareable", False):
        raise ValidationError("This kind of record cannot be shared.")
    if (
        not actor.is_orchestrator
        or not restrict(type(target).objects.all(), actor, "change").filter(pk=target.pk).exists()
    ):
        raise PermissionDenied("Only the orchestrator can share what it may change.")
    if access not in GrantAccess.values:
        raise ValidationError({"access": "Choose read or write."})
    if organization.pk == actor.workspace.orchestrator_id:
        raise ValidationError({"organization": "The orchestrator already sees everything."})
    grant, _ = SharingGrant.objects.update_or_create(
        workspace=actor.workspace,
        organization=organization,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        defaults={"access": access, "granted_by": actor.user},
    )
    audit_record(
        actor=actor,
        action="share",
        target=target,
        changes={"shared_with": [None, str(organization)], "access": [None, access]},
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor: Actor, grant: SharingGrant) -> None:
    if not actor.is_orchestrator or not allows(actor, DELETE, SharingGrant):
        raise PermissionDenied("Only the orchestrator can revoke sharing.")
    model = grant.target_type.model_class()
    target = model.objects.filter(pk=grant.target_id).first() or grant
    organization = grant.organization
    grant.delete()
    audit_record(
        actor=actor,
        action="unshare",
        target=target,
        changes={"shared_with": [str(organization), None]},
    )


def grants_remove_for(*, target: Model) -> None:
    """Drop the grants on a record being deleted, inside its service's transaction."""
    SharingGrant.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).delete()


MAX_IMPORT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def import_job_create(*, actor: Actor, kind: str, file_name: str, content: bytes):
    """Queue an import of a spreadsheet; it runs in the background worker."""
    from .imports import IMPORTERS
    from .models import ImportJob
    from .tasks import import_job_run

    importer = IMPORTERS.get(kind)
    if importer is None:
        raise ValidationError({"kind": f"Nothing can be imported as {kind!r}."})
    if actor.membership is None:
        raise PermissionDenied("Imports through the web or API need a signed-in member.")
    if not allows(actor, ADD, importer.model):
        raise PermissionDenied(f"Your role may not import {importer.label.lower()}.")
    if not file_name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise ValidationError({"file": "Upload a .csv or .xlsx file."})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": "The file is larger than 10 MB; split it."})
    if not content:
        raise ValidationError({"file": "The file is empty."})
    job = ImportJob.objects.create(
        workspace=actor.workspace,
        kind=kind,
        file_name=file_name[:255],
        content=content,
        created_by=actor.membership,
    )
    audit_record(actor=actor, action="import", target=job, changes={"file": [None, file_name]})
    transaction.on_commit(lambda: import_job_run.enqueue(job.pk))
    return job


RUN_NOW_BLOCKED_FOR = dt.timedelta(hours=1)


@transaction.atomic
def job_run_request(*, actor: Actor, job: str):
    """Queue a daily job now for the actor's workspace ("Run now"); only jobs declared safe to
    re-run, and not while a run of it asked for in the last hour is still waiting or running."""
    from .models import JobRun, JobStatus
    from .tasks import daily_job_get

    if not actor.is_orchestrator or not allows(actor, ADD, JobRun):
        raise PermissionDenied("Only the orchestrator's admins and staff run jobs.")
    declared = daily_job_get(job)
    if declared is None:
        raise ValidationError({"job": f"There is no daily job called {job!r}."})
    if not declared.rerunnable:
        raise ValidationError(
            {"job": f"{declared.label} is not safe to run twice a day; it runs on its schedule."}
        )
    if JobRun.objects.filter(
        job=job,
        status__in=(JobStatus.PENDING, JobStatus.RUNNING),
        created_at__gte=timezone.now() - RUN_NOW_BLOCKED_FOR,
    ).exists():
        raise ValidationError({"job": f"{declared.label} is already waiting or running."})
    run = JobRun.objects.create(
        job=job, workspace=actor.workspace, status=JobStatus.PENDING, requested_by=actor.user
    )
    audit_record(actor=actor, action="run", target=run, changes={"job": [None, job]})
    workspace_id, run_id = actor.workspace.pk, run.pk
    transaction.on_commit(lambda: declared.task.enqueue(workspace_id=workspace_id, run_id=run_id))
    return run
