"""Pages for warnings, playbooks, interventions, escalation and termination."""

from django.urls import path

from . import views_actions as views

urlpatterns = [
    path("warnings/", views.warning_list, name="warning-list"),
    path("warnings/<uuid:public_id>/", views.warning_detail, name="warning-detail"),
    path("warnings/<uuid:public_id>/status/", views.warning_status, name="warning-status"),
    path(
        "warnings/<uuid:public_id>/intervene/",
        views.intervention_from_warning,
        name="warning-intervene",
    ),
    path("playbooks/", views.playbook_list, name="playbook-list"),
    path("playbooks/new/", views.playbook_create, name="playbook-create"),
    path("playbooks/<uuid:public_id>/", views.playbook_edit, name="playbook-edit"),
    path("playbooks/<uuid:public_id>/delete/", views.playbook_delete, name="playbook-delete"),
    path("interventions/", views.intervention_list, name="intervention-list"),
    path("interventions/new/", views.intervention_create, name="intervention-create"),
    path(
        "interventions/<uuid:public_id>/",
        views.intervention_detail,
        name="intervention-detail",
    ),
    path(
        "interventions/<uuid:public_id>/tasks/",
        views.intervention_task_add,
        name="intervention-task-add",
    ),
    path(
        "interventions/<uuid:public_id>/close/",
        views.intervention_close,
        name="intervention-close",
    ),
    path(
        "interventions/<uuid:public_id>/cancel/",
        views.intervention_cancel,
        name="intervention-cancel",
    ),
    path(
        "interventions/<uuid:public_id>/terminate/",
        views.termination_propose,
        name="termination-propose",
    ),
    path(
        "intervention-tasks/<uuid:public_id>/done/",
        views.intervention_task_done,
        name="intervention-task-done",
    ),
    path("escalation-contacts/", views.escalation_contacts, name="escalation-contacts"),
    path(
        "escalation-contacts/<uuid:public_id>/remove/",
        views.escalation_contact_remove,
        name="escalation-contact-remove",
    ),
    path("terminations/", views.termination_list, name="termination-list"),
    path("terminations/<uuid:public_id>/", views.termination_detail, name="termination-detail"),
    path(
        "terminations/<uuid:public_id>/decide/",
        views.termination_decide,
        name="termination-decide",
    ),
]
