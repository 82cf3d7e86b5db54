"""The public partner locator: active partners that chose to be listed, and only what they chose."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.core.models import Role, TokenScope

from .models import LocatorListing, Partner, PartnerState

LISTED_STATES = (PartnerState.ACTIVE, PartnerState.AT_RISK)
FIELDS = ["published", "show_website", "show_description", "capabilities", "contact_email"]


@transaction.atomic
def listing_save(*, actor: Actor, partner: Partner, **fields) -> LocatorListing:
    """The partner's own admin (or the orchestrator, to unpublish) sets what the locator shows."""
    own_admin = (
        actor.role == Role.EXTERNAL_ADMIN and actor.organization_id == partner.organization_id
    )
    if actor.token_scope == TokenScope.READ or not (
        own_admin or (actor.is_orchestrator and actor.role != Role.READ_ONLY)
    ):
        raise PermissionDenied("The partner's admin decides what the locator shows.")
    if actor.is_orchestrator and not own_admin and fields.get("published"):
        raise PermissionDenied("Only the partner itself can agree to be published.")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    if fields.get("contact_email"):
        try:
            validate_email(fields["contact_email"])
        except ValidationError as error:
            raise ValidationError({"contact_email": "Enter a valid e-mail address."}) from error
    listing, _ = LocatorListing.objects.get_or_create(workspace=actor.workspace, partner=partner)
    before = {name: getattr(listing, name) for name in FIELDS}
    for name, value in fields.items():
        setattr(listing, name, value.strip() if isinstance(value, str) else value)
    listing.full_clean(exclude=["workspace", "partner"])
    listing.save()
    changes = {
        k: [before[k], getattr(listing, k)] for k in FIELDS if before[k] != getattr(listing, k)
    }
    if changes:
        audit_record(actor=actor, action="update", target=listing, changes=changes)
    return listing


def listings_public(*, region: str = "", capability: str = "", role: str = "") -> list[dict]:
    """What anyone may see: published listings of active partners, with the consented fields."""
    rows = LocatorListing.objects.filter(
        published=True, partner__state__in=LISTED_STATES
    ).select_related("partner__organization")
    if region:
        rows = rows.filter(partner__organization__region=region)
    if capability:
        rows = rows.filter(capabilities__icontains=capability)
    result = []
    for listing in rows.order_by("partner__organization__name")[:200]:
        org = listing.partner.organization
        if role and role not in org.role_codes:
            continue
        result.append(
            {
                "name": org.name,
                "region": org.get_region_display(),
                "country": org.country.name if org.country else "",
                "roles": [r for r in org.role_codes],
                "website": org.website_domain if listing.show_website else "",
                "description": org.description if listing.show_description else "",
                "capabilities": [c.strip() for c in listing.capabilities.split(",") if c.strip()],
                "contact_email": listing.contact_email,
            }
        )
    return result
