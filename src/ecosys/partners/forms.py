"""Page forms of the partner lifecycle; services do the validation that matters."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.models import User
from ecosys.core.widgets import SearchSelectField

from .models import CriterionAttribute, PartnerState


class PartnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, to_field_name="email"
    )
    next_step = forms.CharField(max_length=300, required=False)
    next_step_due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    fit_profile = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", label="Measured against"
    )

    def __init__(self, *args, owners, profiles, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: user.email
        self.fields["fit_profile"].queryset = profiles
        if organizations is not None:
            self.fields["organization"] = SearchSelectField(
                organizations,
                suggest_url=reverse_lazy("ecosystem:organization-suggest"),
                label="Organisation",
            )
            self.fields["state"] = forms.ChoiceField(
                choices=[
                    (s, PartnerState(s).label)
                    for s in (PartnerState.PROSPECT, PartnerState.APPLICANT)
                ]
            )
            self.order_fields(
                ["organization", "state", "owner", "next_step", "next_step_due", "fit_profile"]
            )


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label="New state", choices=PartnerState.choices)
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [
            (value, label) for value, label in PartnerState.choices if value in allowed
        ]


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CriterionForm(forms.Form):
    attribute = forms.ChoiceField(choices=[("", "—"), *CriterionAttribute.choices], required=False)
    values = forms.CharField(required=False, help_text="Codes or names, comma-separated")
    weight = forms.IntegerField(min_value=1, max_value=100, required=False)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=3, max_num=20)
