"""Questionnaire API: author, send, answer (the organisation's members), review."""

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from ecosys.core.access import access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get

from . import engine, lists, selectors, services

router = Router(tags=["assessments"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


class QuestionnaireIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    pass_mark: int | None = None
    validity_days: int = 365
    expiry_reminder_days: list[int] = Field(
        default=[30, 7], description="Days before an answer set expires when its admins are told."
    )
    source: str = Field(description="Questions in the text format (see the Questionnaires page).")


class QuestionnaireOut(Schema):
    id: UUID
    title: str
    description: str
    pass_mark: int | None
    validity_days: int
    expiry_reminder_days: list[int]
    source: str


class SendIn(Schema):
    organization_id: UUID
    due_date: dt.date


class AnswerFileOut(Schema):
    id: UUID
    question: int
    name: str
    size: int
    content_type: str


class AssignmentOut(Schema):
    id: UUID
    questionnaire: str
    organization: str
    status: str
    due_date: dt.date
    score: float | None
    passed: bool | None
    valid_until: dt.date | None
    answers: dict[str, Any]
    files: list[AnswerFileOut]
    expiry_reminders: list[int] = Field(description="Days-before thresholds already reminded.")


class AnswersIn(Schema):
    answers: dict[int, Any] = Field(
        description="{question number: value}; several choices as a list"
    )


class ReviewIn(Schema):
    note: str = ""


def questionnaire_out(q) -> dict:
    return {
        "id": q.public_id,
        "title": q.title,
        "description": q.description,
        "pass_mark": q.pass_mark,
        "validity_days": q.validity_days,
        "expiry_reminder_days": q.expiry_reminder_days,
        "source": engine.to_source(list(q.questions.all())),
    }


def assignment_out(a) -> dict:
    return {
        "id": a.public_id,
        "questionnaire": a.questionnaire.title,
        "organization": a.organization.name,
        "status": a.status,
        "due_date": a.due_date,
        "score": float(a.score) if a.score is not None else None,
        "passed": a.passed,
        "valid_until": a.valid_until,
        "answers": {
            str(ans.question.position): ans.value for ans in a.answers.select_related("question")
        },
        "files": [answer_file_out(f) for f in a.files.select_related("question")],
        "expiry_reminders": sorted(
            (r.days_before for r in a.validity_reminders.all()), reverse=True
        ),
    }


def answer_file_out(f) -> dict:
    return {
        "id": f.public_id,
        "question": f.question.position,
        "name": f.name,
        "size": f.size,
        "content_type": f.content_type,
    }


def _assignments(request):
    return selectors.assignment_list(actor=request.auth)


@router.get("/questionnaires", response={200: list[QuestionnaireOut], **ERRORS})
@access_rule("questionnaires.questionnaire:view")
def questionnaire_list(request):
    return [questionnaire_out(q) for q in selectors.questionnaire_list(actor=request.auth)]


@router.post("/questionnaires", response={201: QuestionnaireOut, **ERRORS})
@access_rule("questionnaires.questionnaire:add")
def questionnaire_create(request, payload: QuestionnaireIn):
    return Status(
        201, questionnaire_out(services.questionnaire_create(actor=request.auth, **payload.dict()))
    )


@router.post(
    "/questionnaires/{questionnaire_id}/assignments", response={201: AssignmentOut, **ERRORS}
)
@access_rule("questionnaires.questionnaire:add")
def assignment_send(request, questionnaire_id: UUID, payload: SendIn):
    """Send a questionnaire to an organisation, to answer by the due date."""
    questionnaire = selectors.questionnaire_get(actor=request.auth, public_id=questionnaire_id)
    organization = organization_get(actor=request.auth, public_id=payload.organization_id)
    sent = services.assignment_send(
        actor=request.auth,
        questionnaire=questionnaire,
        organization=organization,
        due_date=payload.due_date,
    )
    return Status(201, assignment_out(sent))


@router.get("/assessments", response={200: Page[AssignmentOut], **ERRORS})
@access_rule("questionnaires.assignment:view")
def assignment_list(request):
    """Assessments you can see (an organisation: its own). Filters: status, questionnaire,
    passed, valid_until_before; q; sort (-assigned_at, valid_until…)."""
    rows = list_apply(_assignments(request), request.GET, lists.ASSESSMENTS).queryset
    return paginate(request, rows, assignment_out)


@router.get("/assessments/export", response={200: None, **ERRORS})
@access_rule("questionnaires.assignment:view")
def assignment_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    """The assessments list as CSV or XLSX (same filters as the list)."""
    rows = list_apply(_assignments(request), request.GET, lists.ASSESSMENTS).queryset
    return export_response(rows, lists.ASSESSMENTS, format)


@router.get("/assessments/{assignment_id}", response={200: AssignmentOut, **ERRORS})
@access_rule("questionnaires.assignment:view")
def assignment_detail(request, assignment_id: UUID):
    return assignment_out(selectors.assignment_get(actor=request.auth, public_id=assignment_id))


@router.post("/assessments/{assignment_id}/answers", response={200: AssignmentOut, **ERRORS})
@access_rule("questionnaires.assignment:change")
def assignment_answer(request, assignment_id: UUID, payload: AnswersIn):
    """Submit every answer at once (the organisation's members); it is scored on the spot."""
    assignment = selectors.assignment_get(actor=request.auth, public_id=assignment_id)
    services.answers_submit(actor=request.auth, assignment=assignment, answers=payload.answers)
    return assignment_out(selectors.assignment_get(actor=request.auth, public_id=assignment_id))


@router.post("/assessments/{assignment_id}/review", response={200: AssignmentOut, **ERRORS})
@access_rule("questionnaires.assignment:change")
def assignment_review(request, assignment_id: UUID, payload: ReviewIn):
    assignment = selectors.assignment_get(actor=request.auth, public_id=assignment_id)
    services.assignment_review(actor=request.auth, assignment=assignment, note=payload.note)
    return assignment_out(selectors.assignment_get(actor=request.auth, public_id=assignment_id))


@router.post("/assessments/{assignment_id}/files", response={201: AnswerFileOut, **ERRORS})
@access_rule("questionnaires.assignment:change")
def answer_file_upload(request, assignment_id: UUID, question: Form[int], file: File[UploadedFile]):
    """Upload the file answering a file question (multipart: question number, file); a new
    upload replaces the previous one. Then submit the answers; file questions need no value."""
    assignment = selectors.assignment_get(actor=request.auth, public_id=assignment_id)
    uploaded = services.answer_file_upload(
        actor=request.auth, assignment=assignment, position=question, upload=file
    )
    return Status(201, answer_file_out(uploaded))


@router.get("/assessment-files/{file_id}", response={200: None, **ERRORS})
@access_rule("questionnaires.answerfile:view")
def answer_file_download(request, file_id: UUID):
    """Download an uploaded answer file (only those who may see its assessment)."""
    from .views import file_response

    return file_response(selectors.answer_file_get(actor=request.auth, public_id=file_id))
