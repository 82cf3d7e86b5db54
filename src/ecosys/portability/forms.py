"""Forms of the separation pages."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.widgets import SearchSelectField

from .models import DataHandling, ItemDecision

DATE = forms.DateInput(attrs={"type": "date"})


class SeparationStartForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    effective_date = forms.DateField(
        widget=DATE, help_text="It must respect the agreement's notice period."
    )
    transition_end = forms.DateField(
        widget=DATE, required=False, help_text="At most 30 days after the effective date."
    )
    data_retrieval_until = forms.DateField(
        widget=DATE,
        required=False,
        help_text="At least 30 days after the effective date (the default).",
    )
    data_handling = forms.ChoiceField(
        choices=DataHandling.choices, initial=DataHandling.ERASE, label="Afterwards"
    )
    retention_note = forms.CharField(
        max_length=500,
        required=False,
        label="What is retained, and why",
        help_text="Only when the agreement's data-return clause asks to retain data.",
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields = {
                "organization": SearchSelectField(
                    organizations,
                    suggest_url=reverse_lazy("ecosystem:organization-suggest"),
                    label="Organisation",
                ),
                **self.fields,
            }


class ItemDecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[c for c in ItemDecision.choices if c[0] != ItemDecision.PENDING]
    )
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            required=False,
            label="Successor",
        )


class BundleDeliverForm(forms.Form):
    bundle = forms.FileField(help_text="The exit bundle (ZIP) handed to the organisation.")


class CompleteForm(forms.Form):
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why it ended")
    delivered = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="What was delivered"
    )
    invitation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Invitation to come back",
        initial=("Our door stays open: come back at any time and bring your bundle with you."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500)
