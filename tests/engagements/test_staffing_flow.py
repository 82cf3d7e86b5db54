"""Staffing as users meet it: the inventory (taxonomy, skills with certificates, availability
ranges, import all-or-nothing), roles and the optimiser's proposal written from the database,
refusals of over-allocation, locks kept on re-runs, e-mails, alignment, utilisation, the talent
review, pages and API, and what external organisations may see."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ecosys.core.access import Actor
from ecosys.core.imports import IMPORTERS
from ecosys.ecosystem.models import Organization, Person, WorkerType
from ecosys.engagements import selectors_staffing as selectors
from ecosys.engagements import services_staffing as services
from ecosys.engagements.demo_staffing import demo_staff, demo_workforce
from ecosys.engagements.models import (
    Assignment,
    AssignmentStatus,
    Availability,
    Engagement,
    EngagementRole,
    EngagementStatus,
    PersonSkill,
    Skill,
    StaffingRun,
)

MONDAY = dt.date(2031, 3, 3)


@pytest.fixture
def system(workspace):
    return Actor.system(workspace)


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Background tasks and e-mails run when their transaction commits; run them at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def skill(system):
    services.skills_load_default(actor=system)
    return Skill.objects.get(name="Data analytics")


def worker(workspace, name, *, kind=WorkerType.EMPLOYEE, org="orchestrator", email=""):
    org_id = workspace.orchestrator_id if org == "orchestrator" else org
    return Person.objects.create(workspace=workspace, first_name=name, last_name="Test",
                                 worker_type=kind, organization_id=org_id, email=email)  # fmt: skip


@pytest.fixture
def customer(workspace):
    return Organization.objects.exclude(pk=workspace.orchestrator_id).order_by("id").first()


@pytest.fixture
def engagement(workspace, customer):
    return Engagement.objects.create(
        workspace=workspace, customer=customer, title="Staffing test", currency="EUR",
        start_date=MONDAY, end_date=MONDAY + dt.timedelta(weeks=4, days=4),
    )  # fmt: skip


def role(system, engagement, skill, **kw):
    values = dict(name="Analyst", skill=skill, min_level=3, share="0.5",
                  start_date=engagement.start_date, end_date=engagement.end_date)  # fmt: skip
    return services.role_save(actor=system, engagement=engagement, **{**values, **kw})


def test_default_taxonomy_loads_once(system):
    added = services.skills_load_default(actor=system)
    assert added >= 30
    names = set(Skill.objects.values_list("name", flat=True))
    assert {
        "Business process analysis",
        "Data analytics",
        "Robotic process automation",
        "Inventory control",
        "Project management",
        "Change management",
        "German",
    } <= names
    assert services.skills_load_default(actor=system) == 0
    with pytest.raises(ValidationError, match="already has"):
        services.skill_save(actor=system, name="data ANALYTICS")


def test_person_skill_levels_and_certificate_evidence(workspace, system, skill):
    from ecosys.readiness.models import CertificateAward

    ana = worker(workspace, "Ana")
    row = services.person_skill_save(actor=system, person=ana, skill=skill, level=4)
    assert row.level == 4
    with pytest.raises(ValidationError, match="1 to 5"):
        services.person_skill_save(actor=system, person=ana, skill=skill, level=6)
    assert PersonSkill.objects.get(pk=row.pk).level == 4
    award = CertificateAward.objects.select_related("person", "certification").first()
    if award is not None:
        with pytest.raises(ValidationError, match="someone else"):
            services.person_skill_save(actor=system, person=ana, skill=skill, level=4,
                                       certificate=award)  # fmt: skip
        linked = services.person_skill_save(
            actor=system, person=award.person, skill=skill, level=3, certificate=award
        )
        assert award.code in linked.evidence


def test_availability_range_and_refused_values(workspace, system):
    ana = worker(workspace, "Ana")
    weeks = services.availability_set(
        actor=system, person=ana, start=MONDAY + dt.timedelta(2),
        end=MONDAY + dt.timedelta(weeks=3), fraction="0.6",
    )  # fmt: skip
    assert weeks == 4
    rows = Availability.objects.filter(person=ana).order_by("week_start")
    assert [r.week_start for r in rows][0] == MONDAY and rows.count() == 4
    assert {r.fraction for r in rows} == {Decimal("0.60")}
    with pytest.raises(ValidationError):
        services.availability_set(actor=system, person=ana, start=MONDAY, end=MONDAY,
                                  fraction="1.5")  # fmt: skip
    with pytest.raises(ValidationError):
        services.availability_set(actor=system, person=ana, start=MONDAY,
                                  end=MONDAY - dt.timedelta(weeks=1), fraction="0.5")  # fmt: skip
    assert Availability.objects.filter(person=ana).count() == 4


def test_over_allocation_is_refused_with_the_weeks(workspace, system, engagement, skill):
    ana = worker(workspace, "Ana")
    services.availability_set(actor=system, person=ana, start=MONDAY,
                              end=MONDAY + dt.timedelta(weeks=1), fraction="0.6")  # fmt: skip
    first = role(system, engagement, skill, name="First")
    second = role(system, engagement, skill, name="Second")
    services.assignment_save(actor=system, role=first, person=ana, share="0.5")
    with pytest.raises(ValidationError) as refused:
        services.assignment_save(actor=system, role=second, person=ana, share="0.3")
    text = str(refused.value)
    assert "beyond their availability" in text and f"week of {MONDAY}" in text
    assert Assignment.objects.filter(role=second).count() == 0
    with pytest.raises(ValidationError, match="needs 50%"):
        services.assignment_save(actor=system, role=first, person=worker(workspace, "Bo"),
                                 share="0.2")  # fmt: skip


def test_optimiser_run_writes_a_proposal_keeps_locks_and_tells_people(
    workspace, system, engagement, skill
):
    people = []
    for k, level in enumerate([5, 4, 3, 2]):
        person = worker(workspace, f"P{k}", email=f"p{k}@example.com")
        services.person_skill_save(actor=system, person=person, skill=skill, level=level)
        services.worker_profile_save(actor=system, person=person, cost_rate=str(50 + 10 * k),
                                     bill_rate="120", currency="EUR")  # fmt: skip
        people.append(person)
    analyst = role(system, engagement, skill, share="1")
    role(system, engagement, skill, name="Senior", min_level=5, share="0.5")
    run = services.staffing_run_start(actor=system, engagement=engagement)
    run.refresh_from_db()  # the test settings run tasks at once
    assert run.status == "done", run.message
    proposed = list(Assignment.objects.filter(role__engagement=engagement))
    assert proposed and all(a.status == AssignmentStatus.PROPOSED for a in proposed)
    assert all("level" in a.explanation and "cost" in a.explanation for a in proposed)
    assert all(a.person != people[3] for a in proposed)  # level 2 never qualifies
    assert sum(a.share for a in proposed if a.role == analyst) == Decimal("1.00")
    # accept and lock one; the person is told once
    keep = next(a for a in proposed if a.role == analyst)
    mail.outbox.clear()
    services.assignment_decide(actor=system, assignment=keep, accept=True, locked=True)
    assert [m.to for m in mail.outbox] == [[keep.person.email]]
    services.staffing_run_start(actor=system, engagement=engagement)
    kept = Assignment.objects.get(pk=keep.pk)
    assert kept.locked and kept.status == AssignmentStatus.ACCEPTED and kept.share == keep.share
    assert StaffingRun.objects.filter(engagement=engagement, status="done").count() == 2


def test_unfilled_role_explained_with_cross_training(workspace, system, engagement, skill):
    short = worker(workspace, "Short")
    services.person_skill_save(actor=system, person=short, skill=skill, level=4)
    role(system, engagement, skill, name="Lead analyst", min_level=5)
    run = demo_run(system, engagement)
    (item,) = run.unfilled
    assert item["reason"] == "no_skill"
    assert "Data analytics" in item["message"]
    assert item["cross_training"][0]["person"] == str(short.public_id)


def demo_run(system, engagement):
    run = services.staffing_run_start(actor=system, engagement=engagement)
    run.refresh_from_db()
    return run


def test_external_users_cannot_staff(actors, engagement, skill):
    with pytest.raises(PermissionDenied):
        role(actors["partner_a_admin"], engagement, skill)
    assert not EngagementRole.objects.filter(engagement=engagement).exists()


def test_import_person_skills_all_or_nothing(workspace, system, actors, skill):
    from ecosys.core.services import import_job_create

    ana = worker(workspace, "Ana", email="ana.import@example.com")
    assert "person-skills" in IMPORTERS
    bad = ("person,skill,level\nana.import@example.com,Data analytics,4\n"
           "nobody@example.com,Data analytics,3\nana.import@example.com,Nope,2\n")  # fmt: skip
    job = import_job_create(actor=actors["orchestrator_admin"], kind="person-skills",
                            file_name="skills.csv", content=bad.encode())  # fmt: skip
    job.refresh_from_db()
    assert job.status == "failed"
    assert {(e["row"], e["column"]) for e in job.errors} == {(3, "person"), (4, "skill")}
    assert not PersonSkill.objects.filter(person=ana).exists()
    good = "person,skill,level,evidence\nana.import@example.com,Data analytics,4,Two projects\n"
    job = import_job_create(actor=actors["orchestrator_admin"], kind="person-skills",
                            file_name="skills.csv", content=good.encode())  # fmt: skip
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert PersonSkill.objects.get(person=ana).evidence == "Two projects"


def test_alignment_counts_own_ecosystem_and_cross_training(workspace, system, actors, skill):
    supplier = Organization.objects.exclude(pk=workspace.orchestrator_id).order_by("id")[1]
    baseline = selectors.alignment(
        actor=actors["orchestrator_admin"], roles=[{"name": "R", "skill": skill, "min_level": 5}]
    )[0]
    own = worker(workspace, "Own")
    gig = worker(workspace, "Gig", kind=WorkerType.GIG, org=None)
    staff = worker(workspace, "Staff", kind=WorkerType.SERVICE_STAFF, org=supplier.pk)
    for person, level in ((own, 4), (gig, 5), (staff, 5)):
        services.person_skill_save(actor=system, person=person, skill=skill, level=level)
    (row,) = selectors.alignment(
        actor=actors["orchestrator_admin"], roles=[{"name": "R", "skill": skill, "min_level": 5}]
    )
    assert row["qualify"] - baseline["qualify"] == 2
    assert row["ecosystem"] - baseline["ecosystem"] == 2
    assert row["cross_training"] - baseline["cross_training"] == 1
    if baseline["own"] == 0:
        assert row["ecosystem_must_supply"]


def test_demo_workforce_and_staffing(workspace):
    from ecosys.engagements.demo import demo_cycle

    stats = demo_workforce(workspace, rng=random.Random(3))
    assert stats["workers"] >= 600
    kinds = set(Person.objects.filter(skills__isnull=False).values_list("worker_type", flat=True))
    assert {"employee", "contractor", "service_staff", "gig"} <= kinds
    engagement = demo_cycle(workspace, rng=random.Random(7))["staffing"]
    run = demo_staff(engagement, rng=random.Random(4))
    assert run.status == "done"
    assert Assignment.objects.filter(role__engagement=engagement).exists()
    problem = services.staffing_problem(engagement)[0]
    from ecosys.engagements import staffing

    rows = [staffing.Allocation(role=str(a.role_id), person=str(a.person_id), share=float(a.share),
                                value=0, cost=0)
            for a in Assignment.objects.filter(role__engagement=engagement)]  # fmt: skip
    # the proposal fits everyone's availability net of their other engagements
    problem = services.staffing_problem(
        engagement, exclude_assignments=[a.pk for a in
                                         Assignment.objects.filter(role__engagement=engagement)]
    )[0]  # fmt: skip
    assert [v for v in staffing.violations(problem, rows) if "over budget" not in v] == []


def test_pages_and_api(workspace, system, engagement, skill, client_as):
    ana = worker(workspace, "Ana")
    services.person_skill_save(actor=system, person=ana, skill=skill, level=4)
    analyst = role(system, engagement, skill)
    services.assignment_save(actor=system, role=analyst, person=ana, share="0.5")
    admin = client_as("orchestrator_admin")
    for url in (
        "/engagements/skills/",
        "/engagements/people-skills/",
        f"/engagements/workers/{ana.public_id}/",
        "/engagements/alignment/",
        f"/engagements/alignment/?engagement={engagement.public_id}",
        f"/engagements/{engagement.public_id}/staffing/",
        "/engagements/utilisation/",
        "/engagements/talent/",
        "/engagements/assignments/",
        "/engagements/people-skills/?export=xlsx",
        "/engagements/skills/?export=csv",
    ):
        assert admin.get(url).status_code == 200, url
    page = admin.get(f"/engagements/{engagement.public_id}/staffing/").content.decode()
    assert "Ana Test" in page and "Propose staffing" in page
    response = admin.post(f"/engagements/staffing/roles/{analyst.public_id}/assign/",
                          {"person": ana.public_id, "share": "0.9"})  # fmt: skip
    assert response.status_code == 302
    answer = admin.get("/api/v1/assignments").json()
    assert any(r["person"] == "Ana Test" for r in answer["results"])
    response = admin.put(f"/api/v1/workers/{ana.public_id}/availability",
                         {"start": str(MONDAY), "end": str(MONDAY), "fraction": "2"},
                         content_type="application/json")  # fmt: skip
    assert response.status_code in (400, 422)


def test_external_users_see_only_their_assignments(workspace, system, engagement, skill,
                                                    client_as, partner_a, partner_b):  # fmt: skip
    other = (
        Organization.objects.exclude(pk__in=[workspace.orchestrator_id, partner_a.pk, partner_b.pk])
        .order_by("id")
        .first()
    )
    Engagement.objects.filter(pk=engagement.pk).update(customer=other)
    engagement.refresh_from_db()
    mine = worker(workspace, "Mine", kind=WorkerType.CONTRACTOR, org=partner_a.pk)
    theirs = worker(workspace, "Theirs", kind=WorkerType.CONTRACTOR, org=partner_b.pk)
    for person in (mine, theirs):
        services.person_skill_save(actor=system, person=person, skill=skill, level=4)
        own_role = role(system, engagement, skill, name=f"Role {person.first_name}")
        services.assignment_save(actor=system, role=own_role, person=person, share="0.5")
    client = client_as("partner_a_member")
    page = client.get("/engagements/assignments/").content.decode()
    assert "Mine Test" in page and "Theirs Test" not in page
    assert client.get(f"/engagements/{engagement.public_id}/staffing/").status_code in (403, 404)
    assert client.get("/engagements/skills/").status_code == 403
    assert client.get("/engagements/utilisation/").status_code == 403
    rows = client.get("/api/v1/assignments").json()["results"]
    assert [r["person"] for r in rows] == ["Mine Test"]
    assert rows[0]["explanation"] == ""  # it names costs


def test_talent_review_after_close(workspace, system, engagement, skill):
    role(system, engagement, skill, min_level=5)
    demo_run(system, engagement)
    Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.CLOSED)
    review = selectors.talent_review(actor=system)
    assert any(s["skill"] == "Data analytics" for s in review["short"])
    assert review["suggestions"]


@pytest.mark.parametrize(
    "url",
    [
        "/engagements/people-skills/",
        "/engagements/skills/",
        "/engagements/assignments/",
        "/api/v1/people-skills",
        "/api/v1/assignments",
        "/api/v1/skills",
    ],
)
def test_list_queries_do_not_grow_with_rows(workspace, system, engagement, skill, client_as, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = client_as("orchestrator_admin")

    def add(n):
        for k in range(n):
            person = worker(workspace, f"Q{k}{Person.objects.count()}")
            services.person_skill_save(actor=system, person=person, skill=skill, level=3)
            one = role(system, engagement, skill, name=f"R{person.pk}", share="0.1")
            services.assignment_save(actor=system, role=one, person=person, share="0.1")
        services.skill_save(actor=system, name=f"Extra {Skill.objects.count()}")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    add(3)
    few = count()
    add(9)
    assert count() == few


def test_run_writes_nothing_when_assignments_change_meanwhile(
    workspace, system, engagement, skill, monkeypatch
):
    from ecosys.engagements import staffing

    ana, bo = worker(workspace, "Ana"), worker(workspace, "Bo")
    for person in (ana, bo):
        services.person_skill_save(actor=system, person=person, skill=skill, level=4)
    analyst = role(system, engagement, skill)
    solve = staffing.solve

    def meanwhile(problem, settings=None):
        services.assignment_save(actor=system, role=analyst, person=bo, share="0.2")
        return solve(problem, settings)

    monkeypatch.setattr(staffing, "solve", meanwhile)
    run = StaffingRun.objects.create(workspace=workspace, engagement=engagement)
    with pytest.raises(ValidationError):
        services.staffing_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "changed while the run" in run.message
    assert [(a.person, a.share) for a in Assignment.objects.filter(role=analyst)] == [
        (bo, Decimal("0.20"))
    ]


def test_alignment_page_for_an_offering(workspace, system, skill, client_as):
    from ecosys.engagements.models import Offering

    offering = Offering.objects.create(
        workspace=workspace, name="Matrix-free offering", scope="Scope",
        roles=[{"name": "Analyst", "skill": str(skill.public_id), "min_level": 5, "share": 0.5},
               {"name": "Ghost", "skill": "no such skill", "min_level": 2, "share": 0.5}],
    )  # fmt: skip
    ace = worker(workspace, "Ace", kind=WorkerType.GIG, org=None)
    services.person_skill_save(actor=system, person=ace, skill=skill, level=5)
    page = client_as("orchestrator_admin").get(
        f"/engagements/alignment/?offering={offering.public_id}"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Analyst" in text and "1 role(s) name a skill that is not in the taxonomy" in text
    assert "alignment-data" in text
