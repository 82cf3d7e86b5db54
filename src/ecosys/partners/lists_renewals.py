"""How the renewal review list is searched, filtered, sorted, shown and exported."""

import django_filters
from django.db.models import Q

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import RenewalChoice, RenewalReview, RenewalReviewStatus

WAITING = (
    ("orchestrator", "Waiting for the orchestrator"),
    ("partner", "Waiting for the partner"),
)


class RenewalReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=RenewalReviewStatus.choices, empty_label="Any status", widget=FastSelect
    )
    waiting_for = django_filters.ChoiceFilter(
        choices=WAITING, empty_label="Anyone", method="filter_waiting", widget=FastSelect
    )
    answer = django_filters.ChoiceFilter(
        choices=RenewalChoice.choices,
        empty_label="Any answer",
        label="Either side chose",
        method="filter_answer",
        widget=FastSelect,
    )
    notice_before = django_filters.DateFilter(
        field_name="notice_date", lookup_expr="lte", label="Notice by"
    )

    class Meta:
        model = RenewalReview
        fields = ["status", "waiting_for", "answer", "notice_before"]

    def filter_waiting(self, queryset, name, value):
        return queryset.filter(status=RenewalReviewStatus.OPEN, **{f"{value}_choice": ""})

    def filter_answer(self, queryset, name, value):
        return queryset.filter(Q(orchestrator_choice=value) | Q(partner_choice=value))


def _choice(review, side: str) -> str:
    value = getattr(review, f"{side}_choice")
    return RenewalChoice(value).label if value else ""


RENEWAL_REVIEWS = ListSpec(
    filterset=RenewalReviewFilter,
    search_fields=("partner__organization__name", "agreement__version__template__name"),
    columns=(
        Column("id", "ID", lambda r: r.public_id),
        Column(
            "partner", "Partner", lambda r: r.partner.organization.name,
            sort="partner__organization__name", link=True,
        ),
        Column(
            "agreement", "Agreement",
            lambda r: f"{r.agreement.version.template.name} v{r.agreement.version.number}",
        ),
        Column("term_end", "Term ends", lambda r: r.term_end, sort="term_end"),
        Column("notice_date", "Notice by", lambda r: r.notice_date, sort="notice_date"),
        Column(
            "automatic", "Renewal", lambda r: r.automatic,
            display=lambda r: "Automatic" if r.automatic else "Fixed term",
        ),
        Column(
            "status", "Status", lambda r: r.status, sort="status",
            display=lambda r: r.get_status_display(),
        ),
        Column("orchestrator_choice", "Orchestrator", lambda r: _choice(r, "orchestrator")),
        Column("partner_choice", "Partner's answer", lambda r: _choice(r, "partner")),
    ),
    default_sort="notice_date",
    export_name="renewal-reviews",
    related=("partner__organization", "agreement__version__template"),
)  # fmt: skip
