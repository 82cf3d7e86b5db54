"""Background work of the questionnaire engine (daily jobs, queued by `ecosys worker`)."""

from ecosys.core.tasks import daily_job

from .services import reminders_send


@daily_job("questionnaires.due_reminders", label="Assessment due reminders", rerunnable=True)
def questionnaire_reminders_run(workspace) -> int:
    """Remind organisations of assessments due within a week (once a week at most)."""
    return reminders_send()


@daily_job(
    "questionnaires.validity_reminders", label="Assessment expiry reminders", rerunnable=True
)
def validity_reminders_run(workspace) -> int:
    """Tell partner admins before an assessment's validity ends (once per threshold)."""
    from .services import validity_reminders_send

    return validity_reminders_send(workspace=workspace)
