"""How the core's lists are searched, filtered, sorted, shown and exported: job runs."""

import django_filters

from .listing import Column, ListSpec
from .models import JobRun, JobStatus
from .widgets import FastSelect


def _job_choices():
    from .tasks import daily_jobs

    return [(job.name, job.label) for job in daily_jobs()]


def job_label(name: str) -> str:
    from .tasks import DAILY_JOBS

    job = DAILY_JOBS.get(name)
    return job.label if job else name


class JobRunFilter(django_filters.FilterSet):
    job = django_filters.ChoiceFilter(choices=_job_choices, empty_label="Any job")
    status = django_filters.ChoiceFilter(
        choices=JobStatus.choices, empty_label="Any status", widget=FastSelect
    )

    class Meta:
        model = JobRun
        fields = ["job", "status"]


def _duration(run) -> str:
    if run.duration is None:
        return ""
    return f"{run.duration.total_seconds():.1f} s"


JOB_RUNS = ListSpec(
    filterset=JobRunFilter,
    search_fields=("job", "error"),
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column("job", "Job", lambda r: r.job, sort="job", display=lambda r: job_label(r.job)),
        Column(
            "status",
            "Status",
            lambda r: r.status,
            sort="status",
            display=lambda r: r.get_status_display(),
        ),
        Column(
            "created_at",
            "Queued",
            lambda r: r.created_at,
            sort="created_at",
            display=lambda r: r.created_at.strftime("%Y-%m-%d %H:%M"),
        ),
        Column(
            "started_at",
            "Started",
            lambda r: r.started_at,
            sort="started_at",
            display=lambda r: r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "",
        ),
        Column(
            "finished_at",
            "Finished",
            lambda r: r.finished_at,
            display=lambda r: r.finished_at.strftime("%Y-%m-%d %H:%M:%S") if r.finished_at else "",
        ),
        Column("duration", "Took", _duration),
        Column("result", "Result", lambda r: r.summary),
        Column("error", "Error", lambda r: r.error),
        Column(
            "requested_by",
            "Asked by",
            lambda r: r.requested_by.email if r.requested_by else "",
            display=lambda r: r.requested_by.email if r.requested_by else "schedule",
        ),
    ),
    default_sort="-created_at",
    export_name="job-runs",
    related=("requested_by",),
)
