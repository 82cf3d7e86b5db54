"""Collaborative selling: deal registrations with their protection and status history."""

from django.db import models

from ecosys.core.models import TenantModel

# Protection when the partner's tier grants no deal-protection days (or it has no tier).
DEFAULT_PROTECTION_DAYS = 90


class DealStatus(models.TextChoices):
    """Where a registration stands: submitted, then decided, then closed."""

    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    EXPIRED = "expired", "Expired"


# Open registrations: a partner may hold only one per customer, and only these can conflict.
OPEN_STATUSES = frozenset({DealStatus.SUBMITTED, DealStatus.APPROVED})
# Registrations the orchestrator accepted: what the registered-deals metric counts.
ACCEPTED_STATUSES = frozenset({DealStatus.APPROVED, DealStatus.WON, DealStatus.LOST})


class DealRegistration(TenantModel):
    """A partner's claim on a sales opportunity; approved, it is protected from other partners."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="deal_registrations"
    )
    customer = models.ForeignKey(
        "ecosystem.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The customer, when it is in Ecosys already.",
    )
    # Copied from the customer organisation when there is one, so conflicts compare one way.
    customer_name = models.CharField(max_length=200)
    customer_domain = models.CharField(
        max_length=253, blank=True, help_text="e.g. example.com, without https:// or paths."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    estimated_value = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    expected_close_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=DealStatus.choices, default=DealStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    protection_until = models.DateField(null=True, blank=True)
    protection_basis = models.CharField(
        max_length=300, blank=True, help_text="Where the protection period came from."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("partner__organization",)
        # Partner admins register their deals and report how approved ones ended; deciding is
        # the orchestrator's (the services check it).
        external_actions = frozenset({"view", "add", "change"})

    class Meta:
        verbose_name = "deal registration"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status", "protection_until"]),
            models.Index(fields=["workspace", "customer_domain"]),
            models.Index(fields=["workspace", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.customer_name})"


class DealStatusChange(TenantModel):
    """One step of a registration's history: who moved it, when, from where to where, and why."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=DealStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=DealStatus.choices)
    changed_by = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("deal__partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.deal}: {self.from_status or '—'} → {self.to_status}"
