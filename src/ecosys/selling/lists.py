"""How the deal registration list is searched, filtered, sorted, shown and exported."""

import django_filters
from django import forms

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import DealRegistration, DealStatus


class DealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=DealStatus.choices, empty_label="Any status", widget=FastSelect
    )
    partner = django_filters.CharFilter(
        field_name="partner__organization__name", lookup_expr="icontains", label="Partner"
    )
    currency = django_filters.CharFilter(lookup_expr="iexact", label="Currency")
    close_after = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="gte",
        label="Closing from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_before = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="lte",
        label="Closing by",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = DealRegistration
        fields = ["status", "partner", "currency", "close_after", "close_before"]


DEALS = ListSpec(
    filterset=DealFilter,
    search_fields=("title", "customer_name", "customer_domain", "partner__organization__name"),
    columns=(
        Column("id", "ID", lambda d: d.public_id),
        Column("title", "Deal", lambda d: d.title, sort="title", link=True),
        Column("customer", "Customer", lambda d: d.customer_name, sort="customer_name"),
        Column("customer_domain", "Customer domain", lambda d: d.customer_domain, in_table=False),
        Column(
            "partner",
            "Partner",
            lambda d: d.partner.organization.name,
            sort="partner__organization__name",
        ),
        Column(
            "estimated_value",
            "Value",
            lambda d: d.estimated_value,
            sort="estimated_value",
            display=lambda d: f"{d.estimated_value:,.2f} {d.currency}",
        ),
        Column("currency", "Currency", lambda d: d.currency, in_table=False),
        Column(
            "expected_close_date",
            "Expected close",
            lambda d: d.expected_close_date,
            sort="expected_close_date",
        ),
        Column(
            "status",
            "Status",
            lambda d: d.status,
            sort="status",
            display=lambda d: d.get_status_display(),
        ),
        Column(
            "protection_until",
            "Protected until",
            lambda d: d.protection_until,
            sort="protection_until",
        ),  # fmt: skip
        Column(
            "created_at",
            "Registered",
            lambda d: d.created_at,
            sort="created_at",
            display=lambda d: d.created_at.date(),
        ),
    ),
    default_sort="-created_at",
    export_name="deal-registrations",
    related=("partner__organization",),
)
