from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "ecosys.performance"
    label = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from ecosys.partners.tiers import Metric, register_metric

        from . import (
            jobs,  # noqa: F401 - registers the daily jobs
            setup_imports,  # noqa: F401 - registers the product and rate importers
        )
        from .metrics import channel_revenue_12m, performance_score

        # Channel figures become tier criteria too (revenue in a period, the score).
        register_metric(
            Metric("channel_revenue_12m", "Revenue, last 12 months", "money", channel_revenue_12m)
        )
        register_metric(Metric("channel_score", "Performance score", "points", performance_score))
