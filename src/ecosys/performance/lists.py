"""How channel loads, the league table and analytics runs are searched, filtered, shown and
exported."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.models import JobStatus
from ecosys.core.widgets import FastSelect
from ecosys.ecosystem.models import Region

from .models import AnalyticsRun, ChannelLoad, LoadMode, LoadStatus, PartnerScore


class LoadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=LoadStatus.choices, empty_label="Any", widget=FastSelect
    )
    mode = django_filters.ChoiceFilter(
        choices=LoadMode.choices, empty_label="Any", widget=FastSelect
    )
    organization = django_filters.CharFilter(
        field_name="organization__name", lookup_expr="icontains", label="Loaded by"
    )

    class Meta:
        model = ChannelLoad
        fields = ["status", "mode", "organization"]


LOADS = ListSpec(
    filterset=LoadFilter,
    search_fields=("file_name", "organization__name", "message"),
    columns=(
        Column("id", "ID", lambda x: x.public_id),
        Column("file_name", "File", lambda x: x.file_name, sort="file_name", link=True),
        Column("organization", "Loaded by", lambda x: x.organization.name),
        Column(
            "status",
            "Status",
            lambda x: x.status,
            sort="status",
            display=lambda x: x.get_status_display(),
        ),
        Column("mode", "Mode", lambda x: x.mode, display=lambda x: x.get_mode_display()),
        Column("rows", "Rows", lambda x: x.rows, sort="rows"),
        Column("error_count", "Problems", lambda x: x.error_count, sort="error_count"),
        Column(
            "first_period",
            "From",
            lambda x: x.first_period,
            sort="first_period",
            display=lambda x: x.first_period.strftime("%Y-%m") if x.first_period else "",
        ),
        Column(
            "last_period",
            "To",
            lambda x: x.last_period,
            display=lambda x: x.last_period.strftime("%Y-%m") if x.last_period else "",
        ),
        Column(
            "created_at",
            "Uploaded",
            lambda x: x.created_at,
            sort="created_at",
            display=lambda x: x.created_at.strftime("%Y-%m-%d %H:%M"),
        ),  # fmt: skip
    ),
    default_sort="-created_at",
    export_name="channel-loads",
    related=("organization",),
)


class ScoreFilter(django_filters.FilterSet):
    period = django_filters.DateFilter(field_name="period", label="Month (first day)")
    scorecard = django_filters.CharFilter(
        field_name="scorecard__name", lookup_expr="iexact", label="Scorecard"
    )
    region = django_filters.ChoiceFilter(
        field_name="partner__organization__region",
        label="Region",
        choices=Region.choices,
        empty_label="Any",
        widget=FastSelect,
    )
    program = django_filters.CharFilter(
        field_name="partner__program__name", lookup_expr="iexact", label="Programme"
    )
    band = django_filters.CharFilter(field_name="band", lookup_expr="iexact", label="Band")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label="Score ≥")
    max_score = django_filters.NumberFilter(field_name="score", lookup_expr="lte", label="Score ≤")

    class Meta:
        model = PartnerScore
        fields = ["period", "scorecard", "region", "program", "band", "min_score", "max_score"]


def _trend(score) -> str:
    if score.trend is None:
        return ""
    arrow = "▲" if score.trend > 0.5 else "▼" if score.trend < -0.5 else "▶"
    return f"{arrow} {score.trend:+.1f}"


LEAGUE = ListSpec(
    filterset=ScoreFilter,
    search_fields=("partner__organization__name",),
    columns=(
        Column(
            "partner",
            "Partner",
            lambda s: s.partner.organization.name,
            sort="partner__organization__name",
            link=True,
        ),  # fmt: skip
        Column(
            "period",
            "Month",
            lambda s: s.period,
            sort="period",
            display=lambda s: s.period.strftime("%Y-%m"),
        ),  # fmt: skip
        Column("scorecard", "Scorecard", lambda s: s.scorecard.name if s.scorecard else ""),
        Column(
            "score",
            "Score",
            lambda s: s.score,
            sort="score",
            display=lambda s: "" if s.score is None else f"{s.score:.1f}",
        ),  # fmt: skip
        Column("band", "Band", lambda s: s.band, sort="band"),
        Column(
            "rank",
            "Rank",
            lambda s: s.rank,
            sort="rank",
            display=lambda s: f"{s.rank} of {s.segment_size}" if s.rank else "",
        ),  # fmt: skip
        Column("trend", "Trend", lambda s: s.trend, sort="trend", display=_trend),
        Column(
            "revenue",
            "Revenue",
            lambda s: s.measures.get("revenue"),
            display=lambda s: f"{s.measures.get('revenue') or 0:,.0f}",
        ),  # fmt: skip
        Column(
            "growth_yoy",
            "Growth on last year",
            lambda s: s.measures.get("growth_yoy"),
            display=lambda s: (
                "" if s.measures.get("growth_yoy") is None else f"{s.measures['growth_yoy']:+.0%}"
            ),
        ),  # fmt: skip
        Column(
            "region",
            "Region",
            lambda s: s.partner.organization.region,
            display=lambda s: s.partner.organization.get_region_display(),
        ),  # fmt: skip
    ),
    default_sort="rank",
    export_name="league-table",
    related=("partner__organization", "scorecard"),
)


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=JobStatus.choices, empty_label="Any", widget=FastSelect
    )

    class Meta:
        model = AnalyticsRun
        fields = ["status"]


RUNS = ListSpec(
    filterset=RunFilter,
    search_fields=("triggered_by", "error"),
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column(
            "created_at",
            "Started",
            lambda r: r.created_at,
            sort="created_at",
            display=lambda r: r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        ),  # fmt: skip
        Column("triggered_by", "Why", lambda r: r.triggered_by),
        Column(
            "status",
            "Status",
            lambda r: r.status,
            sort="status",
            display=lambda r: r.get_status_display(),
        ),  # fmt: skip
        Column("partner_periods", "Partner-months", lambda r: r.partner_periods),
        Column("written", "Scores written", lambda r: r.written),
        Column("warnings_raised", "New warnings", lambda r: r.warnings_raised),
        Column("seconds", "Seconds", lambda r: (r.timings or {}).get("total_s")),
        Column("error", "Error", lambda r: r.error[:120]),
    ),
    default_sort="-created_at",
    export_name="analytics-runs",
)
