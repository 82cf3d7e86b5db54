"""Background work of readiness (daily jobs, queued by `ecosys worker`)."""

from ecosys.core.tasks import daily_job

from .services import overdue_notify


@daily_job("readiness.onboarding_overdue", label="Overdue onboarding tasks", rerunnable=True)
def onboarding_overdue_run(workspace) -> int:
    """Tell each side about its overdue onboarding tasks (once per task)."""
    return overdue_notify()


@daily_job("readiness.refreshers", label="Refresher enrolments", rerunnable=True)
def refreshers_run(workspace) -> int:
    """Enrol holders of certificates near expiry in the refresher and tell them (once)."""
    from .learning import refreshers_due

    return refreshers_due()
