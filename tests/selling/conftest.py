"""Fixtures of the deal registration tests: the demo partners A and B and a deal helper."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ecosys.partners.models import Partner
from ecosys.selling import services


@pytest.fixture
def partner_rec_a(partner_a):
    return Partner.objects.select_related("organization", "tier").get(organization=partner_a)


@pytest.fixture
def partner_rec_b(partner_b):
    return Partner.objects.select_related("organization", "tier").get(organization=partner_b)


@pytest.fixture
def submit():
    """Register a deal with sensible defaults; keyword arguments override them."""

    def make(actor, partner, **fields):
        data = {
            "title": "Test deal",
            "estimated_value": Decimal("50000.00"),
            "currency": "EUR",
            "expected_close_date": timezone.localdate() + dt.timedelta(days=30),
            "customer_name": "Acme Tools",
            "customer_domain": "acme-tools.example",
        }
        return services.deal_submit(actor=actor, partner=partner, **(data | fields))

    return make
