"""Friendly separation: either side starts it, a plan lists what the relationship holds, a
checklist gates completion (bundle acknowledged, items decided, access ended, data erased or
retained as agreed), and it ends in a short, respectful record."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ecosys.core.access import ADD, CHANGE, Actor, allows
from ecosys.core.audit import audit_record, diff
from ecosys.core.models import Membership, Role, SharingGrant, TokenScope, User, Workspace
from ecosys.ecosystem.models import Organization, Person
from ecosys.partners.models import (
    Agreement,
    AgreementStatus,
    ContinuityItem,
    Partner,
)

from . import transfers
from .models import (
    KIND_DECISIONS,
    OPEN_SEPARATION_STATUSES,
    BundleDelivery,
    DataHandling,
    ErasureCertificate,
    ItemDecision,
    ItemKind,
    Separation,
    SeparationItem,
    SeparationStatus,
    StartedBySide,
)

# EU Data Act, switching chapter: transition at most 30 days, data retrievable at least 30 days.
TRANSITION_MAX_DAYS = 30
RETRIEVAL_MIN_DAYS = 30


def _is_orchestrator_writer(actor: Actor, action: str = CHANGE) -> bool:
    return actor.is_orchestrator and allows(actor, action, Separation)


def _is_leaving_admin(actor: Actor, organization_id: int) -> bool:
    return (
        actor.membership is not None
        and actor.role == Role.EXTERNAL_ADMIN
        and actor.organization_id == organization_id
        and actor.token_scope != TokenScope.READ
    )


def _orchestrator_only(actor: Actor) -> None:
    if not _is_orchestrator_writer(actor):
        raise PermissionDenied("Only the orchestrator's staff do this step of a separation.")


def _in_force_agreements(partner: Partner | None) -> list[Agreement]:
    if partner is None:
        return []
    return list(
        Agreement.objects.filter(partner=partner, status=AgreementStatus.ACCEPTED).select_related(
            "version__template"
        )
    )


def earliest_effective_date(
    organization: Organization, today: dt.date | None = None
) -> tuple[dt.date, Agreement | None]:
    """The first day a separation may take effect: today plus the longest notice in force."""
    today = today or timezone.localdate()
    partner = Partner.objects.filter(organization=organization).first()
    agreements = _in_force_agreements(partner)
    if not agreements:
        return today, None
    governing = max(agreements, key=lambda a: a.version.notice_days)
    return today + dt.timedelta(days=governing.version.notice_days), governing


def _recipients(separation: Separation) -> list[str]:
    """Both sides: the orchestrator's admins and the partner's owner, the leaving admins."""
    emails = set(
        Membership.objects.filter(
            Q(organization_id=separation.workspace.orchestrator_id, role=Role.ORCHESTRATOR_ADMIN)
            | Q(organization_id=separation.organization_id, role=Role.EXTERNAL_ADMIN),
            is_active=True,
        ).values_list("user__email", flat=True)
    )
    if separation.partner and separation.partner.owner:
        emails.add(separation.partner.owner.email)
    return sorted(emails)


def _mail(separation: Separation, subject: str, message: str) -> None:
    recipients = _recipients(separation)
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=message, from_email=None, recipient_list=recipients
            )
        )


def _item(separation, kind, label, target=None) -> SeparationItem:
    return SeparationItem(
        workspace=separation.workspace,
        separation=separation,
        kind=kind,
        label=label[:300],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_public_id=getattr(target, "public_id", None),
    )


def _plan_items(separation: Separation) -> list[SeparationItem]:
    """Everything the relationship holds, as items to decide."""
    from ecosys.performance.models import Intervention, InterventionStatus
    from ecosys.readiness.models import OnboardingTask
    from ecosys.selling.models import OPEN_STATUSES, DealRegistration, DealStatus

    organization, partner = separation.organization, separation.partner
    items: list[SeparationItem] = []
    if partner is not None:
        items.extend(
            _item(separation, ItemKind.DEAL, f"{deal.title} ({deal.customer_name})", deal)
            for deal in DealRegistration.objects.filter(partner=partner, status__in=OPEN_STATUSES)
        )
        items.extend(
            _item(separation, ItemKind.INTERVENTION, intervention.title, intervention)
            for intervention in Intervention.objects.filter(
                partner=partner, status=InterventionStatus.OPEN
            )
        )
        items.extend(
            _item(separation, ItemKind.ONBOARDING_TASK, f"{task.title} (due {task.due_date})", task)
            for task in OnboardingTask.objects.filter(
                plan__partner=partner, done_at__isnull=True
            ).order_by("due_date", "id")
        )
        items.extend(
            _item(separation, ItemKind.AGREEMENT, str(agreement.version), agreement)
            for agreement in Agreement.objects.filter(
                partner=partner, status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED]
            ).select_related("version__template")
        )
        items.extend(
            _item(separation, ItemKind.CONTINUITY, str(entry), entry)
            for entry in ContinuityItem.objects.filter(
                plan__partner=partner, plan__status="open", resolution="pending"
            )
        )
        # No commissions are computed yet: each won deal is listed so nobody forgets it, with
        # no amount invented.
        items.extend(
            _item(
                separation,
                ItemKind.MONEY,
                f"Commissions on won deal {deal.title} "
                f"({deal.estimated_value} {deal.currency}): none computed yet",
                deal,
            )
            for deal in DealRegistration.objects.filter(partner=partner, status=DealStatus.WON)
        )
    items.extend(
        _item(separation, ItemKind.ACCESS, _membership_label(membership), membership)
        for membership in Membership.objects.filter(
            organization=organization, is_active=True
        ).select_related("user")
    )
    person_ids = list(Person.objects.filter(organization=organization).values_list("pk", flat=True))
    grants = SharingGrant.objects.filter(
        Q(organization=organization)
        | Q(target_type=ContentType.objects.get_for_model(Organization), target_id=organization.pk)
        | Q(target_type=ContentType.objects.get_for_model(Person), target_id__in=person_ids)
    ).select_related("target_type", "organization")
    for grant in grants:
        inbound = grant.organization_id == organization.pk
        direction = "shared with it" if inbound else f"shared with {grant.organization}"
        items.append(
            _item(
                separation,
                ItemKind.SHARING,
                f"{grant.target_type.name} #{grant.target_id} {direction} "
                f"({grant.get_access_display()})",
                grant,
            )
        )
    return items


@transaction.atomic
def separation_start(
    *,
    actor: Actor,
    organization: Organization,
    reason: str,
    effective_date: dt.date,
    transition_end: dt.date | None = None,
    data_retrieval_until: dt.date | None = None,
    data_handling: str = DataHandling.ERASE,
    retention_note: str = "",
) -> Separation:
    """Start a separation (the orchestrator or the leaving organisation's admin) with its plan."""
    if _is_orchestrator_writer(actor, ADD):
        side = StartedBySide.ORCHESTRATOR
    elif _is_leaving_admin(actor, organization.pk):
        side = StartedBySide.ORGANIZATION
    else:
        raise PermissionDenied(
            "Only the orchestrator's staff or the organisation's own admin start a separation."
        )
    reason, retention_note = (reason or "").strip(), (retention_note or "").strip()
    errors: dict[str, str] = {}
    if organization.pk == actor.workspace.orchestrator_id:
        errors["organization"] = "The orchestrator cannot separate from itself."
    elif Separation.objects.filter(
        organization=organization, status__in=OPEN_SEPARATION_STATUSES
    ).exists():
        errors["organization"] = "A separation from this organisation is under way already."
    if not reason:
        errors["reason"] = "Say why the relationship ends."
    earliest, agreement = earliest_effective_date(organization)
    if effective_date < earliest:
        if agreement is not None:
            errors["effective_date"] = (
                f"“{agreement.version}” requires {agreement.version.notice_days} days' notice: "
                f"the earliest effective date is {earliest:%Y-%m-%d}."
            )
        else:
            errors["effective_date"] = "The effective date cannot be in the past."
    transition_end = transition_end or effective_date + dt.timedelta(days=TRANSITION_MAX_DAYS)
    data_retrieval_until = data_retrieval_until or effective_date + dt.timedelta(
        days=RETRIEVAL_MIN_DAYS
    )
    if (
        not effective_date
        <= transition_end
        <= effective_date + dt.timedelta(days=TRANSITION_MAX_DAYS)
    ):
        errors["transition_end"] = (
            "The transition ends between the effective date and "
            f"{TRANSITION_MAX_DAYS} days after it."
        )
    if data_retrieval_until < effective_date + dt.timedelta(days=RETRIEVAL_MIN_DAYS):
        errors["data_retrieval_until"] = (
            f"Data stays retrievable at least {RETRIEVAL_MIN_DAYS} days after the effective date."
        )
    if data_handling not in DataHandling.values:
        errors["data_handling"] = "Choose erasure or retention."
    elif data_handling == DataHandling.RETAIN and not retention_note:
        errors["retention_note"] = "Say what the agreement's data-return clause asks to retain."
    if errors:
        raise ValidationError(errors)
    partner = Partner.objects.filter(organization=organization).first()
    separation = Separation.objects.create(
        workspace=actor.workspace,
        organization=organization,
        partner=partner,
        agreement=agreement,
        notice_days=agreement.version.notice_days if agreement else 0,
        data_return_clause=agreement.version.data_return_clause if agreement else "",
        data_handling=data_handling,
        retention_note=retention_note[:500],
        started_by=actor.user,
        started_by_side=side,
        reason=reason[:500],
        effective_date=effective_date,
        transition_end=transition_end,
        data_retrieval_until=data_retrieval_until,
    )
    items = _plan_items(separation)
    SeparationItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action="separation_start",
        target=separation,
        changes=diff(
            {},
            {
                "organization": str(organization),
                "started_by_side": side,
                "reason": separation.reason,
                "effective_date": str(effective_date),
                "transition_end": str(transition_end),
                "data_retrieval_until": str(data_retrieval_until),
                "data_handling": data_handling,
                "items": len(items),
            },
        ),
    )
    starter = "we" if side == StartedBySide.ORCHESTRATOR else str(organization)
    _mail(
        separation,
        f"Separation started: {organization} and {actor.workspace.name}",
        f"A friendly separation was started by {starter} ({actor.label}).\n"
        f"Reason: {separation.reason}\nEffective date: {effective_date:%Y-%m-%d}; transition "
        f"until {transition_end:%Y-%m-%d}; your data can be retrieved until "
        f"{data_retrieval_until:%Y-%m-%d}.\nThe plan lists {len(items)} item(s) to hand over "
        "or close.",
    )
    return separation


@transaction.atomic
def separation_item_decide(
    *,
    actor: Actor,
    item: SeparationItem,
    decision: str,
    successor: Organization | None = None,
    note: str = "",
) -> SeparationItem:
    """Decide one item: transfer to a successor, back to the orchestrator, close, or revoke."""
    _orchestrator_only(actor)
    item = (
        SeparationItem.objects.select_for_update(of=("self",))
        .select_related("separation")
        .get(pk=item.pk)
    )
    if item.separation.status not in OPEN_SEPARATION_STATUSES:
        raise ValidationError("This separation is over; nothing more to decide.")
    if item.decision != ItemDecision.PENDING:
        raise ValidationError("This item is decided already.")
    allowed = KIND_DECISIONS[item.kind]
    note = (note or "").strip()
    if decision not in allowed:
        labels = ", ".join(ItemDecision(value).label.lower() for value in allowed)
        raise ValidationError({"decision": f"For {item.get_kind_display().lower()}: {labels}."})
    if decision == ItemDecision.TRANSFER:
        if successor is None or successor.pk in (
            item.separation.organization_id,
            actor.workspace.orchestrator_id,
        ):
            raise ValidationError({"successor": "Choose the organisation that takes it over."})
    else:
        successor = None
    if decision == ItemDecision.CLOSE and not note:
        raise ValidationError({"note": "Say why the item is closed."})
    # The record itself moves now (deals, interventions, tasks, grants) or on the effective
    # date (agreements in force, sign-ins), through its own app.
    transfers.hand_over(actor=actor, item=item, decision=decision, successor=successor, note=note)
    item.decision, item.successor, item.note = decision, successor, note[:500]
    item.decided_by, item.decided_at = actor.user, timezone.now()
    item.save()
    audit_record(
        actor=actor,
        action="separation_item",
        target=item.separation,
        changes=diff(
            {},
            {
                "item": item.label,
                "decision": decision,
                "successor": str(successor) if successor else None,
                "note": item.note or None,
            },
        ),
    )
    return item


@transaction.atomic
def separation_bundle_deliver(
    *,
    actor: Actor,
    separation: Separation,
    file_name: str,
    sha256: str,
    size_bytes: int,
    file=None,
) -> BundleDelivery:
    """Record the exit bundle handed to the leaving organisation (file, SHA-256, size)."""
    _orchestrator_only(actor)
    sha256 = (sha256 or "").strip().lower()
    errors = {}
    if separation.status not in OPEN_SEPARATION_STATUSES:
        errors["separation"] = "This separation is over."
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        errors["sha256"] = "Give the bundle's SHA-256 as 64 hexadecimal characters."
    if not (file_name or "").strip():
        errors["file_name"] = "Name the bundle file."
    if size_bytes is None or size_bytes <= 0:
        errors["size_bytes"] = "The bundle cannot be empty."
    if errors:
        raise ValidationError(errors)
    delivery = BundleDelivery(
        workspace=actor.workspace,
        separation=separation,
        file_name=file_name.strip()[:255],
        sha256=sha256,
        size_bytes=size_bytes,
        delivered_by=actor.user,
    )
    if file is not None:
        delivery.file.save(f"{uuid.uuid4().hex}.zip", file, save=False)
    delivery.save()
    audit_record(
        actor=actor,
        action="separation_bundle",
        target=separation,
        changes=diff({}, {"file_name": delivery.file_name, "sha256": sha256, "size": size_bytes}),
    )
    return delivery


def separation_bundle_produce(*, actor: Actor, separation: Separation) -> BundleDelivery:
    """Export the leaving organisation's own bundle ("everything that is ours") and deliver it."""
    from .bundle_export import ORGANIZATION, export_bundle

    _orchestrator_only(actor)
    with tempfile.TemporaryFile() as out:
        export_bundle(
            actor.workspace, scope=ORGANIZATION, organization=separation.organization, out=out
        )
        size, digest = out.tell(), hashlib.sha256()
        out.seek(0)
        for chunk in iter(lambda: out.read(1024 * 1024), b""):
            digest.update(chunk)
        out.seek(0)
        return separation_bundle_deliver(
            actor=actor,
            separation=separation,
            file_name=f"ecosys-bundle-{separation.organization.public_id}-"
            f"{timezone.localdate():%Y%m%d}.zip",
            sha256=digest.hexdigest(),
            size_bytes=size,
            file=File(out),
        )


@transaction.atomic
def separation_bundle_acknowledge(*, actor: Actor, separation: Separation) -> BundleDelivery:
    """The leaving organisation's admin confirms it received the latest bundle."""
    if not _is_leaving_admin(actor, separation.organization_id):
        raise PermissionDenied("Only an admin of the leaving organisation acknowledges the bundle.")
    delivery = (
        BundleDelivery.objects.select_for_update(of=("self",))
        .filter(separation=separation)
        .order_by("-delivered_at", "-id")
        .first()
    )
    if delivery is None:
        raise ValidationError("No bundle has been delivered yet.")
    if delivery.acknowledged_at is not None:
        raise ValidationError("This bundle is acknowledged already.")
    delivery.acknowledged_by, delivery.acknowledged_at = actor.user, timezone.now()
    delivery.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=actor,
        action="separation_acknowledge",
        target=separation,
        changes=diff({}, {"sha256": delivery.sha256, "acknowledged_by": actor.label}),
    )
    return delivery


def acknowledged_bundle(separation: Separation) -> BundleDelivery | None:
    return (
        separation.deliveries.filter(acknowledged_at__isnull=False)
        .order_by("-acknowledged_at", "-id")
        .first()
    )


def separation_access_end(*, separation: Separation, actor: Actor) -> int:
    """The effective date: the leaving organisation's sign-ins and agreements end, the partner
    retires and its relationships with the orchestrator end."""
    memberships = list(
        Membership.objects.filter(organization=separation.organization, is_active=True)
    )
    for membership in memberships:
        transfers.membership_end(membership=membership, separation=separation)
    now = timezone.now()
    separation.access_revoked_at = now
    if separation.status == SeparationStatus.PLANNED:
        separation.status = SeparationStatus.IN_TRANSITION
    separation.save(update_fields=["access_revoked_at", "status"])
    SeparationItem.objects.filter(
        separation=separation, kind=ItemKind.ACCESS, decision=ItemDecision.PENDING
    ).update(decision=ItemDecision.REVOKE, decided_at=now, note="Ended on the effective date")
    # Members who joined after the plan was made are on the record too.
    listed = set(
        separation.items.filter(kind=ItemKind.ACCESS).values_list("target_public_id", flat=True)
    )
    late = [m for m in memberships if m.public_id not in listed]
    for item in (_item(separation, ItemKind.ACCESS, _membership_label(m), m) for m in late):
        item.decision, item.decided_at, item.note = (
            ItemDecision.REVOKE,
            now,
            "Ended on the effective date",
        )
        item.save()
    agreements_ended = _agreements_end(separation, actor)
    _relationship_end(separation, actor)
    audit_record(
        actor=actor,
        action="separation_access_end",
        target=separation,
        changes=diff(
            {},
            {
                "sign_ins_ended": len(memberships),
                "agreements_ended": agreements_ended,
                "status": separation.status,
            },
        ),
    )
    _mail(
        separation,
        f"Separation effective today: {separation.organization}",
        f"The separation of {separation.organization} and {separation.workspace.name} is "
        f"effective: {len(memberships)} sign-in(s) and {agreements_ended} agreement(s) ended. "
        f"The transition runs until {separation.transition_end:%Y-%m-%d}; data can be "
        f"retrieved until {separation.data_retrieval_until:%Y-%m-%d}.",
    )
    return len(memberships)


def _membership_label(membership: Membership) -> str:
    return f"{membership.user.email} ({membership.get_role_display()})"


def _agreements_end(separation: Separation, actor: Actor) -> int:
    """Every agreement still issued or in force ends on the effective date."""
    if separation.partner is None:
        return 0
    reason = f"Separation of {separation.organization} effective"
    in_force = Agreement.objects.select_for_update(of=("self",)).filter(
        partner=separation.partner,
        status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED],
    )
    ended = 0
    for agreement in in_force:
        transfers.agreement_end_on(
            actor=actor,
            agreement=agreement,
            day=separation.effective_date,
            reason=reason,
            now=True,
        )
        ended += 1
    SeparationItem.objects.filter(
        separation=separation, kind=ItemKind.AGREEMENT, decision=ItemDecision.PENDING
    ).update(
        decision=ItemDecision.CLOSE, decided_at=timezone.now(), note="Ended on the effective date"
    )
    return ended


def _relationship_end(separation: Separation, actor: Actor) -> None:
    """The partner retires, leaves the locator, and its relationships with us end."""
    from ecosys.ecosystem.models import Relationship, RelationshipState
    from ecosys.ecosystem.services import relationship_transition
    from ecosys.partners.locator import listing_save
    from ecosys.partners.models import LocatorListing, PartnerState
    from ecosys.partners.services import partner_transition

    reason = f"Friendly separation effective {separation.effective_date:%Y-%m-%d}"
    partner = separation.partner
    if partner is not None:
        partner.refresh_from_db()
        if partner.state != PartnerState.RETIRED:
            partner_transition(
                actor=actor,
                partner=partner,
                to_state=PartnerState.RETIRED,
                reason=reason,
                via_plan=True,
            )
        if LocatorListing.objects.filter(partner=partner, published=True).exists():
            listing_save(actor=actor, partner=partner, published=False)
    orchestrator_id, organization_id = (
        separation.workspace.orchestrator_id,
        separation.organization_id,
    )
    ours = Relationship.objects.filter(
        Q(source_id=orchestrator_id, target_id=organization_id)
        | Q(source_id=organization_id, target_id=orchestrator_id),
    ).exclude(state=RelationshipState.ENDED)
    for relationship in ours:
        relationship_transition(
            actor=actor, relationship=relationship, to_state=RelationshipState.ENDED, reason=reason
        )


def separations_review(*, workspace: Workspace, today: dt.date | None = None) -> dict[str, int]:
    """The daily pass: separations whose effective date has come end the leaving sign-ins."""
    today = today or timezone.localdate()
    actor = Actor.system(workspace)
    counts = {"separations": 0, "sign_ins_ended": 0}
    due = Separation.objects.filter(
        status__in=OPEN_SEPARATION_STATUSES,
        effective_date__lte=today,
        access_revoked_at__isnull=True,
    ).select_related("organization", "partner__owner", "workspace")
    for separation in due:
        with transaction.atomic():
            counts["sign_ins_ended"] += separation_access_end(separation=separation, actor=actor)
            counts["separations"] += 1
    return counts


@transaction.atomic
def separation_erase(*, actor: Actor, separation: Separation) -> ErasureCertificate:
    """Anonymise the leaving organisation's own personal data (its people and its members'
    names and e-mails, nothing of others) and certify it with the hash of the bundle."""
    _orchestrator_only(actor)
    separation = Separation.objects.select_for_update(of=("self",)).get(pk=separation.pk)
    problems = []
    if separation.status not in OPEN_SEPARATION_STATUSES:
        problems.append("This separation is over.")
    if separation.data_handling != DataHandling.ERASE:
        problems.append("The agreement asks to retain this data; it is not erased.")
    if ErasureCertificate.objects.filter(separation=separation).exists():
        problems.append("The data was erased already.")
    bundle = acknowledged_bundle(separation)
    if bundle is None:
        problems.append("Erase only after the leaving organisation acknowledged its bundle.")
    if separation.access_revoked_at is None:
        problems.append("Erase only after access ended on the effective date.")
    if problems:
        raise ValidationError(problems)
    organization = separation.organization
    people = Person.objects.filter(organization=organization)
    people_count = 0
    for person in people.only("pk", "public_id"):
        Person.objects.filter(pk=person.pk).update(
            first_name="",
            last_name=f"Erased {str(person.public_id)[:8]}",
            email="",
            phone="",
            location="",
        )
        people_count += 1
    # A user who is also a member elsewhere keeps their account; only accounts that belong to
    # the leaving organisation alone are anonymised.
    member_user_ids = set(
        Membership.objects.filter(organization=organization).values_list("user_id", flat=True)
    )
    elsewhere = set(
        Membership.objects.filter(user_id__in=member_user_ids)
        .exclude(organization=organization)
        .values_list("user_id", flat=True)
    )
    from django_scopes import scopes_disabled

    with scopes_disabled():
        elsewhere |= set(
            Membership.objects.filter(user_id__in=member_user_ids)
            .exclude(workspace=actor.workspace)
            .values_list("user_id", flat=True)
        )
    users_count = 0
    for user in User.objects.filter(pk__in=member_user_ids - elsewhere):
        user.email = f"erased-{user.public_id}@erased.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
        users_count += 1
    counts = {
        "people": people_count,
        "user_accounts": users_count,
        "user_accounts_kept_member_elsewhere": len(member_user_ids & elsewhere),
    }
    certificate = ErasureCertificate.objects.create(
        workspace=actor.workspace,
        separation=separation,
        erased_by=actor.user,
        erased_by_label=actor.label,
        counts=counts,
        bundle_sha256=bundle.sha256,
    )
    audit_record(
        actor=actor,
        action="separation_erase",
        target=separation,
        changes=diff({}, {**counts, "bundle_sha256": bundle.sha256}),
    )
    return certificate


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    detail: str = ""


def checklist(separation: Separation) -> list[Step]:
    """What must be true before the separation completes."""
    bundle = acknowledged_bundle(separation)
    delivered = separation.deliveries.exists()
    pending = separation.items.filter(decision=ItemDecision.PENDING).count()
    if separation.data_handling == DataHandling.ERASE:
        erased = ErasureCertificate.objects.filter(separation=separation).exists()
        data_step = Step(
            "data",
            "Leaving party's personal data erased, with a certificate",
            erased,
            "" if erased else "not erased yet",
        )
    else:
        data_step = Step(
            "data", "Data retained as the agreement says", True, separation.retention_note
        )
    return [
        Step(
            "bundle",
            "Bundle delivered and acknowledged",
            bundle is not None,
            (f"SHA-256 {bundle.sha256}" if bundle else "delivered, not acknowledged")
            if delivered
            else "no bundle delivered",
        ),
        Step(
            "items",
            "Every item transferred, returned, closed or revoked",
            pending == 0,
            f"{pending} item(s) to decide" if pending else "",
        ),
        Step(
            "access",
            "Access revoked and agreements ended on the effective date",
            separation.access_revoked_at is not None,
            f"{separation.access_revoked_at:%Y-%m-%d}"
            if separation.access_revoked_at
            else f"on {separation.effective_date:%Y-%m-%d} by the daily job",
        ),
        data_step,
    ]


def delivered_summary(separation: Separation) -> str:
    """A first draft of "what was delivered" for the closing record, from the facts."""
    lines = []
    bundle = acknowledged_bundle(separation)
    if bundle is not None:
        lines.append(
            f"Our bundle {bundle.file_name} ({bundle.size_bytes:,} bytes, SHA-256 "
            f"{bundle.sha256}), acknowledged on {bundle.acknowledged_at:%Y-%m-%d}."
        )
    decided = {}
    for item in separation.items.exclude(decision=ItemDecision.PENDING):
        key = (item.get_kind_display(), item.get_decision_display().lower())
        decided[key] = decided.get(key, 0) + 1
    lines.extend(f"{kind}: {count} {decision}." for (kind, decision), count in decided.items())
    certificate = ErasureCertificate.objects.filter(separation=separation).first()
    if certificate is not None:
        counts = ", ".join(
            f"{value} {key.replace('_', ' ')}" for key, value in certificate.counts.items()
        )
        lines.append(f"Personal data erased on {certificate.erased_at:%Y-%m-%d} ({counts}).")
    elif separation.data_handling == DataHandling.RETAIN:
        lines.append(f"Data retained as the agreement says: {separation.retention_note}")
    return "\n".join(lines)


def holdings(items) -> list[tuple[str, int, int]]:
    """Per kind of item: how many the relationship holds and how many are still to decide."""
    totals: dict[str, list[int]] = {}
    for item in items:
        entry = totals.setdefault(item.get_kind_display(), [0, 0])
        entry[0] += 1
        entry[1] += item.decision == ItemDecision.PENDING
    return [(kind, total, pending) for kind, (total, pending) in totals.items()]


@transaction.atomic
def separation_complete(
    *, actor: Actor, separation: Separation, why: str, delivered: str, invitation: str
) -> Separation:
    """Complete the separation once the checklist is done, with its closing record."""
    _orchestrator_only(actor)
    separation = Separation.objects.select_for_update(of=("self",)).get(pk=separation.pk)
    if separation.status not in OPEN_SEPARATION_STATUSES:
        raise ValidationError("This separation is over already.")
    left = [
        f"{step.label}{f' ({step.detail})' if step.detail else ''}"
        for step in checklist(separation)
        if not step.done
    ]
    if left:
        raise ValidationError(["The separation cannot complete yet. Still open:", *left])
    errors = {}
    why, delivered, invitation = (
        (why or "").strip(),
        (delivered or "").strip(),
        (invitation or "").strip(),
    )
    if not why:
        errors["why"] = "Say, in a sentence, why the relationship ended."
    if not delivered:
        errors["delivered"] = "Say what was delivered to the leaving organisation."
    if not invitation:
        errors["invitation"] = "Leave the door open: write the invitation to come back."
    if errors:
        raise ValidationError(errors)
    separation.closing_why, separation.closing_delivered = why, delivered
    separation.closing_invitation = invitation
    separation.status = SeparationStatus.COMPLETED
    separation.completed_by, separation.completed_at = actor.user, timezone.now()
    separation.save()
    audit_record(
        actor=actor,
        action="separation_complete",
        target=separation,
        changes=diff({}, {"status": separation.status, "why": why, "delivered": delivered}),
    )
    _mail(
        separation,
        f"Separation completed: {separation.organization}",
        f"The separation of {separation.organization} and {separation.workspace.name} is "
        f"complete.\n\nWhy: {why}\nWhat was delivered: {delivered}\n\n{invitation}",
    )
    return separation


@transaction.atomic
def separation_cancel(*, actor: Actor, separation: Separation, reason: str) -> Separation:
    """Call the separation off (either side) while access has not ended yet."""
    if not (_is_orchestrator_writer(actor) or _is_leaving_admin(actor, separation.organization_id)):
        raise PermissionDenied("Only the orchestrator's staff or the organisation's admin cancel.")
    separation = Separation.objects.select_for_update(of=("self",)).get(pk=separation.pk)
    reason = (reason or "").strip()
    if separation.status != SeparationStatus.PLANNED or separation.access_revoked_at:
        raise ValidationError("Only a planned separation, before its effective date, is cancelled.")
    if not reason:
        raise ValidationError({"reason": "Say why the separation is called off."})
    separation.status, separation.cancel_reason = SeparationStatus.CANCELLED, reason[:500]
    separation.save(update_fields=["status", "cancel_reason"])
    audit_record(
        actor=actor,
        action="separation_cancel",
        target=separation,
        changes=diff({}, {"status": separation.status, "reason": separation.cancel_reason}),
    )
    return separation
