"""Writes to the partner lifecycle: partners, their transitions, ideal partner profiles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, CHANGE, DELETE, Actor, allows, ensure
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.models import User
from ecosys.ecosystem.models import Organization

from .fit import allowed_values, fit_score
from .models import (
    PARTNER_TRANSITIONS,
    REASON_REQUIRED,
    CriterionAttribute,
    IdealPartnerProfile,
    Partner,
    PartnerState,
    PartnerStateChange,
    ProfileCriterion,
)

PARTNER_FIELDS = ["owner", "next_step", "next_step_due", "fit_profile"]


def _criteria_clean(criteria: list[dict[str, Any]]) -> list[ProfileCriterion]:
    """Validated, unsaved criteria; errors name the row (1-based) and the field."""
    rows, errors = [], {}
    for number, data in enumerate(criteria, start=1):
        attribute = data.get("attribute", "")
        values = [str(value).strip() for value in data.get("values", []) if str(value).strip()]
        weight = data.get("weight")
        if attribute not in CriterionAttribute.values:
            errors[f"criteria.{number}.attribute"] = "Choose one of the attributes offered."
            continue
        allowed = allowed_values(attribute)
        if allowed is None:  # tags: any value, lower case like the tags themselves
            values, unknown = [value.lower() for value in values], []
        else:  # accept codes or labels, in any case
            lookup = {code.lower(): code for code in allowed}
            lookup |= {str(label).lower(): code for code, label in allowed.items()}
            unknown = [value for value in values if value.lower() not in lookup]
            values = [lookup[value.lower()] for value in values if value.lower() in lookup]
        if not values:
            errors[f"criteria.{number}.values"] = "List at least one value."
        elif unknown:
            errors[f"criteria.{number}.values"] = f"Not a valid {attribute}: {', '.join(unknown)}."
        if not isinstance(weight, int) or not 1 <= weight <= 100:
            errors[f"criteria.{number}.weight"] = "The weight is a whole number from 1 to 100."
        rows.append(
            ProfileCriterion(attribute=attribute, values=sorted(set(values)), weight=weight)
        )
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"criteria": "Give the profile at least one criterion."})
    return rows


def _profile_state(profile: IdealPartnerProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "description": profile.description,
        "criteria": [str(criterion) for criterion in profile.criteria.all()],
    }


def _require_orchestrator(actor: Actor, action: str, model) -> None:
    if not actor.is_orchestrator or not allows(actor, action, model):
        raise PermissionDenied("Only the orchestrator's staff manage partner profiles.")


@transaction.atomic
def profile_save(
    *,
    actor: Actor,
    name: str,
    criteria: list[dict[str, Any]],
    description: str = "",
    profile: IdealPartnerProfile | None = None,
) -> IdealPartnerProfile:
    """Create or replace an ideal partner profile and rescore the partners that use it."""
    _require_orchestrator(actor, ADD if profile is None else CHANGE, IdealPartnerProfile)
    rows = _criteria_clean(criteria)
    before = _profile_state(profile) if profile else {}
    profile = profile or IdealPartnerProfile(workspace=actor.workspace)
    profile.name, profile.description = (name or "").strip(), (description or "").strip()
    profile.full_clean(exclude=["workspace"])
    profile.save()
    profile.criteria.all().delete()
    for row in rows:
        row.workspace, row.profile = actor.workspace, profile
    ProfileCriterion.objects.bulk_create(rows)
    changes = diff(before, _profile_state(profile))
    audit_record(
        actor=actor, action="update" if before else "create", target=profile, changes=changes
    )
    fit_refresh(profile=profile)
    return profile


@transaction.atomic
def profile_delete(*, actor: Actor, profile: IdealPartnerProfile) -> None:
    _require_orchestrator(actor, DELETE, IdealPartnerProfile)
    before = _profile_state(profile)
    Partner.objects.filter(fit_profile=profile).update(fit_score=None, fit_explanation=[])
    profile.delete()
    audit_record(actor=actor, action="delete", target=profile, changes=diff(before, {}))


def fit_refresh(*, profile: IdealPartnerProfile) -> int:
    """Recompute the fit score of every partner measured against this profile."""
    criteria = list(profile.criteria.all())
    partners = list(Partner.objects.filter(fit_profile=profile).select_related("organization"))
    for partner in partners:
        partner.fit_score, partner.fit_explanation = fit_score(criteria, partner.organization)
    Partner.objects.bulk_update(partners, ["fit_score", "fit_explanation"], batch_size=1000)
    return len(partners)


def _score(partner: Partner) -> None:
    if partner.fit_profile is None:
        partner.fit_score, partner.fit_explanation = None, []
    else:
        partner.fit_score, partner.fit_explanation = fit_score(
            partner.fit_profile.criteria.all(), partner.organization
        )


def _check_owner(actor: Actor, owner: User | None) -> None:
    if (
        owner is not None
        and not owner.memberships.filter(
            workspace=actor.workspace,
            organization_id=actor.workspace.orchestrator_id,
            is_active=True,
        ).exists()
    ):
        raise ValidationError({"owner": "The owner must be an active member of the orchestrator."})


@transaction.atomic
def partner_create(
    *,
    actor: Actor,
    organization: Organization,
    state: str = PartnerState.PROSPECT,
    owner: User | None = None,
    next_step: str = "",
    next_step_due: dt.date | None = None,
    fit_profile: IdealPartnerProfile | None = None,
) -> Partner:
    """Put an organisation into the partner lifecycle (as a prospect unless told otherwise)."""
    if organization.pk == actor.workspace.orchestrator_id:
        raise ValidationError({"organization": "The orchestrator cannot be its own partner."})
    if Partner.objects.filter(organization=organization).exists():
        raise ValidationError(
            {"organization": f"{organization} is already in the partner lifecycle."}
        )
    if state not in (PartnerState.PROSPECT, PartnerState.APPLICANT):
        raise ValidationError({"state": "A partner starts as a prospect or an applicant."})
    _check_owner(actor, owner)
    fit_profile = fit_profile or IdealPartnerProfile.objects.order_by("name").first()
    partner = Partner(
        workspace=actor.workspace,
        organization=organization,
        state=state,
        owner=owner,
        next_step=next_step.strip(),
        next_step_due=next_step_due,
        fit_profile=fit_profile,
        state_changed_at=timezone.now(),
    )
    ensure(actor, ADD, partner)
    _score(partner)
    partner.full_clean(exclude=["workspace"])
    partner.save()
    PartnerStateChange.objects.create(
        workspace=actor.workspace,
        partner=partner,
        to_state=state,
        changed_by=actor.label,
        reason="Added",
    )
    audit_record(
        actor=actor,
        action="create",
        target=partner,
        changes=diff({}, {**snapshot(partner, PARTNER_FIELDS), "state": state}),
    )
    return partner


@transaction.atomic
def partner_update(*, actor: Actor, partner: Partner, **fields: Any) -> Partner:
    """Change a partner's owner, next step or the profile it is measured against."""
    ensure(actor, CHANGE, partner)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    if "owner" in fields:
        _check_owner(actor, fields["owner"])
    before = snapshot(partner, PARTNER_FIELDS)
    for name, value in fields.items():
        setattr(partner, name, value.strip() if isinstance(value, str) else value)
    if "fit_profile" in fields:
        _score(partner)
    partner.full_clean(exclude=["workspace"])
    partner.save()
    changes = diff(before, snapshot(partner, PARTNER_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", target=partner, changes=changes)
    return partner


@transaction.atomic
def partner_transition(
    *, actor: Actor, partner: Partner, to_state: str, reason: str = "", via_plan: bool = False
) -> Partner:
    """Move a partner along its lifecycle: only allowed transitions, each with who and why."""
    ensure(actor, CHANGE, partner)
    allowed = PARTNER_TRANSITIONS[partner.state]
    if to_state not in allowed:
        names = ", ".join(PartnerState(state).label.lower() for state in sorted(allowed))
        now = partner.get_state_display().lower()
        raise ValidationError(
            {"to_state": f"A partner that is {now} can become: {names or 'nothing (retired)'}."}
        )
    if to_state == PartnerState.RETIRED and not via_plan:
        from .continuity import holdings_count

        held = holdings_count(partner)
        if held:
            raise ValidationError(
                {"to_state": f"The partner holds {held} item(s): retire it with a continuity plan."}
            )
    reason = (reason or "").strip()
    if to_state in REASON_REQUIRED and not reason:
        raise ValidationError(
            {"reason": f"Say why the partner becomes {PartnerState(to_state).label.lower()}."}
        )
    from_state = partner.state
    partner.state, partner.state_changed_at = to_state, timezone.now()
    partner.save(update_fields=["state", "state_changed_at"])
    PartnerStateChange.objects.create(
        workspace=actor.workspace,
        partner=partner,
        from_state=from_state,
        to_state=to_state,
        changed_by=actor.label,
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action="transition",
        target=partner,
        changes={"state": [from_state, to_state], "reason": [None, reason]},
    )
    if to_state == PartnerState.ONBOARDING:
        from ecosys.readiness.services import onboarding_start_default  # readiness builds on this

        onboarding_start_default(actor=actor, partner=partner)
    return partner
