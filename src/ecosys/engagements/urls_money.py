"""Engagement pages: money."""

from django.urls import path

from . import views_money as views

urlpatterns: list = [
    path("engagements/<uuid:public_id>/terms/", views.terms_page, name="money-terms"),
    path("engagements/<uuid:public_id>/time/", views.time_page, name="money-time"),
    path("engagements/<uuid:public_id>/time/new/", views.time_add, name="money-time-add"),
    path("time-entries/<uuid:public_id>/decide/", views.time_decide, name="money-time-decide"),
    path(
        "engagements/<uuid:public_id>/settlements/",
        views.engagement_settlements,
        name="money-settlements",
    ),
    path(
        "engagements/<uuid:public_id>/settlements/generate/",
        views.settlement_generate,
        name="money-settlement-generate",
    ),
    path("settlements/", views.settlement_list, name="money-settlement-list"),
    path("settlements/<uuid:public_id>/", views.settlement_detail, name="money-settlement-detail"),
    path("settlements/<uuid:public_id>/csv/", views.settlement_csv, name="money-settlement-csv"),
    path("settlements/<uuid:public_id>/pdf/", views.settlement_pdf, name="money-settlement-pdf"),
    path(
        "settlements/<uuid:public_id>/issue/", views.settlement_issue, name="money-settlement-issue"
    ),
    path(
        "settlements/<uuid:public_id>/decide/",
        views.settlement_decide,
        name="money-settlement-decide",
    ),
    path("engagements/<uuid:public_id>/venture/", views.venture_page, name="money-venture"),
    path(
        "engagements/<uuid:public_id>/venture/shares/",
        views.venture_shares,
        name="money-venture-shares",
    ),
    path(
        "engagements/<uuid:public_id>/venture/contributions/",
        views.venture_contribute,
        name="money-venture-contribute",
    ),
    path(
        "engagements/<uuid:public_id>/venture/distributions/",
        views.venture_distribute,
        name="money-venture-distribute",
    ),
]
