"""Reads of exit bundle jobs: the requester's organisation and the orchestrator see them."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from ecosys.core.access import Actor, get_visible, restrict

from .jobs import may_export, may_see_bundles
from .models import BundleJob

RELATED = ("organization", "engagement", "requested_by", "requester_organization")


def _may_see(actor: Actor) -> None:
    if not may_see_bundles(actor):
        raise PermissionDenied("Only the orchestrator and an organisation's admins see bundles.")


def bundle_job_list(*, actor: Actor) -> QuerySet:
    _may_see(actor)
    return restrict(BundleJob.objects.select_related(*RELATED), actor)


def bundle_job_get(*, actor: Actor, public_id) -> BundleJob:
    _may_see(actor)
    return get_visible(BundleJob.objects.select_related(*RELATED), actor, public_id=public_id)


def exportable_engagements(*, actor: Actor) -> QuerySet:
    """The engagements the actor may export: any for the orchestrator, those whose customer is
    the actor's organisation for its admin (an organisation only assigned to one: none)."""
    from ecosys.engagements.selectors_cycle import engagement_list

    if not may_export(actor):
        raise PermissionDenied("Only the orchestrator or an organisation's admin exports bundles.")
    rows = engagement_list(actor=actor)
    if not actor.is_orchestrator:
        rows = rows.filter(customer_id=actor.organization_id)
    return rows.order_by("title", "id")


def exportable_engagement_get(*, actor: Actor, public_id):
    """One engagement to export; 404 when it is not the actor's to export (or not visible)."""
    from ecosys.engagements.selectors_cycle import engagement_part_get

    if not may_export(actor):
        raise PermissionDenied("Only the orchestrator or an organisation's admin exports bundles.")
    return engagement_part_get(actor=actor, public_id=public_id)
