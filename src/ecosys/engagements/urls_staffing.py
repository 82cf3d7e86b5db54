"""Engagement pages: staffing."""

urlpatterns: list = []
