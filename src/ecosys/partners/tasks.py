"""Background work of the partner programme (queued daily by `ecosys worker`)."""

from django.utils import timezone
from django_tasks import task

from ecosys.core.tasks import per_workspace

from .agreements import agreements_review


@task()
def agreements_review_run(workspace_id: int | None = None) -> dict:
    """Reminders before notice dates, automatic renewals and ends: for one or every workspace."""

    def review(workspace) -> dict:
        access_ended = continuity_access_due(today=timezone.localdate())
        return {**agreements_review(workspace=workspace), "access_ended": access_ended}

    return per_workspace(review, workspace_id=workspace_id)


def continuity_access_due(*, today) -> int:
    """Retired partners' sign-ins end on their plan's effective date."""
    from .continuity import access_end
    from .models import ContinuityPlan

    ended = 0
    for plan in ContinuityPlan.objects.filter(status="completed", effective_date__lte=today):
        ended += access_end(plan=plan)
    return ended


@task()
def tiers_evaluate_run(workspace_id: int | None = None) -> dict:
    """The scheduled tier evaluation: proposals for every enrolled partner whose figures moved."""
    from .tiers import tiers_evaluate

    return per_workspace(
        lambda workspace: tiers_evaluate(workspace=workspace), workspace_id=workspace_id
    )
