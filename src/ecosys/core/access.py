"""The one access policy: who may do what to which rows, for pages, the API, exports and imports.

Orchestrator members see the whole workspace; members of an external organisation see rows their
organisation owns (as each model's ``Access.owner_paths`` declares) plus rows explicitly shared
with it through a SharingGrant. Roles decide actions; API tokens may narrow them to reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Channel, GrantAccess, Membership, Role, SharingGrant, TokenScope, Workspace

if TYPE_CHECKING:
    from .models import User

VIEW, ADD, CHANGE, DELETE, MANAGE = "view", "add", "change", "delete", "manage"
ACTIONS = (VIEW, ADD, CHANGE, DELETE, MANAGE)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ORCHESTRATOR_ADMIN: frozenset(ACTIONS),
    Role.ORCHESTRATOR_STAFF: frozenset({VIEW, ADD, CHANGE, DELETE}),
    Role.EXTERNAL_ADMIN: frozenset(ACTIONS),
    Role.EXTERNAL_MEMBER: frozenset({VIEW}),
    Role.READ_ONLY: frozenset({VIEW}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which workspace, through which channel."""

    workspace: Workspace
    user: User | None
    membership: Membership | None
    channel: str = Channel.WEB
    token_scope: str | None = None

    @classmethod
    def system(cls, workspace: Workspace, *, channel: str = Channel.SYSTEM) -> Actor:
        """The platform itself (CLI, demo loader, tasks): acts as the orchestrator."""
        return cls(workspace=workspace, user=None, membership=None, channel=channel)

    @property
    def role(self) -> str:
        return self.membership.role if self.membership else Role.ORCHESTRATOR_ADMIN

    @property
    def organization_id(self) -> int | None:
        if self.membership:
            return self.membership.organization_id
        return self.workspace.orchestrator_id

    @property
    def is_orchestrator(self) -> bool:
        return self.organization_id == self.workspace.orchestrator_id

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        return "System" if self.channel == Channel.SYSTEM else f"System ({self.channel})"

    def with_channel(self, channel: str) -> Actor:
        return Actor(self.workspace, self.user, self.membership, channel, self.token_scope)


def allows(actor: Actor, action: str, model: type[Model]) -> bool:
    """Whether the actor's role (and token) permit this action on this kind of row at all."""
    if action not in ROLE_ACTIONS[actor.role]:
        return False
    if actor.token_scope == TokenScope.READ and action != VIEW:
        return False
    return actor.is_orchestrator or action in model.Access.external_actions


def _owned(model: type[Model], organization_id: int) -> Q:
    condition = Q(pk__in=[])
    for path in model.Access.owner_paths:
        condition |= Q(**{"pk" if path == "self" else path: organization_id})
    return condition


def _granted(model: type[Model], actor: Actor, *, write: bool) -> Q:
    grants = SharingGrant.objects.filter(
        organization_id=actor.organization_id,
        target_type=ContentType.objects.get_for_model(model),
    )
    if write:
        grants = grants.filter(access=GrantAccess.WRITE)
    return Q(pk__in=grants.values("target_id"))


def restrict(queryset: QuerySet, actor: Actor, action: str = VIEW) -> QuerySet:
    """Narrow a workspace-scoped queryset to the rows the actor may act on."""
    model = queryset.model
    if actor.is_orchestrator:
        return queryset if allows(actor, action, model) else queryset.none()
    if action == VIEW and getattr(model.Access, "visible_to_all_members", False):
        return queryset  # e.g. partner programmes: every member of the workspace may read them
    if action == VIEW:
        return queryset.filter(
            _owned(model, actor.organization_id) | _granted(model, actor, write=False)
        )
    condition = Q(pk__in=[])
    if allows(actor, action, model):
        condition |= _owned(model, actor.organization_id)
    if action == CHANGE and actor.role != Role.READ_ONLY and actor.token_scope != TokenScope.READ:
        condition |= _granted(model, actor, write=True)
    return queryset.filter(condition)


def get_visible(queryset: QuerySet, actor: Actor, *, action: str = VIEW, **lookup) -> Model:
    """Fetch one row: 404 if the actor cannot see it, 403 if seen but the action is not allowed."""
    obj = restrict(queryset, actor, VIEW).filter(**lookup).first()
    if obj is None:
        raise Http404("Not found.")
    if action != VIEW and not restrict(queryset, actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("You may see this record but not do that to it.")
    return obj


def _owner_ids(obj: Model) -> set[int]:
    ids = set()
    for path in type(obj).Access.owner_paths:
        if path == "self":
            ids.add(obj.pk)
            continue
        *hops, last = path.split("__")
        target = obj
        for hop in hops:
            target = getattr(target, hop, None)
        if target is not None:
            ids.add(getattr(target, f"{last}_id", None))
    return ids - {None}


def can(actor: Actor, action: str, obj: Model) -> bool:
    """Whether the actor may do the action to this saved row (no query for the orchestrator)."""
    model = type(obj)
    if actor.is_orchestrator:
        return allows(actor, action, model)
    return restrict(model.objects.all(), actor, action).filter(pk=obj.pk).exists()


def ensure(actor: Actor, action: str, obj: Model) -> None:
    """Raise PermissionDenied unless the actor may do the action to this row (new or saved)."""
    model = type(obj)
    if obj.pk is None:
        allowed = allows(actor, action, model) and (
            actor.is_orchestrator or actor.organization_id in _owner_ids(obj)
        )
    else:
        allowed = can(actor, action, obj)
    if not allowed:
        raise PermissionDenied(f"You may not {action} this {model._meta.verbose_name}.")


# -- declared access rules -----------------------------------------------------------------
# Every page and API operation declares its rule; a test fails when one does not. The rule is
# checked before the view runs; row-level checks then happen in selectors and services.

PUBLIC = "public"  # anyone, signed in or not
MEMBER = "member"  # any member of the workspace


class NotAuthenticated(Exception):
    """No signed-in member and no valid token."""


def rule_model(rule: str) -> tuple[type[Model], str]:
    """'ecosystem.organization:view' -> (Organization, 'view')."""
    from django.apps import apps

    label, action = rule.split(":")
    app_label, model_name = label.split(".")
    if action not in ACTIONS:
        raise ValueError(f"Unknown action in access rule {rule!r}")
    return apps.get_model(app_label, model_name), action


def check_rule(actor: Actor | None, rule: str) -> None:
    """Raise NotAuthenticated or PermissionDenied unless the actor passes the declared rule."""
    if rule == PUBLIC:
        return
    if actor is None:
        raise NotAuthenticated
    if rule == MEMBER:
        return
    model, action = rule_model(rule)
    if allows(actor, action, model):
        return
    # An external member may still change a row shared with their organisation read-write.
    if (
        action == CHANGE
        and not actor.is_orchestrator
        and actor.role != Role.READ_ONLY
        and actor.token_scope != TokenScope.READ
    ):
        return
    raise PermissionDenied(f"Your role may not {action} {model._meta.verbose_name_plural}.")


def access_rule(rule: str):
    """Declare (and check) the access rule of an API operation; pages use core.pages.page."""
    if rule not in (PUBLIC, MEMBER):
        rule_model(rule)  # fail at import time on a typo

    def decorate(func):
        @wraps(func)
        def checked(request, *args, **kwargs):
            try:
                check_rule(getattr(request, "actor", None), rule)
            except NotAuthenticated as error:
                from ninja.errors import AuthenticationError

                raise AuthenticationError from error
            return func(request, *args, **kwargs)

        checked.access_rule = rule
        return checked

    return decorate
