"""API operations of friendly separations (prefix separation_*)."""

from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Router, Status

from ecosys.core.access import access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get

from . import lists, selectors, services
from .schemas import (
    BundleDeliveryIn,
    BundleDeliveryOut,
    SeparationCancelIn,
    SeparationCompleteIn,
    SeparationDetailOut,
    SeparationIn,
    SeparationItemDecideIn,
    SeparationOut,
)

router = Router(tags=["separations"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


def separation_out(separation) -> dict:
    return {
        "id": separation.public_id,
        "organization": {
            "id": separation.organization.public_id,
            "name": separation.organization.name,
        },
        "partner_id": separation.partner.public_id if separation.partner else None,
        **{
            name: getattr(separation, name)
            for name in (
                "status", "started_by_side", "reason", "notice_days", "effective_date",
                "transition_end", "data_retrieval_until", "data_handling", "access_revoked_at",
                "closing_why", "closing_delivered", "closing_invitation", "completed_at",
            )
        },
    }  # fmt: skip


def delivery_out(delivery) -> dict:
    return {
        "id": delivery.public_id,
        "file_name": delivery.file_name,
        "sha256": delivery.sha256,
        "size_bytes": delivery.size_bytes,
        "delivered_at": delivery.delivered_at,
        "acknowledged_by": delivery.acknowledged_by.email if delivery.acknowledged_by else None,
        "acknowledged_at": delivery.acknowledged_at,
    }


def separation_detail_out(request, separation) -> dict:
    certificate = getattr(separation, "erasure", None)
    items = selectors.separation_items(actor=request.auth, separation=separation)
    return {
        **separation_out(separation),
        "items": [
            {
                "id": item.public_id,
                "kind": item.kind,
                "label": item.label,
                "target_type": item.target_type.model if item.target_type else None,
                "target_id": item.target_public_id,
                "decision": item.decision,
                "successor": str(item.successor) if item.successor else None,
                "note": item.note,
                "decided_by": item.decided_by.email if item.decided_by else None,
                "decided_at": item.decided_at,
            }
            for item in items
        ],
        "checklist": [step.__dict__ for step in services.checklist(separation)],
        "deliveries": [
            delivery_out(d) for d in separation.deliveries.select_related("acknowledged_by")
        ],
        "erasure": {
            "erased_at": certificate.erased_at,
            "erased_by": certificate.erased_by_label,
            "counts": certificate.counts,
            "bundle_sha256": certificate.bundle_sha256,
        }
        if certificate
        else None,
    }


def _separation(request, separation_id):
    return selectors.separation_get(actor=request.auth, public_id=separation_id)


@router.get("/separations", response={200: Page[SeparationOut], **ERRORS})
@access_rule("portability.separation:view")
def separation_list(request):
    """Separations you can see (an organisation: its own). Filters: status, started_by_side."""
    rows = list_apply(
        selectors.separation_list(actor=request.auth), request.GET, lists.SEPARATIONS
    ).queryset
    return paginate(request, rows, separation_out)


@router.post("/separations", response={201: SeparationDetailOut, **ERRORS})
@access_rule("portability.separation:add")
def separation_start(request, payload: SeparationIn):
    """Start a separation (the orchestrator, or the leaving organisation's admin)."""
    actor = request.auth
    data = payload.dict()
    organization_id = data.pop("organization_id")
    if organization_id is not None:
        organization = organization_get(actor=actor, public_id=organization_id)
    elif actor.membership is not None and not actor.is_orchestrator:
        organization = actor.membership.organization
    else:
        raise ValidationError({"organization_id": "Name the leaving organisation."})
    separation = services.separation_start(actor=actor, organization=organization, **data)
    return Status(201, separation_detail_out(request, _separation(request, separation.public_id)))


@router.get("/separations/{separation_id}", response={200: SeparationDetailOut, **ERRORS})
@access_rule("portability.separation:view")
def separation_detail(request, separation_id: UUID):
    """A separation with its plan, checklist, bundle deliveries and erasure certificate."""
    return separation_detail_out(request, _separation(request, separation_id))


@router.post(
    "/separation-items/{separation_item_id}/decision",
    response={200: SeparationDetailOut, **ERRORS},
)
@access_rule("portability.separation:change")
def separation_item_decide(request, separation_item_id: UUID, payload: SeparationItemDecideIn):
    """Decide one item of the plan: transfer, back to the orchestrator, close or revoke."""
    actor = request.auth
    item = selectors.separation_item_get(actor=actor, public_id=separation_item_id)
    successor = (
        organization_get(actor=actor, public_id=payload.successor_id)
        if payload.successor_id
        else None
    )
    services.separation_item_decide(
        actor=actor, item=item, decision=payload.decision, successor=successor, note=payload.note
    )
    return separation_detail_out(request, _separation(request, item.separation.public_id))


@router.post("/separations/{separation_id}/bundle", response={201: BundleDeliveryOut, **ERRORS})
@access_rule("portability.separation:change")
def separation_bundle_deliver(request, separation_id: UUID, payload: BundleDeliveryIn):
    """Record the exit bundle handed over: its file name, SHA-256 and size."""
    delivery = services.separation_bundle_deliver(
        actor=request.auth, separation=_separation(request, separation_id), **payload.dict()
    )
    return Status(201, delivery_out(delivery))


@router.post(
    "/separations/{separation_id}/bundle/production", response={201: BundleDeliveryOut, **ERRORS}
)
@access_rule("portability.separation:change")
def separation_bundle_produce(request, separation_id: UUID):
    """Export the organisation's own bundle (scope organization) and deliver it."""
    delivery = services.separation_bundle_produce(
        actor=request.auth, separation=_separation(request, separation_id)
    )
    return Status(201, delivery_out(delivery))


@router.post(
    "/separations/{separation_id}/bundle/acknowledgement",
    response={200: BundleDeliveryOut, **ERRORS},
)
@access_rule("portability.separation:change")
def separation_bundle_acknowledge(request, separation_id: UUID):
    """The leaving organisation's admin acknowledges the latest bundle."""
    delivery = services.separation_bundle_acknowledge(
        actor=request.auth, separation=_separation(request, separation_id)
    )
    return delivery_out(delivery)


@router.post("/separations/{separation_id}/erasure", response={200: SeparationDetailOut, **ERRORS})
@access_rule("portability.separation:change")
def separation_erase(request, separation_id: UUID):
    """Anonymise the leaving organisation's own personal data; answer with the certificate."""
    services.separation_erase(actor=request.auth, separation=_separation(request, separation_id))
    return separation_detail_out(request, _separation(request, separation_id))


@router.post(
    "/separations/{separation_id}/completion", response={200: SeparationDetailOut, **ERRORS}
)
@access_rule("portability.separation:change")
def separation_complete(request, separation_id: UUID, payload: SeparationCompleteIn):
    """Complete the separation with its closing record (refused while a step is open)."""
    services.separation_complete(
        actor=request.auth, separation=_separation(request, separation_id), **payload.dict()
    )
    return separation_detail_out(request, _separation(request, separation_id))


@router.post(
    "/separations/{separation_id}/cancellation", response={200: SeparationDetailOut, **ERRORS}
)
@access_rule("portability.separation:change")
def separation_cancel(request, separation_id: UUID, payload: SeparationCancelIn):
    """Call a planned separation off (either side), before its effective date."""
    services.separation_cancel(
        actor=request.auth, separation=_separation(request, separation_id), reason=payload.reason
    )
    return separation_detail_out(request, _separation(request, separation_id))
