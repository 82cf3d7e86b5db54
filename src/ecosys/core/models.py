"""Workspaces (tenants), users, memberships and roles, API tokens, sharing grants, audit events."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import class_prepared
from django_scopes import ScopedManager


def _covered_keys_unindexed(sender, **kwargs) -> None:
    """A foreign key of an Ecosys model gets no index of its own when one of the model's
    indexes or unique constraints (whole-table ones) starts with its column: that index serves
    the key's lookups and cascading deletes already, and every index costs every write (an
    import of the large demo spent a fifth of its database time keeping such duplicates)."""
    meta = sender._meta
    if meta.abstract or meta.auto_created or not sender.__module__.startswith("ecosys."):
        return
    leading = {
        index.fields[0].lstrip("-")
        for index in meta.indexes
        if index.fields and index.condition is None
    }
    leading |= {
        constraint.fields[0]
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
    }
    leading |= {fields[0] for fields in meta.unique_together if fields}
    for field in meta.local_fields:
        if field.many_to_one and field.db_index and field.name in leading:
            field.db_index = False


class_prepared.connect(_covered_keys_unindexed)


class TenantModel(models.Model):
    """A row owned by one workspace; querying it outside a workspace scope raises."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        abstract = True


class Workspace(models.Model):
    """One orchestrator's ecosystem: the tenant that every other row belongs to."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    orchestrator = models.OneToOneField(
        "ecosystem.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation that runs this ecosystem.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class EmailUserManager(UserManager):
    """Users sign in with their e-mail address."""

    def _create_user(self, email, password, **extra_fields):  # noqa: D401 - Django hook
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in; what they may do comes from their membership."""

    username = None
    email = models.EmailField("e-mail address", unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = EmailUserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    """What a member may do; orchestrator roles see the workspace, external ones their part."""

    ORCHESTRATOR_ADMIN = "orchestrator_admin", "Orchestrator admin"
    ORCHESTRATOR_STAFF = "orchestrator_staff", "Orchestrator staff"
    EXTERNAL_ADMIN = "external_admin", "External admin"
    EXTERNAL_MEMBER = "external_member", "External member"
    READ_ONLY = "read_only", "Read-only"


class Membership(TenantModel):
    """A user's place in a workspace: the organisation they belong to and their role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view", "add", "change", "manage"})

    class Meta:
        verbose_name = "member"  # what people call it; "membership" is the table
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiToken(TenantModel):
    """A personal API token; only its SHA-256 hash is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("membership__organization",)
        external_actions = frozenset({"view", "add", "change"})

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class GrantAccess(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class SharingGrant(TenantModel):
    """One object explicitly shared with an external organisation, read-only or read-write."""

    organization = models.ForeignKey(
        "ecosystem.Organization", on_delete=models.CASCADE, related_name="grants_received"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    access = models.CharField(max_length=10, choices=GrantAccess.choices, default="read")
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Access:
        owner_paths = ("organization",)
        external_actions = frozenset({"view"})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "target_type", "target_id"], name="grant_unique_target"
            )
        ]
        indexes = [models.Index(fields=["target_type", "organization"])]

    def __str__(self) -> str:
        return f"{self.target_type} #{self.target_id} shared with {self.organization_id}"


class Channel(models.TextChoices):
    """Where a change came from."""

    WEB = "web", "Web"
    API = "api", "API"
    CLI = "cli", "Command line"
    IMPORT = "import", "Import"
    SYSTEM = "system", "System"


class AuditEvent(TenantModel):
    """Who changed what, when, from which channel, with the fields before and after."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=60)
    target_public_id = models.UUIDField(null=True, blank=True)
    target_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)

    class Access:
        owner_paths: tuple[str, ...] = ()  # the workspace log is the orchestrator's
        external_actions = frozenset({"view"})

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["target_public_id", "-created_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_repr}"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class ImportJob(TenantModel):
    """A spreadsheet import running in the background, with its progress and error report."""

    kind = models.CharField(max_length=40)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Access:
        owner_paths = ("created_by__organization",)
        external_actions = frozenset({"view", "add"})

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.kind} from {self.file_name}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else 0
        return int(100 * self.processed_rows / self.total_rows)


class JobRun(models.Model):
    """One run of a daily job in one workspace (or none): when, how it ended, what it did."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.CharField(max_length=80, db_index=True)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    # Runs with no workspace (platform-wide work) are outside every scope, so no tenant sees them.
    objects = ScopedManager(workspace="workspace")

    class Access:
        owner_paths: tuple[str, ...] = ()
        external_actions = frozenset()

    class Meta:
        indexes = [models.Index(fields=["workspace", "job", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job} ({self.get_status_display().lower()})"

    @property
    def summary(self) -> str:
        """The result as a short line: '3' or 'reminded: 2, renewed: 1'."""
        if isinstance(self.result, dict):
            return ", ".join(
                f"{key.replace('_', ' ')}: {value}" for key, value in self.result.items()
            )
        return "" if self.result is None else str(self.result)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
