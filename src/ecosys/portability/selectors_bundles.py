"""Reads of exit bundle jobs: the requester's organisation and the orchestrator see them."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from ecosys.core.access import Actor, get_visible, restrict

from .jobs import may_see_bundles
from .models import BundleJob

RELATED = ("organization", "requested_by", "requester_organization")


def _may_see(actor: Actor) -> None:
    if not may_see_bundles(actor):
        raise PermissionDenied("Only the orchestrator and an organisation's admins see bundles.")


def bundle_job_list(*, actor: Actor) -> QuerySet:
    _may_see(actor)
    return restrict(BundleJob.objects.select_related(*RELATED), actor)


def bundle_job_get(*, actor: Actor, public_id) -> BundleJob:
    _may_see(actor)
    return get_visible(BundleJob.objects.select_related(*RELATED), actor, public_id=public_id)
