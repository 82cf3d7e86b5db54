from django.urls import path

from . import views

app_name = "readiness"

urlpatterns = [
    path("readiness/onboarding-templates/", views.template_list, name="template-list"),
    path("readiness/tasks/<uuid:public_id>/done/", views.task_done, name="task-done"),
]
