"""Background work of the partner programme (daily jobs, queued by `ecosys worker`)."""

from django.utils import timezone

from ecosys.core.tasks import daily_job

from .agreements import agreements_review


@daily_job("partners.agreements_review", label="Agreement review", rerunnable=True)
def agreements_review_run(workspace) -> dict:
    """Reminders before notice dates, automatic renewals and ends; retired partners' access."""
    access_ended = continuity_access_due(today=timezone.localdate())
    return {**agreements_review(workspace=workspace), "access_ended": access_ended}


def continuity_access_due(*, today) -> int:
    """Retired partners' sign-ins end on their plan's effective date."""
    from .continuity import access_end
    from .models import ContinuityPlan

    ended = 0
    for plan in ContinuityPlan.objects.filter(status="completed", effective_date__lte=today):
        ended += access_end(plan=plan)
    return ended


@daily_job("partners.tiers_evaluate", label="Tier evaluation", rerunnable=True)
def tiers_evaluate_run(workspace) -> dict:
    """Tier proposals for every enrolled partner whose figures moved."""
    from .tiers import tiers_evaluate

    return tiers_evaluate(workspace=workspace)


@daily_job("partners.renewal_reviews", label="Renewal reviews", rerunnable=True)
def renewal_reviews_run(workspace) -> dict:
    """Renewal reviews open ahead of each term's notice date; unanswered ones lapse."""
    from .renewals import reviews_open_due

    return reviews_open_due(workspace=workspace)
