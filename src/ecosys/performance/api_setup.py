"""Performance configuration API: channel settings, product lines and products, exchange
rates, scorecards."""

from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.partners import selectors as partner_selectors

from . import lists_setup, selectors_setup, setup
from .measures import measures
from .schemas_setup import (
    ChannelSettingsOut,
    ChannelSettingsPatch,
    ExchangeRateIn,
    ExchangeRateOut,
    MeasureChoiceOut,
    ProductIn,
    ProductLineIn,
    ProductLineOut,
    ProductOut,
    ScorecardIn,
    ScorecardOut,
)

router = Router(tags=["performance set-up"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


# -- channel settings ------------------------------------------------------------------------


def _settings_out(row) -> dict:
    return {
        "base_currency": row.base_currency,
        "warning_sensitivity": row.warning_sensitivity,
        "warning_recent_months": row.warning_recent_months,
        "warning_min_change": row.warning_min_change,
        "report_recipients": [line for line in row.report_recipients.splitlines() if line],
        "escalate_overdue_days": row.escalate_overdue_days,
        "escalate_stalled_days": row.escalate_stalled_days,
        "dirty_from": row.dirty_from,
        "computed_at": row.computed_at,
    }


@router.get("/performance/settings", response={200: ChannelSettingsOut, **ERRORS})
@access_rule("performance.channelsettings:view")
def perf_settings_get(request):
    """The channel settings: base currency, warnings, report recipients, escalation."""
    return _settings_out(selectors_setup.channel_settings_get(actor=request.auth))


@router.patch("/performance/settings", response={200: ChannelSettingsOut, **ERRORS})
@access_rule("performance.channelsettings:manage")
def perf_settings_update(request, payload: ChannelSettingsPatch):
    """Change some settings (orchestrator admin); a new base currency recomputes every month."""
    selectors_setup.channel_settings_get(actor=request.auth)
    fields = payload.dict(exclude_unset=True)
    if "report_recipients" in fields:
        fields["report_recipients"] = "\n".join(fields["report_recipients"] or [])
    for name, value in list(fields.items()):
        if value is None:
            raise ValidationError({name: "This field cannot be empty."})
    return _settings_out(setup.settings_update(actor=request.auth, **fields))


# -- product lines ---------------------------------------------------------------------------


def _line_out(line) -> dict:
    return {
        "id": line.public_id,
        "name": line.name,
        "description": line.description,
        "product_count": getattr(line, "product_count", 0),
    }


@router.get("/performance/product-lines", response={200: Page[ProductLineOut], **ERRORS})
@access_rule("performance.productline:view")
def product_line_list(request):
    """Product lines. Filter: empty (true/false); q; sort (name, products)."""
    rows = list_apply(
        selectors_setup.product_line_list(actor=request.auth),
        request.GET,
        lists_setup.PRODUCT_LINES,
    ).queryset
    return paginate(request, rows, _line_out)


@router.post("/performance/product-lines", response={201: ProductLineOut, **ERRORS})
@access_rule("performance.productline:add")
def product_line_create(request, payload: ProductLineIn):
    selectors_setup.product_line_list(actor=request.auth)
    line = setup.product_line_create(actor=request.auth, **payload.dict())
    return Status(201, _line_out(line))


@router.get("/performance/product-lines/{line_id}", response={200: ProductLineOut, **ERRORS})
@access_rule("performance.productline:view")
def product_line_get(request, line_id: UUID):
    return _line_out(selectors_setup.product_line_get(actor=request.auth, public_id=line_id))


@router.put("/performance/product-lines/{line_id}", response={200: ProductLineOut, **ERRORS})
@access_rule("performance.productline:change")
def product_line_update(request, line_id: UUID, payload: ProductLineIn):
    actor = request.auth
    line = selectors_setup.product_line_get(actor=actor, public_id=line_id, action=CHANGE)
    setup.product_line_update(actor=actor, line=line, **payload.dict())
    return _line_out(selectors_setup.product_line_get(actor=actor, public_id=line_id))


@router.delete("/performance/product-lines/{line_id}", response={204: None, **ERRORS})
@access_rule("performance.productline:delete")
def product_line_delete(request, line_id: UUID):
    """Delete an empty product line (a line with products is refused, 422)."""
    actor = request.auth
    line = selectors_setup.product_line_get(actor=actor, public_id=line_id, action=DELETE)
    setup.product_line_delete(actor=actor, line=line)
    return Status(204, None)


# -- products --------------------------------------------------------------------------------


def _product_out(product) -> dict:
    return {
        "id": product.public_id,
        "sku": product.sku,
        "name": product.name,
        "product_line": {"id": product.line.public_id, "name": product.line.name},
    }


def _line_for(actor, line_id: UUID):
    line = selectors_setup.product_line_list(actor=actor).filter(public_id=line_id).first()
    if line is None:
        raise ValidationError({"product_line_id": "No product line has this id."})
    return line


@router.get("/performance/products", response={200: Page[ProductOut], **ERRORS})
@access_rule("performance.product:view")
def product_list(request):
    """Products. Filter: line (name); q (SKU, name, line); sort (sku, name, product_line)."""
    rows = list_apply(
        selectors_setup.product_list(actor=request.auth), request.GET, lists_setup.PRODUCTS
    ).queryset
    return paginate(request, rows, _product_out)


@router.post("/performance/products", response={201: ProductOut, **ERRORS})
@access_rule("performance.product:add")
def product_create(request, payload: ProductIn):
    actor = request.auth
    data = payload.dict()
    line = _line_for(actor, data.pop("product_line_id"))
    return Status(201, _product_out(setup.product_create(actor=actor, line=line, **data)))


@router.get("/performance/products/{product_id}", response={200: ProductOut, **ERRORS})
@access_rule("performance.product:view")
def product_get(request, product_id: UUID):
    return _product_out(selectors_setup.product_get(actor=request.auth, public_id=product_id))


@router.put("/performance/products/{product_id}", response={200: ProductOut, **ERRORS})
@access_rule("performance.product:change")
def product_update(request, product_id: UUID, payload: ProductIn):
    actor = request.auth
    product = selectors_setup.product_get(actor=actor, public_id=product_id, action=CHANGE)
    data = payload.dict()
    line = _line_for(actor, data.pop("product_line_id"))
    return _product_out(setup.product_update(actor=actor, product=product, line=line, **data))


@router.delete("/performance/products/{product_id}", response={204: None, **ERRORS})
@access_rule("performance.product:delete")
def product_delete(request, product_id: UUID):
    actor = request.auth
    product = selectors_setup.product_get(actor=actor, public_id=product_id, action=DELETE)
    setup.product_delete(actor=actor, product=product)
    return Status(204, None)


# -- exchange rates --------------------------------------------------------------------------


def _rate_out(rate, created: bool | None = None) -> dict:
    return {
        "id": rate.public_id,
        "currency": rate.currency,
        "month": rate.month,
        "rate": rate.rate,
        "created": created,
    }


@router.get("/performance/exchange-rates", response={200: Page[ExchangeRateOut], **ERRORS})
@access_rule("performance.exchangerate:view")
def exchange_rate_list(request):
    """Exchange rates to the base currency. Filters: currency, month (YYYY-MM); sort (-month)."""
    rows = list_apply(
        selectors_setup.exchange_rate_list(actor=request.auth),
        request.GET,
        lists_setup.EXCHANGE_RATES,
    ).queryset
    return paginate(request, rows, _rate_out)


@router.put(
    "/performance/exchange-rates", response={200: ExchangeRateOut, 201: ExchangeRateOut, **ERRORS}
)
@access_rule("performance.exchangerate:add")
def exchange_rate_set(request, payload: ExchangeRateIn):
    """Set the rate of a currency for a month (replacing one already set: 200, else 201);
    scores from that month on are recomputed."""
    actor = request.auth
    selectors_setup.exchange_rate_list(actor=actor)
    rate, created = setup.exchange_rate_set(actor=actor, **payload.dict())
    return Status(201 if created else 200, _rate_out(rate, created))


@router.get("/performance/exchange-rates/{rate_id}", response={200: ExchangeRateOut, **ERRORS})
@access_rule("performance.exchangerate:view")
def exchange_rate_get(request, rate_id: UUID):
    return _rate_out(selectors_setup.exchange_rate_get(actor=request.auth, public_id=rate_id))


@router.delete("/performance/exchange-rates/{rate_id}", response={204: None, **ERRORS})
@access_rule("performance.exchangerate:delete")
def exchange_rate_delete(request, rate_id: UUID):
    """Delete a rate; scores from its month on are recomputed."""
    actor = request.auth
    rate = selectors_setup.exchange_rate_get(actor=actor, public_id=rate_id, action=DELETE)
    setup.exchange_rate_delete(actor=actor, rate=rate)
    return Status(204, None)


# -- scorecards ------------------------------------------------------------------------------


def _scorecard_out(scorecard, counts) -> dict:
    known = measures()
    rows = list(scorecard.measures.all())
    total = sum(row.weight for row in rows)
    return {
        "id": scorecard.public_id,
        "name": scorecard.name,
        "description": scorecard.description,
        "program": {"id": scorecard.program.public_id, "name": scorecard.program.name}
        if scorecard.program_id
        else None,
        "tier": {"id": scorecard.tier.public_id, "name": scorecard.tier.name}
        if scorecard.tier_id
        else None,
        "region": scorecard.region,
        "is_default": scorecard.is_default,
        "applies_to": lists_setup._applies_to(scorecard),
        "bands": scorecard.bands,
        "measures": [
            {
                "measure": row.measure,
                "label": known[row.measure].label if row.measure in known else row.measure,
                "weight": row.weight,
                "method": row.method,
                "target": row.target,
                "share": round(100 * row.weight / total, 1) if total else 0.0,
            }
            for row in rows
        ],
        "weight_total": total,
        "partner_count": counts.get(scorecard.pk, 0) if counts is not None else None,
    }


def _counts(actor):
    return selectors_setup.scorecard_partner_counts(actor=actor) if actor.is_orchestrator else None


def _scope_objects(actor, data: dict) -> dict:
    """Program and tier ids to rows the actor can see; an unknown id names its field."""
    program_id, tier_id = data.pop("program_id"), data.pop("tier_id")
    data["program"] = data["tier"] = None
    if program_id:
        data["program"] = (
            partner_selectors.program_list(actor=actor).filter(public_id=program_id).first()
        )
        if data["program"] is None:
            raise ValidationError({"program_id": "No programme has this id."})
    if tier_id:
        data["tier"] = partner_selectors.tier_list(actor=actor).filter(public_id=tier_id).first()
        if data["tier"] is None:
            raise ValidationError({"tier_id": "No tier has this id."})
    if data.get("bands") is not None:
        data["bands"] = [dict(band) for band in data["bands"]]
    data["measures"] = [dict(row) for row in data["measures"]]
    return data


@router.get("/performance/scorecards", response={200: Page[ScorecardOut], **ERRORS})
@access_rule("performance.scorecard:view")
def scorecard_list(request):
    """Scorecards. Filters: region, is_default; q; sort (name). Partners see them too."""
    actor = request.auth
    rows = list_apply(
        selectors_setup.scorecard_list(actor=actor), request.GET, lists_setup.SCORECARDS
    ).queryset
    counts = _counts(actor)
    return paginate(request, rows, lambda scorecard: _scorecard_out(scorecard, counts))


@router.get("/performance/scorecard-measures", response={200: list[MeasureChoiceOut], **ERRORS})
@access_rule("performance.scorecard:view")
def scorecard_measure_list(request):
    """The measures a scorecard can weigh (the measure registry)."""
    return [
        {"code": m.code, "label": m.label, "unit": m.unit, "channel": m.channel}
        for m in measures().values()
    ]


@router.post("/performance/scorecards", response={201: ScorecardOut, **ERRORS})
@access_rule("performance.scorecard:add")
def scorecard_create(request, payload: ScorecardIn):
    """A scorecard: weighted measures, colour bands, and the partners it applies to."""
    actor = request.auth
    scorecard = setup.scorecard_save(actor=actor, **_scope_objects(actor, payload.dict()))
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=scorecard.public_id)
    return Status(201, _scorecard_out(scorecard, _counts(actor)))


@router.get("/performance/scorecards/{scorecard_id}", response={200: ScorecardOut, **ERRORS})
@access_rule("performance.scorecard:view")
def scorecard_get(request, scorecard_id: UUID):
    actor = request.auth
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=scorecard_id)
    return _scorecard_out(scorecard, _counts(actor))


@router.put("/performance/scorecards/{scorecard_id}", response={200: ScorecardOut, **ERRORS})
@access_rule("performance.scorecard:change")
def scorecard_update(request, scorecard_id: UUID, payload: ScorecardIn):
    """Replace a scorecard; every score is recomputed at the next run."""
    actor = request.auth
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=scorecard_id, action=CHANGE)
    setup.scorecard_save(actor=actor, scorecard=scorecard, **_scope_objects(actor, payload.dict()))
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=scorecard_id)
    return _scorecard_out(scorecard, _counts(actor))


@router.delete("/performance/scorecards/{scorecard_id}", response={204: None, **ERRORS})
@access_rule("performance.scorecard:delete")
def scorecard_delete(request, scorecard_id: UUID):
    """Delete a scorecard (not the default); its partners move to the next match."""
    actor = request.auth
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=scorecard_id, action=DELETE)
    setup.scorecard_delete(actor=actor, scorecard=scorecard)
    return Status(204, None)
