"""Readiness: onboarding plans for the first 90 days (courses and certifications come next)."""

from django.db import models

from ecosys.core.models import TenantModel


class Side(models.TextChoices):
    ORCHESTRATOR = "orchestrator", "Us (orchestrator)"
    PARTNER = "partner", "The partner"


class OnboardingTemplate(TenantModel):
    """The standard first 90 days: tasks with day offsets, owners on either side, milestones."""

    name = models.CharField(max_length=120)
    is_default = models.BooleanField(
        default=False, help_text="Started automatically when a partner enters onboarding."
    )
    # [{"day": 5, "side": "partner", "title": "...", "milestone": 30}]
    tasks = models.JSONField(default=list)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OnboardingPlan(TenantModel):
    """One partner's onboarding, started from a template on a date."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="onboarding_plans"
    )
    template_name = models.CharField(max_length=120)
    started_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Onboarding of {self.partner.organization}"


class OnboardingTask(TenantModel):
    """One task of an onboarding plan, owned by one side, done or not, perhaps overdue."""

    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    side = models.CharField(max_length=15, choices=Side.choices)
    due_date = models.DateField()
    milestone = models.PositiveSmallIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # A required course: the task completes itself when someone of the partner passes it.
    course = models.ForeignKey(
        "readiness.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Access:
        owner_paths = ("plan__partner__organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class Announcement(TenantModel):
    """A partner alert or newsletter, targeted by programme, tier, region and member role."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    program = models.ForeignKey(
        "partners.Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(
        "partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    region = models.CharField(max_length=30, blank=True)
    member_role = models.CharField(
        max_length=30, blank=True, help_text="external_admin or external_member; empty: both"
    )
    recipients = models.JSONField(
        default=list
    )  # user ids it was delivered to: the reach denominator
    published_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AnnouncementRead(TenantModel):
    """A read receipt: who opened an announcement, when."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once")
        ]


class Course(TenantModel):
    """A course: modules to read or watch, prerequisites, and an optional quiz with a pass mark."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # [{"title": "...", "kind": "text" | "link" | "video", "content": "..."}]; file modules:
    # {"kind": "file", "title": "...", "file": CourseFile public_id, "name": "...", "size": n}
    modules = models.JSONField(default=list)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="+")
    quiz = models.ForeignKey(
        "questionnaires.Questionnaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    max_attempts = models.PositiveSmallIntegerField(default=3)
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    change_note = models.TextField(blank=True, help_text="What changed since the last version.")
    is_new_product = models.BooleanField(
        default=False, help_text="New product or process training: shown on the partner portal."
    )
    published_at = models.DateTimeField(auto_now_add=True, null=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["title", "-version"]

    def __str__(self) -> str:
        return self.title if self.version == 1 else f"{self.title} (v{self.version})"

    @property
    def file_modules(self) -> list[dict]:
        return [module for module in self.modules if module.get("kind") == "file"]


def course_file_path(instance, filename: str) -> str:
    """Stored under a random name; the original name is kept on the row for downloads."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"courses/{instance.workspace.public_id}/{uuid.uuid4().hex}{suffix}"


class CourseFile(TenantModel):
    """A downloadable file module of a course (e.g. a PDF datasheet)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=course_file_path, max_length=300)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    def __str__(self) -> str:
        return self.name


class Certification(TenantModel):
    """Earned by completing every course of its tracks; valid for a number of months."""

    name = models.CharField(max_length=150)
    # [{"track": "Sales track", "courses": [course ids]}]
    tracks = models.JSONField(default=list)
    validity_months = models.PositiveSmallIntegerField(default=24)
    refresher = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Holders are enrolled in it before expiry; completing it renews the certificate.",
    )

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enrollment(TenantModel):
    """A person taking a course: attempts at its quiz, completion."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    person = models.ForeignKey(
        "ecosystem.Person", on_delete=models.CASCADE, related_name="enrollments"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    best_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    # File modules opened or marked done (CourseFile public ids, as text).
    files_done = models.JSONField(default=list, blank=True)

    class Access:
        owner_paths = ("person__organization",)
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "person"], name="enrollment_once")]

    def __str__(self) -> str:
        return f"{self.person} in {self.course}"


class CertificateAward(TenantModel):
    """A certification issued to a person, with a public verification code and an expiry."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="awards"
    )
    person = models.ForeignKey(
        "ecosystem.Person", on_delete=models.CASCADE, related_name="certificates"
    )
    code = models.CharField(max_length=32, unique=True)
    issued_on = models.DateField()
    expires_on = models.DateField()
    refresher_sent_at = models.DateTimeField(null=True, blank=True)
    # A course of the certification got a new version: valid until a grace date unless the new
    # version is completed, which restores this expiry.
    expires_before_grace = models.DateField(null=True, blank=True)

    class Access:
        owner_paths = ("person__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.certification} for {self.person}"


class Mentor(TenantModel):
    """A person in the mentor pool: how many partners they can coach, where, in which fields."""

    person = models.OneToOneField(
        "ecosystem.Person", on_delete=models.CASCADE, related_name="mentor"
    )
    capacity = models.PositiveSmallIntegerField(default=3)
    regions = models.JSONField(default=list, blank=True)
    industries = models.JSONField(default=list, blank=True)
    skills = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    def __str__(self) -> str:
        return str(self.person)


class Mentorship(TenantModel):
    """A mentor coaching one partner, with the reasons the match was made."""

    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="mentorships")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="mentorships"
    )
    reasons = models.JSONField(default=list, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    def __str__(self) -> str:
        return f"{self.mentor} coaching {self.partner.organization}"


class CoachingSession(TenantModel):
    """One logged coaching session: when, what was discussed, what comes next."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField()
    notes = models.TextField()
    next_steps = models.CharField(max_length=500, blank=True)
    logged_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Access:
        owner_paths = ("mentorship__partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-held_on", "-id"]
