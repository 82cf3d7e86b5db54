"""Courses, quizzes, certifications: prerequisites, attempts, awards, certificates, metric."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from ecosys.ecosystem.models import Person
from ecosys.partners.models import Partner
from ecosys.partners.tiers import METRICS
from ecosys.questionnaires.services import questionnaire_create
from ecosys.readiness import learning
from ecosys.readiness.models import CertificateAward, Course, Enrollment


@pytest.fixture
def setup(actors, partner_a):
    staff = actors["orchestrator_staff"]
    quiz = questionnaire_create(
        actor=staff, title="Q", pass_mark=60, source="? Pick HX | choice | HX=10; Other=0"
    )
    first = learning.course_save(actor=staff, title="Basics", modules_source="text | Intro | Hello")
    second = learning.course_save(
        actor=staff,
        title="Advanced",
        modules_source="text | Deep | More",
        quiz=quiz,
        max_attempts=2,
        prerequisites=[first],
    )
    certification = learning.certification_save(
        actor=staff,
        name="Engineer",
        tracks=[{"track": "All", "courses": [first.pk, second.pk]}],
        validity_months=12,
    )
    person = Person.objects.filter(organization=partner_a).first()
    return staff, first, second, certification, person


def test_prerequisites_attempts_and_award(actors, setup):
    staff, first, second, certification, person = setup
    admin = actors["partner_a_admin"]
    with pytest.raises(ValidationError, match="Complete first: Basics"):
        learning.enroll(actor=admin, course=second, person=person)
    learning.complete(
        actor=admin, enrollment=learning.enroll(actor=admin, course=first, person=person)
    )
    enrollment = learning.enroll(actor=admin, course=second, person=person)
    failed = learning.complete(actor=admin, enrollment=enrollment, answers={1: "other"})
    assert failed.completed_at is None and failed.attempts == 1
    passed = learning.complete(actor=admin, enrollment=enrollment, answers={1: "hx"})
    assert passed.completed_at is not None and float(passed.best_score) == 100.0
    award = CertificateAward.objects.get(person=person, certification=certification)
    assert award.expires_on > timezone.localdate()
    pdf = learning.certificate_pdf(award, f"https://ecosys.example/verify/{award.code}/")
    assert (
        pdf.startswith(b"%PDF-1.4")
        and award.code.encode() in pdf
        and pdf.rstrip().endswith(b"%%EOF")
    )


def test_attempts_run_out(actors, setup):
    staff, first, second, certification, person = setup
    admin = actors["partner_a_admin"]
    Enrollment.objects.create(
        workspace=staff.workspace, course=first, person=person, completed_at=timezone.now()
    )
    enrollment = learning.enroll(actor=admin, course=second, person=person)
    for _ in range(2):
        learning.complete(actor=admin, enrollment=enrollment, answers={1: "other"})
    with pytest.raises(ValidationError, match="No attempts left"):
        learning.complete(actor=admin, enrollment=enrollment, answers={1: "hx"})


def test_only_own_people_and_public_verification(client_as, actors, partner_b, setup):
    staff, first, second, certification, person = setup
    other = Person.objects.filter(organization=partner_b).first()
    response = client_as("partner_a_admin").post(
        f"/api/v1/courses/{first.public_id}/enrollments",
        json.dumps({"person_id": str(other.public_id)}),
        content_type="application/json",
    )
    assert response.status_code == 404
    award = CertificateAward.objects.filter(code__startswith="demo").first()
    page = Client().get(f"/verify/{award.code}/").content.decode()
    assert award.person.full_name in page and ("Valid" in page or "Expired" in page)
    api = Client().get(f"/api/v1/public/certificates/{award.code}").json()
    assert api["valid"] == (award.expires_on >= timezone.localdate())
    assert Client().get("/api/v1/public/certificates/nope").status_code == 404


def test_certified_people_metric_counts_valid_certificates(partner_a, workspace):
    partners = list(Partner.objects.all())
    values = METRICS["certified_people"].values(partners, timezone.localdate())
    expected = (
        CertificateAward.objects.filter(
            person__organization=partner_a, expires_on__gte=timezone.localdate()
        )
        .values("person")
        .distinct()
        .count()
    )
    assert values[Partner.objects.get(organization=partner_a).pk] == expected


def test_pages(client_as, setup, partner_a):
    staff, first, second, certification, person = setup
    page = client_as("orchestrator_staff").get("/courses/").content.decode()
    assert "Basics" in page and "Engineer" in page
    client = client_as("partner_a_admin")
    client.post(f"/courses/{first.public_id}/enroll/", {"person": str(person.public_id)})
    enrollment = Enrollment.objects.get(course=first, person=person)
    client.post(f"/enrollments/{enrollment.public_id}/complete/")
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert Course.objects.count() >= 2


def test_refresher_enrols_before_expiry_and_renews(actors, setup):
    import datetime as dt

    from django.core import mail

    staff, first, second, certification, person = setup
    refresher = learning.course_save(
        actor=staff, title="Refresher", modules_source="text | New | Things"
    )
    certification.refresher = refresher
    certification.save()
    today = timezone.localdate()
    old = CertificateAward.objects.create(
        workspace=staff.workspace,
        certification=certification,
        person=person,
        code="old-one",
        issued_on=today - dt.timedelta(days=340),
        expires_on=today + dt.timedelta(days=25),
    )
    mail.outbox.clear()
    assert learning.refreshers_due() == 1 and learning.refreshers_due() == 0
    enrollment = Enrollment.objects.get(course=refresher, person=person)
    assert "Renew your" in mail.outbox[-1].subject
    learning.complete(actor=actors["partner_a_admin"], enrollment=enrollment)
    newest = (
        CertificateAward.objects.filter(person=person, certification=certification)
        .order_by("-expires_on")
        .first()
    )
    assert newest.pk != old.pk and newest.expires_on > old.expires_on


def test_assign_by_partner_role_skips_missing_prerequisites(actors, setup, client_as):
    staff, first, second, certification, person = setup
    result = learning.course_assign(actor=staff, course=first, partner_role="distributor")
    assert result["enrolled"] > 0
    blocked = learning.course_assign(actor=staff, course=second, partner_role="distributor")
    assert blocked["enrolled"] == 0 and blocked["skipped"] > 0  # nobody finished Basics yet
    with pytest.raises(ValidationError):
        learning.course_assign(actor=staff, course=first)
    response = client_as("orchestrator_staff").post(
        f"/courses/{first.public_id}/assign/", {"partner_role": "dealer"}, follow=True
    )
    assert "enrolled" in response.content.decode()
