from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "ecosys.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"
