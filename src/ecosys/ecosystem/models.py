"""Actors of the ecosystem (organisations and people) and the typed relationships between them."""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from django_countries.fields import CountryField

from ecosys.core.models import TenantModel


@functools.cache
def country_choices() -> list[tuple[str, str]]:
    """(ISO code, English name) of every country, computed once: django-countries translates
    and sorts its 250 names on every use, which showed up in every list page's time."""
    from django_countries import countries

    return [(code, str(name)) for code, name in countries]


class EcosystemRole(models.TextChoices):
    """The part an organisation plays in the orchestrator's ecosystem."""

    ORCHESTRATOR = "orchestrator", "Orchestrator"
    CUSTOMER = "customer", "Customer"
    DISTRIBUTOR = "distributor", "Distributor"
    DEALER = "dealer", "Dealer / retailer"
    INTEGRATOR = "integrator", "Integrator"
    AGENT = "agent", "Agent / broker"
    FRANCHISEE = "franchisee", "Franchisee"
    SUPPLIER = "supplier", "Supplier"
    COMPLEMENTARY = "complementary", "Complementary provider"
    SERVICE_COMPANY = "service_company", "Service company"
    ACADEMIC = "academic", "Academic institution"
    ASSOCIATION = "association", "Community / industry association"


CHANNEL_PARTNER_ROLES = frozenset(
    {
        EcosystemRole.DISTRIBUTOR,
        EcosystemRole.DEALER,
        EcosystemRole.INTEGRATOR,
        EcosystemRole.AGENT,
        EcosystemRole.FRANCHISEE,
    }
)


class Region(models.TextChoices):
    NORTH_AMERICA = "north_america", "North America"
    LATIN_AMERICA = "latin_america", "Latin America"
    EUROPE = "europe", "Europe"
    MIDDLE_EAST_AFRICA = "middle_east_africa", "Middle East & Africa"
    ASIA_PACIFIC = "asia_pacific", "Asia Pacific"


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", "Manufacturing"
    AUTOMOTIVE = "automotive", "Automotive"
    ENERGY = "energy", "Energy & utilities"
    FOOD = "food", "Food & beverage"
    CHEMICALS = "chemicals", "Chemicals"
    CONSTRUCTION = "construction", "Construction"
    LOGISTICS = "logistics", "Logistics"
    HEALTHCARE = "healthcare", "Healthcare"
    RETAIL = "retail", "Retail & wholesale"
    TECHNOLOGY = "technology", "Technology"
    EDUCATION = "education", "Education & research"
    PUBLIC = "public", "Public sector"
    SERVICES = "services", "Professional services"


class SizeBand(models.TextChoices):
    """Employee count bands."""

    MICRO = "1-10", "1-10"
    SMALL = "11-50", "11-50"
    MEDIUM = "51-250", "51-250"
    LARGE = "251-1000", "251-1,000"
    ENTERPRISE = "1001-5000", "1,001-5,000"
    GLOBAL = "5001+", "5,001+"


class Tag(TenantModel):
    """A free label organisations can be filtered by."""

    name = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(TenantModel):
    """An organisation in the ecosystem: the orchestrator, a partner, a customer, a supplier…"""

    name = models.CharField(max_length=200)
    region = models.CharField(max_length=30, choices=Region.choices, blank=True)
    country = CountryField(blank=True)
    industry = models.CharField(max_length=30, choices=Industry.choices, blank=True)
    size = models.CharField("size (employees)", max_length=20, choices=SizeBand.choices, blank=True)
    website_domain = models.CharField(
        max_length=253, blank=True, help_text="e.g. example.com, without https:// or paths."
    )
    description = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations")
    # Copies of the sorted role codes and tag names, kept by the services, so that lists and the
    # API read a page of organisations in one query (the joins stay for filtering and counting).
    role_codes = models.JSONField(default=list, blank=True, editable=False)
    tag_names = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_choices = {"roles": EcosystemRole.choices}

    class Access:
        owner_paths = ("self",)
        external_actions = frozenset({"view", "change"})
        shareable = True

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "name", "id"]),
            models.Index(fields=["workspace", "region"]),
            models.Index(fields=["workspace", "-created_at"]),
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        domain = self.website_domain.strip().lower()
        # A pasted address "https://example.com/" is what people mean by example.com.
        for scheme in ("https://", "http://"):
            domain = domain.removeprefix(scheme)
        domain = domain.rstrip("/")
        if "/" in domain or " " in domain or ":" in domain:
            raise ValidationError(
                {"website_domain": "Enter a bare domain such as example.com, without a path."}
            )
        if domain and "." not in domain:
            raise ValidationError({"website_domain": "A domain needs a dot, as in example.com."})
        self.website_domain = domain


class OrganizationRole(TenantModel):
    """One ecosystem role an organisation plays (an organisation may play several)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=30, choices=EcosystemRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "role"], name="org_role_unique")
        ]
        indexes = [models.Index(fields=["workspace", "role"])]

    def __str__(self) -> str:
        return self.get_role_display()


class WorkerType(models.TextChoices):
    """The kinds of worker in a workforce ecosystem."""

    EMPLOYEE = "employee", "Employee"
    CONTRACTOR = "contractor", "Contractor"
    SERVICE_STAFF = "service_staff", "Service-company staff"
    GIG = "gig", "Gig worker"
    BOT = "bot", "Bot / automation"
    CONTACT = "contact", "Contact (not a worker)"


class Person(TenantModel):
    """A worker or contact, belonging to an organisation or independent."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField("job title", max_length=150, blank=True)
    worker_type = models.CharField(max_length=20, choices=WorkerType.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="Leave empty for an independent worker.",
    )
    location = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view", "add", "change", "delete"})
        shareable = True

    class Meta:
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["workspace", "last_name", "first_name"]),
            models.Index(fields=["workspace", "worker_type"]),
        ]
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RelationshipKind(models.TextChoices):
    """How one organisation relates to another; read as 'source KIND target'."""

    SELLS_THROUGH = "sells_through", "sells through"
    SUPPLIES = "supplies", "supplies"
    PARTNERS_WITH = "partners_with", "partners with"
    SERVES = "serves", "serves"
    COMPLEMENTS = "complements", "complements"
    SUBCONTRACTS = "subcontracts", "subcontracts to"


class RelationshipState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


# The lifecycle: which states a relationship may move to from each state.
RELATIONSHIP_TRANSITIONS: dict[str, frozenset[str]] = {
    RelationshipState.PROPOSED: frozenset({RelationshipState.ACTIVE, RelationshipState.ENDED}),
    RelationshipState.ACTIVE: frozenset({RelationshipState.SUSPENDED, RelationshipState.ENDED}),
    RelationshipState.SUSPENDED: frozenset({RelationshipState.ACTIVE, RelationshipState.ENDED}),
    RelationshipState.ENDED: frozenset(),
}


class Relationship(TenantModel):
    """A typed, directed, dated link between two organisations, with a lifecycle."""

    source = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="outgoing")
    target = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="incoming")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    state = models.CharField(
        max_length=20, choices=RelationshipState.choices, default=RelationshipState.PROPOSED
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Access:
        owner_paths = ("source", "target")
        external_actions = frozenset({"view"})
        shareable = True

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "kind", "state"]),
            models.Index(fields=["workspace", "created_at", "id"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"

    def clean(self) -> None:
        errors = {}
        if self.source_id and self.source_id == self.target_id:
            errors["target"] = "An organisation cannot have a relationship with itself."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must not be before the start date."
        if errors:
            raise ValidationError(errors)


class RelationshipStateChange(TenantModel):
    """One step in a relationship's lifecycle: from which state to which, who, when and why."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=20, choices=RelationshipState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=RelationshipState.choices)
    changed_by = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("relationship__source", "relationship__target")
        external_actions = frozenset({"view"})

    class Meta:
        ordering = ["changed_at", "id"]


class PersonRoleKind(models.TextChoices):
    WORKS_FOR = "works_for", "works for"
    ACCOUNT_LEAD = "account_lead", "is account lead for"
    CONTACT_AT = "contact_at", "is a contact at"


class PersonRole(TenantModel):
    """A person's role towards an organisation other than (or besides) their employer."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="person_roles"
    )
    kind = models.CharField(max_length=20, choices=PersonRoleKind.choices)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Access:
        owner_paths = ("organization", "person__organization")
        external_actions = frozenset({"view"})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "kind"], name="person_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.organization}"
