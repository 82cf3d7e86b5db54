"""Reads of the performance configuration: channel settings, products, exchange rates and
scorecards. Scorecards are for every member (partners see the one they are scored on); the
rest is the orchestrator's."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import ChannelSettings, ExchangeRate, Product, ProductLine, Scorecard
from .setup import scorecards_match, settings_for


def _orchestrator_only(actor: Actor, what: str) -> None:
    if not actor.is_orchestrator:
        raise PermissionDenied(f"{what} are managed by the orchestrator.")


def channel_settings_get(*, actor: Actor) -> ChannelSettings:
    _orchestrator_only(actor, "Channel settings")
    return settings_for(actor.workspace)


def product_line_list(*, actor: Actor, action: str = VIEW) -> QuerySet[ProductLine]:
    _orchestrator_only(actor, "Product lines")
    return restrict(ProductLine.objects.annotate(product_count=Count("products")), actor, action)


def product_line_get(*, actor: Actor, public_id, action: str = VIEW) -> ProductLine:
    _orchestrator_only(actor, "Product lines")
    return get_visible(
        ProductLine.objects.annotate(product_count=Count("products")),
        actor,
        action=action,
        public_id=public_id,
    )


def product_line_by_name(*, actor: Actor, name: str) -> ProductLine | None:
    return product_line_list(actor=actor).filter(name__iexact=(name or "").strip()).first()


def product_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Product]:
    _orchestrator_only(actor, "Products")
    return restrict(Product.objects.select_related("line"), actor, action)


def product_get(*, actor: Actor, public_id, action: str = VIEW) -> Product:
    _orchestrator_only(actor, "Products")
    return get_visible(
        Product.objects.select_related("line"), actor, action=action, public_id=public_id
    )


def product_by_sku(*, actor: Actor, sku: str) -> Product | None:
    return product_list(actor=actor).filter(sku__iexact=(sku or "").strip()).first()


def exchange_rate_list(*, actor: Actor, action: str = VIEW) -> QuerySet[ExchangeRate]:
    _orchestrator_only(actor, "Exchange rates")
    return restrict(ExchangeRate.objects.all(), actor, action)


def exchange_rate_get(*, actor: Actor, public_id, action: str = VIEW) -> ExchangeRate:
    _orchestrator_only(actor, "Exchange rates")
    return get_visible(ExchangeRate.objects.all(), actor, action=action, public_id=public_id)


def scorecard_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Scorecard]:
    return restrict(
        Scorecard.objects.select_related("program", "tier").prefetch_related("measures"),
        actor,
        action,
    )


def scorecard_get(*, actor: Actor, public_id, action: str = VIEW) -> Scorecard:
    return get_visible(
        Scorecard.objects.select_related("program", "tier").prefetch_related("measures"),
        actor,
        action=action,
        public_id=public_id,
    )


def scorecard_partners(*, actor: Actor, scorecards=None) -> dict[int | None, list]:
    """The partners each scorecard applies to now ({scorecard id: [partner, …]}; None for
    partners no scorecard matches yet), as the orchestrator sees them; an external member's
    view has none. Three queries, whatever the number of partners."""
    from ecosys.partners.selectors import partner_list

    if not actor.is_orchestrator:
        return {}
    if scorecards is None:
        scorecards = scorecard_list(actor=actor)
    partners = list(
        partner_list(actor=actor)
        .select_related(None)
        .select_related("organization")
        .only(
            "id",
            "public_id",
            "program_id",
            "tier_id",
            "organization__name",
            "organization__region",
        )
    )
    chosen = scorecards_match(scorecards, partners)
    by_scorecard: dict[int | None, list] = {}
    for partner in partners:
        scorecard = chosen[partner.pk]
        by_scorecard.setdefault(scorecard.pk if scorecard else None, []).append(partner)
    return by_scorecard


def scorecard_partner_counts(*, actor: Actor, scorecards=None) -> Counter:
    found = scorecard_partners(actor=actor, scorecards=scorecards)
    return Counter({pk: len(rows) for pk, rows in found.items()})
