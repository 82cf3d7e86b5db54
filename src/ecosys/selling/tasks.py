"""Background work of selling (daily jobs, queued by `ecosys worker`)."""

from ecosys.core.tasks import daily_job

from .services import deals_expire


@daily_job("selling.deals_expire", label="Deal registration expiry", rerunnable=True)
def deals_expire_run(workspace) -> dict:
    """Approved registrations past their expected close date and their protection expire."""
    return {"expired": deals_expire(workspace=workspace)}
