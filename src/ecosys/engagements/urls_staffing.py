"""Engagement pages: staffing (skills, people's skills, alignment, roles and assignments,
utilisation, talent review, the portal's assignments)."""

from django.urls import path

from . import views_staffing as views

urlpatterns: list = [
    path("engagements/skills/", views.skill_list, name="staffing-skill-list"),
    path("engagements/skills/add/", views.skill_add, name="staffing-skill-add"),
    path("engagements/skills/defaults/", views.skill_defaults, name="staffing-skill-defaults"),
    path("engagements/skills/<uuid:public_id>/", views.skill_edit, name="staffing-skill-edit"),
    path(
        "engagements/skills/<uuid:public_id>/delete/",
        views.skill_delete,
        name="staffing-skill-delete",
    ),
    path("engagements/people-skills/", views.person_skill_list, name="staffing-person-skill-list"),
    path(
        "engagements/people-skills/<uuid:public_id>/delete/",
        views.person_skill_delete,
        name="staffing-person-skill-delete",
    ),
    path("engagements/workers/<uuid:public_id>/", views.worker_detail, name="staffing-worker"),
    path(
        "engagements/workers/<uuid:public_id>/profile/",
        views.worker_profile,
        name="staffing-profile",
    ),
    path(
        "engagements/workers/<uuid:public_id>/skills/",
        views.worker_skill,
        name="staffing-worker-skill",
    ),
    path(
        "engagements/workers/<uuid:public_id>/availability/",
        views.worker_availability,
        name="staffing-availability",
    ),
    path("engagements/alignment/", views.alignment, name="staffing-alignment"),
    path("engagements/utilisation/", views.utilisation, name="staffing-utilisation"),
    path("engagements/talent/", views.talent, name="staffing-talent"),
    path("engagements/assignments/", views.my_assignments, name="staffing-assignment-list"),
    path("engagements/<uuid:public_id>/staffing/", views.engagement_staffing, name="staffing"),
    path(
        "engagements/<uuid:public_id>/staffing/roles/add/", views.role_add, name="staffing-role-add"
    ),
    path("engagements/<uuid:public_id>/staffing/run/", views.staffing_run, name="staffing-run"),
    path(
        "engagements/<uuid:public_id>/staffing/accept/",
        views.assignments_accept,
        name="staffing-accept",
    ),
    path(
        "engagements/staffing/roles/<uuid:public_id>/", views.role_edit, name="staffing-role-edit"
    ),
    path(
        "engagements/staffing/roles/<uuid:public_id>/delete/",
        views.role_delete,
        name="staffing-role-delete",
    ),
    path(
        "engagements/staffing/roles/<uuid:public_id>/assign/",
        views.assignment_add,
        name="staffing-assignment-add",
    ),
    path(
        "engagements/staffing/assignments/<uuid:public_id>/",
        views.assignment_edit,
        name="staffing-assignment-edit",
    ),
    path(
        "engagements/staffing/assignments/<uuid:public_id>/decide/",
        views.assignment_decide,
        name="staffing-assignment-decide",
    ),
    path(
        "engagements/staffing/assignments/<uuid:public_id>/delete/",
        views.assignment_delete,
        name="staffing-assignment-delete",
    ),
    path(
        "engagements/staffing/runs/<uuid:public_id>/",
        views.staffing_run_detail,
        name="staffing-run-detail",
    ),
]
