"""Background work of the questionnaire engine (queued daily by `ecosys worker`)."""

from django_tasks import task

from ecosys.core.tasks import per_workspace

from .services import reminders_send


@task()
def questionnaire_reminders_run() -> int:
    """Remind organisations of assessments due within a week."""
    return per_workspace(lambda workspace: reminders_send())
