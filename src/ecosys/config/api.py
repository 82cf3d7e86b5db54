"""The one NinjaAPI: session or bearer-token auth, uniform errors, each app's router."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from ecosys.core.access import Actor


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer ecs_…` — a personal API token (resolved by the middleware)."""

    openapi_description = "A personal API token from the Tokens page."

    def authenticate(self, request, token) -> Actor | None:
        actor = getattr(request, "actor", None)
        return actor if actor is not None and actor.token_scope is not None else None


class MemberSessionAuth(APIKeyCookie):
    """The browser session of a signed-in member; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def authenticate(self, request, key) -> Actor | None:
        actor = getattr(request, "actor", None)
        return actor if actor is not None and actor.token_scope is None else None


api = NinjaAPI(
    title="Ecosys API",
    version="1",
    description=(
        "Everything the Ecosys pages do, as a REST API. Authenticate with a personal API token "
        "(`Authorization: Bearer …`) or a browser session. Ids are UUIDs. Lists take `q`, "
        "filters, `sort` (`name` or `-name`), `page` and `per_page`."
    ),
    auth=[BearerTokenAuth(), MemberSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def _field_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"loc": ["body"], "msg": message, "type": "value_error"} for message in error.messages]


@api.exception_handler(ValidationError)
def on_validation_error(request, error):
    return api.create_response(request, {"detail": _field_errors(error)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, error):
    message = str(error) or "You may not do that."
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, error):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, error):
    detail = (
        "Invalid, expired or revoked token."
        if getattr(request, "token_rejected", False)
        else "Sign in or send a valid API token."
    )
    return api.create_response(request, {"detail": detail}, status=401)


def _register_routers() -> None:
    from ecosys.core.api import router as core_router
    from ecosys.ecosystem.api import router as ecosystem_router
    from ecosys.partners.api import router as partners_router
    from ecosys.questionnaires.api import router as questionnaires_router
    from ecosys.readiness.api import router as readiness_router

    api.add_router("", core_router)
    api.add_router("", ecosystem_router)
    api.add_router("", partners_router)
    api.add_router("", questionnaires_router)
    api.add_router("", readiness_router)
    api.add_router("", "ecosys.performance.api.router")
    api.add_router("", "ecosys.performance.api_actions.router")
    api.add_router("", "ecosys.performance.api_setup.router")
    api.add_router("", "ecosys.partners.api_renewals.router")
    api.add_router("", "ecosys.selling.api.router")
    api.add_router("", "ecosys.portability.api.router")
    api.add_router("", "ecosys.portability.api_bundles.router")
    api.add_router("", "ecosys.engagements.api_cycle.router")
    api.add_router("", "ecosys.engagements.api_staffing.router")
    api.add_router("", "ecosys.engagements.api_money.router")


_register_routers()
