"""How the money lists (time entries, settlements) are searched, filtered, sorted, exported."""

import django_filters
from django import forms

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import CommercialModel, Settlement, SettlementStatus, TimeEntry, TimeEntryStatus

DATE = forms.DateInput(attrs={"type": "date"})


class TimeEntryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=TimeEntryStatus.choices, empty_label="Any status", widget=FastSelect
    )
    person = django_filters.CharFilter(
        field_name="person__last_name", lookup_expr="icontains", label="Person (last name)"
    )
    date_from = django_filters.DateFilter(
        field_name="work_date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="work_date", lookup_expr="lte", label="To", widget=DATE
    )

    class Meta:
        model = TimeEntry
        fields = ["status", "person", "date_from", "date_to"]


TIME_ENTRIES = ListSpec(
    filterset=TimeEntryFilter,
    search_fields=("person__first_name", "person__last_name", "note"),
    columns=(
        Column("id", "ID", lambda e: e.public_id),
        Column("work_date", "Day", lambda e: e.work_date, sort="work_date"),
        Column("person", "Person", lambda e: str(e.person), sort="person__last_name"),
        Column("hours", "Hours", lambda e: e.hours, sort="hours"),
        Column("note", "Note", lambda e: e.note),
        Column(
            "status",
            "Status",
            lambda e: e.status,
            sort="status",
            display=lambda e: e.get_status_display(),
        ),
        Column("decided_by", "Decided by", lambda e: e.decided_by.email if e.decided_by else ""),
        Column("decision_reason", "Reason", lambda e: e.decision_reason, in_table=False),
        Column("engagement", "Engagement", lambda e: e.engagement.title, in_table=False),
    ),
    default_sort="-work_date",
    export_name="time-entries",
    related=("person", "engagement", "decided_by"),
)


class SettlementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=SettlementStatus.choices, empty_label="Any status", widget=FastSelect
    )
    model = django_filters.ChoiceFilter(
        choices=CommercialModel.choices, empty_label="Any model", widget=FastSelect
    )
    currency = django_filters.CharFilter(lookup_expr="iexact", label="Currency")
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Periods from", widget=DATE
    )
    period_to = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Periods to", widget=DATE
    )

    class Meta:
        model = Settlement
        fields = ["status", "model", "currency", "period_from", "period_to"]


SETTLEMENTS = ListSpec(
    filterset=SettlementFilter,
    search_fields=("engagement__title", "engagement__customer__name", "customer_comment"),
    columns=(
        Column("id", "ID", lambda s: s.public_id),
        Column(
            "period",
            "Period",
            lambda s: f"{s.period_start:%Y-%m-%d} to {s.period_end:%Y-%m-%d}",
            sort="period_start",
            link=True,
        ),
        Column("engagement", "Engagement", lambda s: s.engagement.title, sort="engagement__title"),
        Column(
            "customer",
            "Customer",
            lambda s: s.engagement.customer.name,
            sort="engagement__customer__name",
        ),
        Column(
            "model",
            "Model",
            lambda s: s.model,
            sort="model",
            display=lambda s: s.get_model_display(),
        ),
        Column(
            "total",
            "Total",
            lambda s: s.total,
            sort="total",
            display=lambda s: f"{s.total:,.2f} {s.currency}",
        ),
        Column("currency", "Currency", lambda s: s.currency, in_table=False),
        Column(
            "status",
            "Status",
            lambda s: s.status,
            sort="status",
            display=lambda s: s.get_status_display(),
        ),
        Column(
            "issued_at",
            "Issued",
            lambda s: s.issued_at,
            sort="issued_at",
            display=lambda s: s.issued_at.strftime("%Y-%m-%d %H:%M") if s.issued_at else "",
        ),  # fmt: skip
        Column("inputs_hash", "Inputs hash", lambda s: s.inputs_hash, in_table=False),
        Column(
            "customer_comment", "Customer comment", lambda s: s.customer_comment, in_table=False
        ),
    ),
    default_sort="-period",
    export_name="settlements",
    related=("engagement__customer",),
)
