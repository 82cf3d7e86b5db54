"""Page forms of the money part; the services do the validation that matters."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from ecosys.ecosystem.models import Organization, Person

from .models import CommercialModel, SettlementPeriod, VentureContributionKind

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "required": False}


def _pairs(text: str, name: str) -> list[tuple[str, str]]:
    """'a b' per line -> [('a', 'b')]; a line that is not two words is an error."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise forms.ValidationError(f"Line {number}: write {name}, separated by a space.")
        pairs.append((parts[0], parts[1]))
    return pairs


class TermsForm(forms.Form):
    model = forms.ChoiceField(choices=CommercialModel.choices, label="Commercial model")
    currency = forms.CharField(max_length=3, initial="EUR", help_text="ISO 4217, e.g. EUR")
    period = forms.ChoiceField(choices=SettlementPeriod.choices, label="Settled per")
    fee = forms.DecimalField(label="Subscription fee per period", **MONEY)
    included_hours = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, label="Hours included in the fee"
    )
    overage_rate = forms.DecimalField(label="Overage rate per hour", **MONEY)
    included_people = forms.IntegerField(
        min_value=0, required=False, label="People included in the fee",
        help_text="Capacity in people: each person beyond them who works in a period is charged.",
    )  # fmt: skip
    person_overage_rate = forms.DecimalField(label="Overage rate per extra person", **MONEY)
    share = forms.DecimalField(
        max_digits=6,
        decimal_places=4,
        required=False,
        label="Gain share",
        help_text="A fraction of the measured money benefit, 0 to 1 (0.25 = 25%).",
    )
    floor = forms.DecimalField(label="Floor", **MONEY)
    cap = forms.DecimalField(label="Cap", **MONEY)
    settle_on_lower_bound = forms.BooleanField(
        required=False, label="Settle on the lower bound of the benefit's interval"
    )
    schedule = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Payment schedule",
        help_text="One instalment a line: due date and fraction, e.g. 2026-06-30 0.5.",
    )
    rates = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Agreed bill rates",
        help_text="One person a line: person id and rate per hour. Without one, the person's "
        "standard bill rate applies.",
    )

    def clean_schedule(self):
        return [
            {"due_date": due, "fraction": fraction}
            for due, fraction in _pairs(self.cleaned_data["schedule"], "a date and a fraction")
        ]

    def clean_rates(self):
        return dict(_pairs(self.cleaned_data["rates"], "a person id and a rate"))

    @staticmethod
    def initial_from(terms) -> dict:
        if terms is None:
            return {}
        return {
            **{
                name: getattr(terms, name)
                for name in (
                    "model",
                    "currency",
                    "period",
                    "fee",
                    "included_hours",
                    "overage_rate",
                    "included_people",
                    "person_overage_rate",
                    "share",
                    "floor",
                    "cap",
                    "settle_on_lower_bound",
                )
            },  # fmt: skip
            "schedule": "\n".join(f"{r['due_date']} {r['fraction']}" for r in terms.schedule),
            "rates": "\n".join(f"{person} {rate}" for person, rate in terms.rates.items()),
        }


class TimeEntryForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), to_field_name="public_id")
    work_date = forms.DateField(widget=DATE, label="Day")
    hours = forms.DecimalField(max_digits=5, decimal_places=2)
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class TimeDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(max_length=500, required=False)


class GenerateForm(forms.Form):
    day = forms.DateField(
        widget=DATE, required=False, label="A day in the period to settle",
        help_text="Gain sharing settles the whole engagement; no day needed.",
    )  # fmt: skip


class SettlementDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("dispute", "Dispute")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VentureSharesForm(forms.Form):
    shares = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One owner a line: organisation id and share, e.g. "
        "3f0c…-… 0.6. The shares add up to 1.",
    )

    def clean_shares(self):
        rows = []
        for key, share in _pairs(self.cleaned_data["shares"], "an organisation id and a share"):
            organization = (
                Organization.objects.filter(public_id=key).first() if _uuid(key) else None
            )
            if organization is None:
                raise forms.ValidationError(f"No organisation with id {key}.")
            try:
                rows.append({"organization": organization, "share": Decimal(share)})
            except InvalidOperation as error:
                raise forms.ValidationError(f"“{share}” is not a number.") from error
        return rows


def _uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class ContributionForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), to_field_name="public_id", label="Owner"
    )
    kind = forms.ChoiceField(choices=VentureContributionKind.choices)
    amount = forms.DecimalField(label="Amount (money)", **MONEY)
    hours = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, label="Hours (in kind)"
    )
    rate = forms.DecimalField(label="Rate per hour (in kind)", **MONEY)
    contributed_on = forms.DateField(widget=DATE)
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = owners


class DistributeForm(forms.Form):
    day = forms.DateField(widget=DATE, label="A day in the period")
    result = forms.DecimalField(
        max_digits=16, decimal_places=2, label="The venture's result", help_text="A loss negative."
    )
