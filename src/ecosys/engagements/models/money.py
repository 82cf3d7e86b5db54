"""Engagement models: money (see __init__).

How an engagement is paid: its commercial terms, the time its people record, settlement
statements per period (computed by ``engagements.settlement`` from these rows and stored with
every input), and a joint venture's owners, contributions and distributions.
"""

from django.db import models

from ecosys.core.models import TenantModel

from .cycle import CommercialModel, Engagement

__all__ = [
    "CommercialTerms",
    "SettlementPeriod",
    "Settlement",
    "SettlementStatus",
    "TimeEntry",
    "TimeEntryStatus",
    "VentureContribution",
    "VentureContributionKind",
    "VentureDistribution",
    "VentureShare",
]


class SettlementPeriod(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class CommercialTerms(TenantModel):
    """How the customer pays for one engagement: fee, capacity, gain share or venture."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="commercial_terms"
    )
    model = models.CharField(max_length=20, choices=CommercialModel.choices)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    period = models.CharField(
        max_length=10, choices=SettlementPeriod.choices, default=SettlementPeriod.MONTH
    )
    fee = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Subscription fee."
    )
    included_hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    overage_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    included_people = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="People who may work in a period within the fee."
    )
    person_overage_rate = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Per person beyond the included people, per period.",
    )  # fmt: skip
    share = models.DecimalField(
        max_digits=6, decimal_places=4, null=True, blank=True, help_text="0..1 of the benefit."
    )
    floor = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    cap = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    settle_on_lower_bound = models.BooleanField(default=False)
    schedule = models.JSONField(default=list, blank=True)  # [{due_date, fraction}]
    # Bill rates agreed for this engagement, person public_id -> rate; they take precedence
    # over the person's standard bill rate in the workforce profile.
    rates = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        verbose_name = "commercial terms"
        verbose_name_plural = "commercial terms"

    def __str__(self) -> str:
        return f"{self.engagement}: {self.get_model_display()}"


class TimeEntryStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TimeEntry(TenantModel):
    """Hours one person worked on an engagement on one day; the lead approves them."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="time_entries"
    )
    person = models.ForeignKey(
        "ecosystem.Person", on_delete=models.PROTECT, related_name="time_entries"
    )
    work_date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=TimeEntryStatus.choices, default=TimeEntryStatus.SUBMITTED
    )
    entered_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        verbose_name = "time entry"
        verbose_name_plural = "time entries"
        ordering = ["-work_date", "-id"]
        indexes = [models.Index(fields=["workspace", "engagement", "work_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.work_date}: {self.hours} h"


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    ACCEPTED = "accepted", "Accepted"
    DISPUTED = "disputed", "Disputed"


# An issued or accepted settlement closes its period for time entries; a disputed one is open
# again so that the entries can be corrected and the statement generated anew.
CLOSING_STATUSES = frozenset({SettlementStatus.ISSUED, SettlementStatus.ACCEPTED})


class Settlement(TenantModel):
    """A statement of what the customer owes for one engagement and period, with its inputs."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="settlements")
    period_start = models.DateField()
    period_end = models.DateField()
    model = models.CharField(max_length=20, choices=CommercialModel.choices)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    lines = models.JSONField(default=list)  # [{label, quantity, unit, rate, amount}]
    schedule = models.JSONField(default=list, blank=True)  # [{due_date, fraction, amount}]
    inputs = models.JSONField(default=dict)
    inputs_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    customer_comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("engagement__customer",)
        # The customer's admin accepts or disputes an issued statement (the services check it).
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period_start", "period_end"], name="settlement_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class VentureShare(TenantModel):
    """One owner's share of the joint venture an engagement created."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="venture_shares"
    )
    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(max_digits=7, decimal_places=4)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-share", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "organization"], name="venture_share_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.share}"


class VentureContributionKind(models.TextChoices):
    MONEY = "money", "Money"
    IN_KIND = "in_kind", "In kind (hours)"


class VentureContribution(TenantModel):
    """What an owner put into the venture: money, or hours valued at a rate."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="venture_contributions"
    )
    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=VentureContributionKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # money, or hours × rate
    hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=500, blank=True)
    contributed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-contributed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.organization}: {self.amount} {self.currency} ({self.kind})"


class VentureDistribution(TenantModel):
    """A period's result of the venture distributed to its owners by share."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="venture_distributions"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    result = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    lines = models.JSONField(default=list)
    inputs = models.JSONField(default=dict)
    inputs_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("engagement__customer",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period_start", "period_end"],
                name="venture_distribution_period_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.result} {self.currency}"
