"""Engagement pages; each part of the app keeps its own URL module."""

from . import urls_cycle, urls_money, urls_staffing

app_name = "engagements"

urlpatterns = [*urls_cycle.urlpatterns, *urls_staffing.urlpatterns, *urls_money.urlpatterns]
