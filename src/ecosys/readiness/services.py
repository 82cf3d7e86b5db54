"""Onboarding plans: templates of the first 90 days, plans started for partners, tasks done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope

from .models import OnboardingPlan, OnboardingTask, OnboardingTemplate, Side

MILESTONES = (30, 60, 90)


def parse_tasks(source: str) -> list[dict[str, Any]]:
    """Tasks from lines 'day | side | title | milestone | required course', e.g.
    '5 | partner | Sign it | 30' or '30 | partner | Pass the basics | 30 | Field service essentials'
    (the course's title; the task then completes itself when someone of the partner passes it)."""
    tasks, errors = [], {}
    for number, raw in enumerate((source or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split("|")]
        if len(parts) < 3:
            errors[f"line {number}"] = "Write: day | side | title [| milestone [| course]]."
            continue
        day, side, title = parts[0], parts[1].lower(), parts[2]
        milestone = parts[3] if len(parts) > 3 and parts[3] else None
        course_title = parts[4] if len(parts) > 4 else ""
        if not day.isdigit() or int(day) > 365:
            errors[f"line {number}"] = "The day is a whole number from 0 to 365."
        elif side not in Side.values:
            errors[f"line {number}"] = "The side is 'orchestrator' or 'partner'."
        elif not title:
            errors[f"line {number}"] = "Name the task."
        elif milestone is not None and (
            not milestone.isdigit() or int(milestone) not in MILESTONES
        ):
            errors[f"line {number}"] = "A milestone is 30, 60 or 90."
        else:
            tasks.append(
                {
                    "day": int(day),
                    "side": side,
                    "title": title[:300],
                    "milestone": int(milestone) if milestone else None,
                    **({"course_title": course_title} if course_title else {}),
                }
            )
    if not tasks and not errors:
        errors["tasks"] = "Give at least one task."
    if errors:
        raise ValidationError(errors)
    return sorted(tasks, key=lambda task: task["day"])


def tasks_source(tasks: list[dict]) -> str:
    lines = []
    for t in tasks:
        parts = [str(t["day"]), t["side"], t["title"]]
        if t.get("milestone") or t.get("course"):
            parts.append(str(t["milestone"]) if t.get("milestone") else "")
        if t.get("course"):
            parts.append(t["course_title"])
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def _orchestrator(actor: Actor) -> None:
    if not actor.is_orchestrator or not allows(actor, ADD, OnboardingTemplate):
        raise PermissionDenied("Only the orchestrator's staff manage onboarding.")


def _resolve_courses(tasks: list[dict]) -> None:
    """Each task's required course, by title: its newest version."""
    from .models import Course

    current = {
        course.title.lower(): course
        for course in Course.objects.filter(next_version__isnull=True).order_by("version")
    }
    unknown = []
    for task in tasks:
        title = task.get("course_title")
        if not title:
            continue
        course = current.get(title.lower())
        if course is None:
            unknown.append(title)
            continue
        task["course"], task["course_title"] = str(course.public_id), course.title
    if unknown:
        raise ValidationError({"source": f"No course is called: {', '.join(unknown)}."})


@transaction.atomic
def template_save(
    *,
    actor: Actor,
    name: str,
    source: str,
    is_default: bool = False,
    template: OnboardingTemplate | None = None,
) -> OnboardingTemplate:
    _orchestrator(actor)
    tasks = parse_tasks(source)
    if not (name or "").strip():
        raise ValidationError({"name": "Name the template."})
    _resolve_courses(tasks)
    template = template or OnboardingTemplate(workspace=actor.workspace)
    template.name, template.tasks, template.is_default = name.strip(), tasks, is_default
    template.save()
    if is_default:
        OnboardingTemplate.objects.exclude(pk=template.pk).update(is_default=False)
    audit_record(
        actor=actor,
        action="update",
        target=template,
        changes={"tasks": [None, len(tasks)], "default": [None, is_default]},
    )
    return template


@transaction.atomic
def plan_start(
    *, actor: Actor, partner, template: OnboardingTemplate, start: dt.date | None = None
) -> OnboardingPlan:
    """Instantiate a template for a partner: each task due its day offset after the start."""
    from .models import Course

    start = start or timezone.localdate()
    plan = OnboardingPlan.objects.create(
        workspace=actor.workspace, partner=partner, template_name=template.name, started_on=start
    )
    courses = {
        str(c.public_id): c
        for c in Course.objects.filter(public_id__in=[t["course"] for t in template.tasks
                                                      if t.get("course")])
    }  # fmt: skip
    tasks = OnboardingTask.objects.bulk_create(
        OnboardingTask(
            workspace=actor.workspace,
            plan=plan,
            title=task["title"],
            side=task["side"],
            due_date=start + dt.timedelta(days=task["day"]),
            milestone=task.get("milestone"),
            course=_newest(courses.get(task.get("course"))),
        )
        for task in template.tasks
    )
    for task in tasks:  # someone of the partner may have passed the course already
        if task.course is not None:
            _done_by_course(actor, task, partner.organization_id)
    audit_record(
        actor=actor,
        action="onboarding_start",
        target=partner,
        changes={"template": [None, template.name]},
    )
    return plan


def onboarding_start_default(*, actor: Actor, partner) -> OnboardingPlan | None:
    """When a partner enters onboarding: start the default plan, unless it has one already."""
    template = OnboardingTemplate.objects.filter(is_default=True).first()
    if template is None or OnboardingPlan.objects.filter(partner=partner).exists():
        return None
    return plan_start(actor=actor, partner=partner, template=template)


@transaction.atomic
def task_done(*, actor: Actor, task: OnboardingTask, done: bool = True) -> OnboardingTask:
    """Tick a task off (or undo it); each side ticks its own tasks."""
    task = OnboardingTask.objects.select_related("plan__partner").get(pk=task.pk)
    own_side = Side.ORCHESTRATOR if actor.is_orchestrator else Side.PARTNER
    if actor.token_scope == TokenScope.READ or actor.role == Role.READ_ONLY:
        raise PermissionDenied("Your access is read-only.")
    if task.side != own_side or (
        not actor.is_orchestrator and actor.organization_id != task.plan.partner.organization_id
    ):
        raise PermissionDenied("This task belongs to the other side.")
    if task.course_id is not None:
        raise ValidationError(
            f"This task completes itself when someone of the partner passes “{task.course}”."
        )
    task.done_at, task.done_by = (timezone.now(), actor.user) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        action="task_done" if done else "task_reopened",
        target=task.plan.partner,
        changes={"task": [None, task.title]},
    )
    return task


def _newest(course):
    while course is not None and hasattr(course, "next_version"):
        course = course.next_version
    return course


def _done_by_course(actor: Actor, task: OnboardingTask, organization_id: int) -> bool:
    from .models import Enrollment

    passed = (
        Enrollment.objects.filter(
            course=task.course,
            person__organization_id=organization_id,
            completed_at__isnull=False,
        )
        .select_related("person")
        .order_by("completed_at")
        .first()
    )
    if passed is None:
        return False
    task.done_at = passed.completed_at
    task.save(update_fields=["done_at"])
    audit_record(
        actor=actor,
        action="task_done",
        target=task.plan.partner,
        changes={"task": [None, task.title], "passed_by": [None, passed.person.full_name]},
    )
    return True


def course_tasks_complete(*, actor: Actor, person, course) -> int:
    """A person passed a course: the open onboarding tasks of their organisation that require
    it are done."""
    tasks = OnboardingTask.objects.filter(
        course=course,
        done_at__isnull=True,
        plan__partner__organization_id=person.organization_id,
    ).select_related("plan__partner", "course")
    return sum(_done_by_course(actor, task, person.organization_id) for task in tasks)


def progress(plan: OnboardingPlan) -> dict[str, Any]:
    """Done / total overall and per milestone, and the overdue tasks."""
    tasks = list(plan.tasks.all())
    today = timezone.localdate()
    done = sum(1 for t in tasks if t.done_at)
    milestones = {}
    for day in MILESTONES:
        scoped = [t for t in tasks if t.milestone == day]
        if scoped:
            milestones[day] = {"done": sum(1 for t in scoped if t.done_at), "total": len(scoped)}
    return {
        "done": done,
        "total": len(tasks),
        "percent": round(100 * done / len(tasks)) if tasks else 100,
        "milestones": milestones,
        "overdue": [t for t in tasks if not t.done_at and t.due_date < today],
    }


def onboarding_progress(partners, today) -> dict[int, Decimal]:
    """Share of the tasks done in each partner's latest onboarding plan, in percent (a metric
    for tier criteria and performance scorecards; partners without a plan have none)."""
    from django.db.models import Count, Q

    latest: dict[int, int] = {}
    for plan_id, partner_id in (
        OnboardingPlan.objects.filter(partner__in=partners)
        .order_by("partner_id", "-started_on", "-id")
        .values_list("pk", "partner_id")
    ):
        latest.setdefault(partner_id, plan_id)
    counts = {
        row["plan"]: row
        for row in OnboardingTask.objects.filter(plan__in=latest.values())
        .values("plan")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
    }
    values = {}
    for partner_id, plan_id in latest.items():
        row = counts.get(plan_id)
        if row and row["total"]:
            values[partner_id] = (Decimal(100) * row["done"] / row["total"]).quantize(
                Decimal("0.1")
            )
    return values


def overdue_notify(*, today: dt.date | None = None) -> int:
    """Tell each side about its overdue tasks, once per task."""
    today = today or timezone.localdate()
    sent = 0
    tasks = OnboardingTask.objects.filter(
        done_at__isnull=True, due_date__lt=today, overdue_notified_at__isnull=True
    ).select_related("plan__partner__organization", "plan__partner__owner")
    for task in tasks:
        partner = task.plan.partner
        if task.side == Side.PARTNER:
            recipients = list(
                Membership.objects.filter(
                    organization=partner.organization, role=Role.EXTERNAL_ADMIN, is_active=True
                ).values_list("user__email", flat=True)
            )
        else:
            recipients = [partner.owner.email] if partner.owner else []
        if recipients:
            send_mail(
                subject=f"Overdue onboarding task: {task.title}",
                message=(
                    f"“{task.title}” for {partner.organization} was due {task.due_date:%Y-%m-%d}."
                ),
                from_email=None,
                recipient_list=recipients,
            )
            sent += 1
        task.overdue_notified_at = timezone.now()
        task.save(update_fields=["overdue_notified_at"])
    return sent
