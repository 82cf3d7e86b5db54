"""Spreadsheet importers for organisations and people; each row goes through the services."""

import functools
from typing import Any

from django.core.exceptions import ValidationError

from ecosys.core.access import CHANGE, Actor
from ecosys.core.imports import Importer, choice_value, register

from . import selectors, services
from .models import (
    EcosystemRole,
    Industry,
    Organization,
    Person,
    Region,
    SizeBand,
    WorkerType,
    country_choices,
)

ORGANIZATION_COLUMNS = (
    "id",
    "name",
    "roles",
    "region",
    "country",
    "industry",
    "size",
    "website_domain",
    "tags",
    "description",
    "created_at",
)
PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "worker_type",
    "organization",
    "location",
)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


@functools.cache
def _country_codes() -> dict[str, str]:
    """Lower-case country names and ISO codes to ISO codes (django-countries' lookup is slow)."""
    codes = {}
    for code, name in country_choices():
        codes[code.lower()] = code
        codes[str(name).lower()] = code
    return codes


def _country(text: str) -> str:
    if not text:
        return ""
    code = _country_codes().get(text.strip().lower())
    if not code:
        raise ValidationError({"country": f"“{text}” is not a country name or ISO code."})
    return code


def _existing(actor: Actor, select, text: str):
    if not text:
        return None
    try:
        return select(actor=actor, public_id=text, action=CHANGE)
    except Exception as error:
        raise ValidationError({"id": f"No record with id {text} that you may change."}) from error


class _RowErrors:
    """Collects every column's problem in a row, so the report lists them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def convert(self, convert, default: Any = ""):
        try:
            return convert()
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                self.errors.setdefault(column, []).extend(messages)
            return default

    def apply(self, write) -> str:
        """Run the service even when a column was wrong, to hear about the others too."""
        try:
            result = write()
        except ValidationError as error:
            raise ValidationError({**error.message_dict, **self.errors}) from error
        if self.errors:
            raise ValidationError(self.errors)
        return result


def organization_apply(actor: Actor, row: dict[str, str]) -> str:
    check = _RowErrors()
    fields = {
        "name": row.get("name", ""),
        "region": check.convert(
            lambda: choice_value(Region.choices, row.get("region", ""), "region")
        ),
        "country": check.convert(lambda: _country(row.get("country", ""))),
        "industry": check.convert(
            lambda: choice_value(Industry.choices, row.get("industry", ""), "industry")
        ),
        "size": check.convert(lambda: choice_value(SizeBand.choices, row.get("size", ""), "size")),
        "website_domain": row.get("website_domain", ""),
        "description": row.get("description", ""),
    }
    roles = check.convert(
        lambda: [
            choice_value(EcosystemRole.choices, role, "roles")
            for role in _split(row.get("roles", ""))
        ],
        default=[],
    )
    tags = _split(row.get("tags", ""))
    org = check.convert(
        lambda: _existing(actor, selectors.organization_get, row.get("id", "")), None
    )
    if org is None and not row.get("id"):
        # Re-importing a file without ids updates the organisations it created the first time.
        same_name = selectors.organization_list(actor=actor, action=CHANGE).filter(
            name__iexact=fields["name"].strip()
        )
        matches = list(same_name[:2])
        org = matches[0] if len(matches) == 1 else None
    if org is None:
        check.apply(
            lambda: services.organization_create(actor=actor, roles=roles, tags=tags, **fields)
        )
        return "created"
    check.apply(
        lambda: services.organization_update(
            actor=actor, organization=org, roles=roles, tags=tags, **fields
        )
    )
    return "updated"


def person_apply(actor: Actor, row: dict[str, str]) -> str:
    organization = None
    reference = row.get("organization", "")
    if reference:
        visible = selectors.organization_list(actor=actor)
        matches = list(visible.filter(public_id=reference)[:1]) if _is_uuid(reference) else []
        matches = matches or list(visible.filter(name__iexact=reference)[:2])
        if len(matches) != 1:
            problem = (
                "matches several organisations" if matches else "is not an organisation you can see"
            )
            raise ValidationError({"organization": f"“{reference}” {problem}; use its id."})
        organization = matches[0]
    fields = {
        "first_name": row.get("first_name", ""),
        "last_name": row.get("last_name", ""),
        "email": row.get("email", ""),
        "phone": row.get("phone", ""),
        "title": row.get("title", ""),
        "worker_type": choice_value(WorkerType.choices, row.get("worker_type", ""), "worker_type"),
        "organization": organization,
        "location": row.get("location", ""),
    }
    person = _existing(actor, selectors.person_get, row.get("id", ""))
    if person is None:
        services.person_create(actor=actor, **fields)
        return "created"
    services.person_update(actor=actor, person=person, **fields)
    return "updated"


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


register(
    Importer(
        kind="organizations",
        label="Organisations",
        model=Organization,
        columns=ORGANIZATION_COLUMNS,
        required=("name", "roles"),
        apply=organization_apply,
        unique_key=lambda row: row.get("id") or ("name", row.get("name", "").lower()),
    )
)
register(
    Importer(
        kind="people",
        label="People",
        model=Person,
        columns=PERSON_COLUMNS,
        required=("last_name", "worker_type"),
        apply=person_apply,
        unique_key=lambda row: row.get("id") or (row.get("email", "").lower() or None),
    )
)
