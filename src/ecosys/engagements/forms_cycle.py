"""Page forms of the engagement cycle; the services do the validation that matters."""

import json

from django import forms

from .models import (
    CommercialModel,
    Direction,
    EngagementStatus,
    InitiativeArea,
    MeasurementGroup,
    MeasurementKind,
    MetricSource,
    Offering,
    Theme,
)

DATE = forms.DateInput(attrs={"type": "date"})


class WorkingGroupForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    members = forms.ModelMultipleChoiceField(
        queryset=None, to_field_name="public_id", required=False,
        help_text="Customer organisations.",
    )  # fmt: skip

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = customers


class InitiativeForm(forms.Form):
    proposed_by = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    title = forms.CharField(max_length=200)
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    area = forms.ChoiceField(choices=InitiativeArea.choices)
    expected_benefit = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_value = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Per year, if you can say."
    )
    currency = forms.CharField(max_length=3, required=False, initial="EUR")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_by"].queryset = members
        first = list(members[:2])
        if len(first) == 1:
            self.fields["proposed_by"].initial = first[0].public_id
            self.fields["proposed_by"].widget = forms.HiddenInput()


class JsonListField(forms.CharField):
    """A list of objects typed as JSON (the metrics and roles of an offering, the tools)."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value):
        return value if isinstance(value, str) else json.dumps(value or [], indent=1)

    def to_python(self, value):
        text = (value or "").strip() or "[]"
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}.") from error
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise forms.ValidationError("Give a list of objects, e.g. [{...}, {...}].")
        return data


class OfferingForm(forms.Form):
    name = forms.CharField(max_length=200)
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(), to_field_name="public_id", required=False
    )
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    deliverables = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    metrics = JsonListField(
        required=False,
        help_text='The metrics it moves, e.g. [{"name": "Stock-outs", "unit": "per month", '
        '"direction": "lower"}]',
    )
    roles = JsonListField(
        required=False,
        help_text='The roles it needs, e.g. [{"name": "Data analyst", "skill": "", '
        '"min_level": 3, "share": 0.5}]',
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes


class EngagementForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    offering = forms.ModelChoiceField(
        queryset=Offering.objects.none(), to_field_name="public_id", required=False,
        help_text="Leave empty for a custom scope.",
    )  # fmt: skip
    title = forms.CharField(max_length=200)
    scope = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Taken from the offering when empty.",
    )  # fmt: skip
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)
    cadence = forms.CharField(max_length=200, required=False, initial="Weekly working session")
    currency = forms.CharField(max_length=3, initial="EUR")
    budget = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    onsite_required = forms.BooleanField(required=False, label="On-site presence required")
    language = forms.CharField(max_length=40, required=False)
    commercial_model = forms.ChoiceField(choices=CommercialModel.choices)
    tools = JsonListField(
        required=False,
        label="Tools portfolio",
        help_text='e.g. [{"kind": "project_management", "name": "Board", "url": "https://…"}]; '
        "kinds: project_management, collaboration, financial_model, analysis",
    )
    customer_team = forms.ModelMultipleChoiceField(
        queryset=None, to_field_name="public_id", required=False,
        help_text="The customer's own people on the team.",
    )  # fmt: skip

    def __init__(self, *args, customers, offerings, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["offering"].queryset = offerings
        self.fields["customer_team"].queryset = people
        self.fields["customer_team"].label_from_instance = lambda p: (
            f"{p.full_name} ({p.organization.name if p.organization_id else '—'})"
        )


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=EngagementStatus.choices)
    reason = forms.CharField(max_length=500, required=False)


class MetricForm(forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.CharField(max_length=40)
    direction = forms.ChoiceField(choices=Direction.choices)
    source = forms.ChoiceField(choices=MetricSource.choices)
    value_per_unit = forms.DecimalField(
        max_digits=14, decimal_places=4, help_text="Money value of one unit of improvement."
    )
    currency = forms.CharField(max_length=3, required=False, help_text="Default: the engagement's.")
    target = forms.DecimalField(max_digits=18, decimal_places=4, required=False)
    plausible_min = forms.DecimalField(max_digits=18, decimal_places=4, required=False)
    plausible_max = forms.DecimalField(max_digits=18, decimal_places=4, required=False)
    comparison_label = forms.CharField(
        max_length=200, required=False, help_text="e.g. the customer's other sites"
    )


class MeasurementForm(forms.Form):
    metric = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    kind = forms.ChoiceField(choices=MeasurementKind.choices)
    group = forms.ChoiceField(choices=MeasurementGroup.choices)
    period_start = forms.DateField(widget=DATE, label="Period from")
    value = forms.CharField(max_length=40, help_text="In the metric's unit.")
    unit = forms.CharField(max_length=40)

    def __init__(self, *args, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics
        self.fields["metric"].label_from_instance = lambda m: f"{m.name} ({m.unit})"
        only = list(metrics[:2])
        if len(only) == 1 and not self.initial.get("metric"):
            self.initial["metric"] = only[0].public_id
            self.initial.setdefault("unit", only[0].unit)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX: metric, kind, group, period_start, value, unit")
