"""What the selling app puts in the exit bundle (see ecosys.portability.registry)."""

from ecosys.portability.registry import declare

from .models import DealRegistration, DealStatusChange

declare(
    DealRegistration,
    fields=[
        "customer_name",
        "customer_domain",
        "title",
        "description",
        "estimated_value",
        "currency",
        "expected_close_date",
        "status",
        "decided_at",
        "decision_reason",
        "protection_until",
        "protection_basis",
        "closed_at",
        "created_at",
    ],
    refs=["partner", "customer"],
    users=["decided_by", "registered_by"],
)
declare(
    DealStatusChange,
    fields=["from_status", "to_status", "changed_by", "reason", "changed_at"],
    refs=["deal"],
)
