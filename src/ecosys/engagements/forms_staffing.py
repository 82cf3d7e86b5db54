"""Page forms of the competency inventory and staffing; the services validate what matters."""

from django import forms

from .models.workforce import LEVELS

DATE = forms.DateInput(attrs={"type": "date"})


class SkillForm(forms.Form):
    name = forms.CharField(max_length=120)
    category = forms.CharField(max_length=80, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProfileForm(forms.Form):
    cost_rate = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                   help_text="Cost per hour.")  # fmt: skip
    bill_rate = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                   help_text="Billed per hour.")  # fmt: skip
    currency = forms.CharField(max_length=3, initial="EUR")
    hours_per_week = forms.DecimalField(max_digits=5, decimal_places=2, initial=40)
    weekly_capacity = forms.DecimalField(
        max_digits=4, decimal_places=2, min_value=0, max_value=1, initial=1,
        help_text="Usual share of a full week when no week is entered (1 = full time).",
    )  # fmt: skip
    location = forms.CharField(max_length=120, required=False)
    remote = forms.BooleanField(required=False, initial=True, label="Can work remotely")
    onsite = forms.BooleanField(required=False, initial=True, label="Can work on site")
    languages = forms.CharField(required=False, help_text="Comma-separated codes, e.g. en, de.")


class PersonSkillForm(forms.Form):
    skill = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    level = forms.TypedChoiceField(choices=LEVELS, coerce=int)
    evidence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    certificate = forms.ModelChoiceField(
        queryset=None, to_field_name="public_id", required=False,
        help_text="A readiness certificate of this person that backs the level.",
    )  # fmt: skip

    def __init__(self, *args, skills, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = skills
        self.fields["certificate"].queryset = certificates


class AvailabilityForm(forms.Form):
    start = forms.DateField(widget=DATE, label="From the week of")
    end = forms.DateField(widget=DATE, label="To the week of")
    fraction = forms.DecimalField(
        max_digits=4, decimal_places=2, min_value=0, max_value=1,
        help_text="Share of a full week, e.g. 0.5 for half time, 0 for leave.",
    )  # fmt: skip


class RoleForm(forms.Form):
    name = forms.CharField(max_length=160)
    skill = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    min_level = forms.TypedChoiceField(choices=LEVELS, coerce=int, initial=3)
    share = forms.DecimalField(
        max_digits=4, decimal_places=2, min_value=0.05, max_value=1, initial=0.5,
        help_text="Share of a full week in every week of the period.",
    )  # fmt: skip
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)
    onsite = forms.BooleanField(required=False, label="On the customer's site")
    language = forms.CharField(max_length=40, required=False, help_text="e.g. de; blank: any.")

    def __init__(self, *args, skills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = skills


class AssignmentForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    share = forms.DecimalField(max_digits=4, decimal_places=2, min_value=0.01, max_value=1)
    start_date = forms.DateField(widget=DATE, required=False)
    end_date = forms.DateField(widget=DATE, required=False)
    locked = forms.BooleanField(required=False, help_text="Kept when staffing re-runs.")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
