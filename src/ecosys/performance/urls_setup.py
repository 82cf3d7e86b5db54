"""Pages of the performance configuration, under /performance/setup/."""

from django.urls import path

from . import views_setup as views

app_name = "performance_setup"

urlpatterns = [
    path("", views.settings_edit, name="settings"),
    path("product-lines/", views.product_line_list, name="product-line-list"),
    path("product-lines/new/", views.product_line_create, name="product-line-create"),
    path("product-lines/<uuid:public_id>/", views.product_line_edit, name="product-line-edit"),
    path(
        "product-lines/<uuid:public_id>/delete/",
        views.product_line_delete,
        name="product-line-delete",
    ),
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<uuid:public_id>/", views.product_edit, name="product-edit"),
    path("products/<uuid:public_id>/delete/", views.product_delete, name="product-delete"),
    path("exchange-rates/", views.exchange_rate_list, name="exchange-rate-list"),
    path("exchange-rates/new/", views.exchange_rate_set, name="exchange-rate-set"),
    path("exchange-rates/<uuid:public_id>/", views.exchange_rate_edit, name="exchange-rate-edit"),
    path(
        "exchange-rates/<uuid:public_id>/delete/",
        views.exchange_rate_delete,
        name="exchange-rate-delete",
    ),
    path("scorecards/", views.scorecard_list, name="scorecard-list"),
    path("scorecards/new/", views.scorecard_edit, name="scorecard-create"),
    path("scorecards/<uuid:public_id>/", views.scorecard_detail, name="scorecard-detail"),
    path("scorecards/<uuid:public_id>/edit/", views.scorecard_edit, name="scorecard-edit"),
    path("scorecards/<uuid:public_id>/delete/", views.scorecard_delete, name="scorecard-delete"),
]
