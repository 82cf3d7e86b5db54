"""How the list of exit bundle jobs is searched, filtered, sorted, shown and exported."""

import django_filters
from django import forms

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect

from .models import BundleJob, BundleJobKind, BundleJobStatus, BundleScope


class BundleJobFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=BundleJobKind.choices, empty_label="Exports and imports", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        choices=BundleJobStatus.choices, empty_label="Any status", widget=FastSelect
    )
    scope = django_filters.ChoiceFilter(
        choices=BundleScope.choices, empty_label="Any scope", widget=FastSelect
    )

    engagement = django_filters.UUIDFilter(
        field_name="engagement__public_id", label="Engagement", widget=forms.HiddenInput
    )

    class Meta:
        model = BundleJob
        fields = ["kind", "status", "scope", "engagement"]


def _result(job: BundleJob) -> str:
    if job.status == BundleJobStatus.FAILED:
        return job.error[:120]
    if job.kind == BundleJobKind.EXPORT:
        return f"{job.entity_total:,} records" if job.counts else ""
    created = sum(entry.get("created", 0) for entry in (job.counts or {}).values())
    if not job.counts:
        return ""
    return f"{created:,} {'would be ' if job.dry_run else ''}created"


BUNDLE_JOBS = ListSpec(
    filterset=BundleJobFilter,
    search_fields=(
        "scope_label", "file_name", "requested_by__email", "organization__name",
        "engagement__title",
    ),
    columns=(
        Column("id", "ID", lambda j: j.public_id),
        Column("what", "What", lambda j: str(j), sort="scope_label", link=True),
        Column(
            "kind", "Kind", lambda j: j.kind, sort="kind",
            display=lambda j: j.get_kind_display() + (" (dry run)" if j.dry_run else ""),
        ),
        Column(
            "scope", "Scope", lambda j: j.scope,
            display=lambda j: j.get_scope_display() if j.kind == BundleJobKind.EXPORT else "",
        ),
        Column(
            "organization", "Organisation",
            lambda j: j.organization.public_id if j.organization else None,
            display=lambda j: j.organization.name if j.organization else "", in_table=False,
        ),
        Column(
            "engagement", "Engagement",
            lambda j: j.engagement.public_id if j.engagement else None,
            display=lambda j: j.engagement.title if j.engagement else "", in_table=False,
        ),
        Column(
            "status", "Status", lambda j: j.status, sort="status",
            display=lambda j: j.get_status_display()
            + (f" ({j.percent}%)" if j.status == BundleJobStatus.RUNNING else ""),
        ),
        Column("result", "Result", _result),
        Column(
            "requested_by", "Requested by",
            lambda j: j.requested_by.email if j.requested_by else "",
            sort="requested_by__email",
        ),
        Column("created_at", "Requested", lambda j: j.created_at, sort="created_at",
               display=lambda j: f"{j.created_at:%Y-%m-%d %H:%M}"),
        Column("expires_at", "Download until", lambda j: j.expires_at, sort="expires_at",
               display=lambda j: f"{j.expires_at:%Y-%m-%d %H:%M}"
               if j.expires_at and j.kind == BundleJobKind.EXPORT else ""),
        Column("size_bytes", "Bytes", lambda j: j.size_bytes, in_table=False),
        Column("sha256", "SHA-256", lambda j: j.sha256, in_table=False),
        Column("policy", "Policy", lambda j: j.policy if j.kind == BundleJobKind.IMPORT else "",
               in_table=False),
        Column("error", "Error", lambda j: j.error, in_table=False),
    ),
    default_sort="-created_at",
    export_name="bundles",
    related=("organization", "engagement", "requested_by"),
)  # fmt: skip
