"""The job runs page: what the daily jobs did in this workspace, and "Run now"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from . import lists, selectors, services
from .access import ADD, allows
from .models import JobRun
from .pages import list_response, page
from .tasks import daily_jobs


@page("core.jobrun:view")
def job_run_list(request):
    actor = request.actor
    jobs = daily_jobs()
    can_run = actor.is_orchestrator and allows(actor, ADD, JobRun)
    return list_response(
        request,
        spec=lists.JOB_RUNS,
        queryset=selectors.job_run_list(actor=actor),
        template="core/job_runs.html",
        context={"title": "Scheduled jobs", "jobs": jobs, "can_run": can_run},
    )


@require_POST
@page("core.jobrun:add")
def job_run_now(request, name):
    try:
        run = services.job_run_request(actor=request.actor, job=name)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{lists.job_label(run.job)} is queued; its run appears below when it starts."
        )
    return redirect("core:jobrun-list")
