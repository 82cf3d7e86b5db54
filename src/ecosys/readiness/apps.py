from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "ecosys.readiness"
    label = "readiness"
    verbose_name = "Readiness"

    def ready(self) -> None:
        from ecosys.partners.tiers import Metric, register_metric

        from .learning import certified_people
        from .services import onboarding_progress

        register_metric(Metric("certified_people", "Certified people", "people", certified_people))
        register_metric(Metric("onboarding_progress", "Onboarding done", "%", onboarding_progress))
