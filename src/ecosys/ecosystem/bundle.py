"""What the ecosystem app puts in the exit bundle (see ecosys.portability.registry)."""

from ecosys.portability.registry import declare

from .models import (
    Organization,
    OrganizationRole,
    Person,
    PersonRole,
    Relationship,
    RelationshipStateChange,
    Tag,
)

declare(Tag, fields=["name"])
declare(
    Organization,
    fields=[
        "name",
        "region",
        "country",
        "industry",
        "size",
        "website_domain",
        "description",
        "role_codes",
        "tag_names",
        "created_at",
        "updated_at",
    ],
    refs=["tags"],
)
declare(OrganizationRole, fields=["role"], refs=["organization"], portal_via="organization")
declare(
    Person,
    fields=[
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "worker_type",
        "location",
        "created_at",
        "updated_at",
    ],
    refs=["organization"],
)
declare(
    Relationship,
    fields=["kind", "state", "start_date", "end_date", "notes", "created_at", "updated_at"],
    refs=["source", "target"],
)
declare(
    RelationshipStateChange,
    fields=["from_state", "to_state", "changed_by", "reason", "changed_at"],
    refs=["relationship"],
)
declare(PersonRole, fields=["kind", "start_date", "end_date"], refs=["person", "organization"])
