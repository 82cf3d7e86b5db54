"""Reads of the partner lifecycle, narrowed by the access policy."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import IdealPartnerProfile, Partner, PartnerState, PartnerStateChange


def partner_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Partner]:
    return restrict(Partner.objects.select_related("organization", "owner"), actor, action)


def partner_get(*, actor: Actor, public_id, action: str = VIEW) -> Partner:
    return get_visible(
        Partner.objects.select_related("organization", "owner", "fit_profile", "program", "tier"),
        actor,
        action=action,
        public_id=public_id,
    )


def partner_timeline(*, actor: Actor, partner: Partner) -> QuerySet[PartnerStateChange]:
    return restrict(PartnerStateChange.objects.all(), actor).filter(partner=partner)


def partner_counts_by_state(*, actor: Actor) -> list[tuple[str, str, int]]:
    counts = dict(partner_list(actor=actor).order_by().values_list("state").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in PartnerState.choices]


def profile_list(*, actor: Actor) -> QuerySet[IdealPartnerProfile]:
    return restrict(IdealPartnerProfile.objects.prefetch_related("criteria"), actor)


def profile_get(*, actor: Actor, public_id, action: str = VIEW) -> IdealPartnerProfile:
    return get_visible(
        IdealPartnerProfile.objects.prefetch_related("criteria"),
        actor,
        action=action,
        public_id=public_id,
    )
