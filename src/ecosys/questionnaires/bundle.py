"""What the questionnaires app puts in the exit bundle (see ecosys.portability.registry).

Questionnaires also serve as course quizzes (readiness.Course.quiz). Uploaded answer files
travel as attachments.
"""

from ecosys.portability.registry import declare

from .models import Answer, AnswerFile, Assignment, Question, Questionnaire, ValidityReminder

declare(
    Questionnaire,
    fields=[
        "title",
        "description",
        "pass_mark",
        "validity_days",
        "expiry_reminder_days",
        "created_at",
    ],
)
declare(
    Question,
    fields=["section", "position", "text", "kind", "required", "options", "condition"],
    refs=["questionnaire"],
    portal_via="questionnaire",
)
declare(
    Assignment,
    fields=[
        "status",
        "due_date",
        "assigned_at",
        "submitted_at",
        "score",
        "passed",
        "valid_until",
        "review_note",
        "reminded_at",
    ],
    refs=["questionnaire", "organization"],
    users=["assigned_by", "submitted_by", "reviewed_by"],
)
declare(Answer, fields=["value", "score"], refs=["assignment", "question"])
declare(
    ValidityReminder,
    fields=["days_before", "recipients", "sent_at"],
    refs=["assignment"],
)
declare(
    AnswerFile,
    fields=["name", "size", "content_type", "uploaded_at"],
    refs=["assignment", "question"],
    users=["uploaded_by"],
    files=["file"],
)
