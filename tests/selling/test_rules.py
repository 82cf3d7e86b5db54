"""Deal registration rules: protection, conflicts, duplicates, who may submit and decide, expiry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecosys.partners.models import Partner, Tier
from ecosys.selling import services
from ecosys.selling.models import DEFAULT_PROTECTION_DAYS, DealRegistration, DealStatus
from ecosys.selling.tasks import deals_expire_run


def _tier(name):
    return Tier.objects.get(program__name="Reseller programme", name=name)


def test_protection_comes_from_the_tier_benefit(actors, partner_rec_a, submit):
    Partner.objects.filter(pk=partner_rec_a.pk).update(tier=_tier("Gold"))
    partner_rec_a.refresh_from_db()
    deal = submit(actors["partner_a_admin"], partner_rec_a)
    deal = services.deal_decide(actor=actors["orchestrator_staff"], deal=deal, decision="approve")
    assert deal.status == DealStatus.APPROVED
    assert deal.protection_until == timezone.localdate() + dt.timedelta(days=180)
    assert "Gold" in deal.protection_basis and "180 days" in deal.protection_basis


@pytest.mark.parametrize(("tier_name", "why"), [("Registered", "grants no"), (None, "no tier")])
def test_protection_falls_back_to_the_workspace_default(
    actors, partner_rec_a, submit, tier_name, why
):
    Partner.objects.filter(pk=partner_rec_a.pk).update(tier=_tier(tier_name) if tier_name else None)
    partner_rec_a.refresh_from_db()
    deal = submit(actors["partner_a_admin"], partner_rec_a)
    deal = services.deal_decide(actor=actors["orchestrator_staff"], deal=deal, decision="approve")
    assert deal.protection_until == timezone.localdate() + dt.timedelta(
        days=DEFAULT_PROTECTION_DAYS
    )
    assert "workspace default" in deal.protection_basis and why in deal.protection_basis


@pytest.mark.parametrize(
    "rival",
    [
        {"customer_name": "ACME tools", "customer_domain": ""},  # same name, any case
        {"customer_name": "Acme Tools GmbH", "customer_domain": "https://www.acme-tools.example/"},
    ],
)
def test_a_protected_registration_blocks_another_partners_approval(
    actors, partner_rec_a, partner_rec_b, submit, rival
):
    staff = actors["orchestrator_staff"]
    first = submit(actors["partner_a_admin"], partner_rec_a, title="Acme line 1")
    first = services.deal_decide(actor=staff, deal=first, decision="approve")
    second = submit(staff, partner_rec_b, title="Acme spare parts", **rival)
    assert list(services.deal_conflicts(second)) == [first]
    with pytest.raises(ValidationError) as error:
        services.deal_decide(actor=staff, deal=second, decision="approve")
    message = " ".join(error.value.messages)
    assert "Acme line 1" in message and f"{first.protection_until:%Y-%m-%d}" in message
    second.refresh_from_db()
    assert second.status == DealStatus.SUBMITTED and second.protection_until is None
    # The orchestrator may still reject it.
    rejected = services.deal_decide(
        actor=staff, deal=second, decision="reject", reason="Acme is protected for partner A"
    )
    assert rejected.status == DealStatus.REJECTED


def test_the_conflict_ends_with_the_protection(actors, partner_rec_a, partner_rec_b, submit):
    staff = actors["orchestrator_staff"]
    first = services.deal_decide(actor=staff, deal=submit(staff, partner_rec_a), decision="approve")
    second = submit(staff, partner_rec_b)
    DealRegistration.objects.filter(pk=first.pk).update(
        protection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert services.deal_decide(actor=staff, deal=second, decision="approve").status == "approved"


def test_the_same_partner_cannot_register_the_same_customer_twice_while_open(
    actors, partner_rec_a, submit
):
    admin, staff = actors["partner_a_admin"], actors["orchestrator_staff"]
    first = submit(admin, partner_rec_a, title="First")
    with pytest.raises(ValidationError) as error:
        submit(admin, partner_rec_a, title="Second", customer_name="acme TOOLS")
    assert "already has an open registration" in str(error.value)
    assert "First" in str(error.value)
    services.deal_decide(actor=staff, deal=first, decision="reject", reason="Too early")
    assert submit(admin, partner_rec_a, title="Second").status == DealStatus.SUBMITTED


def test_a_partner_admin_registers_only_for_its_own_partner(actors, partner_rec_b, submit):
    with pytest.raises(PermissionDenied):
        submit(actors["partner_a_admin"], partner_rec_b)
    with pytest.raises(PermissionDenied):
        submit(actors["partner_a_member"], partner_rec_b)
    assert not DealRegistration.objects.filter(title="Test deal").exists()


def test_a_partner_member_cannot_register(actors, partner_rec_a, submit):
    with pytest.raises(PermissionDenied):
        submit(actors["partner_a_member"], partner_rec_a)


def test_bad_input_is_refused_field_by_field(actors, partner_rec_a, submit):
    with pytest.raises(ValidationError) as error:
        submit(
            actors["partner_a_admin"],
            partner_rec_a,
            currency="EURO",
            estimated_value=Decimal("0"),
            expected_close_date=timezone.localdate() - dt.timedelta(days=1),
            customer_name="",
            customer_domain="not a domain",
        )
    assert set(error.value.message_dict) >= {
        "currency",
        "estimated_value",
        "expected_close_date",
        "customer_name",
        "customer_domain",
    }


def test_retired_partners_do_not_register(actors, partner_rec_a, submit):
    Partner.objects.filter(pk=partner_rec_a.pk).update(state="retired")
    partner_rec_a.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        submit(actors["orchestrator_staff"], partner_rec_a)
    assert "partner" in error.value.message_dict


@pytest.mark.parametrize("who", ["partner_a_admin", "partner_a_member", "orchestrator_read_only"])
def test_only_the_orchestrators_staff_decide(actors, partner_rec_a, submit, who):
    deal = submit(actors["partner_a_admin"], partner_rec_a)
    with pytest.raises(PermissionDenied):
        services.deal_decide(actor=actors[who], deal=deal, decision="approve")
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


def test_rejection_needs_a_reason_and_decisions_happen_once(actors, partner_rec_a, submit):
    staff = actors["orchestrator_staff"]
    deal = submit(actors["partner_a_admin"], partner_rec_a)
    with pytest.raises(ValidationError):
        services.deal_decide(actor=staff, deal=deal, decision="reject")
    services.deal_decide(actor=staff, deal=deal, decision="approve")
    with pytest.raises(ValidationError):
        services.deal_decide(actor=staff, deal=deal, decision="reject", reason="changed mind")


def test_the_partners_admins_hear_of_the_decision(
    actors, partner_rec_a, submit, django_capture_on_commit_callbacks
):
    deal = submit(actors["partner_a_admin"], partner_rec_a, title="Mail deal")
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_decide(actor=actors["orchestrator_staff"], deal=deal, decision="approve")
    sent = [m for m in mail.outbox if "Mail deal" in m.subject]
    assert len(sent) == 1 and sent[0].to == ["admin@partner-a.example"]
    assert "protected until" in sent[0].body


def test_closing_an_approved_deal(actors, partner_rec_a, partner_rec_b, submit):
    staff, admin = actors["orchestrator_staff"], actors["partner_a_admin"]
    deal = submit(admin, partner_rec_a)
    with pytest.raises(ValidationError):
        services.deal_close(actor=admin, deal=deal, outcome="won")  # not approved yet
    services.deal_decide(actor=staff, deal=deal, decision="approve")
    with pytest.raises(PermissionDenied):
        services.deal_close(actor=actors["partner_a_member"], deal=deal, outcome="won")
    won = services.deal_close(actor=admin, deal=deal, outcome="won", reason="Signed")
    assert won.status == DealStatus.WON and won.closed_at is not None
    assert [step.to_status for step in won.history.all()] == ["submitted", "approved", "won"]


def test_the_expiry_job_is_idempotent(actors, partner_rec_a, partner_rec_b, submit):
    staff = actors["orchestrator_staff"]
    today = timezone.localdate()
    stale = services.deal_decide(
        actor=staff, deal=submit(staff, partner_rec_a, title="Stale"), decision="approve"
    )
    DealRegistration.objects.filter(pk=stale.pk).update(
        expected_close_date=today - dt.timedelta(days=40),
        protection_until=today - dt.timedelta(days=1),
    )
    closing_late = services.deal_decide(
        actor=staff,
        deal=submit(
            staff, partner_rec_b, title="Late", customer_name="Other Co", customer_domain=""
        ),
        decision="approve",
    )
    DealRegistration.objects.filter(pk=closing_late.pk).update(
        expected_close_date=today - dt.timedelta(days=40)
    )  # still protected: it stays approved
    assert services.deals_expire(workspace=staff.workspace) == 1
    assert services.deals_expire(workspace=staff.workspace) == 0
    stale.refresh_from_db()
    closing_late.refresh_from_db()
    assert stale.status == DealStatus.EXPIRED and closing_late.status == DealStatus.APPROVED
    assert [s.to_status for s in stale.history.all()].count("expired") == 1
    # The registered daily job does the same, once per workspace.
    assert deals_expire_run.call(staff.workspace.pk) == {"expired": 0}
