"""Filters for ecosystem lists, shared by pages, the API and exports."""

import django_filters
from django import forms

from ecosys.core.widgets import FastSelect

from .models import (
    EcosystemRole,
    Industry,
    Organization,
    Person,
    PersonRole,
    PersonRoleKind,
    Region,
    Relationship,
    RelationshipKind,
    RelationshipState,
    SizeBand,
    WorkerType,
    country_choices,
)

ANY = "Any"
BY_ID = forms.HiddenInput  # ids come from links on other pages, not from typing


class OrganizationFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=EcosystemRole.choices,
        field_name="roles__role",
        label="Role",
        distinct=True,
        empty_label=ANY,
        widget=FastSelect,
    )
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label=ANY, widget=FastSelect)
    country = django_filters.ChoiceFilter(
        choices=country_choices, empty_label=ANY, widget=FastSelect
    )
    industry = django_filters.ChoiceFilter(
        choices=Industry.choices, empty_label=ANY, widget=FastSelect
    )
    size = django_filters.ChoiceFilter(choices=SizeBand.choices, empty_label=ANY, label="Size")
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Tag")

    class Meta:
        model = Organization
        fields = ["role", "region", "country", "industry", "size", "tag"]


class PersonFilter(django_filters.FilterSet):
    worker_type = django_filters.ChoiceFilter(
        choices=WorkerType.choices, empty_label=ANY, widget=FastSelect
    )
    organization_name = django_filters.CharFilter(
        field_name="organization__name", lookup_expr="icontains", label="Organisation"
    )
    independent = django_filters.BooleanFilter(
        field_name="organization",
        lookup_expr="isnull",
        label="Employer",
        widget=FastSelect(
            choices=[("", ANY), ("true", "Independent only"), ("false", "With an organisation")]
        ),
    )
    organization = django_filters.UUIDFilter(field_name="organization__public_id", widget=BY_ID)

    class Meta:
        model = Person
        fields = ["worker_type", "organization_name", "independent", "organization"]


class RelationshipFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=RelationshipKind.choices, empty_label=ANY, widget=FastSelect
    )
    state = django_filters.ChoiceFilter(
        choices=RelationshipState.choices, empty_label=ANY, widget=FastSelect
    )
    organization = django_filters.UUIDFilter(method="filter_organization", widget=BY_ID)

    class Meta:
        model = Relationship
        fields = ["kind", "state", "organization"]

    def filter_organization(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(source__public_id=value) | Q(target__public_id=value))


class PersonRoleFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=PersonRoleKind.choices, empty_label=ANY, widget=FastSelect
    )
    organization = django_filters.UUIDFilter(field_name="organization__public_id", widget=BY_ID)
    person = django_filters.UUIDFilter(field_name="person__public_id", widget=BY_ID)

    class Meta:
        model = PersonRole
        fields = ["kind", "organization", "person"]
