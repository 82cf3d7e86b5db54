"""Page forms: they parse and show errors; services do the validation that matters."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.widgets import FastSelect, SearchSelectField

from .models import (
    EcosystemRole,
    Organization,
    Person,
    PersonRoleKind,
    Relationship,
    RelationshipState,
    country_choices,
)
from .services import ASSIGNABLE_ROLES, ORGANIZATION_FIELDS, PERSON_FIELDS

ROLE_CHOICES = [
    (value, label) for value, label in EcosystemRole.choices if value in ASSIGNABLE_ROLES
]


class OrganizationForm(forms.ModelForm):
    # Not required here: the service checks it with the other fields, so one answer lists all.
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    tags = forms.CharField(
        required=False, help_text="Comma-separated, e.g. premium, iot, east-coast."
    )

    class Meta:
        model = Organization
        fields = ORGANIZATION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "country": FastSelect}

    def __init__(self, *args, can_set_roles: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices()]
        if self.instance.pk:
            self.initial["roles"] = [
                role for role in self.instance.role_codes if role in ASSIGNABLE_ROLES
            ]
            self.initial["tags"] = ", ".join(self.instance.tag_names)
        if not can_set_roles:
            self.fields["roles"].disabled = True
            self.fields["roles"].help_text = "Only the orchestrator sets ecosystem roles."

    def _post_clean(self):
        # Model validation runs once, in the service, so pages and the API give the same messages.
        pass

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ORGANIZATION_FIELDS}
        data["tags"] = [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]
        if not self.fields["roles"].disabled:
            data["roles"] = self.cleaned_data["roles"]
        return data


class PersonForm(forms.ModelForm):
    # Organisation fields are added per request: their choices depend on who is asking.
    class Meta:
        model = Person
        fields = [name for name in PERSON_FIELDS if name != "organization"]

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            required=False,
            help_text="Leave empty for an independent worker.",
        )
        self.order_fields(PERSON_FIELDS)

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS if name in self.fields}


class RelationshipForm(forms.ModelForm):
    class Meta:
        model = Relationship
        fields = ["kind", "start_date", "end_date", "notes"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("source", "From"), ("target", "To")):
            self.fields[name] = SearchSelectField(
                organizations,
                suggest_url=reverse_lazy("ecosystem:organization-suggest"),
                label=label,
            )
        self.order_fields(["source", "kind", "target", "start_date", "end_date", "notes"])

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label="New state", choices=RelationshipState.choices)
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [
            (value, label) for value, label in RelationshipState.choices if value in allowed
        ]


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX with a header row; at most 10 MB.")


class PersonRoleForm(forms.Form):
    kind = forms.ChoiceField(label="Role", choices=PersonRoleKind.choices)
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            label="Towards",
        )
        self.order_fields(["kind", "organization", "start_date"])
