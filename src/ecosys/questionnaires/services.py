"""Writes of the questionnaire engine: questionnaires, assignments, answers, reviews, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope

from . import engine
from .models import Answer, Assignment, AssignmentStatus, Question, Questionnaire

REMIND_BEFORE_DUE_DAYS = 7


def _orchestrator(actor: Actor) -> None:
    if not actor.is_orchestrator or not allows(actor, ADD, Questionnaire):
        raise PermissionDenied("Only the orchestrator's staff manage questionnaires.")


@transaction.atomic
def questionnaire_create(
    *,
    actor: Actor,
    title: str,
    source: str,
    description: str = "",
    pass_mark: int | None = None,
    validity_days: int = 365,
) -> Questionnaire:
    """A questionnaire from the text format (see engine.py); every problem is named by line."""
    _orchestrator(actor)
    errors = {}
    try:
        parsed = engine.parse(source or "")
    except ValidationError as error:
        errors.update(error.message_dict)
        parsed = []
    questionnaire = Questionnaire(
        workspace=actor.workspace,
        title=(title or "").strip(),
        description=(description or "").strip(),
        pass_mark=pass_mark,
        validity_days=validity_days,
    )
    try:
        questionnaire.full_clean(exclude=["workspace"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        errors["pass_mark"] = "A pass mark is a percentage from 0 to 100."  # noqa: S105
    if errors:
        raise ValidationError(errors)
    questionnaire.save()
    Question.objects.bulk_create(
        Question(
            workspace=actor.workspace,
            questionnaire=questionnaire,
            section=q.section,
            position=q.position,
            text=q.text,
            kind=q.kind,
            required=q.required,
            options=q.options,
            condition=q.condition,
        )
        for q in parsed
    )
    audit_record(
        actor=actor,
        action="create",
        target=questionnaire,
        changes={"questions": [None, len(parsed)]},
    )
    return questionnaire


def _admins(organization) -> list[str]:
    return list(
        Membership.objects.filter(
            organization=organization, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def assignment_send(
    *, actor: Actor, questionnaire: Questionnaire, organization, due_date: dt.date
) -> Assignment:
    """Send a questionnaire to an organisation; its admins are told to answer in the portal."""
    _orchestrator(actor)
    if organization.pk == actor.workspace.orchestrator_id:
        raise ValidationError({"organization": "Send questionnaires to other organisations."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date is in the past."})
    if Assignment.objects.filter(
        questionnaire=questionnaire, organization=organization, status=AssignmentStatus.OPEN
    ).exists():
        raise ValidationError(
            {"organization": "This organisation has this questionnaire open already."}
        )
    assignment = Assignment.objects.create(
        workspace=actor.workspace,
        questionnaire=questionnaire,
        organization=organization,
        due_date=due_date,
        assigned_by=actor.user,
    )
    audit_record(
        actor=actor, action="send", target=assignment, changes={"due_date": [None, str(due_date)]}
    )
    recipients = _admins(organization)
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=f"Please answer: {questionnaire}",
                message=(
                    f"{actor.workspace.name} asks {organization} to answer “{questionnaire}” "
                    f"by {due_date:%Y-%m-%d} in the partner portal."
                ),
                from_email=None,
                recipient_list=recipients,
            )
        )
    return assignment


@transaction.atomic
def answers_submit(*, actor: Actor, assignment: Assignment, answers: dict[int, Any]) -> Assignment:
    """The organisation's member submits every answer at once; it is scored on the spot."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("questionnaire")
        .get(pk=assignment.pk)
    )
    if (
        actor.organization_id != assignment.organization_id
        or actor.role not in (Role.EXTERNAL_ADMIN, Role.EXTERNAL_MEMBER)
        or actor.token_scope == TokenScope.READ
    ):
        raise PermissionDenied("Only the organisation's members answer its questionnaires.")
    if assignment.status != AssignmentStatus.OPEN:
        raise ValidationError("This questionnaire has been submitted already.")
    if assignment.due_date < timezone.localdate():
        raise ValidationError(
            "The due date has passed; ask for the questionnaire to be sent again."
        )
    questions = list(assignment.questionnaire.questions.all())
    clean, scores, total = engine.check_and_score(questions, answers)
    by_position = {q.position: q for q in questions}
    Answer.objects.bulk_create(
        Answer(
            workspace=assignment.workspace,
            assignment=assignment,
            question=by_position[pos],
            value=value,
            score=scores.get(pos),
        )
        for pos, value in clean.items()
    )
    mark = assignment.questionnaire.pass_mark
    assignment.status, assignment.submitted_by, assignment.submitted_at = (
        AssignmentStatus.SUBMITTED,
        actor.user,
        timezone.now(),
    )
    assignment.score = total
    assignment.passed = None if mark is None or total is None else total >= mark
    assignment.valid_until = timezone.localdate() + dt.timedelta(
        days=assignment.questionnaire.validity_days
    )
    assignment.save()
    audit_record(
        actor=actor,
        action="submit",
        target=assignment,
        changes={"score": [None, str(total) if total is not None else None]},
    )
    return assignment


@transaction.atomic
def assignment_review(*, actor: Actor, assignment: Assignment, note: str) -> Assignment:
    _orchestrator(actor)
    if assignment.status != AssignmentStatus.SUBMITTED:
        raise ValidationError("Only submitted answers can be reviewed.")
    assignment.status, assignment.review_note, assignment.reviewed_by = (
        AssignmentStatus.REVIEWED,
        (note or "").strip(),
        actor.user,
    )
    assignment.save(update_fields=["status", "review_note", "reviewed_by"])
    audit_record(
        actor=actor,
        action="review",
        target=assignment,
        changes={"note": [None, assignment.review_note]},
    )
    return assignment


def reminders_send(*, today: dt.date | None = None) -> int:
    """Remind organisations of questionnaires due within a week (once a week at most)."""
    today = today or timezone.localdate()
    week_ago = timezone.now() - dt.timedelta(days=7)
    due = Assignment.objects.filter(
        status=AssignmentStatus.OPEN,
        due_date__lte=today + dt.timedelta(days=REMIND_BEFORE_DUE_DAYS),
    ).exclude(reminded_at__gte=week_ago)
    sent = 0
    for assignment in due.select_related("questionnaire", "organization"):
        recipients = _admins(assignment.organization)
        if recipients:
            send_mail(
                subject=f"Reminder: {assignment.questionnaire}, due {assignment.due_date:%Y-%m-%d}",
                message=(
                    f"“{assignment.questionnaire}” for {assignment.organization} is due on "
                    f"{assignment.due_date:%Y-%m-%d}; answer it in the partner portal."
                ),
                from_email=None,
                recipient_list=recipients,
            )
            sent += 1
        assignment.reminded_at = timezone.now()
        assignment.save(update_fields=["reminded_at"])
    return sent


def latest_scores(partners, today) -> dict:
    """Tier metric: each partner's most recent valid assessment score (0 when none)."""
    from decimal import Decimal

    scores: dict[int, Decimal] = {}
    by_org = {p.organization_id: p.pk for p in partners}
    rows = (
        Assignment.objects.filter(
            organization_id__in=by_org, score__isnull=False, valid_until__gte=today
        )
        .order_by("organization_id", "-submitted_at")
        .values_list("organization_id", "score")
    )
    for organization_id, score in rows:
        scores.setdefault(by_org[organization_id], score)
    return {p.pk: scores.get(p.pk, Decimal(0)) for p in partners}
