"""Background work of readiness."""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from ecosys.core.models import Workspace

from .services import overdue_notify


@task()
def onboarding_overdue_run() -> int:
    """Tell each side about its overdue onboarding tasks (daily, in the worker)."""
    with scopes_disabled():
        workspaces = list(Workspace.objects.all())
    sent = 0
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            sent += overdue_notify()
    return sent


@task()
def refreshers_run() -> int:
    """Enrol holders of certificates near expiry in the refresher and tell them (daily)."""
    from .learning import refreshers_due

    with scopes_disabled():
        workspaces = list(Workspace.objects.all())
    count = 0
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            count += refreshers_due()
    return count
