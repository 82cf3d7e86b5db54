"""Page forms of the performance configuration: they parse; the services in setup.py
validate, so pages and the API give the same messages."""

from django import forms

from ecosys.ecosystem.models import Region

from .models import ChannelSettings
from .setup import SETTINGS_FIELDS


class ChannelSettingsForm(forms.ModelForm):
    base_currency = forms.CharField(
        max_length=3,
        help_text="Revenue is reported in this ISO 4217 currency (EUR, USD, GBP…). Changing "
        "it recomputes every month.",
    )

    class Meta:
        model = ChannelSettings
        fields = SETTINGS_FIELDS
        widgets = {"report_recipients": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "warning_sensitivity": "Warning sensitivity",
            "warning_recent_months": "Warn about changes of the last (months)",
            "warning_min_change": "Smallest change worth a warning",
            "report_recipients": "Monthly report recipients",
            "escalate_overdue_days": "Escalate overdue interventions after (days)",
            "escalate_stalled_days": "Escalate interventions without improvement after (days)",
        }

    def _post_clean(self):
        pass  # the service validates, once


class ProductLineForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProductForm(forms.Form):
    # Not required here: the service checks every field, so one answer lists all problems.
    sku = forms.CharField(max_length=80, label="SKU", required=False)
    name = forms.CharField(max_length=200, required=False)
    line = forms.ModelChoiceField(
        queryset=None, label="Product line", to_field_name="public_id", required=False
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines
        self.fields["line"].empty_label = "— choose —"


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    month = forms.CharField(
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="The rate holds for this whole month.",
    )
    rate = forms.CharField(
        max_length=30, help_text="What one unit of the currency is worth in the base currency."
    )


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    program = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", label="Programme"
    )
    tier = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="public_id",
        help_text="Optional; a tier of the programme above.",
    )
    region = forms.ChoiceField(
        choices=[("", "—"), *Region.choices],
        required=False,
        help_text="For partners in this region (when no programme is chosen).",
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default scorecard",
        help_text="Scores every partner no other scorecard applies to; only one is the default.",
    )

    def __init__(self, *args, programs, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["program"].empty_label = "— any —"
        self.fields["tier"].queryset = tiers
        self.fields["tier"].empty_label = "— any —"
        self.fields["tier"].label_from_instance = lambda tier: f"{tier.program}: {tier.name}"
