from django.urls import path

from . import urls_bundles, views

app_name = "portability"

urlpatterns = [
    *urls_bundles.urlpatterns,
    path("separations/", views.separation_list, name="separation-list"),
    path("separations/new/", views.separation_start, name="separation-start"),
    path("separations/<uuid:public_id>/", views.separation_detail, name="separation-detail"),
    path(
        "separations/<uuid:public_id>/bundle/",
        views.separation_bundle_deliver,
        name="separation-bundle-deliver",
    ),
    path(
        "separations/<uuid:public_id>/bundle/produce/",
        views.separation_bundle_produce,
        name="separation-bundle-produce",
    ),
    path(
        "separations/<uuid:public_id>/bundle/download/",
        views.separation_bundle_download,
        name="separation-bundle-download",
    ),
    path(
        "separations/<uuid:public_id>/acknowledge/",
        views.separation_bundle_acknowledge,
        name="separation-acknowledge",
    ),
    path("separations/<uuid:public_id>/erase/", views.separation_erase, name="separation-erase"),
    path(
        "separations/<uuid:public_id>/complete/",
        views.separation_complete,
        name="separation-complete",
    ),
    path("separations/<uuid:public_id>/cancel/", views.separation_cancel, name="separation-cancel"),
    path(
        "separation-items/<uuid:public_id>/decide/",
        views.separation_item_decide,
        name="separation-item-decide",
    ),
]
