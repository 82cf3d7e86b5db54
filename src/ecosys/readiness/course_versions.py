"""New versions of courses ("new product / process training"): people who took or are taking
an earlier version are enrolled in the new one and told; certificates that counted the course
stay valid until a grace date, or fully once the new version is completed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.ecosystem.models import Person

from .learning import _orchestrator, parse_modules
from .models import CertificateAward, Certification, Course, Enrollment, OnboardingTask


@transaction.atomic
def course_version_publish(
    *,
    actor: Actor,
    course: Course,
    change_note: str,
    grace_until: dt.date,
    modules_source: str = "",
    enroll_previous: bool = True,
    is_new_product: bool | None = None,
) -> Course:
    """Publish the next version of a course. Modules are kept unless new ones are given (file
    modules are kept either way). Certifications now need the new version; their holders keep
    them until `grace_until`. With `enroll_previous`, everyone enrolled in the earlier version
    (completed or not) is enrolled in the new one and e-mailed the change note."""
    _orchestrator(actor)
    course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
    errors = {}
    if hasattr(course, "next_version"):
        errors["course"] = (
            f"Version {course.next_version.version} exists already; publish from the newest."
        )
    if not (change_note or "").strip():
        errors["change_note"] = "Say what changed; enrolled people receive this note."
    if grace_until is None or grace_until <= timezone.localdate():
        errors["grace_until"] = "The grace date must be in the future."
    modules = [m for m in course.modules if m["kind"] != "file"]
    if (modules_source or "").strip():
        try:
            modules = parse_modules(modules_source)
        except ValidationError as error:
            errors["modules_source"] = [
                f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items()
            ]
    if errors:
        raise ValidationError(errors)
    new = Course.objects.create(
        workspace=course.workspace,
        title=course.title,
        description=course.description,
        modules=[*modules, *course.file_modules],
        quiz=course.quiz,
        max_attempts=course.max_attempts,
        version=course.version + 1,
        previous=course,
        change_note=change_note.strip(),
        is_new_product=course.is_new_product if is_new_product is None else is_new_product,
    )
    new.prerequisites.set(course.prerequisites.all())
    graced = _certifications_follow(course, new, grace_until)
    OnboardingTask.objects.filter(course=course, done_at__isnull=True).update(course=new)
    people = []
    if enroll_previous:
        taken = Enrollment.objects.filter(course=course).values_list("person_id", flat=True)
        people = list(Person.objects.filter(pk__in=taken))
        Enrollment.objects.bulk_create(
            Enrollment(workspace=course.workspace, course=new, person=person) for person in people
        )
        messages = [
            (
                f"New version of “{new.title}” (v{new.version})",
                f"What changed: {new.change_note}\n\nYou are enrolled in the new version."
                + (
                    f" Complete it by {grace_until:%Y-%m-%d} to keep your certification."
                    if person.pk in graced
                    else ""
                ),
                None,
                [person.email],
            )
            for person in people
            if person.email
        ]
        if messages:
            transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    audit_record(
        actor=actor,
        action="new_version",
        target=new,
        changes={
            "version": [course.version, new.version],
            "enrolled": [None, len(people)],
            "grace_until": [None, grace_until.isoformat()],
        },
    )
    return new


def _certifications_follow(old: Course, new: Course, grace_until: dt.date) -> set[int]:
    """Certifications counting the old version count the new one; holders' certificates end at
    the grace date (unless they expire sooner). Returns the graced people's ids."""
    graced: set[int] = set()
    today = timezone.localdate()
    for certification in Certification.objects.all():
        if not any(old.pk in track["courses"] for track in certification.tracks):
            continue
        certification.tracks = [
            {**track, "courses": [new.pk if c == old.pk else c for c in track["courses"]]}
            for track in certification.tracks
        ]
        certification.save(update_fields=["tracks"])
        for award in CertificateAward.objects.filter(
            certification=certification, expires_on__gte=today, expires_on__gt=grace_until
        ):
            award.expires_before_grace = award.expires_before_grace or award.expires_on
            award.expires_on = grace_until
            award.save(update_fields=["expires_on", "expires_before_grace"])
            graced.add(award.person_id)
    return graced


def grace_lift(*, actor: Actor, person: Person, course: Course) -> int:
    """Completing a new version restores the full validity of the certificates it graced."""
    lifted = 0
    awards = CertificateAward.objects.filter(
        person=person, expires_before_grace__isnull=False
    ).select_related("certification")
    for award in awards:
        if not any(course.pk in track["courses"] for track in award.certification.tracks):
            continue
        award.expires_on, award.expires_before_grace = award.expires_before_grace, None
        award.save(update_fields=["expires_on", "expires_before_grace"])
        audit_record(
            actor=actor,
            action="grace_lifted",
            target=person,
            changes={"certification": [None, award.certification.name]},
        )
        lifted += 1
    return lifted
