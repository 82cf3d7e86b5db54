"""Each decision of a separation plan does what it says to the record it names, through the
owning app, and the effective date ends sign-ins, agreements, the partnership itself."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecosys.core.models import AuditEvent, Membership, Role, SharingGrant, User
from ecosys.core.services import grant_share
from ecosys.ecosystem.models import Organization, Relationship, RelationshipKind
from ecosys.partners import agreements
from ecosys.partners.continuity import plan_open
from ecosys.partners.models import (
    AgreementStatus,
    ContinuityItem,
    LocatorListing,
    Partner,
    PartnerState,
    Renewal,
)
from ecosys.performance.actions import intervention_open
from ecosys.performance.models import Intervention, InterventionStatus
from ecosys.portability import services
from ecosys.portability.models import ItemDecision, ItemKind, SeparationItem
from ecosys.readiness.models import OnboardingTask, Side
from ecosys.readiness.services import plan_start, template_save
from ecosys.selling.models import DealRegistration, DealStatus


def _start(actor, organization):
    earliest, _ = services.earliest_effective_date(organization)
    return services.separation_start(
        actor=actor, organization=organization, reason="We part as friends", effective_date=earliest
    )


def _item(separation, target) -> SeparationItem:
    return separation.items.get(target_public_id=target.public_id)


def _deal(partner_org, customer_name) -> DealRegistration:
    return DealRegistration.objects.get(
        partner__organization=partner_org, customer_name=customer_name
    )


def test_a_deal_handed_to_a_successor_moves_to_it(
    actors, partner_a, partner_b, mailoutbox, django_capture_on_commit_callbacks
):
    staff = actors["orchestrator_staff"]
    Membership.objects.filter(organization=partner_b).update(role=Role.EXTERNAL_ADMIN)
    deal = _deal(partner_a, "Zenith Robotics Inc.")
    separation = _start(staff, partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.separation_item_decide(
            actor=staff, item=_item(separation, deal), decision="transfer", successor=partner_b
        )
    deal.refresh_from_db()
    assert deal.partner.organization == partner_b
    assert deal.status == DealStatus.SUBMITTED
    step = deal.history.order_by("-id").first()
    assert "Handed over from Harbor Controls to Union Controls" in step.reason
    assert AuditEvent.objects.filter(action="transfer", target_public_id=deal.public_id).exists()
    told = [m for m in mailoutbox if "member@partner-b.example" in m.to]
    assert told and deal.title in told[0].subject


def test_a_deal_cannot_go_to_a_successor_with_a_rival_registration_or_no_partnership(
    actors, workspace, partner_a, partner_b
):
    staff = actors["orchestrator_staff"]
    # Partner B registered Ember Industrial too: handing A's approved one over would double it.
    deal = _deal(partner_a, "Ember Industrial")
    separation = _start(staff, partner_a)
    item = _item(separation, deal)
    with pytest.raises(ValidationError) as error:
        services.separation_item_decide(
            actor=staff, item=item, decision="transfer", successor=partner_b
        )
    assert "already has an open registration" in error.value.message_dict["successor"][0]
    customer = Organization.objects.filter(partner__isnull=True).exclude(
        pk=workspace.orchestrator_id
    ).first()  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.separation_item_decide(
            actor=staff, item=item, decision="transfer", successor=customer
        )
    assert "not an active partner" in error.value.message_dict["successor"][0]
    deal.refresh_from_db()
    item.refresh_from_db()
    assert deal.partner.organization == partner_a and item.decision == ItemDecision.PENDING


def test_deals_back_to_the_orchestrator_end_the_partners_registration(actors, partner_a):
    staff = actors["orchestrator_staff"]
    approved = _deal(partner_a, "Ember Industrial")
    submitted = _deal(partner_a, "Zenith Robotics Inc.")
    separation = _start(staff, partner_a)
    services.separation_item_decide(actor=staff, item=_item(separation, approved), decision="back")
    services.separation_item_decide(
        actor=staff, item=_item(separation, submitted), decision="close", note="Customer gone"
    )
    approved.refresh_from_db()
    submitted.refresh_from_db()
    assert approved.status == DealStatus.EXPIRED and approved.closed_at is not None
    assert "Back to the orchestrator" in approved.history.order_by("-id").first().reason
    assert submitted.status == DealStatus.REJECTED
    assert submitted.decision_reason.endswith("Customer gone")


def test_interventions_are_cancelled_with_the_reason(actors, partner_a):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    intervention = intervention_open(
        actor=staff,
        partner=partner,
        title="Recover sales",
        owner=staff.user,
        due_date=timezone.localdate() + dt.timedelta(days=20),
    )
    separation = _start(staff, partner_a)
    item = separation.items.get(kind=ItemKind.INTERVENTION)
    services.separation_item_decide(actor=staff, item=item, decision="close", note="Moot now")
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.CANCELLED
    assert intervention.outcome_note.endswith("Moot now")
    assert Intervention.objects.filter(partner=partner, status="open").count() == 0


def test_onboarding_tasks_are_taken_back_or_closed(actors, partner_a):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    template = template_save(
        actor=staff, name="Separation test", source="5 | partner | Sign up\n9 | partner | Train"
    )
    plan_start(actor=staff, partner=partner, template=template)
    separation = _start(staff, partner_a)
    sign_up, train = (
        separation.items.get(kind=ItemKind.ONBOARDING_TASK, label__startswith=title)
        for title in ("Sign up", "Train")
    )
    services.separation_item_decide(actor=staff, item=sign_up, decision="back")
    services.separation_item_decide(actor=staff, item=train, decision="close", note="Leaving")
    tasks = {t.title: t for t in OnboardingTask.objects.filter(plan__partner=partner)}
    assert tasks["Sign up"].side == Side.ORCHESTRATOR and tasks["Sign up"].done_at is None
    assert tasks["Train"].done_at is not None and tasks["Train"].done_by == staff.user
    assert AuditEvent.objects.filter(action="task_closed", changes__icontains="Leaving").exists()


def test_continuity_relationships_are_handed_over(actors, partner_a, partner_b):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    plan_open(actor=staff, partner=partner, effective_date=timezone.localdate(), reason="r")
    separation = _start(staff, partner_a)
    relationship_item = separation.items.filter(
        kind=ItemKind.CONTINUITY, label__contains="serves"
    ).first()
    services.separation_item_decide(
        actor=staff, item=relationship_item, decision="transfer", successor=partner_b
    )
    entry = ContinuityItem.objects.get(public_id=relationship_item.target_public_id)
    assert entry.resolution == "reassigned" and entry.successor == partner_b
    old = Relationship.objects.get(public_id=entry.target_public_id)
    assert old.state == "ended"
    assert Relationship.objects.filter(
        source=partner_b, target=old.target, kind=old.kind, state="active"
    ).exists()


def test_sharing_grants_are_revoked_through_core(actors, partner_a):
    staff = actors["orchestrator_staff"]
    customer = Organization.objects.filter(roles__role="customer").first()
    grant = grant_share(actor=staff, target=customer, organization=partner_a)
    separation = _start(staff, partner_a)
    services.separation_item_decide(actor=staff, item=_item(separation, grant), decision="revoke")
    assert not SharingGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action="unshare").exists()


def test_the_effective_date_ends_access_agreements_and_the_partnership(
    actors, workspace, partner_a, partner_b
):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    template = agreements.template_create(actor=staff, name="Auto-renewing reseller")
    version = agreements.version_publish(
        actor=staff, template=template, terms="t", exit_clause="e", data_return_clause="d",
        notice_days=10, renewal=Renewal.AUTO,
    )  # fmt: skip
    agreement = agreements.agreement_issue(
        actor=staff, partner=partner, version=version, start_date=timezone.localdate()
    )
    agreements.agreement_accept(
        actor=actors["partner_a_admin"], agreement=agreement, address=None, version_number=1
    )
    LocatorListing.objects.create(workspace=workspace, partner=partner, published=True)
    separation = _start(staff, partner_a)
    assert separation.effective_date == timezone.localdate() + dt.timedelta(days=10)
    # Someone joins the leaving organisation after the plan was made.
    late_user = User.objects.create_user(email="late@partner-a.example", password="x" * 12)
    late = Membership.objects.create(
        workspace=workspace, user=late_user, organization=partner_a, role=Role.EXTERNAL_MEMBER
    )
    counts = services.separations_review(workspace=workspace, today=separation.effective_date)
    assert counts["sign_ins_ended"] == 3
    assert not Membership.objects.filter(organization=partner_a, is_active=True).exists()
    assert AuditEvent.objects.filter(action="suspend", target_public_id=late.public_id).exists()
    assert separation.items.get(target_public_id=late.public_id).decision == ItemDecision.REVOKE
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED
    assert agreement.end_date == separation.effective_date
    assert separation.items.get(target_public_id=agreement.public_id).decision == "close"
    partner.refresh_from_db()
    assert partner.state == PartnerState.RETIRED
    assert not LocatorListing.objects.get(partner=partner).published
    helix = workspace.orchestrator
    assert not Relationship.objects.filter(
        source=helix, target=partner_a, state__in=["proposed", "active", "suspended"]
    ).exists()
    assert Relationship.objects.filter(
        source=helix, target=partner_a, kind=RelationshipKind.SELLS_THROUGH, state="ended"
    ).exists()
    # Partner B is untouched.
    assert Partner.objects.get(organization=partner_b).state == PartnerState.ACTIVE
    assert Membership.objects.filter(organization=partner_b, is_active=True).exists()


def test_a_member_revoked_after_the_effective_date_ends_at_once(actors, workspace, partner_a):
    staff = actors["orchestrator_staff"]
    separation = _start(staff, partner_a)
    services.separations_review(workspace=workspace, today=separation.effective_date)
    # A sign-in restored by mistake after the effective date is ended by its plan item.
    membership = Membership.objects.get(user__email="member@partner-a.example")
    Membership.objects.filter(pk=membership.pk).update(is_active=True)
    item = _item(separation, membership)
    SeparationItem.objects.filter(pk=item.pk).update(decision="pending", decided_at=None)
    services.separation_item_decide(actor=staff, item=item, decision="revoke")
    assert not Membership.objects.get(pk=membership.pk).is_active
