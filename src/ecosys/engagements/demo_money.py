"""Demo money data for the cycle's demo engagements: commercial terms, approved time, and
settlements (the closed engagement settles its gain share on the measured benefit)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.models import Membership, Role
from ecosys.ecosystem.models import Person

from . import services_money as services
from .models import BenefitResult, Engagement


def _actor_of(workspace, user) -> Actor | None:
    membership = (
        Membership.objects.filter(user=user, is_active=True).select_related("user").first()
        if user is not None
        else None
    )
    return None if membership is None else Actor(workspace, membership.user, membership)


def _approver(engagement: Engagement) -> Actor:
    """The engagement lead (who approves time), or an orchestrator admin when none is named."""
    actor = _actor_of(engagement.workspace, engagement.lead)
    if actor is not None and engagement.lead_id is not None:
        return actor
    admin = (
        Membership.objects.filter(role=Role.ORCHESTRATOR_ADMIN, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if admin is None:
        raise ValueError("The money demo needs an orchestrator admin to approve time.")
    return Actor(engagement.workspace, admin.user, admin)


def _team(engagement: Engagement, rng: random.Random, size: int = 3) -> list[Person]:
    assigned = list(services.engagement_people(engagement)[:size])
    if assigned:
        return assigned
    pool = list(
        Person.objects.filter(organization_id=engagement.workspace.orchestrator_id).order_by("id")[
            :50
        ]
    )
    return rng.sample(pool, min(size, len(pool)))


def _rates(people: list[Person], currency: str, rng: random.Random) -> dict[str, str]:
    standard = services.standard_rates(people, currency)
    return {
        str(person.public_id): str(standard.get(person.pk) or Decimal(rng.randrange(90, 180, 5)))
        for person in people
    }


def _record_time(actor, approver, engagement, people, rng, *, weeks: int) -> int:
    last = min(engagement.end_date, timezone.localdate())
    monday = engagement.start_date - dt.timedelta(days=engagement.start_date.weekday())
    recorded = 0
    for week in range(weeks):
        for person in people:
            day = monday + dt.timedelta(weeks=week, days=rng.randrange(0, 5))
            if not engagement.start_date <= day <= last:
                continue
            hours = Decimal(rng.choice(["4", "6", "7.5", "8"]))
            entry = services.time_entry_add(
                actor=actor,
                engagement=engagement,
                person=person,
                work_date=day,
                hours=hours,
                note=rng.choice(["Working session", "Analysis", "Process mapping", "Training"]),
            )
            services.time_entry_decide(actor=approver, entry=entry, decision="approve")
            recorded += 1
    return recorded


def _customer_admin(engagement: Engagement) -> Actor | None:
    membership = (
        Membership.objects.filter(
            organization_id=engagement.customer_id, role=Role.EXTERNAL_ADMIN, is_active=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return None if membership is None else Actor(engagement.workspace, membership.user, membership)


def demo_money(engagements: dict[str, Engagement], *, rng: random.Random) -> dict:
    """Terms, approved time and settlements for the demo engagements ({"closed", "tracking",
    "staffing"}); returns counts of what was made."""
    made = {"terms": 0, "time_entries": 0, "settlements": 0}
    for name, engagement in engagements.items():
        workspace = engagement.workspace
        actor = Actor.system(workspace)
        approver = _approver(engagement)
        people = _team(engagement, rng)
        rates = _rates(people, engagement.currency, rng)
        if name == "closed":
            start, end = engagement.start_date, engagement.end_date
            services.terms_set(
                actor=actor, engagement=engagement, model="gain_share",
                currency=engagement.currency, share=Decimal("0.25"), floor=Decimal("10000"),
                cap=Decimal("250000"), rates=rates,
                schedule=[
                    {"due_date": (end + dt.timedelta(days=30)).isoformat(), "fraction": "0.5"},
                    {"due_date": (end + dt.timedelta(days=120)).isoformat(), "fraction": "0.5"},
                ],
            )  # fmt: skip
            weeks = max(1, min(12, (end - start).days // 7))
        elif name == "tracking":
            services.terms_set(
                actor=actor, engagement=engagement, model="consulting",
                currency=engagement.currency, period="month", rates=rates,
            )  # fmt: skip
            weeks = 10
        else:
            services.terms_set(
                actor=actor, engagement=engagement, model="subscription",
                currency=engagement.currency, period="month", fee=Decimal("12000"),
                included_hours=Decimal("80"), overage_rate=Decimal("140"), rates=rates,
            )  # fmt: skip
            weeks = 0
        made["terms"] += 1
        made["time_entries"] += _record_time(actor, approver, engagement, people, rng, weeks=weeks)
        settlement = None
        if name == "closed" and BenefitResult.objects.filter(engagement=engagement).exists():
            settlement = services.settlement_generate(actor=actor, engagement=engagement)
        elif name == "tracking" and engagement.start_date < timezone.localdate():
            settlement = services.settlement_generate(
                actor=actor, engagement=engagement, day=engagement.start_date
            )
        if settlement is not None:
            settlement = services.settlement_issue(actor=actor, settlement=settlement)
            made["settlements"] += 1
            customer = _customer_admin(engagement)
            if name == "closed" and customer is not None:
                services.settlement_decide(actor=customer, settlement=settlement, decision="accept")
    return made
