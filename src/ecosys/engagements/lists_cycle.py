"""How the cycle's lists are searched, filtered, sorted, shown and exported."""

import django_filters
from django import forms

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import (
    CommercialModel,
    Engagement,
    EngagementStatus,
    Initiative,
    InitiativeArea,
    Measurement,
    MeasurementGroup,
    MeasurementKind,
    Offering,
    WorkingGroup,
)
from .selectors_cycle import shows_money


def _date(field: str, lookup: str, label: str):
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class WorkingGroupFilter(django_filters.FilterSet):
    member = django_filters.CharFilter(
        field_name="members__name", lookup_expr="icontains", label="Member", distinct=True
    )

    class Meta:
        model = WorkingGroup
        fields = ["member"]


WORKING_GROUPS = ListSpec(
    filterset=WorkingGroupFilter,
    search_fields=("name", "description"),
    columns=(
        Column("id", "ID", lambda g: g.public_id),
        Column("name", "Working group", lambda g: g.name, sort="name", link=True),
        Column("members", "Members", lambda g: g.member_count, sort="member_count"),
        Column("initiatives", "Initiatives", lambda g: g.initiative_count, sort="initiative_count"),
        Column("description", "Description", lambda g: g.description, in_table=False),
        Column(
            "created_at",
            "Opened",
            lambda g: g.created_at,
            sort="created_at",
            display=lambda g: g.created_at.date(),
        ),
    ),
    default_sort="name",
    export_name="working-groups",
)


class InitiativeFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(
        choices=InitiativeArea.choices, empty_label="Any area", widget=FastSelect
    )
    group = django_filters.CharFilter(
        field_name="group__name", lookup_expr="icontains", label="Working group"
    )
    proposed_by = django_filters.CharFilter(
        field_name="proposed_by__name", lookup_expr="icontains", label="Proposed by"
    )
    theme = django_filters.CharFilter(
        field_name="theme__name", lookup_expr="icontains", label="Theme"
    )

    class Meta:
        model = Initiative
        fields = ["area", "group", "proposed_by", "theme"]


INITIATIVES = ListSpec(
    filterset=InitiativeFilter,
    search_fields=("title", "problem", "expected_benefit"),
    columns=(
        Column("id", "ID", lambda i: i.public_id),
        Column("title", "Initiative", lambda i: i.title, sort="title", link=True),
        Column("group", "Working group", lambda i: i.group.name, sort="group__name"),
        Column(
            "proposed_by", "Proposed by", lambda i: i.proposed_by.name, sort="proposed_by__name"
        ),
        Column(
            "area", "Area", lambda i: i.area, sort="area", display=lambda i: i.get_area_display()
        ),
        Column("theme", "Theme", lambda i: i.theme.name if i.theme_id else "", sort="theme__name"),
        Column(
            "average_rank",
            "Average rank",
            lambda i: round(i.average_rank, 2) if i.average_rank is not None else None,
            sort="average_rank",
        ),
        Column(
            "expected_value",
            "Expected value",
            lambda i: i.expected_value,
            sort="expected_value",
            display=lambda i: (
                f"{i.expected_value:,.2f} {i.currency}" if i.expected_value is not None else ""
            ),
        ),
        Column("currency", "Currency", lambda i: i.currency, in_table=False),
        Column("problem", "Problem", lambda i: i.problem, in_table=False),
        Column(
            "expected_benefit", "Expected benefit", lambda i: i.expected_benefit, in_table=False
        ),
        Column(
            "created_at",
            "Proposed",
            lambda i: i.created_at,
            sort="created_at",
            display=lambda i: i.created_at.date(),
        ),
    ),
    default_sort="-created_at",
    export_name="initiatives",
)


class OfferingFilter(django_filters.FilterSet):
    theme = django_filters.CharFilter(
        field_name="theme__name", lookup_expr="icontains", label="Theme"
    )

    class Meta:
        model = Offering
        fields = ["theme"]


OFFERINGS = ListSpec(
    filterset=OfferingFilter,
    search_fields=("name", "scope", "deliverables"),
    columns=(
        Column("id", "ID", lambda o: o.public_id),
        Column("name", "Offering", lambda o: o.name, sort="name", link=True),
        Column("theme", "Theme", lambda o: o.theme.name if o.theme_id else "", sort="theme__name"),
        Column(
            "metrics",
            "Metrics",
            lambda o: ", ".join(m["name"] for m in o.metrics),
        ),
        Column("roles", "Roles", lambda o: ", ".join(r["name"] for r in o.roles)),
        Column("engagements", "Engagements", lambda o: o.engagement_count, sort="engagement_count"),
        Column("scope", "Scope", lambda o: o.scope, in_table=False),
        Column("deliverables", "Deliverables", lambda o: o.deliverables, in_table=False),
    ),
    default_sort="name",
    export_name="offerings",
)


class EngagementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=EngagementStatus.choices, empty_label="Any status", widget=FastSelect
    )
    commercial_model = django_filters.ChoiceFilter(
        choices=CommercialModel.choices,
        empty_label="Any model",
        widget=FastSelect,
        method="filter_commercial_model",
    )
    customer = django_filters.CharFilter(
        field_name="customer__name", lookup_expr="icontains", label="Customer"
    )
    starts_after = _date("start_date", "gte", "Starting from")
    ends_before = _date("end_date", "lte", "Ending by")

    def filter_commercial_model(self, queryset, name, value):
        # rows read for an organisation only assigned to them do not show the model: a filter
        # on it must not reveal it either
        if "as_customer" in queryset.query.annotations:
            queryset = queryset.filter(as_customer=True)
        return queryset.filter(commercial_model=value)

    class Meta:
        model = Engagement
        fields = ["status", "commercial_model", "customer", "starts_after", "ends_before"]


ENGAGEMENTS = ListSpec(
    filterset=EngagementFilter,
    search_fields=("title", "scope", "customer__name", "offering__name"),
    columns=(
        Column("id", "ID", lambda e: e.public_id),
        Column("title", "Engagement", lambda e: e.title, sort="title", link=True),
        Column("customer", "Customer", lambda e: e.customer.name, sort="customer__name"),
        Column(
            "offering", "Offering", lambda e: e.offering.name if e.offering_id else "Custom scope"
        ),
        Column(
            "status",
            "Status",
            lambda e: e.status,
            sort="status",
            display=lambda e: e.get_status_display(),
        ),
        # an organisation whose people are assigned sees neither the model nor the budget
        Column(
            "commercial_model",
            "Commercial model",
            lambda e: e.commercial_model if shows_money(e) else "",
            display=lambda e: e.get_commercial_model_display() if shows_money(e) else "—",
        ),
        Column("start_date", "Start", lambda e: e.start_date, sort="start_date"),
        Column("end_date", "End", lambda e: e.end_date, sort="end_date"),
        Column("lead", "Lead", lambda e: e.lead.email if e.lead_id else "", in_table=False),
        Column("currency", "Currency", lambda e: e.currency, in_table=False),
        Column("budget", "Budget", lambda e: e.budget if shows_money(e) else None, in_table=False),
    ),
    default_sort="-created_at",
    export_name="engagements",
    extra_sorts=(("created_at", "created_at"),),
)


class MeasurementFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=MeasurementKind.choices, empty_label="Any kind", widget=FastSelect
    )
    group = django_filters.ChoiceFilter(
        choices=MeasurementGroup.choices, empty_label="Any group", widget=FastSelect
    )
    engagement = django_filters.UUIDFilter(
        field_name="metric__engagement__public_id", label="Engagement id"
    )
    metric = django_filters.CharFilter(
        field_name="metric__name", lookup_expr="icontains", label="Metric"
    )
    period_from = _date("period_start", "gte", "Period from")
    period_to = _date("period_start", "lte", "Period to")

    class Meta:
        model = Measurement
        fields = ["kind", "group", "engagement", "metric", "period_from", "period_to"]


MEASUREMENTS = ListSpec(
    filterset=MeasurementFilter,
    search_fields=("metric__name", "metric__engagement__title"),
    columns=(
        Column("id", "ID", lambda m: m.public_id),
        Column(
            "engagement",
            "Engagement",
            lambda m: m.metric.engagement.title,
            sort="metric__engagement__title",
            link=True,
        ),
        Column("metric", "Metric", lambda m: m.metric.name, sort="metric__name"),
        Column(
            "kind", "Kind", lambda m: m.kind, sort="kind", display=lambda m: m.get_kind_display()
        ),
        Column("group", "Group", lambda m: m.group, display=lambda m: m.get_group_display()),
        Column("period_start", "Period from", lambda m: m.period_start, sort="period_start"),
        Column("value", "Value", lambda m: m.value, sort="value"),
        Column("unit", "Unit", lambda m: m.unit),
        Column(
            "baseline_version",
            "Baseline version",
            lambda m: m.baseline_version.version if m.baseline_version_id else None,
        ),
        Column("source", "Source", lambda m: m.source, display=lambda m: m.get_source_display()),
        Column("entered_by", "Entered by", lambda m: m.entered_by.email if m.entered_by_id else ""),
    ),
    default_sort="-period_start",
    export_name="measurements",
)
