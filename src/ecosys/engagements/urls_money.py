"""Engagement pages: money."""

urlpatterns: list = []
