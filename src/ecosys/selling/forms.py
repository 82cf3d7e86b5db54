"""Page forms of deal registration; the services do the validation that matters."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.widgets import SearchSelectField
from ecosys.partners.models import Partner


class DealForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), to_field_name="public_id")
    customer = SearchSelectField(
        None,
        suggest_url=reverse_lazy("ecosystem:organization-suggest"),
        required=False,
        label="Customer organisation",
        help_text="If the customer is not in Ecosys yet, leave this empty and give its name.",
    )
    customer_name = forms.CharField(max_length=200, required=False)
    customer_domain = forms.CharField(
        max_length=253, required=False, label="Customer web domain", help_text="e.g. example.com"
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    estimated_value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(max_length=3, initial="EUR", help_text="ISO 4217, e.g. EUR")
    expected_close_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, partners, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["partner"].label_from_instance = lambda partner: partner.organization.name
        self.fields["customer"].queryset = organizations
        first = list(partners[:2])
        if len(first) == 1:  # a partner admin registers for its own partner only
            self.fields["partner"].initial = first[0].public_id
            self.fields["partner"].widget = forms.HiddenInput()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(max_length=500, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("won", "Won"), ("lost", "Lost")])
    reason = forms.CharField(max_length=500, required=False, label="Note")
