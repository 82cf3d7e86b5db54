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
            errors = [RowError(1, "", str(error)).as_dict()]
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, errors=errors, finished_at=timezone.now()
            )
            return JobStatus.FAILED
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
