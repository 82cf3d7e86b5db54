"""Retirement: a continuity plan lists what the partner holds; it completes when all is decided."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ecosys.core.models import Membership
from ecosys.ecosystem.models import Relationship
from ecosys.partners import continuity
from ecosys.partners.models import Partner


def test_retiring_a_partner_hands_over_every_customer_and_ends_access(
    actors, client_as, partner_a, partner_b
):
    actor = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    customers = list(
        Relationship.objects.filter(source=partner_a, kind="serves").exclude(state="ended")
    )
    plan = continuity.plan_open(
        actor=actor, partner=partner, effective_date=dt.date(2026, 1, 1), reason="Owner retires"
    )
    kinds = sorted(plan.items.values_list("kind", flat=True))
    assert kinds.count("relationship") == len(customers) and kinds.count("access") == 2
    with pytest.raises(ValidationError, match="still need a decision"):
        continuity.plan_complete(actor=actor, plan=plan)
    with pytest.raises(ValidationError, match="already"):
        continuity.plan_open(
            actor=actor, partner=partner, effective_date=dt.date(2026, 1, 1), reason="again"
        )
    for item in plan.items.filter(kind="relationship"):
        continuity.item_resolve(
            actor=actor, item=item, resolution="reassigned", successor=partner_b
        )
    for item in plan.items.exclude(kind="relationship"):
        with pytest.raises(ValidationError):
            continuity.item_resolve(actor=actor, item=item, resolution="closed")  # needs a reason
        continuity.item_resolve(actor=actor, item=item, resolution="closed", note="Retiring")
    continuity.plan_complete(actor=actor, plan=plan)
    partner.refresh_from_db()
    assert partner.state == "retired" and partner.timeline.last().reason == "Owner retires"
    for old in customers:
        old.refresh_from_db()
        assert old.state == "ended"  # ended, not deleted
        assert Relationship.objects.filter(
            source=partner_b, target=old.target, kind="serves", state="active"
        ).exists()
    assert not Membership.objects.filter(organization=partner_a, is_active=True).exists()
    assert (
        client_as("orchestrator_staff").get(f"/partners/continuity/{plan.public_id}/").status_code
        == 200
    )


def test_successors_share_region_and_role(actors, partner_a):
    partner = Partner.objects.get(organization=partner_a)
    plan = continuity.plan_open(
        actor=actors["orchestrator_staff"],
        partner=partner,
        effective_date=dt.date(2027, 1, 1),
        reason="r",
    )
    for suggestion in continuity.successors(plan):
        org = suggestion["organization"]
        assert org.pk != partner_a.pk and set(org.role_codes) & set(partner_a.role_codes)
        assert not partner_a.region or org.region == partner_a.region


def test_pages_open_and_decide(client_as, partner_b):
    staff = client_as("orchestrator_staff")
    partner = Partner.objects.get(organization=partner_b)
    assert "Retire…" in staff.get(f"/partners/{partner.public_id}/").content.decode()
    response = staff.post(
        f"/partners/{partner.public_id}/retire/",
        {"effective_date": "2027-01-01", "reason": "Moving on"},
    )
    plan = partner.continuity_plans.get()
    assert response.status_code == 302 and response.url == f"/partners/continuity/{plan.public_id}/"
    page = staff.get(response.url).content.decode()
    assert "Suggested successors" in page and "item(s) to decide" in page
    item = plan.items.filter(kind="access").first()
    staff.post(
        f"/partners/continuity-items/{item.public_id}/resolve/",
        {"resolution": "closed", "note": "Access ends"},
    )
    item.refresh_from_db()
    assert item.resolution == "closed"
    assert (
        client_as("partner_b_member").get(f"/partners/{partner.public_id}/retire/").status_code
        == 403
    )
