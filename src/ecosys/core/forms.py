from django import forms

from .models import Channel, GrantAccess, Role, TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “CRM sync”.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=366, initial=90, label="Expires in (days)"
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX with a header row; at most 10 MB.")


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    action = forms.CharField(required=False)
    target = forms.UUIDField(required=False, label="Object id")

    def apply(self, events):
        data = self.cleaned_data
        if data.get("q"):
            events = events.filter(target_repr__icontains=data["q"]) | events.filter(
                actor_label__icontains=data["q"]
            )
        if data.get("channel"):
            events = events.filter(channel=data["channel"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("target"):
            events = events.filter(target_public_id=data["target"])
        return events


class MemberForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            from django.urls import reverse_lazy

            from .widgets import SearchSelectField

            self.fields["organization"] = SearchSelectField(
                organizations,
                suggest_url=reverse_lazy("ecosystem:organization-suggest"),
                label="Organisation",
                help_text="Leave empty for the orchestrator itself.",
                required=False,
            )


class ShareForm(forms.Form):
    access = forms.ChoiceField(choices=GrantAccess.choices, initial=GrantAccess.READ)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        from django.urls import reverse_lazy

        from .widgets import SearchSelectField

        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            label="Share with",
        )
        self.order_fields(["organization", "access"])
