"""Engagement models: cycle (see __init__).

Customer working groups propose and rank initiatives, grouped into themes from which the
orchestrator defines baseline offerings; an engagement runs one customer project through
baseline, tracking and final measurement to a benefit and an outcome report.
"""

from django.db import models
from django.db.models import FilteredRelation, Q
from django_scopes import ScopedManager

from ecosys.core.models import TenantModel

__all__ = [
    "AREA_CHOICES",
    "BaselineStatus",
    "BaselineVersion",
    "BenefitMethod",
    "BenefitResult",
    "CommercialModel",
    "Direction",
    "Engagement",
    "EngagementStatus",
    "EngagementStatusChange",
    "Initiative",
    "InitiativeArea",
    "InitiativeRank",
    "Measurement",
    "MeasurementGroup",
    "MeasurementKind",
    "Metric",
    "MetricSource",
    "Offering",
    "OutcomeReport",
    "ReportStatus",
    "Theme",
    "ToolKind",
    "WorkingGroup",
]


class InitiativeArea(models.TextChoices):
    """Where an initiative would improve the customer's business."""

    BUSINESS_PROCESSES = "business_processes", "Business processes"
    DATA_ANALYTICS = "data_analytics", "Data analytics"
    PROCESS_AUTOMATION = "process_automation", "Process automation"
    INVENTORY_CONTROL = "inventory_control", "Inventory control"
    CUSTOMER_EXPERIENCE = "customer_experience", "Customer experience"
    OTHER = "other", "Other"


AREA_CHOICES = InitiativeArea.choices


class WorkingGroup(TenantModel):
    """A group of customer organisations that proposes and ranks initiatives together."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        "ecosystem.Organization", blank=True, related_name="working_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("members",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "name"])]

    def __str__(self) -> str:
        return self.name


class Theme(TenantModel):
    """Similar initiatives grouped by Ecosys; named after their top keywords."""

    name = models.CharField(max_length=200)
    keywords = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Initiative(TenantModel):
    """A member's proposal: a problem worth solving, in an area, with its expected benefit."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="initiatives")
    proposed_by = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    problem = models.TextField()
    area = models.CharField(max_length=30, choices=InitiativeArea.choices)
    expected_benefit = models.TextField(blank=True)
    expected_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Expected yearly value, if the member can say.",
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217, e.g. EUR.")
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        # Every member of the group sees the group's initiatives (to rank them).
        owner_paths = ("group__members",)
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "area"]),
            models.Index(fields=["workspace", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class InitiativeRank(TenantModel):
    """Where one member organisation ranks an initiative within its group (1 = most wanted)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="ranks")
    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveIntegerField()

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organization"], name="initiative_rank_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative}: {self.rank}"


class Offering(TenantModel):
    """A baseline offering: the scope, deliverables, metrics it moves and roles it needs."""

    name = models.CharField(max_length=200)
    scope = models.TextField()
    deliverables = models.TextField(blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="offerings"
    )
    # [{name, unit, direction}]
    metrics = models.JSONField(default=list, blank=True)
    # [{name, skill (Skill public_id), min_level, share}]
    roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class EngagementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    STAFFING = "staffing", "Staffing"
    BASELINE = "baseline", "Baseline"
    TRACKING = "tracking", "Tracking"
    CLOSED = "closed", "Closed"


class CommercialModel(models.TextChoices):
    CONSULTING = "consulting", "Consulting fee"
    SUBSCRIPTION = "subscription", "Subscription"
    GAIN_SHARE = "gain_share", "Gain sharing"
    JOINT_VENTURE = "joint_venture", "Joint venture"


class ToolKind(models.TextChoices):
    PROJECT_MANAGEMENT = "project_management", "Project management"
    COLLABORATION = "collaboration", "Collaboration"
    FINANCIAL_MODEL = "financial_model", "Financial model"
    ANALYSIS = "analysis", "Analysis"


class _StaffedManager(models.Manager):
    """Every engagement queryset knows its accepted assignments as ``staffed``, so that an owner
    path can reach the organisations whose people work on it (a proposal alone does not)."""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            # two steps: a nested FilteredRelation over reverse keys recurses in Django 5.2
            .annotate(
                staffed_roles=FilteredRelation("roles"),
                staffed=FilteredRelation(
                    "staffed_roles__assignments",
                    condition=Q(staffed_roles__assignments__status="accepted"),
                ),
            )
        )


class Engagement(TenantModel):
    """One customer project, staffed from the ecosystem, measured from baseline to outcome."""

    customer = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="engagements"
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.SET_NULL, null=True, blank=True, related_name="engagements"
    )
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    cadence = models.CharField(
        max_length=200, blank=True, help_text="e.g. weekly working sessions on Tuesdays."
    )
    status = models.CharField(
        max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.DRAFT
    )
    lead = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    onsite_required = models.BooleanField(default=False)
    language = models.CharField(max_length=40, blank=True)
    # [{kind, name, url}]
    tools = models.JSONField(default=list, blank=True)
    commercial_model = models.CharField(
        max_length=20, choices=CommercialModel.choices, default=CommercialModel.CONSULTING
    )
    customer_team = models.ManyToManyField(
        "ecosystem.Person", blank=True, related_name="customer_engagements"
    )
    measurement_closed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(_StaffedManager, workspace="workspace")

    class Access:
        # The customer owns its engagement; a contractor or ecosystem organisation whose people
        # hold accepted assignments on it sees it too (read only: its facts, dates and team,
        # not its money, baseline or results — those models keep the customer's path only).
        owner_paths = ("customer", "staffed__person__organization")
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status"]),
            models.Index(fields=["workspace", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class EngagementStatusChange(TenantModel):
    """One step of an engagement's lifecycle: who moved it, when, from where to where, why."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=EngagementStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=EngagementStatus.choices)
    changed_by = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.from_status or '—'} → {self.to_status}"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class MetricSource(models.TextChoices):
    ENTERED = "entered", "Entered"
    IMPORTED = "imported", "Imported (CSV/XLSX)"
    API = "api", "API"
    # What the customer bought through the channel (channel_metrics.py).
    CHANNEL = "channel", "Channel data"


class Metric(TenantModel):
    """A KPI the engagement moves, with its unit, direction and agreed value per unit."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, help_text="e.g. days, %, EUR, orders.")
    direction = models.CharField(max_length=6, choices=Direction.choices)
    source = models.CharField(
        max_length=10, choices=MetricSource.choices, default=MetricSource.ENTERED
    )
    value_per_unit = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        help_text="Money value of one unit of improvement, agreed with the customer.",
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    plausible_min = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    plausible_max = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    comparison_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who the comparison group is, e.g. the customer's other sites.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="metric_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class BaselineStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting the customer's confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    SUPERSEDED = "superseded", "Superseded"


class BaselineVersion(TenantModel):
    """One version of the "as is" baseline; the customer confirms it, then it is frozen."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="baseline_versions"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=BaselineStatus.choices, default=BaselineStatus.DRAFT
    )
    note = models.TextField(blank=True)
    customer_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        # The customer's admin confirms or returns a submitted version (the services check it).
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["engagement_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "version"], name="baseline_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement} baseline v{self.version}"


class MeasurementKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    TRACKING = "tracking", "Tracking"
    FINAL = "final", "Final"


class MeasurementGroup(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement"
    COMPARISON = "comparison", "Comparison group"


class Measurement(TenantModel):
    """One value of a metric for one period, for the engagement or its comparison group."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(max_length=10, choices=MeasurementKind.choices)
    group = models.CharField(
        max_length=10, choices=MeasurementGroup.choices, default=MeasurementGroup.ENGAGEMENT
    )
    unit = models.CharField(max_length=40)
    period_start = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    baseline_version = models.ForeignKey(
        BaselineVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
    )
    source = models.CharField(
        max_length=10, choices=MetricSource.choices, default=MetricSource.ENTERED
    )
    entered_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("metric__engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["metric_id", "kind", "group", "period_start", "id"]
        indexes = [models.Index(fields=["workspace", "kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.metric.name} {self.kind} {self.period_start}: {self.value}"


class BenefitMethod(models.TextChoices):
    BEFORE_AFTER = "before_after", "Before/after"
    DIFF_IN_DIFF = "diff_in_diff", "Difference-in-differences"


class BenefitResult(TenantModel):
    """The measured improvement of one metric and its money value, with method and inputs."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="benefit_results"
    )
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="benefit_results")
    method = models.CharField(max_length=20, choices=BenefitMethod.choices)
    improvement = models.DecimalField(max_digits=18, decimal_places=4)
    low = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    money = models.DecimalField(max_digits=16, decimal_places=2)
    money_low = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    money_high = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    inputs = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["metric__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "metric"], name="benefit_metric_unique")
        ]

    def __str__(self) -> str:
        return f"{self.metric.name}: {self.money} {self.currency}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"


class OutcomeReport(TenantModel):
    """The outcome report the orchestrator issues and the customer confirms or disputes."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="report")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    summary = models.TextField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("engagement__customer",)
        # The customer's admin confirms or disputes an issued report (the services check it).
        external_actions = frozenset({"view", "change"})

    def __str__(self) -> str:
        return f"Outcome report: {self.engagement}"
