"""Readiness API: onboarding templates and plans, ticking tasks off."""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import File, Form, Router, Schema, Status, UploadedFile

from ecosys.core.access import PUBLIC, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.partners.selectors import partner_get

from . import lists, selectors, services

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
    return [_template_out(t) for t in selectors.template_list(actor=request.auth)]


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
    plan = selectors.onboarding_plan_for(actor=request.auth, partner=partner)
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
    task = selectors.onboarding_task_get(actor=request.auth, public_id=task_id)
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


def _announcement_spec(actor):
    return lists.ANNOUNCEMENTS if actor.is_orchestrator else lists.ANNOUNCEMENTS_PORTAL


@router.get("/announcements", response={200: Page[AnnouncementOut], **ERRORS})
@access_rule("readiness.announcement:view")
def announcement_list(request):
    """Announcements: all with reach for the orchestrator; those delivered to you otherwise.
    Filters: region, program, published_after; q; sort (-published_at…)."""
    actor = request.auth
    rows = list_apply(
        selectors.announcement_rows(actor=actor), request.GET, _announcement_spec(actor)
    ).queryset
    return paginate(
        request, rows, lambda a: _announcement_out(a, orchestrator=actor.is_orchestrator)
    )


@router.get("/announcements/export", response={200: None, **ERRORS})
@access_rule("readiness.announcement:view")
def announcement_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    """The announcements list as CSV or XLSX (with reach for the orchestrator)."""
    spec = _announcement_spec(request.auth)
    rows = list_apply(selectors.announcement_rows(actor=request.auth), request.GET, spec)
    return export_response(rows.queryset, spec, format)


@router.post("/announcements", response={201: AnnouncementOut, **ERRORS})
@access_rule("readiness.announcement:add")
def announcement_publish(request, payload: AnnouncementIn):
    """Publish to partner members by programme, tier, region and role; e-mailed too."""
    from ecosys.partners.selectors import program_get, tier_get

    from .announcements import announcement_publish as publish

    data = payload.dict()
    program_id, tier_id = data.pop("program_id"), data.pop("tier_id")
    data["program"] = program_get(actor=request.auth, public_id=program_id) if program_id else None
    data["tier"] = tier_get(actor=request.auth, public_id=tier_id) if tier_id else None
    return Status(201, _announcement_out(publish(actor=request.auth, **data), orchestrator=True))


@router.get("/announcements/{announcement_id}", response={200: AnnouncementOut, **ERRORS})
@access_rule("readiness.announcement:view")
def announcement_detail(request, announcement_id: UUID):
    """Read one announcement (a read receipt is recorded)."""
    from .announcements import mark_read

    announcement = selectors.announcement_get(actor=request.auth, public_id=announcement_id)
    mark_read(actor=request.auth, announcement=announcement)
    return _announcement_out(announcement, orchestrator=request.auth.is_orchestrator)


# -- courses and certificates ----------------------------------------------------------------


class CourseIn(Schema):
    title: str
    modules_source: str
    description: str = ""
    quiz_id: UUID | None = None
    max_attempts: int = 3
    is_new_product: bool = False


class CourseOut(Schema):
    id: UUID
    title: str
    description: str
    modules: list[dict]
    has_quiz: bool
    max_attempts: int
    version: int
    previous_id: UUID | None
    change_note: str
    is_new_product: bool


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
        "version": c.version,
        "previous_id": c.previous.public_id if c.previous_id else None,
        "change_note": c.change_note,
        "is_new_product": c.is_new_product,
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


@router.get("/courses", response={200: Page[CourseOut], **ERRORS})
@access_rule("readiness.course:view")
def course_list(request):
    """Courses, every version. Filters: current (newest versions only), is_new_product,
    has_quiz; q; sort (title, -published_at…)."""
    rows = list_apply(selectors.course_list(actor=request.auth), request.GET, lists.COURSES)
    return paginate(request, rows.queryset, _course_out)


@router.get("/courses/export", response={200: None, **ERRORS})
@access_rule("readiness.course:view")
def course_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    rows = list_apply(selectors.course_list(actor=request.auth), request.GET, lists.COURSES)
    return export_response(rows.queryset, lists.COURSES, format)


@router.post("/courses", response={201: CourseOut, **ERRORS})
@access_rule("readiness.course:add")
def course_create(request, payload: CourseIn):
    """Modules as lines 'text|link|video | title | content'; an optional quiz with a pass mark."""
    from ecosys.questionnaires.selectors import questionnaire_get

    from .learning import course_save

    data = payload.dict()
    quiz_id = data.pop("quiz_id")
    data["quiz"] = questionnaire_get(actor=request.auth, public_id=quiz_id) if quiz_id else None
    return Status(201, _course_out(course_save(actor=request.auth, **data)))


@router.post("/courses/{course_id}/enrollments", response={201: EnrollmentOut, **ERRORS})
@access_rule("readiness.enrollment:add")
def course_enroll(request, course_id: UUID, payload: EnrollIn):
    """Enrol a person (yourself, or your organisation's people as its admin)."""
    from ecosys.ecosystem.selectors import person_get

    from .learning import enroll

    course = selectors.course_get(actor=request.auth, public_id=course_id)
    person = person_get(actor=request.auth, public_id=payload.person_id)
    return Status(201, _enrollment_out(enroll(actor=request.auth, course=course, person=person)))


@router.post("/enrollments/{enrollment_id}/completion", response={200: EnrollmentOut, **ERRORS})
@access_rule("readiness.enrollment:change")
def enrollment_complete(request, enrollment_id: UUID, payload: CompletionIn):
    """Complete a course; with a quiz this is an attempt ({question number: answer})."""
    from .learning import complete

    enrollment = selectors.enrollment_get(actor=request.auth, public_id=enrollment_id)
    return _enrollment_out(
        complete(actor=request.auth, enrollment=enrollment, answers=payload.answers)
    )


@router.get("/certificates", response={200: list[CertificateOut], **ERRORS})
@access_rule("readiness.certificateaward:view")
def certificate_list(request):
    """Certificates of the people you can see."""
    rows = selectors.certificate_list(actor=request.auth)
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

    award = selectors.certificate_by_code(code)
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
    return [_mentor_out(m) for m in selectors.mentor_list(actor=request.auth)]


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
    mentor = selectors.mentor_get(actor=request.auth, public_id=payload.mentor_id)
    mentorship = mentor_assign(actor=request.auth, partner=partner, mentor=mentor)
    return Status(
        201, {"id": str(mentorship.public_id), "mentor": str(mentor), "reasons": mentorship.reasons}
    )


@router.post("/mentorships/{mentorship_id}/sessions", response={201: dict, **ERRORS})
@access_rule("readiness.mentor:add")
def coaching_session_log(request, mentorship_id: UUID, payload: SessionIn):
    from .mentoring import session_log

    mentorship = selectors.mentorship_get(actor=request.auth, public_id=mentorship_id)
    session = session_log(actor=request.auth, mentorship=mentorship, **payload.dict())
    return Status(201, {"id": str(session.public_id), "held_on": str(session.held_on)})


# -- course versions and file modules --------------------------------------------------------


class VersionIn(Schema):
    change_note: str
    grace_until: dt.date
    modules_source: str = ""
    enroll_previous: bool = True
    is_new_product: bool | None = None


class CourseFileOut(Schema):
    id: UUID
    name: str
    size: int
    content_type: str


@router.post("/courses/{course_id}/versions", response={201: CourseOut, **ERRORS})
@access_rule("readiness.course:add")
def course_version_publish(request, course_id: UUID, payload: VersionIn):
    """Publish a new version with a change note; earlier learners are enrolled and told unless
    enroll_previous is false; certificates counting the course stay valid until grace_until."""
    from .course_versions import course_version_publish as publish

    course = selectors.course_get(actor=request.auth, public_id=course_id)
    return Status(201, _course_out(publish(actor=request.auth, course=course, **payload.dict())))


@router.post("/courses/{course_id}/files", response={201: CourseFileOut, **ERRORS})
@access_rule("readiness.course:add")
def course_file_add(request, course_id: UUID, title: Form[str], file: File[UploadedFile]):
    """Add a file module (multipart: title, file; pdf, png, jpg, docx or xlsx, at most 10 MB)."""
    from .course_files import course_file_add as add

    course = selectors.course_get(actor=request.auth, public_id=course_id)
    added = add(actor=request.auth, course=course, title=title, upload=file)
    return Status(201, _course_file_out(added))


def _course_file_out(f) -> dict:
    return {"id": f.public_id, "name": f.name, "size": f.size, "content_type": f.content_type}


@router.get("/course-files/{course_file_id}", response={200: None, **ERRORS})
@access_rule("readiness.coursefile:view")
def course_file_download(request, course_file_id: UUID):
    """Download a course's file module; it counts as done in your own enrolments."""
    from .views import course_file_response

    return course_file_response(request.auth, course_file_id)


@router.post(
    "/enrollments/{enrollment_id}/files/{course_file_id}/done",
    response={200: EnrollmentOut, **ERRORS},
)
@access_rule("readiness.enrollment:change")
def file_module_done(request, enrollment_id: UUID, course_file_id: UUID):
    """Mark a file module done without opening it here (e.g. read on paper)."""
    from .course_files import file_module_done as mark

    enrollment = selectors.enrollment_get(actor=request.auth, public_id=enrollment_id)
    return _enrollment_out(mark(actor=request.auth, enrollment=enrollment, file_id=course_file_id))
