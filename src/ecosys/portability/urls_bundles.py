"""Pages for exporting and importing exit bundles."""

from django.urls import path

from . import views_bundles

urlpatterns: list = [
    path("bundles/", views_bundles.bundle_list, name="bundle-list"),
    path("bundles/export/", views_bundles.bundle_export, name="bundle-export"),
    path(
        "bundles/engagements/suggest/",
        views_bundles.bundle_engagement_suggest,
        name="bundle-engagement-suggest",
    ),
    path("bundles/import/", views_bundles.bundle_import, name="bundle-import"),
    path("bundles/<uuid:public_id>/", views_bundles.bundle_detail, name="bundle-detail"),
    path(
        "bundles/<uuid:public_id>/download/",
        views_bundles.bundle_download,
        name="bundle-download",
    ),
    path("bundles/<uuid:public_id>/apply/", views_bundles.bundle_apply, name="bundle-apply"),
]
