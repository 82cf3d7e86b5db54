"""The permission matrix's objects, payloads and pages for the engagement cycle: partner A and
partner B are each the customer of an engagement that is tracking with its report issued and a
second baseline version awaiting confirmation; each is the only member of a working group."""

import datetime as dt

from ecosys.ecosystem.models import EcosystemRole, OrganizationRole
from ecosys.engagements import benefit_run
from ecosys.engagements import services_cycle as services
from ecosys.engagements.models import BaselineVersion, Theme

PAGES = (
    "/engagements/{cycle_engagement}/",
    "/engagements/{cycle_engagement}/edit/",
    "/engagements/{cycle_engagement}/metrics/new/",
    "/engagements/{cycle_engagement}/measurements/new/",
    "/engagements/{cycle_engagement}/measurements/import/",
    "/engagements/{cycle_engagement}/report/",
    "/engagements/{cycle_engagement}/report.pdf",
    "/engagements/metrics/{cycle_metric}/edit/",
    "/engagements/metrics/{cycle_metric}/channel/",
    "/engagements/offerings/{cycle_offering}/",
    "/engagements/offerings/{cycle_offering}/edit/",
    "/working-groups/{cycle_group}/",
    "/working-groups/{cycle_group}/edit/",
    "/working-groups/{cycle_group}/propose/",
    "/working-groups/initiatives/{cycle_initiative}/",
)
LISTS = (
    "/engagements/",
    "/engagements/new/",
    "/engagements/offerings/",
    "/engagements/offerings/new/",
    "/engagements/measurements/",
    "/working-groups/",
    "/working-groups/new/",
    "/working-groups/themes/",
    "/working-groups/initiatives/",
)


def objects(workspace, actors, organizations) -> dict:
    staff = actors["orchestrator_staff"]
    theme = Theme.objects.create(workspace=workspace, name="Matrix theme", keywords=["matrix"])
    offering = services.offering_save(
        actor=staff, name="Matrix offering", scope="Matrix scope", theme=theme,
        metrics=[{"name": "Matrix metric", "unit": "days", "direction": "lower"}],
    )  # fmt: skip
    found = {}
    for organization in organizations:
        OrganizationRole.objects.get_or_create(
            workspace=workspace, organization=organization, role=EcosystemRole.CUSTOMER
        )
        group = services.working_group_create(
            actor=staff, name=f"Matrix group {organization.pk}", members=[organization]
        )
        initiative = services.initiative_propose(
            actor=staff, group=group, proposed_by=organization, title="Matrix initiative",
            problem="Matrix problem", area="other",
        )  # fmt: skip
        engagement = services.engagement_create(
            actor=staff, customer=organization, offering=offering, title="Matrix engagement",
            start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), currency="EUR",
        )  # fmt: skip
        metric = engagement.metrics.get()
        services.engagement_transition(actor=staff, engagement=engagement, to_status="staffing")
        services.engagement_transition(actor=staff, engagement=engagement, to_status="baseline")
        for kind, month in (("baseline", 1), ("tracking", 4), ("final", 10)):
            if kind == "tracking":
                BaselineVersion.objects.filter(engagement=engagement).update(status="confirmed")
                services.engagement_transition(
                    actor=staff, engagement=engagement, to_status="tracking"
                )
            measurement = services.measurement_record(
                actor=staff, metric=metric, kind=kind, period_start=dt.date(2026, month, 1),
                value="10", unit="days",
            )  # fmt: skip
            if kind == "baseline":
                services.baseline_submit(actor=staff, version=measurement.baseline_version)
            if kind == "tracking":
                tracking_value = measurement
        services.measurement_close(actor=staff, engagement=engagement)
        benefit_run.benefit_compute(actor=staff, engagement=engagement)
        services.report_issue(actor=staff, engagement=engagement)
        # A second baseline version opened after measurement closed is refused, so the
        # version awaiting confirmation is made directly.
        version = BaselineVersion.objects.create(
            workspace=workspace, engagement=engagement, version=2, status="submitted"
        )
        found[organization] = {
            "cycle_group": group.public_id,
            "cycle_initiative": initiative.public_id,
            "cycle_offering": offering.public_id,
            "cycle_theme": theme.public_id,
            "cycle_engagement": engagement.public_id,
            "cycle_metric": metric.public_id,
            "cycle_measurement": tracking_value.public_id,
            "cycle_version": version.public_id,
        }
    return found


def url(url: str, ids: dict) -> str:
    # ninja lists the cycle's paths with their converter ({uuidstr:...}): UUID-only segments,
    # so the staffing and money parts' literal paths under /engagements/ never match them.
    for name, key in (
        ("group_id", "cycle_group"), ("initiative_id", "cycle_initiative"),
        ("offering_id", "cycle_offering"), ("engagement_id", "cycle_engagement"),
        ("metric_id", "cycle_metric"), ("measurement_id", "cycle_measurement"),
        ("version_id", "cycle_version"),
    ):  # fmt: skip
        url = url.replace(f"{{uuidstr:{name}}}", str(ids[key]))
    return url


def payloads(ids: dict) -> dict:
    org = str(ids["org"])
    return {
        "working_group_create": {"name": "Matrix group new", "member_ids": []},
        "working_group_update": {"name": f"Matrix group {org}", "member_ids": [org]},
        "initiative_propose": {
            "proposed_by_id": org,
            "title": "Matrix initiative 2",
            "problem": "p",
            "area": "other",
        },  # fmt: skip
        "initiative_rank_set": {
            "organization_id": org,
            "initiative_ids": [str(ids["cycle_initiative"])],
        },
        "theme_rebuild": {"threshold": 0.85},
        "offering_create": {"name": "Matrix offering 2", "scope": "s"},
        "offering_update": {"name": "Matrix offering", "scope": "changed"},
        "engagement_create": {
            "customer_id": org,
            "title": "Matrix 2",
            "scope": "s",
            "start_date": "2027-01-01",
            "end_date": "2027-06-30",
            "currency": "EUR",
        },  # fmt: skip
        "engagement_update": {"cadence": "Monthly"},
        "engagement_transition": {"to_status": "closed", "reason": "matrix"},
        "metric_create": {
            "name": "M2",
            "unit": "days",
            "direction": "lower",
            "value_per_unit": "1",
        },
        "metric_update": {"target": "5"},
        "metric_channel_pull": {"account": "MATRIX-NOBODY", "measure": "orders"},
        "measurement_record": {
            "metric_id": str(ids["cycle_metric"]),
            "kind": "tracking",
            "period_start": "2026-06-01",
            "value": "9",
            "unit": "days",
        },  # fmt: skip
        "measurement_import": {"_multipart": True, "file": "values.csv"},
        "baseline_version_new": {"note": "matrix"},
        "baseline_return": {"comment": "matrix"},
        "report_issue": {"summary": "matrix"},
        "report_decide": {"decision": "dispute", "comment": "matrix"},
    }
