"""Template helpers shared by every app."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


def _labels_for(model, name: str) -> tuple[str, dict]:
    """A field's human label and its choice labels (value -> label)."""
    extra = getattr(model, "audit_choices", {})
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    label = str(getattr(field, "verbose_name", "") or name.replace("_", " "))
    choices = dict(extra.get(name) or getattr(field, "flatchoices", None) or [])
    return label[:1].upper() + label[1:], {str(k): str(v) for k, v in choices.items()}


def _show(value, choices: dict):
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(choices.get(str(item), str(item)) for item in value) or "—"
    return choices.get(str(value), value) if value != "" else "—"


@register.simple_tag
def audit_changes(event) -> list[tuple[str, object, object]]:
    """An audit event's changes as (field label, before, after) with choice labels shown."""
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, change in event.changes.items():
        # {field: [before, after]}; a bare value is a fact recorded without a before.
        pair = isinstance(change, list | tuple) and len(change) == 2
        before, after = change if pair else (None, change)
        label, choices = _labels_for(model, name) if model else (name, {})
        rows.append((label, _show(before, choices), _show(after, choices)))
    return rows
