"""Partner lifecycle: partner records with an explicit state machine, and ideal partner profiles."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ecosys.core.models import TenantModel


class PartnerState(models.TextChoices):
    """Where a partner stands in its lifecycle."""

    PROSPECT = "prospect", "Prospect"
    APPLICANT = "applicant", "Applicant"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    AT_RISK = "at_risk", "At risk"
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


# The lifecycle: from each state, the states a partner may move to.
PARTNER_TRANSITIONS: dict[str, frozenset[str]] = {
    PartnerState.PROSPECT: frozenset({PartnerState.APPLICANT, PartnerState.RETIRED}),
    PartnerState.APPLICANT: frozenset({PartnerState.ONBOARDING, PartnerState.RETIRED}),
    PartnerState.ONBOARDING: frozenset({PartnerState.ACTIVE, PartnerState.RETIRED}),
    PartnerState.ACTIVE: frozenset(
        {PartnerState.AT_RISK, PartnerState.SUSPENDED, PartnerState.RETIRED}
    ),
    PartnerState.AT_RISK: frozenset(
        {PartnerState.ACTIVE, PartnerState.SUSPENDED, PartnerState.RETIRED}
    ),
    PartnerState.SUSPENDED: frozenset({PartnerState.ACTIVE, PartnerState.RETIRED}),
    PartnerState.RETIRED: frozenset(),
}
# Moving into these states needs a reason, kept in the timeline.
REASON_REQUIRED = frozenset({PartnerState.AT_RISK, PartnerState.SUSPENDED, PartnerState.RETIRED})


class IdealPartnerProfile(TenantModel):
    """Weighted criteria describing the partners the orchestrator wants."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="profile_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CriterionAttribute(models.TextChoices):
    """Organisation attributes a criterion can look at."""

    ROLE = "role", "Ecosystem role"
    REGION = "region", "Region"
    COUNTRY = "country", "Country"
    INDUSTRY = "industry", "Industry"
    SIZE = "size", "Size"
    TAG = "tag", "Tag"


class ProfileCriterion(TenantModel):
    """One weighted criterion: the attribute must take one of the listed values."""

    profile = models.ForeignKey(
        IdealPartnerProfile, on_delete=models.CASCADE, related_name="criteria"
    )
    attribute = models.CharField(max_length=20, choices=CriterionAttribute.choices)
    values = models.JSONField(default=list)
    weight = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-weight", "id"]

    def __str__(self) -> str:
        return f"{self.get_attribute_display()} in {', '.join(self.values)} (weight {self.weight})"


class Partner(TenantModel):
    """An organisation in the partner lifecycle, from prospect to retired."""

    organization = models.OneToOneField(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="partner"
    )
    state = models.CharField(
        max_length=20, choices=PartnerState.choices, default=PartnerState.PROSPECT
    )
    owner = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_step = models.CharField(max_length=300, blank=True)
    next_step_due = models.DateField(null=True, blank=True)
    fit_profile = models.ForeignKey(
        IdealPartnerProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    fit_explanation = models.JSONField(default=list, blank=True)
    program = models.ForeignKey(
        "partners.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partners",
    )
    tier = models.ForeignKey(
        "partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="partners"
    )
    state_changed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view"})

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "state"]),
            models.Index(fields=["workspace", "fit_score"]),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_state_display()})"


class PartnerStateChange(TenantModel):
    """One step of a partner's lifecycle: who moved it, when, from where to where, and why."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="timeline")
    from_state = models.CharField(max_length=20, choices=PartnerState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=PartnerState.choices)
    changed_by = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_state or '—'} → {self.to_state}"


class ApprovalStep(TenantModel):
    """One step of the application approval sequence; any one of its approvers decides it."""

    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    approvers = models.ManyToManyField("core.User", related_name="+")

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "position"], name="approval_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Application(TenantModel):
    """A "become a partner" application from the public page, reviewed step by step."""

    company_name = models.CharField(max_length=200)
    website_domain = models.CharField(max_length=253)
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=30, blank=True)
    partner_type = models.CharField(max_length=30)
    contact_name = models.CharField(max_length=150)
    contact_email = models.EmailField()
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    current_step = models.ForeignKey(
        ApprovalStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner = models.OneToOneField(
        Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="application"
    )
    submitted_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "website_domain"])]

    def __str__(self) -> str:
        return f"Application of {self.company_name}"


class ApplicationDecision(TenantModel):
    """One approver's decision on one step: approve, or reject with a reason; or a comment."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    step = models.ForeignKey(ApprovalStep, on_delete=models.SET_NULL, null=True, related_name="+")
    step_name = models.CharField(max_length=120)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(
        max_length=10,
        choices=[("approve", "Approved"), ("reject", "Rejected"), ("comment", "Comment")],
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.step_name}: {self.decision}"


class Renewal(models.TextChoices):
    FIXED = "fixed", "Fixed term (ends unless renewed)"
    AUTO = "auto", "Renews automatically"


class AgreementTemplate(TenantModel):
    """A kind of partner agreement (e.g. reseller agreement); its terms live in versions."""

    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="agreement_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class AgreementVersion(TenantModel):
    """One published, unchangeable version of a template's terms."""

    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    terms = models.TextField()
    term_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    renewal = models.CharField(max_length=10, choices=Renewal.choices, default=Renewal.FIXED)
    notice_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(0), MaxValueValidator(365)]
    )
    territory = models.CharField(max_length=300, blank=True)
    exclusive = models.BooleanField(default=False)
    exit_clause = models.TextField()
    data_return_clause = models.TextField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="agreement_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class AgreementStatus(models.TextChoices):
    ISSUED = "issued", "Waiting for acceptance"
    ACCEPTED = "accepted", "In force"
    DECLINED = "declined", "Declined"
    ENDED = "ended", "Ended"


class Agreement(TenantModel):
    """A version of terms issued to one partner, accepted (or declined) by its admin."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="agreements")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.ISSUED
    )
    start_date = models.DateField()
    end_date = models.DateField()
    issued_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_from = models.GenericIPAddressField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.version} with {self.partner.organization}"

    @property
    def notice_date(self):
        """The last day to give notice before the end date."""
        import datetime as dt

        return self.end_date - dt.timedelta(days=self.version.notice_days)


class Program(TenantModel):
    """A partner programme (e.g. reseller, integrator, referral) with ranked tiers."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True  # partners read the programmes, tiers and benefits

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="program_name")]

    def __str__(self) -> str:
        return self.name


class Tier(TenantModel):
    """A level of a programme; rank 1 is the entry level, higher ranks are better."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    rank = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    # {metric: minimum}: a partner qualifies when every metric reaches its minimum.
    criteria = models.JSONField(default=dict, blank=True)
    # {benefit key: value}: what a partner at this tier is entitled to.
    benefits = models.JSONField(default=dict, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset({"view"})
        visible_to_all_members = True

    class Meta:
        ordering = ["program", "rank"]
        constraints = [models.UniqueConstraint(fields=["program", "rank"], name="tier_rank")]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class TierProposalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    OVERRIDDEN = "overridden", "Overridden"
    DISMISSED = "dismissed", "Dismissed"


class TierProposal(TenantModel):
    """An evaluation's proposal to move a partner to another tier, with the figures behind it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tier_proposals")
    current_tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="+")
    figures = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=TierProposalStatus.choices, default=TierProposalStatus.PENDING
    )
    decided_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner.organization}: {self.current_tier or '—'} → {self.proposed_tier}"


class ContinuityPlan(TenantModel):
    """Retiring a partner: everything it holds, each item handed over or closed; nothing deleted."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="continuity_plans")
    effective_date = models.DateField()
    reason = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=[("open", "Open"), ("completed", "Completed")], default="open"
    )
    created_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Continuity plan for {self.partner.organization}"


class ContinuityItem(TenantModel):
    """One thing the retiring partner holds: a customer relationship, an agreement, a sign-in."""

    plan = models.ForeignKey(ContinuityPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(
        max_length=15,
        choices=[
            ("relationship", "Customer relationship"),
            ("agreement", "Agreement"),
            ("access", "Sign-in"),
        ],
    )
    target_public_id = models.UUIDField()
    label = models.CharField(max_length=300)
    resolution = models.CharField(
        max_length=10,
        choices=[("pending", "To decide"), ("reassigned", "Handed over"), ("closed", "Closed")],
        default="pending",
    )
    successor = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("plan__partner__organization",)
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["kind", "label", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class LocatorListing(TenantModel):
    """What a partner agreed to publish in the public partner locator (nothing until it says so)."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="listing")
    published = models.BooleanField(default=False)
    show_website = models.BooleanField(default=True)
    show_description = models.BooleanField(default=True)
    capabilities = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated, e.g. servo drives, retrofits."
    )
    contact_email = models.EmailField(
        blank=True, help_text="Shown to visitors; leave empty to hide."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view", "add", "change"})

    def __str__(self) -> str:
        return f"Locator listing of {self.partner.organization}"


class RenewalChoice(models.TextChoices):
    RENEW = "renew", "Renew"
    CHANGE = "change", "Renew with changed terms"
    PART = "part", "Part"


class RenewalReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for answers"
    RENEWED = "renewed", "Renewed"
    CHANGING = "changing", "New terms being drafted"
    NEW_TERMS_ISSUED = "terms_issued", "New terms issued"
    PARTING = "parting", "Parting: separation proposed"
    LAPSED = "lapsed", "Ended without an answer"


class RenewalReview(TenantModel):
    """Before a term ends, both sides look at the relationship's figures and choose to renew,
    change or part; nothing renews silently unless the agreement renews automatically."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="renewal_reviews"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="renewal_reviews")
    term_end = models.DateField(help_text="The end of the term under review.")
    notice_date = models.DateField()
    automatic = models.BooleanField(
        default=False, help_text="The agreement renews automatically: the review informs."
    )
    status = models.CharField(
        max_length=15, choices=RenewalReviewStatus.choices, default=RenewalReviewStatus.OPEN
    )
    figures = models.JSONField(default=dict)
    orchestrator_choice = models.CharField(max_length=10, choices=RenewalChoice.choices, blank=True)
    orchestrator_comment = models.TextField(blank=True)
    orchestrator_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    orchestrator_at = models.DateTimeField(null=True, blank=True)
    partner_choice = models.CharField(max_length=10, choices=RenewalChoice.choices, blank=True)
    partner_comment = models.TextField(blank=True)
    partner_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_at = models.DateTimeField(null=True, blank=True)
    draft_terms = models.TextField(blank=True, help_text="The changed terms, while drafted.")
    new_agreement = models.ForeignKey(
        Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("partner__organization",)
        external_actions = frozenset({"view", "change"})

    class Meta:
        ordering = ["notice_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "term_end"], name="renewal_review_term")
        ]
        indexes = [models.Index(fields=["workspace", "status", "notice_date"])]

    def __str__(self) -> str:
        return f"Renewal review of {self.agreement}"
