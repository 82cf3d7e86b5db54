"""Friendly separation: notice period, either side starts, the plan, the checklist gating
completion, access ended by the daily job, erasure limited to the leaving organisation."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecosys.core.models import Membership, SharingGrant, User
from ecosys.core.services import grant_share
from ecosys.ecosystem.models import Organization, Person
from ecosys.partners import agreements
from ecosys.partners.models import Agreement, AgreementStatus, Partner
from ecosys.portability import services
from ecosys.portability.models import (
    ItemDecision,
    ItemKind,
    SeparationItem,
    SeparationStatus,
    StartedBySide,
)
from ecosys.selling.services import deal_close, deal_decide, deal_submit

BUNDLE = b"PK\x03\x04 an exit bundle"
BUNDLE_SHA = hashlib.sha256(BUNDLE).hexdigest()


@pytest.fixture
def notice_agreement(actors, partner_a):
    """Partner A has an agreement in force with 75 days' notice."""
    staff = actors["orchestrator_staff"]
    template = agreements.template_create(actor=staff, name="Notice test agreement")
    version = agreements.version_publish(
        actor=staff, template=template, terms="t", exit_clause="e",
        data_return_clause="Erase personal data once the bundle is handed over.", notice_days=75,
    )  # fmt: skip
    agreement = agreements.agreement_issue(
        actor=staff, partner=Partner.objects.get(organization=partner_a), version=version,
        start_date=timezone.localdate() - dt.timedelta(days=10),
    )  # fmt: skip
    return agreements.agreement_accept(
        actor=actors["partner_a_admin"], agreement=agreement, address=None, version_number=1
    )


def _start(actor, organization, **kwargs):
    earliest, _ = services.earliest_effective_date(organization)
    kwargs.setdefault("effective_date", earliest)
    return services.separation_start(
        actor=actor, organization=organization, reason="We part as friends", **kwargs
    )


def test_effective_date_respects_the_agreements_notice_period(actors, partner_a, notice_agreement):
    today = timezone.localdate()
    earliest, governing = services.earliest_effective_date(partner_a)
    assert earliest >= today + dt.timedelta(days=75)
    with pytest.raises(ValidationError) as error:
        services.separation_start(
            actor=actors["orchestrator_staff"], organization=partner_a, reason="r",
            effective_date=earliest - dt.timedelta(days=1),
        )  # fmt: skip
    message = error.value.message_dict["effective_date"][0]
    assert f"{governing.version.notice_days} days' notice" in message
    assert f"{earliest:%Y-%m-%d}" in message
    separation = _start(actors["orchestrator_staff"], partner_a)
    assert separation.effective_date == earliest
    assert separation.notice_days == governing.version.notice_days
    assert separation.transition_end == earliest + dt.timedelta(days=30)
    assert separation.data_retrieval_until == earliest + dt.timedelta(days=30)


def test_without_an_agreement_the_date_is_at_least_today(actors, workspace):
    customer = Organization.objects.filter(partner__isnull=True).exclude(
        pk=workspace.orchestrator_id
    ).first()  # fmt: skip
    staff = actors["orchestrator_staff"]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.separation_start(
            actor=staff, organization=customer, reason="r", effective_date=today - dt.timedelta(1)
        )
    assert "past" in error.value.message_dict["effective_date"][0]
    separation = services.separation_start(
        actor=staff, organization=customer, reason="r", effective_date=today
    )
    assert separation.partner is None and separation.notice_days == 0


def test_transition_and_retrieval_windows_follow_the_data_act(actors, partner_a):
    earliest, _ = services.earliest_effective_date(partner_a)
    with pytest.raises(ValidationError) as error:
        _start(
            actors["orchestrator_staff"], partner_a,
            transition_end=earliest + dt.timedelta(days=31),
            data_retrieval_until=earliest + dt.timedelta(days=29),
        )  # fmt: skip
    assert set(error.value.message_dict) == {"transition_end", "data_retrieval_until"}


def test_either_side_can_start_but_nobody_else(
    actors, partner_a, partner_b, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        _start(actors["partner_a_member"], partner_a)
    with pytest.raises(PermissionDenied):
        _start(actors["partner_a_admin"], partner_b)
    with django_capture_on_commit_callbacks(execute=True):
        ours = _start(actors["partner_a_admin"], partner_a)
    assert ours.started_by_side == StartedBySide.ORGANIZATION
    with pytest.raises(ValidationError) as error:
        _start(actors["orchestrator_staff"], partner_a)
    assert "under way" in error.value.message_dict["organization"][0]
    theirs = _start(actors["orchestrator_staff"], partner_b)
    assert theirs.started_by_side == StartedBySide.ORCHESTRATOR
    # Both sides hear of it: the orchestrator's admins and the leaving organisation's admins.
    recipients = {email for message in mailoutbox for email in message.to}
    assert "admin@helix.example" in recipients and "admin@partner-a.example" in recipients


def test_plan_lists_what_the_relationship_holds(actors, workspace, partner_a):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    later = timezone.localdate() + dt.timedelta(days=30)
    open_deal = deal_submit(
        actor=staff, partner=partner, title="Open deal", customer_name="Plan customer 1",
        estimated_value=1000, currency="EUR", expected_close_date=later,
    )  # fmt: skip
    won = deal_submit(
        actor=staff, partner=partner, title="Won deal", customer_name="Plan customer 2",
        estimated_value=2500, currency="EUR", expected_close_date=later,
    )  # fmt: skip
    deal_decide(actor=staff, deal=won, decision="approve")
    deal_close(actor=staff, deal=won, outcome="won")
    customer = Organization.objects.filter(roles__role="customer").first()
    grant = grant_share(actor=staff, target=customer, organization=partner_a)
    separation = _start(staff, partner_a)
    items = {(item.kind, item.target_public_id): item for item in separation.items.all()}
    assert (ItemKind.DEAL, open_deal.public_id) in items
    assert (ItemKind.DEAL, won.public_id) not in items
    money = items[(ItemKind.MONEY, won.public_id)]
    assert "none computed yet" in money.label and "2500.00 EUR" in money.label
    assert (ItemKind.SHARING, grant.public_id) in items
    sign_ins = Membership.objects.filter(organization=partner_a, is_active=True)
    assert {m.public_id for m in sign_ins} == {
        target for kind, target in items if kind == ItemKind.ACCESS
    }
    assert items[(ItemKind.DEAL, open_deal.public_id)].target_type.model == "dealregistration"
    assert all(item.decision == ItemDecision.PENDING for item in items.values())


def test_decisions_follow_the_kind_of_item(actors, partner_a, partner_b):
    staff = actors["orchestrator_staff"]
    customer = Organization.objects.filter(roles__role="customer").first()
    grant = grant_share(actor=staff, target=customer, organization=partner_a)
    separation = _start(staff, partner_a)
    sharing = separation.items.get(target_public_id=grant.public_id)
    with pytest.raises(ValidationError):
        services.separation_item_decide(actor=staff, item=sharing, decision="transfer")
    with pytest.raises(PermissionDenied):
        services.separation_item_decide(
            actor=actors["partner_a_admin"], item=sharing, decision="revoke"
        )
    services.separation_item_decide(actor=staff, item=sharing, decision="revoke")
    assert not SharingGrant.objects.filter(pk=grant.pk).exists()
    access = separation.items.filter(kind=ItemKind.ACCESS).first()
    with pytest.raises(ValidationError):
        services.separation_item_decide(actor=staff, item=access, decision="close")


def _deliver_and_acknowledge(actors, separation):
    services.separation_bundle_deliver(
        actor=actors["orchestrator_staff"], separation=separation, file_name="partner-a.zip",
        sha256=BUNDLE_SHA, size_bytes=len(BUNDLE),
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.separation_bundle_acknowledge(
            actor=actors["partner_a_member"], separation=separation
        )
    return services.separation_bundle_acknowledge(
        actor=actors["partner_a_admin"], separation=separation
    )


def _decide_all(staff, separation):
    for item in SeparationItem.objects.filter(separation=separation, decision="pending"):
        if item.kind in (ItemKind.ACCESS, ItemKind.SHARING):
            decision = "revoke"
        elif item.kind in (ItemKind.DEAL, ItemKind.INTERVENTION, ItemKind.ONBOARDING_TASK):
            decision = "back"
        else:
            decision = "close"
        services.separation_item_decide(actor=staff, item=item, decision=decision, note="ends")


def test_the_daily_job_ends_access_on_the_effective_date(actors, workspace, partner_a, partner_b):
    separation = _start(
        actors["orchestrator_staff"],
        partner_a,
        effective_date=timezone.localdate() + dt.timedelta(days=5),
    )
    before = services.separations_review(workspace=workspace)
    assert before == {"separations": 0, "sign_ins_ended": 0}
    assert Membership.objects.filter(organization=partner_a, is_active=True).exists()
    after = services.separations_review(workspace=workspace, today=separation.effective_date)
    assert after["separations"] == 1 and after["sign_ins_ended"] >= 2
    assert not Membership.objects.filter(organization=partner_a, is_active=True).exists()
    assert Membership.objects.filter(organization=partner_b, is_active=True).exists()
    separation.refresh_from_db()
    assert separation.status == SeparationStatus.IN_TRANSITION
    assert not separation.items.filter(kind=ItemKind.ACCESS, decision="pending").exists()
    # Running it again the same day changes nothing.
    again = services.separations_review(workspace=workspace, today=separation.effective_date)
    assert again == {"separations": 0, "sign_ins_ended": 0}


def test_the_daily_job_is_registered(workspace):
    from ecosys.core.tasks import daily_job_get

    assert daily_job_get("portability.separations_review") is not None


def test_completion_is_gated_by_the_checklist(
    actors, workspace, partner_a, mailoutbox, django_capture_on_commit_callbacks
):
    staff = actors["orchestrator_staff"]
    separation = _start(staff, partner_a)
    closing = {"why": "Different roads", "delivered": "The bundle", "invitation": "Come back"}
    with pytest.raises(ValidationError) as error:
        services.separation_complete(actor=staff, separation=separation, **closing)
    left = " ".join(error.value.messages)
    for step in ("Bundle delivered and acknowledged", "Every item", "Access revoked", "erased"):
        assert step in left
    _deliver_and_acknowledge(actors, separation)
    _decide_all(staff, separation)
    with pytest.raises(ValidationError) as error:
        services.separation_erase(actor=staff, separation=separation)
    assert "access ended" in " ".join(error.value.messages)
    services.separations_review(workspace=workspace, today=separation.effective_date)
    with pytest.raises(ValidationError) as error:
        services.separation_complete(actor=staff, separation=separation, **closing)
    assert [m for m in error.value.messages if "erased" in m]
    assert not [m for m in error.value.messages if "Every item" in m or "Bundle" in m]
    services.separation_erase(actor=staff, separation=separation)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = services.separation_complete(actor=staff, separation=separation, **closing)
    assert done.status == SeparationStatus.COMPLETED and done.closing_invitation == "Come back"
    assert mailoutbox and "Come back" in mailoutbox[0].body


def test_erasure_touches_only_the_leaving_organisation(actors, workspace, partner_a, partner_b):
    staff = actors["orchestrator_staff"]
    separation = _start(staff, partner_a)
    others = {
        p.pk: (p.first_name, p.last_name, p.email)
        for p in Person.objects.exclude(organization=partner_a)
    }
    other_users = {
        m.user_id: m.user.email
        for m in Membership.objects.exclude(organization=partner_a).select_related("user")
    }
    ours = Person.objects.filter(organization=partner_a).count()
    assert ours
    _deliver_and_acknowledge(actors, separation)
    services.separations_review(workspace=workspace, today=separation.effective_date)
    certificate = services.separation_erase(actor=staff, separation=separation)
    assert certificate.bundle_sha256 == BUNDLE_SHA
    assert certificate.counts["people"] == ours and certificate.counts["user_accounts"] >= 2
    assert certificate.erased_by == staff.user
    for person in Person.objects.filter(organization=partner_a):
        assert person.email == "" and person.first_name == "" and "Erased" in person.last_name
    assert {
        p.pk: (p.first_name, p.last_name, p.email)
        for p in Person.objects.exclude(organization=partner_a)
    } == others
    assert not User.objects.filter(email__endswith="@partner-a.example").exists()
    assert {u.pk: u.email for u in User.objects.filter(pk__in=other_users)} == other_users
    with pytest.raises(ValidationError):
        services.separation_erase(actor=staff, separation=separation)


def test_cancel_by_either_side_before_the_effective_date(actors, partner_a):
    separation = _start(actors["partner_a_admin"], partner_a)
    with pytest.raises(PermissionDenied):
        services.separation_cancel(
            actor=actors["partner_a_member"], separation=separation, reason="x"
        )
    cancelled = services.separation_cancel(
        actor=actors["partner_a_admin"], separation=separation, reason="We stay after all"
    )
    assert cancelled.status == SeparationStatus.CANCELLED
    # A new separation may start once the old one is off.
    assert _start(actors["orchestrator_staff"], partner_a).status == SeparationStatus.PLANNED


def test_agreement_item_closed_ends_the_agreement_on_the_effective_date(
    actors, workspace, partner_a, notice_agreement
):
    staff = actors["orchestrator_staff"]
    separation = _start(staff, partner_a)
    item = separation.items.get(target_public_id=notice_agreement.public_id)
    services.separation_item_decide(actor=staff, item=item, decision="close", note="Ends with us")
    agreement = Agreement.objects.get(pk=notice_agreement.pk)
    # Still in force until the effective date, which is now its end date.
    assert agreement.status == AgreementStatus.ACCEPTED
    assert agreement.end_date == separation.effective_date
    services.separations_review(workspace=workspace, today=separation.effective_date)
    assert Agreement.objects.get(pk=notice_agreement.pk).status == AgreementStatus.ENDED


def test_the_organisations_own_bundle_is_produced_and_delivered(
    actors, partner_a, settings, tmp_path
):
    import json
    import zipfile

    settings.MEDIA_ROOT = tmp_path
    staff = actors["orchestrator_staff"]
    separation = _start(staff, partner_a)
    delivery = services.separation_bundle_produce(actor=staff, separation=separation)
    content = delivery.file.open("rb").read()
    assert hashlib.sha256(content).hexdigest() == delivery.sha256
    assert delivery.size_bytes == len(content)
    with zipfile.ZipFile(delivery.file.path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    # The organisation's own share, not the workspace.
    assert "organization" in json.dumps(manifest["scope"])
    assert str(partner_a.public_id) in json.dumps(manifest)
    with pytest.raises(PermissionDenied):
        services.separation_bundle_produce(actor=actors["partner_a_admin"], separation=separation)
