"""Background work of the questionnaire engine."""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from ecosys.core.models import Workspace

from .services import reminders_send


@task()
def questionnaire_reminders_run() -> int:
    """Remind organisations of assessments due within a week (daily, in the worker)."""
    with scopes_disabled():
        workspaces = list(Workspace.objects.all())
    sent = 0
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            sent += reminders_send()
    return sent
