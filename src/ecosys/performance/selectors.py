"""Reads of channel data and performance results, always through the access policy."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import Max, QuerySet

from ecosys.core.access import Actor, get_visible, restrict

from .models import AnalyticsRun, ChannelLoad, PartnerScore


def load_list(*, actor: Actor) -> QuerySet[ChannelLoad]:
    return restrict(ChannelLoad.objects.select_related("organization", "created_by__user"), actor)


def load_get(*, actor: Actor, public_id: UUID) -> ChannelLoad:
    return get_visible(load_list(actor=actor), actor, public_id=public_id)


def score_list(*, actor: Actor) -> QuerySet[PartnerScore]:
    return restrict(
        PartnerScore.objects.select_related(
            "partner__organization", "partner__program", "scorecard"
        ),
        actor,
    )


def latest_period(*, actor: Actor) -> dt.date | None:
    return score_list(actor=actor).aggregate(p=Max("period"))["p"]


def partner_scores(*, actor: Actor, partner) -> QuerySet[PartnerScore]:
    """One partner's monthly scores, oldest first (for charts)."""
    return score_list(actor=actor).filter(partner=partner).order_by("period")


def run_list(*, actor: Actor) -> QuerySet[AnalyticsRun]:
    return restrict(AnalyticsRun.objects.all(), actor)


def run_get(*, actor: Actor, public_id: UUID) -> AnalyticsRun:
    return get_visible(run_list(actor=actor), actor, public_id=public_id)
