"""How the separation list is searched, filtered, sorted, shown and exported."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import Separation, SeparationStatus, StartedBySide


class SeparationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=SeparationStatus.choices, empty_label="Any", widget=FastSelect
    )
    started_by_side = django_filters.ChoiceFilter(
        choices=StartedBySide.choices,
        empty_label="Either side",
        label="Started by",
        widget=FastSelect,
    )
    effective_from = django_filters.DateFilter(
        field_name="effective_date", lookup_expr="gte", label="Effective from"
    )

    class Meta:
        model = Separation
        fields = ["status", "started_by_side", "effective_from"]


SEPARATIONS = ListSpec(
    filterset=SeparationFilter,
    search_fields=("organization__name", "reason"),
    columns=(
        Column("id", "ID", lambda s: s.public_id),
        Column(
            "organization",
            "Organisation",
            lambda s: s.organization.name,
            sort="organization__name",
            link=True,
        ),
        Column(
            "status", "Status", lambda s: s.status, sort="status",
            display=lambda s: s.get_status_display(),
        ),
        Column(
            "started_by_side", "Started by", lambda s: s.started_by_side,
            display=lambda s: s.get_started_by_side_display(),
        ),
        Column("effective_date", "Effective", lambda s: s.effective_date, sort="effective_date"),
        Column("transition_end", "Transition until", lambda s: s.transition_end),
        Column("pending_items", "Items to decide", lambda s: s.pending_items),
        Column("reason", "Reason", lambda s: s.reason),
    ),
    default_sort="-effective_date",
    export_name="separations",
    related=("organization",),
)  # fmt: skip
