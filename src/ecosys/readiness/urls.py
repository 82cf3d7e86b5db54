from django.urls import path

from . import views

app_name = "readiness"

urlpatterns = [
    path("readiness/onboarding-templates/", views.template_list, name="template-list"),
    path("readiness/tasks/<uuid:public_id>/done/", views.task_done, name="task-done"),
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/<uuid:public_id>/", views.announcement_detail, name="announcement-detail"),
]
