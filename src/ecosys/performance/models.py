"""Partner performance: channel data loads, scorecards and their results, early warnings,
interventions with playbooks, escalation and termination."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ecosys.core.models import JobStatus, TenantModel


class Sensitivity(models.TextChoices):
    LOW = "low", "Low (fewer, surer warnings)"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High (earlier, more warnings)"


class ChannelSettings(TenantModel):
    """A workspace's channel-data and performance settings (one row per workspace)."""

    base_currency = models.CharField(
        max_length=3, default="EUR", help_text="Revenue is reported in this ISO 4217 currency."
    )
    warning_sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    warning_recent_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Only changes that began within this many months raise warnings.",
    )
    warning_min_change = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=0.15,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Smallest relative change worth a warning (0.15 = 15%).",
    )
    report_recipients = models.TextField(
        blank=True, help_text="E-mail addresses for the monthly report, one per line."
    )
    escalate_overdue_days = models.PositiveSmallIntegerField(
        default=7, help_text="Escalate an intervention this many days after its due date."
    )
    escalate_stalled_days = models.PositiveSmallIntegerField(
        default=45, help_text="Escalate an intervention whose measure has not improved by then."
    )
    # The earliest month changed by loads since scores were last computed (None: up to date).
    dirty_from = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    last_report_period = models.DateField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="channel_settings_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"Channel settings ({self.base_currency})"


class ExchangeRate(TenantModel):
    """The value of one unit of `currency` in the base currency, for one month."""

    currency = models.CharField(max_length=3)
    month = models.DateField(help_text="The first day of the month.")
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["-month", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "currency", "month"], name="rate_unique_month"
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} ({self.month:%Y-%m})"


class ProductLine(TenantModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="line_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Product(TenantModel):
    sku = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="products")

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "sku"], name="product_unique_sku")
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class LoadStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    STORED = "stored", "Stored"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class LoadMode(models.TextChoices):
    APPEND = "append", "New data"
    REPLACE = "replace", "Correction (replaces the partner-months it holds)"


class ChannelLoad(TenantModel):
    """One sell-through file: checked whole, then stored whole or not at all."""

    organization = models.ForeignKey(
        "ecosystem.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that loaded it (a partner loads its own data).",
    )
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    file_path = models.CharField(max_length=500, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=10, choices=LoadMode.choices, default=LoadMode.APPEND)
    status = models.CharField(max_length=10, choices=LoadStatus.choices, default=LoadStatus.PENDING)
    stage = models.CharField(max_length=120, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    first_period = models.DateField(null=True, blank=True)
    last_period = models.DateField(null=True, blank=True)
    partner_count = models.PositiveIntegerField(default=0)
    replaced_slices = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        "core.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("organization",)
        # A partner's admin maps, starts and withdraws its own loads.
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return f"Channel data from {self.file_name}"


class Scorecard(TenantModel):
    """Weighted measures rolled into one score, for the partners of a programme or segment.

    A partner is scored on the most specific scorecard that matches it (programme and tier,
    programme, region, then the default); its segment — the partners it is ranked against —
    is everyone on the same scorecard."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    program = models.ForeignKey(
        "partners.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(
        "partners.Tier", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    region = models.CharField(max_length=30, blank=True)
    is_default = models.BooleanField(default=False)
    # Colour bands, lowest first: [{"name": "Red", "min": 0, "colour": "#c0392b"}, ...]
    bands = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="scorecard_unique_name"),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=models.Q(is_default=True),
                name="scorecard_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NormaliseMethod(models.TextChoices):
    PERCENTILE = "percentile", "Percentile within the segment"
    TARGET = "target", "Attainment of a target"


class ScorecardMeasure(TenantModel):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="measures")
    measure = models.CharField(max_length=40)
    weight = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    method = models.CharField(
        max_length=12, choices=NormaliseMethod.choices, default=NormaliseMethod.PERCENTILE
    )
    target = models.FloatField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["-weight", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "measure"], name="scorecard_measure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} × {self.weight}"


class AnalyticsRun(TenantModel):
    """One computation of measures, scores and warnings: what it read, how long, what it found."""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    backend = models.CharField(max_length=20, default="duckdb")
    triggered_by = models.CharField(max_length=200, blank=True)
    stage = models.CharField(max_length=120, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    partner_periods = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(default=0)
    warnings_raised = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Analytics run {self.created_at:%Y-%m-%d %H:%M}"


class PartnerScore(TenantModel):
    """A partner's measures, normalised values, score, band and rank for one month."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="scores")
    period = models.DateField()
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    segment_size = models.PositiveIntegerField(default=0)
    trend = models.FloatField(null=True, blank=True, help_text="Score change since last month.")
    measures = models.JSONField(default=dict)
    normalised = models.JSONField(default=dict)
    # Early warning's reach (latest month only): measure -> smallest relative drop its noise
    # lets the test find (None: too little data to tell).
    watch = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-period", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period"], name="score_unique_period")
        ]
        indexes = [models.Index(fields=["workspace", "period", "score"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.period:%Y-%m}: {self.score}"


class WarningKind(models.TextChoices):
    LEVEL_SHIFT = "level_shift", "Level shift"
    TREND_BREAK = "trend_break", "Trend break"
    ORDER_DROP = "order_drop", "Fewer orders"
    LINE_LOSS = "line_loss", "Product lines lost"
    ACCOUNT_LOSS = "account_loss", "Key accounts lost"


class WarningStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"


class EarlyWarning(TenantModel):
    """A change in a partner's behaviour found in its channel data, explained."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="warnings"
    )
    kind = models.CharField(max_length=20, choices=WarningKind.choices)
    measure = models.CharField(max_length=40)
    change_period = models.DateField(help_text="The first month after the change.")
    magnitude = models.FloatField(help_text="Relative change of the level (-0.3 = 30% down).")
    before = models.FloatField(null=True, blank=True)
    after = models.FloatField(null=True, blank=True)
    confidence = models.FloatField()
    statistic = models.FloatField(default=0)
    explanation = models.TextField()
    # The series as it was when the change was found: {"periods": [...], "values": [...],
    # "fitted": [...], "change_index": n}
    series = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=15, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    snoozed_until = models.DateField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    status_by = models.CharField(max_length=200, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "measure", "change_period"], name="warning_dedupe"
            )
        ]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return self.explanation


class Side(models.TextChoices):
    ORCHESTRATOR = "orchestrator", "Our team"
    PARTNER = "partner", "The partner"


class Playbook(TenantModel):
    """What to do about a kind of warning or a score band: steps with owners and due dates."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    warning_kind = models.CharField(max_length=20, choices=WarningKind.choices, blank=True)
    measure = models.CharField(max_length=40, blank=True)
    min_drop = models.FloatField(
        null=True, blank=True, help_text="Applies when the measure fell by at least this (0.2)."
    )
    score_band = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="playbook_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PlaybookStep(TenantModel):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    side = models.CharField(max_length=15, choices=Side.choices, default=Side.ORCHESTRATOR)
    due_days = models.PositiveSmallIntegerField(default=10)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class InterventionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered"
    PARTLY = "partly", "Partly recovered"
    NOT_RECOVERED = "not_recovered", "Not recovered"


class Intervention(TenantModel):
    """A performance improvement effort on one partner, usually opened from a warning."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="interventions"
    )
    warning = models.ForeignKey(
        EarlyWarning, on_delete=models.SET_NULL, null=True, blank=True, related_name="interventions"
    )
    playbook = models.ForeignKey(
        Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(max_length=40, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=InterventionStatus.choices, default=InterventionStatus.OPEN
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return self.title


class InterventionTask(TenantModel):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    side = models.CharField(max_length=15, choices=Side.choices, default=Side.ORCHESTRATOR)
    assignee = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=200, blank=True)

    class Access:
        owner_paths = ("intervention__partner__organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class EscalationContact(TenantModel):
    """Who hears of an escalation: level 1 a channel manager's manager, level 2 leadership
    (of one programme, or of all when no programme is set)."""

    level = models.PositiveSmallIntegerField(choices=[(1, "Manager"), (2, "Programme leadership")])
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    manages = models.ForeignKey(
        "core.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Level 1: the channel manager this person manages (empty: any).",
    )
    program = models.ForeignKey(
        "partners.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["level", "id"]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.user}"


class TerminationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TerminationProposal(TenantModel):
    """A proposal to end a partnership after an intervention that did not recover it."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="termination_proposals"
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=TerminationStatus.choices, default=TerminationStatus.PROPOSED
    )
    proposed_by = models.CharField(max_length=200)
    decided_by = models.CharField(max_length=200, blank=True)
    decision_reason = models.TextField(blank=True)
    continuity_plan = models.ForeignKey(
        "partners.ContinuityPlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Termination of {self.partner}"
