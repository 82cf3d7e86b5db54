"""A deterministic demo ecosystem: an industrial components maker and its network.

Loaded in bulk (one transaction, one audit event) because the large size has 100,000+
organisations; every value comes from a seeded generator, so a size always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django_scopes import scope, scopes_disabled

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, User, Workspace
from ecosys.core.services import workspace_create

from .models import (
    EcosystemRole,
    Industry,
    Organization,
    OrganizationRole,
    Person,
    PersonRole,
    PersonRoleKind,
    Region,
    Relationship,
    RelationshipKind,
    RelationshipState,
    RelationshipStateChange,
    SizeBand,
    Tag,
    WorkerType,
)

DEMO_PASSWORD = "ecosys-demo"  # noqa: S105 - printed for the demo logins, never for real users
DEMO_SLUG = "helix"


@dataclass(frozen=True)
class DemoSize:
    distributors: int
    dealers: int
    integrators: int
    agents: int
    franchisees: int
    suppliers: int
    complementary: int
    service_companies: int
    academic: int
    associations: int
    customers: int
    people: int


SIZES = {
    "small": DemoSize(3, 8, 4, 1, 1, 3, 2, 2, 1, 1, 40, 60),
    "medium": DemoSize(30, 110, 45, 10, 5, 14, 10, 8, 1, 3, 1500, 600),
    "large": DemoSize(300, 1200, 450, 100, 50, 120, 80, 60, 5, 10, 100_000, 20_000),
}

COUNTRIES = {
    Region.NORTH_AMERICA: ["US", "CA", "MX"],
    Region.LATIN_AMERICA: ["BR", "AR", "CL", "CO"],
    Region.EUROPE: ["DE", "FR", "IT", "ES", "NL", "SE", "PL", "GB", "AT", "CH"],
    Region.MIDDLE_EAST_AFRICA: ["AE", "SA", "ZA", "EG", "NG"],
    Region.ASIA_PACIFIC: ["JP", "CN", "IN", "AU", "SG", "KR"],
}
REGION_WEIGHTS = [0.3, 0.1, 0.35, 0.08, 0.17]
PREFIXES = [
    "Alpine",
    "Atlas",
    "Beacon",
    "Boreal",
    "Cobalt",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Helios",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nordic",
    "Orion",
    "Pacific",
    "Quarry",
    "Ridge",
    "Summit",
    "Titan",
    "Union",
    "Vector",
    "Westfield",
    "Zenith",
    "Apex",
    "Baltic",
    "Cascade",
    "Dynamo",
    "Everest",
    "Fjord",
    "Global",
    "Horizon",
    "Indigo",
    "Jade",
    "Kinetic",
    "Lakeside",
]
CORES = [
    "Drive",
    "Motion",
    "Fluid",
    "Power",
    "Automation",
    "Controls",
    "Bearings",
    "Valves",
    "Pumps",
    "Gear",
    "Hydraulics",
    "Sensors",
    "Industrial",
    "Components",
    "Engineering",
    "Systems",
    "Supply",
    "Technik",
    "Mechanics",
    "Robotics",
]
SUFFIXES = {
    "DE": "GmbH",
    "AT": "GmbH",
    "CH": "AG",
    "FR": "SAS",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "NL": "B.V.",
    "SE": "AB",
    "PL": "Sp. z o.o.",
    "GB": "Ltd",
    "US": "Inc.",
    "CA": "Inc.",
    "JP": "K.K.",
    "BR": "Ltda.",
    "AU": "Pty Ltd",
    "IN": "Pvt Ltd",
}
FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kara",
    "Liam",
    "Maya",
    "Nils",
    "Olga",
    "Paul",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yuki",
    "Zoe",
    "Omar",
    "Lena",
    "Marco",
    "Sofia",
    "Arjun",
    "Chloe",
]
LAST = [
    "Andersen",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Vogel",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Silva",
    "Novak",
    "Khan",
    "Murphy",
]
TITLES = {
    WorkerType.EMPLOYEE: [
        "Channel manager",
        "Sales engineer",
        "Account executive",
        "Service technician",
        "Product manager",
        "Partner success manager",
    ],
    WorkerType.CONTRACTOR: ["Automation consultant", "Data analyst", "Project manager"],
    WorkerType.SERVICE_STAFF: ["Field service engineer", "Installer", "Support specialist"],
    WorkerType.GIG: ["Freelance translator", "Freelance designer", "Trainer"],
    WorkerType.BOT: ["Order-status bot", "Quote assistant", "Invoice matcher"],
    WorkerType.CONTACT: ["Purchasing manager", "Plant manager", "Maintenance lead", "CTO"],
}
TAGS = ["premium", "iot", "retrofit", "oem", "export", "strategic", "new-2026", "service-ready"]


def _company(rng: random.Random, country: str, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(PREFIXES)} {rng.choice(CORES)}"
        suffix = SUFFIXES.get(country)
        name = f"{name} {suffix}" if suffix else name
        if name not in used:
            used.add(name)
            return name
        name = f"{name} {rng.randint(2, 999)}"
        if name not in used:
            used.add(name)
            return name


def _domain(name: str, index: int) -> str:
    stem = "".join(ch for ch in name.lower().split(" gmbh")[0] if ch.isalnum())[:24]
    return f"{stem}{index}.example"


def demo_load(
    *,
    size: str = "medium",
    progress: Callable[[str], None] | None = None,
    engagements: bool = True,
) -> Workspace:
    """Create the demo workspace with its organisations, people, relationships and users (and,
    unless told not to, the engagements: skills inventory, three engagements, staffing, money)."""
    spec = SIZES[size]
    rng = random.Random(20261123)
    say = progress or (lambda message: None)
    # Callbacks on commit (e-mails to assigned people) run after the workspace scope below
    # has closed: let them read and write their rows.
    with scopes_disabled(), transaction.atomic():
        workspace = workspace_create(
            name="Helix Industrial ecosystem",
            orchestrator_name="Helix Industrial Components",
            slug=DEMO_SLUG,
            region=Region.EUROPE,
            country="DE",
            industry=Industry.MANUFACTURING,
            size=SizeBand.ENTERPRISE,
            website_domain="helix-components.example",
            description="Maker of drives, bearings and motion-control components, sold through distributors, dealers and integrators worldwide.",
        )
        with scope(workspace=workspace.pk):
            _populate(workspace, spec, rng, say)
            if engagements:
                say("engagements: skills inventory, three engagements, staffing, settlements")
                from ecosys.engagements.demo import populate_engagements  # built on the above

                populate_engagements(workspace, rng=random.Random(20261124))
    return workspace


def _populate(workspace: Workspace, spec: DemoSize, rng: random.Random, say) -> None:
    orchestrator = workspace.orchestrator
    used: set[str] = {orchestrator.name}
    groups = [
        (EcosystemRole.DISTRIBUTOR, spec.distributors, [SizeBand.LARGE, SizeBand.ENTERPRISE]),
        (EcosystemRole.DEALER, spec.dealers, [SizeBand.SMALL, SizeBand.MEDIUM]),
        (
            EcosystemRole.INTEGRATOR,
            spec.integrators,
            [SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE],
        ),
        (EcosystemRole.AGENT, spec.agents, [SizeBand.MICRO]),
        (EcosystemRole.FRANCHISEE, spec.franchisees, [SizeBand.SMALL]),
        (EcosystemRole.SUPPLIER, spec.suppliers, [SizeBand.MEDIUM, SizeBand.LARGE]),
        (EcosystemRole.COMPLEMENTARY, spec.complementary, [SizeBand.MEDIUM, SizeBand.LARGE]),
        (EcosystemRole.SERVICE_COMPANY, spec.service_companies, [SizeBand.SMALL, SizeBand.MEDIUM]),
        (EcosystemRole.ACADEMIC, spec.academic, [SizeBand.ENTERPRISE]),
        (EcosystemRole.ASSOCIATION, spec.associations, [SizeBand.MICRO]),
        (EcosystemRole.CUSTOMER, spec.customers, list(SizeBand.values)),
    ]
    industries = [value for value in Industry.values if value not in (Industry.EDUCATION,)]
    regions = list(Region.values)
    organizations: list[Organization] = []
    roles: list[tuple[int, str]] = []
    for role, count, sizes in groups:
        for _ in range(count):
            region = rng.choices(regions, REGION_WEIGHTS)[0]
            country = rng.choice(COUNTRIES[region])
            if role == EcosystemRole.ACADEMIC:
                name = f"Technical University of {rng.choice(PREFIXES)}"
                name = name if name not in used else f"{name} {len(used)}"
                used.add(name)
                industry = Industry.EDUCATION
            elif role == EcosystemRole.ASSOCIATION:
                name = f"{rng.choice(PREFIXES)} {rng.choice(CORES)} Association {len(used)}"
                used.add(name)
                industry = Industry.SERVICES
            else:
                name = _company(rng, country, used)
                industry = rng.choice(industries)
            organizations.append(
                Organization(
                    workspace=workspace,
                    name=name,
                    region=region,
                    country=country,
                    industry=industry,
                    size=rng.choice(sizes),
                    website_domain=_domain(name, len(organizations)),
                    description="",
                )
            )
            roles.append((len(organizations) - 1, role))
    say(f"organisations: {len(organizations):,}")
    # Some distributors also integrate: organisations may play several roles.
    extra = [
        (index, EcosystemRole.INTEGRATOR)
        for index, role in roles
        if role == EcosystemRole.DISTRIBUTOR and rng.random() < 0.2
    ]
    for index, role in roles + extra:
        organizations[index].role_codes = sorted({*organizations[index].role_codes, role})
    tags = Tag.objects.bulk_create(Tag(workspace=workspace, name=name) for name in TAGS)
    chosen = [rng.sample(tags, k=rng.choice([0, 0, 1, 1, 2])) for _ in organizations]
    for org, org_tags in zip(organizations, chosen, strict=True):
        org.tag_names = sorted(tag.name for tag in org_tags)
    Organization.objects.bulk_create(organizations, batch_size=2000)
    OrganizationRole.objects.bulk_create(
        (
            OrganizationRole(workspace=workspace, organization=organizations[index], role=role)
            for index, role in roles + extra
        ),
        batch_size=5000,
    )
    through = Organization.tags.through
    links = [
        through(organization_id=org.pk, tag_id=tag.pk)
        for org, org_tags in zip(organizations, chosen, strict=True)
        for tag in org_tags
    ]
    through.objects.bulk_create(links, batch_size=5000)

    by_role: dict[str, list[Organization]] = {}
    for index, role in roles:
        by_role.setdefault(role, []).append(organizations[index])
    partners = [
        org
        for role in (
            EcosystemRole.DISTRIBUTOR,
            EcosystemRole.DEALER,
            EcosystemRole.INTEGRATOR,
            EcosystemRole.AGENT,
            EcosystemRole.FRANCHISEE,
        )
        for org in by_role.get(role, [])
    ]

    today = dt.date(2026, 11, 1)
    relationships: list[Relationship] = []

    def link(source, target, kind, state=RelationshipState.ACTIVE):
        start = today - dt.timedelta(days=rng.randint(30, 3000))
        relationships.append(
            Relationship(
                workspace=workspace,
                source=source,
                target=target,
                kind=kind,
                state=state,
                start_date=start,
            )
        )

    states = [RelationshipState.ACTIVE] * 17 + [
        RelationshipState.PROPOSED,
        RelationshipState.SUSPENDED,
        RelationshipState.ENDED,
    ]
    for partner in partners:
        link(orchestrator, partner, RelationshipKind.SELLS_THROUGH, rng.choice(states))
    for supplier in by_role.get(EcosystemRole.SUPPLIER, []):
        link(supplier, orchestrator, RelationshipKind.SUPPLIES)
    for provider in by_role.get(EcosystemRole.COMPLEMENTARY, []):
        link(provider, orchestrator, RelationshipKind.COMPLEMENTS)
    for company in by_role.get(EcosystemRole.SERVICE_COMPANY, []):
        link(orchestrator, company, RelationshipKind.SUBCONTRACTS)
    for org in by_role.get(EcosystemRole.ACADEMIC, []) + by_role.get(EcosystemRole.ASSOCIATION, []):
        link(orchestrator, org, RelationshipKind.PARTNERS_WITH)
    dealers = by_role.get(EcosystemRole.DEALER, []) + by_role.get(EcosystemRole.INTEGRATOR, [])
    for distributor in by_role.get(EcosystemRole.DISTRIBUTOR, []):
        for dealer in rng.sample(dealers, k=min(len(dealers), 3)):
            link(distributor, dealer, RelationshipKind.SUPPLIES)
    for customer in by_role.get(EcosystemRole.CUSTOMER, []):
        for partner in rng.sample(partners, k=rng.choice([1, 1, 2])):
            link(partner, customer, RelationshipKind.SERVES)
    say(f"relationships: {len(relationships):,}")
    Relationship.objects.bulk_create(relationships, batch_size=5000)
    RelationshipStateChange.objects.bulk_create(
        (
            RelationshipStateChange(
                workspace=workspace,
                relationship=rel,
                from_state="",
                to_state=rel.state,
                changed_by="demo loader",
                reason="Loaded with the demo",
            )
            for rel in relationships
        ),
        batch_size=5000,
    )

    employers = (
        [orchestrator] * 6
        + partners
        + by_role.get(EcosystemRole.SERVICE_COMPANY, []) * 3
        + by_role.get(EcosystemRole.CUSTOMER, [])[:200]
    )
    people: list[Person] = []
    worker_types = (
        [WorkerType.EMPLOYEE] * 10
        + [WorkerType.CONTRACTOR] * 3
        + [WorkerType.SERVICE_STAFF] * 3
        + [WorkerType.GIG] * 2
        + [WorkerType.BOT]
        + [WorkerType.CONTACT] * 2
    )
    for index in range(spec.people):
        worker_type = rng.choice(worker_types)
        employer = None if worker_type == WorkerType.GIG else rng.choice(employers)
        if worker_type == WorkerType.SERVICE_STAFF and by_role.get(EcosystemRole.SERVICE_COMPANY):
            employer = rng.choice(by_role[EcosystemRole.SERVICE_COMPANY])
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if worker_type == WorkerType.BOT:
            first, last = "", f"{rng.choice(TITLES[WorkerType.BOT])} #{index}"
        domain = employer.website_domain if employer else "freelance.example"
        people.append(
            Person(
                workspace=workspace,
                first_name=first,
                last_name=last,
                email=f"{(first or 'bot').lower()}.{last.lower().split(' ')[0]}{index}@{domain}",
                title=rng.choice(TITLES[worker_type]),
                worker_type=worker_type,
                organization=employer,
                location=employer.get_country_display() if employer else "Remote",
            )
        )
    say(f"people: {len(people):,}")
    Person.objects.bulk_create(people, batch_size=5000)
    leads = [
        person
        for person in people
        if person.organization_id == orchestrator.pk and person.worker_type == WorkerType.EMPLOYEE
    ]
    key_accounts = by_role.get(EcosystemRole.CUSTOMER, [])[:50]
    PersonRole.objects.bulk_create(
        PersonRole(
            workspace=workspace,
            person=rng.choice(leads),
            organization=account,
            kind=PersonRoleKind.ACCOUNT_LEAD,
            start_date=today - dt.timedelta(days=rng.randint(30, 900)),
        )
        for account in key_accounts
        if leads
    )
    _demo_users(workspace, orchestrator, by_role)
    from ecosys.partners.demo import populate_partners  # the partner lifecycle builds on this

    distributors = by_role[EcosystemRole.DISTRIBUTOR]
    populate_partners(workspace, rng, by_role, partner_orgs=distributors[:2])
    say("channel data, scores and early warnings")
    from ecosys.performance.demo import populate_performance  # built on the partners

    size = next(name for name, known in SIZES.items() if known is spec)
    populate_performance(workspace, size=size)
    audit_record(
        actor=Actor.system(workspace),
        action="demo_load",
        target=workspace,
        changes={
            "organizations": [None, len(organizations) + 1],
            "people": [None, len(people)],
            "relationships": [None, len(relationships)],
        },
    )


DEMO_USERS = [
    ("admin@helix.example", "Ada", "Admin", "orchestrator", Role.ORCHESTRATOR_ADMIN),
    ("manager@helix.example", "Max", "Channel-Manager", "orchestrator", Role.ORCHESTRATOR_STAFF),
    ("auditor@helix.example", "Rita", "Reader", "orchestrator", Role.READ_ONLY),
    ("admin@partner-a.example", "Paula", "Partner-Admin", "partner_a", Role.EXTERNAL_ADMIN),
    ("member@partner-a.example", "Mark", "Partner-Member", "partner_a", Role.EXTERNAL_MEMBER),
    ("member@partner-b.example", "Bea", "Partner-B", "partner_b", Role.EXTERNAL_MEMBER),
]


def _demo_users(workspace, orchestrator, by_role) -> None:
    distributors = by_role[EcosystemRole.DISTRIBUTOR]
    organizations = {
        "orchestrator": orchestrator,
        "partner_a": distributors[0],
        "partner_b": distributors[1],
    }
    for email, first, last, org_key, role in DEMO_USERS:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        organization = organizations[org_key]
        Membership.objects.create(
            workspace=workspace, user=user, organization=organization, role=role
        )
        Person.objects.create(
            workspace=workspace,
            first_name=first,
            last_name=last,
            email=email,
            title="Partner manager" if org_key != "orchestrator" else "Channel team",
            worker_type=WorkerType.EMPLOYEE,
            organization=organization,
            location=organization.get_country_display(),
        )


def demo_logins(workspace: Workspace) -> list[tuple[str, str, str]]:
    """(e-mail, role, organisation) of every demo user, for printing after set-up."""
    with scope(workspace=workspace.pk):
        memberships = Membership.objects.select_related("user", "organization").order_by("id")
        return [(m.user.email, m.get_role_display(), m.organization.name) for m in memberships]
