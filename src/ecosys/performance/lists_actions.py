"""How warnings, interventions, playbooks and termination proposals are searched, filtered,
sorted, shown and exported (pages, API and exports alike)."""

import uuid

import django_filters
from django.db.models import Q
from django.utils import timezone

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import (
    EarlyWarning,
    Intervention,
    InterventionStatus,
    Outcome,
    Playbook,
    TerminationProposal,
    TerminationStatus,
    WarningKind,
    WarningStatus,
)


def _partner_condition(prefix: str, value: str) -> Q:
    """A partner by its id, or by (part of) its organisation's name."""
    value = (value or "").strip()
    try:
        return Q(**{f"{prefix}public_id": uuid.UUID(value)})
    except ValueError:
        return Q(**{f"{prefix}organization__name__icontains": value})


def _program_choices():
    from ecosys.partners.models import Program

    return [(str(p.public_id), p.name) for p in Program.objects.order_by("name")]


class WarningFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=WarningStatus.choices, empty_label="Any", widget=FastSelect
    )
    kind = django_filters.ChoiceFilter(
        choices=WarningKind.choices, empty_label="Any", widget=FastSelect
    )
    measure = django_filters.CharFilter(field_name="measure", lookup_expr="iexact")
    partner = django_filters.CharFilter(method="by_partner", label="Partner (name or id)")
    program = django_filters.ChoiceFilter(
        choices=_program_choices,
        field_name="partner__program__public_id",
        empty_label="Any",
        label="Programme",
    )

    class Meta:
        model = EarlyWarning
        fields = ["status", "kind", "measure", "partner", "program"]

    def by_partner(self, queryset, name, value):
        return queryset.filter(_partner_condition("partner__", value))


def _percent(value):
    return "" if value is None else f"{value * 100:+.0f}%"


WARNINGS = ListSpec(
    filterset=WarningFilter,
    search_fields=("partner__organization__name", "explanation", "measure"),
    columns=(
        Column("id", "ID", lambda w: w.public_id),
        Column(
            "partner",
            "Partner",
            lambda w: w.partner.organization.name,
            sort="partner__organization__name",
            link=True,
        ),
        Column(
            "kind", "Kind", lambda w: w.kind, sort="kind", display=lambda w: w.get_kind_display()
        ),
        Column("measure", "Measure", lambda w: w.measure, sort="measure"),
        Column("change_period", "Change from", lambda w: w.change_period, sort="change_period"),
        Column(
            "magnitude",
            "Change",
            lambda w: w.magnitude,
            sort="magnitude",
            display=lambda w: _percent(w.magnitude),
        ),
        Column(
            "confidence",
            "Confidence",
            lambda w: w.confidence,
            sort="confidence",
            display=lambda w: f"{w.confidence * 100:.0f}%",
        ),
        Column(
            "status",
            "Status",
            lambda w: w.status,
            sort="status",
            display=lambda w: w.get_status_display(),
        ),
        Column(
            "detected_at",
            "Detected",
            lambda w: w.detected_at,
            sort="detected_at",
            display=lambda w: w.detected_at.date(),
        ),
        Column("before", "Before", lambda w: w.before, in_table=False),
        Column("after", "After", lambda w: w.after, in_table=False),
        Column("explanation", "Explanation", lambda w: w.explanation, in_table=False),
        Column("snoozed_until", "Snoozed until", lambda w: w.snoozed_until, in_table=False),
        Column("status_reason", "Status reason", lambda w: w.status_reason, in_table=False),
        Column("status_by", "Status by", lambda w: w.status_by, in_table=False),
    ),
    default_sort="-detected_at",
    export_name="warnings",
    related=("partner__organization",),
)


class InterventionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=InterventionStatus.choices, empty_label="Any", widget=FastSelect
    )
    owner = django_filters.CharFilter(
        field_name="owner__email", lookup_expr="iexact", label="Owner (e-mail)"
    )
    partner = django_filters.CharFilter(method="by_partner", label="Partner (name or id)")
    overdue = django_filters.BooleanFilter(method="by_overdue", label="Overdue")
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices, empty_label="Any", widget=FastSelect
    )

    class Meta:
        model = Intervention
        fields = ["status", "owner", "partner", "overdue", "outcome"]

    def by_partner(self, queryset, name, value):
        return queryset.filter(_partner_condition("partner__", value))

    def by_overdue(self, queryset, name, value):
        condition = Q(status=InterventionStatus.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


def _is_overdue(intervention) -> bool:
    return (
        intervention.status == InterventionStatus.OPEN
        and intervention.due_date < timezone.localdate()
    )


INTERVENTIONS = ListSpec(
    filterset=InterventionFilter,
    search_fields=("title", "partner__organization__name", "owner__email"),
    columns=(
        Column("id", "ID", lambda i: i.public_id),
        Column("title", "Intervention", lambda i: i.title, sort="title", link=True),
        Column(
            "partner",
            "Partner",
            lambda i: i.partner.organization.name,
            sort="partner__organization__name",
        ),
        Column("owner", "Owner", lambda i: i.owner.email if i.owner else "", sort="owner__email"),
        Column(
            "status",
            "Status",
            lambda i: i.status,
            sort="status",
            display=lambda i: i.get_status_display(),
        ),
        Column(
            "due_date",
            "Due",
            lambda i: i.due_date,
            sort="due_date",
            display=lambda i: f"{i.due_date} (overdue)" if _is_overdue(i) else i.due_date,
        ),
        Column("overdue", "Overdue", _is_overdue, in_table=False),
        Column(
            "escalation_level", "Escalation", lambda i: i.escalation_level, sort="escalation_level"
        ),
        Column(
            "outcome",
            "Outcome",
            lambda i: i.outcome,
            sort="outcome",
            display=lambda i: i.get_outcome_display(),
        ),
        Column("measure", "Measure", lambda i: i.measure, in_table=False),
        Column("baseline_value", "Baseline", lambda i: i.baseline_value, in_table=False),
        Column(
            "created_at",
            "Opened",
            lambda i: i.created_at,
            sort="created_at",
            display=lambda i: i.created_at.date(),
        ),
        Column("closed_at", "Closed", lambda i: i.closed_at, in_table=False),
        Column("outcome_note", "Outcome note", lambda i: i.outcome_note, in_table=False),
    ),
    default_sort="due_date",
    export_name="interventions",
    related=("partner__organization", "owner"),
)


class PlaybookFilter(django_filters.FilterSet):
    warning_kind = django_filters.ChoiceFilter(
        choices=WarningKind.choices, empty_label="Any", widget=FastSelect, label="Warning kind"
    )
    active = django_filters.BooleanFilter()

    class Meta:
        model = Playbook
        fields = ["warning_kind", "active"]


PLAYBOOKS = ListSpec(
    filterset=PlaybookFilter,
    search_fields=("name", "description", "measure"),
    columns=(
        Column("id", "ID", lambda p: p.public_id),
        Column("name", "Playbook", lambda p: p.name, sort="name", link=True),
        Column(
            "warning_kind",
            "Warning kind",
            lambda p: p.warning_kind,
            sort="warning_kind",
            display=lambda p: p.get_warning_kind_display() or "any",
        ),
        Column("measure", "Measure", lambda p: p.measure, display=lambda p: p.measure or "any"),
        Column(
            "min_drop",
            "Drop at least",
            lambda p: p.min_drop,
            sort="min_drop",
            display=lambda p: f"{p.min_drop * 100:.0f}%" if p.min_drop is not None else "any",
        ),
        Column(
            "score_band", "Band", lambda p: p.score_band, display=lambda p: p.score_band or "any"
        ),
        Column("steps", "Steps", lambda p: p.step_count),
        Column(
            "active", "Active", lambda p: p.active, display=lambda p: "yes" if p.active else "no"
        ),
    ),
    default_sort="name",
    export_name="playbooks",
)


class TerminationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=TerminationStatus.choices, empty_label="Any", widget=FastSelect
    )

    class Meta:
        model = TerminationProposal
        fields = ["status"]


TERMINATIONS = ListSpec(
    filterset=TerminationFilter,
    search_fields=("partner__organization__name", "reason", "proposed_by"),
    columns=(
        Column("id", "ID", lambda t: t.public_id),
        Column(
            "partner",
            "Partner",
            lambda t: t.partner.organization.name,
            sort="partner__organization__name",
            link=True,
        ),
        Column(
            "status",
            "Status",
            lambda t: t.status,
            sort="status",
            display=lambda t: t.get_status_display(),
        ),
        Column("proposed_by", "Proposed by", lambda t: t.proposed_by),
        Column(
            "created_at",
            "Proposed",
            lambda t: t.created_at,
            sort="created_at",
            display=lambda t: t.created_at.date(),
        ),
        Column("decided_by", "Decided by", lambda t: t.decided_by),
        Column("reason", "Reason", lambda t: t.reason, in_table=False),
        Column("decision_reason", "Decision reason", lambda t: t.decision_reason, in_table=False),
    ),
    default_sort="-created_at",
    export_name="terminations",
    related=("partner__organization",),
)
