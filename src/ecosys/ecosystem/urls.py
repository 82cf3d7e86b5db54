from django.urls import path

from . import views

app_name = "ecosystem"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/suggest/", views.organization_suggest, name="organization-suggest"),
    path("organizations/<uuid:public_id>/", views.organization_detail, name="organization-detail"),
    path(
        "organizations/<uuid:public_id>/edit/",
        views.organization_update,
        name="organization-update",
    ),
    path(
        "organizations/<uuid:public_id>/delete/",
        views.organization_delete,
        name="organization-delete",
    ),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<uuid:public_id>/", views.person_detail, name="person-detail"),
    path("people/<uuid:public_id>/edit/", views.person_update, name="person-update"),
    path("people/<uuid:public_id>/delete/", views.person_delete, name="person-delete"),
    path("relationships/", views.relationship_list, name="relationship-list"),
    path("relationships/new/", views.relationship_create, name="relationship-create"),
    path("relationships/<uuid:public_id>/", views.relationship_detail, name="relationship-detail"),
    path(
        "relationships/<uuid:public_id>/edit/",
        views.relationship_update,
        name="relationship-update",
    ),
    path(
        "relationships/<uuid:public_id>/transition/",
        views.relationship_transition,
        name="relationship-transition",
    ),
    path("person-roles/", views.person_role_list, name="person-role-list"),
    path("people/<uuid:public_id>/roles/", views.person_role_create, name="person-role-create"),
    path(
        "person-roles/<uuid:public_id>/delete/",
        views.person_role_delete,
        name="person-role-delete",
    ),
    path("graph/", views.graph, name="graph"),
    path("graph/data/", views.graph_data, name="graph-data"),
]
