"""Pages for exporting and importing exit bundles."""

urlpatterns: list = []
