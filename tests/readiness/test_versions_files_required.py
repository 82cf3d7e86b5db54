"""Course versions (new product / process training), file modules, required courses in
onboarding plans, and the searchable, exportable course and announcement lists."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecosys.ecosystem.models import Person
from ecosys.partners.models import Partner
from ecosys.readiness import learning
from ecosys.readiness import services as onboarding
from ecosys.readiness.course_files import course_file_add
from ecosys.readiness.course_versions import course_version_publish
from ecosys.readiness.models import CertificateAward, Course, Enrollment, OnboardingTemplate

PDF = b"%PDF-1.4 datasheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def learner(workspace, partner_a):
    """A person of partner A who signs in as its member (same e-mail)."""
    return Person.objects.create(
        workspace=workspace, organization=partner_a, first_name="Mia", last_name="Member",
        email="member@partner-a.example", worker_type="employee",
    )  # fmt: skip


@pytest.fixture
def course(actors):
    return learning.course_save(
        actor=actors["orchestrator_staff"], title="Drive X1 launch",
        modules_source="text | What is new | The X1", is_new_product=True,
    )  # fmt: skip


def test_file_module_counts_done_when_opened_and_is_needed_to_complete(
    actors, course, learner, client_as
):
    staff = actors["orchestrator_staff"]
    with pytest.raises(ValidationError, match="not a real PDF"):
        course_file_add(
            actor=staff, course=course, title="Sheet", upload=SimpleUploadedFile("s.pdf", b"x")
        )
    added = course_file_add(
        actor=staff, course=course, title="Datasheet", upload=SimpleUploadedFile("x1.pdf", PDF)
    )
    course.refresh_from_db()
    assert course.modules[-1]["kind"] == "file" and course.modules[-1]["file"] == str(
        added.public_id
    )
    enrollment = learning.enroll(actor=actors["partner_a_member"], course=course, person=learner)
    with pytest.raises(ValidationError, match="Open or mark done first: Datasheet"):
        learning.complete(actor=actors["partner_a_member"], enrollment=enrollment)
    member = client_as("partner_a_member")
    assert "Datasheet" in member.get(f"/courses/{course.public_id}/").content.decode()
    response = member.get(f"/course-files/{added.public_id}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    enrollment.refresh_from_db()
    assert enrollment.files_done == [str(added.public_id)]
    done = learning.complete(actor=actors["partner_a_member"], enrollment=enrollment)
    assert done.completed_at is not None


def test_file_module_can_be_marked_done_by_the_partner_admin(actors, course, learner, client_as):
    added = course_file_add(
        actor=actors["orchestrator_staff"], course=course, title="Datasheet",
        upload=SimpleUploadedFile("x1.pdf", PDF),
    )  # fmt: skip
    enrollment = learning.enroll(actor=actors["partner_a_admin"], course=course, person=learner)
    url = f"/api/v1/enrollments/{enrollment.public_id}/files/{added.public_id}/done"
    assert client_as("partner_b_member").post(url).status_code == 404
    response = client_as("partner_a_admin").post(url)
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.files_done == [str(added.public_id)]


def test_a_new_version_enrols_earlier_learners_tells_them_and_graces_certificates(
    actors, course, learner, django_capture_on_commit_callbacks
):
    staff = actors["orchestrator_staff"]
    other = learning.course_save(actor=staff, title="Other", modules_source="text | A | B")
    certification = learning.certification_save(
        actor=staff, name="X1 specialist", tracks=[{"track": "T", "courses": [course.pk]}]
    )
    admin = actors["partner_a_admin"]
    learning.complete(actor=admin, enrollment=learning.enroll(actor=admin, course=course,
                                                              person=learner))  # fmt: skip
    award = CertificateAward.objects.get(person=learner, certification=certification)
    full_expiry = award.expires_on
    grace = timezone.localdate() + dt.timedelta(days=60)
    with pytest.raises(ValidationError) as error:
        course_version_publish(
            actor=staff, course=course, change_note="", grace_until=timezone.localdate()
        )
    assert set(error.value.message_dict) == {"change_note", "grace_until"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = course_version_publish(
            actor=staff, course=course, change_note="X1 firmware 2", grace_until=grace
        )
    assert new.version == 2 and new.previous == course and new.is_new_product
    assert Enrollment.objects.filter(course=new, person=learner, completed_at=None).exists()
    assert not Enrollment.objects.filter(course=new).exclude(person=learner).exists()
    assert [m.to for m in mail.outbox] == [["member@partner-a.example"]]
    assert "X1 firmware 2" in mail.outbox[0].body and grace.isoformat() in mail.outbox[0].body
    certification.refresh_from_db()
    assert certification.tracks[0]["courses"] == [new.pk]
    award.refresh_from_db()
    assert award.expires_on == grace and award.expires_before_grace == full_expiry
    with pytest.raises(ValidationError, match="Version 2 exists already"):
        course_version_publish(actor=staff, course=course, change_note="n", grace_until=grace)
    assert Course.objects.get(pk=other.pk).version == 1  # untouched
    learning.complete(actor=admin, enrollment=Enrollment.objects.get(course=new, person=learner))
    award.refresh_from_db()
    assert award.expires_on == full_expiry and award.expires_before_grace is None


def test_publishing_without_enrolling_earlier_learners(actors, course, learner):
    admin = actors["partner_a_admin"]
    learning.enroll(actor=admin, course=course, person=learner)
    new = course_version_publish(
        actor=actors["orchestrator_staff"], course=course, change_note="Typos",
        grace_until=timezone.localdate() + dt.timedelta(days=5), enroll_previous=False,
    )  # fmt: skip
    assert not Enrollment.objects.filter(course=new).exists()


def test_version_page_and_api(client_as, course, actors):
    staff = client_as("orchestrator_staff")
    form = staff.get(f"/courses/{course.public_id}/versions/new/").content.decode()
    assert "What changed" in form and "Certificates stay valid until" in form
    refused = staff.post(
        f"/courses/{course.public_id}/versions/new/",
        {"change_note": "Fixes", "grace_until": "2000-01-01", "enroll_previous": "on"},
    )
    assert "The grace date must be in the future." in refused.content.decode()
    grace = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    created = staff.post(
        f"/api/v1/courses/{course.public_id}/versions",
        {"change_note": "New connector", "grace_until": grace},
        "application/json",
    )
    assert created.status_code == 201 and created.json()["version"] == 2
    assert created.json()["previous_id"] == str(course.public_id)
    assert (
        client_as("partner_a_admin")
        .post(
            f"/api/v1/courses/{course.public_id}/versions",
            {"change_note": "x", "grace_until": grace},
            "application/json",
        )
        .status_code
        == 403
    )
    old = staff.get(f"/courses/{course.public_id}/").content.decode()
    assert "A newer version exists" in old


def test_new_product_courses_show_on_the_partner_portal(client_as, course, actors):
    portal = client_as("partner_a_member").get("/").content.decode()
    assert "New product and process training" in portal and "Drive X1 launch" in portal
    course_version_publish(
        actor=actors["orchestrator_staff"], course=course, change_note="Second release",
        grace_until=timezone.localdate() + dt.timedelta(days=5),
    )  # fmt: skip
    portal = client_as("partner_a_member").get("/").content.decode()
    assert "Drive X1 launch (v2)" in portal and "Second release" in portal


def test_a_required_course_task_completes_itself_when_someone_passes(
    actors, course, learner, client_as
):
    staff = actors["orchestrator_staff"]
    with pytest.raises(ValidationError, match="No course is called: Nope"):
        onboarding.template_save(
            actor=staff, name="With course", source="30 | partner | Learn | 30 | Nope"
        )
    template = onboarding.template_save(
        actor=staff, name="With course",
        source="0 | orchestrator | Call\n30 | partner | Pass the launch | 30 | drive x1 launch",
    )  # fmt: skip
    assert "| 30 | Drive X1 launch" in onboarding.tasks_source(template.tasks)
    partner = Partner.objects.get(organization=learner.organization)
    plan = onboarding.plan_start(actor=staff, partner=partner, template=template)
    task = plan.tasks.get(course=course)
    with pytest.raises(ValidationError, match="completes itself"):
        onboarding.task_done(actor=actors["partner_a_admin"], task=task)
    admin = actors["partner_a_admin"]
    enrollment = learning.enroll(actor=admin, course=course, person=learner)
    learning.complete(actor=admin, enrollment=enrollment)
    task.refresh_from_db()
    assert task.done_at is not None
    # A plan started after someone passed starts with the task done.
    later = onboarding.plan_start(actor=staff, partner=partner, template=template)
    assert later.tasks.get(course=course).done_at is not None
    assert OnboardingTemplate.objects.filter(pk=template.pk).exists()


def test_a_new_version_moves_open_required_tasks_to_it(actors, course, learner):
    staff = actors["orchestrator_staff"]
    template = onboarding.template_save(
        actor=staff, name="T", source="30 | partner | Pass | 30 | Drive X1 launch"
    )
    plan = onboarding.plan_start(
        actor=staff, partner=Partner.objects.get(organization=learner.organization),
        template=template,
    )  # fmt: skip
    new = course_version_publish(
        actor=staff, course=course, change_note="v2",
        grace_until=timezone.localdate() + dt.timedelta(days=5),
    )  # fmt: skip
    assert plan.tasks.get().course == new


def test_course_and_announcement_lists_search_filter_and_export(
    client_as, course, actors, django_assert_max_num_queries
):
    from ecosys.readiness.announcements import announcement_publish

    staff = client_as("orchestrator_staff")
    with django_assert_max_num_queries(15):
        page = staff.get("/courses/?is_new_product=true")
    html = page.content.decode()
    assert "Drive X1 launch" in html and "Field service essentials" not in html
    assert "Field service essentials" in staff.get("/courses/?q=field").content.decode()
    export = staff.get("/courses/?export=csv&q=x1")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,title,version") and len(lines) == 2
    api = staff.get("/api/v1/courses?is_new_product=true").json()
    assert [c["title"] for c in api["results"]] == ["Drive X1 launch"]
    announcement_publish(actor=actors["orchestrator_staff"], title="Launch day", body="X1 ships")
    with django_assert_max_num_queries(15):
        listed = staff.get("/announcements/?q=ships").content.decode()
    assert "Launch day" in listed and "Matrix" not in listed
    xlsx = staff.get("/api/v1/announcements/export?format=xlsx&q=launch")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    portal = client_as("partner_a_admin").get("/api/v1/announcements?q=launch").json()
    assert [a["title"] for a in portal["results"]] == ["Launch day"]
    assert portal["results"][0]["delivered"] is None  # reach is the orchestrator's
