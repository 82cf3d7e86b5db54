"""The registered-deals and won-value metrics, and a tier criterion on registered deals."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ecosys.partners import tiers
from ecosys.partners.models import Partner, TierProposal
from ecosys.performance.measures import measures
from ecosys.performance.models import ChannelSettings, ExchangeRate
from ecosys.selling import services
from ecosys.selling.models import DealRegistration


def _fresh_partner():
    """An active partner with no registrations (the demo gives A and B some)."""
    return (
        Partner.objects.filter(state="active", deal_registrations__isnull=True)
        .select_related("organization", "tier")
        .order_by("id")
        .first()
    )


def test_registered_deals_counts_approved_won_and_lost_of_the_last_12_months(actors, submit):
    staff = actors["orchestrator_staff"]
    partner = _fresh_partner()
    today = timezone.localdate()
    metric = tiers.METRICS["registered_deals"]
    assert metric.values([partner], today) == {partner.pk: Decimal(0)}
    deals = [submit(staff, partner, customer_name=f"C{i}", customer_domain="") for i in range(5)]
    for deal in deals[:4]:
        services.deal_decide(actor=staff, deal=deal, decision="approve")
    services.deal_close(actor=staff, deal=deals[1], outcome="won")
    services.deal_close(actor=staff, deal=deals[2], outcome="lost")
    DealRegistration.objects.filter(pk=deals[3].pk).update(
        decided_at=timezone.now() - dt.timedelta(days=400)
    )  # decided more than a year ago
    # approved + won + lost count; the old one and the submitted one do not
    assert metric.values([partner], today) == {partner.pk: Decimal(3)}


def test_won_value_is_converted_to_the_base_currency(actors, submit):
    staff = actors["orchestrator_staff"]
    partner = _fresh_partner()
    base = (ChannelSettings.objects.first() or ChannelSettings(base_currency="EUR")).base_currency
    month = timezone.localdate().replace(day=1)
    ExchangeRate.objects.filter(currency="ISK").delete()
    ExchangeRate.objects.update_or_create(
        currency="USD" if base != "USD" else "GBP",
        month=month,
        defaults={"rate": Decimal("2"), "workspace": staff.workspace},
    )
    other = "USD" if base != "USD" else "GBP"
    values = [("1000.00", base), ("500.00", other), ("700.00", "ISK")]  # ISK: no rate
    for index, (value, currency) in enumerate(values):
        deal = submit(
            staff, partner, customer_name=f"W{index}", customer_domain="",
            estimated_value=Decimal(value), currency=currency,
        )  # fmt: skip
        services.deal_decide(actor=staff, deal=deal, decision="approve")
        services.deal_close(actor=staff, deal=deal, outcome="won")
    result = tiers.METRICS["deals_won_value"].values([partner], timezone.localdate())
    assert result == {partner.pk: Decimal("2000.00")}


def test_the_metrics_are_offered_to_scorecards():
    found = measures()
    assert found["registered_deals"].label == "Registered deals, last 12 months"
    assert "deals_won_value" in found


def test_a_tier_criterion_on_registered_deals(actors, submit):
    staff = actors["orchestrator_staff"]
    program = tiers.program_save(
        actor=staff,
        name="Deal programme",
        tiers=[{"name": "Entry"}, {"name": "Dealmaker", "criteria": {"registered_deals": "2"}}],
    )
    partner = _fresh_partner()
    tiers.partner_enroll(actor=staff, partner=partner, program=program)
    entry, dealmaker = program.tiers.order_by("rank")
    Partner.objects.filter(pk=partner.pk).update(tier=entry)
    partner.refresh_from_db()
    today = timezone.localdate()
    gap = tiers.next_tier_gap(partner, today)
    assert gap["tier"] == dealmaker
    assert [
        (line["label"], line["required"], line["current"], line["met"]) for line in gap["lines"]
    ] == [("Registered deals, last 12 months", Decimal(2), Decimal(0), False)]
    for index in range(2):
        deal = submit(staff, partner, customer_name=f"T{index}", customer_domain="")
        services.deal_decide(actor=staff, deal=deal, decision="approve")
    tiers.tiers_evaluate(workspace=staff.workspace, today=today)
    proposal = TierProposal.objects.get(partner=partner, status="pending")
    assert proposal.current_tier == entry and proposal.proposed_tier == dealmaker
    assert Decimal(proposal.figures["registered_deals"]) == 2
