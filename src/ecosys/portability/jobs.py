"""Exit bundle jobs: exports and imports run in the background with their progress written to
the job, the file kept under ECOSYS_BUNDLE_DIR until it expires, signed download links, an
e-mail to the requester at the end, and the daily job that deletes expired files.

Who may do what (pages and API alike): the orchestrator's admins and staff export the whole
workspace, any organisation's share or any engagement (whole, or as its customer sees it); an
external organisation's admin exports only its own organisation ("everything that is ours") or
one engagement whose customer it is (what its portal shows of it); only the orchestrator's
admins import, into their own workspace. A job is seen (and its bundle downloaded) by the
requester's organisation and by the orchestrator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

import psycopg
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from ecosys.core.access import ADD, MANAGE, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, Workspace
from ecosys.core.tasks import daily_job

from .models import BundleJob, BundleJobKind, BundleJobStatus, BundleScope, ImportPolicy

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
MAX_UPLOAD_BYTES = 20 << 30  # the importer's limit on the unpacked size; a ZIP is not larger
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an entry first, or an empty archive
DOWNLOAD_SALT = "ecosys.portability.bundle-download"


class BundleGone(Exception):
    """The bundle's download time is over (410); the message says what to do."""


# -- who may -----------------------------------------------------------------------------


def may_see_bundles(actor: Actor) -> bool:
    """The orchestrator's members and external admins; an external member sees no bundles."""
    return actor.is_orchestrator or actor.role == Role.EXTERNAL_ADMIN


def may_export(actor: Actor) -> bool:
    return allows(actor, ADD, BundleJob) and may_see_bundles(actor)


def may_import(actor: Actor) -> bool:
    return actor.is_orchestrator and allows(actor, MANAGE, BundleJob)


def bundle_dir() -> Path:
    return Path(settings.ECOSYS_BUNDLE_DIR)


def _progress_aside_path(job_pk: int) -> Path:
    return bundle_dir() / "progress" / f"{job_pk}.json"


def progress_aside(job_pk: int) -> tuple[str, int] | None:
    """(phase, percent) that a running job left aside (``_ProgressWriter`` on SQLite)."""
    try:
        found = json.loads(_progress_aside_path(job_pk).read_text())
        return str(found["phase"]), int(found["percent"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.ECOSYS_BUNDLE_TTL_HOURS)


def _workspace_dir(workspace: Workspace) -> Path:
    folder = bundle_dir() / str(workspace.public_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bundle_file(job: BundleJob) -> Path | None:
    """Where the job's file is on disk, or None once it was deleted."""
    if not job.file_path:
        return None
    path = bundle_dir() / job.file_path
    return path if path.is_file() else None


# -- starting ----------------------------------------------------------------------------


def _requester(actor: Actor) -> None:
    if actor.user is None or actor.membership is None:
        raise PermissionDenied("Bundle jobs are asked for by a signed-in member.")


def _enqueue(job: BundleJob) -> None:
    transaction.on_commit(lambda: bundle_job_run.enqueue(job.pk))


@transaction.atomic
def bundle_export_start(
    *, actor: Actor, scope: str, organization=None, engagement=None
) -> BundleJob:
    """Queue an export of the workspace, of one organisation's share, or of one engagement
    (all of it, or with ``organization`` its customer: what the customer's portal shows)."""
    _requester(actor)
    if not may_export(actor):
        raise PermissionDenied(
            "Only the orchestrator's admins and staff, or an organisation's admin, export bundles."
        )
    if scope not in BundleScope.values:
        raise ValidationError(
            {"scope": "Choose the whole workspace, one organisation or one engagement."}
        )
    workspace = actor.workspace
    if scope == BundleScope.ENGAGEMENT:
        organization = _engagement_scope_check(actor, engagement, organization)
    elif not actor.is_orchestrator:
        own = actor.membership.organization
        if scope != BundleScope.ORGANIZATION or (
            organization is not None and organization.pk != own.pk
        ):
            raise PermissionDenied("An organisation exports only its own share.")
        organization = own
    elif scope == BundleScope.WORKSPACE:
        organization = None
    elif organization is None:
        raise ValidationError({"organization": "Choose the organisation whose share to export."})
    elif organization.pk == workspace.orchestrator_id:
        raise ValidationError(
            {"organization": "The orchestrator's share is the whole workspace: export that."}
        )
    if scope != BundleScope.ENGAGEMENT:
        engagement = None
    running = BundleJob.objects.filter(
        kind=BundleJobKind.EXPORT,
        scope=scope,
        organization=organization,
        engagement=engagement,
        requester_organization_id=actor.organization_id,
        status__in=(BundleJobStatus.QUEUED, BundleJobStatus.RUNNING),
    ).first()
    if running is not None:
        raise ValidationError(
            f"An export of {running.scope_label} is already {running.get_status_display().lower()}"
            f" (started {running.created_at:%Y-%m-%d %H:%M}); wait for it."
        )
    job = BundleJob.objects.create(
        workspace=workspace,
        kind=BundleJobKind.EXPORT,
        scope=scope,
        organization=organization,
        engagement=engagement,
        scope_label=_scope_label(workspace, organization, engagement)[:300],
        requested_by=actor.user,
        requester_organization_id=actor.organization_id,
        phase="waiting for the background worker",
    )
    audit_record(
        actor=actor, action="bundle_export", target=job, changes={"scope": [None, job.scope_label]}
    )
    _enqueue(job)
    return job


def _engagement_scope_check(actor: Actor, engagement, organization):
    """The organisation whose view of the engagement is exported: None (all of it, the
    orchestrator's) or the engagement's customer (its portal's view; always so for the
    customer's own admin)."""
    from ecosys.engagements.bundle import may_export_engagement

    if engagement is None:
        raise ValidationError({"engagement": "Choose the engagement to export."})
    if engagement.workspace_id != actor.workspace.pk or not may_export_engagement(
        actor, engagement
    ):
        raise PermissionDenied(
            "Only the orchestrator or the engagement's customer's admin exports an engagement."
        )
    if not actor.is_orchestrator:
        return actor.membership.organization  # the customer: never more than its portal shows
    if organization is None or organization.pk == actor.workspace.orchestrator_id:
        return None
    if organization.pk != engagement.customer_id:
        raise ValidationError(
            {
                "organization": "An engagement is exported whole or as its customer sees it; "
                f"{organization.name} is not its customer."
            }
        )
    return organization


def _scope_label(workspace: Workspace, organization, engagement) -> str:
    if engagement is not None:
        view = f" ({organization.name}'s view)" if organization is not None else ""
        return f"engagement {engagement.title}{view}"
    return organization.name if organization else workspace.name


def _store_upload(workspace: Workspace, upload: BinaryIO) -> tuple[str, str, int]:
    """Stream an uploaded bundle to the bundle folder: (relative path, SHA-256, size)."""
    name = f"{uuid.uuid4().hex}-upload.zip"
    target = _workspace_dir(workspace) / name
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "wb") as handle:
            while chunk := upload.read(CHUNK):
                if size == 0 and not chunk.startswith(ZIP_MAGIC):
                    raise ValidationError(
                        {"file": "This is not a ZIP file; upload an exit bundle."}
                    )
                digest.update(chunk)
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise ValidationError({"file": "The bundle is larger than 20 GiB."})
                handle.write(chunk)
        if size == 0:
            raise ValidationError({"file": "The file is empty."})
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return f"{workspace.public_id}/{name}", digest.hexdigest(), size


def _import_check(actor: Actor, policy: str) -> None:
    _requester(actor)
    if not may_import(actor):
        raise PermissionDenied("Only the orchestrator's admins import bundles into the workspace.")
    if policy not in ImportPolicy.values:
        raise ValidationError({"policy": "Choose skip, update or fail for records that exist."})


def bundle_import_start(
    *,
    actor: Actor,
    upload: BinaryIO,
    file_name: str,
    policy: str = "skip",
    dry_run: bool = False,
    new_ids: bool = False,
) -> BundleJob:
    """Take an uploaded bundle and queue its import (or its dry run) into the workspace."""
    _import_check(actor, policy)
    path, sha, size = _store_upload(actor.workspace, upload)
    try:
        with transaction.atomic():
            job = BundleJob.objects.create(
                workspace=actor.workspace,
                kind=BundleJobKind.IMPORT,
                scope_label=actor.workspace.name[:300],
                requested_by=actor.user,
                requester_organization_id=actor.organization_id,
                policy=policy,
                dry_run=dry_run,
                new_ids=new_ids,
                file_name=Path(file_name or "bundle.zip").name[:255],
                file_path=path,
                sha256=sha,
                size_bytes=size,
                phase="waiting for the background worker",
            )
            audit_record(
                actor=actor,
                action="bundle_dry_run" if dry_run else "bundle_import",
                target=job,
                changes={
                    "file": [None, job.file_name],
                    "policy": [None, policy],
                    "new_ids": [None, new_ids],
                },
            )
            _enqueue(job)
    except BaseException:
        (bundle_dir() / path).unlink(missing_ok=True)
        raise
    return job


def bundle_import_apply(*, actor: Actor, dry_run: BundleJob, policy: str | None = None):
    """Import for real the bundle a successful dry run checked (its upload is reused)."""
    policy = policy or dry_run.policy
    _import_check(actor, policy)
    if dry_run.kind != BundleJobKind.IMPORT or not dry_run.dry_run:
        raise ValidationError("Only a dry run can be applied.")
    if dry_run.status != BundleJobStatus.DONE:
        raise ValidationError("Only a dry run that passed can be applied.")
    source = bundle_file(dry_run)
    if source is None:
        raise ValidationError("The uploaded bundle has expired; upload it again.")
    name = f"{uuid.uuid4().hex}-upload.zip"
    target = _workspace_dir(actor.workspace) / name
    try:
        os.link(source, target)  # no second copy of a large file where the disk allows it
    except OSError:
        shutil.copyfile(source, target)
    try:
        with transaction.atomic():
            job = BundleJob.objects.create(
                workspace=actor.workspace,
                kind=BundleJobKind.IMPORT,
                scope_label=dry_run.scope_label,
                requested_by=actor.user,
                requester_organization_id=actor.organization_id,
                policy=policy,
                dry_run=False,
                new_ids=dry_run.new_ids,
                source=dry_run,
                file_name=dry_run.file_name,
                file_path=f"{actor.workspace.public_id}/{name}",
                sha256=dry_run.sha256,
                size_bytes=dry_run.size_bytes,
                phase="waiting for the background worker",
            )
            audit_record(
                actor=actor,
                action="bundle_import",
                target=job,
                changes={"file": [None, job.file_name], "policy": [None, policy]},
            )
            _enqueue(job)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return job


# -- running -----------------------------------------------------------------------------


class _ProgressWriter:
    """Writes (phase, percent) to the job as the work reports it, at most a few times a second.

    Inside the import's own transaction a write through the same connection would be invisible
    to the pages until the end (and undone with a dry run). On PostgreSQL such progress goes
    through a second connection of its own, in autocommit, so the job's page follows the
    import entity by entity; on SQLite, which has one writer at a time, it goes to a small file
    beside the bundles (``progress_aside``), which the job's page and API read while it runs."""

    def __init__(self, job: BundleJob, prefix: str = ""):
        self.pk = job.pk
        self.prefix = prefix
        self.depth = len(connection.atomic_blocks)
        self.last: tuple[str, int] | None = None
        self.at = 0.0
        self.aside = None  # the second connection, opened when first needed
        self.wrote_file = False

    def __call__(self, phase: str, percent: int) -> None:
        phase = f"{self.prefix}{phase}".replace("_", " ")[:200]
        inside = len(connection.atomic_blocks) > self.depth
        if (phase, percent) == self.last:
            return
        now = time.monotonic()
        if self.last and self.last[0] == phase and now - self.at < 0.5:
            return
        self.last, self.at = (phase, percent), now
        percent = max(0, min(percent, 100))
        if inside and connection.vendor == "postgresql":
            self._write_aside(phase, percent)
            return
        if inside:
            self._write_file(phase, percent)
            return
        BundleJob.objects.filter(pk=self.pk).update(
            phase=phase, progress_done=percent, progress_total=100
        )

    def _write_aside(self, phase: str, percent: int) -> None:
        if self.aside is None:
            params = connection.get_connection_params()
            for django_only in ("cursor_factory", "context", "prepare_threshold"):
                params.pop(django_only, None)
            self.aside = psycopg.connect(**params, autocommit=True)
        table = connection.ops.quote_name(BundleJob._meta.db_table)
        self.aside.execute(
            f"UPDATE {table} SET phase = %s, progress_done = %s, progress_total = 100 "  # noqa: S608
            "WHERE id = %s",
            [phase, percent, self.pk],
        )

    def _write_file(self, phase: str, percent: int) -> None:
        path = _progress_aside_path(self.pk)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps({"phase": phase, "percent": percent}))
        partial.replace(path)  # atomic: a reader sees the old or the new progress, whole
        self.wrote_file = True

    def close(self) -> None:
        if self.aside is not None:
            self.aside.close()
            self.aside = None
        if self.wrote_file:
            _progress_aside_path(self.pk).unlink(missing_ok=True)
            self.wrote_file = False


def _actor_of(job: BundleJob) -> Actor | None:
    """The requester as an actor now (the job runs later than it was asked for)."""
    if job.requested_by_id is None:  # the account was deleted since
        return None
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(user_id=job.requested_by_id, is_active=True)
        .first()
    )
    if membership is None or not membership.user.is_active:
        return None
    if membership.organization_id != job.requester_organization_id:
        return None
    return Actor(workspace=job.workspace, user=membership.user, membership=membership)


def _finish(job: BundleJob, **fields) -> BundleJob:
    fields.setdefault("finished_at", timezone.now())
    BundleJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    _tell_requester(job)
    return job


def _fail(job: BundleJob, message: str) -> BundleJob:
    return _finish(job, status=BundleJobStatus.FAILED, error=message[:5000])


@task()
def bundle_job_run(job_id: int) -> str:
    """Run a queued export or import and store its outcome on the job."""
    with scopes_disabled():
        job = BundleJob.objects.select_related("workspace").get(pk=job_id)
    with scope(workspace=job.workspace_id):
        return bundle_job_execute(job).status


def bundle_job_execute(job: BundleJob) -> BundleJob:
    if job.status != BundleJobStatus.QUEUED:
        return job
    actor = _actor_of(job)
    allowed = may_export if job.kind == BundleJobKind.EXPORT else may_import
    if actor is None or not allowed(actor) or not _may_still_export_engagement(actor, job):
        return _fail(job, "The member who asked for this may no longer do it; nothing was done.")
    BundleJob.objects.filter(pk=job.pk).update(
        status=BundleJobStatus.RUNNING, started_at=timezone.now(), phase="starting"
    )
    try:
        if job.kind == BundleJobKind.EXPORT:
            return _export(job)
        return _import(job, actor)
    except Exception as error:
        logger.exception("Bundle job %s failed", job.public_id)
        return _fail(job, f"The job stopped on an unexpected error ({type(error).__name__}: "
                          f"{error}); nothing was written.")  # fmt: skip


def _may_still_export_engagement(actor: Actor, job: BundleJob) -> bool:
    from ecosys.engagements.bundle import may_export_engagement

    if job.kind != BundleJobKind.EXPORT or job.scope != BundleScope.ENGAGEMENT:
        return True
    if job.engagement is None:
        return True  # reported by _export: the engagement no longer exists
    return may_export_engagement(actor, job.engagement)


def _export(job: BundleJob) -> BundleJob:
    from .bundle_export import export_bundle

    if job.scope == BundleScope.ORGANIZATION and job.organization_id is None:
        return _fail(job, "The organisation to export no longer exists.")
    if job.scope == BundleScope.ENGAGEMENT and job.engagement_id is None:
        return _fail(job, "The engagement to export no longer exists.")
    name = f"{job.public_id}.zip"
    target = _workspace_dir(job.workspace) / name
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "wb") as handle:
            manifest = export_bundle(
                job.workspace,
                scope=job.scope,
                organization=job.organization if job.scope != BundleScope.WORKSPACE else None,
                engagement=job.engagement if job.scope == BundleScope.ENGAGEMENT else None,
                out=handle,
                progress=_ProgressWriter(job, "exporting "),
            )
        with open(target, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finished = timezone.now()
    if job.scope == BundleScope.ENGAGEMENT:
        label = f"engagement-{job.engagement.title}"
    else:
        label = job.organization.name if job.organization_id else job.workspace.slug
    return _finish(
        job,
        status=BundleJobStatus.DONE,
        phase="done",
        progress_done=100,
        file_name=f"ecosys-bundle-{_slug(label)}-{finished:%Y%m%d-%H%M}.zip",
        file_path=f"{job.workspace.public_id}/{name}",
        sha256=digest.hexdigest(),
        size_bytes=size,
        counts={entity: entry["count"] for entity, entry in manifest.entities.items()},
        finished_at=finished,
        expires_at=finished + ttl(),
    )


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:60] or "bundle"


def _import(job: BundleJob, actor: Actor) -> BundleJob:
    from .bundle_import import import_bundle

    path = bundle_file(job)
    if path is None:
        return _fail(job, "The uploaded bundle is gone (expired); upload it again.")
    progress = _ProgressWriter(job)
    try:
        report = import_bundle(
            job.workspace,
            path,
            policy=job.policy,
            dry_run=job.dry_run,
            new_ids=job.new_ids,
            progress=progress,
        )
    finally:
        progress.close()
    finished = timezone.now()
    fields = {"report": report.as_dict(), "finished_at": finished, "expires_at": finished + ttl()}
    if not report.ok:
        more = len(report.problems) - 1
        reason = report.problems[0] + (f" (and {more} more problem(s))" if more else "")
        return _finish(job, status=BundleJobStatus.FAILED, error=reason, **fields)
    if report.applied and not job.dry_run:
        audit_record(
            actor=actor,
            action="bundle_imported",
            target=job,
            changes={"created": [None, _total(report.counts, "created")]},
        )
    return _finish(
        job,
        status=BundleJobStatus.DONE,
        phase="done",
        progress_done=100,
        counts=report.counts,
        **fields,
    )


def _total(counts: dict, what: str) -> int:
    return sum(entry.get(what, 0) for entry in counts.values())


def _tell_requester(job: BundleJob) -> None:
    """E-mail the requester how the job ended, with the link to its page."""
    user = job.requested_by
    if user is None or not user.email:
        return
    link = settings.ECOSYS_BASE_URL + reverse("portability:bundle-detail", args=[job.public_id])
    what = str(job)
    if job.status == BundleJobStatus.FAILED:
        subject = f"{what}: failed"
        body = f"{what} did not complete; nothing was written.\n\nWhy: {job.error}\n\n{link}\n"
    elif job.kind == BundleJobKind.EXPORT:
        hours = settings.ECOSYS_BUNDLE_TTL_HOURS
        subject = f"{what}: ready to download"
        body = (
            f"Your exit bundle is ready ({job.entity_total:,} records, "
            f"{job.size_bytes / 1e6:,.1f} MB, SHA-256 {job.sha256}).\n\n"
            f"Download it within {hours} hours from its page (sign-in needed):\n{link}\n"
        )
    else:
        verb = "would create" if job.dry_run else "created"
        subject = f"{what}: {'dry run done' if job.dry_run else 'done'}"
        body = (
            f"The import of {job.file_name} {verb} {_total(job.counts, 'created'):,}, "
            f"{'would update' if job.dry_run else 'updated'} "
            f"{_total(job.counts, 'updated'):,} and skipped {_total(job.counts, 'skipped'):,} "
            f"records.\n\nThe report per entity:\n{link}\n"
        )
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    except Exception:  # the job's outcome is on its page; a mail server hiccup must not undo it
        logger.exception("Could not tell %s about bundle job %s", user.email, job.public_id)


# -- downloads ---------------------------------------------------------------------------


def download_token(job: BundleJob) -> str:
    return signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(str(job.public_id))


def download_url(job: BundleJob) -> str:
    """The page's signed download link; it stops working when the bundle expires."""
    path = reverse("portability:bundle-download", args=[job.public_id])
    return f"{path}?{urlencode({'token': download_token(job)})}"


def downloadable(job: BundleJob) -> bool:
    return (
        job.kind == BundleJobKind.EXPORT
        and job.status == BundleJobStatus.DONE
        and job.expires_at is not None
        and job.expires_at > timezone.now()
    )


def download_check(job: BundleJob, token: str | None) -> Path:
    """The bundle file for a signed link, or why not: 404 no bundle, 410 expired, 403 bad link."""
    if job.kind != BundleJobKind.EXPORT or job.status in (
        BundleJobStatus.QUEUED,
        BundleJobStatus.RUNNING,
        BundleJobStatus.FAILED,
    ):
        raise Http404("This job has no bundle to download.")
    if not downloadable(job) or bundle_file(job) is None:
        when = f" on {job.expires_at:%Y-%m-%d %H:%M} UTC" if job.expires_at else ""
        raise BundleGone(
            f"This bundle expired{when}: downloads are kept "
            f"{settings.ECOSYS_BUNDLE_TTL_HOURS} hours. Export it again for a fresh one."
        )
    try:
        value = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign(
            token or "", max_age=ttl().total_seconds()
        )
    except signing.SignatureExpired as error:
        raise BundleGone(
            "This download link has expired; open the bundle's page for a fresh one."
        ) from error
    except signing.BadSignature as error:
        raise PermissionDenied("This download link is not valid.") from error
    if value != str(job.public_id):
        raise PermissionDenied("This download link belongs to another bundle.")
    return bundle_file(job)


# -- expiry ------------------------------------------------------------------------------


def bundles_expire(*, workspace: Workspace, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the files of bundles whose time is over; the jobs stay, exports marked expired."""
    now = now or timezone.now()
    due = BundleJob.objects.filter(workspace=workspace, expires_at__lte=now).exclude(file_path="")
    expired, freed = 0, 0
    for job in due:
        path = bundle_dir() / job.file_path
        if path.is_file():
            freed += path.stat().st_size
            path.unlink()
        fields = {"file_path": "", "expired_at": now}
        if job.kind == BundleJobKind.EXPORT and job.status == BundleJobStatus.DONE:
            fields["status"] = BundleJobStatus.EXPIRED
        BundleJob.objects.filter(pk=job.pk).update(**fields)
        expired += 1
    return {"expired": expired, "bytes_freed": freed}


@daily_job("portability.bundles_expire", label="Expired exit bundles", rerunnable=True)
def bundles_expire_run(workspace) -> dict:
    """Delete exit bundle files whose download time is over (the jobs stay, marked expired)."""
    return bundles_expire(workspace=workspace)
