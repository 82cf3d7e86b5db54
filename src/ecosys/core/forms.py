from django import forms

from .models import Channel, TokenScope


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
