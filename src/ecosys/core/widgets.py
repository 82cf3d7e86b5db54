"""Form widgets shared by every app."""

import functools
from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe

HALF_TYPED = "half-typed"  # not a UUID, so the choice field reports it as an invalid choice


class SearchSelect(forms.Widget):
    """Pick one row of a large list by typing: a hidden value plus a search box with suggestions.

    A plain <select> cannot hold 100,000 organisations; the suggestions come from `suggest_url`.
    """

    template_name = "core/widgets/search_select.html"

    def __init__(self, *, suggest_url: str, label_for=str, attrs=None):
        super().__init__(attrs)
        self.suggest_url = suggest_url
        self.label_for = label_for
        self.choice_field = None

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        typed = (data.get(f"{name}__search") or "").strip()
        # Text typed but no suggestion picked: pass the text on, so the field refuses it
        # instead of silently saving "none".
        return value or (HALF_TYPED if typed else value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        if value and value != HALF_TYPED and self.choice_field is not None:
            try:
                obj = self.choice_field.to_python(value)
            except ValidationError:
                obj = None
            label = self.label_for(obj) if obj else ""
        context["widget"].update(suggest_url=self.suggest_url, label=label)
        return context


class SearchSelectField(forms.ModelChoiceField):
    """A ModelChoiceField addressed by public_id and shown as a SearchSelect."""

    def __init__(self, queryset, *, suggest_url: str, **kwargs):
        kwargs.setdefault("to_field_name", "public_id")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": "Pick an organisation from the suggestions, or clear the box."},
        )
        super().__init__(queryset, widget=SearchSelect(suggest_url=suggest_url), **kwargs)
        self.widget.choice_field = self

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:  # a half-typed name or a malformed id: one clear message
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.choice_field = result
        return result

    def prepare_value(self, value):
        if hasattr(value, "public_id"):
            return str(value.public_id)
        return super().prepare_value(value)


@functools.lru_cache(maxsize=64)
def _escaped_options(choices: tuple) -> tuple[tuple[str, str, str], ...]:
    """(escaped value, escaped label, unselected <option>) per choice, computed once per list."""
    rows = []
    for key, label in choices:
        value, text = escape(str(key)), escape(str(label))
        rows.append((value, text, f'<option value="{value}">{text}</option>'))
    return tuple(rows)


class FastSelect(forms.Select):
    """A <select> rendered in Python: Django renders each <option> through a template, which
    costs milliseconds for the 250 countries on every list page."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {escape(str(v)) for v in (value if isinstance(value, list | tuple) else [value])}
        options = "".join(
            f'<option value="{key}" selected>{label}</option>' if key in selected else html
            for key, label, html in _escaped_options(tuple(self.choices))
        )
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs.setdefault("id", f"id_{name}")
        attributes = "".join(
            f' {escape(key)}="{escape(str(val))}"' for key, val in sorted(final_attrs.items())
        )
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308 - every part is escaped above
