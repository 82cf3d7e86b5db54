"""Readiness API: onboarding templates and plans, ticking tasks off."""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Router, Schema, Status

from ecosys.core.access import PUBLIC, access_rule, get_visible, restrict
from ecosys.core.schemas import Detail
from ecosys.partners.selectors import partner_get

from . import services
from .models import (
    CertificateAward,
    Course,
    Enrollment,
    Mentor,
    Mentorship,
    OnboardingTask,
    OnboardingTemplate,
)

router = Router(tags=["readiness"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


class TemplateIn(Schema):
    name: str
    source: str
    is_default: bool = False


class TemplateOut(Schema):
    id: UUID
    name: str
    is_default: bool
    source: str


class TaskOut(Schema):
    id: UUID
    title: str
    side: str
    due_date: dt.date
    milestone: int | None
    done: bool


class PlanOut(Schema):
    template: str
    started_on: dt.date
    done: int
    total: int
    percent: int
    overdue: int
    tasks: list[TaskOut]


class DoneIn(Schema):
    done: bool = True


def _template_out(t) -> dict:
    return {
        "id": t.public_id,
        "name": t.name,
        "is_default": t.is_default,
        "source": services.tasks_source(t.tasks),
    }


@router.get("/onboarding-templates", response={200: list[TemplateOut], **ERRORS})
@access_rule("readiness.onboardingtemplate:view")
def onboarding_template_list(request):
    return [_template_out(t) for t in restrict(OnboardingTemplate.objects.all(), request.auth)]


@router.post("/onboarding-templates", response={201: TemplateOut, **ERRORS})
@access_rule("readiness.onboardingtemplate:add")
def onboarding_template_create(request, payload: TemplateIn):
    """Lines 'day | side | title | milestone'; the default starts for new onboarding partners."""
    return Status(201, _template_out(services.template_save(actor=request.auth, **payload.dict())))


@router.get("/partners/{partner_id}/onboarding", response={200: PlanOut, **ERRORS})
@access_rule("readiness.onboardingplan:view")
def onboarding_plan_detail(request, partner_id: UUID):
    """The partner's onboarding plan and progress (both sides see it)."""
    from django.http import Http404

    partner = partner_get(actor=request.auth, public_id=partner_id)
    plan = partner.onboarding_plans.first()
    if plan is None:
        raise Http404("No onboarding plan.")
    progress = services.progress(plan)
    return {
        "template": plan.template_name,
        "started_on": plan.started_on,
        "done": progress["done"],
        "total": progress["total"],
        "percent": progress["percent"],
        "overdue": len(progress["overdue"]),
        "tasks": [
            {
                "id": t.public_id,
                "title": t.title,
                "side": t.side,
                "due_date": t.due_date,
                "milestone": t.milestone,
                "done": t.done_at is not None,
            }
            for t in plan.tasks.all()
        ],
    }


@router.post("/onboarding-tasks/{task_id}/done", response={200: TaskOut, **ERRORS})
@access_rule("readiness.onboardingtask:change")
def onboarding_task_done(request, task_id: UUID, payload: DoneIn):
    """Tick a task off (done=false to undo); each side ticks its own tasks."""
    task = get_visible(OnboardingTask.objects.all(), request.auth, public_id=task_id)
    task = services.task_done(actor=request.auth, task=task, done=payload.done)
    return {
        "id": task.public_id,
        "title": task.title,
        "side": task.side,
        "due_date": task.due_date,
        "milestone": task.milestone,
        "done": task.done_at is not None,
    }


class AnnouncementIn(Schema):
    title: str
    body: str
    program_id: UUID | None = None
    tier_id: UUID | None = None
    region: str = ""
    member_role: str = ""


class AnnouncementOut(Schema):
    id: UUID
    title: str
    body: str
    published_at: dt.datetime
    delivered: int | None
    read: int | None


def _announcement_out(a, *, orchestrator: bool) -> dict:
    from .announcements import reach

    figures = reach(a) if orchestrator else {"delivered": None, "read": None}
    return {
        "id": a.public_id,
        "title": a.title,
        "body": a.body,
        "published_at": a.published_at,
        "delivered": figures["delivered"],
        "read": figures["read"],
    }


@router.get("/announcements", response={200: list[AnnouncementOut], **ERRORS})
@access_rule("readiness.announcement:view")
def announcement_list(request):
    """Announcements: all with reach for the orchestrator; those delivered to you otherwise."""
    from .announcements import announcements_for

    actor = request.auth
    return [
        _announcement_out(a, orchestrator=actor.is_orchestrator)
        for a in announcements_for(actor=actor)[:100]
    ]


@router.post("/announcements", response={201: AnnouncementOut, **ERRORS})
@access_rule("readiness.announcement:add")
def announcement_publish(request, payload: AnnouncementIn):
    """Publish to partner members by programme, tier, region and role; e-mailed too."""
    from ecosys.partners.models import Program, Tier

    from .announcements import announcement_publish as publish

    data = payload.dict()
    program_id, tier_id = data.pop("program_id"), data.pop("tier_id")
    data["program"] = (
        get_visible(Program.objects.all(), request.auth, public_id=program_id)
        if program_id
        else None
    )
    data["tier"] = (
        get_visible(Tier.objects.all(), request.auth, public_id=tier_id) if tier_id else None
    )
    return Status(201, _announcement_out(publish(actor=request.auth, **data), orchestrator=True))


@router.get("/announcements/{announcement_id}", response={200: AnnouncementOut, **ERRORS})
@access_rule("readiness.announcement:view")
def announcement_detail(request, announcement_id: UUID):
    """Read one announcement (a read receipt is recorded)."""
    from django.http import Http404

    from .announcements import announcements_for, mark_read

    announcement = announcements_for(actor=request.auth).filter(public_id=announcement_id).first()
    if announcement is None:
        raise Http404("Not found.")
    mark_read(actor=request.auth, announcement=announcement)
    return _announcement_out(announcement, orchestrator=request.auth.is_orchestrator)


# -- courses and certificates ----------------------------------------------------------------


class CourseIn(Schema):
    title: str
    modules_source: str
    description: str = ""
    quiz_id: UUID | None = None
    max_attempts: int = 3


class CourseOut(Schema):
    id: UUID
    title: str
    description: str
    modules: list[dict]
    has_quiz: bool
    max_attempts: int


class EnrollIn(Schema):
    person_id: UUID


class EnrollmentOut(Schema):
    id: UUID
    course: str
    person: str
    attempts: int
    best_score: float | None
    completed: bool


class CompletionIn(Schema):
    answers: dict[int, Any] = {}


class CertificateOut(Schema):
    id: UUID
    certification: str
    person: str
    issued_on: dt.date
    expires_on: dt.date
    code: str


def _course_out(c) -> dict:
    return {
        "id": c.public_id,
        "title": c.title,
        "description": c.description,
        "modules": c.modules,
        "has_quiz": c.quiz_id is not None,
        "max_attempts": c.max_attempts,
    }


def _enrollment_out(e) -> dict:
    return {
        "id": e.public_id,
        "course": e.course.title,
        "person": e.person.full_name,
        "attempts": e.attempts,
        "best_score": float(e.best_score) if e.best_score is not None else None,
        "completed": e.completed_at is not None,
    }


@router.get("/courses", response={200: list[CourseOut], **ERRORS})
@access_rule("readiness.course:view")
def course_list(request):
    return [_course_out(c) for c in restrict(Course.objects.all(), request.auth)]


@router.post("/courses", response={201: CourseOut, **ERRORS})
@access_rule("readiness.course:add")
def course_create(request, payload: CourseIn):
    """Modules as lines 'text|link|video | title | content'; an optional quiz with a pass mark."""
    from ecosys.questionnaires.models import Questionnaire

    from .learning import course_save

    data = payload.dict()
    quiz_id = data.pop("quiz_id")
    data["quiz"] = (
        get_visible(Questionnaire.objects.all(), request.auth, public_id=quiz_id)
        if quiz_id
        else None
    )
    return Status(201, _course_out(course_save(actor=request.auth, **data)))


@router.post("/courses/{course_id}/enrollments", response={201: EnrollmentOut, **ERRORS})
@access_rule("readiness.enrollment:add")
def course_enroll(request, course_id: UUID, payload: EnrollIn):
    """Enrol a person (yourself, or your organisation's people as its admin)."""
    from ecosys.ecosystem.selectors import person_get

    from .learning import enroll

    course = get_visible(Course.objects.all(), request.auth, public_id=course_id)
    person = person_get(actor=request.auth, public_id=payload.person_id)
    return Status(201, _enrollment_out(enroll(actor=request.auth, course=course, person=person)))


@router.post("/enrollments/{enrollment_id}/completion", response={200: EnrollmentOut, **ERRORS})
@access_rule("readiness.enrollment:change")
def enrollment_complete(request, enrollment_id: UUID, payload: CompletionIn):
    """Complete a course; with a quiz this is an attempt ({question number: answer})."""
    from .learning import complete

    enrollment = get_visible(
        Enrollment.objects.select_related("course", "person"), request.auth, public_id=enrollment_id
    )
    return _enrollment_out(
        complete(actor=request.auth, enrollment=enrollment, answers=payload.answers)
    )


@router.get("/certificates", response={200: list[CertificateOut], **ERRORS})
@access_rule("readiness.certificateaward:view")
def certificate_list(request):
    """Certificates of the people you can see."""
    rows = restrict(
        CertificateAward.objects.select_related("certification", "person"), request.auth
    )
    return [
        {
            "id": a.public_id,
            "certification": a.certification.name,
            "person": a.person.full_name,
            "issued_on": a.issued_on,
            "expires_on": a.expires_on,
            "code": a.code,
        }
        for a in rows[:500]
    ]


@router.get(
    "/public/certificates/{code}", auth=None, response={200: dict, 404: Detail}, tags=["public"]
)
@access_rule(PUBLIC)
def certificate_verify(request, code: str):
    """Check a certificate by its code (no sign-in)."""
    from django.http import Http404
    from django.utils import timezone
    from django_scopes import scopes_disabled

    with scopes_disabled():
        award = (
            CertificateAward.objects.select_related("certification", "person")
            .filter(code=code)
            .first()
        )
    if award is None:
        raise Http404("No certificate has this code.")
    return {
        "person": award.person.full_name,
        "certification": award.certification.name,
        "issued_on": str(award.issued_on),
        "expires_on": str(award.expires_on),
        "valid": award.expires_on >= timezone.localdate(),
    }


# -- mentors ---------------------------------------------------------------------------------


class MentorIn(Schema):
    person_id: UUID
    capacity: int = 3
    regions: list[str] = []
    industries: list[str] = []
    skills: str = ""


class MentorOut(Schema):
    id: UUID
    person: str
    capacity: int
    regions: list[str]
    industries: list[str]
    skills: str


class AssignIn(Schema):
    mentor_id: UUID


class SessionIn(Schema):
    held_on: dt.date
    notes: str
    next_steps: str = ""


def _mentor_out(m) -> dict:
    return {
        "id": m.public_id,
        "person": str(m.person),
        "capacity": m.capacity,
        "regions": m.regions,
        "industries": m.industries,
        "skills": m.skills,
    }


@router.get("/mentors", response={200: list[MentorOut], **ERRORS})
@access_rule("readiness.mentor:view")
def mentor_list(request):
    return [_mentor_out(m) for m in restrict(Mentor.objects.select_related("person"), request.auth)]


@router.post("/mentors", response={201: MentorOut, **ERRORS})
@access_rule("readiness.mentor:add")
def mentor_add(request, payload: MentorIn):
    from ecosys.ecosystem.selectors import person_get

    from .mentoring import mentor_add as add

    data = payload.dict()
    data["person"] = person_get(actor=request.auth, public_id=data.pop("person_id"))
    return Status(201, _mentor_out(add(actor=request.auth, **data)))


@router.post("/partners/{partner_id}/mentorship", response={201: dict, **ERRORS})
@access_rule("readiness.mentor:add")
def mentorship_start(request, partner_id: UUID, payload: AssignIn):
    """Give a partner a mentor (within the mentor's capacity); the match's reasons are kept."""
    from .mentoring import mentor_assign

    partner = partner_get(actor=request.auth, public_id=partner_id)
    mentor = get_visible(Mentor.objects.all(), request.auth, public_id=payload.mentor_id)
    mentorship = mentor_assign(actor=request.auth, partner=partner, mentor=mentor)
    return Status(
        201, {"id": str(mentorship.public_id), "mentor": str(mentor), "reasons": mentorship.reasons}
    )


@router.post("/mentorships/{mentorship_id}/sessions", response={201: dict, **ERRORS})
@access_rule("readiness.mentor:add")
def coaching_session_log(request, mentorship_id: UUID, payload: SessionIn):
    from .mentoring import session_log

    mentorship = get_visible(
        Mentorship.objects.select_related("partner"), request.auth, public_id=mentorship_id
    )
    session = session_log(actor=request.auth, mentorship=mentorship, **payload.dict())
    return Status(201, {"id": str(session.public_id), "held_on": str(session.held_on)})
