"""How the assessments list is searched, filtered, sorted, shown and exported."""

import django_filters
from django import forms

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import Assignment, AssignmentStatus


class AssignmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=AssignmentStatus.choices, empty_label="Any status", widget=FastSelect
    )
    questionnaire = django_filters.CharFilter(
        field_name="questionnaire__title", lookup_expr="icontains", label="Questionnaire"
    )
    passed = django_filters.BooleanFilter(label="Passed")
    valid_until_before = django_filters.DateFilter(
        field_name="valid_until",
        lookup_expr="lte",
        label="Valid until on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Assignment
        fields = ["status", "questionnaire", "passed", "valid_until_before"]


def _score(a):
    if a.score is None:
        return ""
    verdict = "" if a.passed is None else (" passed" if a.passed else " not passed")
    return f"{a.score}%{verdict}"


ASSESSMENTS = ListSpec(
    filterset=AssignmentFilter,
    search_fields=("questionnaire__title", "organization__name"),
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        Column(
            "questionnaire",
            "Questionnaire",
            lambda a: a.questionnaire.title,
            sort="questionnaire__title",
            link=True,
        ),
        Column(
            "organization",
            "Organisation",
            lambda a: a.organization.name,
            sort="organization__name",
        ),
        Column(
            "status",
            "Status",
            lambda a: a.status,
            sort="status",
            display=lambda a: a.get_status_display(),
        ),
        Column("due_date", "Due", lambda a: a.due_date, sort="due_date"),
        Column("score", "Score", lambda a: a.score, sort="score", display=_score),
        Column("passed", "Passed", lambda a: a.passed, in_table=False),
        Column("valid_until", "Valid until", lambda a: a.valid_until, sort="valid_until"),
    ),
    default_sort="-assigned_at",
    extra_sorts=(("assigned_at", "assigned_at"),),
    export_name="assessments",
    related=("questionnaire", "organization"),
)
