from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "ecosys.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"

    def ready(self) -> None:
        from ecosys.partners.tiers import Metric, register_metric

        from .services import latest_scores

        register_metric(Metric("assessment_score", "Latest assessment score", "%", latest_scores))
