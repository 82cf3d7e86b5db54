"""Engagement models: workforce (see __init__).

The competency inventory (a skills taxonomy, people's skills with levels and evidence, worker
profiles with rates, place and languages, availability per week) and staffing (roles an
engagement needs, assignments of people to them, and the optimiser runs that proposed them).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ecosys.core.models import TenantModel

__all__ = [
    "Assignment",
    "AssignmentSource",
    "AssignmentStatus",
    "Availability",
    "EngagementRole",
    "PersonSkill",
    "Skill",
    "StaffingRun",
    "StaffingRunStatus",
    "WorkerProfile",
]

LEVELS = [(1, "1 — aware"), (2, "2 — practised"), (3, "3 — proficient"), (4, "4 — expert"),
          (5, "5 — leading")]  # fmt: skip
FRACTION = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class Skill(TenantModel):
    """One entry of the skills taxonomy (editable; a default ships with Ecosys)."""

    name = models.CharField(max_length=120)
    category = models.CharField(max_length=80, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["category", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="skill_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PersonSkill(TenantModel):
    """A person's level (1-5) in one skill, with the evidence for it."""

    person = models.ForeignKey("ecosystem.Person", on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(
        choices=LEVELS, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = models.TextField(blank=True)
    certificate = models.ForeignKey(
        "readiness.CertificateAward",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="skill_evidence",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ("person__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["person__last_name", "person__first_name", "skill__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="personskill_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="personskill_level_1_5"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "skill", "level"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.skill} {self.level}"


class WorkerProfile(TenantModel):
    """What staffing needs to know about a person: rates, place, on-site/remote, languages."""

    person = models.OneToOneField(
        "ecosystem.Person", on_delete=models.CASCADE, related_name="worker_profile"
    )
    cost_rate = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), help_text="Cost per hour."
    )
    bill_rate = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), help_text="Billed per hour."
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217, e.g. EUR.")
    location = models.CharField(max_length=120, blank=True)
    remote = models.BooleanField(default=True, help_text="Can work remotely.")
    onsite = models.BooleanField(default=True, help_text="Can work on the customer's site.")
    languages = models.JSONField(default=list, blank=True)
    weekly_capacity = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=FRACTION,
        help_text="Usual share of a full week when no week is entered (1 = full).",
    )
    hours_per_week = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("40"), help_text="A full week, in hours."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["person__last_name", "person__first_name", "id"]

    def __str__(self) -> str:
        return f"Profile of {self.person}"


class Availability(TenantModel):
    """The share of a full week a person can work in one week (starting on a Monday)."""

    person = models.ForeignKey(
        "ecosystem.Person", on_delete=models.CASCADE, related_name="availability"
    )
    week_start = models.DateField()
    fraction = models.DecimalField(max_digits=4, decimal_places=2, validators=FRACTION)

    class Access:
        owner_paths = ("person__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        verbose_name_plural = "availability"
        ordering = ["person_id", "week_start"]
        constraints = [
            models.UniqueConstraint(fields=["person", "week_start"], name="availability_unique"),
            models.CheckConstraint(
                condition=models.Q(fraction__gte=0, fraction__lte=1),
                name="availability_fraction_0_1",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "week_start"])]

    def __str__(self) -> str:
        return f"{self.person} {self.week_start}: {self.fraction}"


class EngagementRole(TenantModel):
    """A role an engagement needs: a skill at a minimum level, a share of a week, a period."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="roles"
    )
    name = models.CharField(max_length=160)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="roles")
    min_level = models.PositiveSmallIntegerField(
        choices=LEVELS, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    share = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1"))],
        help_text="Share of a full week, every week of the period (0.5 = half).",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    onsite = models.BooleanField(default=False, help_text="Must work on the customer's site.")
    language = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["engagement_id", "start_date", "name", "id"]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.name}"


class StaffingRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class StaffingRun(TenantModel):
    """One run of the optimiser for an engagement: its figures, unfilled roles, suggestions."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="staffing_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=StaffingRunStatus.choices, default=StaffingRunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    method = models.CharField(max_length=20, blank=True)
    objective = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)
    # [{role (public_id), name, missing, reason, message, cross_training: [{person, name}]}]
    unfilled = models.JSONField(default=list, blank=True)
    # [{kind: cross_training|ecosystem, role, skill, ...}]
    suggestions = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Staffing run {self.created_at:%Y-%m-%d %H:%M} for {self.engagement}"


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"


class AssignmentSource(models.TextChoices):
    OWN = "own", "Own staff"
    ECOSYSTEM = "ecosystem", "Ecosystem"


class Assignment(TenantModel):
    """A person on an engagement role for a share of each week in a period."""

    role = models.ForeignKey(EngagementRole, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(
        "ecosystem.Person", on_delete=models.PROTECT, related_name="assignments"
    )
    share = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
    )
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PROPOSED
    )
    locked = models.BooleanField(default=False, help_text="Kept as it is when staffing re-runs.")
    source = models.CharField(
        max_length=10, choices=AssignmentSource.choices, default=AssignmentSource.OWN
    )
    explanation = models.TextField(blank=True)
    staffing_run = models.ForeignKey(
        StaffingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        # the customer sees its engagement's team; a contractor or ecosystem organisation
        # sees the assignments of its own people
        owner_paths = ("role__engagement__customer", "person__organization")
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["role__start_date", "role__name", "id"]
        indexes = [models.Index(fields=["workspace", "person", "start_date"])]

    def __str__(self) -> str:
        return f"{self.person} on {self.role}"
