"""Figures of the engagement cycle as people write them: 11.94, not 11.9400."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def plain(value) -> str:
    """A decimal without trailing zeros or an exponent; empty values stay as they are."""
    if value is None or value == "":
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
