"""Filters for ecosystem lists, shared by pages, the API and exports."""

import django_filters
from django_countries import countries

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
)


class OrganizationFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=EcosystemRole.choices, field_name="roles__role", label="Role", distinct=True
    )
    region = django_filters.ChoiceFilter(choices=Region.choices)
    country = django_filters.ChoiceFilter(choices=countries)
    industry = django_filters.ChoiceFilter(choices=Industry.choices)
    size = django_filters.ChoiceFilter(choices=SizeBand.choices)
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Tag")

    class Meta:
        model = Organization
        fields = ["role", "region", "country", "industry", "size", "tag"]


class PersonFilter(django_filters.FilterSet):
    worker_type = django_filters.ChoiceFilter(choices=WorkerType.choices)
    organization = django_filters.UUIDFilter(field_name="organization__public_id")
    independent = django_filters.BooleanFilter(
        field_name="organization", lookup_expr="isnull", label="Independent"
    )

    class Meta:
        model = Person
        fields = ["worker_type", "organization", "independent"]


class RelationshipFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RelationshipKind.choices)
    state = django_filters.ChoiceFilter(choices=RelationshipState.choices)
    organization = django_filters.UUIDFilter(method="filter_organization", label="Organisation")

    class Meta:
        model = Relationship
        fields = ["kind", "state", "organization"]

    def filter_organization(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(source__public_id=value) | Q(target__public_id=value))


class PersonRoleFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PersonRoleKind.choices)
    organization = django_filters.UUIDFilter(field_name="organization__public_id")
    person = django_filters.UUIDFilter(field_name="person__public_id")

    class Meta:
        model = PersonRole
        fields = ["kind", "organization", "person"]
