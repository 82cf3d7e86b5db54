"""Daily jobs: the registry the worker queues from, the record of each run, the job runs page
and API, and "Run now"."""

import pytest
from django.core.exceptions import ValidationError

from ecosys.core import services
from ecosys.core.models import AuditEvent, JobRun
from ecosys.core.tasks import DAILY_JOBS, JobFailed, daily_job, daily_jobs, daily_jobs_enqueue


def failing_work(workspace):
    raise ValueError("the partner feed is unreachable")


def once_only_work(workspace):
    return 1


@pytest.fixture
def failing_job():
    job = daily_job("tests.failing", label="Failing job", rerunnable=True)(failing_work)
    yield job
    DAILY_JOBS.pop("tests.failing")


@pytest.fixture
def once_only_job():
    job = daily_job("tests.once_only", label="Once-only job")(once_only_work)
    yield job
    DAILY_JOBS.pop("tests.once_only")


def test_each_app_registers_its_daily_jobs_when_its_tasks_module_is_imported():
    names = {job.name for job in daily_jobs()}
    assert {
        "partners.agreements_review",
        "partners.tiers_evaluate",
        "questionnaires.due_reminders",
        "questionnaires.validity_reminders",
        "readiness.onboarding_overdue",
        "readiness.refreshers",
    } <= names
    assert all(job.label and job.task.module_path.startswith("ecosys.") for job in daily_jobs())


def test_a_job_name_cannot_be_declared_by_two_functions(failing_job):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        daily_job("tests.failing", label="Again")(once_only_work)


def test_the_daily_round_runs_every_job_and_records_one_run_per_workspace(workspace):
    queued = daily_jobs_enqueue()  # the immediate backend of the tests runs each on the spot
    runs = {run.job: run for run in JobRun.objects.all()}
    assert set(queued) == set(runs)
    assert all(run.status == "succeeded" for run in runs.values()), [
        (run.job, run.error) for run in runs.values()
    ]
    review = runs["partners.agreements_review"]
    assert review.workspace_id == workspace.pk and review.requested_by is None
    assert isinstance(review.result, dict) and "access_ended" in review.result
    assert review.started_at <= review.finished_at


def test_a_failure_is_recorded_with_its_error_and_fails_the_task(workspace, failing_job):
    with pytest.raises(JobFailed):
        failing_job.call()
    run = JobRun.objects.get(job="tests.failing")
    assert run.status == "failed" and run.finished_at is not None
    assert run.error == "ValueError: the partner feed is unreachable"


def test_run_now_queues_the_job_for_the_workspace_and_says_who_asked(
    actors, workspace, django_capture_on_commit_callbacks
):
    staff = actors["orchestrator_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        run = services.job_run_request(actor=staff, job="readiness.refreshers")
    run.refresh_from_db()
    assert run.status == "succeeded" and run.requested_by == staff.user
    assert JobRun.objects.filter(job="readiness.refreshers").count() == 1  # the same row ran
    assert AuditEvent.objects.filter(action="run", target_public_id=run.public_id).exists()


def test_run_now_is_refused_while_waiting_for_unknown_jobs_and_unsafe_ones(
    actors, workspace, once_only_job
):
    staff = actors["orchestrator_staff"]
    services.job_run_request(actor=staff, job="partners.tiers_evaluate")  # not run: no commit
    with pytest.raises(ValidationError, match="already waiting or running"):
        services.job_run_request(actor=staff, job="partners.tiers_evaluate")
    with pytest.raises(ValidationError, match="no daily job"):
        services.job_run_request(actor=staff, job="nothing.here")
    with pytest.raises(ValidationError, match="not safe to run twice"):
        services.job_run_request(actor=staff, job="tests.once_only")


def test_partners_and_read_only_members_may_not_run_jobs(actors, workspace):
    from django.core.exceptions import PermissionDenied

    for name in ("partner_a_admin", "orchestrator_read_only"):
        with pytest.raises(PermissionDenied):
            services.job_run_request(actor=actors[name], job="readiness.refreshers")
    assert not JobRun.objects.exists()


def _runs(workspace):
    daily_jobs_enqueue()
    JobRun.objects.create(job="tests.failing", workspace=workspace, status="failed", error="Boom")


def test_job_runs_page_filters_searches_exports_and_offers_run_now(
    client_as, workspace, django_assert_max_num_queries
):
    _runs(workspace)
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        page = client.get("/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Agreement review" in html and "Run now" in html and "access ended: 0" in html
    failed = client.get("/jobs/?status=failed").content.decode()
    assert "Boom" in failed and "Agreement review</td>" not in failed
    one = client.get("/jobs/?job=partners.tiers_evaluate").content.decode()
    assert "Tier evaluation</td>" in one and "Refresher enrolments</td>" not in one
    assert "Boom" in client.get("/jobs/?q=boom").content.decode()
    export = client.get("/jobs/?export=csv&status=failed")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,job,status") and len(lines) == 2 and "Boom" in lines[1]


def test_run_now_from_the_page(client_as, workspace, django_capture_on_commit_callbacks):
    client = client_as("orchestrator_staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/jobs/readiness.onboarding_overdue/run/", follow=True)
    assert "is queued" in response.content.decode()
    assert JobRun.objects.get(job="readiness.onboarding_overdue").status == "succeeded"
    again = client.post("/jobs/nothing.here/run/", follow=True).content.decode()
    assert "no daily job" in again


def test_only_the_orchestrator_sees_job_runs(client_as, workspace):
    _runs(workspace)
    assert client_as("partner_a_admin").get("/jobs/").status_code == 403
    assert client_as("partner_a_admin").post("/jobs/readiness.refreshers/run/").status_code == 403
    read_only = client_as("orchestrator_read_only").get("/jobs/")
    assert read_only.status_code == 200 and "Run now" not in read_only.content.decode()


def test_job_runs_api_lists_filters_and_runs(client_as, workspace, token_for):
    _runs(workspace)
    token = token_for("orchestrator_staff", "write")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = client_as("orchestrator_staff")
    listed = client.get("/api/v1/job-runs?status=failed", **headers).json()
    assert [run["job"] for run in listed["results"]] == ["tests.failing"]
    assert listed["results"][0]["error"] == "Boom"
    by_job = client.get("/api/v1/job-runs?job=partners.agreements_review", **headers).json()
    assert by_job["count"] == 1 and by_job["results"][0]["job_label"] == "Agreement review"
    created = client.post(
        "/api/v1/job-runs", {"job": "readiness.refreshers"}, "application/json", **headers
    )
    assert created.status_code == 202 and created.json()["status"] == "pending"
    refused = client.post("/api/v1/job-runs", {"job": "nope"}, "application/json", **headers)
    assert refused.status_code == 422
    partner = client_as("partner_a_admin").get("/api/v1/job-runs")
    assert partner.status_code == 403
