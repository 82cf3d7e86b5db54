"""Demo partners: every channel partner in the lifecycle, in every state, scored against a profile."""

import datetime as dt
import random

from django.utils import timezone

from ecosys.core.models import Membership
from ecosys.ecosystem.models import EcosystemRole, Region

from .fit import fit_score
from .models import (
    CriterionAttribute,
    IdealPartnerProfile,
    LocatorListing,
    Partner,
    PartnerState,
    PartnerStateChange,
    ProfileCriterion,
    Program,
    Tier,
)

# The path a partner took to reach each state, for its timeline.
PATHS = {
    PartnerState.PROSPECT: [PartnerState.PROSPECT],
    PartnerState.APPLICANT: [PartnerState.PROSPECT, PartnerState.APPLICANT],
    PartnerState.ONBOARDING: [PartnerState.APPLICANT, PartnerState.ONBOARDING],
    PartnerState.ACTIVE: [PartnerState.APPLICANT, PartnerState.ONBOARDING, PartnerState.ACTIVE],
    PartnerState.AT_RISK: [PartnerState.ONBOARDING, PartnerState.ACTIVE, PartnerState.AT_RISK],
    PartnerState.SUSPENDED: [PartnerState.ACTIVE, PartnerState.AT_RISK, PartnerState.SUSPENDED],
    PartnerState.RETIRED: [PartnerState.ACTIVE, PartnerState.RETIRED],
}
REASONS = {
    PartnerState.AT_RISK: "Sell-through down two quarters running",
    PartnerState.SUSPENDED: "Certification lapsed; no certified engineer",
    PartnerState.RETIRED: "Owner retired; customers handed to a neighbouring dealer",
}
STATE_WEIGHTS = [
    (PartnerState.PROSPECT, 8), (PartnerState.APPLICANT, 5), (PartnerState.ONBOARDING, 6),
    (PartnerState.ACTIVE, 60), (PartnerState.AT_RISK, 10), (PartnerState.SUSPENDED, 4),
    (PartnerState.RETIRED, 7),
]  # fmt: skip
CHANNEL = (
    EcosystemRole.DISTRIBUTOR, EcosystemRole.DEALER, EcosystemRole.INTEGRATOR,
    EcosystemRole.AGENT, EcosystemRole.FRANCHISEE,
)  # fmt: skip


def populate_partners(workspace, rng: random.Random, by_role: dict, partner_orgs: list) -> None:
    """Partner records for the channel partners; the demo users' organisations are active."""
    profile = IdealPartnerProfile.objects.create(
        workspace=workspace,
        name="Industrial automation partner",
        description="Integrators and distributors in our core regions, serving manufacturing.",
    )
    criteria = ProfileCriterion.objects.bulk_create(
        [
            ProfileCriterion(workspace=workspace, profile=profile, attribute=CriterionAttribute.ROLE, values=["distributor", "integrator"], weight=40),
            ProfileCriterion(workspace=workspace, profile=profile, attribute=CriterionAttribute.REGION, values=[Region.EUROPE, Region.NORTH_AMERICA], weight=30),
            ProfileCriterion(workspace=workspace, profile=profile, attribute=CriterionAttribute.INDUSTRY, values=["manufacturing", "automotive", "energy"], weight=20),
            ProfileCriterion(workspace=workspace, profile=profile, attribute=CriterionAttribute.TAG, values=["service-ready"], weight=10),
        ]
    )  # fmt: skip
    owners = list(
        Membership.objects.filter(organization=workspace.orchestrator, role__in=["orchestrator_admin", "orchestrator_staff"])
        .values_list("user_id", flat=True)
    )  # fmt: skip
    now = timezone.now()
    states, weights = zip(*STATE_WEIGHTS, strict=True)
    demo_orgs = {org.pk for org in partner_orgs}
    partners, steps = [], []
    for role in CHANNEL:
        for org in by_role.get(role, []):
            if org.pk in {p.organization_id for p in partners}:
                continue
            if org.pk in demo_orgs:
                state = PartnerState.ACTIVE
            elif len(partners) < len(states) + len(demo_orgs):  # every state at least once
                state = states[(len(partners) - len(demo_orgs)) % len(states)]
            else:
                state = rng.choices(states, weights)[0]
            since = now - dt.timedelta(days=rng.randint(5, 400))
            score, explanation = fit_score(criteria, org)
            partner = Partner(
                workspace=workspace, organization=org, state=state, state_changed_at=since,
                owner_id=rng.choice(owners) if owners else None, fit_profile=profile,
                fit_score=score, fit_explanation=explanation,
            )  # fmt: skip
            partner.next_step = rng.choice(
                [
                    "",
                    "Quarterly business review",
                    "Send agreement",
                    "Certify a second engineer",
                    "Joint campaign plan",
                ]
            )
            if partner.next_step and state != PartnerState.RETIRED:
                partner.next_step_due = (now + dt.timedelta(days=rng.randint(-10, 45))).date()
            else:
                partner.next_step = ""
            partners.append(partner)
            path = PATHS[state]
            for index, step in enumerate(path):
                steps.append((partner, path[index - 1] if index else "", step))
    Partner.objects.bulk_create(partners, batch_size=2000)
    for partner in partners:  # partners joined before they reached their current state
        partner.created_at = partner.state_changed_at - dt.timedelta(days=rng.randint(30, 900))
    Partner.objects.bulk_update(partners, ["created_at"], batch_size=2000)
    populate_programme(workspace, partners)
    from ecosys.readiness.demo import populate_onboarding  # readiness builds on partners

    populate_onboarding(workspace, partners)
    from ecosys.readiness.demo_learning import populate_learning, populate_mentors

    populate_learning(workspace, [p.organization for p in partners if p.state == "active"][:6])
    populate_mentors(workspace, partners)
    from .demo_more import populate_more

    populate_more(workspace, partners)
    LocatorListing.objects.bulk_create(
        LocatorListing(
            workspace=workspace, partner=partner, published=True,
            capabilities=rng.choice(["servo drives, retrofits", "bearings, condition monitoring", "motion control, commissioning", "spare parts, 24h service"]),
            contact_email=f"sales@{partner.organization.website_domain}",
        )
        for partner in partners
        if partner.state == PartnerState.ACTIVE and rng.random() < 0.6
    )  # fmt: skip
    PartnerStateChange.objects.bulk_create(
        (
            PartnerStateChange(
                workspace=workspace, partner=partner, from_state=from_state, to_state=to_state,
                changed_by="demo loader", reason=REASONS.get(to_state, "Loaded with the demo"),
            )
            for partner, from_state, to_state in steps
        ),
        batch_size=5000,
    )  # fmt: skip
    from ecosys.selling.demo import populate_deals  # selling builds on the partners

    populate_deals(workspace, partners, partner_orgs)


def populate_programme(workspace, partners: list) -> None:
    """A reseller programme with three tiers; active partners enrolled, most already placed."""
    from .tiers import tiers_evaluate

    program = Program.objects.create(
        workspace=workspace,
        name="Reseller programme",
        description="For distributors, dealers and integrators who resell Helix components.",
    )
    tiers = [
        Tier(
            workspace=workspace,
            program=program,
            rank=1,
            name="Registered",
            criteria={},
            benefits={"discount_percent": "5", "support_level": "standard", "logo_use": True},
        ),
        Tier(
            workspace=workspace,
            program=program,
            rank=2,
            name="Silver",
            criteria={"tenure_days": "180", "people": "2"},
            benefits={
                "discount_percent": "10",
                "deal_protection_days": "90",
                "support_level": "priority",
                "logo_use": True,
                "lead_access": True,
            },
        ),
        Tier(
            workspace=workspace,
            program=program,
            rank=3,
            name="Gold",
            criteria={"tenure_days": "365", "people": "4", "fit_score": "70"},
            benefits={
                "discount_percent": "15",
                "deal_protection_days": "180",
                "mdf_eligible": True,
                "mdf_amount": "20000",
                "support_level": "premium",
                "logo_use": True,
                "lead_access": True,
            },
        ),
    ]
    Tier.objects.bulk_create(tiers)
    enrolled = [p for p in partners if p.state in ("active", "at_risk", "onboarding")]
    for index, partner in enumerate(enrolled):
        partner.program = program
        partner.tier = tiers[0] if index % 3 else None  # a third still waits for its first tier
    Partner.objects.bulk_update(enrolled, ["program", "tier"], batch_size=2000)
    tiers_evaluate(workspace=workspace)
