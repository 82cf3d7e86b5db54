"""How the skills, people's skills and assignments lists are searched, filtered and exported."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect
from ecosys.ecosystem.models import WorkerType

from .models import Assignment, AssignmentSource, AssignmentStatus, PersonSkill, Skill
from .models.workforce import LEVELS


class SkillFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(lookup_expr="iexact", label="Category")

    class Meta:
        model = Skill
        fields = ["category"]


SKILLS = ListSpec(
    filterset=SkillFilter,
    search_fields=("name", "category", "description"),
    columns=(
        Column("id", "ID", lambda s: s.public_id),
        Column("name", "Skill", lambda s: s.name, sort="name", link=True),
        Column("category", "Category", lambda s: s.category, sort="category"),
        Column("description", "Description", lambda s: s.description),
        Column(
            "holders", "People", lambda s: getattr(s, "holder_count", None), sort="holder_count"
        ),  # fmt: skip
    ),
    default_sort="category",
    export_name="skills",
)


class PersonSkillFilter(django_filters.FilterSet):
    skill = django_filters.CharFilter(field_name="skill__name", lookup_expr="icontains",
                                      label="Skill")  # fmt: skip
    category = django_filters.CharFilter(field_name="skill__category", lookup_expr="iexact",
                                         label="Category")  # fmt: skip
    min_level = django_filters.ChoiceFilter(
        field_name="level", lookup_expr="gte", choices=LEVELS, label="Level at least",
        empty_label="Any level", widget=FastSelect,
    )  # fmt: skip
    worker_type = django_filters.ChoiceFilter(
        field_name="person__worker_type", choices=WorkerType.choices, empty_label="Any type",
        widget=FastSelect,
    )  # fmt: skip
    organization = django_filters.CharFilter(
        field_name="person__organization__name", lookup_expr="icontains", label="Organisation"
    )
    certified = django_filters.BooleanFilter(
        field_name="certificate", lookup_expr="isnull", exclude=True, label="Certified"
    )

    class Meta:
        model = PersonSkill
        fields = ["skill", "category", "min_level", "worker_type", "organization", "certified"]


PERSON_SKILLS = ListSpec(
    filterset=PersonSkillFilter,
    search_fields=(
        "person__first_name",
        "person__last_name",
        "person__email",
        "skill__name",
        "evidence",
    ),  # fmt: skip
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column(
            "person", "Person", lambda r: r.person.full_name, sort="person__last_name", link=True
        ),  # fmt: skip
        Column("email", "E-mail", lambda r: r.person.email, in_table=False),
        Column(
            "worker_type",
            "Type",
            lambda r: r.person.worker_type,
            display=lambda r: r.person.get_worker_type_display(),
        ),  # fmt: skip
        Column(
            "organization",
            "Organisation",
            lambda r: r.person.organization.name if r.person.organization_id else "",
        ),
        Column("skill", "Skill", lambda r: r.skill.name, sort="skill__name"),
        Column("category", "Category", lambda r: r.skill.category, in_table=False),
        Column("level", "Level", lambda r: r.level, sort="level"),
        Column("evidence", "Evidence", lambda r: r.evidence),
        Column(
            "certificate", "Certificate", lambda r: r.certificate.code if r.certificate_id else ""
        ),  # fmt: skip
    ),
    default_sort="person",
    export_name="people-skills",
    related=("person__organization", "skill", "certificate"),
)


class AssignmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices, empty_label="Any status",
                                         widget=FastSelect)  # fmt: skip
    source = django_filters.ChoiceFilter(choices=AssignmentSource.choices, empty_label="Any source",
                                         widget=FastSelect)  # fmt: skip
    engagement = django_filters.CharFilter(
        field_name="role__engagement__title", lookup_expr="icontains", label="Engagement"
    )

    class Meta:
        model = Assignment
        fields = ["status", "source", "engagement"]


ASSIGNMENTS = ListSpec(
    filterset=AssignmentFilter,
    search_fields=(
        "person__first_name",
        "person__last_name",
        "role__name",
        "role__engagement__title",
    ),  # fmt: skip
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        Column(
            "engagement",
            "Engagement",
            lambda a: a.role.engagement.title,
            sort="role__engagement__title",
            link=True,
        ),  # fmt: skip
        Column("customer", "Customer", lambda a: a.role.engagement.customer.name),
        Column("role", "Role", lambda a: a.role.name, sort="role__name"),
        Column("person", "Person", lambda a: a.person.full_name, sort="person__last_name"),
        Column(
            "share", "Share", lambda a: a.share, sort="share", display=lambda a: f"{a.share:.0%}"
        ),  # fmt: skip
        Column("start_date", "From", lambda a: a.start_date, sort="start_date"),
        Column("end_date", "To", lambda a: a.end_date, sort="end_date"),
        Column("status", "Status", lambda a: a.status, display=lambda a: a.get_status_display()),
        Column("source", "Source", lambda a: a.source, display=lambda a: a.get_source_display()),
    ),
    default_sort="start_date",
    export_name="assignments",
    related=("person__organization", "role__engagement__customer"),
)
