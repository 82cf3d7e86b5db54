"""The questionnaire engine: sections, typed questions with scoring and conditions, assignments
to organisations, answers. Partner assessments use it now; quizzes and trust surveys later."""

from django.db import models

from ecosys.core.models import TenantModel


class QuestionKind(models.TextChoices):
    CHOICE = "choice", "One choice"
    MULTI = "multi", "Several choices"
    SCALE = "scale", "Scale"
    NUMBER = "number", "Number"
    TEXT = "text", "Text"
    FILE = "file", "File upload"


class Questionnaire(TenantModel):
    """A reusable questionnaire; its questions are grouped in sections."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Score in % needed to pass; empty: no pass mark."
    )
    validity_days = models.PositiveSmallIntegerField(
        default=365, help_text="How long a submitted answer set stays valid."
    )
    # Days before valid_until when the organisation's admins are reminded, e.g. [30, 7].
    expiry_reminder_days = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Question(TenantModel):
    """One question: its kind, options with scores, and an optional condition to be asked."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(default=True)
    # choice/multi: [{"value": "yes", "label": "Yes", "score": 10}]; scale: [{"min": 1, "max": 5}]
    options = models.JSONField(default=list, blank=True)
    # Asked only when an earlier question's answer equals a value: {"question": 2, "equals": "yes"}
    condition = models.JSONField(default=dict, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="question_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "To answer"
    SUBMITTED = "submitted", "Submitted"
    REVIEWED = "reviewed", "Reviewed"


class Assignment(TenantModel):
    """A questionnaire sent to one organisation, answered in its portal, scored, reviewed."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="assignments"
    )
    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices, default="open")
    due_date = models.DateField()
    assigned_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["-assigned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.questionnaire} for {self.organization}"


class Answer(TenantModel):
    """One answer of a submitted assignment, with the score it earned."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField()
    score = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)

    class Access:
        owner_paths = ("assignment__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["question__position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "question"], name="answer_unique")
        ]


class ValidityReminder(TenantModel):
    """A reminder sent before an assessment's validity ends: one per assessment per threshold."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="validity_reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    recipients = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("assignment__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "days_before"], name="validity_reminder_once"
            )
        ]


def answer_file_path(instance, filename: str) -> str:
    """Stored under a random name; the original name is kept on the row for downloads."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"assessments/{instance.workspace.public_id}/{uuid.uuid4().hex}{suffix}"


class AnswerFile(TenantModel):
    """A file uploaded for a file question of an assessment (replaced until submitted)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=answer_file_path, max_length=300)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("assignment__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["question__position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "question"], name="answer_file_once")
        ]

    def __str__(self) -> str:
        return self.name
