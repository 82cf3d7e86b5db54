"""Resolve who is acting (session or API token) and hold the workspace scope for the request."""

from django_scopes import scope

from .access import Actor
from .models import Channel, Membership
from .services import token_authenticate

SESSION_WORKSPACE_KEY = "ecosys_workspace"


def _bearer(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def actor_for_request(request) -> Actor | None:
    """The actor behind a request: a valid bearer token, else the signed-in member."""
    raw = _bearer(request)
    if raw is not None:
        token = token_authenticate(raw)
        if token is None:
            request.token_rejected = True
            return None
        membership = token.membership
        return Actor(
            workspace=token.workspace,
            user=membership.user,
            membership=membership,
            channel=Channel.API,
            token_scope=token.scope,
        )
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.with_scopes_disabled().select_related(
        "workspace", "organization"
    )
    memberships = memberships.filter(user=user, is_active=True).order_by("id")
    wanted = request.session.get(SESSION_WORKSPACE_KEY)
    membership = (memberships.filter(workspace_id=wanted).first() if wanted else None) or (
        memberships.first()
    )
    if membership is None:
        return None
    channel = Channel.API if request.path.startswith("/api/") else Channel.WEB
    return Actor(workspace=membership.workspace, user=user, membership=membership, channel=channel)


class WorkspaceScopeMiddleware:
    """Every tenant query in a request runs inside the actor's workspace scope, or fails."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.token_rejected = False
        request.actor = actor_for_request(request)
        if request.actor is None:
            return self.get_response(request)
        with scope(workspace=request.actor.workspace.pk):
            return self.get_response(request)
