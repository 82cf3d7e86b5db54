"""Demo deal registrations: the demo partners' deals in every status, one conflict among them."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.ecosystem.models import EcosystemRole, Organization

from .models import DealRegistration, DealStatusChange
from .services import deal_close, deal_decide, deal_submit


def _backdate(deal: DealRegistration, days_ago: int, **fields) -> None:
    """Move a demo registration and its history into the past, as if it happened then."""
    moment = timezone.now() - dt.timedelta(days=days_ago)
    DealRegistration.objects.filter(pk=deal.pk).update(created_at=moment, **fields)
    for offset, step in enumerate(DealStatusChange.objects.filter(deal=deal).order_by("id")):
        when = fields.get("closed_at") if offset > 1 else fields.get("decided_at")
        DealStatusChange.objects.filter(pk=step.pk).update(changed_at=when or moment)


def populate_deals(workspace, partners: list, partner_orgs: list) -> None:
    """Registrations for the demo partners A and B (and one more partner), in every status."""
    by_org = {p.organization_id: p for p in partners}
    sellers = [by_org[org.pk] for org in partner_orgs if org.pk in by_org]
    sellers += [p for p in partners if p.state == "active" and p not in sellers][:1]
    customers = list(
        Organization.objects.filter(roles__role=EcosystemRole.CUSTOMER).order_by("id")[:3]
    )
    if len(sellers) < 3 or len(customers) < 3:
        return
    actor = Actor.system(workspace)
    today, now = timezone.localdate(), timezone.now()
    a, b, c = sellers

    def submit(partner, title, value, days_to_close, **customer):
        return deal_submit(
            actor=actor, partner=partner, title=title, estimated_value=Decimal(value),
            currency="EUR", expected_close_date=today + dt.timedelta(days=days_to_close),
            description="Loaded with the demo.", **customer,
        )  # fmt: skip

    submit(a, "Line 4 servo retrofit", "84000", 60, customer=customers[0])
    protected = submit(a, "Packaging hall automation", "250000", 90, customer=customers[1])
    deal_decide(actor=actor, deal=protected, decision="approve")
    _backdate(protected, 12, decided_at=now - dt.timedelta(days=10))
    # Partner B asks for the same customer: shown as a conflict until A's protection ends.
    submit(b, "Packaging line spare parts", "38000", 45, customer=customers[1])
    won = submit(
        b, "Condition monitoring rollout", "120000", 30,
        customer_name="Nordwerk Maschinenbau", customer_domain="nordwerk.example",
    )  # fmt: skip
    deal_decide(actor=actor, deal=won, decision="approve")
    deal_close(actor=actor, deal=won, outcome="won", reason="Signed after the pilot")
    _backdate(
        won, 120, decided_at=now - dt.timedelta(days=115), closed_at=now - dt.timedelta(days=20)
    )
    rejected = submit(b, "Service contract renewal", "15000", 20, customer=customers[2])
    deal_decide(
        actor=actor, deal=rejected, decision="reject",
        reason="Helix serves this customer directly under a framework contract.",
    )  # fmt: skip
    lost = submit(
        a, "Warehouse conveyor upgrade", "67000", 40,
        customer_name="Baltic Cold Storage", customer_domain="baltic-cold.example",
    )  # fmt: skip
    deal_decide(actor=actor, deal=lost, decision="approve")
    deal_close(actor=actor, deal=lost, outcome="lost", reason="Lost on price")
    _backdate(
        lost, 90, decided_at=now - dt.timedelta(days=85), closed_at=now - dt.timedelta(days=30)
    )
    expired = submit(
        c, "Press line modernisation", "310000", 10,
        customer_name="Ostrava Presswerk", customer_domain="ostrava-press.example",
    )  # fmt: skip
    deal_decide(actor=actor, deal=expired, decision="approve")
    _backdate(
        expired, 300, decided_at=now - dt.timedelta(days=295),
        expected_close_date=today - dt.timedelta(days=150),
        protection_until=today - dt.timedelta(days=5),
    )  # fmt: skip
    from .services import deals_expire

    deals_expire(workspace=workspace)
