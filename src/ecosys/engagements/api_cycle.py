"""Engagements API: cycle — working groups, initiatives and ranks, themes, offerings,
engagements and their lifecycle, metrics, measurements, baselines, benefit, outcome report."""

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from ninja import File, Router, Status, UploadedFile

from ecosys.core.access import CHANGE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get, person_get

from . import benefit_run, channel_metrics, report
from . import selectors_cycle as selectors
from . import services_cycle as services
from .lists_cycle import ENGAGEMENTS, INITIATIVES, MEASUREMENTS, OFFERINGS, WORKING_GROUPS
from .schemas_cycle import (
    BaselineVersionIn,
    BaselineVersionOut,
    BenefitOut,
    ChannelPullIn,
    ChannelPullOut,
    CommentIn,
    EngagementDetailOut,
    EngagementIn,
    EngagementOut,
    EngagementPatchIn,
    ImportOut,
    InitiativeIn,
    InitiativeOut,
    MeasurementIn,
    MeasurementOut,
    MetricIn,
    MetricOut,
    MetricPatchIn,
    OfferingIn,
    OfferingOut,
    RankIn,
    RankOut,
    ReportDecisionIn,
    ReportIssueIn,
    ReportOut,
    ThemeDemandOut,
    ThemeRebuildIn,
    TransitionIn,
    WorkingGroupIn,
    WorkingGroupOut,
)

router = Router(tags=["engagements"])
ERRORS = {401: Detail, 403: Detail, 404: Detail, 422: Detail}
ENGAGEMENT = "engagements.engagement"


# -- serialisers ---------------------------------------------------------------------------


def group_out(group) -> dict:
    members = list(group.members.order_by("name"))
    return {
        "id": group.public_id,
        "name": group.name,
        "description": group.description,
        "members": [org.name for org in members],
        "member_ids": [org.public_id for org in members],
        "created_at": group.created_at,
    }


def initiative_out(initiative) -> dict:
    average = getattr(initiative, "average_rank", None)
    return {
        "id": initiative.public_id,
        "group_id": initiative.group.public_id,
        "group": initiative.group.name,
        "proposed_by_id": initiative.proposed_by.public_id,
        "proposed_by": initiative.proposed_by.name,
        "theme": initiative.theme.name if initiative.theme_id else None,
        "average_rank": round(float(average), 2) if average is not None else None,
        **{
            name: getattr(initiative, name)
            for name in (
                "title",
                "problem",
                "area",
                "expected_benefit",
                "expected_value",
                "currency",
                "created_at",
            )
        },  # fmt: skip
    }


def offering_out(offering) -> dict:
    return {
        "id": offering.public_id,
        "theme_id": offering.theme.public_id if offering.theme_id else None,
        "theme": offering.theme.name if offering.theme_id else None,
        **{
            name: getattr(offering, name)
            for name in ("name", "scope", "deliverables", "metrics", "roles", "created_at")
        },
    }


def engagement_out(engagement) -> dict:
    money = selectors.shows_money(engagement)  # hidden from organisations only assigned to it
    return {
        "id": engagement.public_id,
        "customer_id": engagement.customer.public_id,
        "customer": engagement.customer.name,
        "offering_id": engagement.offering.public_id if engagement.offering_id else None,
        "offering": engagement.offering.name if engagement.offering_id else None,
        "lead": engagement.lead.email if engagement.lead_id else None,
        **{
            name: getattr(engagement, name)
            for name in (
                "title",
                "scope",
                "start_date",
                "end_date",
                "cadence",
                "status",
                "currency",
                "onsite_required",
                "language",
                "tools",
                "measurement_closed_at",
                "closed_at",
                "created_at",
            )
        },  # fmt: skip
        "budget": engagement.budget if money else None,
        "commercial_model": engagement.commercial_model if money else "",
    }


def metric_out(metric) -> dict:
    return {
        "id": metric.public_id,
        "engagement_id": metric.engagement.public_id,
        **{
            name: getattr(metric, name)
            for name in (
                "name",
                "unit",
                "direction",
                "source",
                "value_per_unit",
                "currency",
                "target",
                "plausible_min",
                "plausible_max",
                "comparison_label",
            )
        },  # fmt: skip
    }


def measurement_out(row) -> dict:
    return {
        "id": row.public_id,
        "engagement_id": row.metric.engagement.public_id,
        "metric_id": row.metric.public_id,
        "metric": row.metric.name,
        "baseline_version": row.baseline_version.version if row.baseline_version_id else None,
        "entered_by": row.entered_by.email if row.entered_by_id else None,
        **{
            name: getattr(row, name)
            for name in ("kind", "group", "unit", "period_start", "value", "source", "created_at")
        },
    }


def version_out(version) -> dict:
    return {
        "id": version.public_id,
        "engagement_id": version.engagement.public_id,
        "confirmed_by": version.confirmed_by.email if version.confirmed_by_id else None,
        "values": version.measurements.count(),
        **{
            name: getattr(version, name)
            for name in (
                "version",
                "status",
                "note",
                "customer_comment",
                "submitted_at",
                "confirmed_at",
            )
        },  # fmt: skip
    }


def benefit_out(result) -> dict:
    return {
        "metric_id": result.metric.public_id,
        "metric": result.metric.name,
        **{
            name: getattr(result, name)
            for name in (
                "method",
                "improvement",
                "low",
                "high",
                "money",
                "money_low",
                "money_high",
                "currency",
                "inputs",
                "computed_at",
            )
        },  # fmt: skip
    }


def report_out(outcome) -> dict:
    return {
        "engagement_id": outcome.engagement.public_id,
        "decided_by": outcome.decided_by.email if outcome.decided_by_id else None,
        **{
            name: getattr(outcome, name)
            for name in (
                "status",
                "summary",
                "issued_at",
                "customer_comment",
                "decided_at",
                "closed_at",
            )
        },  # fmt: skip
    }


def _detail(actor, engagement) -> dict:
    engagement = selectors.engagement_get(actor=actor, public_id=engagement.public_id)
    outcome = selectors.report_get(actor=actor, engagement=engagement)
    return {
        **engagement_out(engagement),
        "customer_team": [
            {"id": p.public_id, "name": p.full_name, "title": p.title}
            for p in selectors.customer_team(engagement=engagement)
        ],
        "metrics": [
            metric_out(m) for m in selectors.metric_list(actor=actor, engagement=engagement)
        ],
        "baseline_versions": [
            version_out(v) for v in selectors.baseline_versions(actor=actor, engagement=engagement)
        ],
        "benefit": [
            benefit_out(r) for r in selectors.benefit_results(actor=actor, engagement=engagement)
        ],
        "report": report_out(outcome) if outcome else None,
        "history": list(selectors.engagement_history(actor=actor, engagement=engagement)),
    }


def _orgs(actor, ids):
    return [organization_get(actor=actor, public_id=i) for i in ids]


def _acting_org(actor, given):
    if given is not None:
        return organization_get(actor=actor, public_id=given)
    if actor.is_orchestrator:
        raise ValidationError({"organization_id": "Say which member organisation acts."})
    return organization_get(actor=actor, public_id=actor.membership.organization.public_id)


# -- working groups, initiatives, themes ---------------------------------------------------


@router.get("/working-groups", response={200: Page[WorkingGroupOut], **ERRORS})
@access_rule("engagements.workinggroup:view")
def working_group_list(request):
    """Customer working groups (a customer: the groups it belongs to). Filter: member; q."""
    rows = list_apply(
        selectors.working_group_list(actor=request.auth), request.GET, WORKING_GROUPS
    ).queryset.prefetch_related("members")
    return paginate(request, rows, group_out)


@router.get("/working-groups/export", response={200: None, **ERRORS})
@access_rule("engagements.workinggroup:view")
def working_group_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(
        selectors.working_group_list(actor=request.auth), request.GET, WORKING_GROUPS
    ).queryset
    return export_response(rows, WORKING_GROUPS, format)


@router.post("/working-groups", response={201: WorkingGroupOut, **ERRORS})
@access_rule("engagements.workinggroup:add")
def working_group_create(request, payload: WorkingGroupIn):
    data = payload.dict()
    members = _orgs(request.auth, data.pop("member_ids"))
    group = services.working_group_create(actor=request.auth, members=members, **data)
    return Status(201, group_out(group))


@router.get("/working-groups/{uuid:group_id}", response={200: WorkingGroupOut, **ERRORS})
@access_rule("engagements.workinggroup:view")
def working_group_detail(request, group_id: UUID):
    return group_out(selectors.working_group_get(actor=request.auth, public_id=group_id))


@router.put("/working-groups/{uuid:group_id}", response={200: WorkingGroupOut, **ERRORS})
@access_rule("engagements.workinggroup:change")
def working_group_update(request, group_id: UUID, payload: WorkingGroupIn):
    group = selectors.working_group_get(actor=request.auth, public_id=group_id)
    data = payload.dict()
    members = _orgs(request.auth, data.pop("member_ids"))
    group = services.working_group_update(actor=request.auth, group=group, members=members, **data)
    return group_out(group)


@router.post("/working-groups/{uuid:group_id}/initiatives", response={201: InitiativeOut, **ERRORS})
@access_rule("engagements.initiative:add")
def initiative_propose(request, group_id: UUID, payload: InitiativeIn):
    """A member proposes an initiative (its admin for itself; the orchestrator for a member)."""
    actor = request.auth
    group = selectors.working_group_get(actor=actor, public_id=group_id)
    data = payload.dict()
    proposed_by = _acting_org(actor, data.pop("proposed_by_id"))
    initiative = services.initiative_propose(
        actor=actor, group=group, proposed_by=proposed_by, **data
    )
    return Status(201, initiative_out(initiative))


@router.put("/working-groups/{uuid:group_id}/ranks", response={200: list[RankOut], **ERRORS})
@access_rule("engagements.initiativerank:change")
def initiative_rank_set(request, group_id: UUID, payload: RankIn):
    """A member's ranking of its group's initiatives, most wanted first (replaces the last)."""
    actor = request.auth
    group = selectors.working_group_get(actor=actor, public_id=group_id)
    organization = _acting_org(actor, payload.organization_id)
    initiatives = [
        selectors.initiative_get(actor=actor, public_id=i) for i in payload.initiative_ids
    ]
    ranks = services.initiative_rank_set(
        actor=actor, group=group, organization=organization, initiatives=initiatives
    )
    return [
        {"initiative_id": r.initiative.public_id, "title": r.initiative.title, "rank": r.rank}
        for r in ranks
    ]


@router.get("/working-groups/initiatives", response={200: Page[InitiativeOut], **ERRORS})
@access_rule("engagements.initiative:view")
def initiative_list(request):
    """Initiatives (a customer: those of its groups). Filters: area, group, proposed_by, theme;
    q; sort (-created_at, average_rank, expected_value…)."""
    rows = list_apply(selectors.initiative_list(actor=request.auth), request.GET, INITIATIVES)
    return paginate(request, rows.queryset, initiative_out)


@router.get("/working-groups/initiatives/export", response={200: None, **ERRORS})
@access_rule("engagements.initiative:view")
def initiative_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.initiative_list(actor=request.auth), request.GET, INITIATIVES)
    return export_response(rows.queryset, INITIATIVES, format)


@router.get(
    "/working-groups/initiatives/{uuid:initiative_id}", response={200: InitiativeOut, **ERRORS}
)
@access_rule("engagements.initiative:view")
def initiative_detail(request, initiative_id: UUID):
    return initiative_out(selectors.initiative_get(actor=request.auth, public_id=initiative_id))


@router.get("/working-groups/themes", response={200: list[ThemeDemandOut], **ERRORS})
@access_rule("engagements.theme:view")
def theme_demand_list(request):
    """Themes of similar initiatives with their demand (the orchestrator)."""
    return [
        {
            "id": row["theme"].public_id,
            "name": row["theme"].name,
            "keywords": row["theme"].keywords,
            "offering_ids": [o.public_id for o in row["offerings"]],
            **{k: row[k] for k in ("initiatives", "members", "rankers", "average_rank")},
            "expected_value": row["expected_value"],
        }
        for row in selectors.theme_demand(actor=request.auth)
    ]


@router.post("/working-groups/themes/rebuild", response={200: list[ThemeDemandOut], **ERRORS})
@access_rule("engagements.theme:change")
def theme_rebuild(request, payload: ThemeRebuildIn):
    """Group every initiative into themes again (deterministic)."""
    services.theme_rebuild(actor=request.auth, threshold=payload.threshold)
    return theme_demand_list(request)


# -- offerings ------------------------------------------------------------------------------


def _offering_data(actor, payload) -> dict:
    data = payload.dict()
    theme_id = data.pop("theme_id")
    data["theme"] = selectors.theme_get(actor=actor, public_id=theme_id) if theme_id else None
    return data


@router.get("/engagements/offerings", response={200: Page[OfferingOut], **ERRORS})
@access_rule("engagements.offering:view")
def offering_list(request):
    """Baseline offerings. Filter: theme; q."""
    rows = list_apply(selectors.offering_list(actor=request.auth), request.GET, OFFERINGS)
    return paginate(request, rows.queryset, offering_out)


@router.get("/engagements/offerings/export", response={200: None, **ERRORS})
@access_rule("engagements.offering:view")
def offering_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.offering_list(actor=request.auth), request.GET, OFFERINGS)
    return export_response(rows.queryset, OFFERINGS, format)


@router.post("/engagements/offerings", response={201: OfferingOut, **ERRORS})
@access_rule("engagements.offering:add")
def offering_create(request, payload: OfferingIn):
    """Define a baseline offering (usually from a theme): scope, deliverables, metrics, roles."""
    actor = request.auth
    offering = services.offering_save(actor=actor, **_offering_data(actor, payload))
    return Status(201, offering_out(offering))


@router.get("/engagements/offerings/{uuid:offering_id}", response={200: OfferingOut, **ERRORS})
@access_rule("engagements.offering:view")
def offering_detail(request, offering_id: UUID):
    return offering_out(selectors.offering_get(actor=request.auth, public_id=offering_id))


@router.put("/engagements/offerings/{uuid:offering_id}", response={200: OfferingOut, **ERRORS})
@access_rule("engagements.offering:change")
def offering_update(request, offering_id: UUID, payload: OfferingIn):
    actor = request.auth
    offering = selectors.offering_get(actor=actor, public_id=offering_id)
    offering = services.offering_save(
        actor=actor, offering=offering, **_offering_data(actor, payload)
    )
    return offering_out(offering)


# -- engagements ---------------------------------------------------------------------------


@router.get("/engagements", response={200: Page[EngagementOut], **ERRORS})
@access_rule("engagements.engagement:view")
def engagement_list(request):
    """Engagements (a customer: its own). Filters: status, commercial_model, customer,
    starts_after, ends_before; q; sort (-created_at, start_date, end_date, title…)."""
    rows = list_apply(selectors.engagement_list(actor=request.auth), request.GET, ENGAGEMENTS)
    return paginate(request, rows.queryset, engagement_out)


@router.get("/engagements/export", response={200: None, **ERRORS})
@access_rule("engagements.engagement:view")
def engagement_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.engagement_list(actor=request.auth), request.GET, ENGAGEMENTS)
    return export_response(rows.queryset, ENGAGEMENTS, format)


@router.post("/engagements", response={201: EngagementDetailOut, **ERRORS})
@access_rule("engagements.engagement:add")
def engagement_create(request, payload: EngagementIn):
    """Open an engagement (draft) for one customer, from an offering or a custom scope."""
    actor = request.auth
    data = payload.dict()
    data["customer"] = organization_get(actor=actor, public_id=data.pop("customer_id"))
    offering_id = data.pop("offering_id")
    data["offering"] = (
        selectors.offering_get(actor=actor, public_id=offering_id) if offering_id else None
    )
    data["customer_team"] = [
        person_get(actor=actor, public_id=i) for i in data.pop("customer_team_ids")
    ]
    engagement = services.engagement_create(actor=actor, lead=actor.user, **data)
    return Status(201, _detail(actor, engagement))


@router.get("/engagements/{uuid:engagement_id}", response={200: EngagementDetailOut, **ERRORS})
@access_rule("engagements.engagement:view")
def engagement_detail(request, engagement_id: UUID):
    """One engagement with its team, metrics, baselines, benefit, report and history."""
    engagement = selectors.engagement_get(actor=request.auth, public_id=engagement_id)
    return _detail(request.auth, engagement)


@router.patch("/engagements/{uuid:engagement_id}", response={200: EngagementDetailOut, **ERRORS})
@access_rule("engagements.engagement:change")
def engagement_update(request, engagement_id: UUID, payload: EngagementPatchIn):
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id, action=CHANGE)
    data = payload.dict(exclude_unset=True)
    if "customer_team_ids" in data:
        data["customer_team"] = [
            person_get(actor=actor, public_id=i) for i in data.pop("customer_team_ids") or []
        ]
    engagement = services.engagement_update(actor=actor, engagement=engagement, **data)
    return _detail(actor, engagement)


@router.post(
    "/engagements/{uuid:engagement_id}/transition", response={200: EngagementDetailOut, **ERRORS}
)
@access_rule("engagements.engagement:change")
def engagement_transition(request, engagement_id: UUID, payload: TransitionIn):
    """Move the engagement one allowed step (tracking needs a confirmed baseline)."""
    actor = request.auth
    engagement = selectors.engagement_get(actor=actor, public_id=engagement_id, action=CHANGE)
    engagement = services.engagement_transition(
        actor=actor, engagement=engagement, **payload.dict()
    )
    return _detail(actor, engagement)


# -- metrics and measurements --------------------------------------------------------------


@router.post("/engagements/{uuid:engagement_id}/metrics", response={201: MetricOut, **ERRORS})
@access_rule("engagements.metric:add")
def metric_create(request, engagement_id: UUID, payload: MetricIn):
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    metric = services.metric_create(actor=actor, engagement=engagement, **payload.dict())
    return Status(201, metric_out(metric))


@router.patch("/engagements/metrics/{uuid:metric_id}", response={200: MetricOut, **ERRORS})
@access_rule("engagements.metric:change")
def metric_update(request, metric_id: UUID, payload: MetricPatchIn):
    actor = request.auth
    metric = selectors.metric_get(actor=actor, public_id=metric_id, action=CHANGE)
    metric = services.metric_update(actor=actor, metric=metric, **payload.dict(exclude_unset=True))
    return metric_out(metric)


@router.post(
    "/engagements/metrics/{uuid:metric_id}/channel", response={200: ChannelPullOut, **ERRORS}
)
@access_rule("engagements.measurement:add")
def metric_channel_pull(request, metric_id: UUID, payload: ChannelPullIn):
    """Record the metric's values from channel data (the customer's monthly purchases through
    the channel; every other account's mean as the comparison group), all or none."""
    actor = request.auth
    metric = selectors.metric_get(actor=actor, public_id=metric_id, action=CHANGE)
    if not actor.is_orchestrator:
        raise PermissionDenied("Only the orchestrator's staff record values.")
    return channel_metrics.metric_channel_pull(actor=actor, metric=metric, **payload.dict())


@router.get("/engagements/measurements", response={200: Page[MeasurementOut], **ERRORS})
@access_rule("engagements.measurement:view")
def measurement_list(request):
    """Metric values (a customer: its engagements'). Filters: kind, group, engagement (id),
    metric, period_from, period_to; q; sort (-period_start, value…)."""
    rows = list_apply(selectors.measurement_list(actor=request.auth), request.GET, MEASUREMENTS)
    return paginate(request, rows.queryset, measurement_out)


@router.get("/engagements/measurements/export", response={200: None, **ERRORS})
@access_rule("engagements.measurement:view")
def measurement_export(request, format: str = "csv"):  # noqa: A002
    rows = list_apply(selectors.measurement_list(actor=request.auth), request.GET, MEASUREMENTS)
    return export_response(rows.queryset, MEASUREMENTS, format)


@router.post(
    "/engagements/{uuid:engagement_id}/measurements", response={201: MeasurementOut, **ERRORS}
)
@access_rule("engagements.measurement:add")
def measurement_record(request, engagement_id: UUID, payload: MeasurementIn):
    """Record one value (source: api). Refused: wrong unit, outside plausible bounds, baseline
    changed after submission or confirmation, tracking before the baseline is confirmed."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    data = payload.dict()
    metric = selectors.metric_get(actor=actor, public_id=data.pop("metric_id"))
    if metric.engagement_id != engagement.pk:
        raise ValidationError({"metric_id": "That metric belongs to another engagement."})
    row = services.measurement_record(actor=actor, metric=metric, source="api", **data)
    return Status(
        201, measurement_out(selectors.measurement_get(actor=actor, public_id=row.public_id))
    )


@router.post(
    "/engagements/{uuid:engagement_id}/measurements/import", response={200: ImportOut, **ERRORS}
)
@access_rule("engagements.measurement:add")
def measurement_import(request, engagement_id: UUID, file: File[UploadedFile]):
    """Import values from CSV/XLSX (metric, kind, group, period_start, value, unit): all rows
    or none; errors by row and column (created is 0 then)."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    created, errors = services.measurement_import(
        actor=actor, engagement=engagement, file_name=file.name, content=file.read()
    )
    return {"created": created, "errors": errors}


@router.delete("/engagements/measurements/{uuid:measurement_id}", response={204: None, **ERRORS})
@access_rule("engagements.measurement:delete")
def measurement_delete(request, measurement_id: UUID):
    actor = request.auth
    row = selectors.measurement_get(actor=actor, public_id=measurement_id, action="delete")
    services.measurement_delete(actor=actor, measurement=row)
    return Status(204, None)


@router.post(
    "/engagements/{uuid:engagement_id}/measurement-close",
    response={200: EngagementDetailOut, **ERRORS},
)
@access_rule("engagements.engagement:change")
def measurement_close(request, engagement_id: UUID):
    """The final measurement: closes measurement once every metric has its final value."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id, action=CHANGE)
    services.measurement_close(actor=actor, engagement=engagement)
    return _detail(actor, engagement)


# -- baseline versions ---------------------------------------------------------------------


@router.post(
    "/engagements/{uuid:engagement_id}/baseline-versions",
    response={201: BaselineVersionOut, **ERRORS},
)
@access_rule("engagements.baselineversion:add")
def baseline_version_new(request, engagement_id: UUID, payload: BaselineVersionIn):
    """Open a new draft baseline version from the latest one's values."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    version = services.baseline_version_new(actor=actor, engagement=engagement, **payload.dict())
    return Status(201, version_out(version))


def _version(request, version_id, action=CHANGE):
    return selectors.baseline_version_get(actor=request.auth, public_id=version_id, action=action)


@router.post(
    "/engagements/baseline-versions/{uuid:version_id}/submit",
    response={200: BaselineVersionOut, **ERRORS},
)
@access_rule("engagements.baselineversion:change")
def baseline_submit(request, version_id: UUID):
    """Send the draft baseline to the customer for confirmation (e-mails its admins)."""
    return version_out(
        services.baseline_submit(actor=request.auth, version=_version(request, version_id))
    )


@router.post(
    "/engagements/baseline-versions/{uuid:version_id}/confirm",
    response={200: BaselineVersionOut, **ERRORS},
)
@access_rule("engagements.baselineversion:change")
def baseline_confirm(request, version_id: UUID):
    """The customer's admin confirms the submitted baseline; it is frozen from then on."""
    return version_out(
        services.baseline_confirm(actor=request.auth, version=_version(request, version_id))
    )


@router.post(
    "/engagements/baseline-versions/{uuid:version_id}/return",
    response={200: BaselineVersionOut, **ERRORS},
)
@access_rule("engagements.baselineversion:change")
def baseline_return(request, version_id: UUID, payload: CommentIn):
    """The customer's admin returns the submitted baseline with a comment."""
    version = _version(request, version_id)
    return version_out(
        services.baseline_return(actor=request.auth, version=version, comment=payload.comment)
    )


# -- benefit and report --------------------------------------------------------------------


@router.get("/engagements/{uuid:engagement_id}/benefit", response={200: list[BenefitOut], **ERRORS})
@access_rule("engagements.benefitresult:view")
def benefit_list(request, engagement_id: UUID):
    """Each metric's improvement and money value with the method and all its inputs."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    return [benefit_out(r) for r in selectors.benefit_results(actor=actor, engagement=engagement)]


@router.post(
    "/engagements/{uuid:engagement_id}/benefit", response={200: list[BenefitOut], **ERRORS}
)
@access_rule("engagements.benefitresult:add")
def benefit_compute(request, engagement_id: UUID):
    """Calculate the benefit (before/after, or difference-in-differences with comparison data)."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    results = benefit_run.benefit_compute(actor=actor, engagement=engagement)
    return [benefit_out(r) for r in results]


@router.get("/engagements/{uuid:engagement_id}/report", response={200: ReportOut, **ERRORS})
@access_rule("engagements.outcomereport:view")
def report_detail(request, engagement_id: UUID):
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    return report_out(selectors.report_get_by_engagement(actor=actor, engagement=engagement))


@router.get("/engagements/{uuid:engagement_id}/report.pdf", response={200: None, **ERRORS})
@access_rule("engagements.outcomereport:view")
def report_pdf(request, engagement_id: UUID):
    """The outcome report as PDF (once issued; the orchestrator also sees the draft)."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    content = report.report_pdf(report.report_context(actor=actor, engagement=engagement))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="outcome-{engagement.public_id}.pdf"'
    return response


@router.post("/engagements/{uuid:engagement_id}/report/issue", response={200: ReportOut, **ERRORS})
@access_rule("engagements.outcomereport:add")
def report_issue(request, engagement_id: UUID, payload: ReportIssueIn):
    """Issue the outcome report to the customer (e-mails its admins)."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id, action=CHANGE)
    return report_out(services.report_issue(actor=actor, engagement=engagement, **payload.dict()))


@router.post(
    "/engagements/{uuid:engagement_id}/report/decision", response={200: ReportOut, **ERRORS}
)
@access_rule("engagements.outcomereport:change")
def report_decide(request, engagement_id: UUID, payload: ReportDecisionIn):
    """The customer's admin confirms (the engagement closes) or disputes the report."""
    actor = request.auth
    engagement = selectors.engagement_part_get(actor=actor, public_id=engagement_id)
    outcome = selectors.report_get_by_engagement(actor=actor, engagement=engagement)
    if actor.is_orchestrator:
        raise PermissionDenied("Only the customer confirms or disputes its outcome report.")
    outcome = services.report_decide(actor=actor, report=outcome, **payload.dict())
    return report_out(outcome)
