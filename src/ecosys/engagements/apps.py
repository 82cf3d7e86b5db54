from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "ecosys.engagements"
    label = "engagements"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from . import services_staffing  # noqa: F401 - registers the person-skills importer
