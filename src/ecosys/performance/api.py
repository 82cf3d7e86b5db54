"""Performance API: channel data loads, scores and the league table, a partner's profile, the
channel's trend and group views, analytics runs, and the measure registry."""

import datetime as dt
import json
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import File, Form, Router, Schema, Status, UploadedFile

from ecosys.core.access import access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.partners import selectors as partner_selectors

from . import lists, selectors, services
from .jobs import analytics_run_soon
from .reports import channel_trend, group_view

router = Router(tags=["performance"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


class LoadOut(Schema):
    id: UUID
    file_name: str
    file_format: str
    organization: str
    status: str
    stage: str
    percent: int
    mode: str
    mapping: dict[str, str]
    rows: int
    error_count: int
    errors: list[dict]
    message: str
    first_period: dt.date | None
    last_period: dt.date | None
    partner_count: int
    replaced_slices: int
    sha256: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class LoadStartIn(Schema):
    mapping: dict[str, str]
    mode: str | None = None


class WithdrawIn(Schema):
    reason: str


class ScoreOut(Schema):
    partner_id: UUID
    partner: str
    period: dt.date
    scorecard: str | None
    score: float | None
    band: str
    rank: int | None
    segment_size: int
    trend: float | None
    measures: dict[str, float | int | None]
    normalised: dict[str, float]


class RunOut(Schema):
    id: UUID
    status: str
    stage: str
    percent: int
    triggered_by: str
    rows_read: int
    partner_periods: int
    written: int
    warnings_raised: int
    timings: dict[str, float]
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class TrendOut(Schema):
    period: dt.date
    revenue: float
    avg_score: float | None
    partners: int


class GroupOut(Schema):
    group: str
    partners: int
    revenue: float
    avg_score: float | None
    green: int
    amber: int
    red: int


def load_out(load) -> dict:
    return {
        "id": load.public_id,
        "file_name": load.file_name,
        "file_format": load.file_format,
        "organization": load.organization.name,
        "status": load.status,
        "stage": load.stage,
        "percent": load.percent,
        "mode": load.mode,
        "mapping": load.mapping,
        "rows": load.rows,
        "error_count": load.error_count,
        "errors": load.errors,
        "message": load.message,
        "first_period": load.first_period,
        "last_period": load.last_period,
        "partner_count": load.partner_count,
        "replaced_slices": load.replaced_slices,
        "sha256": load.sha256,
        "created_at": load.created_at,
        "finished_at": load.finished_at,
    }


def score_out(score) -> dict:
    return {
        "partner_id": score.partner.public_id,
        "partner": score.partner.organization.name,
        "period": score.period,
        "scorecard": score.scorecard.name if score.scorecard else None,
        "score": score.score,
        "band": score.band,
        "rank": score.rank,
        "segment_size": score.segment_size,
        "trend": score.trend,
        "measures": score.measures,
        "normalised": score.normalised,
    }


def run_out(run) -> dict:
    return {
        "id": run.public_id,
        "status": run.status,
        "stage": run.stage,
        "percent": run.percent,
        "triggered_by": run.triggered_by,
        "rows_read": run.rows_read,
        "partner_periods": run.partner_periods,
        "written": run.written,
        "warnings_raised": run.warnings_raised,
        "timings": run.timings or {},
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


@router.get("/performance/loads", response={200: Page[LoadOut], **ERRORS})
@access_rule("performance.channelload:view")
def channel_load_list(request):
    """Channel data loads you can see. Filters: status, mode, organization; q; sort."""
    rows = list_apply(selectors.load_list(actor=request.auth), request.GET, lists.LOADS).queryset
    return paginate(request, rows, load_out)


@router.post("/performance/loads", response={201: LoadOut, **ERRORS})
@access_rule("performance.channelload:add")
def channel_load_upload(
    request,
    file: File[UploadedFile],
    mode: Form[str] = "append",
    mapping: Form[str] = "",
    start: Form[bool] = True,
):
    """Upload a CSV, XLSX or Parquet sell-through file (multipart). `mapping` is JSON
    (contract column → file column); without it the mapping is guessed from the header.
    With `start` (default) the load is queued at once when the mapping is complete; a file
    already loaded is refused unless `mode` is `replace`."""
    chosen = None
    if mapping:
        try:
            chosen = json.loads(mapping)
        except json.JSONDecodeError as error:
            raise ValidationError({"mapping": "The mapping is not valid JSON."}) from error
        if not isinstance(chosen, dict):
            raise ValidationError({"mapping": "The mapping is a JSON object."})
    load = services.channel_load_create(
        request.auth, upload=file, file_name=file.name, mode=mode, mapping=chosen, start=start
    )
    load.refresh_from_db()
    return Status(201, load_out(load))


@router.get("/performance/loads/{load_id}", response={200: LoadOut, **ERRORS})
@access_rule("performance.channelload:view")
def channel_load_get(request, load_id: UUID):
    """A load with its status, progress and (when refused) every problem by row and column."""
    return load_out(selectors.load_get(actor=request.auth, public_id=load_id))


@router.post("/performance/loads/{load_id}/start", response={200: LoadOut, **ERRORS})
@access_rule("performance.channelload:change")
def channel_load_start(request, load_id: UUID, payload: LoadStartIn):
    """Confirm the column mapping of an uploaded file and queue its load."""
    load = selectors.load_get(actor=request.auth, public_id=load_id)
    load = services.channel_load_start(
        request.auth, load=load, mapping=payload.mapping, mode=payload.mode
    )
    load.refresh_from_db()
    return load_out(load)


@router.post("/performance/loads/{load_id}/withdraw", response={200: LoadOut, **ERRORS})
@access_rule("performance.channelload:change")
def channel_load_withdraw(request, load_id: UUID, payload: WithdrawIn):
    """Take a stored load's rows out of the data (the record stays)."""
    load = selectors.load_get(actor=request.auth, public_id=load_id)
    return load_out(services.channel_load_withdraw(request.auth, load=load, reason=payload.reason))


@router.get("/performance/scores", response={200: Page[ScoreOut], **ERRORS})
@access_rule("performance.partnerscore:view")
def score_list(request):
    """Monthly scores you can see (partners: their own). Filters: period, scorecard, region,
    program, band, min_score, max_score; q (partner name); sort (rank, -score, trend…)."""
    rows = list_apply(selectors.score_list(actor=request.auth), request.GET, lists.LEAGUE)
    return paginate(request, rows.queryset, score_out)


@router.get("/performance/scores/export", response={200: None, **ERRORS})
@access_rule("performance.partnerscore:view")
def score_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    rows = list_apply(selectors.score_list(actor=request.auth), request.GET, lists.LEAGUE)
    return export_response(rows.queryset, lists.LEAGUE, format)


@router.get("/performance/partners/{partner_id}/scores", response={200: list[ScoreOut], **ERRORS})
@access_rule("performance.partnerscore:view")
def partner_score_history(request, partner_id: UUID):
    """One partner's monthly scores and measures, oldest first."""
    partner = partner_selectors.partner_get(actor=request.auth, public_id=partner_id)
    return [score_out(s) for s in selectors.partner_scores(actor=request.auth, partner=partner)]


def _orchestrator_only(request) -> None:
    if not request.auth.is_orchestrator:
        raise PermissionDenied("Channel-wide figures are for the orchestrator.")


@router.get("/performance/trend", response={200: list[TrendOut], **ERRORS})
@access_rule("performance.partnerscore:view")
def channel_trend_get(request):
    """The whole channel per month: revenue and average score."""
    _orchestrator_only(request)
    return channel_trend(selectors.score_list(actor=request.auth))


@router.get("/performance/groups", response={200: list[GroupOut], **ERRORS})
@access_rule("performance.partnerscore:view")
def channel_groups_get(request, by: str = "region", period: dt.date | None = None):
    """Partners, revenue, average score and bands per region, segment or program."""
    _orchestrator_only(request)
    if by not in ("region", "segment", "program"):
        raise ValidationError({"by": "Group by region, segment or program."})
    period = period or selectors.latest_period(actor=request.auth)
    if period is None:
        return []
    return group_view(selectors.score_list(actor=request.auth), period, by)


@router.get("/performance/runs", response={200: Page[RunOut], **ERRORS})
@access_rule("performance.analyticsrun:view")
def analytics_run_list(request):
    """Computations of scores and warnings, newest first. Filter: status."""
    rows = list_apply(selectors.run_list(actor=request.auth), request.GET, lists.RUNS).queryset
    return paginate(request, rows, run_out)


@router.get("/performance/runs/{run_id}", response={200: RunOut, **ERRORS})
@access_rule("performance.analyticsrun:view")
def analytics_run_get(request, run_id: UUID):
    return run_out(selectors.run_get(actor=request.auth, public_id=run_id))


@router.post("/performance/runs", response={202: RunOut, **ERRORS})
@access_rule("performance.analyticsrun:add")
def analytics_run_create(request):
    """Compute scores and warnings now (joins a run already waiting)."""
    run = analytics_run_soon(request.auth.workspace, triggered_by=f"API, {request.auth.label}")
    run.refresh_from_db()
    return Status(202, run_out(run))
