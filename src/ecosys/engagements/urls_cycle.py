"""Engagement pages: cycle (UUID converters, so the other parts' literal paths never match)."""

from django.urls import path

from . import views_cycle as views

urlpatterns = [
    path("working-groups/", views.working_group_list, name="working-group-list"),
    path("working-groups/new/", views.working_group_create, name="working-group-create"),
    path("working-groups/themes/", views.theme_demand, name="theme-demand"),
    path("working-groups/themes/rebuild/", views.theme_rebuild, name="theme-rebuild"),
    path("working-groups/initiatives/", views.initiative_list, name="initiative-list"),
    path(
        "working-groups/initiatives/<uuid:public_id>/",
        views.initiative_detail,
        name="initiative-detail",
    ),
    path(
        "working-groups/<uuid:public_id>/", views.working_group_detail, name="working-group-detail"
    ),
    path(
        "working-groups/<uuid:public_id>/edit/", views.working_group_edit, name="working-group-edit"
    ),
    path(
        "working-groups/<uuid:public_id>/propose/",
        views.initiative_propose,
        name="initiative-propose",
    ),
    path("working-groups/<uuid:public_id>/rank/", views.initiative_rank_set, name="rank-set"),
    path("engagements/", views.engagement_list, name="engagement-list"),
    path("engagements/new/", views.engagement_create, name="engagement-create"),
    path("engagements/offerings/", views.offering_list, name="offering-list"),
    path("engagements/offerings/new/", views.offering_create, name="offering-create"),
    path("engagements/offerings/<uuid:public_id>/", views.offering_detail, name="offering-detail"),
    path("engagements/offerings/<uuid:public_id>/edit/", views.offering_edit, name="offering-edit"),
    path("engagements/metrics/<uuid:public_id>/edit/", views.metric_edit, name="metric-edit"),
    path(
        "engagements/metrics/<uuid:public_id>/channel/",
        views.metric_channel,
        name="metric-channel",
    ),
    path("engagements/measurements/", views.measurement_list, name="measurement-list"),
    path(
        "engagements/measurements/<uuid:public_id>/delete/",
        views.measurement_delete,
        name="measurement-delete",
    ),
    path(
        "engagements/baseline-versions/<uuid:public_id>/<str:action>/",
        views.baseline_action,
        name="baseline-action",
    ),
    path("engagements/<uuid:public_id>/", views.engagement_detail, name="engagement-detail"),
    path("engagements/<uuid:public_id>/edit/", views.engagement_edit, name="engagement-edit"),
    path(
        "engagements/<uuid:public_id>/transition/",
        views.engagement_transition,
        name="engagement-transition",
    ),
    path("engagements/<uuid:public_id>/metrics/new/", views.metric_create, name="metric-create"),
    path(
        "engagements/<uuid:public_id>/measurements/new/",
        views.measurement_record,
        name="measurement-record",
    ),
    path(
        "engagements/<uuid:public_id>/measurements/import/",
        views.measurement_import,
        name="measurement-import",
    ),
    path(
        "engagements/<uuid:public_id>/measurements/close/",
        views.measurement_close,
        name="measurement-close",
    ),
    path(
        "engagements/<uuid:public_id>/baseline/new/",
        views.baseline_version_new,
        name="baseline-version-new",
    ),
    path("engagements/<uuid:public_id>/benefit/", views.benefit_compute, name="benefit-compute"),
    path("engagements/<uuid:public_id>/report/", views.report_page, name="report"),
    path("engagements/<uuid:public_id>/report.pdf", views.report_pdf, name="report-pdf"),
    path("engagements/<uuid:public_id>/report/issue/", views.report_issue, name="report-issue"),
    path("engagements/<uuid:public_id>/report/decide/", views.report_decide, name="report-decide"),
]
