"""Engagement pages: cycle."""

urlpatterns: list = []
