"""Courses, quizzes and certifications: enrol people, record completion, award certificates."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import TokenScope
from ecosys.ecosystem.models import Person
from ecosys.questionnaires import engine

from .models import CertificateAward, Certification, Course, Enrollment

MODULE_KINDS = ("text", "link", "video")  # file modules are uploaded (course_files.py)


def _orchestrator(actor: Actor) -> None:
    if not actor.is_orchestrator or not allows(actor, ADD, Course):
        raise PermissionDenied("Only the orchestrator's staff manage courses.")


def parse_modules(source: str) -> list[dict]:
    """Modules from lines 'kind | title | content' (kind: text, link or video)."""
    modules, errors = [], {}
    for number, raw in enumerate((source or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|", 2)]
        if len(parts) < 3 or parts[0] not in MODULE_KINDS or not parts[1]:
            errors[f"line {number}"] = "Write: text|link|video | title | content or address."
            continue
        if parts[0] in ("link", "video") and not parts[2].startswith(("https://", "http://")):
            errors[f"line {number}"] = "A link or video needs an http(s) address."
            continue
        modules.append({"kind": parts[0], "title": parts[1][:200], "content": parts[2][:5000]})
    if not modules and not errors:
        errors["modules"] = "Give the course at least one module."
    if errors:
        raise ValidationError(errors)
    return modules


@transaction.atomic
def course_save(
    *,
    actor: Actor,
    title: str,
    modules_source: str,
    description: str = "",
    quiz=None,
    max_attempts: int = 3,
    prerequisites=(),
    is_new_product: bool = False,
) -> Course:
    _orchestrator(actor)
    modules = parse_modules(modules_source)
    if not (title or "").strip():
        raise ValidationError({"title": "Name the course."})
    if quiz is not None and quiz.pass_mark is None:
        raise ValidationError({"quiz": "A quiz needs a pass mark; set one on the questionnaire."})
    course = Course.objects.create(
        workspace=actor.workspace,
        title=title.strip(),
        description=(description or "").strip(),
        modules=modules,
        quiz=quiz,
        max_attempts=max_attempts,
        is_new_product=is_new_product,
    )
    course.prerequisites.set(prerequisites)
    audit_record(
        actor=actor, action="create", target=course, changes={"modules": [None, len(modules)]}
    )
    return course


@transaction.atomic
def certification_save(
    *,
    actor: Actor,
    name: str,
    tracks: list[dict],
    validity_months: int = 24,
    refresher: Course | None = None,
) -> Certification:
    """A certification over one or several tracks of courses."""
    _orchestrator(actor)
    known = set(Course.objects.values_list("pk", flat=True))
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Name the certification."
    if not tracks or any(not t.get("courses") for t in tracks):
        errors["tracks"] = "Each track needs at least one course."
    elif any(c not in known for t in tracks for c in t["courses"]):
        errors["tracks"] = "A track names a course that does not exist."
    if errors:
        raise ValidationError(errors)
    certification = Certification.objects.create(
        workspace=actor.workspace,
        name=name.strip(),
        tracks=tracks,
        validity_months=validity_months,
        refresher=refresher,
    )
    audit_record(
        actor=actor, action="create", target=certification, changes={"tracks": [None, len(tracks)]}
    )
    return certification


def _may_act_for(actor: Actor, person: Person) -> bool:
    """The orchestrator's staff, the person's organisation's admin, or the person (same e-mail)."""
    if actor.is_orchestrator:
        return allows(actor, ADD, Enrollment)
    if actor.organization_id != person.organization_id or actor.token_scope == TokenScope.READ:
        return False
    return actor.role == "external_admin" or (
        actor.user is not None and actor.user.email == person.email
    )


@transaction.atomic
def enroll(*, actor: Actor, course: Course, person: Person) -> Enrollment:
    if not _may_act_for(actor, person):
        raise PermissionDenied(
            "You may enrol yourself, or your organisation's people as its admin."
        )
    missing = [
        p.title
        for p in course.prerequisites.all()
        if not Enrollment.objects.filter(
            course=p, person=person, completed_at__isnull=False
        ).exists()
    ]
    if missing:
        raise ValidationError({"course": f"Complete first: {', '.join(missing)}."})
    enrollment, created = Enrollment.objects.get_or_create(
        workspace=actor.workspace, course=course, person=person
    )
    if created:
        audit_record(
            actor=actor,
            action="enroll",
            target=enrollment,
            changes={"course": [None, course.title]},
        )
    return enrollment


@transaction.atomic
def complete(
    *, actor: Actor, enrollment: Enrollment, answers: dict[int, Any] | None = None
) -> Enrollment:
    """Finish a course: without a quiz it completes; with one, an attempt that must pass."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("course__quiz", "person")
        .get(pk=enrollment.pk)
    )
    if not _may_act_for(actor, enrollment.person):
        raise PermissionDenied(
            "You may complete your own courses, or your organisation's people's as its admin."
        )
    if enrollment.completed_at:
        raise ValidationError("This course is completed already.")
    from .course_files import files_missing

    missing = files_missing(enrollment)
    if missing:
        raise ValidationError({"files": f"Open or mark done first: {', '.join(missing)}."})
    quiz = enrollment.course.quiz
    if quiz is not None:
        if enrollment.attempts >= enrollment.course.max_attempts:
            raise ValidationError(
                f"No attempts left (the course allows {enrollment.course.max_attempts})."
            )
        _, _, score = engine.check_and_score(list(quiz.questions.all()), answers or {})
        enrollment.attempts += 1
        enrollment.best_score = max(score or Decimal(0), enrollment.best_score or Decimal(0))
        if score is None or score < quiz.pass_mark:
            enrollment.save(update_fields=["attempts", "best_score"])
            audit_record(
                actor=actor,
                action="quiz_failed",
                target=enrollment,
                changes={"score": [None, str(score)]},
            )
            return enrollment
    enrollment.completed_at = timezone.now()
    enrollment.save()
    audit_record(
        actor=actor,
        action="complete",
        target=enrollment,
        changes={"course": [None, enrollment.course.title]},
    )
    from .course_versions import grace_lift
    from .services import course_tasks_complete

    grace_lift(actor=actor, person=enrollment.person, course=enrollment.course)
    award_due(actor=actor, person=enrollment.person)
    renew_by_refresher(actor=actor, person=enrollment.person, course=enrollment.course)
    course_tasks_complete(actor=actor, person=enrollment.person, course=enrollment.course)
    return enrollment


REFRESH_DAYS_BEFORE_EXPIRY = 60


def renew_by_refresher(*, actor: Actor, person: Person, course: Course) -> list[CertificateAward]:
    """Completing a certification's refresher renews the person's certificate from today."""
    today = timezone.localdate()
    renewed = []
    for certification in Certification.objects.filter(refresher=course):
        held = (
            CertificateAward.objects.filter(certification=certification, person=person)
            .order_by("-expires_on")
            .first()
        )
        if held is None or held.issued_on == today:
            continue
        award = CertificateAward.objects.create(
            workspace=person.workspace,
            certification=certification,
            person=person,
            code=secrets.token_hex(8),
            issued_on=today,
            expires_on=_add_months(today, certification.validity_months),
        )
        audit_record(
            actor=actor,
            action="recertify",
            target=person,
            changes={"certification": [None, certification.name]},
        )
        renewed.append(award)
    return renewed


def refreshers_due(*, today: dt.date | None = None) -> int:
    """Holders of certificates expiring within 60 days: enrolled in the refresher and told."""
    from django.core.mail import send_mail

    today = today or timezone.localdate()
    due = CertificateAward.objects.filter(
        certification__refresher__isnull=False,
        refresher_sent_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=REFRESH_DAYS_BEFORE_EXPIRY),
    ).select_related("certification__refresher", "person")
    count = 0
    for award in due:
        refresher = award.certification.refresher
        enrollment, _ = Enrollment.objects.get_or_create(
            workspace=award.workspace, course=refresher, person=award.person
        )
        if enrollment.completed_at is not None:  # taken before: take it again
            enrollment.completed_at, enrollment.attempts, enrollment.best_score = None, 0, None
            enrollment.save(update_fields=["completed_at", "attempts", "best_score"])
        if award.person.email:
            send_mail(
                subject=f"Renew your {award.certification.name} before {award.expires_on:%Y-%m-%d}",
                message=f"You are enrolled in “{refresher.title}”; completing it renews it.",
                from_email=None,
                recipient_list=[award.person.email],
            )
        award.refresher_sent_at = timezone.now()
        award.save(update_fields=["refresher_sent_at"])
        count += 1
    return count


def _add_months(day: dt.date, months: int) -> dt.date:
    from ecosys.partners.agreements import add_months

    return add_months(day, months)


def award_due(*, actor: Actor, person: Person) -> list[CertificateAward]:
    """Issue every certification whose tracks the person has completed and doesn't hold validly."""
    done = set(
        Enrollment.objects.filter(person=person, completed_at__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    today = timezone.localdate()
    awarded = []
    for certification in Certification.objects.all():
        needed = {c for t in certification.tracks for c in t["courses"]}
        if not needed or not needed <= done:
            continue
        if CertificateAward.objects.filter(
            certification=certification, person=person, expires_on__gte=today
        ).exists():
            continue
        award = CertificateAward.objects.create(
            workspace=person.workspace,
            certification=certification,
            person=person,
            code=secrets.token_hex(8),
            issued_on=today,
            expires_on=_add_months(today, certification.validity_months),
        )
        audit_record(
            actor=actor,
            action="certify",
            target=person,
            changes={"certification": [None, certification.name]},
        )
        awarded.append(award)
    return awarded


def certificate_pdf(award: CertificateAward, verify_url: str) -> bytes:
    """A one-page PDF certificate with its verification address (no library needed)."""
    lines = [
        (28, 640, "Certificate"),
        (16, 590, f"{award.person.full_name}"),
        (12, 560, f"holds the certification: {award.certification.name}"),
        (12, 540, f"issued {award.issued_on:%Y-%m-%d}, valid until {award.expires_on:%Y-%m-%d}"),
        (10, 500, f"Verify at {verify_url}"),
        (10, 485, f"Code {award.code}"),
    ]

    def text(value: str) -> str:
        return (
            value.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    stream = (
        "BT "
        + " ".join(
            f"/F1 {size} Tf 1 0 0 1 72 {y} Tm ({text(value)}) Tj" for size, y, value in lines
        )
        + " ET"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = ["%PDF-1.4\n"], []
    for number, body in enumerate(objects, start=1):
        offsets.append(sum(len(part.encode("latin-1")) for part in out))
        out.append(f"{number} 0 obj\n{body}\nendobj\n")
    xref = sum(len(part.encode("latin-1")) for part in out)
    out.append(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n")
    out.extend(f"{offset:010d} 00000 n \n" for offset in offsets)
    out.append(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n")
    return "".join(out).encode("latin-1")


def certified_people(partners, today) -> dict[int, Decimal]:
    """Tier metric: people of each partner holding a valid certificate."""
    from django.db.models import Count

    counts = dict(
        CertificateAward.objects.filter(
            person__organization__in=[p.organization_id for p in partners], expires_on__gte=today
        )
        .values_list("person__organization")
        .annotate(n=Count("person", distinct=True))
    )
    return {p.pk: Decimal(counts.get(p.organization_id, 0)) for p in partners}


@transaction.atomic
def course_assign(
    *, actor: Actor, course: Course, program=None, tier=None, partner_role: str = ""
) -> dict:
    """Enrol the people of every partner in a programme, tier or role (skipping those who lack
    a prerequisite); returns how many were enrolled and skipped."""
    from ecosys.partners.models import Partner

    _orchestrator(actor)
    if not (program or tier or partner_role):
        raise ValidationError(
            {"program": "Choose a programme, a tier or a partner role (or enrol people singly)."}
        )
    partners = Partner.objects.filter(state__in=["onboarding", "active", "at_risk"])
    if program:
        partners = partners.filter(program=program)
    if tier:
        partners = partners.filter(tier=tier)
    if partner_role:
        partners = partners.filter(organization__roles__role=partner_role)
    people = Person.objects.filter(organization__in=partners.values("organization")).exclude(
        worker_type="bot"
    )
    required = list(course.prerequisites.values_list("pk", flat=True))
    done = {}
    if required:
        for person_id, course_id in Enrollment.objects.filter(
            course_id__in=required, completed_at__isnull=False
        ).values_list("person_id", "course_id"):
            done.setdefault(person_id, set()).add(course_id)
    existing = set(Enrollment.objects.filter(course=course).values_list("person_id", flat=True))
    new, skipped = [], 0
    for person in people:
        if person.pk in existing:
            continue
        if required and not set(required) <= done.get(person.pk, set()):
            skipped += 1
            continue
        new.append(Enrollment(workspace=actor.workspace, course=course, person=person))
    Enrollment.objects.bulk_create(new)
    audit_record(
        actor=actor,
        action="assign",
        target=course,
        changes={"enrolled": [None, len(new)], "skipped": [None, skipped]},
    )
    return {"enrolled": len(new), "skipped": skipped}
