"""Mentors and coaching: the mentor pool, suggested matches with reasons, logged sessions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.ecosystem.models import Industry, Region

from .models import CoachingSession, Mentor, Mentorship


def _orchestrator(actor: Actor) -> None:
    if not actor.is_orchestrator or not allows(actor, ADD, Mentor):
        raise PermissionDenied("Only the orchestrator's staff manage mentoring.")


@transaction.atomic
def mentor_add(
    *, actor: Actor, person, capacity: int = 3, regions=(), industries=(), skills: str = ""
) -> Mentor:
    _orchestrator(actor)
    errors = {}
    if Mentor.objects.filter(person=person).exists():
        errors["person"] = "This person is in the mentor pool already."
    if not 1 <= int(capacity) <= 20:
        errors["capacity"] = "Capacity is 1 to 20 partners."
    if any(r not in Region.values for r in regions):
        errors["regions"] = "Choose regions from the list."
    if any(i not in Industry.values for i in industries):
        errors["industries"] = "Choose industries from the list."
    if errors:
        raise ValidationError(errors)
    mentor = Mentor.objects.create(
        workspace=actor.workspace,
        person=person,
        capacity=capacity,
        regions=sorted(regions),
        industries=sorted(industries),
        skills=(skills or "").strip()[:300],
    )
    audit_record(
        actor=actor, action="create", target=mentor, changes={"person": [None, str(person)]}
    )
    return mentor


def suggestions(partner, limit: int = 5) -> list[dict]:
    """Mentors with room, best match first: same region, same industry, fewest mentees."""
    org = partner.organization
    mentors = (
        Mentor.objects.filter(active=True)
        .annotate(load=Count("mentorships", filter=Q(mentorships__ended_on__isnull=True)))
        .select_related("person")
    )
    ranked = []
    for mentor in mentors:
        if mentor.load >= mentor.capacity:
            continue
        reasons, points = [], 0
        if org.region and org.region in mentor.regions:
            reasons.append(f"covers {org.get_region_display()}")
            points += 2
        if org.industry and org.industry in mentor.industries:
            reasons.append(f"knows {org.get_industry_display().lower()}")
            points += 1
        reasons.append(f"{mentor.capacity - mentor.load} place(s) free")
        ranked.append((points, -mentor.load, mentor, reasons))
    ranked.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [{"mentor": mentor, "reasons": reasons} for _, _, mentor, reasons in ranked[:limit]]


@transaction.atomic
def mentor_assign(*, actor: Actor, partner, mentor: Mentor) -> Mentorship:
    _orchestrator(actor)
    mentor = Mentor.objects.select_for_update().get(pk=mentor.pk)
    load = mentor.mentorships.filter(ended_on__isnull=True).count()
    if load >= mentor.capacity:
        raise ValidationError({"mentor": f"{mentor} coaches {load} partner(s), the most they can."})
    if Mentorship.objects.filter(partner=partner, ended_on__isnull=True).exists():
        raise ValidationError({"partner": "The partner has a mentor; end that mentorship first."})
    reasons = next(
        (s["reasons"] for s in suggestions(partner, limit=50) if s["mentor"].pk == mentor.pk), []
    )
    mentorship = Mentorship.objects.create(
        workspace=actor.workspace,
        mentor=mentor,
        partner=partner,
        reasons=reasons,
        started_on=timezone.localdate(),
    )
    audit_record(
        actor=actor, action="mentor", target=partner, changes={"mentor": [None, str(mentor)]}
    )
    return mentorship


@transaction.atomic
def session_log(
    *, actor: Actor, mentorship: Mentorship, held_on: dt.date, notes: str, next_steps: str = ""
) -> CoachingSession:
    _orchestrator(actor)
    if not (notes or "").strip():
        raise ValidationError({"notes": "Write what was discussed."})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "Log sessions that took place."})
    session = CoachingSession.objects.create(
        workspace=actor.workspace,
        mentorship=mentorship,
        held_on=held_on,
        notes=notes.strip(),
        next_steps=(next_steps or "").strip()[:500],
        logged_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="coaching",
        target=mentorship.partner,
        changes={"held_on": [None, str(held_on)]},
    )
    return session
