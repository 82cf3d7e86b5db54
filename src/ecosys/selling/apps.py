from django.apps import AppConfig


class SellingConfig(AppConfig):
    name = "ecosys.selling"
    label = "selling"
    verbose_name = "Selling"

    def ready(self) -> None:
        from ecosys.partners.tiers import Metric, register_metric

        from .metrics import deals_won_value, registered_deals

        register_metric(
            Metric(
                "registered_deals", "Registered deals, last 12 months", "deals", registered_deals
            )
        )
        register_metric(
            Metric(
                "deals_won_value",
                "Won deal value, last 12 months",
                "base currency",
                deals_won_value,
            )
        )
