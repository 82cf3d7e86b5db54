"""Reads of separations, narrowed by the access policy (a leaving organisation sees its own)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import ItemDecision, Separation, SeparationItem


def separation_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Separation]:
    return restrict(
        Separation.objects.select_related("organization", "partner", "started_by").annotate(
            pending_items=Count("items", filter=Q(items__decision=ItemDecision.PENDING))
        ),
        actor,
        action,
    )


def separation_get(*, actor: Actor, public_id, action: str = VIEW) -> Separation:
    return get_visible(
        Separation.objects.select_related(
            "organization", "partner__owner", "agreement__version__template", "started_by",
            "completed_by",
        ),
        actor,
        action=action,
        public_id=public_id,
    )  # fmt: skip


def separation_item_get(*, actor: Actor, public_id, action: str = VIEW) -> SeparationItem:
    return get_visible(
        SeparationItem.objects.select_related("separation"),
        actor,
        action=action,
        public_id=public_id,
    )


def separation_items(*, actor: Actor, separation: Separation) -> QuerySet[SeparationItem]:
    return restrict(
        separation.items.select_related("successor", "decided_by", "target_type"), actor, VIEW
    )
