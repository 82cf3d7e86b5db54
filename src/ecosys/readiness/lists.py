"""How the course and announcement lists are searched, filtered, sorted, shown and exported."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect
from ecosys.ecosystem.models import Region

from .models import Announcement, Course


class CourseFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(
        field_name="next_version", lookup_expr="isnull", label="Newest version only"
    )
    is_new_product = django_filters.BooleanFilter(label="New product / process")
    has_quiz = django_filters.BooleanFilter(
        field_name="quiz", lookup_expr="isnull", exclude=True, label="With a quiz"
    )

    class Meta:
        model = Course
        fields = ["current", "is_new_product", "has_quiz"]


COURSES = ListSpec(
    filterset=CourseFilter,
    search_fields=("title", "description", "change_note"),
    columns=(
        Column("id", "ID", lambda c: c.public_id),
        Column("title", "Course", lambda c: c.title, sort="title", link=True),
        Column("version", "Version", lambda c: c.version, sort="version"),
        Column(
            "is_new_product",
            "New product / process",
            lambda c: c.is_new_product,
            display=lambda c: "yes" if c.is_new_product else "",
        ),
        Column("modules", "Modules", lambda c: len(c.modules)),
        Column(
            "quiz",
            "Quiz",
            lambda c: c.quiz.title if c.quiz else "",
            display=lambda c: f"pass mark {c.quiz.pass_mark}%" if c.quiz else "",
        ),
        Column("change_note", "What changed", lambda c: c.change_note),
        Column(
            "published_at",
            "Published",
            lambda c: c.published_at,
            sort="published_at",
            display=lambda c: c.published_at.date() if c.published_at else "",
        ),
        Column("description", "Description", lambda c: c.description, in_table=False),
    ),
    default_sort="title",
    export_name="courses",
    related=("quiz",),
)


class AnnouncementFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(
        choices=Region.choices, empty_label="Any region", widget=FastSelect
    )
    program = django_filters.CharFilter(
        field_name="program__name", lookup_expr="icontains", label="Programme"
    )
    published_after = django_filters.DateFilter(
        field_name="published_at", lookup_expr="date__gte", label="Published from"
    )

    class Meta:
        model = Announcement
        fields = ["region", "program", "published_after"]


def _audience(a) -> str:
    parts = [
        a.program.name if a.program else "every programme",
        a.tier.name if a.tier else "",
        Region(a.region).label if a.region else "",
        {"external_admin": "admins", "external_member": "members"}.get(a.member_role, ""),
    ]
    return ", ".join(part for part in parts if part)


def _read_percent(a) -> int:
    delivered = len(a.recipients)
    return round(100 * a.read_count / delivered) if delivered else 0


_TITLE = Column("title", "Title", lambda a: a.title, sort="title", link=True)
_PUBLISHED = Column(
    "published_at",
    "Published",
    lambda a: a.published_at,
    sort="published_at",
    display=lambda a: a.published_at.date(),
)

# The orchestrator's view: audience and reach. Rows carry read_count (see the selector).
ANNOUNCEMENTS = ListSpec(
    filterset=AnnouncementFilter,
    search_fields=("title", "body"),
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        _TITLE,
        _PUBLISHED,
        Column("audience", "Audience", _audience),
        Column("delivered", "Delivered", lambda a: len(a.recipients)),
        Column("read", "Read", lambda a: a.read_count),
        Column("read_percent", "Read %", _read_percent),
        Column("body", "Text", lambda a: a.body, in_table=False),
    ),
    default_sort="-published_at",
    export_name="announcements",
    related=("program", "tier"),
)

# A partner member's view: what was delivered to them, and whether they opened it. Rows carry
# read_by_me (see the selector).
ANNOUNCEMENTS_PORTAL = ListSpec(
    filterset=AnnouncementFilter,
    search_fields=("title", "body"),
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        Column(
            "new",
            "",
            lambda a: not a.read_by_me,
            display=lambda a: "" if a.read_by_me else "new",
        ),
        _TITLE,
        _PUBLISHED,
        Column("body", "Text", lambda a: a.body, in_table=False),
    ),
    default_sort="-published_at",
    export_name="announcements",
)
