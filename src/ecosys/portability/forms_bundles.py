"""Forms of the exit bundle pages: start an export, upload an import."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.widgets import SearchSelectField

from .models import BundleScope, ImportPolicy


class BundleExportForm(forms.Form):
    """The orchestrator picks a scope; an organisation's admin exports its own share only."""

    scope = forms.ChoiceField(
        choices=BundleScope.choices, initial=BundleScope.WORKSPACE, widget=forms.RadioSelect
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["scope"]
            return
        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            required=False,
            label="Organisation (for one organisation's share)",
        )

    def clean(self):
        data = super().clean()
        if data.get("scope") == BundleScope.ORGANIZATION and not data.get("organization"):
            self.add_error("organization", "Choose the organisation whose share to export.")
        return data


class BundleImportForm(forms.Form):
    file = forms.FileField(
        label="Exit bundle (ZIP)",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    policy = forms.ChoiceField(
        choices=ImportPolicy.choices,
        initial=ImportPolicy.SKIP,
        label="Records that already exist",
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Dry run: check and report what would change, write nothing",
    )
    new_ids = forms.BooleanField(
        required=False,
        label="Under new ids: import a copy beside the records it came from",
        help_text="Every record gets a new UUID (references follow); leave it off to restore "
        "or update the records the bundle names.",
    )
