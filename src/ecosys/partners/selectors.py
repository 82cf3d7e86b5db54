"""Reads of the partner lifecycle, narrowed by the access policy."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict
from ecosys.core.models import User

from .models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    Application,
    ApprovalStep,
    ContinuityItem,
    ContinuityPlan,
    IdealPartnerProfile,
    Partner,
    PartnerState,
    PartnerStateChange,
    Program,
    Tier,
    TierProposal,
)


def partner_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Partner]:
    return restrict(Partner.objects.select_related("organization", "owner"), actor, action)


def partner_get(*, actor: Actor, public_id, action: str = VIEW) -> Partner:
    return get_visible(
        Partner.objects.select_related("organization", "owner", "fit_profile", "program", "tier"),
        actor,
        action=action,
        public_id=public_id,
    )


def partner_timeline(*, actor: Actor, partner: Partner) -> QuerySet[PartnerStateChange]:
    return restrict(PartnerStateChange.objects.all(), actor).filter(partner=partner)


def partner_counts_by_state(*, actor: Actor) -> list[tuple[str, str, int]]:
    counts = dict(partner_list(actor=actor).order_by().values_list("state").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in PartnerState.choices]


def owner_list(*, actor: Actor) -> QuerySet[User]:
    """Who may own a partner: active members of the orchestrator in this workspace."""
    return User.objects.filter(
        memberships__workspace=actor.workspace,
        memberships__organization_id=actor.workspace.orchestrator_id,
        memberships__is_active=True,
    ).order_by("email")


def owner_by_email(*, actor: Actor, email: str) -> User | None:
    return owner_list(actor=actor).filter(email=(email or "").strip().lower()).first()


def profile_list(*, actor: Actor) -> QuerySet[IdealPartnerProfile]:
    return restrict(IdealPartnerProfile.objects.prefetch_related("criteria"), actor)


def profile_get(*, actor: Actor, public_id, action: str = VIEW) -> IdealPartnerProfile:
    return get_visible(
        IdealPartnerProfile.objects.prefetch_related("criteria"),
        actor,
        action=action,
        public_id=public_id,
    )


# -- applications ----------------------------------------------------------------------------


def application_list(*, actor: Actor) -> QuerySet[Application]:
    return restrict(
        Application.objects.select_related(
            "current_step", "partner__organization"
        ).prefetch_related("decisions__decided_by"),
        actor,
    )


def application_get(*, actor: Actor, public_id, action: str = VIEW) -> Application:
    return get_visible(
        Application.objects.select_related("current_step", "partner").prefetch_related(
            "decisions__decided_by"
        ),
        actor,
        action=action,
        public_id=public_id,
    )


def approval_step_list(*, actor: Actor) -> QuerySet[ApprovalStep]:
    return restrict(ApprovalStep.objects.prefetch_related("approvers"), actor)


# -- agreements ------------------------------------------------------------------------------


def agreement_list(*, actor: Actor) -> QuerySet[Agreement]:
    return restrict(
        Agreement.objects.select_related(
            "version__template", "partner__organization", "accepted_by"
        ),
        actor,
    )


def agreement_get(*, actor: Actor, public_id, action: str = VIEW) -> Agreement:
    return get_visible(
        agreement_list(actor=actor).select_related("issued_by"),
        actor,
        action=action,
        public_id=public_id,
    )


def agreement_template_list(*, actor: Actor) -> QuerySet[AgreementTemplate]:
    return restrict(AgreementTemplate.objects.prefetch_related("versions__template"), actor)


def agreement_template_get(*, actor: Actor, public_id) -> AgreementTemplate:
    return get_visible(AgreementTemplate.objects.all(), actor, public_id=public_id)


def agreement_version_get(*, actor: Actor, public_id) -> AgreementVersion:
    return get_visible(
        AgreementVersion.objects.select_related("template"), actor, public_id=public_id
    )


def agreement_versions_latest(*, actor: Actor) -> QuerySet[AgreementVersion]:
    """Each template's newest version: the only ones that can be issued."""
    latest: dict[int, int] = {}
    versions = restrict(AgreementVersion.objects.all(), actor).order_by("template_id", "-number")
    for template_id, pk in versions.values_list("template_id", "pk"):
        latest.setdefault(template_id, pk)
    return AgreementVersion.objects.filter(pk__in=latest.values()).select_related("template")


def issuable_partner_list(*, actor: Actor) -> QuerySet[Partner]:
    """Partners an agreement can be issued to: every one not retired."""
    return (
        partner_list(actor=actor).exclude(state=PartnerState.RETIRED).order_by("organization__name")
    )


# -- programmes and tiers --------------------------------------------------------------------


def program_list(*, actor: Actor) -> QuerySet[Program]:
    return restrict(Program.objects.prefetch_related("tiers"), actor)


def program_get(*, actor: Actor, public_id, action: str = VIEW) -> Program:
    return get_visible(Program.objects.all(), actor, action=action, public_id=public_id)


def tier_list(*, actor: Actor) -> QuerySet[Tier]:
    return restrict(Tier.objects.select_related("program"), actor)


def tier_get(*, actor: Actor, public_id) -> Tier:
    return get_visible(Tier.objects.select_related("program"), actor, public_id=public_id)


def tier_by_rank(*, actor: Actor, program_id: int, rank: int) -> Tier | None:
    return tier_list(actor=actor).filter(program_id=program_id, rank=rank).first()


def proposal_list(*, actor: Actor) -> QuerySet[TierProposal]:
    return restrict(
        TierProposal.objects.select_related(
            "partner__organization",
            "current_tier",
            "proposed_tier__program",
            "decided_tier",
            "decided_by",
        ),
        actor,
    )


def proposal_get(*, actor: Actor, public_id, action: str = VIEW) -> TierProposal:
    return get_visible(proposal_list(actor=actor), actor, action=action, public_id=public_id)


# -- retirement and continuity ---------------------------------------------------------------


def continuity_plan_get(*, actor: Actor, public_id, action: str = VIEW) -> ContinuityPlan:
    return get_visible(
        ContinuityPlan.objects.select_related("partner__organization"),
        actor,
        action=action,
        public_id=public_id,
    )


def continuity_item_get(*, actor: Actor, public_id, action: str = VIEW) -> ContinuityItem:
    return get_visible(
        ContinuityItem.objects.select_related("plan"), actor, action=action, public_id=public_id
    )
