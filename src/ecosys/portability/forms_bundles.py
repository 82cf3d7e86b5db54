"""Forms of the exit bundle pages: start an export, upload an import."""

from django import forms
from django.urls import reverse_lazy

from ecosys.core.widgets import SearchSelectField

from .models import BundleScope, ImportPolicy


class BundleExportForm(forms.Form):
    """The orchestrator picks a scope (the workspace, an organisation, an engagement whole or as
    its customer sees it); an organisation's admin exports its own share, or one engagement of
    its own (what its portal shows of it)."""

    scope = forms.ChoiceField(
        choices=BundleScope.choices, initial=BundleScope.WORKSPACE, widget=forms.RadioSelect
    )

    def __init__(self, *args, organizations=None, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:  # an organisation's admin
            del self.fields["scope"]
            if engagements is not None:
                # Hidden when the organisation is the customer of no engagement; an engagement
                # posted anyway is refused rather than ignored.
                self.fields["engagement"] = forms.ModelChoiceField(
                    engagements,
                    to_field_name="public_id",
                    required=False,
                    empty_label="None: everything that is ours",
                    label="Export an engagement of ours",
                    help_text="Only that engagement, as your portal shows it.",
                    error_messages={"invalid_choice": "Pick one of your engagements."},
                    widget=None if engagements.exists() else forms.HiddenInput,
                )
            return
        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            required=False,
            label="Organisation (for one organisation's share)",
        )
        if engagements is not None:
            self.fields["engagement"] = SearchSelectField(
                engagements,
                suggest_url=reverse_lazy("portability:bundle-engagement-suggest"),
                required=False,
                label="Engagement (for one engagement)",
                error_messages={
                    "invalid_choice": "Pick an engagement from the suggestions, or clear the box."
                },
            )
            self.fields["customer_view"] = forms.BooleanField(
                required=False,
                label="Only what the engagement's customer sees in its portal",
                help_text="Leave it off for all of the engagement (money, baseline, drafts).",
            )

    def clean(self):
        data = super().clean()
        if data.get("scope") == BundleScope.ORGANIZATION and not data.get("organization"):
            self.add_error("organization", "Choose the organisation whose share to export.")
        if data.get("scope") == BundleScope.ENGAGEMENT and not data.get("engagement"):
            self.add_error("engagement", "Choose the engagement to export.")
        return data

    def export_arguments(self) -> dict:
        """The service's scope, organisation and engagement for the valid form."""
        data = self.cleaned_data
        engagement = data.get("engagement")
        if "scope" not in data:  # an organisation's admin
            if engagement is not None:
                return {"scope": BundleScope.ENGAGEMENT, "engagement": engagement}
            return {"scope": BundleScope.ORGANIZATION}
        scope = data["scope"]
        if scope == BundleScope.ENGAGEMENT:
            customer = engagement.customer if data.get("customer_view") else None
            return {"scope": scope, "engagement": engagement, "organization": customer}
        return {"scope": scope, "organization": data.get("organization")}


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
