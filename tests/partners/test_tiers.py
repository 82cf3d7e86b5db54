"""Programmes and tiers: qualification rules, evaluation proposals, decisions, the portal's gap."""

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from ecosys.partners import tiers
from ecosys.partners.models import Partner, Program, TierProposal


def _tier(rank, criteria):
    return SimpleNamespace(rank=rank, criteria=criteria)


def test_qualifying_tier_is_the_highest_whose_every_criterion_is_met():
    ladder = [
        _tier(1, {}),
        _tier(2, {"people": "2", "tenure_days": "180"}),
        _tier(3, {"people": "4"}),
    ]
    assert (
        tiers.qualifying_tier(ladder, {"people": Decimal(3), "tenure_days": Decimal(200)}).rank == 2
    )
    assert (
        tiers.qualifying_tier(ladder, {"people": Decimal(3), "tenure_days": Decimal(10)}).rank == 1
    )
    assert (
        tiers.qualifying_tier(ladder, {"people": Decimal(5), "tenure_days": Decimal(0)}).rank == 3
    )
    assert tiers.qualifying_tier([_tier(1, {"people": "1"})], {}) is None


def test_program_validation_names_each_problem(actors):
    with pytest.raises(ValidationError) as error:
        tiers.program_save(
            actor=actors["orchestrator_staff"],
            name="Bad",
            tiers=[
                {
                    "name": "",
                    "criteria": {"revenue_moon": "1"},
                    "benefits": {"discount_percent": "150", "logo_use": "maybe"},
                }
            ],
        )
    assert set(error.value.message_dict) == {"tiers.1.name", "tiers.1.criteria", "tiers.1.benefits"}
    with pytest.raises(ValidationError):
        tiers.program_save(actor=actors["orchestrator_staff"], name="Empty", tiers=[])
    assert not Program.objects.filter(name__in=["Bad", "Empty"]).exists()


def test_evaluation_proposes_and_a_manager_decides(
    actors, client_as, partner_a, django_capture_on_commit_callbacks
):
    staff = actors["orchestrator_staff"]
    program = tiers.program_save(
        actor=staff,
        name="Test programme",
        tiers=[
            {"name": "Entry", "criteria": {}, "benefits": {"discount_percent": "5"}},
            {
                "name": "Pro",
                "criteria": {"people": "1"},
                "benefits": {"discount_percent": "12", "lead_access": "yes"},
            },
            {"name": "Elite", "criteria": {"people": "50"}, "benefits": {}},
        ],
    )
    partner = Partner.objects.get(organization=partner_a)
    tiers.partner_enroll(actor=staff, partner=partner, program=program)
    result = tiers.tiers_evaluate(workspace=staff.workspace, today=dt.date(2026, 11, 23))
    assert result["proposed"] >= 1
    proposal = TierProposal.objects.get(partner=partner, status="pending")
    assert proposal.proposed_tier.name == "Pro" and Decimal(proposal.figures["people"]) >= 1
    again = tiers.tiers_evaluate(workspace=staff.workspace)  # one pending proposal per partner
    assert (
        TierProposal.objects.filter(partner=partner, status="pending").count() == 1
        and again["proposed"] == 0
    )
    with pytest.raises(ValidationError):
        tiers.proposal_decide(actor=staff, proposal=proposal, decision="dismiss")
    with django_capture_on_commit_callbacks(execute=True):
        tiers.proposal_decide(actor=staff, proposal=proposal, decision="approve")
    partner.refresh_from_db()
    assert partner.tier.name == "Pro"
    assert "now Pro" in mail.outbox[-1].subject and "Discount: 12" in mail.outbox[-1].body
    page = client_as("partner_a_member").get(f"/partners/{partner.public_id}/").content.decode()
    assert "For Elite" in page and "People on record" in page and "to go" in page


def test_override_needs_a_reason_and_a_tier_of_the_programme(actors, client_as, partner_b):
    staff = actors["orchestrator_staff"]
    program = tiers.program_save(
        actor=staff, name="P2", tiers=[{"name": "A"}, {"name": "B", "criteria": {"people": "1"}}]
    )
    partner = Partner.objects.get(organization=partner_b)
    tiers.partner_enroll(actor=staff, partner=partner, program=program)
    tiers.tiers_evaluate(workspace=staff.workspace)
    proposal = TierProposal.objects.get(partner=partner, status="pending")
    client = client_as("orchestrator_staff")
    url = f"/api/v1/tier-proposals/{proposal.public_id}/decision"
    no_reason = client.post(
        url, json.dumps({"decision": "override", "tier_rank": 1}), content_type="application/json"
    )
    assert no_reason.status_code == 422
    done = client.post(
        url,
        json.dumps({"decision": "override", "tier_rank": 1, "reason": "Wait for certification"}),
        content_type="application/json",
    )
    assert done.json()["status"] == "overridden" and done.json()["decided_tier"] == "A"
    assert client_as("partner_b_member").get("/api/v1/tier-proposals").status_code == 403


def test_demo_programme_has_tiers_and_proposals(workspace):
    program = Program.objects.get(name="Reseller programme")
    assert [t.name for t in program.tiers.all()] == ["Registered", "Silver", "Gold"]
    assert TierProposal.objects.filter(status="pending").exists()


def test_pages(client_as, workspace):
    staff = client_as("orchestrator_staff")
    assert "Reseller programme" in staff.get("/partners/programs/").content.decode()
    assert "Run evaluation now" in staff.get("/partners/tier-proposals/").content.decode()
    form = staff.post(
        "/partners/programs/new/",
        {
            "name": "Referral",
            "description": "",
            "tier_name": ["Referrer", ""],
            "tier_criteria": ["", ""],
            "tier_benefits": ["discount_percent=3", ""],
        },
    )
    assert form.status_code == 302
    assert Program.objects.get(name="Referral").tiers.get().benefits == {"discount_percent": "3"}


def test_partners_read_the_programmes_but_cannot_change_them(client_as, workspace):
    client = client_as("partner_a_member")
    programs = client.get("/api/v1/programs").json()
    assert [p["name"] for p in programs] == ["Reseller programme"]
    page = client.get("/partners/programs/").content.decode()
    assert "Gold" in page and "Tier proposals" not in page and "New programme" not in page
    program = Program.objects.get(name="Reseller programme")
    response = client.put(
        f"/api/v1/programs/{program.public_id}",
        json.dumps({"name": "x", "tiers": [{"name": "y"}]}),
        content_type="application/json",
    )
    assert response.status_code == 403
