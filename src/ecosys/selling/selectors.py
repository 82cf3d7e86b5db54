"""Reads of deal registration, narrowed by the access policy."""

from __future__ import annotations

from django.db.models import QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict
from ecosys.partners.models import Partner
from ecosys.partners.selectors import partner_list

from .models import DealRegistration, DealStatusChange
from .services import SELLING_STATES, deal_conflicts


def deal_list(*, actor: Actor, action: str = VIEW) -> QuerySet[DealRegistration]:
    return restrict(
        DealRegistration.objects.select_related("partner__organization", "customer"),
        actor,
        action,
    )


def deal_get(*, actor: Actor, public_id, action: str = VIEW) -> DealRegistration:
    return get_visible(
        DealRegistration.objects.select_related(
            "partner__organization", "partner__tier", "customer", "decided_by", "registered_by"
        ),
        actor,
        action=action,
        public_id=public_id,
    )


def deal_history(*, actor: Actor, deal: DealRegistration) -> QuerySet[DealStatusChange]:
    return restrict(DealStatusChange.objects.all(), actor).filter(deal=deal)


def deal_conflict_list(*, actor: Actor, deal: DealRegistration) -> list[dict]:
    """The protected registrations this one conflicts with, as the viewer may learn of them:
    the orchestrator sees which; a partner learns only that another partner holds the customer
    and until when."""
    rows = []
    for conflict in deal_conflicts(deal):
        row = {"protection_until": conflict.protection_until, "public_id": None}
        if actor.is_orchestrator:
            row |= {
                "public_id": conflict.public_id,
                "title": conflict.title,
                "partner": conflict.partner.organization.name,
            }
        else:
            row |= {"title": "Registration of another partner", "partner": ""}
        rows.append(row)
    return rows


def submittable_partner_list(*, actor: Actor) -> QuerySet[Partner]:
    """Partners the actor may register deals for: its own (a partner admin) or any selling one."""
    return partner_list(actor=actor).filter(state__in=SELLING_STATES).order_by("organization__name")
