"""Renewal review pages (included by partners/urls.py)."""

from django.urls import path

from . import views_renewals

urlpatterns = [
    path("partners/renewals/", views_renewals.renewal_review_list, name="renewal-list"),
    path(
        "partners/renewals/<uuid:public_id>/",
        views_renewals.renewal_review_detail,
        name="renewal-detail",
    ),
    path(
        "partners/renewals/<uuid:public_id>/answer/",
        views_renewals.renewal_review_answer,
        name="renewal-answer",
    ),
    path(
        "partners/renewals/<uuid:public_id>/terms/",
        views_renewals.renewal_review_terms,
        name="renewal-terms",
    ),
]
