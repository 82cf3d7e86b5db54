"""Partner agreements: templates with versioned terms, issue, acceptance in the portal, renewal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope, Workspace

from .models import (
    Agreement,
    AgreementStatus,
    AgreementTemplate,
    AgreementVersion,
    Partner,
    PartnerState,
    Renewal,
)

REMIND_DAYS_BEFORE_NOTICE = 30


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _orchestrator_writer(actor: Actor, model) -> None:
    if not actor.is_orchestrator or not allows(actor, ADD, model):
        raise PermissionDenied("Only the orchestrator's staff manage agreements.")


@transaction.atomic
def template_create(*, actor: Actor, name: str, description: str = "") -> AgreementTemplate:
    _orchestrator_writer(actor, AgreementTemplate)
    template = AgreementTemplate(
        workspace=actor.workspace, name=(name or "").strip(), description=description.strip()
    )
    if AgreementTemplate.objects.filter(name__iexact=template.name).exists():
        raise ValidationError(
            {"name": "A template with this name exists; publish a new version of it."}
        )
    template.full_clean(exclude=["workspace"])
    template.save()
    audit_record(
        actor=actor, action="create", target=template, changes={"name": [None, template.name]}
    )
    return template


@transaction.atomic
def version_publish(*, actor: Actor, template: AgreementTemplate, **terms: Any) -> AgreementVersion:
    """Publish the next version of a template; published versions never change."""
    _orchestrator_writer(actor, AgreementVersion)
    allowed = {
        "terms",
        "term_months",
        "renewal",
        "notice_days",
        "territory",
        "exclusive",
        "exit_clause",
        "data_return_clause",
    }
    unknown = set(terms) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    last = AgreementVersion.objects.filter(template=template).aggregate(n=Max("number"))["n"] or 0
    version = AgreementVersion(
        workspace=actor.workspace, template=template, number=last + 1, **terms
    )
    errors = {}
    for clause in ("terms", "exit_clause", "data_return_clause"):
        if not str(getattr(version, clause) or "").strip():
            errors[clause] = "Write this clause; an agreement without it cannot be issued."
    try:
        version.full_clean(exclude=["workspace", "template"])
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if (
        version.notice_days
        and version.term_months
        and version.notice_days >= version.term_months * 30
    ):
        errors["notice_days"] = "The notice period must be shorter than the term."
    if errors:
        raise ValidationError(errors)
    version.save()
    audit_record(
        actor=actor,
        action="publish",
        target=version,
        changes={
            "version": [None, version.number],
            "term_months": [None, version.term_months],
            "renewal": [None, version.renewal],
        },
    )
    return version


def _partner_admins(partner: Partner) -> list[str]:
    return list(
        Membership.objects.filter(
            organization=partner.organization, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def agreement_issue(
    *, actor: Actor, partner: Partner, version: AgreementVersion, start_date: dt.date
) -> Agreement:
    """Issue a version of terms to a partner; its admins are asked to accept it in the portal."""
    _orchestrator_writer(actor, Agreement)
    if partner.state == PartnerState.RETIRED:
        raise ValidationError({"partner": "A retired partner cannot receive agreements."})
    if Agreement.objects.filter(
        partner=partner, version__template=version.template, status=AgreementStatus.ISSUED
    ).exists():
        raise ValidationError(
            {"version": "This partner already has this agreement waiting for acceptance."}
        )
    agreement = Agreement.objects.create(
        workspace=actor.workspace,
        partner=partner,
        version=version,
        start_date=start_date,
        end_date=add_months(start_date, version.term_months) - dt.timedelta(days=1),
        issued_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="issue",
        target=agreement,
        changes={"version": [None, str(version)], "start_date": [None, str(start_date)]},
    )
    recipients = _partner_admins(partner)
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=f"An agreement awaits your acceptance: {version}",
                message=(
                    f"{actor.workspace.name} issued “{version}” to {partner.organization}. "
                    "Review and accept it in the partner portal."
                ),
                from_email=None,
                recipient_list=recipients,
            )
        )
    return agreement


def _check_partner_admin(actor: Actor, agreement: Agreement) -> None:
    if (
        actor.membership is None
        or actor.role != Role.EXTERNAL_ADMIN
        or actor.organization_id != agreement.partner.organization_id
        or actor.token_scope == TokenScope.READ
    ):
        raise PermissionDenied("Only an admin of the partner accepts or declines its agreements.")
    if agreement.status != AgreementStatus.ISSUED:
        raise ValidationError(
            f"This agreement is {agreement.get_status_display().lower()}; nothing to decide."
        )


@transaction.atomic
def agreement_accept(
    *, actor: Actor, agreement: Agreement, address: str | None, version_number: int
) -> Agreement:
    """Record the partner admin's acceptance: who, when, which version, from where."""
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("version", "partner")
        .get(pk=agreement.pk)
    )
    _check_partner_admin(actor, agreement)
    if version_number != agreement.version.number:
        raise ValidationError(
            {"version": "The terms changed since you opened them; read the current version again."}
        )
    agreement.status = AgreementStatus.ACCEPTED
    agreement.accepted_by, agreement.accepted_at, agreement.accepted_from = (
        actor.user,
        timezone.now(),
        address,
    )
    agreement.save(update_fields=["status", "accepted_by", "accepted_at", "accepted_from"])
    audit_record(
        actor=actor,
        action="accept",
        target=agreement,
        changes={"version": [None, agreement.version.number], "from": [None, address]},
    )
    return agreement


@transaction.atomic
def agreement_decline(*, actor: Actor, agreement: Agreement, reason: str) -> Agreement:
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("version", "partner")
        .get(pk=agreement.pk)
    )
    _check_partner_admin(actor, agreement)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline, so the orchestrator can respond."})
    agreement.status, agreement.decline_reason = AgreementStatus.DECLINED, reason[:500]
    agreement.save(update_fields=["status", "decline_reason"])
    audit_record(
        actor=actor, action="decline", target=agreement, changes={"reason": [None, reason]}
    )
    return agreement


def _separating(agreement: Agreement) -> bool:
    """A separation under way: an automatic term must end, not renew behind its back."""
    from ecosys.portability.models import OPEN_SEPARATION_STATUSES  # portability builds on us

    return agreement.partner.organization.separations.filter(
        status__in=OPEN_SEPARATION_STATUSES
    ).exists()


def agreements_review(*, workspace: Workspace, today: dt.date | None = None) -> dict[str, int]:
    """The daily pass: remind before notice dates, renew automatic terms, end fixed ones."""
    today = today or timezone.localdate()
    actor = Actor.system(workspace)
    counts = {"reminded": 0, "renewed": 0, "ended": 0}
    in_force = Agreement.objects.filter(status=AgreementStatus.ACCEPTED).select_related(
        "version__template", "partner__organization", "partner__owner"
    )
    for agreement in in_force:
        with transaction.atomic():
            if agreement.end_date < today:
                if agreement.version.renewal == Renewal.AUTO and not _separating(agreement):
                    old_end = agreement.end_date
                    agreement.end_date = add_months(
                        old_end + dt.timedelta(days=1), agreement.version.term_months
                    ) - dt.timedelta(days=1)
                    agreement.reminder_sent_at = None
                    agreement.save(update_fields=["end_date", "reminder_sent_at"])
                    audit_record(
                        actor=actor,
                        action="renew",
                        target=agreement,
                        changes={"end_date": [str(old_end), str(agreement.end_date)]},
                    )
                    counts["renewed"] += 1
                else:
                    agreement.status = AgreementStatus.ENDED
                    agreement.save(update_fields=["status"])
                    audit_record(
                        actor=actor,
                        action="end",
                        target=agreement,
                        changes={"status": ["accepted", "ended"]},
                    )
                    counts["ended"] += 1
                continue
            remind_from = agreement.notice_date - dt.timedelta(days=REMIND_DAYS_BEFORE_NOTICE)
            if agreement.reminder_sent_at is None and remind_from <= today <= agreement.notice_date:
                recipients = _partner_admins(agreement.partner)
                if agreement.partner.owner:
                    recipients.append(agreement.partner.owner.email)
                if recipients:
                    send_mail(
                        subject=f"Notice date {agreement.notice_date:%Y-%m-%d}: {agreement}",
                        message=(
                            f"“{agreement}” ends on {agreement.end_date:%Y-%m-%d} "
                            f"({agreement.version.get_renewal_display().lower()}). "
                            f"Notice must be given by {agreement.notice_date:%Y-%m-%d}."
                        ),
                        from_email=None,
                        recipient_list=sorted(set(recipients)),
                    )
                agreement.reminder_sent_at = timezone.now()
                agreement.save(update_fields=["reminder_sent_at"])
                counts["reminded"] += 1
    return counts
