"""Background work of readiness (queued daily by `ecosys worker`)."""

from django_tasks import task

from ecosys.core.tasks import per_workspace

from .services import overdue_notify


@task()
def onboarding_overdue_run() -> int:
    """Tell each side about its overdue onboarding tasks."""
    return per_workspace(lambda workspace: overdue_notify())


@task()
def refreshers_run() -> int:
    """Enrol holders of certificates near expiry in the refresher and tell them."""
    from .learning import refreshers_due

    return per_workspace(lambda workspace: refreshers_due())
