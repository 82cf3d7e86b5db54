"""Background work of channel data and analytics: loading files, computing scores and warnings
(after each load, and daily), and the monthly performance report.

Registered at start-up by `PerformanceConfig.ready` (the daily jobs join the worker's registry
in `core.tasks`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from ecosys.core.models import JobStatus, Workspace
from ecosys.core.tasks import daily_job

from .models import AnalyticsRun, ChannelLoad


@task()
def channel_load_run(load_id: int) -> str:
    """Check and store one uploaded channel file."""
    from .services import channel_load_execute

    with scopes_disabled():
        workspace_id = ChannelLoad.objects.values_list("workspace_id", flat=True).get(pk=load_id)
    with scope(workspace=workspace_id):
        return channel_load_execute(load_id).status


@task()
def analytics_run_task(workspace_id: int, run_id: int) -> str:
    """Compute measures, scores and warnings for one workspace."""
    from .analysis import analytics_run

    with scopes_disabled():
        workspace = Workspace.objects.get(pk=workspace_id)
    with scope(workspace=workspace_id):
        run = AnalyticsRun.objects.get(pk=run_id)
        if run.status != JobStatus.PENDING:
            return run.status
        return analytics_run(workspace, run=run).status


def analytics_run_soon(workspace: Workspace, *, triggered_by: str) -> AnalyticsRun:
    """Queue a computation unless one is already waiting (loads in a row share one run)."""
    with transaction.atomic():
        waiting = AnalyticsRun.objects.filter(workspace=workspace, status=JobStatus.PENDING).first()
        if waiting is not None:
            return waiting
        run = AnalyticsRun.objects.create(workspace=workspace, triggered_by=triggered_by[:200])
        transaction.on_commit(lambda: analytics_run_task.enqueue(workspace.pk, run.pk))
    return run


@daily_job("performance.analytics", label="Scores and early warnings", rerunnable=True)
def analytics_daily(workspace) -> dict:
    """Recompute scores (partner metrics change daily) and look for new changes."""
    from .analysis import analytics_run

    run = analytics_run(workspace, triggered_by="daily schedule")
    return {"partner_months": run.partner_periods, "warnings": run.warnings_raised}


@daily_job("performance.monthly_report", label="Monthly performance report", rerunnable=True)
def monthly_report_daily(workspace) -> dict:
    """E-mail last month's report to the chosen recipients, once per month."""
    from .reports import monthly_report_send

    return {"sent": monthly_report_send(workspace, today=timezone.localdate())}
