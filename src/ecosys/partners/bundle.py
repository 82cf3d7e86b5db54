"""What the partners app puts in the exit bundle (see ecosys.portability.registry)."""

from ecosys.portability.registry import declare, uuid_of_any

from .models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    Application,
    ApplicationDecision,
    ApprovalStep,
    ContinuityItem,
    ContinuityPlan,
    IdealPartnerProfile,
    LocatorListing,
    Partner,
    PartnerStateChange,
    ProfileCriterion,
    Program,
    RenewalReview,
    Tier,
    TierProposal,
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
    convert={"target_public_id": uuid_of_any()},
)
declare(ApprovalStep, fields=["position", "name"], users=["approvers"])
declare(
    Application,
    fields=[
        "company_name",
        "website_domain",
        "country",
        "region",
        "partner_type",
        "contact_name",
        "contact_email",
        "message",
        "status",
        "submitted_from",
        "created_at",
        "decided_at",
    ],
    refs=["current_step", "partner"],
)
declare(
    ApplicationDecision,
    fields=["step_name", "decision", "comment", "decided_at"],
    refs=["application", "step"],
    users=["decided_by"],
)
declare(
    TierProposal,
    fields=["figures", "status", "reason", "created_at", "decided_at"],
    refs=["partner", "current_tier", "proposed_tier", "decided_tier"],
    users=["decided_by"],
)
declare(
    LocatorListing,
    fields=[
        "published",
        "show_website",
        "show_description",
        "capabilities",
        "contact_email",
        "updated_at",
    ],
    refs=["partner"],
)
declare(
    RenewalReview,
    fields=[
        "term_end",
        "notice_date",
        "automatic",
        "status",
        "figures",
        "orchestrator_choice",
        "orchestrator_comment",
        "orchestrator_at",
        "partner_choice",
        "partner_comment",
        "partner_at",
        "draft_terms",
        "opened_at",
        "decided_at",
    ],
    refs=["agreement", "partner", "new_agreement"],
    users=["orchestrator_by", "partner_by"],
)
