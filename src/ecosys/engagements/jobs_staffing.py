"""Background work of staffing: the optimiser run behind "Propose staffing"."""

from __future__ import annotations

from django_scopes import scope, scopes_disabled
from django_tasks import task

from .models import StaffingRun, StaffingRunStatus


@task()
def staffing_run_task(run_id: int) -> str:
    """Run the staffing optimiser for one queued run."""
    from .services_staffing import staffing_run_execute

    with scopes_disabled():
        workspace_id = StaffingRun.objects.values_list("workspace_id", flat=True).get(pk=run_id)
    with scope(workspace=workspace_id):
        run = StaffingRun.objects.get(pk=run_id)
        if run.status != StaffingRunStatus.QUEUED:
            return run.status
        return staffing_run_execute(run_id).status
