"""What the portability app puts in the exit bundle (see ecosys.portability.registry).

Separations are data of the relationship: the plan, its items, the bundles handed over (their
name, hash and acknowledgement; the archive itself is not put inside another bundle) and the
erasure certificate. Background bundle jobs are not (see ``NOT_IN_BUNDLE``).

The core app has no bundle module of its own; its audit log, which is the relationship's record
of who changed what, is declared here.
"""

from ecosys.core.models import AuditEvent
from ecosys.portability.registry import content_type, declare, uuid_of_any

from .models import BundleDelivery, ErasureCertificate, Separation, SeparationItem

declare(
    AuditEvent,
    fields=[
        "created_at",
        "actor_label",
        "channel",
        "action",
        "target_type",
        "target_public_id",
        "target_repr",
        "changes",
    ],
    users=["user"],
    convert={"target_public_id": uuid_of_any()},
)
declare(
    Separation,
    fields=[
        "notice_days",
        "data_return_clause",
        "data_handling",
        "started_by_side",
        "reason",
        "effective_date",
        "transition_end",
        "data_retrieval_until",
        "status",
        "access_revoked_at",
        "retention_note",
        "closing_why",
        "closing_delivered",
        "closing_invitation",
        "completed_at",
        "cancel_reason",
        "created_at",
    ],
    refs=["organization", "partner", "agreement"],
    users=["started_by", "completed_by"],
)
declare(
    SeparationItem,
    fields=["kind", "label", "target_type", "target_public_id", "decision", "note", "decided_at"],
    refs=["separation", "successor"],
    users=["decided_by"],
    convert={"target_type": content_type(), "target_public_id": uuid_of_any()},
)
declare(
    BundleDelivery,
    fields=["file_name", "sha256", "size_bytes", "delivered_at", "acknowledged_at"],
    refs=["separation"],
    users=["delivered_by", "acknowledged_by"],
)
declare(
    ErasureCertificate,
    fields=["erased_at", "erased_by_label", "counts", "bundle_sha256"],
    refs=["separation"],
    users=["erased_by"],
)
