"""Background work of the partner programme."""

from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from ecosys.core.models import Workspace

from .agreements import agreements_review


@task()
def agreements_review_run(workspace_id: int | None = None) -> dict:
    """Reminders before notice dates, automatic renewals and ends: for one or every workspace."""
    with scopes_disabled():
        workspaces = list(
            Workspace.objects.filter(**({"pk": workspace_id} if workspace_id else {}))
        )
    totals: dict[str, int] = {}
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            for key, value in agreements_review(workspace=workspace).items():
                totals[key] = totals.get(key, 0) + value
            totals["access_ended"] = totals.get("access_ended", 0) + continuity_access_due(
                today=timezone.localdate()
            )
    return totals


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

    with scopes_disabled():
        workspaces = list(
            Workspace.objects.filter(**({"pk": workspace_id} if workspace_id else {}))
        )
    totals: dict[str, int] = {}
    for workspace in workspaces:
        with scope(workspace=workspace.pk):
            for key, value in tiers_evaluate(workspace=workspace).items():
                totals[key] = totals.get(key, 0) + value
    return totals
