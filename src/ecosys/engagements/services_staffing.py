"""Writes of the competency inventory and of staffing: skills, people's skills, profiles,
availability, engagement roles, assignments and optimiser runs (all or nothing, audited)."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal, InvalidOperation

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scope

from ecosys.analytics.ingest import ISO_CURRENCIES
from ecosys.core.access import ADD, CHANGE, DELETE, Actor, ensure
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.imports import Importer, register
from ecosys.ecosystem.models import Person, WorkerType

from . import staffing as optimiser
from .models import (
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    Availability,
    Engagement,
    EngagementRole,
    PersonSkill,
    Skill,
    StaffingRun,
    StaffingRunStatus,
    WorkerProfile,
)
from .skills_default import DEFAULT_SKILLS

WORKER_TYPES = [t for t, _ in WorkerType.choices if t != WorkerType.CONTACT]
ECOSYSTEM_TYPES = {WorkerType.CONTRACTOR, WorkerType.GIG, WorkerType.SERVICE_STAFF}
MAX_WEEKS = 260  # five years of weeks in one availability edit or one role


# ---------------------------------------------------------------------------- weeks


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_list(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays of the weeks from start's to end's, both included."""
    first, last = monday(start), monday(end)
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def is_own(person: Person, workspace) -> bool:
    """Employed by the orchestrator (own staff) rather than supplied by the ecosystem."""
    return (
        person.worker_type in (WorkerType.EMPLOYEE, WorkerType.BOT)
        and person.organization_id == workspace.orchestrator_id
    )


def capacity_by_week(person_ids, weeks: list[dt.date]) -> dict[int, np.ndarray]:
    """Each person's availability per week: entered weeks, otherwise the profile's capacity."""
    index = {week: k for k, week in enumerate(weeks)}
    base = dict(
        WorkerProfile.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "weekly_capacity"
        )
    )
    out = {pid: np.full(len(weeks), float(base.get(pid, 1))) for pid in person_ids}
    if weeks:
        rows = Availability.objects.filter(
            person_id__in=person_ids, week_start__gte=weeks[0], week_start__lte=weeks[-1]
        ).values_list("person_id", "week_start", "fraction")
        for pid, week, fraction in rows:
            if week in index:
                out[pid][index[week]] = float(fraction)
    return out


def allocated_by_week(person_ids, weeks: list[dt.date], exclude=()) -> dict[int, np.ndarray]:
    """Each person's allocated share per week over all engagements (proposed and accepted)."""
    out = {pid: np.zeros(len(weeks)) for pid in person_ids}
    if not weeks:
        return out
    rows = (
        Assignment.objects.filter(
            person_id__in=person_ids,
            start_date__lte=weeks[-1] + dt.timedelta(days=6),
            end_date__gte=weeks[0],
        )  # fmt: skip
        .exclude(pk__in=[a for a in exclude if a])
        .values_list("person_id", "start_date", "end_date", "share")
    )
    for pid, start, end, share in rows:
        first, last = monday(start), monday(end)
        for k, week in enumerate(weeks):
            if first <= week <= last:
                out[pid][k] += float(share)
    return out


# ---------------------------------------------------------------------------- skills


def _audit(actor, action, obj, changes=None):
    audit_record(actor=actor, action=action, target=obj, changes=changes or {})


def _errors(error: ValidationError) -> dict:
    return {k: v[0] for k, v in error.message_dict.items()}


@transaction.atomic
def skill_save(
    *,
    actor: Actor,
    name: str,
    category: str = "",
    description: str = "",
    skill: Skill | None = None,
) -> Skill:
    """Add a skill to the taxonomy or change one."""
    fields = ["name", "category", "description"]
    creating = skill is None
    skill = skill or Skill(workspace=actor.workspace)
    ensure(actor, ADD if creating else CHANGE, skill)
    before = {} if creating else snapshot(skill, fields)
    skill.name, skill.category = (name or "").strip(), (category or "").strip()
    skill.description = (description or "").strip()
    if not skill.name:
        raise ValidationError({"name": "Give the skill a name."})
    clash = Skill.objects.filter(workspace=actor.workspace, name__iexact=skill.name)
    if clash.exclude(pk=skill.pk).exists():
        raise ValidationError({"name": f"The taxonomy already has “{skill.name}”."})
    skill.full_clean(exclude=["workspace"])
    skill.save()
    _audit(actor, "create" if creating else "update", skill,
           diff(before, snapshot(skill, fields)))  # fmt: skip
    return skill


@transaction.atomic
def skill_delete(*, actor: Actor, skill: Skill) -> None:
    ensure(actor, DELETE, skill)
    if skill.roles.exists():
        raise ValidationError("Engagement roles need this skill; change them first.")
    _audit(actor, "delete", skill)
    skill.delete()


@transaction.atomic
def skills_load_default(*, actor: Actor) -> int:
    """Add the default taxonomy's skills that the workspace does not have yet."""
    ensure(actor, ADD, Skill(workspace=actor.workspace))
    have = {n.lower() for n in Skill.objects.filter(workspace=actor.workspace).values_list(
        "name", flat=True)}  # fmt: skip
    new = [
        Skill(workspace=actor.workspace, name=name, category=category, description=description)
        for name, category, description in DEFAULT_SKILLS
        if name.lower() not in have
    ]
    Skill.objects.bulk_create(new)
    if new:
        audit_record(
            actor=actor, action="create", target=new[0],
            changes={"default_taxonomy": [None, [s.name for s in new]]},
        )  # fmt: skip
    return len(new)


# ---------------------------------------------------------------------------- people's skills


def _certificate_evidence(certificate) -> str:
    return (
        f"Certificate {certificate.certification} ({certificate.code}), issued "
        f"{certificate.issued_on:%Y-%m-%d}, valid until {certificate.expires_on:%Y-%m-%d}"
    )


@transaction.atomic
def person_skill_save(
    *,
    actor: Actor,
    person: Person,
    skill: Skill,
    level: int,
    evidence: str = "",
    certificate=None,
) -> PersonSkill:
    """Record (or change) a person's level in a skill, with evidence; a readiness certificate
    of the same person counts as evidence."""
    row = PersonSkill.objects.filter(person=person, skill=skill).first()
    creating = row is None
    row = row or PersonSkill(workspace=actor.workspace, person=person, skill=skill)
    ensure(actor, ADD if creating else CHANGE, row)
    fields = ["level", "evidence", "certificate"]
    before = {} if creating else snapshot(row, fields)
    errors = {}
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if not 1 <= level <= 5:
        errors["level"] = "The level is a whole number from 1 to 5."
    if certificate is not None and certificate.person_id != person.pk:
        errors["certificate"] = f"That certificate was awarded to someone else, not {person}."
    if errors:
        raise ValidationError(errors)
    row.level, row.certificate = level, certificate
    row.evidence = (evidence or "").strip() or (
        _certificate_evidence(certificate) if certificate is not None else ""
    )
    row.save()
    _audit(actor, "create" if creating else "update", row, diff(before, snapshot(row, fields)))
    return row


@transaction.atomic
def person_skill_delete(*, actor: Actor, person_skill: PersonSkill) -> None:
    ensure(actor, DELETE, person_skill)
    _audit(actor, "delete", person_skill)
    person_skill.delete()


PROFILE_FIELDS = [
    "cost_rate", "bill_rate", "currency", "location", "remote", "onsite", "languages",
    "weekly_capacity", "hours_per_week",
]  # fmt: skip


def _decimal(value, field: str, errors: dict, *, low=None, high=None) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = f"“{value}” is not a number."
        return None
    if (
        not number.is_finite()
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        errors[field] = (
            f"Must be between {low} and {high}." if high is not None else f"Must be {low} or more."
        )
        return None
    return number


def languages_clean(value) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


@transaction.atomic
def worker_profile_save(*, actor: Actor, person: Person, **values) -> WorkerProfile:
    """Set a person's rates, place, on-site/remote, languages and usual weekly capacity."""
    profile = WorkerProfile.objects.filter(person=person).first()
    creating = profile is None
    profile = profile or WorkerProfile(workspace=actor.workspace, person=person)
    ensure(actor, ADD if creating else CHANGE, profile)
    before = {} if creating else snapshot(profile, PROFILE_FIELDS)
    errors: dict[str, str] = {}
    for field in ("cost_rate", "bill_rate"):
        if field in values:
            setattr(profile, field, _decimal(values[field], field, errors, low=Decimal(0)))
    if "weekly_capacity" in values:
        profile.weekly_capacity = _decimal(
            values["weekly_capacity"], "weekly_capacity", errors, low=Decimal(0), high=Decimal(1)
        )
    if "hours_per_week" in values:
        profile.hours_per_week = _decimal(
            values["hours_per_week"], "hours_per_week", errors, low=Decimal(1), high=Decimal(80)
        )
    if "currency" in values:
        profile.currency = (values["currency"] or "").strip().upper()
        if profile.currency not in ISO_CURRENCIES:
            errors["currency"] = f"“{profile.currency}” is not an ISO 4217 currency code."
    for field in ("location",):
        if field in values:
            profile.location = (values[field] or "").strip()
    for field in ("remote", "onsite"):
        if field in values:
            setattr(profile, field, bool(values[field]))
    if "languages" in values:
        profile.languages = languages_clean(values["languages"])
    if errors:
        raise ValidationError(errors)
    profile.save()
    _audit(actor, "create" if creating else "update", profile,
           diff(before, snapshot(profile, PROFILE_FIELDS)))  # fmt: skip
    return profile


@transaction.atomic
def availability_set(
    *, actor: Actor, person: Person, start: dt.date, end: dt.date, fraction
) -> int:
    """Set a person's availability for every week from start's week to end's week."""
    probe = Availability(workspace=actor.workspace, person=person, week_start=monday(start))
    ensure(actor, ADD, probe)
    errors: dict[str, str] = {}
    value = _decimal(fraction, "fraction", errors, low=Decimal(0), high=Decimal(1))
    if start and end and end < start:
        errors["end"] = "The last week comes before the first."
    if errors:
        raise ValidationError(errors)
    weeks = week_list(start, end)
    if len(weeks) > MAX_WEEKS:
        raise ValidationError({"end": f"Edit at most {MAX_WEEKS} weeks at once."})
    value = value.quantize(Decimal("0.01"))
    existing = {
        row.week_start: row
        for row in Availability.objects.filter(person=person, week_start__in=weeks)
    }
    changed = []
    for week in weeks:
        row = existing.get(week)
        if row is None:
            changed.append(
                Availability(workspace=actor.workspace, person=person, week_start=week,
                             fraction=value)
            )  # fmt: skip
        elif row.fraction != value:
            row.fraction = value
            row.save(update_fields=["fraction"])
    Availability.objects.bulk_create(changed)
    audit_record(
        actor=actor, action="update", target=person,
        changes={"availability": [None, f"{weeks[0]}..{weeks[-1]}: {value}"]},
    )  # fmt: skip
    return len(weeks)


# ---------------------------------------------------------------------------- roles


ROLE_FIELDS = ["name", "skill", "min_level", "share", "start_date", "end_date", "onsite",
               "language"]  # fmt: skip


@transaction.atomic
def role_save(
    *,
    actor: Actor,
    engagement: Engagement,
    name: str,
    skill: Skill,
    min_level: int,
    share,
    start_date: dt.date,
    end_date: dt.date,
    onsite: bool = False,
    language: str = "",
    role: EngagementRole | None = None,
) -> EngagementRole:
    """Add a role the engagement needs, or change one."""
    creating = role is None
    role = role or EngagementRole(workspace=actor.workspace, engagement=engagement)
    ensure(actor, ADD if creating else CHANGE, role)
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff define engagement roles.")
    before = {} if creating else snapshot(role, ROLE_FIELDS)
    errors: dict[str, str] = {}
    role.name = (name or "").strip()
    role.skill = skill
    role.min_level = min_level
    role.share = _decimal(share, "share", errors, low=Decimal("0.05"), high=Decimal(1))
    role.start_date, role.end_date = start_date, end_date
    role.onsite, role.language = bool(onsite), (language or "").strip().lower()
    if not role.name:
        errors["name"] = "Name the role."
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = "The role ends before it starts."
    elif start_date and end_date and len(week_list(start_date, end_date)) > MAX_WEEKS:
        errors["end_date"] = f"A role lasts at most {MAX_WEEKS} weeks."
    if not errors:
        try:
            role.full_clean(exclude=["workspace", "engagement"])
        except ValidationError as error:
            errors.update(_errors(error))
    if errors:
        raise ValidationError(errors)
    role.save()
    if not creating:  # assignments follow the role's period where they would fall outside it
        for assignment in role.assignments.all():
            start = max(assignment.start_date, role.start_date)
            end = min(assignment.end_date, role.end_date)
            if (start, end) != (assignment.start_date, assignment.end_date):
                assignment.start_date, assignment.end_date = start, max(start, end)
                assignment.save(update_fields=["start_date", "end_date"])
    _audit(actor, "create" if creating else "update", role,
           diff(before, snapshot(role, ROLE_FIELDS)))  # fmt: skip
    return role


@transaction.atomic
def role_delete(*, actor: Actor, role: EngagementRole) -> None:
    ensure(actor, DELETE, role)
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff remove engagement roles.")
    if role.assignments.filter(status=AssignmentStatus.ACCEPTED).exists():
        raise ValidationError("Accepted assignments fill this role; remove them first.")
    _audit(actor, "delete", role)
    role.delete()


# ---------------------------------------------------------------------------- assignments


def over_allocation(
    person: Person, start: dt.date, end: dt.date, share: float, exclude=()
) -> list[str]:
    """Weeks in which this share on top of the person's other assignments exceeds their
    availability, as readable lines (empty when it fits)."""
    weeks = week_list(start, end)
    capacity = capacity_by_week([person.pk], weeks)[person.pk]
    taken = allocated_by_week([person.pk], weeks, exclude=exclude)[person.pk]
    return [
        f"week of {weeks[k]:%Y-%m-%d}: {taken[k]:.0%} already allocated + {share:.0%} "
        f"> {capacity[k]:.0%} available"
        for k in np.flatnonzero(taken + share > capacity + 1e-9)
    ]


def _refuse_over_allocation(person, start, end, share, exclude=()) -> None:
    lines = over_allocation(person, start, end, float(share), exclude)
    if lines:
        shown = "; ".join(lines[:4]) + (f"; and {len(lines) - 4} more weeks" if len(lines) > 4
                                         else "")  # fmt: skip
        raise ValidationError(
            {"share": f"{person} would be allocated beyond their availability: {shown}."}
        )


def _notify_assigned(assignment: Assignment) -> None:
    person = assignment.person
    if not person.email:
        return
    role = assignment.role
    engagement = role.engagement
    subject = f"You are on “{engagement.title}” as {role.name}"
    body = (
        f"Hello {person.first_name or person.full_name},\n\n"
        f"you are assigned to the engagement “{engagement.title}” for {engagement.customer} as "
        f"{role.name} ({role.skill}), {assignment.share:.0%} of your week from "
        f"{assignment.start_date:%Y-%m-%d} to {assignment.end_date:%Y-%m-%d}.\n"
    )
    pk, workspace = assignment.pk, assignment.workspace

    def send():  # after commit, outside the caller's scope
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[person.email])
        with scope(workspace=workspace):
            Assignment.objects.filter(pk=pk).update(notified_at=timezone.now())

    transaction.on_commit(send)


def _orchestrator_only(actor: Actor) -> None:
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff change staffing.")


ASSIGNMENT_FIELDS = ["person", "share", "start_date", "end_date", "status", "locked"]


@transaction.atomic
def assignment_save(
    *,
    actor: Actor,
    role: EngagementRole,
    person: Person,
    share,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    locked: bool = False,
    assignment: Assignment | None = None,
) -> Assignment:
    """Put a person on a role (or change an assignment); refused beyond their availability."""
    creating = assignment is None
    assignment = assignment or Assignment(
        workspace=actor.workspace, role=role, status=AssignmentStatus.PROPOSED
    )
    ensure(actor, ADD if creating else CHANGE, assignment)
    _orchestrator_only(actor)
    before = {} if creating else snapshot(assignment, ASSIGNMENT_FIELDS)
    errors: dict[str, str] = {}
    value = _decimal(share, "share", errors, low=Decimal("0.01"), high=Decimal(1))
    start = start_date or role.start_date
    end = end_date or role.end_date
    if start < role.start_date or end > role.end_date:
        errors["start_date"] = (
            f"The role runs from {role.start_date:%Y-%m-%d} to {role.end_date:%Y-%m-%d}."
        )
    if end < start:
        errors["end_date"] = "The assignment ends before it starts."
    if person.worker_type == WorkerType.CONTACT:
        errors["person"] = f"{person} is a contact, not a worker."
    if errors:
        raise ValidationError(errors)
    others = Assignment.objects.filter(role=role).exclude(pk=assignment.pk)
    if others.filter(person=person).exists():
        raise ValidationError({"person": f"{person} is already on this role."})
    total = sum((a.share for a in others), Decimal(0)) + value
    if total > role.share:
        raise ValidationError(
            {"share": f"The role needs {role.share:.0%} of a week; this would make {total:.0%}."}
        )
    _refuse_over_allocation(person, start, end, value, exclude=[assignment.pk])
    assignment.person, assignment.share = person, value.quantize(Decimal("0.01"))
    assignment.start_date, assignment.end_date, assignment.locked = start, end, bool(locked)
    assignment.source = (
        AssignmentSource.OWN if is_own(person, actor.workspace) else AssignmentSource.ECOSYSTEM
    )
    if creating:
        assignment.explanation = f"Added by {actor.label}."
    assignment.save()
    _audit(actor, "create" if creating else "update", assignment,
           diff(before, snapshot(assignment, ASSIGNMENT_FIELDS)))  # fmt: skip
    if assignment.status == AssignmentStatus.ACCEPTED and (
        creating or before.get("person") != assignment.person_id
    ):
        _notify_assigned(assignment)
    return assignment


@transaction.atomic
def assignment_decide(
    *, actor: Actor, assignment: Assignment, accept: bool | None = None, locked: bool | None = None
) -> Assignment:
    """Accept a proposed assignment (the person is told) and/or lock or unlock it."""
    ensure(actor, CHANGE, assignment)
    _orchestrator_only(actor)
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    newly_accepted = accept and assignment.status != AssignmentStatus.ACCEPTED
    if accept is not None:
        assignment.status = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.PROPOSED
    if locked is not None:
        assignment.locked = locked
    if newly_accepted:
        _refuse_over_allocation(assignment.person, assignment.start_date, assignment.end_date,
                                assignment.share, exclude=[assignment.pk])  # fmt: skip
    assignment.save(update_fields=["status", "locked"])
    _audit(actor, "update", assignment, diff(before, snapshot(assignment, ASSIGNMENT_FIELDS)))
    if newly_accepted:
        _notify_assigned(assignment)
    return assignment


@transaction.atomic
def assignments_accept_all(*, actor: Actor, engagement: Engagement) -> int:
    """Accept every proposed assignment of an engagement (each person is told)."""
    _orchestrator_only(actor)
    rows = Assignment.objects.filter(
        role__engagement=engagement, status=AssignmentStatus.PROPOSED
    ).select_related("person", "role__engagement__customer", "role__skill")
    count = 0
    for assignment in rows:
        assignment_decide(actor=actor, assignment=assignment, accept=True)
        count += 1
    return count


@transaction.atomic
def assignment_delete(*, actor: Actor, assignment: Assignment) -> None:
    ensure(actor, DELETE, assignment)
    _orchestrator_only(actor)
    _audit(actor, "delete", assignment)
    assignment.delete()


# ---------------------------------------------------------------------------- optimiser runs


@transaction.atomic
def staffing_run_start(*, actor: Actor, engagement: Engagement) -> StaffingRun:
    """Queue the optimiser for an engagement; the run replaces every assignment not locked."""
    run = StaffingRun(workspace=actor.workspace, engagement=engagement, created_by=actor.label)
    ensure(actor, ADD, run)
    _orchestrator_only(actor)
    if not engagement.roles.exists():
        raise ValidationError("Add the roles the engagement needs first.")
    if engagement.staffing_runs.filter(
        status__in=[StaffingRunStatus.QUEUED, StaffingRunStatus.RUNNING]
    ).exists():
        raise ValidationError("A staffing run for this engagement is already under way.")
    run.save()
    _audit(actor, "create", run)
    from .jobs_staffing import staffing_run_task

    transaction.on_commit(lambda: staffing_run_task.enqueue(run.pk))
    return run


def _weekly_cost(profile: WorkerProfile | None) -> float:
    if profile is None:
        return 0.0
    return float(profile.cost_rate * profile.hours_per_week)


def staffing_problem(engagement: Engagement, *, exclude_assignments=(), extra_people=()):
    """The engagement's roles and the pool of workers as an optimiser problem.

    Returns (problem, people by key, roles by key, weeks). Assignments on other engagements
    (and locked ones here) use up availability; the others of this engagement are replaced.
    """
    roles = list(engagement.roles.select_related("skill").order_by("start_date", "id"))
    start = min(r.start_date for r in roles)
    end = max(r.end_date for r in roles)
    weeks = week_list(start, end)
    skill_ids = {r.skill_id for r in roles}
    people = list(
        Person.objects.filter(workspace=engagement.workspace)
        .filter(
            Q(worker_type__in=WORKER_TYPES, skills__skill_id__in=skill_ids)
            | Q(pk__in=list(extra_people))
        )
        .distinct()
        .select_related("worker_profile")
        .order_by("pk")
    )
    ids = [p.pk for p in people]
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for pid, sid, level in PersonSkill.objects.filter(person_id__in=ids).values_list(
        "person_id", "skill_id", "level"
    ):
        levels[pid][str(sid)] = level
    capacity = capacity_by_week(ids, weeks)
    taken = allocated_by_week(ids, weeks, exclude=exclude_assignments)
    pool = []
    for person in people:
        profile = getattr(person, "worker_profile", None)
        free = np.clip(capacity[person.pk] - taken[person.pk], 0, 1)
        pool.append(
            optimiser.Person(
                key=str(person.pk),
                skills=levels[person.pk],
                availability=free,
                cost_rate=_weekly_cost(profile),
                location=(profile.location if profile else person.location) or "",
                remote=profile.remote if profile else True,
                onsite=profile.onsite if profile else True,
                languages=frozenset(profile.languages if profile else []),
                own=is_own(person, engagement.workspace),
                name=person.full_name,
            )
        )
    index = {week: k for k, week in enumerate(weeks)}
    opt_roles = [
        optimiser.Role(
            key=str(role.pk),
            skill=str(role.skill_id),
            min_level=role.min_level,
            share=float(role.share),
            start_week=index[monday(role.start_date)],
            end_week=index[monday(role.end_date)] + 1,
            engagement=str(engagement.pk),
            onsite=role.onsite or engagement.onsite_required,
            language=(role.language or engagement.language or "").lower(),
            name=role.name,
            skill_name=role.skill.name,
        )
        for role in roles
    ]
    budgets = {}
    if engagement.budget is not None:
        budgets[str(engagement.pk)] = float(engagement.budget)
    problem = optimiser.Problem(
        people=pool, roles=opt_roles, budgets=budgets, calendar_start=weeks[0]
    )
    return problem, {str(p.pk): p for p in people}, {str(r.pk): r for r in roles}, weeks


def staffing_run_execute(run_id: int, *, settings: optimiser.Settings | None = None) -> StaffingRun:
    """Run the optimiser for a queued run and write its proposal, all or nothing."""
    run = StaffingRun.objects.select_related("engagement__customer").get(pk=run_id)
    engagement = run.engagement
    StaffingRun.objects.filter(pk=run.pk).update(status=StaffingRunStatus.RUNNING, progress=10)
    started = time.perf_counter()
    try:
        current = list(
            Assignment.objects.filter(role__engagement=engagement).select_related("person")
        )
        replaced = [a for a in current if not a.locked]
        locked = [a for a in current if a.locked]
        continuity = frozenset(str(a.person_id) for a in current)
        # this engagement's assignments are not commitments elsewhere: the locked ones enter
        # the problem as locked, the others are replaced
        problem, people, roles, weeks = staffing_problem(
            engagement,
            exclude_assignments=[a.pk for a in current],
            extra_people=[a.person_id for a in locked],
        )
        problem.locked = [
            optimiser.Locked(role=str(a.role_id), person=str(a.person_id), share=float(a.share))
            for a in locked
        ]
        problem.continuity = {str(engagement.pk): continuity}
        StaffingRun.objects.filter(pk=run.pk).update(progress=30)
        result = optimiser.solve(problem, settings or optimiser.Settings(time_limit=60))
        StaffingRun.objects.filter(pk=run.pk).update(progress=80)
        with transaction.atomic():
            now = Assignment.objects.filter(role__engagement=engagement)
            if set(now.values_list("pk", "locked", "share", "person_id")) != {
                (a.pk, a.locked, a.share, a.person_id) for a in current
            }:
                raise ValidationError(
                    "The engagement's assignments changed while the run was under way; "
                    "nothing was written. Run it again."
                )
            Assignment.objects.filter(pk__in=[a.pk for a in replaced]).delete()
            created = []
            for allocation in result.allocations:
                if allocation.locked:
                    continue
                role = roles[allocation.role]
                person = people[allocation.person]
                created.append(
                    Assignment(
                        workspace=engagement.workspace, role=role, person=person,
                        share=Decimal(str(allocation.share)).quantize(Decimal("0.01"), ROUND_DOWN),
                        start_date=role.start_date, end_date=role.end_date,
                        status=AssignmentStatus.PROPOSED,
                        source=AssignmentSource.OWN if allocation.own
                        else AssignmentSource.ECOSYSTEM,
                        explanation=allocation.explanation,
                        staffing_run=run,
                    )
                )  # fmt: skip
            created = [a for a in created if a.share > 0]
            Assignment.objects.bulk_create(created)
            run.status = StaffingRunStatus.DONE
            run.progress = 100
            run.method = result.status
            run.objective, run.bound, run.gap = result.objective, result.bound, result.gap
            run.candidates = result.candidates
            run.unfilled = [_unfilled_out(u, roles, people) for u in result.unfilled]
            run.suggestions = [_suggestion_out(s, roles, people) for s in result.suggestions]
            run.seconds = time.perf_counter() - started
            run.finished_at = timezone.now()
            run.message = (
                f"{len(created)} assignments proposed, {len(result.unfilled)} roles not fully "
                f"filled; {len(locked)} locked kept."
            )
            run.save()
    except Exception as error:
        StaffingRun.objects.filter(pk=run.pk).update(
            status=StaffingRunStatus.FAILED,
            message=f"The run failed: {' '.join(getattr(error, 'messages', [str(error)]))}"[:2000],
            finished_at=timezone.now(), seconds=time.perf_counter() - started,
        )  # fmt: skip
        raise
    return run


def _unfilled_out(item: optimiser.Unfilled, roles, people) -> dict:
    role = roles[item.role]
    message = item.message
    return {
        "role": str(role.public_id), "name": role.name, "skill": role.skill.name,
        "missing": round(item.missing, 4), "reason": item.reason, "message": message,
        "cross_training": [
            {"person": str(people[k].public_id), "name": people[k].full_name}
            for k in item.cross_training
        ],
    }  # fmt: skip


def _suggestion_out(item: dict, roles, people) -> dict:
    role = roles[item["role"]]
    out = {**item, "role": str(role.public_id), "role_name": role.name, "skill": role.skill.name}
    if "person" in item:
        out["person"] = str(people[item["person"]].public_id)
        out["person_name"] = people[item["person"]].full_name
    return out


# ---------------------------------------------------------------------------- import


def _person_by(workspace, text: str) -> Person:
    import uuid

    text = (text or "").strip()
    rows = Person.objects.filter(workspace=workspace)
    try:
        return rows.get(public_id=uuid.UUID(text))
    except (ValueError, Person.DoesNotExist):
        pass
    found = list(rows.filter(email__iexact=text)[:2]) if text else []
    if len(found) != 1:
        raise ValidationError(
            {"person": f"No single person has the e-mail or id “{text}”." if text
             else "Give the person's e-mail or id."}
        )  # fmt: skip
    return found[0]


def person_skill_apply(actor: Actor, row: dict[str, str]) -> str:
    """One import row: person (e-mail or id), skill (name), level, evidence, certificate."""
    from ecosys.readiness.models import CertificateAward

    person = _person_by(actor.workspace, row.get("person", ""))
    name = (row.get("skill") or "").strip()
    skill = Skill.objects.filter(workspace=actor.workspace, name__iexact=name).first()
    if skill is None:
        raise ValidationError({"skill": f"The taxonomy has no skill “{name}”."})
    certificate = None
    code = (row.get("certificate") or "").strip()
    if code:
        certificate = CertificateAward.objects.filter(workspace=actor.workspace, code=code).first()
        if certificate is None:
            raise ValidationError({"certificate": f"No certificate has the code “{code}”."})
    existed = PersonSkill.objects.filter(person=person, skill=skill).exists()
    person_skill_save(
        actor=actor, person=person, skill=skill, level=row.get("level"),
        evidence=row.get("evidence", ""), certificate=certificate,
    )  # fmt: skip
    return "updated" if existed else "created"


register(
    Importer(
        kind="person-skills",
        label="People's skills",
        model=PersonSkill,
        columns=("person", "skill", "level", "evidence", "certificate"),
        required=("person", "skill", "level"),
        apply=person_skill_apply,
        unique_key=lambda row: (
            (row.get("person") or "").lower(),
            (row.get("skill") or "").lower(),
        ),
    )
)
