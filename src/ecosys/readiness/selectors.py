"""Reads of readiness (onboarding, announcements, courses, certificates, mentors), narrowed by
the access policy."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import (
    Announcement,
    AnnouncementRead,
    CertificateAward,
    Certification,
    Course,
    Enrollment,
    Mentor,
    Mentorship,
    OnboardingPlan,
    OnboardingTask,
    OnboardingTemplate,
)

# -- onboarding ------------------------------------------------------------------------------


def template_list(*, actor: Actor) -> QuerySet[OnboardingTemplate]:
    return restrict(OnboardingTemplate.objects.all(), actor)


def onboarding_plan_for(*, actor: Actor, partner) -> OnboardingPlan | None:
    """The partner's onboarding plan (its newest), if the actor may see it."""
    return restrict(OnboardingPlan.objects.all(), actor).filter(partner=partner).first()


def onboarding_task_get(*, actor: Actor, public_id, action: str = VIEW) -> OnboardingTask:
    return get_visible(
        OnboardingTask.objects.select_related("plan__partner"),
        actor,
        action=action,
        public_id=public_id,
    )


# -- announcements ---------------------------------------------------------------------------


def announcement_list(*, actor: Actor) -> QuerySet[Announcement]:
    """The orchestrator sees all; a partner member sees those delivered to them."""
    if actor.is_orchestrator:
        return restrict(Announcement.objects.all(), actor)
    rows = Announcement.objects.all()
    user_id = actor.user.pk if actor.user else -1
    if _json_contains_supported():
        return rows.filter(recipients__contains=[user_id])
    return rows.filter(
        pk__in=[a.pk for a in rows.only("pk", "recipients") if user_id in a.recipients]
    )


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def announcement_get(*, actor: Actor, public_id) -> Announcement:
    announcement = announcement_list(actor=actor).filter(public_id=public_id).first()
    if announcement is None:
        raise Http404("Not found.")
    return announcement


def announcement_read_ids(*, actor: Actor, announcements) -> set[int]:
    """Which of these announcements the actor has opened."""
    if actor.user is None:
        return set()
    return set(
        AnnouncementRead.objects.filter(
            user=actor.user, announcement__in=announcements
        ).values_list("announcement_id", flat=True)
    )


# -- courses, enrolments, certificates -------------------------------------------------------


def course_list(*, actor: Actor) -> QuerySet[Course]:
    return restrict(Course.objects.select_related("quiz"), actor)


def course_get(*, actor: Actor, public_id, action: str = VIEW) -> Course:
    return get_visible(
        Course.objects.select_related("quiz"), actor, action=action, public_id=public_id
    )


def certification_list(*, actor: Actor) -> QuerySet[Certification]:
    return restrict(Certification.objects.all(), actor)


def enrollment_list(*, actor: Actor) -> QuerySet[Enrollment]:
    return restrict(Enrollment.objects.select_related("course", "person"), actor)


def enrollment_get(*, actor: Actor, public_id, action: str = VIEW) -> Enrollment:
    return get_visible(
        Enrollment.objects.select_related("course__quiz", "person"),
        actor,
        action=action,
        public_id=public_id,
    )


def certificate_list(*, actor: Actor) -> QuerySet[CertificateAward]:
    return restrict(CertificateAward.objects.select_related("certification", "person"), actor)


def certificate_get(*, actor: Actor, public_id) -> CertificateAward:
    return get_visible(
        CertificateAward.objects.select_related("certification", "person"),
        actor,
        public_id=public_id,
    )


def certificate_by_code(code: str) -> CertificateAward | None:
    """The public verification: the code is global and unguessable; only this award is shown."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return (
            CertificateAward.objects.select_related("certification", "person")
            .filter(code=code)
            .first()
        )


# -- mentors ---------------------------------------------------------------------------------


def mentor_list(*, actor: Actor) -> QuerySet[Mentor]:
    """The mentor pool, each with how many partners they coach now (load)."""
    return restrict(Mentor.objects.select_related("person"), actor).annotate(
        load=Count("mentorships", filter=Q(mentorships__ended_on__isnull=True))
    )


def mentor_get(*, actor: Actor, public_id) -> Mentor:
    return get_visible(Mentor.objects.select_related("person"), actor, public_id=public_id)


def mentorship_get(*, actor: Actor, public_id, action: str = VIEW) -> Mentorship:
    return get_visible(
        Mentorship.objects.select_related("partner"), actor, action=action, public_id=public_id
    )


def announcement_rows(*, actor: Actor) -> QuerySet[Announcement]:
    """Announcements as the lists show them: with read_count for the orchestrator, read_by_me
    for a partner member."""
    from django.db.models import Exists, OuterRef

    rows = announcement_list(actor=actor)
    if actor.is_orchestrator:
        return rows.annotate(read_count=Count("reads"))
    return rows.annotate(
        read_by_me=Exists(
            AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=actor.user)
        )
    )


def new_product_courses(*, actor: Actor) -> QuerySet[Course]:
    """New product and process training (newest versions), for the partner portal."""
    return course_list(actor=actor).filter(is_new_product=True, next_version__isnull=True)


def course_file_get(*, actor: Actor, public_id):
    from .models import CourseFile

    return get_visible(CourseFile.objects.select_related("course"), actor, public_id=public_id)
