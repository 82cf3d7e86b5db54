from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "ecosys.readiness"
    label = "readiness"
    verbose_name = "Readiness"
