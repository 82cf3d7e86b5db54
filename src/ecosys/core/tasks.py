"""Background work of the core: imports (with progress stored on the job), and the registry of
daily jobs with the record of their runs (JobRun)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django_scopes import scope, scopes_disabled
from django_tasks import task
from django_tasks.base import Task

from .access import Actor
from .imports import ImportRefused, RowError, run_import
from .models import ImportJob, JobRun, JobStatus

logger = logging.getLogger(__name__)


@task()
def import_job_run(job_id: int) -> str:
    """Run a queued ImportJob and store its outcome."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("workspace", "created_by__user").get(pk=job_id)
    with scope(workspace=job.workspace_id):
        membership = job.created_by

        def fail(message: str) -> str:
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED,
                errors=[RowError(1, "", message).as_dict()],
                finished_at=timezone.now(),
            )
            return JobStatus.FAILED

        # The job runs later than it was asked for: a member suspended (or removed) since then
        # must not write through it.
        if membership is None or not membership.is_active or not membership.user.is_active:
            return fail("The member who started this import no longer has access.")
        actor = Actor(workspace=job.workspace, user=membership.user, membership=membership)
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

        def progress(done: int, total: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

        try:
            outcome = run_import(
                actor=actor,
                kind=job.kind,
                file_name=job.file_name,
                content=bytes(job.content),
                progress=progress,
            )
        except ImportRefused as error:
            return fail(str(error))
        except Exception:
            # Nothing was written (the writes are one transaction); do not leave it "running".
            fail("The import stopped on an unexpected error; nothing was written.")
            raise
        status = JobStatus.SUCCEEDED if outcome.ok else JobStatus.FAILED
        ImportJob.objects.filter(pk=job.pk).update(
            status=status,
            total_rows=outcome.total,
            processed_rows=outcome.total,
            created_count=outcome.created,
            updated_count=outcome.updated,
            errors=[error.as_dict() for error in outcome.errors[:1000]],
            finished_at=timezone.now(),
        )
        return status


# -- daily jobs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyJob:
    """A job `ecosys worker` queues every day (see daily_job)."""

    name: str
    label: str
    task: Task
    rerunnable: bool
    description: str


DAILY_JOBS: dict[str, DailyJob] = {}


def daily_job(name: str, *, label: str, rerunnable: bool = False):
    """Declare a daily job in an app's tasks.py; it is registered when the module is imported:

        @daily_job("partners.agreements_review", label="Agreement review", rerunnable=True)
        def agreements_review_run(workspace) -> dict:
            return {"reminded": ..., "renewed": ...}

    The function does one workspace's share (it runs in that workspace's scope) and returns a
    number or a dict of numbers. It becomes a django-tasks task, `enqueue(workspace_id=None)`,
    that runs it for every workspace (or one) and records a JobRun per workspace. The worker
    queues every registered job daily; `rerunnable=True` says that running it again the same
    day is harmless (it is idempotent), which offers "Run now" on the job runs page.
    """

    def decorate(work: Callable[[Any], Any]) -> Task:
        def run(workspace_id: int | None = None, run_id: int | None = None) -> Any:
            return per_workspace(work, workspace_id=workspace_id, job=name, run_id=run_id)

        # The task must be importable under the name the module binds it to.
        run.__module__, run.__name__, run.__qualname__ = (
            work.__module__,
            work.__name__,
            work.__qualname__,
        )
        run.__doc__ = work.__doc__
        job_task = task()(run)
        known = DAILY_JOBS.get(name)
        if known is not None and known.task.module_path != job_task.module_path:
            raise ImproperlyConfigured(
                f"Daily job {name!r} is declared twice: {known.task.module_path} "
                f"and {job_task.module_path}."
            )
        DAILY_JOBS[name] = DailyJob(
            name=name,
            label=label,
            task=job_task,
            rerunnable=rerunnable,
            description=(work.__doc__ or "").strip().splitlines()[0] if work.__doc__ else "",
        )
        return job_task

    return decorate


def daily_jobs() -> list[DailyJob]:
    """Every daily job, after importing each installed app's tasks module (which registers them)."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "tasks"):
            import_module(f"{config.name}.tasks")
    return sorted(DAILY_JOBS.values(), key=lambda job: job.name)


def daily_jobs_enqueue() -> list[str]:
    """Queue every registered daily job once, for every workspace (the worker does it daily)."""
    names = []
    for job in daily_jobs():
        job.task.enqueue()
        names.append(job.name)
    return names


def daily_job_get(name: str) -> DailyJob | None:
    daily_jobs()
    return DAILY_JOBS.get(name)


class JobFailed(Exception):
    """A daily job failed in one or more workspaces (each failure is on its JobRun)."""


def _run_begin(job: str, workspace, run_id: int | None) -> JobRun:
    now = timezone.now()
    if run_id is not None:
        updated = JobRun.objects.filter(
            pk=run_id, job=job, status=JobStatus.PENDING, workspace=workspace
        ).update(status=JobStatus.RUNNING, started_at=now)
        if updated:
            return JobRun.objects.get(pk=run_id)
    return JobRun.objects.create(
        job=job, workspace=workspace, status=JobStatus.RUNNING, started_at=now
    )


def _add_up(total, result):
    if isinstance(result, dict):
        total = dict(total or {})
        for key, value in result.items():
            total[key] = total.get(key, 0) + value
        return total
    return (total or 0) + (result or 0)


def per_workspace(work, *, workspace_id: int | None = None, job: str | None = None, run_id=None):
    """Run `work(workspace)` in each workspace's scope (or one) and add up what it returns:
    numbers, or dicts of numbers. With `job`, each workspace's run is recorded as a JobRun; a
    workspace that fails does not stop the others, and the task fails at the end."""
    from ecosys.core.models import Workspace

    with scopes_disabled():
        workspaces = list(
            Workspace.objects.filter(**({"pk": workspace_id} if workspace_id else {}))
        )
    total, failures = None, []
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            record = _run_begin(job, workspace, run_id) if job else None
            try:
                result = work(workspace)
            except Exception as error:
                if record is None:
                    raise
                logger.exception("Daily job %s failed in workspace %s", job, workspace.slug)
                JobRun.objects.filter(pk=record.pk).update(
                    status=JobStatus.FAILED,
                    finished_at=timezone.now(),
                    error=f"{type(error).__name__}: {error}"[:2000],
                )
                failures.append(workspace.slug)
                continue
            if record is not None:
                JobRun.objects.filter(pk=record.pk).update(
                    status=JobStatus.SUCCEEDED, finished_at=timezone.now(), result=result
                )
        total = _add_up(total, result)
    if failures:
        raise JobFailed(f"{job} failed in: {', '.join(failures)}")
    return total if total is not None else 0
