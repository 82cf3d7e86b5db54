"""Pages of channel data and performance: the channel overview with its trend and league table,
segment and region views, a partner's performance profile (also in the partner's portal),
channel-data uploads with their column mapping and error report, and analytics runs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows, can
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.partners import selectors as partner_selectors
from ecosys.partners.models import Partner

from . import lists, selectors, services
from .analysis import latest_period as store_latest_period
from .jobs import analytics_run_soon
from .measures import CHANNEL_LABELS, band_for, measures
from .models import (
    AnalyticsRun,
    ChannelLoad,
    LoadMode,
    LoadStatus,
    PartnerScore,
    WarningStatus,
)
from .reports import channel_trend, group_view
from .selectors_actions import partner_actions, warning_list
from .selectors_setup import channel_settings_get


def _own_partner(actor) -> Partner | None:
    if actor.is_orchestrator:
        return None
    return partner_selectors.partner_list(actor=actor).first()


@page("performance.partnerscore:view")
def overview(request):
    """The whole channel: trend, segment and region views, warnings; partners go to their own
    profile."""
    actor = request.actor
    if not actor.is_orchestrator:
        partner = _own_partner(actor)
        if partner is None:
            raise Http404("Your organisation has no performance profile.")
        return redirect("performance:partner", public_id=partner.public_id)
    scores = selectors.score_list(actor=actor)
    period = selectors.latest_period(actor=actor)
    trend = channel_trend(scores)
    by = request.GET.get("by", "region")
    if by not in ("region", "segment", "program"):
        by = "region"
    current = next((row for row in trend if row["period"] == period), None)
    previous = trend[-2] if len(trend) > 1 else None
    year_ago = next(
        (row for row in trend if period and row["period"] == period.replace(year=period.year - 1)),
        None,
    )

    def change(now, then):
        if not now or not then or not then["revenue"]:
            return None
        return round(100 * (now["revenue"] / then["revenue"] - 1), 1)

    context = {
        "period": period,
        "current": current,
        "growth_prev": change(current, previous),
        "growth_yoy": change(current, year_ago),
        "groups": group_view(scores, period, by) if period else [],
        "by": by,
        "trend": (
            {
                "labels": [row["period"].strftime("%Y-%m") for row in trend],
                "revenue": [row["revenue"] for row in trend],
                "score": [row["avg_score"] for row in trend],
            }
        ),
        "top": scores.filter(period=period, score__isnull=False).order_by("-score")[:8]
        if period
        else [],
        "bottom": scores.filter(period=period, score__isnull=False).order_by("score")[:8]
        if period
        else [],
        "open_warnings": warning_list(actor=actor).filter(status=WarningStatus.OPEN).count(),
        "last_run": selectors.run_list(actor=actor).first(),
        "data_until": store_latest_period(actor.workspace),
        "can_run": allows(actor, ADD, AnalyticsRun),
        "currency": channel_settings_get(actor=actor).base_currency,
    }
    return render(request, "performance/overview.html", context)


@page("performance.partnerscore:view")
def league(request):
    """Every partner's score for a month, ranked within its segment."""
    actor = request.actor
    if not actor.is_orchestrator:
        raise PermissionDenied("The league table compares partners; see your own profile.")
    queryset = selectors.score_list(actor=actor)
    params = request.GET.copy()
    if not params.get("period"):
        period = selectors.latest_period(actor=actor)
        if period:
            params["period"] = period.isoformat()
            request.GET = params
    return list_response(
        request,
        spec=lists.LEAGUE,
        queryset=queryset,
        template="performance/league.html",
        context={"title": "League table"},
        detail_url=lambda score: reverse(
            "performance:partner", kwargs={"public_id": score.partner.public_id}
        ),
    )


def _series(scores: list[PartnerScore], code: str) -> list:
    return [score.measures.get(code) for score in scores]


@page("performance.partnerscore:view")
def partner_profile(request, public_id):
    """A partner's performance: score, measures, history, rank, warnings and interventions."""
    actor = request.actor
    partner = partner_selectors.partner_get(actor=actor, public_id=public_id)
    scores = list(selectors.partner_scores(actor=actor, partner=partner).select_related(None))
    latest = scores[-1] if scores else None
    registry = measures()
    rows = []
    if latest:
        card_measures = (
            {m.measure: m for m in latest.scorecard.measures.all()} if latest.scorecard else {}
        )
        total_weight = sum(m.weight for m in card_measures.values()) or 1
        for code, value in latest.measures.items():
            measure = registry.get(code)
            weight = card_measures.get(code)
            rows.append(
                {
                    "label": measure.label if measure else code,
                    "unit": measure.unit if measure else "",
                    "value": value,
                    "normalised": latest.normalised.get(code),
                    "weight": weight.weight if weight else 0,
                    "share": (weight.weight / total_weight) if weight else 0,
                    "help": measure.help if measure else "",
                }
            )
        rows.sort(key=lambda row: -row["weight"])
    band = band_for(latest.score, latest.scorecard.bands if latest and latest.scorecard else [])
    context = {
        "partner": partner,
        "latest": latest,
        "band": band,
        "rows": rows,
        "history": (
            {
                "labels": [s.period.strftime("%Y-%m") for s in scores],
                "score": [s.score for s in scores],
                "revenue": _series(scores, "revenue"),
                "orders": _series(scores, "orders"),
                "accounts": _series(scores, "accounts"),
            }
        ),
        "labels": CHANNEL_LABELS,
        "watch": [
            {
                "label": CHANNEL_LABELS[code][0] if code in CHANNEL_LABELS else code,
                "detectable": value,
            }
            for code, value in (latest.watch if latest else {}).items()
        ],
        "is_orchestrator": actor.is_orchestrator,
        "performance_actions": partner_actions(actor=actor, partner=partner),
    }
    return render(request, "performance/partner.html", context)


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX or Parquet; one row per sale or order line.")
    mode = forms.ChoiceField(choices=LoadMode.choices, initial=LoadMode.APPEND)


@page("performance.channelload:view")
def load_list(request):
    actor = request.actor
    form = None
    if allows(actor, ADD, ChannelLoad):
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            load = apply_service(
                form,
                lambda: services.channel_load_create(
                    actor, upload=upload, file_name=upload.name, mode=form.cleaned_data["mode"]
                ),
            )
            if load is not None:
                messages.success(request, "Uploaded. Check the column mapping, then load.")
                return redirect("performance:load", public_id=load.public_id)
    return list_response(
        request,
        spec=lists.LOADS,
        queryset=selectors.load_list(actor=actor),
        template="performance/load_list.html",
        context={
            "title": "Channel data",
            "form": form,
            "contract": services.contract_rows(),
        },
        detail_url=detail_url("performance:load"),
    )


class MappingForm(forms.Form):
    mode = forms.ChoiceField(choices=LoadMode.choices)

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *[(c, c) for c in columns]]
        for name, required, text in services.contract_rows():
            self.fields[f"map_{name}"] = forms.ChoiceField(
                choices=choices, required=False, label=name, help_text=text
            )
            self.fields[f"map_{name}"].contract_required = required


@page("performance.channelload:view")
def load_detail(request, public_id):
    actor = request.actor
    load = selectors.load_get(actor=actor, public_id=public_id)
    waiting = load.status == LoadStatus.PENDING and load.stage != "queued"
    form = None
    columns, sample = ([], [])
    if waiting and can(actor, CHANGE, load):
        columns, sample = services.load_columns(load)
        initial = {"mode": load.mode} | {f"map_{k}": v for k, v in load.mapping.items()}
        form = MappingForm(request.POST or None, columns=columns, initial=initial)
        if request.method == "POST" and form.is_valid():
            mapping = {
                key[4:]: value
                for key, value in form.cleaned_data.items()
                if key.startswith("map_") and value
            }
            started = apply_service(
                form,
                lambda: services.channel_load_start(
                    actor, load=load, mapping=mapping, mode=form.cleaned_data["mode"]
                ),
            )
            if started is not None:
                return redirect("performance:load", public_id=load.public_id)
    if request.headers.get("HX-Request") and request.GET.get("progress"):
        return render(request, "performance/partials/load_progress.html", {"load": load})
    return render(
        request,
        "performance/load_detail.html",
        {
            "load": load,
            "form": form,
            "columns": columns,
            "sample": sample,
            "can_withdraw": load.status in (LoadStatus.STORED, LoadStatus.PENDING)
            and can(actor, CHANGE, load),
        },
    )


@require_POST
@page("performance.channelload:change")
def load_withdraw(request, public_id):
    actor = request.actor
    load = selectors.load_get(actor=actor, public_id=public_id)
    try:
        services.channel_load_withdraw(actor, load=load, reason=request.POST.get("reason", ""))
        messages.success(request, "The load was withdrawn; its rows are out of the data.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("performance:load", public_id=load.public_id)


@page("performance.analyticsrun:view")
def run_list(request):
    return list_response(
        request,
        spec=lists.RUNS,
        queryset=selectors.run_list(actor=request.actor),
        template="performance/run_list.html",
        context={
            "title": "Analytics runs",
            "can_run": allows(request.actor, ADD, AnalyticsRun),
        },
    )


@require_POST
@page("performance.analyticsrun:add")
def run_now(request):
    analytics_run_soon(request.actor.workspace, triggered_by=f"by {request.actor.label}")
    messages.success(request, "Scores and warnings are being computed.")
    return redirect("performance:runs")
