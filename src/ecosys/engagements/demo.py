"""Demo data of the engagement cycle: customer working groups with initiatives and ranks, themes,
two baseline offerings, and three engagements — one closed (confirmed baseline, tracking, final
measurement with a comparison group, benefit, confirmed report), one tracking, one staffing.
Everything goes through the services, so the demo obeys the same rules as users do."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.models import Membership, Role
from ecosys.core.services import member_add
from ecosys.ecosystem.demo import DEMO_PASSWORD
from ecosys.ecosystem.models import EcosystemRole, Organization, Person, WorkerType

from . import benefit_run
from . import services_cycle as services
from .models import Engagement, Offering, WorkingGroup

INITIATIVES = [
    ("Forecast spare parts inventory per depot", "Stock-outs of spare parts delay repairs while other depots hold too much stock.", "inventory_control", "Fewer stock-outs, less capital in stock"),
    ("Inventory forecasting for spare parts", "Spare parts inventory is planned by hand; forecasts ignore seasonality.", "inventory_control", "Lower inventory with the same service level"),
    ("Reorder points for slow-moving spare parts", "Slow-moving parts inventory ties up cash in every depot.", "inventory_control", "Less obsolete stock"),
    ("Automate invoice processing", "Supplier invoices are keyed in by hand and matched manually.", "process_automation", "Shorter invoice cycle, fewer errors"),
    ("Invoice matching automation with bots", "Three-way matching of invoices takes days of manual work.", "process_automation", "Invoice processing cost halved"),
    ("Automated invoice approval workflow", "Invoice approvals wait in e-mail inboxes.", "process_automation", "Faster invoice approval"),
    ("Customer churn analytics", "We learn too late that customers leave; churn is not predicted.", "data_analytics", "Churn down by a third"),
    ("Churn prediction dashboard for account managers", "Account managers have no view of churn risk per customer.", "data_analytics", "Earlier retention calls"),
    ("Service ticket analytics", "Service ticket data is not analysed; repeat tickets go unnoticed.", "data_analytics", "Fewer repeat tickets"),
    ("Order-to-cash process redesign", "The order-to-cash process has many hand-offs and rework loops.", "business_processes", "Shorter order-to-cash cycle"),
    ("Order entry process simplification", "Order entry process needs five screens and three approvals.", "business_processes", "Faster order entry"),
    ("Order-to-cash cycle time reduction", "Cash arrives weeks after delivery because the order process stalls.", "business_processes", "Days sales outstanding down"),
    ("Self-service portal for customer orders", "Customers phone in orders and status questions.", "customer_experience", "Fewer calls, happier customers"),
    ("Customer order tracking portal", "Customers cannot see where their order is.", "customer_experience", "Fewer status calls"),
    ("Warehouse pick route optimisation", "Pickers walk long routes through the warehouse.", "inventory_control", "More picks per hour"),
    ("Automated purchase order creation", "Purchase orders are typed from spreadsheets.", "process_automation", "Less manual purchasing work"),
    ("Demand forecasting with sales data", "Sales forecasts are gut feeling; data analytics could help.", "data_analytics", "Better forecast accuracy"),
    ("Returns process redesign", "Customer returns take weeks and nobody owns the process.", "business_processes", "Faster refunds"),
    ("Field service scheduling automation", "Technicians are scheduled by phone every morning.", "process_automation", "More visits per day"),
    ("Customer feedback analytics", "Customer feedback sits unread in survey exports.", "customer_experience", "Act on feedback within a week"),
]  # fmt: skip

GROUPS = ["Operations excellence circle", "Finance automation forum", "Customer insight group"]


def _free_name(name: str, taken) -> str:
    """The name, or "name (2)", "(3)"… when the demo ran in this workspace before."""
    candidate, number = name, 1
    while taken(candidate):
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _customer_admin(workspace, customer: Organization, slug: str) -> Actor:
    """The customer's admin who confirms baselines and reports (created when missing)."""
    membership = (
        Membership.objects.filter(organization=customer, role=Role.EXTERNAL_ADMIN, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        membership = member_add(
            actor=Actor.system(workspace),
            email=f"admin@{slug}.example",
            organization=customer,
            role=Role.EXTERNAL_ADMIN,
            password=DEMO_PASSWORD,
            first_name="Customer",
            last_name="Admin",
        )
    return Actor(workspace=workspace, user=membership.user, membership=membership)


def _team(workspace, customer: Organization, rng: random.Random) -> list[Person]:
    people = list(Person.objects.filter(organization=customer).order_by("id")[:3])
    names = [("Ana", "Costa", "Operations manager"), ("Jonas", "Weber", "Controller"),
             ("Mia", "Larsen", "Process owner")]  # fmt: skip
    for first, last, title in names[len(people) :]:
        people.append(
            Person.objects.create(
                workspace=workspace,
                first_name=first,
                last_name=last,
                title=title,
                worker_type=WorkerType.CONTACT,
                organization=customer,
            )  # fmt: skip
        )
    return people


def _series(rng: random.Random, start: float, drift: float, n: int, noise: float) -> list[Decimal]:
    return [Decimal(str(round(start + drift * i + rng.gauss(0, noise), 2))) for i in range(n)]


def _months(first: dt.date, n: int) -> list[dt.date]:
    months, year, month = [], first.year, first.month
    for _ in range(n):
        months.append(dt.date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return months


@transaction.atomic
def demo_cycle(workspace, *, rng: random.Random) -> dict[str, Engagement]:
    """Create the cycle's demo data; returns {"closed", "tracking", "staffing"} engagements."""
    actor = Actor.system(workspace)
    customers = list(
        Organization.objects.filter(roles__role=EcosystemRole.CUSTOMER)
        .exclude(pk=workspace.orchestrator_id)
        .order_by("id")[:9]
    )
    if len(customers) < 3:
        raise ValueError("The demo cycle needs at least three customer organisations.")
    groups = []
    for index, name in enumerate(GROUPS):
        members = customers[index::3] or customers[:3]
        name = _free_name(name, lambda n: WorkingGroup.objects.filter(name__iexact=n).exists())
        groups.append(
            services.working_group_create(
                actor=actor,
                name=name,
                description="Customers who meet monthly to name and rank initiatives.",
                members=members,
            )
        )
    by_group: dict[int, list] = {g.pk: [] for g in groups}
    for index, (title, problem, area, benefit) in enumerate(INITIATIVES):
        group = groups[index % len(groups)]
        members = list(group.members.order_by("id"))
        initiative = services.initiative_propose(
            actor=actor, group=group, proposed_by=members[index % len(members)], title=title,
            problem=problem, area=area, expected_benefit=benefit,
            expected_value=Decimal(rng.randrange(20, 400) * 1000), currency="EUR",
        )  # fmt: skip
        by_group[group.pk].append(initiative)
    for group in groups:
        for member in group.members.order_by("id"):
            ranked = list(by_group[group.pk])
            rng.shuffle(ranked)
            services.initiative_rank_set(
                actor=actor, group=group, organization=member, initiatives=ranked
            )
    themes = services.theme_rebuild(actor=actor)
    inventory = next((t for t in themes if "inventory" in t.keywords), themes[0])
    invoice = next((t for t in themes if "invoice" in t.keywords), themes[-1])

    def offering_name(name):
        return _free_name(name, lambda n: Offering.objects.filter(name__iexact=n).exists())

    stock = services.offering_save(
        actor=actor, name=offering_name("Spare-parts inventory optimisation"), theme=inventory,
        scope="Forecast demand per depot, set reorder points and rebalance stock.",
        deliverables="Forecast model, reorder-point policy, depot dashboard, trained planners.",
        metrics=[{"name": "Stock-outs", "unit": "per month", "direction": "lower"},
                 {"name": "Inventory value", "unit": "kEUR", "direction": "lower"}],
        roles=[{"name": "Supply-chain analyst", "skill": "", "min_level": 3, "share": "0.6"},
               {"name": "Data engineer", "skill": "", "min_level": 3, "share": "0.4"}],
    )  # fmt: skip
    automation = services.offering_save(
        actor=actor, name=offering_name("Invoice processing automation"), theme=invoice,
        scope="Automate invoice capture, matching and approval.",
        deliverables="Bots for capture and matching, approval workflow, run book.",
        metrics=[{"name": "Invoice cycle time", "unit": "days", "direction": "lower"}],
        roles=[{"name": "Automation developer", "skill": "", "min_level": 3, "share": "0.8"}],
    )  # fmt: skip
    today = timezone.localdate()
    # the orchestrator's staff member (else admin) who leads the demo engagements
    lead_membership = (
        Membership.objects.filter(
            organization_id=workspace.orchestrator_id,
            role__in=[Role.ORCHESTRATOR_STAFF, Role.ORCHESTRATOR_ADMIN],
            is_active=True,
        )
        .select_related("user")
        .order_by("-role", "id")
        .first()
    )
    lead = lead_membership.user if lead_membership else None
    tools = [
        {"kind": "project_management", "name": "Engagement board", "url": ""},
        {"kind": "collaboration", "name": "Shared workspace", "url": ""},
        {"kind": "financial_model", "name": "Benefit model workbook", "url": ""},
        {"kind": "analysis", "name": "Depot analytics notebook", "url": ""},
    ]

    def open_engagement(customer, offering, title, start, months, model):
        engagement = services.engagement_create(
            actor=actor, customer=customer, offering=offering, title=title,
            start_date=start, end_date=_months(start, months + 1)[-1] - dt.timedelta(days=1),
            cadence="Weekly working session, monthly steering", currency="EUR",
            budget=Decimal("180000.00"), tools=tools, commercial_model=model,
            customer_team=_team(workspace, customer, rng), lead=lead,
        )  # fmt: skip
        for metric in engagement.metrics.all():
            lower = metric.unit == "days"
            services.metric_update(
                actor=actor, metric=metric,
                value_per_unit=Decimal("1500") if metric.unit == "per month"
                else Decimal("1000") if metric.unit == "kEUR" else Decimal("2500"),
                target=Decimal("12") if metric.unit == "per month"
                else Decimal("900") if metric.unit == "kEUR" else Decimal("4") if lower else None,
                plausible_min=Decimal("0"),
                plausible_max=Decimal("100") if metric.unit != "kEUR" else Decimal("5000"),
                comparison_label="The customer's depots outside the engagement",
            )  # fmt: skip
        return engagement

    baseline_levels = {"per month": 30.0, "kEUR": 1400.0, "days": 11.0}
    drift = {"per month": -1.6, "kEUR": -45.0, "days": -0.6}
    noise = {"per month": 1.5, "kEUR": 20.0, "days": 0.5}

    def measure(engagement, customer, slug, *, finish: bool):
        services.engagement_transition(actor=actor, engagement=engagement, to_status="staffing")
        services.engagement_transition(actor=actor, engagement=engagement, to_status="baseline")
        months = _months(engagement.start_date, 12)
        metrics = list(engagement.metrics.order_by("name"))
        for metric in metrics:
            level = baseline_levels[metric.unit]
            for group in ("engagement", "comparison"):
                values = _series(rng, level * (1.05 if group == "comparison" else 1), 0,
                                 3, noise[metric.unit])  # fmt: skip
                for period, value in zip(months[:3], values, strict=True):
                    services.measurement_record(
                        actor=actor, metric=metric, kind="baseline", group=group,
                        period_start=period, value=value, unit=metric.unit,
                    )  # fmt: skip
        version = engagement.baseline_versions.get()
        services.baseline_submit(actor=actor, version=version)
        services.baseline_confirm(actor=_customer_admin(workspace, customer, slug), version=version)
        services.engagement_transition(actor=actor, engagement=engagement, to_status="tracking")
        tracked = months[3:9] if finish else months[3:6]
        for metric in metrics:
            level = baseline_levels[metric.unit]
            for group, slope in (
                ("engagement", drift[metric.unit]),
                ("comparison", drift[metric.unit] * 0.25),
            ):
                values = _series(rng, level, slope, len(tracked), noise[metric.unit])
                for period, value in zip(tracked, values, strict=True):
                    services.measurement_record(
                        actor=actor, metric=metric, kind="tracking", group=group,
                        period_start=period, value=value, unit=metric.unit,
                    )  # fmt: skip
                if finish:
                    final = _series(rng, level + slope * 8, slope, 3, noise[metric.unit])
                    for period, value in zip(months[9:12], final, strict=True):
                        services.measurement_record(
                            actor=actor, metric=metric, kind="final", group=group,
                            period_start=period, value=value, unit=metric.unit,
                        )  # fmt: skip
        if finish:
            services.measurement_close(actor=actor, engagement=engagement)
            benefit_run.benefit_compute(actor=actor, engagement=engagement)
            report = services.report_issue(
                actor=actor, engagement=engagement,
                summary="Stock-outs and inventory value fell well beyond the comparison depots.",
            )  # fmt: skip
            services.report_decide(
                actor=_customer_admin(workspace, customer, slug), report=report,
                decision="confirm", comment="Confirmed in the steering committee.",
            )  # fmt: skip

    closed = open_engagement(
        customers[0], stock, "Depot inventory optimisation",
        _months(today.replace(day=1), 1)[0].replace(year=today.year - 1), 11, "gain_share",
    )  # fmt: skip
    measure(closed, customers[0], "customer-closed", finish=True)
    tracking = open_engagement(
        customers[1], automation, "Invoice automation",
        # six months ago, on the first, so that its first month's statement has time in it
        _months(today.replace(day=1).replace(year=today.year - 1), 7)[-1], 9, "consulting",
    )  # fmt: skip
    measure(tracking, customers[1], "customer-tracking", finish=False)
    staffing = open_engagement(
        customers[2], stock, "Spare-parts planning", today.replace(day=1), 6, "subscription"
    )
    services.engagement_transition(actor=actor, engagement=staffing, to_status="staffing")
    found = {"closed": closed, "tracking": tracking, "staffing": staffing}
    return {name: Engagement.objects.get(pk=item.pk) for name, item in found.items()}


def populate_engagements(workspace, *, rng: random.Random) -> dict:
    """The engagements part of the global demo, in the order each part builds on: the skills
    inventory (~600 workers), the cycle's three engagements, their staffing (the closed and the
    tracking engagement with accepted assignments, the one being staffed with a proposal
    waiting for the lead), then the money (terms, approved time, settlements)."""
    from . import services_staffing
    from .demo_money import demo_money
    from .demo_staffing import demo_staff, demo_workforce

    workforce = demo_workforce(workspace, rng=rng)
    engagements = demo_cycle(workspace, rng=rng)
    system = Actor.system(workspace)
    accepted = 0
    for name in ("closed", "tracking", "staffing"):
        demo_staff(engagements[name], rng=rng)
        if name != "staffing":
            accepted += services_staffing.assignments_accept_all(
                actor=system, engagement=engagements[name]
            )
    money = demo_money(engagements, rng=rng)
    supplier = _supplier_member(workspace, engagements["tracking"])
    return {
        "workers": workforce["workers"],
        "accepted_assignments": accepted,
        "supplier_login": supplier.user.email if supplier else None,
        **money,
    }


def _supplier_member(workspace, engagement: Engagement) -> Actor | None:
    """A login for an ecosystem organisation whose people work on the engagement, so that the
    demo shows what such an organisation sees (the engagement, read only, and its assignments)."""
    from .models import Assignment, AssignmentStatus

    assignment = (
        Assignment.objects.filter(role__engagement=engagement, status=AssignmentStatus.ACCEPTED)
        .exclude(person__organization=None)
        .exclude(person__organization_id__in=[workspace.orchestrator_id, engagement.customer_id])
        .select_related("person__organization")
        .order_by("id")
        .first()
    )
    if assignment is None:
        return None
    membership = member_add(
        actor=Actor.system(workspace),
        email="member@supplier.example",
        organization=assignment.person.organization,
        role=Role.EXTERNAL_MEMBER,
        password=DEMO_PASSWORD,
        first_name="Sam",
        last_name="Supplier",
    )
    return Actor(workspace=workspace, user=membership.user, membership=membership)
