"""Writes of the questionnaire engine: questionnaires, assignments, answers, reviews, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope

from . import engine
from .models import (
    Answer,
    AnswerFile,
    Assignment,
    AssignmentStatus,
    Question,
    QuestionKind,
    Questionnaire,
    ValidityReminder,
)

REMIND_BEFORE_DUE_DAYS = 7
DEFAULT_EXPIRY_REMINDER_DAYS = (30, 7)


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
    expiry_reminder_days: list[int] | tuple[int, ...] = DEFAULT_EXPIRY_REMINDER_DAYS,
) -> Questionnaire:
    """A questionnaire from the text format (see engine.py); every problem is named by line."""
    _orchestrator(actor)
    errors = {}
    reminder_days = sorted({int(day) for day in expiry_reminder_days or ()}, reverse=True)
    if any(not 1 <= day <= 365 for day in reminder_days):
        errors["expiry_reminder_days"] = "Remind from 1 to 365 days before the validity ends."
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
        expiry_reminder_days=reminder_days,
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


def _check_may_answer(actor: Actor, assignment: Assignment) -> None:
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


def _checked_upload(question: Question, upload) -> str:
    """The upload's file type, or ValidationError naming the question."""
    if question.kind != QuestionKind.FILE:
        raise ValidationError({f"q{question.position}": "This question does not take a file."})
    head = upload.read(16)
    upload.seek(0)
    try:
        return engine.check_file(
            name=upload.name or "", size=upload.size or 0, head=head,
            types=question.options[0]["types"],
        )  # fmt: skip
    except ValidationError as error:
        raise ValidationError({f"q{question.position}": error.messages}) from None


def _store_upload(actor: Actor, assignment: Assignment, question: Question, upload, kind: str):
    old = AnswerFile.objects.filter(assignment=assignment, question=question).first()
    if old is not None:
        stored = old.file.name
        old.delete()
        transaction.on_commit(lambda: default_storage.delete(stored))
    answer_file = AnswerFile(
        workspace=assignment.workspace, assignment=assignment, question=question,
        name=(upload.name or "file")[:255], size=upload.size,
        content_type=engine.FILE_TYPES[kind][0], uploaded_by=actor.user,
    )  # fmt: skip
    answer_file.file.save(upload.name or f"file.{kind}", upload, save=False)
    answer_file.save()
    audit_record(
        actor=actor,
        action="upload",
        target=assignment,
        changes={"file": [None, f"question {question.position}: {answer_file.name}"]},
    )
    return answer_file


@transaction.atomic
def answer_file_upload(
    *, actor: Actor, assignment: Assignment, position: int, upload
) -> AnswerFile:
    """Upload the file answering one file question (a new upload replaces the previous one);
    it counts when the answers are submitted."""
    assignment = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    _check_may_answer(actor, assignment)
    question = assignment.questionnaire.questions.filter(position=position).first()
    if question is None:
        raise ValidationError({"position": f"The questionnaire has no question {position}."})
    kind = _checked_upload(question, upload)
    return _store_upload(actor, assignment, question, upload, kind)


@transaction.atomic
def answers_submit(
    *, actor: Actor, assignment: Assignment, answers: dict[int, Any], uploads=None
) -> Assignment:
    """The organisation's member submits every answer at once; it is scored on the spot.
    `uploads` ({position: uploaded file}) answer file questions in the same step; files
    uploaded before (answer_file_upload) count too."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("questionnaire")
        .get(pk=assignment.pk)
    )
    _check_may_answer(actor, assignment)
    questions = list(assignment.questionnaire.questions.all())
    by_position = {q.position: q for q in questions}
    uploads = {pos: upload for pos, upload in (uploads or {}).items() if upload}
    checked, upload_errors = {}, {}
    for pos, upload in uploads.items():  # every upload is checked before any is stored
        try:
            if pos not in by_position:
                raise ValidationError({f"q{pos}": "There is no such question."})
            checked[pos] = _checked_upload(by_position[pos], upload)
        except ValidationError as error:
            upload_errors.update(error.message_dict)
    if upload_errors:
        raise ValidationError(upload_errors)
    for pos, kind in checked.items():
        _store_upload(actor, assignment, by_position[pos], uploads[pos], kind)
    files = {
        f.question.position: {"file": str(f.public_id), "name": f.name, "size": f.size}
        for f in assignment.files.select_related("question")
    }
    clean, scores, total = engine.check_and_score(questions, answers, files)
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


def validity_reminders_send(*, workspace, today: dt.date | None = None) -> int:
    """Before an assessment's validity ends, tell the organisation's admins: once per assessment
    and threshold (the questionnaire's expiry_reminder_days, e.g. 30 and 7 days before). When
    several thresholds passed since the last run, one reminder covers them all. Only each
    organisation's newest answer set of a questionnaire is reminded about."""
    from django.db.models import Exists, OuterRef

    today = today or timezone.localdate()
    newer = Assignment.objects.filter(
        questionnaire=OuterRef("questionnaire"),
        organization=OuterRef("organization"),
        assigned_at__gt=OuterRef("assigned_at"),
    )
    candidates = (
        Assignment.objects.filter(
            status__in=(AssignmentStatus.SUBMITTED, AssignmentStatus.REVIEWED),
            valid_until__gte=today,
        )
        .exclude(Exists(newer))
        .select_related("questionnaire", "organization")
        .prefetch_related("validity_reminders")
    )
    system = Actor.system(workspace)
    sent = 0
    for assignment in candidates:
        days_left = (assignment.valid_until - today).days
        done = {r.days_before for r in assignment.validity_reminders.all()}
        due = [
            day
            for day in assignment.questionnaire.expiry_reminder_days
            if days_left <= day and day not in done
        ]
        if not due:
            continue
        recipients = _admins(assignment.organization)
        with transaction.atomic():
            ValidityReminder.objects.bulk_create(
                ValidityReminder(
                    workspace=assignment.workspace, assignment=assignment, days_before=day,
                    recipients=recipients,
                )
                for day in due
            )  # fmt: skip
            audit_record(
                actor=system,
                action="validity_reminder",
                target=assignment,
                changes={"days_before": [None, min(due)], "recipients": [None, len(recipients)]},
            )
        if recipients:
            send_mail(
                subject=(
                    f"“{assignment.questionnaire}” expires on {assignment.valid_until:%Y-%m-%d}"
                ),
                message=(
                    f"The assessment “{assignment.questionnaire}” of {assignment.organization} "
                    f"is valid until {assignment.valid_until:%Y-%m-%d} ({days_left} days from "
                    f"now). Ask {system.workspace.name} to send it again to renew it."
                ),
                from_email=None,
                recipient_list=recipients,
            )
            sent += 1
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
