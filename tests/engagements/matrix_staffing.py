"""The permission matrix's objects, payloads and pages for the staffing part of engagements:
one shared skill; per organisation a contractor of it with a skill, a profile and availability,
an engagement (the organisation as customer) with a role, the contractor's assignment to it and
a finished staffing run, and a second worker of the organisation to assign."""

import datetime as dt

from ecosys.core.access import Actor
from ecosys.ecosystem.models import Person, WorkerType
from ecosys.engagements import services_staffing as services
from ecosys.engagements.models import Engagement, StaffingRun

PAGES = (
    "/engagements/{staffing_engagement}/staffing/",
    "/engagements/workers/{staffing_worker}/",
    "/engagements/skills/{staffing_skill}/",
    "/engagements/staffing/roles/{staffing_role}/",
    "/engagements/staffing/assignments/{staffing_assignment}/",
    "/engagements/staffing/runs/{staffing_run}/",
)
LISTS = (
    "/engagements/skills/",
    "/engagements/skills/add/",
    "/engagements/people-skills/",
    "/engagements/alignment/",
    "/engagements/utilisation/",
    "/engagements/talent/",
    "/engagements/assignments/",
    "/imports/person-skills/new/",
)
START = dt.date(2030, 1, 7)


def objects(workspace, actors, organizations) -> dict:
    system = Actor.system(workspace)
    skill = services.skill_save(actor=system, name="Matrix skill", category="Matrix")
    found = {}
    for organization in organizations:
        people = [
            Person.objects.create(
                workspace=workspace,
                first_name=name,
                last_name=f"Matrix {organization.pk}",
                worker_type=WorkerType.CONTRACTOR,
                organization=organization,
            )  # fmt: skip
            for name in ("Worker", "Spare")
        ]
        worker = people[0]
        row = services.person_skill_save(actor=system, person=worker, skill=skill, level=4)
        services.person_skill_save(actor=system, person=people[1], skill=skill, level=3)
        services.worker_profile_save(actor=system, person=worker, cost_rate="50", bill_rate="90")
        services.availability_set(actor=system, person=worker, start=START, end=START,
                                  fraction="0.8")  # fmt: skip
        engagement = Engagement.objects.create(
            workspace=workspace, customer=organization, title=f"Matrix staffing {organization}",
            start_date=START, end_date=START + dt.timedelta(weeks=8), currency="EUR",
        )  # fmt: skip
        role = services.role_save(
            actor=system, engagement=engagement, name="Matrix role", skill=skill, min_level=3,
            share="0.5", start_date=START, end_date=START + dt.timedelta(weeks=8),
        )  # fmt: skip
        assignment = services.assignment_save(actor=system, role=role, person=worker, share="0.3")
        run = StaffingRun.objects.create(
            workspace=workspace, engagement=engagement, status="done", progress=100,
            message="Matrix run",
        )  # fmt: skip
        found[organization] = {
            "staffing_skill": skill.public_id,
            "staffing_worker": worker.public_id,
            "staffing_spare": people[1].public_id,
            "staffing_person_skill": row.public_id,
            "staffing_engagement": engagement.public_id,
            "staffing_role": role.public_id,
            "staffing_assignment": assignment.public_id,
            "staffing_run": run.public_id,
        }
    return found


def url(url: str, ids: dict) -> str:
    for name, key in (
        ("staffed_engagement_id", "staffing_engagement"), ("skill_id", "staffing_skill"),
        ("person_id", "staffing_worker"), ("row_id", "staffing_person_skill"),
        ("role_id", "staffing_role"), ("assignment_id", "staffing_assignment"),
        ("run_id", "staffing_run"),
    ):  # fmt: skip
        url = url.replace(f"{{uuidstr:{name}}}", str(ids[key]))
    return url


def payloads(ids: dict) -> dict:
    week = START.isoformat()
    return {
        "skill_create": {"name": "Matrix skill new", "category": "Matrix"},
        "skill_update": {"name": "Matrix skill", "category": "Matrix", "description": "x"},
        "person_skill_set": {"skill_id": str(ids["staffing_skill"]), "level": 5},
        "profile_set": {"cost_rate": "55", "bill_rate": "95", "currency": "EUR"},
        "availability_set": {"start": week, "end": week, "fraction": "0.9"},
        "role_create": {
            "name": "Matrix role 2",
            "skill_id": str(ids["staffing_skill"]),
            "min_level": 3,
            "share": "0.4",
            "start_date": week,
            "end_date": "2030-02-25",
        },  # fmt: skip
        "role_update": {
            "name": "Matrix role",
            "skill_id": str(ids["staffing_skill"]),
            "min_level": 3,
            "share": "0.5",
            "start_date": week,
            "end_date": "2030-03-04",
        },  # fmt: skip
        "assignment_create": {"person_id": str(ids["staffing_spare"]), "share": "0.1"},
        "assignment_update": {"person_id": str(ids["staffing_worker"]), "share": "0.4"},
        "assignment_decide": {"accept": True},
        "alignment": {"engagement_id": str(ids["staffing_engagement"])},
    }
