"""Forms of the warning, playbook, intervention, escalation and termination pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Outcome, Side, WarningKind, WarningStatus

DATE = forms.DateInput(attrs={"type": "date"})


class WarningStatusForm(forms.Form):
    status = forms.ChoiceField(choices=WarningStatus.choices)
    reason = forms.CharField(max_length=500, required=False)
    snoozed_until = forms.DateField(required=False, widget=DATE, label="Snooze until")


def _users_field(users, *, required=True, label="Owner", empty_label="Choose…"):
    field = forms.ModelChoiceField(
        queryset=users, to_field_name="email", required=required, label=label
    )
    field.empty_label = empty_label
    field.label_from_instance = lambda user: user.email
    return field


class InterventionForm(forms.Form):
    """Open an intervention: from a warning (measure and baseline come from it) or by hand."""

    title = forms.CharField(max_length=200, required=False)
    playbook = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="No playbook"
    )
    due_date = forms.DateField(
        required=False,
        widget=DATE,
        help_text="Leave empty to take the playbook's last task's due date.",
    )

    def __init__(self, *args, playbooks, owners, manual: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = playbooks
        self.fields["owner"] = _users_field(owners)
        if manual:
            self.fields["title"].required = True
            self.fields["measure"] = forms.CharField(
                max_length=40,
                required=False,
                help_text="The measure to follow (e.g. revenue); its latest figure is the base.",
            )
        else:
            self.fields["title"].help_text = "Leave empty to name it after the warning."


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    side = forms.ChoiceField(choices=Side.choices)
    due_date = forms.DateField(widget=DATE)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500)


def steps_parse(text: str) -> list[dict]:
    """Steps written one a line as `due days | side | title` (side: us or partner)."""
    steps, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|", 2)]
        if len(parts) != 3:
            errors.append(f"Line {number}: write “due days | us or partner | title”.")
            continue
        days, side, title = parts
        side = side.lower()
        if side in ("us", "our team", "orchestrator", "we"):
            side = Side.ORCHESTRATOR
        elif side in ("partner", "the partner"):
            side = Side.PARTNER
        else:
            errors.append(f"Line {number}: the side is “us” or “partner”.")
            continue
        if not days.isdigit():
            errors.append(f"Line {number}: the due days is a whole number.")
            continue
        steps.append({"due_days": int(days), "side": side, "title": title})
    if errors:
        raise ValidationError(errors)
    return steps


def steps_text(playbook) -> str:
    side = {Side.ORCHESTRATOR: "us", Side.PARTNER: "partner"}
    return "\n".join(f"{s.due_days} | {side[s.side]} | {s.title}" for s in playbook.steps.all())


class PlaybookForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    warning_kind = forms.ChoiceField(
        choices=[("", "Any kind"), *WarningKind.choices], required=False, label="Warning kind"
    )
    measure = forms.CharField(
        max_length=40, required=False, help_text="A measure code (e.g. revenue); empty: any."
    )
    min_drop_percent = forms.DecimalField(
        min_value=1,
        max_value=100,
        decimal_places=1,
        required=False,
        label="Drop of at least (%)",
        help_text="Applies when the measure fell by at least this much; empty: any change.",
    )
    score_band = forms.CharField(
        max_length=40, required=False, help_text="A score band (e.g. Red); empty: any."
    )
    active = forms.BooleanField(required=False, initial=True)
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One a line: due days | us or partner | title, e.g. “10 | us | Review call”.",
    )

    def clean_steps(self):
        return steps_parse(self.cleaned_data["steps"])

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        percent = data.pop("min_drop_percent")
        data["min_drop"] = float(percent) / 100 if percent is not None else None
        return data


class TerminationForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(max_length=2000)
    effective_date = forms.DateField(
        required=False,
        widget=DATE,
        help_text="When approved: the day the partner's retirement takes effect.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "initial", {"effective_date": timezone.localdate() + dt.timedelta(days=30)}
        )
        super().__init__(*args, **kwargs)


class EscalationContactForm(forms.Form):
    level = forms.TypedChoiceField(
        coerce=int, choices=[(1, "1: a channel manager's manager"), (2, "2: programme leadership")]
    )

    def __init__(self, *args, users, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = _users_field(users, label="Who is told")
        self.fields["manages"] = _users_field(
            users,
            required=False,
            label="Manages (level 1)",
            empty_label="Every channel manager",
        )
        self.fields["program"] = forms.ModelChoiceField(
            queryset=programs,
            required=False,
            to_field_name="public_id",
            empty_label="Every programme",
            label="Programme (level 2)",
        )
