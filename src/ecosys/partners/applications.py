"""Applications from the public "become a partner" page and their step-by-step approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.core.models import Channel, Role, TokenScope, User, Workspace
from ecosys.core.services import member_add
from ecosys.ecosystem.models import EcosystemRole, Organization, Region, country_choices
from ecosys.ecosystem.services import organization_create

from .models import (
    Application,
    ApplicationDecision,
    ApplicationStatus,
    ApprovalStep,
    PartnerState,
)
from .services import partner_create, partner_transition

APPLICANT_TYPES = [
    (value, label)
    for value, label in EcosystemRole.choices
    if value
    in {
        EcosystemRole.DISTRIBUTOR,
        EcosystemRole.DEALER,
        EcosystemRole.INTEGRATOR,
        EcosystemRole.AGENT,
        EcosystemRole.FRANCHISEE,
        EcosystemRole.COMPLEMENTARY,
        EcosystemRole.SERVICE_COMPANY,
    }  # fmt: skip
]
MIN_FILL_SECONDS = 3  # bots post a form the instant they load it
MAX_PER_ADDRESS_PER_HOUR = 5
FORM_SALT = "ecosys.partners.apply"
DECIDERS = {Role.ORCHESTRATOR_ADMIN, Role.ORCHESTRATOR_STAFF}


def form_token() -> str:
    """A signed timestamp put in the public form, to tell humans from instant bot posts."""
    return signing.dumps(timezone.now().timestamp(), salt=FORM_SALT)


def _check_not_spam(
    *, token: str, honeypot: str, address: str | None, workspace: Workspace
) -> None:
    if honeypot:
        raise ValidationError("The form could not be accepted.")
    try:
        started = signing.loads(token, salt=FORM_SALT, max_age=dt.timedelta(hours=6))
    except signing.BadSignature as error:
        raise ValidationError("The form has expired; reload the page and send it again.") from error
    if timezone.now().timestamp() - float(started) < MIN_FILL_SECONDS:
        raise ValidationError("The form was sent too fast; please check it and send it again.")
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    recent = Application.objects.filter(submitted_from=address, created_at__gte=hour_ago)
    if address and recent.count() >= MAX_PER_ADDRESS_PER_HOUR:
        raise ValidationError("Too many applications from your network; try again in an hour.")


@transaction.atomic
def application_submit(
    *,
    workspace: Workspace,
    data: dict[str, Any],
    token: str,
    honeypot: str = "",
    address: str | None = None,
) -> Application:
    """Accept an application from the public page (no sign-in), after every check."""
    _check_not_spam(token=token, honeypot=honeypot, address=address, workspace=workspace)
    errors: dict[str, str] = {}
    fields = {key: str(data.get(key) or "").strip() for key in (
        "company_name", "website_domain", "country", "region", "partner_type",
        "contact_name", "contact_email", "message")}  # fmt: skip
    for key in (
        "company_name",
        "website_domain",
        "country",
        "partner_type",
        "contact_name",
        "contact_email",
    ):
        if not fields[key]:
            errors[key] = "This field is required."
    domain = fields["website_domain"].lower()
    if domain:
        probe = Organization(website_domain=domain)
        try:
            probe.clean()
        except ValidationError as error:
            errors["website_domain"] = " ".join(error.message_dict["website_domain"])
    if fields["country"] and fields["country"].upper() not in dict(country_choices()):
        errors["country"] = "Choose a country from the list."
    if fields["region"] and fields["region"] not in Region.values:
        errors["region"] = "Choose a region from the list."
    if fields["partner_type"] and fields["partner_type"] not in dict(APPLICANT_TYPES):
        errors["partner_type"] = "Choose how you would work with us."
    if fields["contact_email"]:
        try:
            validate_email(fields["contact_email"])
        except ValidationError:
            errors["contact_email"] = "Enter a valid e-mail address."
    if len(fields["message"]) > 5000:
        errors["message"] = "At most 5,000 characters."
    if domain and "website_domain" not in errors:
        if (
            Application.objects.filter(website_domain=domain)
            .exclude(status=ApplicationStatus.REJECTED)
            .exists()
        ):
            errors["website_domain"] = (
                "An application for this domain is already in review or approved."
            )
        elif Organization.objects.filter(website_domain=domain).exists():
            errors["website_domain"] = (
                "This company is already part of our ecosystem; contact your channel manager."
            )
    if errors:
        raise ValidationError(errors)
    application = Application.objects.create(
        workspace=workspace,
        company_name=fields["company_name"][:200],
        website_domain=domain,
        country=fields["country"].upper(),
        region=fields["region"],
        partner_type=fields["partner_type"],
        contact_name=fields["contact_name"][:150],
        contact_email=fields["contact_email"].lower(),
        message=fields["message"],
        current_step=ApprovalStep.objects.order_by("position").first(),
        submitted_from=address,
    )
    audit_record(
        actor=Actor.system(workspace, channel=Channel.WEB),
        action="apply",
        target=application,
        changes={"company": [None, application.company_name], "domain": [None, domain]},
    )
    transaction.on_commit(lambda: _notify_submitted(application))
    return application


def _notify_submitted(application: Application) -> None:
    send_mail(
        subject=f"We received your application, {application.company_name}",
        message=(
            f"Hello {application.contact_name},\n\nthank you for applying to become a partner of "
            f"{application.workspace.name}. We review every application and will write to you "
            "with our decision.\n"
        ),
        from_email=None,
        recipient_list=[application.contact_email],
    )
    approvers = _approvers(application)
    if approvers:
        send_mail(
            subject=f"New partner application: {application.company_name}",
            message=(
                f"{application.company_name} ({application.website_domain}) applied "
                "and awaits your review."
            ),
            from_email=None,
            recipient_list=sorted(approvers),
        )


def _approvers(application: Application) -> set[str]:
    if application.current_step is not None:
        return set(application.current_step.approvers.values_list("email", flat=True))
    return set(
        User.objects.filter(
            memberships__workspace=application.workspace,
            memberships__role__in=DECIDERS,
            memberships__is_active=True,
        ).values_list("email", flat=True)
    )


def can_decide(actor: Actor, application: Application) -> bool:
    """Whether the actor may decide the application's current step."""
    if application.status != ApplicationStatus.PENDING or actor.user is None:
        return False
    if (
        not actor.is_orchestrator
        or actor.token_scope == TokenScope.READ
        or actor.role not in DECIDERS
    ):
        return False
    if application.current_step is None:
        return True
    return application.current_step.approvers.filter(pk=actor.user.pk).exists()


@transaction.atomic
def application_decide(
    *, actor: Actor, application: Application, decision: str, comment: str = ""
) -> Application:
    """Record a decision on the current step; the last approval creates the partner."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    comment = (comment or "").strip()
    if decision not in ("approve", "reject", "comment"):
        raise ValidationError({"decision": "Approve, reject or comment."})
    if actor.token_scope == TokenScope.READ:
        raise PermissionDenied("A read token cannot decide or comment.")
    if decision == "comment":
        if application.status != ApplicationStatus.PENDING or not actor.is_orchestrator:
            raise PermissionDenied("Only the orchestrator comments on applications in review.")
        if not comment:
            raise ValidationError({"comment": "Write the comment."})
    elif not can_decide(actor, application):
        raise PermissionDenied("You are not an approver of this application's current step.")
    if decision == "reject" and not comment:
        raise ValidationError(
            {"comment": "Give the reason for the rejection; the applicant is told."}
        )
    step = application.current_step
    ApplicationDecision.objects.create(
        workspace=actor.workspace,
        application=application,
        step=step,
        step_name=step.name if step else "Review",
        decided_by=actor.user,
        decision=decision,
        comment=comment,
    )
    if decision == "comment":
        return application
    if decision == "reject":
        application.status, application.decided_at = ApplicationStatus.REJECTED, timezone.now()
        application.save(update_fields=["status", "decided_at"])
        _tell_applicant(application, approved=False, reason=comment)
    else:
        following = (
            ApprovalStep.objects.filter(position__gt=step.position).order_by("position").first()
            if step
            else None
        )
        if following is not None:
            application.current_step = following
            application.save(update_fields=["current_step"])
        else:
            _approve(actor, application)
    audit_record(
        actor=actor,
        action=decision,
        target=application,
        changes={"step": [None, step.name if step else "Review"], "comment": [None, comment]},
    )
    return application


def _approve(actor: Actor, application: Application) -> None:
    """The partner organisation, its partner record in onboarding, and its first admin."""
    organization = organization_create(
        actor=actor,
        name=application.company_name,
        roles=[application.partner_type],
        country=application.country,
        region=application.region,
        website_domain=application.website_domain,
        description=application.message[:2000],
    )
    partner = partner_create(actor=actor, organization=organization, state=PartnerState.APPLICANT)
    partner_transition(
        actor=actor,
        partner=partner,
        to_state=PartnerState.ONBOARDING,
        reason="Application approved",
    )
    first, _, last = application.contact_name.partition(" ")
    member_add(
        # The approval itself grants the first admin, whoever approves (staff may not add members).
        actor=Actor.system(actor.workspace, channel=actor.channel),
        email=application.contact_email,
        organization=organization,
        role=Role.EXTERNAL_ADMIN,
        first_name=first,
        last_name=last,
    )
    application.status, application.decided_at, application.partner = (
        ApplicationStatus.APPROVED, timezone.now(), partner,
    )  # fmt: skip
    application.save(update_fields=["status", "decided_at", "partner"])
    _tell_applicant(application, approved=True)


def _tell_applicant(application: Application, *, approved: bool, reason: str = "") -> None:
    if approved:
        text = "your application was approved. A separate e-mail brings the link to sign in."
    else:
        text = f"we decided not to go ahead with your application.\n\nThe reason: {reason}"
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Your partner application to {application.workspace.name}",
            message=f"Hello {application.contact_name},\n\n{text}\n",
            from_email=None,
            recipient_list=[application.contact_email],
        )
    )


@transaction.atomic
def approval_steps_set(*, actor: Actor, steps: list[dict[str, Any]]) -> list[ApprovalStep]:
    """Replace the approval sequence: ordered steps, each with one or more approver e-mails."""
    if (
        not actor.is_orchestrator
        or actor.role != Role.ORCHESTRATOR_ADMIN
        or actor.token_scope == TokenScope.READ
    ):
        raise PermissionDenied("Only an orchestrator admin sets the approval steps.")
    if Application.objects.filter(
        status=ApplicationStatus.PENDING, current_step__isnull=False
    ).exists():
        raise ValidationError("Applications are in review; decide them before changing the steps.")
    errors, resolved = {}, []
    for number, data in enumerate(steps, start=1):
        name = str(data.get("name") or "").strip()
        emails = sorted(
            {
                str(email).strip().lower()
                for email in data.get("approvers", [])
                if str(email).strip()
            }
        )
        users = list(
            User.objects.filter(
                email__in=emails,
                memberships__workspace=actor.workspace,
                memberships__role__in=DECIDERS,
                memberships__is_active=True,
            )
        )
        if not name:
            errors[f"steps.{number}.name"] = "Name the step."
        if not emails:
            errors[f"steps.{number}.approvers"] = "Give at least one approver."
        elif len(users) != len(emails):
            unknown = sorted(set(emails) - {user.email for user in users})
            errors[f"steps.{number}.approvers"] = (
                f"Not orchestrator admins or staff: {', '.join(unknown)}."
            )
        resolved.append((name, users))
    if errors:
        raise ValidationError(errors)
    ApprovalStep.objects.all().delete()
    created = []
    for position, (name, users) in enumerate(resolved, start=1):
        step = ApprovalStep.objects.create(workspace=actor.workspace, position=position, name=name)
        step.approvers.set(users)
        created.append(step)
    audit_record(
        actor=actor,
        action="update",
        target=actor.workspace,
        changes={
            "approval_steps": [
                None,
                [f"{s.name}: {', '.join(u.email for u in s.approvers.all())}" for s in created],
            ]
        },
    )
    return created
