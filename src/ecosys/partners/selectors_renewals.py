"""Reads of renewal reviews, narrowed by the access policy (a partner sees its own)."""

from __future__ import annotations

from django.db.models import QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import RenewalReview


def renewal_review_list(*, actor: Actor, action: str = VIEW) -> QuerySet[RenewalReview]:
    return restrict(
        RenewalReview.objects.select_related(
            "partner__organization", "agreement__version__template"
        ),
        actor,
        action,
    )


def renewal_review_get(*, actor: Actor, public_id, action: str = VIEW) -> RenewalReview:
    return get_visible(
        RenewalReview.objects.select_related(
            "partner__organization", "partner__owner", "agreement__version__template",
            "orchestrator_by", "partner_by", "new_agreement__version__template",
        ),
        actor,
        action=action,
        public_id=public_id,
    )  # fmt: skip
