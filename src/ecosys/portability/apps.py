from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    name = "ecosys.portability"
    label = "portability"
    verbose_name = "Portability"
