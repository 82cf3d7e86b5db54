"""Background work of the core: imports (with progress stored on the job)."""

from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from .access import Actor
from .imports import ImportRefused, RowError, run_import
from .models import ImportJob, JobStatus


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


def per_workspace(work, *, workspace_id: int | None = None):
    """Run `work(workspace)` in each workspace's scope (or one) and add up what it returns:
    numbers, or dicts of numbers. The daily jobs of every app go through here."""
    from ecosys.core.models import Workspace

    with scopes_disabled():
        workspaces = list(
            Workspace.objects.filter(**({"pk": workspace_id} if workspace_id else {}))
        )
    total = None
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            result = work(workspace)
        if isinstance(result, dict):
            total = total or {}
            for key, value in result.items():
                total[key] = total.get(key, 0) + value
        else:
            total = (total or 0) + result
    return total if total is not None else 0
