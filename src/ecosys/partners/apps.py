from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "ecosys.partners"
    label = "partners"
    verbose_name = "Partners"
