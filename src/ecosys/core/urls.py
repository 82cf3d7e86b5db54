from django.urls import path

from . import views_jobs

app_name = "core"

urlpatterns = [
    path("jobs/", views_jobs.job_run_list, name="jobrun-list"),
    path("jobs/<str:name>/run/", views_jobs.job_run_now, name="jobrun-run"),
]
