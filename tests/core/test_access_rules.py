"""Every page and every API operation declares its access rule; nothing is left unlisted."""

from django.urls import URLPattern, URLResolver, get_resolver

from ecosys.config.api import api

# ninja's own documentation views: public by design, served without data.
NINJA_DOC_VIEWS = {"openapi-json", "openapi-view", "api-root"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_operations():
    """(path, operation) for every operation of the one NinjaAPI."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                yield bound.prefix + path, operation


def test_every_page_declares_an_access_rule():
    missing = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            continue  # API operations are checked one by one below
        if not hasattr(pattern.callback, "access_rule"):
            missing.append(route)
    assert missing == []


def test_every_api_operation_declares_an_access_rule():
    operations = list(api_operations())
    assert len(operations) > 20
    missing = [
        f"{sorted(operation.methods)} {path}"
        for path, operation in operations
        if not hasattr(operation.view_func, "access_rule")
    ]
    assert missing == []
