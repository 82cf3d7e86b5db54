"""Background work of the partner programme."""

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
    return totals


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
