"""Background work of performance actions (daily jobs, queued by `ecosys worker`)."""

from ecosys.core.tasks import daily_job


@daily_job("performance.warnings_unsnooze", label="Snoozed warnings back", rerunnable=True)
def warnings_unsnooze_run(workspace) -> int:
    """Reopen snoozed warnings whose date has come."""
    from .actions import warnings_unsnooze

    return warnings_unsnooze(workspace=workspace)


@daily_job("performance.interventions_escalate", label="Intervention escalation", rerunnable=True)
def interventions_escalate_run(workspace) -> dict:
    """Escalate overdue interventions (level 1) and those not improving (level 2), once each."""
    from .actions import interventions_escalate

    return interventions_escalate(workspace=workspace)
