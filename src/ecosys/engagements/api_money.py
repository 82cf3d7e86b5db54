"""Engagements API: money — commercial terms, time entries and their approval, settlements
(generate, issue, accept or dispute, CSV and PDF), and joint ventures."""

from uuid import UUID

from django.http import Http404
from ninja import Router, Status

from ecosys.core.access import CHANGE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get, person_get

from . import exports_money, lists_money
from . import selectors_money as selectors
from . import services_money as services
from .schemas_money import (
    SettlementDecisionIn,
    SettlementDetailOut,
    SettlementGenerateIn,
    SettlementOut,
    TermsIn,
    TermsOut,
    TimeDecisionIn,
    TimeEntryIn,
    TimeEntryOut,
    VentureContributionIn,
    VentureDistributeIn,
    VentureOut,
    VentureSharesIn,
)

router = Router(tags=["engagements"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}
WRITE_ERRORS = ERRORS


def terms_out(terms) -> dict:
    return {
        "id": terms.public_id,
        "engagement_id": terms.engagement.public_id,
        **{
            name: getattr(terms, name)
            for name in (
                "model",
                "currency",
                "period",
                "fee",
                "included_hours",
                "overage_rate",
                "included_people",
                "person_overage_rate",
                "share",
                "floor",
                "cap",
                "settle_on_lower_bound",
                "schedule",
                "rates",
                "updated_at",
            )
        },  # fmt: skip
    }


def time_entry_out(entry) -> dict:
    return {
        "id": entry.public_id,
        "engagement_id": entry.engagement.public_id,
        "person_id": entry.person.public_id,
        "person": str(entry.person),
        "work_date": entry.work_date,
        "hours": entry.hours,
        "note": entry.note,
        "status": entry.status,
        "decided_by": entry.decided_by.email if entry.decided_by_id else None,
        "decided_at": entry.decided_at,
        "decision_reason": entry.decision_reason,
        "created_at": entry.created_at,
    }


def settlement_out(settlement) -> dict:
    return {
        "id": settlement.public_id,
        "engagement_id": settlement.engagement.public_id,
        "engagement": settlement.engagement.title,
        "customer": settlement.engagement.customer.name,
        **{
            name: getattr(settlement, name)
            for name in (
                "period_start",
                "period_end",
                "model",
                "currency",
                "total",
                "status",
                "issued_at",
                "customer_comment",
                "decided_at",
            )
        },  # fmt: skip
    }


def settlement_detail_out(settlement) -> dict:
    check = selectors.settlement_check(settlement)
    return {
        **settlement_out(settlement),
        "lines": settlement.lines,
        "schedule": settlement.schedule,
        "inputs": settlement.inputs,
        "inputs_hash": settlement.inputs_hash,
        "recomputed_total": check.get("total"),
        "recomputed_matches": check["ok"],
    }


def venture_out(actor, engagement) -> dict:
    return {
        "owners": [
            {
                "organization_id": row["organization"].public_id,
                "organization": row["organization"].name,
                "share": row["share"],
                "contributed_money": row["money"],
                "contributed_in_kind": row["in_kind"],
                "hours_in_kind": row["hours"],
                "distributed": row["distributed"],
            }
            for row in selectors.venture_summary(actor=actor, engagement=engagement)
        ],
        "contributions": [
            {
                "id": row.public_id,
                "organization_id": row.organization.public_id,
                "organization": row.organization.name,
                **{
                    name: getattr(row, name)
                    for name in (
                        "kind",
                        "amount",
                        "hours",
                        "rate",
                        "currency",
                        "contributed_on",
                        "note",
                    )
                },
            }
            for row in selectors.venture_contribution_list(actor=actor, engagement=engagement)
        ],
        "distributions": [
            {
                "id": row.public_id,
                **{
                    name: getattr(row, name)
                    for name in (
                        "period_start",
                        "period_end",
                        "result",
                        "currency",
                        "lines",
                        "inputs_hash",
                    )
                },
            }
            for row in selectors.venture_distribution_list(actor=actor, engagement=engagement)
        ],
    }


# -- terms -------------------------------------------------------------------------------------


@router.get("/engagements/{engagement_id}/terms", response={200: TermsOut, **ERRORS})
@access_rule("engagements.commercialterms:view")
def engagement_terms_get(request, engagement_id: UUID):
    """The engagement's commercial terms (404 when none are set)."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    terms = selectors.terms_get(actor=request.auth, engagement=engagement)
    if terms is None:
        raise Http404("No commercial terms are set for this engagement.")
    return terms_out(terms)


@router.put("/engagements/{engagement_id}/terms", response={200: TermsOut, **WRITE_ERRORS})
@access_rule("engagements.commercialterms:add")
def engagement_terms_set(request, engagement_id: UUID, payload: TermsIn):
    """Set the terms: share 0..1, floor ≤ cap, schedule fractions adding up to 1, an overage
    rate with included hours; refused as a whole with field errors otherwise."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    data = payload.dict()
    data["schedule"] = [
        {"due_date": row["due_date"].isoformat(), "fraction": row["fraction"]}
        for row in data["schedule"]
    ]
    terms = services.terms_set(actor=request.auth, engagement=engagement, **data)
    return terms_out(terms)


# -- time --------------------------------------------------------------------------------------


@router.get(
    "/engagements/{engagement_id}/time-entries", response={200: Page[TimeEntryOut], **ERRORS}
)
@access_rule("engagements.timeentry:view")
def time_entry_list(request, engagement_id: UUID):
    """Time recorded on the engagement. Filters: status, person, date_from, date_to; q; sort."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    rows = list_apply(
        selectors.time_entry_list(actor=request.auth, engagement=engagement),
        request.GET,
        lists_money.TIME_ENTRIES,
    ).queryset
    return paginate(request, rows, time_entry_out)


@router.get("/engagements/{engagement_id}/time-entries/export", response={200: None, **ERRORS})
@access_rule("engagements.timeentry:view")
def time_entry_export(request, engagement_id: UUID, format: str = "csv"):  # noqa: A002
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    rows = list_apply(
        selectors.time_entry_list(actor=request.auth, engagement=engagement),
        request.GET,
        lists_money.TIME_ENTRIES,
    ).queryset
    return export_response(rows, lists_money.TIME_ENTRIES, format)


@router.post(
    "/engagements/{engagement_id}/time-entries", response={201: TimeEntryOut, **WRITE_ERRORS}
)
@access_rule("engagements.timeentry:add")
def time_entry_add(request, engagement_id: UUID, payload: TimeEntryIn):
    """Record hours of a person on the engagement; refused on a closed period."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id)
    data = payload.dict()
    data["person"] = person_get(actor=actor, public_id=data.pop("person_id"))
    entry = services.time_entry_add(actor=actor, engagement=engagement, **data)
    return Status(201, time_entry_out(entry))


@router.post("/time-entries/{time_entry_id}/decision", response={200: TimeEntryOut, **WRITE_ERRORS})
@access_rule("engagements.timeentry:change")
def time_entry_decide(request, time_entry_id: UUID, payload: TimeDecisionIn):
    """The engagement lead approves or rejects (with a reason) an entry."""
    actor = request.auth
    entry = selectors.time_entry_get(actor=actor, public_id=time_entry_id)
    entry = services.time_entry_decide(actor=actor, entry=entry, **payload.dict())
    return time_entry_out(entry)


# -- settlements -------------------------------------------------------------------------------


def _settlements(request, engagement_id: UUID | None):
    engagement = (
        selectors.engagement_get(actor=request.auth, public_id=engagement_id)
        if engagement_id
        else None
    )
    return list_apply(
        selectors.settlement_list(actor=request.auth, engagement=engagement),
        request.GET,
        lists_money.SETTLEMENTS,
    ).queryset


@router.get("/settlements", response={200: Page[SettlementOut], **ERRORS})
@access_rule("engagements.settlement:view")
def settlement_list(request, engagement_id: UUID | None = None):
    """Settlements you can see (a customer: its own, issued ones). Filters: engagement_id,
    status, model, currency, period_from, period_to; q; sort."""
    return paginate(request, _settlements(request, engagement_id), settlement_out)


@router.get("/settlements/export", response={200: None, **ERRORS})
@access_rule("engagements.settlement:view")
def settlement_export(request, engagement_id: UUID | None = None, format: str = "csv"):  # noqa: A002
    return export_response(_settlements(request, engagement_id), lists_money.SETTLEMENTS, format)


@router.post(
    "/engagements/{engagement_id}/settlements", response={201: SettlementDetailOut, **WRITE_ERRORS}
)
@access_rule("engagements.settlement:add")
def settlement_generate(request, engagement_id: UUID, payload: SettlementGenerateIn):
    """Compute the statement of the period holding `day` (gain sharing: the whole engagement)
    from the data; replaces a draft or disputed one, refused for an issued one."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    settlement = services.settlement_generate(
        actor=request.auth, engagement=engagement, day=payload.day
    )
    return Status(201, settlement_detail_out(settlement))


@router.get("/settlements/{settlement_id}", response={200: SettlementDetailOut, **ERRORS})
@access_rule("engagements.settlement:view")
def settlement_detail(request, settlement_id: UUID):
    """A statement with its lines, schedule, every input, and a recomputation check."""
    settlement = selectors.settlement_get(actor=request.auth, public_id=settlement_id)
    return settlement_detail_out(settlement)


@router.get("/settlements/{settlement_id}/csv", response={200: None, **ERRORS})
@access_rule("engagements.settlement:view")
def settlement_csv(request, settlement_id: UUID):
    return exports_money.settlement_csv(
        selectors.settlement_get(actor=request.auth, public_id=settlement_id)
    )


@router.get("/settlements/{settlement_id}/pdf", response={200: None, **ERRORS})
@access_rule("engagements.settlement:view")
def settlement_pdf(request, settlement_id: UUID):
    return exports_money.settlement_pdf(
        selectors.settlement_get(actor=request.auth, public_id=settlement_id)
    )


@router.post(
    "/settlements/{settlement_id}/issue", response={200: SettlementDetailOut, **WRITE_ERRORS}
)
@access_rule("engagements.settlement:add")
def settlement_issue(request, settlement_id: UUID):
    """Issue a draft to the customer (its admins are e-mailed); the period closes."""
    settlement = selectors.settlement_get(actor=request.auth, public_id=settlement_id)
    settlement = services.settlement_issue(actor=request.auth, settlement=settlement)
    return settlement_detail_out(settlement)


@router.post(
    "/settlements/{settlement_id}/decision", response={200: SettlementDetailOut, **WRITE_ERRORS}
)
@access_rule("engagements.settlement:change")
def settlement_decide(request, settlement_id: UUID, payload: SettlementDecisionIn):
    """The customer's admin accepts an issued statement or disputes it with a comment."""
    settlement = selectors.settlement_get(
        actor=request.auth, public_id=settlement_id, action=CHANGE
    )
    settlement = services.settlement_decide(
        actor=request.auth, settlement=settlement, **payload.dict()
    )
    return settlement_detail_out(settlement)


# -- joint venture -----------------------------------------------------------------------------


@router.get("/engagements/{engagement_id}/venture", response={200: VentureOut, **ERRORS})
@access_rule("engagements.ventureshare:view")
def venture_get(request, engagement_id: UUID):
    """Owners with shares, contributions and distributions so far; contributions and
    distributions in detail."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    return venture_out(request.auth, engagement)


@router.put(
    "/engagements/{engagement_id}/venture/shares", response={200: VentureOut, **WRITE_ERRORS}
)
@access_rule("engagements.ventureshare:add")
def venture_shares_set(request, engagement_id: UUID, payload: VentureSharesIn):
    """Replace the owners and shares (adding up to exactly 1; the customer among them)."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id)
    shares = [
        {
            "organization": organization_get(actor=actor, public_id=row.organization_id),
            "share": row.share,
        }
        for row in payload.shares
    ]
    services.venture_shares_set(actor=actor, engagement=engagement, shares=shares)
    return venture_out(actor, engagement)


@router.post(
    "/engagements/{engagement_id}/venture/contributions", response={201: VentureOut, **WRITE_ERRORS}
)
@access_rule("engagements.venturecontribution:add")
def venture_contribution_add(request, engagement_id: UUID, payload: VentureContributionIn):
    """An owner's contribution in money, or in kind (hours × rate)."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id)
    data = payload.dict()
    data["organization"] = organization_get(actor=actor, public_id=data.pop("organization_id"))
    services.venture_contribution_add(actor=actor, engagement=engagement, **data)
    return Status(201, venture_out(actor, engagement))


@router.post(
    "/engagements/{engagement_id}/venture/distributions", response={201: VentureOut, **WRITE_ERRORS}
)
@access_rule("engagements.venturedistribution:add")
def venture_distribute(request, engagement_id: UUID, payload: VentureDistributeIn):
    """Record a period's result and distribute it by share, to the cent."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id)
    services.venture_distribute(actor=actor, engagement=engagement, **payload.dict())
    return Status(201, venture_out(actor, engagement))
