"""Daily work of portability: separations whose effective date has come end the sign-ins;
expired bundles are deleted (registered in jobs)."""

from ecosys.core.tasks import daily_job

from . import jobs  # noqa: F401 - registers portability.bundles_expire
from .services import separations_review


@daily_job("portability.separations_review", label="Separation review", rerunnable=True)
def separations_review_run(workspace) -> dict:
    return separations_review(workspace=workspace)
