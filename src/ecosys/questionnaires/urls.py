from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire-list"),
    path(
        "questionnaires/<uuid:public_id>/", views.questionnaire_detail, name="questionnaire-detail"
    ),
    path("assessments/", views.assignment_list, name="assignment-list"),
    path("assessments/<uuid:public_id>/", views.assignment_detail, name="assignment-detail"),
    path("assessments/<uuid:public_id>/answer/", views.assignment_answer, name="assignment-answer"),
    path("assessments/<uuid:public_id>/review/", views.assignment_review, name="assignment-review"),
    path("assessment-files/<uuid:public_id>/", views.answer_file_download, name="answer-file"),
]
