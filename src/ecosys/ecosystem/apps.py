from django.apps import AppConfig


class EcosystemConfig(AppConfig):
    name = "ecosys.ecosystem"
    label = "ecosystem"
    verbose_name = "Ecosystem"

    def ready(self) -> None:
        from . import importers  # noqa: F401 - registers the spreadsheet importers
