"""Pages of the performance configuration: channel settings, product lines and products,
exchange rates, scorecards."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, DELETE, MANAGE, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.ecosystem.models import Region
from ecosys.partners import selectors as partner_selectors

from . import lists_setup, selectors_setup, setup
from .forms_setup import (
    ChannelSettingsForm,
    ExchangeRateForm,
    ProductForm,
    ProductLineForm,
    ScorecardForm,
)
from .measures import DEFAULT_BANDS, measure_choices, measures
from .models import ExchangeRate, NormaliseMethod, Product, ProductLine, Scorecard

NS = "performance_setup"


def _url(name: str, *args) -> str:
    return reverse(f"{NS}:{name}", args=args)


def _form_page(request, form, *, title, cancel, delete_url=None, intro=""):
    return render(
        request,
        "performance/setup/form.html",
        {"form": form, "title": title, "cancel": cancel, "delete_url": delete_url, "intro": intro},
    )


def _error_message(request, error: Exception) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


# -- channel settings ------------------------------------------------------------------------


@page("performance.channelsettings:view")
def settings_edit(request):
    actor = request.actor
    row = selectors_setup.channel_settings_get(actor=actor)
    can_manage = allows(actor, MANAGE, type(row))
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Only an orchestrator admin changes the channel settings.")
    form = ChannelSettingsForm(request.POST or None, instance=row)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        old_currency = row.base_currency
        saved = apply_service(
            form,
            lambda: setup.settings_update(
                actor=actor, **{name: form.cleaned_data[name] for name in setup.SETTINGS_FIELDS}
            ),
        )
        if saved is not None:
            note = (
                f" Revenue is now reported in {saved.base_currency}; every month is recomputed "
                "at the next run."
                if saved.base_currency != old_currency
                else ""
            )
            messages.success(request, "Channel settings saved." + note)
            return redirect(f"{NS}:settings")
    return render(
        request,
        "performance/setup/settings.html",
        {"form": form, "row": row, "can_manage": can_manage, "title": "Channel settings"},
    )


# -- product lines ---------------------------------------------------------------------------


@page("performance.productline:view")
def product_line_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_setup.PRODUCT_LINES,
        queryset=selectors_setup.product_line_list(actor=actor),
        template="performance/setup/list.html",
        context={
            "title": "Product lines",
            "can_add": allows(actor, ADD, ProductLine),
            "new_url": _url("product-line-create"),
            "new_label": "New product line",
        },
        detail_url=detail_url(f"{NS}:product-line-edit"),
    )


@page("performance.productline:add")
def product_line_create(request):
    selectors_setup.product_line_list(actor=request.actor)  # orchestrator only
    form = ProductLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        line = apply_service(
            form, lambda: setup.product_line_create(actor=request.actor, **form.cleaned_data)
        )
        if line is not None:
            messages.success(request, f"Product line “{line}” created.")
            return redirect(f"{NS}:product-line-list")
    return _form_page(request, form, title="New product line", cancel=_url("product-line-list"))


@page("performance.productline:view")
def product_line_edit(request, public_id):
    actor = request.actor
    line = selectors_setup.product_line_get(actor=actor, public_id=public_id)
    if request.method == "POST" and not allows(actor, CHANGE, ProductLine):
        raise PermissionDenied("Your role may not change product lines.")
    form = ProductLineForm(
        request.POST or None, initial={"name": line.name, "description": line.description}
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: setup.product_line_update(actor=actor, line=line, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, "Changes saved.")
            return redirect(f"{NS}:product-line-list")
    products = reverse(f"{NS}:product-list") + f"?line={line.name}"
    return _form_page(
        request,
        form,
        title=f"Product line {line}",
        cancel=_url("product-line-list"),
        delete_url=_url("product-line-delete", line.public_id)
        if allows(actor, DELETE, ProductLine)
        else None,
        intro=f'<a href="{products}">{line.product_count} product(s)</a> in this line.',
    )


@require_POST
@page("performance.productline:delete")
def product_line_delete(request, public_id):
    actor = request.actor
    line = selectors_setup.product_line_get(actor=actor, public_id=public_id, action=DELETE)
    try:
        setup.product_line_delete(actor=actor, line=line)
    except ValidationError as error:
        _error_message(request, error)
        return redirect(f"{NS}:product-line-edit", line.public_id)
    messages.success(request, f"Product line “{line}” deleted.")
    return redirect(f"{NS}:product-line-list")


# -- products --------------------------------------------------------------------------------


@page("performance.product:view")
def product_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_setup.PRODUCTS,
        queryset=selectors_setup.product_list(actor=actor),
        template="performance/setup/list.html",
        context={
            "title": "Products",
            "can_add": allows(actor, ADD, Product),
            "new_url": _url("product-create"),
            "new_label": "New product",
            "import_kind": "products",
        },
        detail_url=detail_url(f"{NS}:product-edit"),
    )


def _product_form(request, product=None):
    lines = selectors_setup.product_line_list(actor=request.actor).order_by("name")
    initial = (
        {"sku": product.sku, "name": product.name, "line": product.line.public_id}
        if product
        else {}
    )
    return ProductForm(request.POST or None, lines=lines, initial=initial)


@page("performance.product:add")
def product_create(request):
    form = _product_form(request)
    if request.method == "POST" and form.is_valid():
        product = apply_service(
            form, lambda: setup.product_create(actor=request.actor, **form.cleaned_data)
        )
        if product is not None:
            messages.success(request, f"Product “{product}” created.")
            return redirect(f"{NS}:product-list")
    return _form_page(request, form, title="New product", cancel=_url("product-list"))


@page("performance.product:view")
def product_edit(request, public_id):
    actor = request.actor
    product = selectors_setup.product_get(actor=actor, public_id=public_id)
    if request.method == "POST" and not allows(actor, CHANGE, Product):
        raise PermissionDenied("Your role may not change products.")
    form = _product_form(request, product)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: setup.product_update(actor=actor, product=product, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, "Changes saved.")
            return redirect(f"{NS}:product-list")
    return _form_page(
        request,
        form,
        title=f"Product {product.sku}",
        cancel=_url("product-list"),
        delete_url=_url("product-delete", product.public_id)
        if allows(actor, DELETE, Product)
        else None,
    )


@require_POST
@page("performance.product:delete")
def product_delete(request, public_id):
    actor = request.actor
    product = selectors_setup.product_get(actor=actor, public_id=public_id, action=DELETE)
    setup.product_delete(actor=actor, product=product)
    messages.success(request, f"Product “{product}” deleted.")
    return redirect(f"{NS}:product-list")


# -- exchange rates --------------------------------------------------------------------------


@page("performance.exchangerate:view")
def exchange_rate_list(request):
    actor = request.actor
    base = selectors_setup.channel_settings_get(actor=actor).base_currency
    return list_response(
        request,
        spec=lists_setup.EXCHANGE_RATES,
        queryset=selectors_setup.exchange_rate_list(actor=actor),
        template="performance/setup/list.html",
        context={
            "title": "Exchange rates",
            "can_add": allows(actor, ADD, ExchangeRate),
            "new_url": _url("exchange-rate-set"),
            "new_label": "Set a rate",
            "import_kind": "exchange-rates",
            "intro": f"What one unit of each currency is worth in {base}, the base currency, "
            "month by month. Setting or deleting a rate recomputes scores from that month on.",
        },
        detail_url=detail_url(f"{NS}:exchange-rate-edit"),
    )


def _rate_page(request, *, initial, rate=None):
    actor = request.actor
    form = ExchangeRateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: setup.exchange_rate_set(actor=actor, **form.cleaned_data)
        )
        if saved is not None:
            row, created = saved
            messages.success(
                request, f"Rate {'set' if created else 'changed'}: {row}. Scores from "
                f"{row.month:%Y-%m} on are recomputed at the next run."
            )  # fmt: skip
            return redirect(f"{NS}:exchange-rate-list")
    base = selectors_setup.channel_settings_get(actor=actor).base_currency
    return _form_page(
        request,
        form,
        title=f"Exchange rate {rate.currency} {rate.month:%Y-%m}"
        if rate
        else "Set an exchange rate",
        cancel=_url("exchange-rate-list"),
        delete_url=_url("exchange-rate-delete", rate.public_id)
        if rate and allows(actor, DELETE, ExchangeRate)
        else None,
        intro=f"The base currency is {base}. A rate already set for the same currency and "
        "month is replaced.",
    )


@page("performance.exchangerate:add")
def exchange_rate_set(request):
    selectors_setup.exchange_rate_list(actor=request.actor)  # orchestrator only
    initial = {key: request.GET[key] for key in ("currency", "month") if request.GET.get(key)}
    return _rate_page(request, initial=initial)


@page("performance.exchangerate:view")
def exchange_rate_edit(request, public_id):
    actor = request.actor
    rate = selectors_setup.exchange_rate_get(actor=actor, public_id=public_id)
    if request.method == "POST" and not allows(actor, CHANGE, ExchangeRate):
        raise PermissionDenied("Your role may not change exchange rates.")
    initial = {"currency": rate.currency, "month": f"{rate.month:%Y-%m}", "rate": rate.rate}
    return _rate_page(request, initial=initial, rate=rate)


@require_POST
@page("performance.exchangerate:delete")
def exchange_rate_delete(request, public_id):
    actor = request.actor
    rate = selectors_setup.exchange_rate_get(actor=actor, public_id=public_id, action=DELETE)
    setup.exchange_rate_delete(actor=actor, rate=rate)
    messages.success(
        request, f"Rate deleted: {rate}. Scores from {rate.month:%Y-%m} on are recomputed."
    )
    return redirect(f"{NS}:exchange-rate-list")


# -- scorecards ------------------------------------------------------------------------------


@page("performance.scorecard:view")
def scorecard_list(request):
    actor = request.actor
    scorecards = list(selectors_setup.scorecard_list(actor=actor).order_by("-is_default", "name"))
    counts = selectors_setup.scorecard_partner_counts(actor=actor, scorecards=scorecards)
    labels = dict(measure_choices())
    for scorecard in scorecards:
        scorecard.partner_count = counts.get(scorecard.pk, 0)
        scorecard.applies_to = lists_setup._applies_to(scorecard)
        scorecard.measure_rows = [
            (labels.get(m.measure, m.measure), m.weight) for m in scorecard.measures.all()
        ]
    return render(
        request,
        "performance/setup/scorecard_list.html",
        {
            "title": "Scorecards",
            "scorecards": scorecards,
            "can_add": actor.is_orchestrator and allows(actor, ADD, Scorecard),
            "show_counts": actor.is_orchestrator,
            "unmatched": counts.get(None, 0),
        },
    )


def _measure_rows(scorecard) -> list[dict]:
    known = measures()
    total = sum(m.weight for m in scorecard.measures.all()) or 1
    return [
        {
            "code": m.measure,
            "label": known[m.measure].label if m.measure in known else m.measure,
            "weight": m.weight,
            "share": round(100 * m.weight / total, 1),
            "method": m.get_method_display(),
            "target": m.target,
        }
        for m in scorecard.measures.all()
    ]


@page("performance.scorecard:view")
def scorecard_detail(request, public_id):
    actor = request.actor
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=public_id)
    partners = (
        selectors_setup.scorecard_partners(actor=actor).get(scorecard.pk, [])
        if actor.is_orchestrator
        else None
    )
    rows = _measure_rows(scorecard)
    return render(
        request,
        "performance/setup/scorecard_detail.html",
        {
            "title": scorecard.name,
            "scorecard": scorecard,
            "applies_to": lists_setup._applies_to(scorecard),
            "rows": rows,
            "total": sum(row["weight"] for row in rows),
            "partners": sorted(partners, key=lambda p: p.organization.name)[:200]
            if partners is not None
            else None,
            "partner_count": len(partners) if partners is not None else None,
            "can_change": actor.is_orchestrator and allows(actor, CHANGE, Scorecard),
            "can_delete": actor.is_orchestrator
            and allows(actor, DELETE, Scorecard)
            and not scorecard.is_default,
        },
    )


def _posted_rows(post, prefix: str, keys: tuple[str, ...]) -> list[dict]:
    columns = [post.getlist(f"{prefix}_{key}") for key in keys]
    return [
        dict(zip(keys, values, strict=True))
        for values in zip(*columns, strict=False)
        if any(str(value).strip() for value in values)
    ]


def _scorecard_rows_errors(errors: dict, prefix: str) -> dict[int, list[str]]:
    by_row: dict[int, list[str]] = {}
    for key, messages_ in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix:
            by_row.setdefault(int(parts[1]), []).extend(messages_)
    return by_row


@page("performance.scorecard:add")
def scorecard_edit(request, public_id=None):
    actor = request.actor
    scorecard = (
        selectors_setup.scorecard_get(actor=actor, public_id=public_id, action=CHANGE)
        if public_id
        else None
    )
    if not actor.is_orchestrator:
        raise PermissionDenied("Scorecards are set by the orchestrator.")
    programs = partner_selectors.program_list(actor=actor).order_by("name")
    tiers = partner_selectors.tier_list(actor=actor).order_by("program__name", "rank")
    initial = (
        {
            "name": scorecard.name,
            "description": scorecard.description,
            "program": scorecard.program.public_id if scorecard.program_id else None,
            "tier": scorecard.tier.public_id if scorecard.tier_id else None,
            "region": scorecard.region,
            "is_default": scorecard.is_default,
        }
        if scorecard
        else {}
    )
    form = ScorecardForm(request.POST or None, programs=programs, tiers=tiers, initial=initial)
    if scorecard:
        bands = [dict(band) for band in scorecard.bands] or [dict(b) for b in DEFAULT_BANDS]
        rows = [
            {"measure": m.measure, "weight": m.weight, "method": m.method, "target": m.target}
            for m in scorecard.measures.all()
        ]
    else:
        bands = [dict(band) for band in DEFAULT_BANDS]
        rows = [{"measure": "revenue", "weight": 50, "method": "percentile", "target": None}]
    errors: dict = {}
    if request.method == "POST":
        bands = _posted_rows(request.POST, "band", ("name", "min", "colour"))
        rows = _posted_rows(request.POST, "measure", ("measure", "weight", "method", "target"))
        if form.is_valid():
            try:
                saved = setup.scorecard_save(
                    actor=actor, scorecard=scorecard, bands=bands, measures=rows,
                    **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as error:
                errors = error.message_dict if hasattr(error, "error_dict") else {
                    "__all__": error.messages
                }  # fmt: skip
                for field, messages_ in errors.items():
                    if field in form.fields:
                        for message in messages_:
                            form.add_error(field, message)
            else:
                messages.success(
                    request,
                    f"Scorecard “{saved}” saved; every partner's score is recomputed at the "
                    "next run.",
                )
                return redirect(f"{NS}:scorecard-detail", saved.public_id)
    band_errors = _scorecard_rows_errors(errors, "bands")
    measure_errors = _scorecard_rows_errors(errors, "measures")
    other_errors = [
        message
        for key, messages_ in errors.items()
        if key not in form.fields and key.count(".") != 2
        for message in messages_
    ]
    blank_bands = max(0, setup.MAX_BANDS - len(bands))
    return render(
        request,
        "performance/setup/scorecard_form.html",
        {
            "title": f"Edit {scorecard}" if scorecard else "New scorecard",
            "form": form,
            "scorecard": scorecard,
            "bands": [
                {**band, "number": number, "errors": band_errors.get(number, [])}
                for number, band in enumerate(
                    bands + [{"name": "", "min": "", "colour": "#888888"}] * blank_bands, start=1
                )
            ],
            "rows": [
                {**row, "number": number, "errors": measure_errors.get(number, [])}
                for number, row in enumerate(
                    rows
                    + [{"measure": "", "weight": "", "method": "percentile", "target": ""}] * 3,
                    start=1,
                )
            ],
            "other_errors": other_errors,
            "measure_choices": measure_choices(),
            "methods": NormaliseMethod.choices,
            "regions": Region.choices,
            "cancel": _url("scorecard-detail", scorecard.public_id)
            if scorecard
            else _url("scorecard-list"),
        },
    )


@require_POST
@page("performance.scorecard:delete")
def scorecard_delete(request, public_id):
    actor = request.actor
    scorecard = selectors_setup.scorecard_get(actor=actor, public_id=public_id, action=DELETE)
    try:
        setup.scorecard_delete(actor=actor, scorecard=scorecard)
    except ValidationError as error:
        _error_message(request, error)
        return redirect(f"{NS}:scorecard-detail", scorecard.public_id)
    messages.success(
        request, f"Scorecard “{scorecard}” deleted; its partners move to the next match."
    )
    return redirect(f"{NS}:scorecard-list")
