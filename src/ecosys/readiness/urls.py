from django.urls import path

from . import views

app_name = "readiness"

urlpatterns = [
    path("readiness/onboarding-templates/", views.template_list, name="template-list"),
    path("readiness/tasks/<uuid:public_id>/done/", views.task_done, name="task-done"),
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("courses/", views.course_list, name="course-list"),
    path("readiness/mentors/", views.mentor_list, name="mentor-list"),
    path("partners/<uuid:public_id>/mentor/", views.mentor_assign, name="mentor-assign"),
    path("mentorships/<uuid:public_id>/sessions/", views.session_log, name="session-log"),
    path("courses/<uuid:public_id>/", views.course_detail, name="course-detail"),
    path("courses/<uuid:public_id>/enroll/", views.course_enroll, name="course-enroll"),
    path("courses/<uuid:public_id>/assign/", views.course_assign, name="course-assign"),
    path(
        "enrollments/<uuid:public_id>/complete/",
        views.enrollment_complete,
        name="enrollment-complete",
    ),
    path("courses/<uuid:public_id>/files/", views.course_file_add, name="course-file-add"),
    path(
        "courses/<uuid:public_id>/versions/new/",
        views.course_version_publish,
        name="course-version-publish",
    ),
    path("course-files/<uuid:public_id>/", views.course_file_download, name="course-file"),
    path(
        "enrollments/<uuid:public_id>/files/<uuid:file_id>/done/",
        views.file_module_done,
        name="file-module-done",
    ),
    path("certificates/<uuid:public_id>.pdf", views.certificate_pdf, name="certificate-pdf"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("announcements/<uuid:public_id>/", views.announcement_detail, name="announcement-detail"),
]
