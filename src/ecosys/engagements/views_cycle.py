"""Engagement cycle pages: working groups and initiatives, themes and demand, offerings,
engagements with metrics, baseline, tracking, benefit and the outcome report. The customer's
people see the same pages in the portal, narrowed to their own engagements."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import CHANGE
from ecosys.core.models import Role
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.ecosystem.models import EcosystemRole
from ecosys.ecosystem.selectors import organization_list, person_list
from ecosys.engagements.bundle import may_export_engagement
from ecosys.portability.jobs import may_export

from . import benefit_run, channel_metrics, report
from . import selectors_cycle as selectors
from . import services_cycle as services
from .forms_cycle import (
    EngagementForm,
    ImportForm,
    InitiativeForm,
    MeasurementForm,
    MetricForm,
    OfferingForm,
    TransitionForm,
    WorkingGroupForm,
)
from .lists_cycle import ENGAGEMENTS, INITIATIVES, MEASUREMENTS, OFFERINGS, WORKING_GROUPS
from .models import (
    BaselineStatus,
    CommercialModel,
    Engagement,
    EngagementStatus,
    MeasurementKind,
    Metric,
    ReportStatus,
    ToolKind,
)
from .templatetags.cycle_numbers import plain


def _message(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


def _manager(actor) -> bool:
    return actor.is_orchestrator and actor.role != Role.READ_ONLY and actor.token_scope is None


def _customer_admin(actor, engagement) -> bool:
    return (
        not actor.is_orchestrator
        and actor.organization_id == engagement.customer_id
        and actor.role == Role.EXTERNAL_ADMIN
    )


def _customers(actor):
    return organization_list(actor=actor).filter(roles__role=EcosystemRole.CUSTOMER).distinct()


def _cycle_links(actor, *names: str) -> list[tuple[str, str]]:
    """Links between the cycle's lists: the orchestrator's staff get themes and offerings too
    (customers do not see those); everyone gets the lists they can read."""
    labels = {
        "engagements:working-group-list": "Working groups",
        "engagements:initiative-list": "Initiatives",
        "engagements:theme-demand": "Themes and demand",
        "engagements:offering-list": "Offerings",
        "engagements:engagement-list": "Engagements",
        "engagements:staffing-assignment-list": "Our assignments",
    }
    staff_only = {"engagements:theme-demand", "engagements:offering-list"}
    return [
        (labels[name], reverse(name))
        for name in names
        if actor.is_orchestrator or name not in staff_only
    ]


def _run(request, call, success: str) -> bool:
    try:
        call()
    except ValidationError as error:
        messages.error(request, _message(error))
        return False
    messages.success(request, success)
    return True


# -- working groups ------------------------------------------------------------------------


@page("engagements.workinggroup:view")
def working_group_list(request):
    return list_response(
        request,
        spec=WORKING_GROUPS,
        queryset=selectors.working_group_list(actor=request.actor),
        template="engagements/cycle_list.html",
        context={
            "title": "Customer working groups",
            "add_url": reverse("engagements:working-group-create")
            if _manager(request.actor)
            else None,
            "add_label": "Open a working group",
            "intro": "Groups of customers that propose initiatives and rank them; Ecosys groups "
            "similar initiatives into themes.",
            "links": _cycle_links(
                request.actor,
                "engagements:initiative-list",
                "engagements:theme-demand",
                "engagements:offering-list",
            ),
        },
        detail_url=detail_url("engagements:working-group-detail"),
    )


def _group_form(request, group=None):
    actor = request.actor
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff manage working groups.")
    initial = (
        {
            "name": group.name,
            "description": group.description,
            "members": [m.public_id for m in group.members.all()],
        }
        if group
        else {}
    )
    form = WorkingGroupForm(request.POST or None, initial=initial, customers=_customers(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if group is None:
            saved = apply_service(form, lambda: services.working_group_create(actor=actor, **data))
        else:
            saved = apply_service(
                form, lambda: services.working_group_update(actor=actor, group=group, **data)
            )
        if saved is not None:
            messages.success(request, "Working group saved.")
            return redirect("engagements:working-group-detail", saved.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {group.name}" if group else "Open a working group",
            "cancel": reverse("engagements:working-group-list"),
        },
    )


@page("engagements.workinggroup:add")
def working_group_create(request):
    return _group_form(request)


@page("engagements.workinggroup:change")
def working_group_edit(request, public_id):
    group = selectors.working_group_get(actor=request.actor, public_id=public_id)
    return _group_form(request, group)


def _acting_members(actor, group):
    members = selectors.group_members(group=group)
    if actor.is_orchestrator:
        return members
    return [org for org in members if org.pk == actor.organization_id]


@page("engagements.workinggroup:view")
def working_group_detail(request, public_id):
    actor = request.actor
    group = selectors.working_group_get(actor=actor, public_id=public_id)
    members = selectors.group_members(group=group)
    acting = _acting_members(actor, group) if actor.role not in (Role.READ_ONLY,) else []
    may_write = actor.token_scope is None and (_manager(actor) or actor.role == Role.EXTERNAL_ADMIN)
    rank_org = None
    if may_write and acting:
        wanted = request.GET.get("as")
        rank_org = next((o for o in acting if str(o.public_id) == wanted), acting[0])
    initiatives = selectors.group_initiatives(actor=actor, group=group)
    own = selectors.own_ranking(group=group, organization_id=rank_org.pk) if rank_org else []
    return render(
        request,
        "engagements/cycle_group_detail.html",
        {
            "group": group,
            "members": members,
            "initiatives": initiatives,
            "can_edit": _manager(actor),
            "can_propose": may_write and bool(acting),
            "rank_org": rank_org,
            "acting": acting,
            "slots": [own[n].public_id if n < len(own) else None for n in range(len(initiatives))],
        },
    )


@page("engagements.initiative:add")
def initiative_propose(request, public_id):
    actor = request.actor
    group = selectors.working_group_get(actor=actor, public_id=public_id)
    acting = _acting_members(actor, group)
    if not acting:
        raise PermissionDenied("Only the group's members propose initiatives.")
    members = organization_list(actor=actor).filter(pk__in=[o.pk for o in acting])
    form = InitiativeForm(request.POST or None, members=members.order_by("name"))
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.initiative_propose(actor=actor, group=group, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, "Initiative proposed; members can rank it now.")
            return redirect("engagements:working-group-detail", group.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Propose an initiative to {group.name}",
            "cancel": reverse("engagements:working-group-detail", args=[group.public_id]),
        },
    )


@require_POST
@page("engagements.initiativerank:change")
def initiative_rank_set(request, public_id):
    actor = request.actor
    group = selectors.working_group_get(actor=actor, public_id=public_id)
    organization = next(
        (o for o in _acting_members(actor, group) if str(o.public_id) == request.POST.get("as")),
        None,
    )
    if organization is None:
        raise PermissionDenied("Rank for a member organisation you act for.")
    ids = [value for value in request.POST.getlist("initiative") if value]
    try:
        initiatives = [selectors.initiative_get(actor=actor, public_id=i) for i in ids]
        services.initiative_rank_set(
            actor=actor, group=group, organization=organization, initiatives=initiatives
        )
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"Ranking of {organization.name} saved.")
    url = reverse("engagements:working-group-detail", args=[group.public_id])
    return redirect(f"{url}?as={organization.public_id}")


@page("engagements.initiative:view")
def initiative_list(request):
    return list_response(
        request,
        spec=INITIATIVES,
        queryset=selectors.initiative_list(actor=request.actor),
        template="engagements/cycle_list.html",
        context={
            "title": "Initiatives",
            "links": _cycle_links(
                request.actor, "engagements:working-group-list", "engagements:theme-demand"
            ),
        },
        detail_url=detail_url("engagements:initiative-detail"),
    )


@page("engagements.initiative:view")
def initiative_detail(request, public_id):
    initiative = selectors.initiative_get(actor=request.actor, public_id=public_id)
    ranks = initiative.ranks.select_related("organization").order_by("rank")
    return render(
        request,
        "engagements/cycle_initiative_detail.html",
        {"initiative": initiative, "ranks": ranks},
    )


# -- themes and offerings ------------------------------------------------------------------


@page("engagements.theme:view")
def theme_demand(request):
    rows = selectors.theme_demand(actor=request.actor)
    chart = {
        "labels": [row["theme"].name for row in rows],
        "initiatives": [row["initiatives"] for row in rows],
        "members": [row["members"] for row in rows],
        "average_rank": [row["average_rank"] for row in rows],
    }
    return render(
        request,
        "engagements/cycle_themes.html",
        {"rows": rows, "chart": chart, "can_rebuild": _manager(request.actor)},
    )


@require_POST
@page("engagements.theme:change")
def theme_rebuild(request):
    if not _manager(request.actor):
        raise PermissionDenied("Only the orchestrator's staff group initiatives.")
    try:
        threshold = float(request.POST.get("threshold") or 0.85)
    except ValueError:
        threshold = -1.0
    _run(
        request,
        lambda: services.theme_rebuild(actor=request.actor, threshold=threshold),
        "Initiatives grouped into themes.",
    )
    return redirect("engagements:theme-demand")


@page("engagements.offering:view")
def offering_list(request):
    return list_response(
        request,
        spec=OFFERINGS,
        queryset=selectors.offering_list(actor=request.actor),
        template="engagements/cycle_list.html",
        context={
            "title": "Baseline offerings",
            "add_url": reverse("engagements:offering-create") if _manager(request.actor) else None,
            "add_label": "Define an offering",
            "intro": "Baseline offerings defined from the demand per theme: scope, deliverables, "
            "the metrics they move and the roles they need.",
            "links": _cycle_links(
                request.actor, "engagements:theme-demand", "engagements:engagement-list"
            ),
        },
        detail_url=detail_url("engagements:offering-detail"),
    )


def _offering_form(request, offering=None):
    actor = request.actor
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff define offerings.")
    initial = {}
    if offering:
        initial = {
            "name": offering.name, "scope": offering.scope,
            "deliverables": offering.deliverables, "metrics": offering.metrics,
            "roles": offering.roles,
            "theme": offering.theme.public_id if offering.theme_id else None,
        }  # fmt: skip
    elif request.GET.get("theme"):
        theme = selectors.theme_get(actor=actor, public_id=request.GET["theme"])
        initial = {"theme": theme.public_id, "name": theme.name, "scope": theme.name}
    form = OfferingForm(
        request.POST or None, initial=initial, themes=selectors.theme_list(actor=actor)
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.offering_save(actor=actor, offering=offering, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, "Offering saved.")
            return redirect("engagements:offering-detail", saved.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {offering.name}" if offering else "Define a baseline offering",
            "cancel": reverse("engagements:offering-list"),
        },
    )


@page("engagements.offering:add")
def offering_create(request):
    return _offering_form(request)


@page("engagements.offering:change")
def offering_edit(request, public_id):
    return _offering_form(request, selectors.offering_get(actor=request.actor, public_id=public_id))


@page("engagements.offering:view")
def offering_detail(request, public_id):
    offering = selectors.offering_get(actor=request.actor, public_id=public_id)
    engagements = selectors.engagement_list(actor=request.actor).filter(offering=offering)
    return render(
        request,
        "engagements/cycle_offering_detail.html",
        {"offering": offering, "engagements": engagements, "can_edit": _manager(request.actor)},
    )


# -- engagements ---------------------------------------------------------------------------


@page("engagements.engagement:view")
def engagement_list(request):
    return list_response(
        request,
        spec=ENGAGEMENTS,
        queryset=selectors.engagement_list(actor=request.actor),
        template="engagements/cycle_list.html",
        context={
            "title": "Engagements",
            "add_url": reverse("engagements:engagement-create")
            if _manager(request.actor)
            else None,
            "add_label": "Open an engagement",
            "intro": "Customer projects staffed from the ecosystem, measured from the confirmed "
            "baseline to the final measurement.",
            "links": _cycle_links(
                request.actor,
                "engagements:offering-list",
                "engagements:theme-demand",
                "engagements:working-group-list",
            )
            + (
                []
                if request.actor.is_orchestrator
                else _cycle_links(request.actor, "engagements:staffing-assignment-list")
            ),
        },
        detail_url=detail_url("engagements:engagement-detail"),
    )


def _engagement_form(request, engagement=None):
    actor = request.actor
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff manage engagements.")
    initial = {"currency": "EUR"}
    if engagement:
        initial = {
            name: getattr(engagement, name)
            for name in (
                "title", "scope", "start_date", "end_date", "cadence", "currency", "budget",
                "onsite_required", "language", "commercial_model", "tools",
            )
        }  # fmt: skip
        initial |= {
            "customer": engagement.customer.public_id,
            "offering": engagement.offering.public_id if engagement.offering_id else None,
            "customer_team": [p.public_id for p in engagement.customer_team.all()],
        }
    customers = _customers(actor)
    form = EngagementForm(
        request.POST or None,
        initial=initial,
        customers=customers,
        offerings=selectors.offering_list(actor=actor),
        people=person_list(actor=actor)
        .filter(organization__in=customers)
        .select_related("organization"),
    )
    if engagement is not None:
        form.fields["customer"].disabled = engagement.status != EngagementStatus.DRAFT
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if engagement is None:
            saved = apply_service(
                form, lambda: services.engagement_create(actor=actor, lead=actor.user, **data)
            )
        else:
            saved = apply_service(
                form,
                lambda: services.engagement_update(actor=actor, engagement=engagement, **data),
            )
        if saved is not None:
            messages.success(request, "Engagement saved.")
            return redirect("engagements:engagement-detail", saved.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {engagement.title}" if engagement else "Open an engagement",
            "cancel": reverse("engagements:engagement-list"),
        },
    )


@page("engagements.engagement:add")
def engagement_create(request):
    return _engagement_form(request)


@page("engagements.engagement:change")
def engagement_edit(request, public_id):
    engagement = selectors.engagement_get(actor=request.actor, public_id=public_id, action=CHANGE)
    return _engagement_form(request, engagement)


def _part_links(actor, engagement: Engagement, outcome) -> list[tuple[str, str]]:
    """The other parts of the engagement the actor may open (staffing, money, report)."""
    public_id = engagement.public_id
    links = [("Staffing", reverse("engagements:staffing", args=[public_id]))]
    links += [
        (label, reverse(name, args=[public_id]))
        for label, name in (
            ("Terms", "engagements:money-terms"),
            ("Time", "engagements:money-time"),
            ("Settlements", "engagements:money-settlements"),
        )
    ]
    if engagement.commercial_model == CommercialModel.JOINT_VENTURE:
        links.append(("Joint venture", reverse("engagements:money-venture", args=[public_id])))
    if outcome is not None or (_manager(actor) and engagement.measurement_closed_at):
        label = "Outcome report" if outcome is not None else "Outcome report (draft)"
        links.append((label, reverse("engagements:report", args=[public_id])))
    return links


def _tools(engagement: Engagement) -> list[tuple[str, str, str]]:
    """The tools portfolio as (kind label, name, url)."""
    labels = dict(ToolKind.choices)
    return [
        (labels.get(tool.get("kind"), tool.get("kind", "")), tool.get("name", ""), tool.get("url"))
        for tool in engagement.tools or []
    ]


def _assigned_context(request, engagement: Engagement) -> dict:
    """What an organisation whose people are assigned sees: the engagement's facts, dates and
    team, and its own people's assignments; not the money, baseline, values or report."""
    actor = request.actor
    return {
        "engagement": engagement,
        "customer_view": False,
        "tools": _tools(engagement),
        "team": selectors.customer_team(engagement=engagement),
        "assignments": selectors.own_assignments(actor=actor, engagement=engagement),
        "links": [("Our assignments", reverse("engagements:staffing-assignment-list"))],
    }


def _engagement_context(request, engagement: Engagement) -> dict:
    actor = request.actor
    versions = selectors.baseline_versions(actor=actor, engagement=engagement)
    baseline = selectors.current_baseline(versions)
    metrics = selectors.metric_list(actor=actor, engagement=engagement)
    manager = _manager(actor)
    open_measuring = not engagement.measurement_closed_at and engagement.status not in (
        EngagementStatus.DRAFT,
        EngagementStatus.CLOSED,
    )
    outcome = selectors.report_get(actor=actor, engagement=engagement)
    results = selectors.benefit_results(actor=actor, engagement=engagement)
    return {
        "engagement": engagement,
        "customer_view": True,
        "tools": _tools(engagement),
        "links": _part_links(actor, engagement, outcome),
        "assignments": selectors.engagement_assignments(actor=actor, engagement=engagement),
        "can_edit_metrics": manager and engagement.status != EngagementStatus.CLOSED,
        "team": selectors.customer_team(engagement=engagement),
        "metrics": metrics,
        "versions": versions,
        "baseline": baseline,
        "series": selectors.metric_series(metrics=metrics, baseline=baseline),
        "results": results,
        "report": outcome,
        "history": selectors.engagement_history(actor=actor, engagement=engagement),
        "manager": manager,
        "customer_admin": _customer_admin(actor, engagement),
        "next_steps": services.TRANSITIONS.get(engagement.status, ()) if manager else (),
        "can_measure": manager and open_measuring and bool(metrics),
        "can_add_metric": manager
        and engagement.status
        in (EngagementStatus.DRAFT, EngagementStatus.STAFFING, EngagementStatus.BASELINE),
        "can_close_measurement": manager
        and engagement.status == EngagementStatus.TRACKING
        and not engagement.measurement_closed_at,
        "can_compute": manager
        and engagement.status == EngagementStatus.TRACKING
        and engagement.measurement_closed_at
        and (outcome is None or outcome.status in (ReportStatus.DRAFT, ReportStatus.DISPUTED)),
        "can_issue": manager
        and bool(results)
        and engagement.status == EngagementStatus.TRACKING
        and (outcome is None or outcome.status in (ReportStatus.DRAFT, ReportStatus.DISPUTED)),
        "can_new_version": manager
        and open_measuring
        and not any(v.status in (BaselineStatus.DRAFT, BaselineStatus.SUBMITTED) for v in versions),
    }


@page("engagements.engagement:view")
def engagement_detail(request, public_id):
    engagement = selectors.engagement_get(actor=request.actor, public_id=public_id)
    if selectors.is_customer_view(request.actor, engagement):
        context = _engagement_context(request, engagement)
    else:
        context = _assigned_context(request, engagement)
    context["can_export_bundle"] = may_export(request.actor) and may_export_engagement(
        request.actor, engagement
    )
    return render(request, "engagements/cycle_engagement_detail.html", context)


@require_POST
@page("engagements.engagement:change")
def engagement_transition(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_get(actor=actor, public_id=public_id, action=CHANGE)
    form = TransitionForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.engagement_transition(
                actor=actor, engagement=engagement, **form.cleaned_data
            ),
            f"Moved to {form.cleaned_data['to_status']}.",
        )
    else:
        messages.error(request, "Choose a status.")
    return redirect("engagements:engagement-detail", engagement.public_id)


@page("engagements.metric:add")
def metric_create(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    form = MetricForm(request.POST or None, initial={"currency": engagement.currency})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.metric_create(actor=actor, engagement=engagement, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, f"Metric {saved.name} agreed.")
            return redirect("engagements:engagement-detail", engagement.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Agree a metric for {engagement.title}",
            "cancel": reverse("engagements:engagement-detail", args=[engagement.public_id]),
        },
    )


def _deletable(engagement: Engagement, row) -> bool:
    """Whether measurement_delete would take this value (the page offers only those)."""
    if engagement.measurement_closed_at:
        return False
    version = row.baseline_version
    return version is None or version.status == BaselineStatus.DRAFT


class ChannelPullForm(forms.Form):
    account = forms.CharField(
        max_length=120,
        help_text="The customer's account code as partners report it in their sell-through.",
    )
    measure = forms.ChoiceField(
        choices=[
            ("revenue", "Revenue (the channel's base currency)"),
            ("orders", "Orders"),
            ("quantity", "Quantity (units)"),
        ]
    )


@page("engagements.measurement:add")
def metric_channel(request, public_id):
    """Record a metric's values from channel data: the customer's monthly purchases through the
    channel, and every other account's mean as the comparison group."""
    actor = request.actor
    metric = selectors.metric_get(actor=actor, public_id=public_id, action=CHANGE)
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff record values.")
    form = ChannelPullForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        counts = apply_service(
            form,
            lambda: channel_metrics.metric_channel_pull(
                actor=actor, metric=metric, **form.cleaned_data
            ),
        )
        if counts is not None:
            messages.success(
                request,
                f"{counts['engagement']} values of the customer and {counts['comparison']} of the "
                f"comparison group recorded from channel data ({counts['skipped']} already there).",
            )
            return redirect("engagements:metric-edit", metric.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"{metric.name}: values from channel data",
            "cancel": reverse("engagements:metric-edit", args=[metric.public_id]),
        },
    )


@page("engagements.metric:change")
def metric_edit(request, public_id):
    actor = request.actor
    metric = selectors.metric_get(actor=actor, public_id=public_id, action=CHANGE)
    engagement = metric.engagement
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff change metrics.")
    values = selectors.metric_values(actor=actor, metric=metric)
    initial = {
        name: plain(value) if isinstance(value, Decimal) else value
        for name in MetricForm.base_fields
        if (value := getattr(metric, name)) is not None
    }
    form = MetricForm(request.POST or None, initial=initial)
    frozen = bool(values) or engagement.status == EngagementStatus.CLOSED
    if values:  # the service refuses these once values exist; say so before the user tries
        for name in ("name", "unit", "direction"):
            form.fields[name].disabled = True
            form.fields[name].help_text = "Fixed: values are recorded for this metric."
    if engagement.status == EngagementStatus.CLOSED:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["currency"] = data["currency"] or engagement.currency
        saved = apply_service(
            form, lambda: services.metric_update(actor=actor, metric=metric, **data)
        )
        if saved is not None:
            messages.success(request, f"Metric {saved.name} saved.")
            return redirect("engagements:metric-edit", saved.public_id)
    return render(
        request,
        "engagements/cycle_metric.html",
        {
            "metric": metric,
            "engagement": engagement,
            "form": form,
            "closed": engagement.status == EngagementStatus.CLOSED,
            "frozen": frozen,
            "values": [(row, _deletable(engagement, row)) for row in values],
            "can_record": not engagement.measurement_closed_at
            and engagement.status not in (EngagementStatus.DRAFT, EngagementStatus.CLOSED),
            "kinds": MeasurementKind,
        },
    )


@page("engagements.measurement:add")
def measurement_record(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff record measurements.")
    metrics = selectors.metric_list(actor=actor, engagement=engagement)
    form = MeasurementForm(
        request.POST or None,
        initial={
            "kind": request.GET.get("kind", "baseline"),
            "group": request.GET.get("group", "engagement"),
            **{
                key: value
                for m in metrics
                if str(m.public_id) == request.GET.get("metric")
                for key, value in (("metric", m.public_id), ("unit", m.unit))
            },
        },
        metrics=Metric.objects.filter(pk__in=[m.pk for m in metrics]),
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: services.measurement_record(actor=actor, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, f"{saved.metric.name}: {saved.value} {saved.unit} recorded.")
            return redirect("engagements:engagement-detail", engagement.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Record a value for {engagement.title}",
            "cancel": reverse("engagements:engagement-detail", args=[engagement.public_id]),
        },
    )


@page("engagements.measurement:add")
def measurement_import(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    if not _manager(actor):
        raise PermissionDenied("Only the orchestrator's staff import measurements.")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = apply_service(
            form,
            lambda: services.measurement_import(
                actor=actor, engagement=engagement, file_name=upload.name, content=upload.read()
            ),
        )
        if result is not None:
            created, errors = result
            if not errors:
                messages.success(request, f"{created} value(s) imported.")
                return redirect("engagements:engagement-detail", engagement.public_id)
    return render(
        request,
        "engagements/cycle_import.html",
        {"form": form, "engagement": engagement, "errors": errors},
    )


@require_POST
@page("engagements.measurement:delete")
def measurement_delete(request, public_id):
    actor = request.actor
    row = selectors.measurement_get(actor=actor, public_id=public_id, action="delete")
    engagement = row.metric.engagement
    _run(
        request,
        lambda: services.measurement_delete(actor=actor, measurement=row),
        "Value deleted.",
    )
    if request.POST.get("back") == "metric":
        return redirect("engagements:metric-edit", row.metric.public_id)
    return redirect("engagements:engagement-detail", engagement.public_id)


@page("engagements.measurement:view")
def measurement_list(request):
    return list_response(
        request,
        spec=MEASUREMENTS,
        queryset=selectors.measurement_list(actor=request.actor),
        template="engagements/cycle_list.html",
        context={"title": "Measurements"},
        detail_url=lambda m: reverse(
            "engagements:engagement-detail", args=[m.metric.engagement.public_id]
        ),
    )


@require_POST
@page("engagements.engagement:change")
def measurement_close(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    _run(
        request,
        lambda: services.measurement_close(actor=actor, engagement=engagement),
        "Final measurement taken; measurement is closed.",
    )
    return redirect("engagements:engagement-detail", engagement.public_id)


@require_POST
@page("engagements.baselineversion:add")
def baseline_version_new(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    _run(
        request,
        lambda: services.baseline_version_new(
            actor=actor, engagement=engagement, note=request.POST.get("note", "")
        ),
        "New baseline version opened from the last one's values.",
    )
    return redirect("engagements:engagement-detail", engagement.public_id)


@require_POST
@page("engagements.baselineversion:change")
def baseline_action(request, public_id, action):
    actor = request.actor
    version = selectors.baseline_version_get(actor=actor, public_id=public_id, action=CHANGE)
    calls = {
        "submit": (
            lambda: services.baseline_submit(actor=actor, version=version),
            "Sent to the customer for confirmation.",
        ),
        "confirm": (
            lambda: services.baseline_confirm(actor=actor, version=version),
            "Baseline confirmed.",
        ),
        "return": (
            lambda: services.baseline_return(
                actor=actor, version=version, comment=request.POST.get("comment", "")
            ),
            "Baseline returned with your comment.",
        ),
    }
    if action not in calls:
        raise PermissionDenied("Unknown baseline action.")
    call, done = calls[action]
    _run(request, call, done)
    return redirect("engagements:engagement-detail", version.engagement.public_id)


@require_POST
@page("engagements.benefitresult:add")
def benefit_compute(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    _run(
        request,
        lambda: benefit_run.benefit_compute(actor=actor, engagement=engagement),
        "Benefit calculated.",
    )
    return redirect("engagements:engagement-detail", engagement.public_id)


@page("engagements.outcomereport:view")
def report_page(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id)
    context = report.report_context(actor=actor, engagement=engagement)
    outcome = context["report"]
    if outcome is None and not actor.is_orchestrator:
        raise Http404("Not found.")
    if outcome is None and not engagement.measurement_closed_at:
        messages.info(request, "The outcome report is drafted once the final measurement is taken.")
        return redirect("engagements:engagement-detail", engagement.public_id)
    context |= {
        "series": {str(row["metric"].public_id): row["series"] for row in context["rows"]},
        "customer_admin": _customer_admin(actor, engagement),
        "can_issue": _engagement_context(request, engagement)["can_issue"],
    }
    return render(request, "engagements/cycle_report.html", context)


@page("engagements.outcomereport:view")
def report_pdf(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id)
    context = report.report_context(actor=actor, engagement=engagement)
    if context["report"] is None and not actor.is_orchestrator:
        raise Http404("Not found.")
    response = HttpResponse(report.report_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="outcome-{engagement.public_id}.pdf"'
    return response


@require_POST
@page("engagements.outcomereport:add")
def report_issue(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id, action=CHANGE)
    _run(
        request,
        lambda: services.report_issue(
            actor=actor, engagement=engagement, summary=request.POST.get("summary", "")
        ),
        "Report issued; the customer's admins were told.",
    )
    return redirect("engagements:report", engagement.public_id)


@require_POST
@page("engagements.outcomereport:change")
def report_decide(request, public_id):
    actor = request.actor
    engagement = selectors.engagement_part_get(actor=actor, public_id=public_id)
    outcome = selectors.report_get_by_engagement(actor=actor, engagement=engagement)
    if actor.is_orchestrator:
        raise PermissionDenied("Only the customer confirms or disputes its outcome report.")
    _run(
        request,
        lambda: services.report_decide(
            actor=actor,
            report=outcome,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        ),
        "Thank you; your decision is recorded.",
    )
    return redirect("engagements:report", engagement.public_id)
