"""What the partners app puts in the exit bundle (see ecosys.portability.registry)."""

from ecosys.portability.registry import declare

from .models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    ContinuityItem,
    ContinuityPlan,
    IdealPartnerProfile,
    Partner,
    PartnerStateChange,
    ProfileCriterion,
    Program,
    Tier,
)

declare(IdealPartnerProfile, fields=["name", "description", "created_at"])
declare(
    ProfileCriterion,
    fields=["attribute", "values", "weight"],
    refs=["profile"],
    portal_via="profile",
)
declare(Program, fields=["name", "description"])
declare(Tier, fields=["rank", "name", "criteria", "benefits"], refs=["program"])
declare(
    Partner,
    fields=[
        "state",
        "next_step",
        "next_step_due",
        "fit_score",
        "fit_explanation",
        "state_changed_at",
        "created_at",
    ],
    refs=["organization", "fit_profile", "program", "tier"],
    users=["owner"],
)
declare(
    PartnerStateChange,
    fields=["from_state", "to_state", "changed_by", "reason", "changed_at"],
    refs=["partner"],
)
declare(AgreementTemplate, fields=["name", "description", "created_at"])
declare(
    AgreementVersion,
    fields=[
        "number",
        "terms",
        "term_months",
        "renewal",
        "notice_days",
        "territory",
        "exclusive",
        "exit_clause",
        "data_return_clause",
        "published_at",
    ],
    refs=["template"],
)
declare(
    Agreement,
    fields=[
        "status",
        "start_date",
        "end_date",
        "issued_at",
        "accepted_at",
        "accepted_from",
        "decline_reason",
        "reminder_sent_at",
    ],
    refs=["partner", "version"],
    users=["issued_by", "accepted_by"],
)
declare(
    ContinuityPlan,
    fields=["effective_date", "reason", "status", "created_at", "completed_at"],
    refs=["partner"],
    users=["created_by"],
)
declare(
    ContinuityItem,
    fields=["kind", "target_public_id", "label", "resolution", "note", "resolved_at"],
    refs=["plan", "successor"],
    users=["resolved_by"],
)
