"""Deal registration API: list, export, submit, decide (conflict rule), close."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Router, Status

from ecosys.core.access import CHANGE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get
from ecosys.partners.selectors import partner_get

from . import lists, selectors, services
from .models import OPEN_STATUSES
from .schemas import DealCloseIn, DealDecisionIn, DealDetailOut, DealIn, DealOut

router = Router(tags=["deals"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


def deal_out(deal) -> dict:
    return {
        "id": deal.public_id,
        "partner_id": deal.partner.public_id,
        "partner": deal.partner.organization.name,
        "customer_id": deal.customer.public_id if deal.customer_id else None,
        **{
            name: getattr(deal, name)
            for name in (
                "customer_name",
                "customer_domain",
                "title",
                "description",
                "estimated_value",
                "currency",
                "expected_close_date",
                "status",
                "decided_at",
                "decision_reason",
                "protection_until",
                "protection_basis",
                "closed_at",
                "created_at",
            )
        },  # fmt: skip
        "decided_by": deal.decided_by.email if deal.decided_by_id else None,
        "registered_by": deal.registered_by.email if deal.registered_by_id else None,
    }


def _detail_out(actor, deal) -> dict:
    deal = selectors.deal_get(actor=actor, public_id=deal.public_id)
    conflicts = (
        selectors.deal_conflict_list(actor=actor, deal=deal) if deal.status in OPEN_STATUSES else []
    )
    return {
        **deal_out(deal),
        "conflicts": [{**row, "id": row["public_id"]} for row in conflicts],
        "history": list(selectors.deal_history(actor=actor, deal=deal)),
    }


@router.get("/deals", response={200: Page[DealOut], **ERRORS})
@access_rule("selling.dealregistration:view")
def deal_list(request):
    """Deal registrations you can see (a partner: its own). Filters: status, partner, currency,
    close_after, close_before; q; sort (-created_at, expected_close_date, estimated_value…)."""
    rows = list_apply(
        selectors.deal_list(actor=request.auth), request.GET, lists.DEALS
    ).queryset.select_related("decided_by", "registered_by")
    return paginate(request, rows, deal_out)


@router.get("/deals/export", response={200: None, **ERRORS})
@access_rule("selling.dealregistration:view")
def deal_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    rows = list_apply(selectors.deal_list(actor=request.auth), request.GET, lists.DEALS).queryset
    return export_response(rows, lists.DEALS, format)


@router.get("/deals/{deal_id}", response={200: DealDetailOut, **ERRORS})
@access_rule("selling.dealregistration:view")
def deal_detail(request, deal_id: UUID):
    """One registration with its conflicts (while open) and its status history."""
    deal = selectors.deal_get(actor=request.auth, public_id=deal_id)
    return _detail_out(request.auth, deal)


@router.post("/deals", response={201: DealDetailOut, **ERRORS})
@access_rule("selling.dealregistration:add")
def deal_submit(request, payload: DealIn):
    """Register a deal: a partner admin for its own partner, the orchestrator's staff for any.
    The answer lists approved registrations it conflicts with."""
    actor = request.auth
    data = payload.dict()
    data["partner"] = partner_get(actor=actor, public_id=data.pop("partner_id"))
    customer_id = data.pop("customer_id")
    data["customer"] = organization_get(actor=actor, public_id=customer_id) if customer_id else None
    deal = services.deal_submit(actor=actor, **data)
    return Status(201, _detail_out(actor, deal))


@router.post("/deals/{deal_id}/decision", response={200: DealDetailOut, **ERRORS})
@access_rule("selling.dealregistration:change")
def deal_decide(request, deal_id: UUID, payload: DealDecisionIn):
    """Approve (refused while a conflicting registration is protected) or reject with a reason."""
    actor = request.auth
    deal = selectors.deal_get(actor=actor, public_id=deal_id)  # another partner's: 404
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff decide deal registrations.")
    deal = services.deal_decide(actor=actor, deal=deal, **payload.dict())
    return _detail_out(actor, deal)


@router.post("/deals/{deal_id}/close", response={200: DealDetailOut, **ERRORS})
@access_rule("selling.dealregistration:change")
def deal_close(request, deal_id: UUID, payload: DealCloseIn):
    """Record how an approved deal ended: won or lost (the orchestrator or the partner's admin)."""
    actor = request.auth
    deal = selectors.deal_get(actor=actor, public_id=deal_id, action=CHANGE)
    deal = services.deal_close(actor=actor, deal=deal, **payload.dict())
    return _detail_out(actor, deal)
