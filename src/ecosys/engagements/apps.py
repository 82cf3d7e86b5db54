from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "ecosys.engagements"
    label = "engagements"
    verbose_name = "Engagements"
