"""Demo data of the competency inventory and staffing: ~600 workers of every type with skills,
profiles and availability, and roles plus an optimiser proposal for a given engagement."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.ecosystem.models import Organization, Person, WorkerType

from . import services_staffing as services
from .models import (
    Availability,
    Engagement,
    EngagementRole,
    PersonSkill,
    Skill,
    StaffingRun,
    WorkerProfile,
)

TARGET_WORKERS = 600
FIRST = ["Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jana", "Kofi",
         "Lena", "Mateo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
         "Wen", "Yara", "Zoe"]  # fmt: skip
LAST = ["Adler", "Berg", "Costa", "Dahl", "Engel", "Fischer", "Garcia", "Horvat", "Ivanova",
        "Jensen", "Klein", "Lopez", "Moreau", "Novak", "Olsen", "Petit", "Rossi", "Schmidt",
        "Tanaka", "Usman", "Varga", "Weber", "Young", "Zeller"]  # fmt: skip
CITIES = ["Berlin", "Munich", "Paris", "Lyon", "Madrid", "Milan", "Warsaw", "Vienna"]
LANGUAGES = ["en", "de", "fr", "es", "it", "pl"]
# (share of new workers, hourly cost range)
MIX = {
    WorkerType.EMPLOYEE: (0.40, (45, 95)),
    WorkerType.CONTRACTOR: (0.22, (60, 130)),
    WorkerType.SERVICE_STAFF: (0.20, (50, 110)),
    WorkerType.GIG: (0.15, (30, 80)),
    WorkerType.BOT: (0.03, (5, 15)),
}


def _system(workspace) -> Actor:
    return Actor.system(workspace)


def demo_workforce(workspace, *, rng: random.Random) -> dict:
    """Skills taxonomy, ~600 workers of all types with skills, profiles and availability."""
    services.skills_load_default(actor=_system(workspace))
    skills = list(Skill.objects.filter(workspace=workspace).order_by("id"))
    language_skills = {s.name: s for s in skills if s.category == "Languages"}
    work_skills = [s for s in skills if s.category != "Languages"]
    workers = list(
        Person.objects.filter(workspace=workspace, worker_type__in=services.WORKER_TYPES)
    )
    suppliers = list(
        Organization.objects.filter(workspace=workspace)
        .exclude(pk=workspace.orchestrator_id)
        .order_by("id")[:40]
    )
    missing = TARGET_WORKERS - len(workers)
    new = []
    types = list(MIX)
    weights = [MIX[t][0] for t in types]
    for k in range(max(missing, 0)):
        kind = rng.choices(types, weights)[0]
        if kind in (WorkerType.EMPLOYEE, WorkerType.BOT):
            org_id = workspace.orchestrator_id
        elif (
            kind == WorkerType.SERVICE_STAFF
            and suppliers
            or kind == WorkerType.CONTRACTOR
            and suppliers
            and rng.random() < 0.4
        ):
            org_id = rng.choice(suppliers).pk
        else:
            org_id = None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if kind == WorkerType.BOT:
            first, last = "", f"Bot {k + 1}"
        new.append(Person(
            workspace=workspace, first_name=first, last_name=last, worker_type=kind,
            organization_id=org_id, location=rng.choice(CITIES),
            email=f"{first.lower() or 'bot'}.{last.lower().replace(' ', '')}.{k}@workers.example",
            title="Consultant" if kind != WorkerType.BOT else "Automation",
        ))  # fmt: skip
    Person.objects.bulk_create(new)
    workers = list(
        Person.objects.filter(workspace=workspace, worker_type__in=services.WORKER_TYPES).order_by(
            "id"
        )
    )
    have_skill = set(PersonSkill.objects.filter(person__in=workers).values_list(
        "person_id", flat=True))  # fmt: skip
    have_profile = set(WorkerProfile.objects.filter(person__in=workers).values_list(
        "person_id", flat=True))  # fmt: skip
    person_skills, profiles, weeks = [], [], []
    today = services.monday(timezone.localdate())
    for person in workers:
        languages = {"en"} if rng.random() < 0.85 else set()
        languages |= set(rng.sample(LANGUAGES, rng.randint(1, 2)))
        if person.pk not in have_skill:
            for skill in rng.sample(work_skills, rng.randint(2, 5)):
                level = max(1, min(5, round(rng.gauss(3, 1.1))))
                person_skills.append(PersonSkill(
                    workspace=workspace, person=person, skill=skill, level=level,
                    evidence=rng.choice(["Project references", "Self-assessed, confirmed by "
                                         "lead", "Delivered two engagements", ""]),
                ))  # fmt: skip
            for code in languages:
                name = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}.get(code)
                if name in language_skills:
                    person_skills.append(PersonSkill(
                        workspace=workspace, person=person, skill=language_skills[name],
                        level=rng.randint(3, 5), evidence="Working language",
                    ))  # fmt: skip
        if person.pk not in have_profile:
            low, high = MIX.get(person.worker_type, (0, (40, 90)))[1]
            cost = Decimal(str(round(rng.uniform(low, high), 2)))
            profiles.append(WorkerProfile(
                workspace=workspace, person=person, cost_rate=cost,
                bill_rate=(cost * Decimal("1.6")).quantize(Decimal("0.01")), currency="EUR",
                location=person.location or rng.choice(CITIES), remote=True,
                onsite=person.worker_type != WorkerType.BOT and rng.random() < 0.75,
                languages=sorted(languages),
                weekly_capacity=Decimal(rng.choice(["1", "1", "0.8", "0.6", "0.5"])),
            ))  # fmt: skip
            if rng.random() < 0.35:  # holidays or a part-time stretch in the next half year
                start = rng.randint(0, 20)
                fraction = Decimal(rng.choice(["0", "0", "0.5"]))
                weeks.extend(
                    Availability(workspace=workspace, person=person,
                                 week_start=today + dt.timedelta(weeks=w), fraction=fraction)
                    for w in range(start, start + rng.randint(1, 4))
                )  # fmt: skip
    PersonSkill.objects.bulk_create(person_skills, ignore_conflicts=True)
    WorkerProfile.objects.bulk_create(profiles, ignore_conflicts=True)
    Availability.objects.bulk_create(weeks, ignore_conflicts=True)
    return {"workers": len(workers), "created": len(new), "skills": len(person_skills)}


ROLE_TEMPLATES = [
    ("Engagement manager", "Project management", 4, "0.5"),
    ("Process analyst", "Business process analysis", 3, "0.8"),
    ("Data analyst", "Data analytics", 3, "0.6"),
    ("Automation engineer", "Robotic process automation", 3, "0.5"),
    ("Inventory specialist", "Inventory control", 4, "0.4"),
    ("Change lead", "Change management", 3, "0.3"),
    ("Financial modeller", "Financial modelling", 4, "0.2"),
]


def demo_staff(engagement: Engagement, *, rng: random.Random, roles: int = 5) -> StaffingRun:
    """Add roles to an engagement and run the optimiser for it (synchronously)."""
    workspace = engagement.workspace
    actor = _system(workspace)
    if not Skill.objects.filter(workspace=workspace).exists():
        services.skills_load_default(actor=actor)
    skills = {s.name: s for s in Skill.objects.filter(workspace=workspace)}
    if not engagement.roles.exists():
        for name, skill_name, level, share in rng.sample(ROLE_TEMPLATES, roles):
            skill = skills.get(skill_name)
            if skill is None:
                continue
            start = engagement.start_date
            if rng.random() < 0.3:
                start = start + dt.timedelta(weeks=rng.randint(1, 4))
            EngagementRole.objects.create(
                workspace=workspace, engagement=engagement, name=name, skill=skill,
                min_level=level, share=Decimal(share), start_date=min(start, engagement.end_date),
                end_date=engagement.end_date, onsite=rng.random() < 0.2,
            )  # fmt: skip
    run = StaffingRun.objects.create(
        workspace=workspace, engagement=engagement, created_by=actor.label
    )
    return services.staffing_run_execute(run.pk)
