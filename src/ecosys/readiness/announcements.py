"""Partner alerts and newsletters: targeted delivery in the portal and by e-mail, read receipts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet

from ecosys.core.access import ADD, Actor, allows
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role
from ecosys.ecosystem.models import Region
from ecosys.partners.models import Partner, Program, Tier

from .models import Announcement, AnnouncementRead

MEMBER_ROLES = (Role.EXTERNAL_ADMIN, Role.EXTERNAL_MEMBER)


def audience(
    *, program: Program | None, tier: Tier | None, region: str, member_role: str
) -> QuerySet:
    """The partner members an announcement reaches (active partners' active members)."""
    partners = Partner.objects.exclude(state="retired")
    if program:
        partners = partners.filter(program=program)
    if tier:
        partners = partners.filter(tier=tier)
    if region:
        partners = partners.filter(organization__region=region)
    roles = [member_role] if member_role else list(MEMBER_ROLES)
    return Membership.objects.filter(
        organization__in=partners.values("organization"), role__in=roles, is_active=True
    ).select_related("user")


@transaction.atomic
def announcement_publish(
    *,
    actor: Actor,
    title: str,
    body: str,
    program: Program | None = None,
    tier: Tier | None = None,
    region: str = "",
    member_role: str = "",
) -> Announcement:
    """Publish to the targeted partner members: in their portal at once, and by e-mail."""
    if not actor.is_orchestrator or not allows(actor, ADD, Announcement):
        raise PermissionDenied("Only the orchestrator's staff publish announcements.")
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Give the announcement a title."
    if not (body or "").strip():
        errors["body"] = "Write the announcement."
    if region and region not in Region.values:
        errors["region"] = "Choose a region from the list."
    if member_role and member_role not in MEMBER_ROLES:
        errors["member_role"] = "Partner admins, partner members, or both."
    if tier and program and tier.program_id != program.pk:
        errors["tier"] = "The tier belongs to another programme."
    if errors:
        raise ValidationError(errors)
    members = list(audience(program=program, tier=tier, region=region, member_role=member_role))
    announcement = Announcement.objects.create(
        workspace=actor.workspace,
        title=title.strip(),
        body=body.strip(),
        program=program or (tier.program if tier else None),
        tier=tier,
        region=region,
        member_role=member_role,
        recipients=sorted({m.user_id for m in members}),
        published_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="publish",
        target=announcement,
        changes={"reach": [None, len(announcement.recipients)]},
    )
    messages = [
        (f"{actor.workspace.name}: {announcement.title}", announcement.body, None, [m.user.email])
        for m in members
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return announcement


def mark_read(*, actor: Actor, announcement: Announcement) -> None:
    if actor.user is not None and actor.user.pk in announcement.recipients:
        AnnouncementRead.objects.get_or_create(
            workspace=actor.workspace, announcement=announcement, user=actor.user
        )


def reach(announcement: Announcement) -> dict:
    delivered = len(announcement.recipients)
    read = announcement.reads.count()
    return {
        "delivered": delivered,
        "read": read,
        "percent": round(100 * read / delivered) if delivered else 0,
    }
