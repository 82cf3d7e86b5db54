"""Form widgets shared by every app."""

from django import forms


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

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        if value and self.choice_field is not None:
            key = self.choice_field.to_field_name or "pk"
            obj = self.choice_field.queryset.filter(**{key: value}).first()
            label = self.label_for(obj) if obj else ""
        context["widget"].update(suggest_url=self.suggest_url, label=label)
        return context


class SearchSelectField(forms.ModelChoiceField):
    """A ModelChoiceField addressed by public_id and shown as a SearchSelect."""

    def __init__(self, queryset, *, suggest_url: str, **kwargs):
        kwargs.setdefault("to_field_name", "public_id")
        super().__init__(queryset, widget=SearchSelect(suggest_url=suggest_url), **kwargs)
        self.widget.choice_field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.choice_field = result
        return result

    def prepare_value(self, value):
        if hasattr(value, "public_id"):
            return str(value.public_id)
        return super().prepare_value(value)
