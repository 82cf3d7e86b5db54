"""How the partner list is searched, filtered, sorted, shown and exported."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Partner,
    PartnerState,
)


class PartnerFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=PartnerState.choices, empty_label="Any", widget=FastSelect
    )
    owner = django_filters.CharFilter(
        field_name="owner__email", lookup_expr="iexact", label="Owner (e-mail)"
    )
    min_fit = django_filters.NumberFilter(
        field_name="fit_score", lookup_expr="gte", label="Fit at least"
    )

    class Meta:
        model = Partner
        fields = ["state", "owner", "min_fit"]


PARTNERS = ListSpec(
    filterset=PartnerFilter,
    search_fields=("organization__name", "next_step"),
    columns=(
        Column("id", "ID", lambda p: p.public_id),
        Column(
            "organization",
            "Organisation",
            lambda p: p.organization.name,
            sort="organization__name",
            link=True,
        ),
        Column(
            "state",
            "State",
            lambda p: p.state,
            sort="state",
            display=lambda p: p.get_state_display(),
        ),
        Column("fit_score", "Fit", lambda p: p.fit_score, sort="fit_score"),
        Column("owner", "Owner", lambda p: p.owner.email if p.owner else "", sort="owner__email"),
        Column("next_step", "Next step", lambda p: p.next_step),
        Column("next_step_due", "Due", lambda p: p.next_step_due, sort="next_step_due"),
        Column(
            "state_changed_at",
            "In state since",
            lambda p: p.state_changed_at,
            sort="state_changed_at",
            display=lambda p: p.state_changed_at.date(),
        ),
    ),
    default_sort="-fit_score",
    export_name="partners",
    related=("organization", "owner"),
)


class AgreementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=AgreementStatus.choices, empty_label="Any", widget=FastSelect
    )
    template = django_filters.CharFilter(
        field_name="version__template__name", lookup_expr="iexact", label="Template"
    )

    class Meta:
        model = Agreement
        fields = ["status", "template"]


AGREEMENTS = ListSpec(
    filterset=AgreementFilter,
    search_fields=("partner__organization__name", "version__template__name"),
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        Column(
            "partner",
            "Partner",
            lambda a: a.partner.organization.name,
            sort="partner__organization__name",
            link=True,
        ),
        Column(
            "agreement",
            "Agreement",
            lambda a: f"{a.version.template.name} v{a.version.number}",
            sort="version__template__name",
        ),
        Column(
            "status",
            "Status",
            lambda a: a.status,
            sort="status",
            display=lambda a: a.get_status_display(),
        ),
        Column("start_date", "Start", lambda a: a.start_date, sort="start_date"),
        Column("end_date", "End", lambda a: a.end_date, sort="end_date"),
        Column("notice_date", "Notice by", lambda a: a.notice_date),
        Column(
            "renewal",
            "Renewal",
            lambda a: a.version.renewal,
            display=lambda a: a.version.get_renewal_display(),
        ),
        Column(
            "accepted_at",
            "Accepted",
            lambda a: a.accepted_at,
            display=lambda a: a.accepted_at.date() if a.accepted_at else "",
        ),
    ),
    default_sort="end_date",
    export_name="agreements",
    related=("partner__organization", "version__template"),
)


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ApplicationStatus.choices, empty_label="Any status", widget=FastSelect
    )
    partner_type = django_filters.CharFilter(lookup_expr="iexact", label="Type")
    country = django_filters.CharFilter(lookup_expr="iexact", label="Country (code)")

    class Meta:
        model = Application
        fields = ["status", "partner_type", "country"]


APPLICATIONS = ListSpec(
    filterset=ApplicationFilter,
    search_fields=("company_name", "website_domain", "contact_name", "contact_email"),
    columns=(
        Column("id", "ID", lambda a: a.public_id),
        Column("company_name", "Company", lambda a: a.company_name, sort="company_name", link=True),
        Column("website_domain", "Domain", lambda a: a.website_domain, sort="website_domain"),
        Column("partner_type", "Type", lambda a: a.partner_type, sort="partner_type"),
        Column("country", "Country", lambda a: a.country, sort="country"),
        Column("contact_name", "Contact", lambda a: a.contact_name, in_table=False),
        Column("contact_email", "Contact e-mail", lambda a: a.contact_email, in_table=False),
        Column(
            "created_at",
            "Received",
            lambda a: a.created_at,
            sort="created_at",
            display=lambda a: a.created_at.date(),
        ),
        Column(
            "status",
            "Status",
            lambda a: a.status,
            sort="status",
            display=lambda a: a.get_status_display(),
        ),
        Column(
            "current_step",
            "Step",
            lambda a: a.current_step.name if a.current_step else "",
        ),
    ),
    default_sort="-created_at",
    export_name="applications",
    related=("current_step",),
)
