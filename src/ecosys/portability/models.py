"""Portability: friendly separations of a relationship, their plan, the bundle handed over and
the erasure certificate; exit bundle exports and imports run as background jobs."""

from django.db import models

from ecosys.core.models import TenantModel


class SeparationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_TRANSITION = "in_transition", "In transition"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_SEPARATION_STATUSES = (SeparationStatus.PLANNED, SeparationStatus.IN_TRANSITION)


class StartedBySide(models.TextChoices):
    ORCHESTRATOR = "orchestrator", "The orchestrator"
    ORGANIZATION = "organization", "The leaving organisation"


class DataHandling(models.TextChoices):
    ERASE = "erase", "Erase the leaving party's personal data"
    RETAIN = "retain", "Retain it as the agreement says"


class Separation(TenantModel):
    """A friendly separation of the orchestrator and one external organisation."""

    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="separations"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="separations",
    )
    agreement = models.ForeignKey(
        "partners.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agreement whose notice period and data-return clause apply.",
    )
    notice_days = models.PositiveSmallIntegerField(default=0)
    data_return_clause = models.TextField(blank=True)
    data_handling = models.CharField(
        max_length=10, choices=DataHandling.choices, default=DataHandling.ERASE
    )
    started_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by_side = models.CharField(max_length=15, choices=StartedBySide.choices)
    reason = models.CharField(max_length=500)
    effective_date = models.DateField()
    transition_end = models.DateField()
    data_retrieval_until = models.DateField()
    status = models.CharField(
        max_length=15, choices=SeparationStatus.choices, default=SeparationStatus.PLANNED
    )
    access_revoked_at = models.DateTimeField(null=True, blank=True)
    retention_note = models.CharField(max_length=500, blank=True)
    closing_why = models.TextField(blank=True)
    closing_delivered = models.TextField(blank=True)
    closing_invitation = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "effective_date"])]

    def __str__(self) -> str:
        return f"Separation from {self.organization}"


class ItemKind(models.TextChoices):
    DEAL = "deal", "Open deal"
    INTERVENTION = "intervention", "Open intervention"
    ONBOARDING_TASK = "onboarding_task", "Open onboarding task"
    AGREEMENT = "agreement", "Agreement"
    CONTINUITY = "continuity", "Continuity-plan item"
    ACCESS = "access", "Sign-in"
    SHARING = "sharing", "Shared data"
    MONEY = "money", "Money still owed"


class ItemDecision(models.TextChoices):
    PENDING = "pending", "To decide"
    TRANSFER = "transfer", "Transfer to a successor"
    BACK = "back", "Back to the orchestrator"
    CLOSE = "close", "Close with a reason"
    REVOKE = "revoke", "Revoke"


# Which decisions make sense for each kind of item.
KIND_DECISIONS: dict[str, tuple[str, ...]] = {
    ItemKind.DEAL: (ItemDecision.TRANSFER, ItemDecision.BACK, ItemDecision.CLOSE),
    ItemKind.INTERVENTION: (ItemDecision.BACK, ItemDecision.CLOSE),
    ItemKind.ONBOARDING_TASK: (ItemDecision.BACK, ItemDecision.CLOSE),
    ItemKind.AGREEMENT: (ItemDecision.CLOSE,),
    ItemKind.CONTINUITY: (ItemDecision.TRANSFER, ItemDecision.BACK, ItemDecision.CLOSE),
    ItemKind.ACCESS: (ItemDecision.REVOKE,),
    ItemKind.SHARING: (ItemDecision.REVOKE,),
    ItemKind.MONEY: (ItemDecision.BACK, ItemDecision.CLOSE),
}


class SeparationItem(TenantModel):
    """One thing the relationship holds, and what is decided about it."""

    separation = models.ForeignKey(Separation, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    label = models.CharField(max_length=300)
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_public_id = models.UUIDField(null=True, blank=True)
    decision = models.CharField(
        max_length=10, choices=ItemDecision.choices, default=ItemDecision.PENDING
    )
    successor = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("separation__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["kind", "label", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class BundleDelivery(TenantModel):
    """The exit bundle handed to the leaving organisation, and its acknowledgement."""

    separation = models.ForeignKey(Separation, on_delete=models.CASCADE, related_name="deliveries")
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="portability/bundles/", blank=True)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    delivered_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("separation__organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["-delivered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]}…)"


class ErasureCertificate(TenantModel):
    """What was erased of the leaving organisation's personal data, when, by whom, and the
    hash of the bundle it received before."""

    separation = models.OneToOneField(Separation, on_delete=models.CASCADE, related_name="erasure")
    erased_at = models.DateTimeField(auto_now_add=True)
    erased_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_by_label = models.CharField(max_length=200)
    counts = models.JSONField(default=dict)
    bundle_sha256 = models.CharField(max_length=64)

    class Access:
        owner_paths = ("separation__organization",)
        external_actions = frozenset({"view"})

    def __str__(self) -> str:
        return f"Erasure certificate of {self.separation.organization}"


class BundleJobKind(models.TextChoices):
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"


class BundleScope(models.TextChoices):
    WORKSPACE = "workspace", "The whole workspace"
    ORGANIZATION = "organization", "One organisation's share"
    ENGAGEMENT = "engagement", "One engagement"


class BundleJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ImportPolicy(models.TextChoices):
    SKIP = "skip", "Skip records that exist"
    UPDATE = "update", "Update records that exist"
    FAIL = "fail", "Refuse if any record exists"


class BundleJob(TenantModel):
    """An exit bundle export or import running in the background: its progress, its file
    (kept until it expires), and what it did or would do."""

    kind = models.CharField(max_length=10, choices=BundleJobKind.choices)
    scope = models.CharField(
        max_length=15, choices=BundleScope.choices, default=BundleScope.WORKSPACE
    )
    organization = models.ForeignKey(
        "ecosystem.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation whose share is exported (organisation scope), or the "
        "customer whose view of the engagement is exported (engagement scope).",
    )
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The engagement exported (engagement scope).",
    )
    scope_label = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requester_organization = models.ForeignKey(
        "ecosystem.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The requester's organisation: only it (and the orchestrator) sees the job.",
    )
    status = models.CharField(
        max_length=10, choices=BundleJobStatus.choices, default=BundleJobStatus.QUEUED
    )
    phase = models.CharField(max_length=200, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=100)
    policy = models.CharField(
        max_length=10, choices=ImportPolicy.choices, default=ImportPolicy.SKIP
    )
    dry_run = models.BooleanField(default=False)
    new_ids = models.BooleanField(
        default=False,
        help_text="Import every record under a new UUID (a copy beside the original).",
    )
    source = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The dry run whose uploaded bundle this import applies.",
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_path = models.CharField(
        max_length=500, blank=True, help_text="Relative to ECOSYS_BUNDLE_DIR; empty once deleted."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("requester_organization",)
        external_actions = frozenset({"view", "add"})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        what = "Export" if self.kind == BundleJobKind.EXPORT else "Import"
        return f"{what} of {self.scope_label or self.file_name or 'a bundle'}"

    @property
    def live(self) -> tuple[str, int]:
        """(phase, percent) now: what the row says, or what a running import on SQLite left
        aside (its transaction holds the only write lock; see ``jobs._ProgressWriter``)."""
        if self.status in (BundleJobStatus.DONE, BundleJobStatus.EXPIRED):
            return self.phase, 100
        if self.status == BundleJobStatus.RUNNING:
            from .jobs import progress_aside

            aside = progress_aside(self.pk)
            if aside is not None:
                return aside
        if not self.progress_total:
            return self.phase, 0
        return self.phase, min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def percent(self) -> int:
        return self.live[1]

    @property
    def phase_now(self) -> str:
        return self.live[0]

    @property
    def is_active(self) -> bool:
        return self.status in (BundleJobStatus.QUEUED, BundleJobStatus.RUNNING)

    @property
    def entity_total(self) -> int:
        """Records in the bundle (export) or created+updated+skipped (import)."""
        total = 0
        for value in (self.counts or {}).values():
            total += value if isinstance(value, int) else sum(value.values())
        return total
