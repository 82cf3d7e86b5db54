"""The exit bundle, further: coverage of the models, attachments, channel facts, new ids, and
round trips of generated workspaces (Hypothesis)."""

import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecosys.core.models import AuditEvent, Workspace
from ecosys.ecosystem.models import Organization, Person, Relationship, Tag
from ecosys.partners.models import Partner, Program, Tier
from ecosys.performance.services import store_for
from ecosys.portability.bundle_import import import_bundle
from ecosys.portability.registry import NOT_IN_BUNDLE, declarations, entity_name
from ecosys.questionnaires.models import AnswerFile, Assignment, Question, Questionnaire
from ecosys.readiness.models import (
    CertificateAward,
    Certification,
    Course,
    CourseFile,
    Enrollment,
)
from ecosys.selling.models import DealRegistration

from .test_bundle import (  # noqa: F401 (analytics_dir is an autouse fixture)
    analytics_dir,
    drop_workspace,
    export_bytes,
    manifest_of,
    new_workspace,
    same_bundle,
    write,
)


def test_every_model_with_a_workspace_is_declared_or_explained():
    """A new model that belongs to a workspace joins the bundle (its app's bundle.py) or is
    listed, with the reason, in registry.NOT_IN_BUNDLE."""
    declared = {declaration.entity for declaration in declarations()}
    missing = [
        entity_name(model)
        for model in apps.get_models()
        if any(
            field.is_relation and field.related_model is Workspace
            for field in model._meta.concrete_fields
        )
        and entity_name(model) not in declared
        and entity_name(model) not in NOT_IN_BUNDLE
    ]
    assert not missing, f"Declare these in <app>/bundle.py or list them in NOT_IN_BUNDLE: {missing}"
    assert not declared & set(NOT_IN_BUNDLE)
    assert all(reason.strip() for reason in NOT_IN_BUNDLE.values())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _with_files(workspace):
    """A course with a file module and an answer file, each with real bytes."""
    course = Course.objects.create(workspace=workspace, title="Files course")
    course_file = CourseFile(
        workspace=workspace, course=course, name="Datasheet.pdf", size=7, content_type="pdf"
    )
    course_file.file.save("datasheet.pdf", ContentFile(b"%PDF-1\n"), save=False)
    course_file.save()
    course.modules = [{"kind": "file", "title": "Sheet", "file": str(course_file.public_id)}]
    course.save()
    questionnaire = Questionnaire.objects.create(workspace=workspace, title="Evidence")
    question = Question.objects.create(
        workspace=workspace,
        questionnaire=questionnaire,
        section="A",
        position=1,
        text="Upload",
        kind="choice",
    )
    organization = Organization.objects.exclude(pk=workspace.orchestrator_id).first()
    assignment = Assignment.objects.create(
        workspace=workspace,
        questionnaire=questionnaire,
        organization=organization,
        due_date=dt.date(2030, 1, 1),
    )
    answer = AnswerFile(
        workspace=workspace,
        assignment=assignment,
        question=question,
        name="iso.txt",
        size=5,
        content_type="text/plain",
    )
    answer.file.save("iso.txt", ContentFile(b"ISO 1"), save=False)
    answer.save()
    return course_file, answer


def test_attachments_travel_with_checksums_and_come_back(workspace, media, tmp_path):
    course_file, answer = _with_files(workspace)
    data = export_bytes(workspace, scope="workspace")
    manifest = manifest_of(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    path = f"attachments/readiness.coursefile/{course_file.public_id}/file.pdf"
    assert archive.read(path) == b"%PDF-1\n"
    assert manifest["files"][path]["sha256"] == hashlib.sha256(b"%PDF-1\n").hexdigest()
    assert manifest["entities"]["questionnaires.answerfile"]["attachments"] == 1
    lines = archive.read("entities/readiness.coursefile.jsonl").decode().splitlines()
    assert json.loads(lines[0])["file"] == path

    drop_workspace(workspace)
    target = new_workspace(name=workspace.name, slug="copy")
    dry = import_bundle(target, write(tmp_path, data), dry_run=True)
    assert dry.ok and dry.attachments == 2 and not dry.applied
    report = import_bundle(target, write(tmp_path, data))
    assert report.ok, report.problems
    assert report.attachments == 2
    with scope(workspace=target.pk):
        copy = AnswerFile.objects.get()
        assert copy.file.read() == b"ISO 1" and copy.file.name != answer.file.name
    same_bundle(data, export_bytes(target, scope="workspace"))


def test_an_attachment_path_that_is_not_its_own_is_refused(workspace, media, tmp_path):
    from .test_bundle import _fix_checksum, rebuild

    course_file, _ = _with_files(workspace)
    data = export_bytes(workspace, scope="workspace")

    def elsewhere(files):
        name = "entities/readiness.coursefile.jsonl"
        files[name] = files[name].replace(b"/file.pdf", b"/../../../etc/passwd")
        _fix_checksum(files, name)

    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, write(tmp_path, rebuild(data, elsewhere)))
    assert not report.ok and not report.applied
    assert any("file" in problem for problem in report.problems), report.problems


def test_new_ids_import_next_to_the_original(workspace, bundle_data, tmp_path):
    """Under new ids the bundle goes into a second workspace of the same instance twice."""
    path = write(tmp_path, bundle_data)
    refused = import_bundle(new_workspace(name="No", slug="no"), path)
    assert not refused.ok and "another workspace" in refused.problems[0]
    manifest = manifest_of(bundle_data)
    for slug in ("test-copy", "test-copy-2"):
        target = new_workspace(name=workspace.name, slug=slug)
        report = import_bundle(target, path, new_ids=True)
        assert report.ok, report.problems
        again = manifest_of(export_bytes(target, scope="workspace"))
        counts = {entity: entry["count"] for entity, entry in again["entities"].items()}
        assert counts == {entity: entry["count"] for entity, entry in manifest["entities"].items()}
        assert again["channel_facts"]["rows"] == manifest["channel_facts"]["rows"]
        with scope(workspace=target.pk):
            copies = set(Partner.objects.values_list("organization__name", flat=True))
            new_partner_ids = set(Partner.objects.values_list("public_id", flat=True))
            new_codes = set(CertificateAward.objects.values_list("code", flat=True))
            courses = Course.objects.exclude(previous=None).select_related("previous")
            assert all(c.previous.workspace_id == target.pk for c in courses)
            versions = courses.count()
            # Audit events come first, and name records of entities read after them: those
            # targets get their new ids too (a pass over the bundle's ids comes first).
            targets = set(
                AuditEvent.objects.exclude(target_public_id=None).values_list(
                    "target_public_id", flat=True
                )
            )
        with scope(workspace=workspace.pk):
            originals = {
                declaration.entity: set(
                    declaration.model.objects.values_list("public_id", flat=True)
                )
                for declaration in declarations()
                if declaration.entity != "core.auditevent"
            }
            named = set(
                AuditEvent.objects.exclude(target_public_id=None).values_list(
                    "target_public_id", flat=True
                )
            )
            later = named & set().union(*originals.values())
            assert later, "the demo's audit events name records of later entities"
            assert not targets & later and len(targets) == len(named)
        with scope(workspace=workspace.pk):
            assert versions == Course.objects.exclude(previous=None).count()
            assert copies == set(Partner.objects.values_list("organization__name", flat=True))
            assert not new_partner_ids & set(Partner.objects.values_list("public_id", flat=True))
            assert not new_codes & set(CertificateAward.objects.values_list("code", flat=True))


@pytest.fixture
def bundle_data(workspace):
    return export_bytes(workspace, scope="workspace")


def test_channel_facts_reimport_skips_or_replaces_existing_months(workspace, bundle_data, tmp_path):
    path = write(tmp_path, bundle_data)
    rows = manifest_of(bundle_data)["channel_facts"]["rows"]
    before = store_for(workspace).rows()
    report = import_bundle(workspace, path, policy="skip")
    assert report.ok and report.counts["channel_facts"] == {
        "created": 0,
        "updated": 0,
        "skipped": rows,
    }
    dry = import_bundle(workspace, path, policy="update", dry_run=True)
    assert dry.counts["channel_facts"]["updated"] == rows
    report = import_bundle(workspace, path, policy="update")
    assert report.ok and report.counts["channel_facts"]["updated"] == rows
    assert store_for(workspace).rows() == before
    refused = import_bundle(workspace, path, policy="fail")
    assert not refused.ok


def test_damaged_channel_facts_are_refused(workspace, bundle_data, tmp_path):
    from .test_bundle import _fix_checksum, rebuild

    def damage(files):
        name = next(n for n in files if n.startswith("channel_facts/"))
        files[name] = b"PAR1 not really"
        _fix_checksum(files, name)

    drop_workspace(workspace)
    target = new_workspace(name="Copy", slug="copy")
    report = import_bundle(target, write(tmp_path, rebuild(bundle_data, damage)))
    assert not report.ok and any("Parquet" in p for p in report.problems), report.problems
    assert store_for(target).rows() == 0


# --------------------------------------------------------------------------- generated data
names = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÄéØ-'", min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def ecosystems(draw):
    """A random ecosystem: organisations, people, relationships, partners, deals, courses with
    versions and prerequisites, enrolments and certificates."""
    return {
        "organizations": draw(st.lists(names, min_size=1, max_size=6, unique=True)),
        "tags": draw(st.lists(names, max_size=3, unique=True)),
        "people": draw(st.lists(st.tuples(st.integers(0, 5), names), max_size=8)),
        "relationships": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 5),
                    st.integers(0, 5),
                    st.sampled_from(["sells_through", "supplies", "partners_with", "serves"]),
                ),
                max_size=5,
            )
        ),
        "partners": draw(st.lists(st.integers(0, 5), max_size=4, unique=True)),
        "deals": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 3),
                    names,
                    st.decimals(0, 10**7, places=2, allow_nan=False),
                    st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
                ),
                max_size=5,
            )
        ),
        "courses": draw(st.lists(st.tuples(names, st.integers(1, 3)), max_size=4)),
        "prerequisites": draw(
            st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=4)
        ),
        "enrollments": draw(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 7)), max_size=5)),
    }


def build(workspace, spec) -> None:
    """Make the ecosystem in the workspace (inside its scope)."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    orgs = [
        Organization.objects.create(workspace=workspace, name=f"{n} {i}")
        for i, n in enumerate(spec["organizations"])
    ]
    workspace.orchestrator = orgs[0]
    workspace.save()
    tags = [Tag.objects.create(workspace=workspace, name=n) for n in spec["tags"]]
    for org in orgs[: len(tags)]:
        org.tags.set(tags)
    people = [
        Person.objects.create(
            workspace=workspace,
            organization=orgs[i % len(orgs)],
            last_name=n,
            worker_type="employee",
        )
        for i, n in spec["people"]
    ]
    for a, b, kind in spec["relationships"]:
        Relationship.objects.create(
            workspace=workspace, source=orgs[a % len(orgs)], target=orgs[b % len(orgs)], kind=kind
        )
    program = Program.objects.create(workspace=workspace, name="Programme")
    tier = Tier.objects.create(workspace=workspace, program=program, rank=1, name="Gold")
    partners = []
    for i in spec["partners"]:
        org = orgs[i % len(orgs)]
        if any(p.organization_id == org.pk for p in partners):
            continue
        partners.append(
            Partner.objects.create(
                workspace=workspace,
                organization=org,
                program=program,
                tier=tier,
                state_changed_at=now,
            )
        )
    for i, title, value, close in spec["deals"]:
        if partners:
            DealRegistration.objects.create(
                workspace=workspace,
                partner=partners[i % len(partners)],
                customer_name=title,
                title=title,
                estimated_value=Decimal(value),
                currency="EUR",
                expected_close_date=close,
            )
    courses = []
    for title, versions in spec["courses"]:
        previous = None
        for version in range(1, versions + 1):
            previous = Course.objects.create(
                workspace=workspace, title=title, version=version, previous=previous
            )
            courses.append(previous)
    for a, b in spec["prerequisites"]:
        if courses and courses[a % len(courses)] != courses[b % len(courses)]:
            courses[a % len(courses)].prerequisites.add(courses[b % len(courses)])
    done = set()
    for c, p in spec["enrollments"]:
        if courses and people and (c % len(courses), p % len(people)) not in done:
            done.add((c % len(courses), p % len(people)))
            Enrollment.objects.create(
                workspace=workspace,
                course=courses[c % len(courses)],
                person=people[p % len(people)],
            )
    if courses and people:
        certification = Certification.objects.create(
            workspace=workspace,
            name="Certified",
            tracks=[{"track": "Sales", "courses": [c.pk for c in courses]}],
            refresher=courses[-1],
        )
        CertificateAward.objects.create(
            workspace=workspace,
            certification=certification,
            person=people[0],
            code=f"c{workspace.pk:015d}",
            issued_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2028, 1, 1),
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=ecosystems())
def test_generated_workspaces_round_trip(db, tmp_path_factory, spec):
    count = Workspace.objects.count()
    source = new_workspace(name="Generated", slug=f"gen-{count}")
    with scope(workspace=source.pk):
        build(source, spec)
    data = export_bytes(source, scope="workspace")
    drop_workspace(source)
    target = new_workspace(name="Generated", slug=f"gen-{count}-copy")
    report = import_bundle(target, write(tmp_path_factory.mktemp("bundle"), data))
    assert report.ok, report.problems
    target.refresh_from_db()
    same_bundle(data, export_bytes(target, scope="workspace"))
    with scope(workspace=target.pk):
        tracks = Certification.objects.values_list("tracks", flat=True).first()
        if tracks:
            assert set(tracks[0]["courses"]) == set(Course.objects.values_list("pk", flat=True))
