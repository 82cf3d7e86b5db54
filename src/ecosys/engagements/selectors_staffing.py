"""Reads of the competency inventory and staffing, narrowed by the access policy; alignment,
utilisation and the talent review are computed here from what the actor may see."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
from django.db.models import Count, Q, QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict
from ecosys.ecosystem.models import Person

from .models import (
    Assignment,
    Engagement,
    EngagementRole,
    EngagementStatus,
    PersonSkill,
    Skill,
    StaffingRun,
    WorkerProfile,
)

# The staffing page is the orchestrator's and the customer's; assigned organisations use
# "Our assignments" (engagement_get answers them 404).
from .selectors_cycle import engagement_part_get as engagement_get  # noqa: F401
from .services_staffing import (
    ECOSYSTEM_TYPES,
    WORKER_TYPES,
    allocated_by_week,
    capacity_by_week,
    monday,
)


def skill_list(*, actor: Actor, action: str = VIEW) -> QuerySet[Skill]:
    return restrict(Skill.objects.annotate(holder_count=Count("holders")), actor, action)


def skill_get(*, actor: Actor, public_id, action: str = VIEW) -> Skill:
    return get_visible(Skill.objects.all(), actor, action=action, public_id=public_id)


def person_skill_list(*, actor: Actor, action: str = VIEW) -> QuerySet[PersonSkill]:
    return restrict(
        PersonSkill.objects.select_related(
            "person__organization", "skill", "certificate__certification"
        ),
        actor,
        action,
    )


def person_skill_get(*, actor: Actor, public_id, action: str = VIEW) -> PersonSkill:
    return get_visible(
        PersonSkill.objects.select_related("person", "skill"), actor, action=action,
        public_id=public_id,
    )  # fmt: skip


def worker_list(*, actor: Actor) -> QuerySet[Person]:
    """Workers (every worker type but contacts) the actor may see, with their profiles."""
    return restrict(
        Person.objects.filter(worker_type__in=WORKER_TYPES).select_related(
            "organization", "worker_profile"
        ),
        actor,
    )


def worker_get(*, actor: Actor, public_id) -> Person:
    return get_visible(
        Person.objects.select_related("organization", "worker_profile"), actor,
        public_id=public_id,
    )  # fmt: skip


def profile_of(person: Person) -> WorkerProfile | None:
    return getattr(person, "worker_profile", None)


def certificate_list(*, actor: Actor, person: Person):
    from ecosys.readiness.models import CertificateAward

    return restrict(
        CertificateAward.objects.filter(person=person).select_related("certification"), actor
    )


def availability_weeks(person: Person, start: dt.date, weeks: int = 26) -> list[dict]:
    """A person's calendar: per week availability, allocated share and what is left."""
    days = [monday(start) + dt.timedelta(weeks=k) for k in range(weeks)]
    capacity = capacity_by_week([person.pk], days)[person.pk]
    taken = allocated_by_week([person.pk], days)[person.pk]
    return [
        {"week": day, "available": float(capacity[k]), "allocated": float(taken[k]),
         "over": bool(taken[k] > capacity[k] + 1e-9)}
        for k, day in enumerate(days)
    ]  # fmt: skip


# ---------------------------------------------------------------------------- engagements


def role_list(*, actor: Actor, engagement: Engagement | None = None) -> QuerySet[EngagementRole]:
    rows = restrict(EngagementRole.objects.select_related("skill", "engagement"), actor)
    return rows.filter(engagement=engagement) if engagement is not None else rows


def role_get(*, actor: Actor, public_id, action: str = VIEW) -> EngagementRole:
    return get_visible(
        EngagementRole.objects.select_related("skill", "engagement__customer"), actor,
        action=action, public_id=public_id,
    )  # fmt: skip


def assignment_list(*, actor: Actor) -> QuerySet[Assignment]:
    return restrict(
        Assignment.objects.select_related(
            "person__organization", "role__skill", "role__engagement__customer", "staffing_run"
        ),
        actor,
    )


def assignment_get(*, actor: Actor, public_id, action: str = VIEW) -> Assignment:
    return get_visible(
        Assignment.objects.select_related("person", "role__engagement", "role__skill"),
        actor, action=action, public_id=public_id,
    )  # fmt: skip


def staffing_run_list(*, actor: Actor, engagement: Engagement) -> QuerySet[StaffingRun]:
    return restrict(StaffingRun.objects.filter(engagement=engagement), actor)


def staffing_run_get(*, actor: Actor, public_id) -> StaffingRun:
    return get_visible(StaffingRun.objects.select_related("engagement"), actor, public_id=public_id)


def role_fill(roles, assignments) -> list[dict]:
    """Each role with its assignments and the share still open."""
    by_role = defaultdict(list)
    for assignment in assignments:
        by_role[assignment.role_id].append(assignment)
    out = []
    for role in roles:
        rows = by_role.get(role.pk, [])
        filled = sum(float(a.share) for a in rows)
        out.append({"role": role, "assignments": rows, "filled": filled,
                    "open": max(float(role.share) - filled, 0.0)})  # fmt: skip
    return out


# ---------------------------------------------------------------------------- alignment


def alignment(*, actor: Actor, roles: list[dict]) -> list[dict]:
    """Per role ({name, skill (Skill), min_level, share}): who qualifies now, who would with
    cross-training (one level short), and how much of it only the ecosystem can supply."""
    orchestrator = actor.workspace.orchestrator_id
    skill_ids = [r["skill"].pk for r in roles if r.get("skill") is not None]
    rows = (
        restrict(PersonSkill.objects.filter(skill_id__in=skill_ids), actor)
        .filter(person__worker_type__in=WORKER_TYPES)
        .values_list("skill_id", "level", "person_id", "person__worker_type",
                     "person__organization_id")
    )  # fmt: skip
    holders = defaultdict(list)
    for skill_id, level, pid, worker_type, org_id in rows:
        own = worker_type in ("employee", "bot") and org_id == orchestrator
        ecosystem = not own and (worker_type in ECOSYSTEM_TYPES or org_id != orchestrator)
        holders[skill_id].append((level, pid, own, ecosystem))
    out = []
    for role in roles:
        skill = role.get("skill")
        need = int(role.get("min_level") or 1)
        people = holders.get(skill.pk, []) if skill is not None else []
        now = [h for h in people if h[0] >= need]
        short = [h for h in people if h[0] == need - 1]
        own_now = sum(1 for h in now if h[2])
        eco_now = sum(1 for h in now if h[3])
        if not now:
            where = (
                "No one qualifies: cross-train"
                if short
                else "No one qualifies: hire or find a partner"
            )
        elif own_now == 0:
            where = "Only the ecosystem can supply"
        else:
            where = "Own staff can supply"
        out.append({
            "name": role.get("name") or (skill.name if skill else "?"),
            "skill": skill, "min_level": need, "share": role.get("share"),
            "qualify": len(now), "own": own_now, "ecosystem": eco_now,
            "cross_training": len(short),
            "cross_training_own": sum(1 for h in short if h[2]),
            "ecosystem_must_supply": own_now == 0, "where": where,
        })  # fmt: skip
    return out


def offering_roles(*, actor: Actor, offering) -> list[dict]:
    """An offering's roles (JSON) with their skills resolved (unknown skills are skipped)."""
    wanted = [r for r in (offering.roles or []) if isinstance(r, dict)]
    ids = {str(r.get("skill")) for r in wanted}
    skills = {str(s.public_id): s for s in skill_list(actor=actor) if str(s.public_id) in ids}
    by_name = {s.name.lower(): s for s in skill_list(actor=actor)}
    out = []
    for r in wanted:
        skill = skills.get(str(r.get("skill"))) or by_name.get(str(r.get("skill", "")).lower())
        out.append({"name": r.get("name", ""), "skill": skill,
                    "min_level": r.get("min_level") or 1, "share": r.get("share")})  # fmt: skip
    return out


# ---------------------------------------------------------------------------- utilisation


def utilisation(*, actor: Actor, start: dt.date, weeks: int = 26, only_over: bool = False):
    """Everyone's allocation per week over all engagements against their availability.

    Returns (weeks, rows, totals): rows of {person, allocated[], available[], over_weeks};
    totals per week of allocated, available and people over-allocated.
    """
    days = [monday(start) + dt.timedelta(weeks=k) for k in range(weeks)]
    end = days[-1] + dt.timedelta(days=6)
    assigned = restrict(Assignment.objects.all(), actor).filter(
        start_date__lte=end, end_date__gte=days[0]
    )
    person_ids = sorted(set(assigned.values_list("person_id", flat=True)))
    people = {p.pk: p for p in worker_list(actor=actor).filter(pk__in=person_ids)}
    ids = list(people)
    capacity = capacity_by_week(ids, days)
    taken = allocated_by_week(ids, days)
    rows = []
    for pid in ids:
        over = [days[k] for k in np.flatnonzero(taken[pid] > capacity[pid] + 1e-9)]
        if only_over and not over:
            continue
        rows.append({
            "person": people[pid], "allocated": [round(float(v), 2) for v in taken[pid]],
            "available": [round(float(v), 2) for v in capacity[pid]], "over_weeks": over,
            "peak": float(taken[pid].max()) if len(days) else 0.0,
        })  # fmt: skip
    rows.sort(key=lambda r: (-len(r["over_weeks"]), -r["peak"], r["person"].last_name))
    totals = {
        "allocated": [round(float(sum(taken[p][k] for p in ids)), 2) for k in range(len(days))],
        "available": [round(float(sum(capacity[p][k] for p in ids)), 2) for k in range(len(days))],
        "over": [int(sum(taken[p][k] > capacity[p][k] + 1e-9 for p in ids))
                 for k in range(len(days))],
    }  # fmt: skip
    return days, rows, totals


# ---------------------------------------------------------------------------- talent review


def talent_review(*, actor: Actor) -> dict:
    """After engagements close: which skills were short, how often cross-training or fractional
    resources filled the gap, and suggested hires or ecosystem partners."""
    closed = restrict(Engagement.objects.all(), actor).filter(status=EngagementStatus.CLOSED)
    runs = restrict(StaffingRun.objects.filter(engagement__in=closed, status="done"), actor)
    short = Counter()  # skill name -> share-weeks missing
    short_roles = Counter()
    reasons = Counter()
    suggested = defaultdict(set)  # engagement id -> person public ids suggested for training
    for run in runs:
        for item in run.unfilled or []:
            short[item.get("skill", "?")] += float(item.get("missing", 0))
            short_roles[item.get("skill", "?")] += 1
            reasons[item.get("reason", "?")] += 1
            for person in item.get("cross_training", []):
                suggested[run.engagement_id].add(person["person"])
    assignments = list(
        restrict(Assignment.objects.all(), actor)
        .filter(role__engagement__in=closed)
        .select_related("person", "role")
    )
    per_role = Counter(a.role_id for a in assignments)
    roles = {a.role_id: a.role for a in assignments}
    split_roles = sum(1 for n in per_role.values() if n > 1)
    fractional = sum(1 for a in assignments if a.share < 1)
    cross_trained = sum(
        1 for a in assignments if str(a.person.public_id) in suggested.get(a.role.engagement_id, ())
    )
    ecosystem = sum(1 for a in assignments if a.source == "ecosystem")
    # Who could supply the short skills: organisations (not the orchestrator) whose people
    # have them at level 3 or more.
    names = list(short)
    partners = defaultdict(Counter)
    if names:
        rows = (
            restrict(PersonSkill.objects.filter(skill__name__in=names, level__gte=3), actor)
            .exclude(person__organization_id=actor.workspace.orchestrator_id)
            .exclude(person__organization__isnull=True)
            .values_list("skill__name", "person__organization__name")
        )
        for skill, org in rows:
            partners[skill][org] += 1
    suggestions = []
    for skill, missing in short.most_common(10):
        best = partners.get(skill, Counter()).most_common(3)
        suggestions.append({
            "skill": skill, "missing": round(missing, 2), "roles": short_roles[skill],
            "action": "Hire or contract" if not best else "Engage an ecosystem partner",
            "partners": [f"{org} ({n})" for org, n in best],
        })  # fmt: skip
    return {
        "engagements": closed.count(),
        "runs": runs.count(),
        "assignments": len(assignments),
        "roles": len(roles),
        "split_roles": split_roles,
        "fractional": fractional,
        "cross_trained": cross_trained,
        "ecosystem": ecosystem,
        "short": [
            {"skill": s, "missing": round(m, 2), "roles": short_roles[s]}
            for s, m in short.most_common()
        ],  # fmt: skip
        "reasons": dict(reasons),
        "suggestions": suggestions,
    }


def my_assignments(*, actor: Actor) -> QuerySet[Assignment]:
    """Portal: the assignments an external organisation's users may see (read only)."""
    return assignment_list(actor=actor).filter(
        Q(person__organization_id=actor.organization_id)
        | Q(role__engagement__customer_id=actor.organization_id)
    )
