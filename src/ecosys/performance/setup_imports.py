"""Spreadsheet importers of the product catalogue and exchange rates; each row goes through
the services in setup.py (so a file is checked whole and written whole, or not at all)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ecosys.core.access import Actor
from ecosys.core.imports import Importer, register

from . import selectors_setup, setup
from .models import ExchangeRate, Product

PRODUCT_COLUMNS = ("sku", "name", "product_line")
RATE_COLUMNS = ("currency", "month", "rate")


def product_apply(actor: Actor, row: dict[str, str]) -> str:
    """A row updates the product with its SKU, or adds one; a product line named for the
    first time is created."""
    line_name = row.get("product_line", "").strip()
    if not line_name:
        raise ValidationError({"product_line": "Name the product line."})
    line = selectors_setup.product_line_by_name(actor=actor, name=line_name)
    if line is None:
        line = setup.product_line_create(actor=actor, name=line_name)
    fields = {"sku": row.get("sku", ""), "name": row.get("name", ""), "line": line}
    product = selectors_setup.product_by_sku(actor=actor, sku=fields["sku"])
    if product is None:
        setup.product_create(actor=actor, **fields)
        return "created"
    setup.product_update(actor=actor, product=product, **fields)
    return "updated"


def exchange_rate_apply(actor: Actor, row: dict[str, str]) -> str:
    _, created = setup.exchange_rate_set(
        actor=actor, currency=row.get("currency", ""), month=row.get("month", ""),
        rate=row.get("rate", ""),
    )  # fmt: skip
    return "created" if created else "updated"


def _rate_key(row: dict[str, str]):
    try:
        return (row.get("currency", "").strip().upper(), setup.month_clean(row.get("month", "")))
    except ValidationError:
        return None  # the row's own check reports the month


register(
    Importer(
        kind="products",
        label="Products",
        model=Product,
        columns=PRODUCT_COLUMNS,
        required=PRODUCT_COLUMNS,
        apply=product_apply,
        unique_key=lambda row: row.get("sku", "").strip().lower() or None,
    )
)
register(
    Importer(
        kind="exchange-rates",
        label="Exchange rates",
        model=ExchangeRate,
        columns=RATE_COLUMNS,
        required=RATE_COLUMNS,
        apply=exchange_rate_apply,
        unique_key=_rate_key,
    )
)
