"""Readiness API: onboarding templates and plans, ticking tasks off."""

import datetime as dt
from uuid import UUID

from ninja import Router, Schema, Status

from ecosys.core.access import access_rule, get_visible, restrict
from ecosys.core.schemas import Detail
from ecosys.partners.selectors import partner_get

from . import services
from .models import OnboardingTask, OnboardingTemplate

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
