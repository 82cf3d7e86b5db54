"""Writes of the engagement cycle: working groups, initiatives and ranks, themes, offerings,
engagements and their lifecycle, metrics, measurements, baseline versions, outcome reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ecosys.analytics.ingest import ISO_CURRENCIES
from ecosys.core.access import ADD, CHANGE, Actor, allows, ensure
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.models import Membership, Role, TokenScope
from ecosys.ecosystem.models import EcosystemRole, Organization, Person

from . import themes
from .models import (
    BaselineStatus,
    BaselineVersion,
    Direction,
    Engagement,
    EngagementStatus,
    EngagementStatusChange,
    Initiative,
    InitiativeRank,
    Measurement,
    MeasurementGroup,
    MeasurementKind,
    Metric,
    MetricSource,
    Offering,
    OutcomeReport,
    ReportStatus,
    Theme,
    ToolKind,
    WorkingGroup,
)

# The engagement lifecycle: only these steps are allowed (closing also needs a decided report).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    EngagementStatus.DRAFT: (EngagementStatus.STAFFING,),
    EngagementStatus.STAFFING: (EngagementStatus.BASELINE, EngagementStatus.DRAFT),
    EngagementStatus.BASELINE: (EngagementStatus.TRACKING, EngagementStatus.STAFFING),
    EngagementStatus.TRACKING: (EngagementStatus.CLOSED,),
    EngagementStatus.CLOSED: (),
}
ENGAGEMENT_FIELDS = [
    "customer", "offering", "title", "scope", "start_date", "end_date", "cadence", "lead",
    "currency", "budget", "onsite_required", "language", "tools", "commercial_model",
]  # fmt: skip
METRIC_FIELDS = [
    "name", "unit", "direction", "source", "value_per_unit", "currency", "target",
    "plausible_min", "plausible_max", "comparison_label",
]  # fmt: skip
# Once values exist, these would change the meaning of values already recorded.
METRIC_FROZEN_FIELDS = ("name", "unit", "direction")


def _errors(error: ValidationError) -> dict[str, str]:
    return {key: messages[0] for key, messages in error.message_dict.items()}


def _writer(actor: Actor) -> None:
    if actor.role == Role.READ_ONLY or actor.token_scope == TokenScope.READ:
        raise PermissionDenied("Your role may only read.")


def _orchestrator(actor: Actor, model, what: str) -> None:
    if not actor.is_orchestrator or not allows(actor, CHANGE, model):
        raise PermissionDenied(f"Only the orchestrator's staff {what}.")
    _writer(actor)


def _admins(organization_id: int) -> list[str]:
    return list(
        Membership.objects.filter(
            organization_id=organization_id, role=Role.EXTERNAL_ADMIN, is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _orchestrator_recipients(engagement: Engagement) -> list[str]:
    if engagement.lead_id and engagement.lead.email:
        return [engagement.lead.email]
    return list(
        Membership.objects.filter(
            organization_id=engagement.workspace.orchestrator_id,
            role=Role.ORCHESTRATOR_ADMIN,
            is_active=True,
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _mail(recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=body, from_email=None, recipient_list=recipients
            )
        )


def _is_customer(organization: Organization) -> bool:
    return organization.roles.filter(role=EcosystemRole.CUSTOMER).exists()


def _currency(value: str, field: str, errors: dict) -> str:
    code = (value or "").strip().upper()
    if code not in ISO_CURRENCIES:
        errors[field] = f"“{value}” is not an ISO 4217 currency code."
    return code


# -- working groups ------------------------------------------------------------------------


def _check_members(actor: Actor, members: list[Organization]) -> None:
    wrong = [
        org.name
        for org in members
        if org.pk == actor.workspace.orchestrator_id or not _is_customer(org)
    ]
    if wrong:
        raise ValidationError(
            {"members": f"Only customer organisations can be members: {', '.join(wrong)}."}
        )


@transaction.atomic
def working_group_create(
    *, actor: Actor, name: str, description: str = "", members: list[Organization] = ()
) -> WorkingGroup:
    """Open a customer working group (the orchestrator)."""
    _orchestrator(actor, WorkingGroup, "open working groups")
    group = WorkingGroup(
        workspace=actor.workspace,
        name=(name or "").strip(),
        description=(description or "").strip(),
    )
    try:
        group.full_clean(exclude=["workspace"])
    except ValidationError as error:
        raise ValidationError(_errors(error)) from error
    if WorkingGroup.objects.filter(name__iexact=group.name).exists():
        raise ValidationError({"name": f"A working group named “{group.name}” exists already."})
    _check_members(actor, list(members))
    group.save()
    group.members.set(members)
    audit_record(
        actor=actor,
        action="create",
        target=group,
        changes={"name": [None, group.name], "members": [None, sorted(m.name for m in members)]},
    )
    return group


@transaction.atomic
def working_group_update(
    *,
    actor: Actor,
    group: WorkingGroup,
    name: str,
    description: str = "",
    members: list[Organization] = (),
) -> WorkingGroup:
    """Rename a working group or change its members; members with initiatives stay."""
    _orchestrator(actor, WorkingGroup, "change working groups")
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    before = {"name": group.name, "members": sorted(m.name for m in group.members.all())}
    group.name, group.description = (name or "").strip(), (description or "").strip()
    try:
        group.full_clean(exclude=["workspace"])
    except ValidationError as error:
        raise ValidationError(_errors(error)) from error
    if WorkingGroup.objects.filter(name__iexact=group.name).exclude(pk=group.pk).exists():
        raise ValidationError({"name": f"A working group named “{group.name}” exists already."})
    _check_members(actor, list(members))
    keep = {org.pk for org in members}
    proposers = set(group.initiatives.values_list("proposed_by_id", flat=True))
    dropped = Organization.objects.filter(pk__in=proposers - keep).order_by("name")
    if dropped:
        raise ValidationError(
            {
                "members": "These members proposed initiatives and cannot leave the group: "
                + ", ".join(org.name for org in dropped)
                + "."
            }
        )
    group.save()
    group.members.set(members)
    InitiativeRank.objects.filter(initiative__group=group).exclude(
        organization_id__in=keep
    ).delete()
    after = {"name": group.name, "members": sorted(m.name for m in members)}
    audit_record(actor=actor, action="update", target=group, changes=diff(before, after))
    return group


def _member_of(actor: Actor, group: WorkingGroup, organization: Organization) -> None:
    if not actor.is_orchestrator and organization.pk != actor.organization_id:
        raise PermissionDenied("You act for your own organisation only.")
    if not group.members.filter(pk=organization.pk).exists():
        raise ValidationError(
            {"organization": f"{organization.name} is not a member of {group.name}."}
        )


@transaction.atomic
def initiative_propose(
    *,
    actor: Actor,
    group: WorkingGroup,
    proposed_by: Organization,
    title: str,
    problem: str,
    area: str,
    expected_benefit: str = "",
    expected_value: Decimal | None = None,
    currency: str = "",
) -> Initiative:
    """A member proposes an initiative to its group (its admin, or the orchestrator for it)."""
    initiative = Initiative(
        workspace=actor.workspace,
        group=group,
        proposed_by=proposed_by,
        title=(title or "").strip(),
        problem=(problem or "").strip(),
        area=area,
        expected_benefit=(expected_benefit or "").strip(),
        expected_value=expected_value,
    )
    if not allows(actor, ADD, Initiative):
        raise PermissionDenied("Your role may not propose initiatives.")
    _writer(actor)
    try:
        _member_of(actor, group, proposed_by)
    except ValidationError as error:
        raise ValidationError({"proposed_by": error.messages[0]}) from error
    errors: dict[str, str] = {}
    if expected_value is not None:
        if expected_value < 0:
            errors["expected_value"] = "The expected value cannot be negative."
        initiative.currency = _currency(currency, "currency", errors)
    try:
        initiative.full_clean(exclude=["workspace", "currency", *errors])
    except ValidationError as error:
        errors = {**_errors(error), **errors}
    if errors:
        raise ValidationError(errors)
    if group.initiatives.filter(title__iexact=initiative.title).exists():
        raise ValidationError({"title": f"{group.name} has an initiative “{initiative.title}”."})
    initiative.save()
    audit_record(
        actor=actor,
        action="propose",
        target=initiative,
        changes={"title": [None, initiative.title], "proposed_by": [None, proposed_by.name]},
    )
    return initiative


@transaction.atomic
def initiative_rank_set(
    *,
    actor: Actor,
    group: WorkingGroup,
    organization: Organization,
    initiatives: list[Initiative],
) -> list[InitiativeRank]:
    """A member ranks initiatives of its group, most wanted first; replaces its earlier ranks."""
    if not allows(actor, CHANGE, InitiativeRank):
        raise PermissionDenied("Your role may not rank initiatives.")
    _writer(actor)
    _member_of(actor, group, organization)
    if not initiatives:
        raise ValidationError({"initiatives": "Rank at least one initiative."})
    ids = [initiative.pk for initiative in initiatives]
    if len(set(ids)) != len(ids):
        raise ValidationError({"initiatives": "Each initiative can be ranked once."})
    foreign = [i.title for i in initiatives if i.group_id != group.pk]
    if foreign:
        raise ValidationError(
            {"initiatives": f"Not initiatives of {group.name}: {', '.join(foreign)}."}
        )
    before = dict(
        InitiativeRank.objects.filter(initiative__group=group, organization=organization)
        .order_by("rank")
        .values_list("initiative__title", "rank")
    )
    InitiativeRank.objects.filter(initiative__group=group, organization=organization).delete()
    ranks = InitiativeRank.objects.bulk_create(
        InitiativeRank(
            workspace=actor.workspace, initiative=initiative, organization=organization, rank=n
        )
        for n, initiative in enumerate(initiatives, start=1)
    )
    after = {initiative.title: n for n, initiative in enumerate(initiatives, start=1)}
    audit_record(
        actor=actor,
        action="rank",
        target=group,
        changes={"organization": [None, organization.name], **diff(before, after)},
    )
    return ranks


def initiative_text(initiative: Initiative) -> str:
    """What the grouping reads: the title counts twice, it is the member's own summary."""
    return " ".join(
        [initiative.title, initiative.title, initiative.problem, initiative.expected_benefit]
    )


@transaction.atomic
def theme_rebuild(*, actor: Actor, threshold: float = themes.DEFAULT_THRESHOLD) -> list[Theme]:
    """Group every initiative into themes again. A theme keeps its identity (and offerings) when
    most of its initiatives land together again; themes left with neither initiatives nor
    offerings are removed."""
    _orchestrator(actor, Theme, "group initiatives into themes")
    initiatives = list(Initiative.objects.order_by("id"))
    try:
        clusters = themes.group([initiative_text(i) for i in initiatives], threshold=threshold)
    except ValueError as error:
        raise ValidationError({"threshold": str(error)}) from error
    old = {
        theme: set(theme.initiatives.values_list("pk", flat=True))
        for theme in Theme.objects.select_for_update().order_by("id")
    }
    taken: set[int] = set()
    result = []
    for cluster in clusters:
        members = {initiatives[i].pk for i in cluster.members}
        best, best_share = None, 0.5
        for theme, before in old.items():
            if theme.pk in taken or not before:
                continue
            share = len(members & before) / len(members | before)
            if share > best_share:
                best, best_share = theme, share
        theme = best or Theme(workspace=actor.workspace)
        theme.name, theme.keywords = cluster.name[:200], list(cluster.keywords)
        theme.save()
        taken.add(theme.pk)
        Initiative.objects.filter(pk__in=members).update(theme=theme)
        result.append(theme)
    Theme.objects.exclude(pk__in=taken).filter(offerings__isnull=True).delete()
    audit_record(
        actor=actor,
        action="themes_rebuild",
        target=actor.workspace.orchestrator,
        changes={"themes": [None, [theme.name for theme in result]]},
    )
    return result


# -- offerings -----------------------------------------------------------------------------


def _offering_lists(metrics, roles) -> tuple[list[dict], list[dict]]:
    errors: dict[str, str] = {}
    clean_metrics, clean_roles = [], []
    for n, item in enumerate(metrics or [], start=1):
        name = str(item.get("name", "")).strip()
        unit = str(item.get("unit", "")).strip()
        direction = str(item.get("direction", "")).strip()
        if not name or not unit or direction not in Direction.values:
            errors["metrics"] = (
                f"Metric {n}: give a name, a unit and a direction (higher or lower)."
            )
            break
        clean_metrics.append({"name": name, "unit": unit, "direction": direction})
    for n, item in enumerate(roles or [], start=1):
        name = str(item.get("name", "")).strip()
        try:
            level = int(item.get("min_level", 0))
            share = Decimal(str(item.get("share", "")))
        except (ValueError, ArithmeticError):
            level, share = 0, Decimal(0)
        if not name or not 1 <= level <= 5 or not Decimal(0) < share <= 1:
            errors["roles"] = (
                f"Role {n}: give a name, a minimum level 1-5 and a share of a week "
                "between 0 and 1 (e.g. 0.5)."
            )
            break
        clean_roles.append(
            {
                "name": name,
                "skill": str(item.get("skill", "")).strip(),
                "min_level": level,
                "share": str(share),
            }
        )
    if errors:
        raise ValidationError(errors)
    return clean_metrics, clean_roles


@transaction.atomic
def offering_save(
    *,
    actor: Actor,
    offering: Offering | None = None,
    name: str,
    scope: str,
    deliverables: str = "",
    theme: Theme | None = None,
    metrics: list[dict] = (),
    roles: list[dict] = (),
) -> Offering:
    """Define (or change) a baseline offering: scope, deliverables, metrics, roles."""
    _orchestrator(actor, Offering, "define offerings")
    creating = offering is None
    offering = offering or Offering(workspace=actor.workspace)
    before = {} if creating else snapshot(offering, ["name", "scope", "metrics", "roles"])
    offering.name, offering.scope = (name or "").strip(), (scope or "").strip()
    offering.deliverables, offering.theme = (deliverables or "").strip(), theme
    errors: dict[str, str] = {}
    try:
        offering.metrics, offering.roles = _offering_lists(metrics, roles)
    except ValidationError as error:
        errors.update(_errors(error))
    try:
        offering.full_clean(exclude=["workspace", *errors])
    except ValidationError as error:
        errors = {**_errors(error), **errors}
    clash = Offering.objects.filter(name__iexact=offering.name).exclude(pk=offering.pk)
    if offering.name and clash.exists():
        errors["name"] = f"An offering named “{offering.name}” exists already."
    if errors:
        raise ValidationError(errors)
    offering.save()
    after = snapshot(offering, ["name", "scope", "metrics", "roles"])
    audit_record(
        actor=actor,
        action="create" if creating else "update",
        target=offering,
        changes=diff(before, after),
    )
    return offering


# -- engagements ---------------------------------------------------------------------------


def _check_tools(tools) -> list[dict]:
    clean = []
    for n, tool in enumerate(tools or [], start=1):
        kind = str(tool.get("kind", "")).strip()
        name = str(tool.get("name", "")).strip()
        url = str(tool.get("url", "")).strip()
        if kind not in ToolKind.values or not name:
            raise ValidationError(
                {"tools": f"Tool {n}: give a kind ({', '.join(ToolKind.values)}) and a name."}
            )
        if url and not url.startswith(("https://", "http://")):
            raise ValidationError({"tools": f"Tool {n}: the link must start with https://."})
        clean.append({"kind": kind, "name": name, "url": url})
    return clean


def _engagement_checks(actor: Actor, engagement: Engagement, team: list[Person]) -> None:
    errors: dict[str, str] = {}
    customer = engagement.customer
    if customer.pk == actor.workspace.orchestrator_id or not _is_customer(customer):
        errors["customer"] = f"{customer.name} does not have the customer role."
    engagement.currency = _currency(engagement.currency, "currency", errors)
    if (
        engagement.start_date
        and engagement.end_date
        and engagement.end_date < engagement.start_date
    ):
        errors["end_date"] = "The end date is before the start date."
    if engagement.budget is not None and engagement.budget < 0:
        errors["budget"] = "The budget cannot be negative."
    try:
        engagement.tools = _check_tools(engagement.tools)
    except ValidationError as error:
        errors.update(_errors(error))
    outsiders = [person.full_name for person in team if person.organization_id != customer.pk]
    if outsiders:
        errors["customer_team"] = (
            f"The customer team is {customer.name}'s own people; not: {', '.join(outsiders)}."
        )
    try:
        engagement.full_clean(exclude=["workspace", "currency", "tools", *errors])
    except ValidationError as error:
        errors = {**_errors(error), **errors}
    if errors:
        raise ValidationError(errors)


def _step(actor: Actor, engagement: Engagement, from_status: str, reason: str = "") -> None:
    EngagementStatusChange.objects.create(
        workspace=engagement.workspace,
        engagement=engagement,
        from_status=from_status,
        to_status=engagement.status,
        changed_by=actor.label,
        reason=reason[:500],
    )


@transaction.atomic
def engagement_create(
    *,
    actor: Actor,
    customer: Organization,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    currency: str,
    offering: Offering | None = None,
    scope: str = "",
    cadence: str = "",
    lead=None,
    budget: Decimal | None = None,
    onsite_required: bool = False,
    language: str = "",
    tools: list[dict] = (),
    commercial_model: str = "consulting",
    customer_team: list[Person] = (),
) -> Engagement:
    """Open an engagement for one customer (draft); the offering's metrics are copied over."""
    _orchestrator(actor, Engagement, "open engagements")
    engagement = Engagement(
        workspace=actor.workspace,
        customer=customer,
        offering=offering,
        title=(title or "").strip(),
        scope=(scope or "").strip() or (offering.scope if offering else ""),
        start_date=start_date,
        end_date=end_date,
        cadence=(cadence or "").strip(),
        lead=lead,
        currency=currency,
        budget=budget,
        onsite_required=onsite_required,
        language=(language or "").strip(),
        tools=list(tools or []),
        commercial_model=commercial_model,
    )
    team = list(customer_team)
    _engagement_checks(actor, engagement, team)
    if not engagement.scope:
        raise ValidationError({"scope": "Pick an offering or describe a custom scope."})
    engagement.save()
    engagement.customer_team.set(team)
    for item in offering.metrics if offering else []:
        Metric.objects.create(
            workspace=actor.workspace,
            engagement=engagement,
            name=item["name"],
            unit=item["unit"],
            direction=item["direction"],
            value_per_unit=Decimal(0),
            currency=engagement.currency,
        )
    _step(actor, engagement, "", "Opened")
    audit_record(
        actor=actor,
        action="create",
        target=engagement,
        changes=diff({}, snapshot(engagement, ENGAGEMENT_FIELDS)),
    )
    return engagement


@transaction.atomic
def engagement_update(*, actor: Actor, engagement: Engagement, **fields) -> Engagement:
    """Change an open engagement's facts (not its status: see engagement_transition)."""
    _orchestrator(actor, Engagement, "change engagements")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status == EngagementStatus.CLOSED:
        raise ValidationError("This engagement is closed; it can no longer be changed.")
    before = snapshot(engagement, ENGAGEMENT_FIELDS)
    customer_before = engagement.customer_id
    team = fields.pop("customer_team", None)
    for name, value in fields.items():
        if name not in ENGAGEMENT_FIELDS:
            raise ValidationError({name: "This field cannot be changed here."})
        setattr(engagement, name, value.strip() if isinstance(value, str) else value)
    customer_changed = engagement.customer_id != customer_before
    if customer_changed and engagement.status != EngagementStatus.DRAFT:
        raise ValidationError({"customer": "The customer can change only while a draft."})
    team = list(team) if team is not None else list(engagement.customer_team.all())
    _engagement_checks(actor, engagement, team)
    engagement.save()
    engagement.customer_team.set(team)
    audit_record(
        actor=actor,
        action="update",
        target=engagement,
        changes=diff(before, snapshot(engagement, ENGAGEMENT_FIELDS)),
    )
    return engagement


def _confirmed_baseline(engagement: Engagement) -> BaselineVersion | None:
    return (
        engagement.baseline_versions.filter(status=BaselineStatus.CONFIRMED)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def engagement_transition(
    *, actor: Actor, engagement: Engagement, to_status: str, reason: str = ""
) -> Engagement:
    """Move an engagement one allowed step along draft → staffing → baseline → tracking →
    closed; tracking needs the customer's confirmed baseline, closing a decided report."""
    _orchestrator(actor, Engagement, "move engagements along")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    current = engagement.status
    if to_status not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "none"
        raise ValidationError(
            {
                "to_status": f"An engagement in {current} cannot move to {to_status}; "
                f"allowed: {allowed}."
            }
        )
    if to_status == EngagementStatus.TRACKING and _confirmed_baseline(engagement) is None:
        raise ValidationError(
            {"to_status": "Tracking starts once the customer has confirmed a baseline."}
        )
    if to_status == EngagementStatus.CLOSED:
        report = OutcomeReport.objects.filter(engagement=engagement).first()
        if report is None or report.status not in (ReportStatus.CONFIRMED, ReportStatus.DISPUTED):
            raise ValidationError(
                {
                    "to_status": "An engagement closes once the customer has confirmed or "
                    "disputed its outcome report."
                }
            )
    return _move(actor, engagement, to_status, (reason or "").strip())


def _move(actor: Actor, engagement: Engagement, to_status: str, reason: str) -> Engagement:
    current = engagement.status
    engagement.status = to_status
    if to_status == EngagementStatus.CLOSED:
        engagement.closed_at = timezone.now()
    engagement.save(update_fields=["status", "closed_at"])
    _step(actor, engagement, current, reason)
    audit_record(
        actor=actor,
        action="transition",
        target=engagement,
        changes={"status": [current, to_status], "reason": [None, reason]},
    )
    return engagement


# -- metrics and measurements --------------------------------------------------------------


def _metric_checks(metric: Metric) -> None:
    errors: dict[str, str] = {}
    metric.currency = _currency(metric.currency, "currency", errors)
    if metric.value_per_unit is not None and metric.value_per_unit < 0:
        errors["value_per_unit"] = (
            "The value per unit is what one unit of improvement is worth: zero or more."
        )
    low, high = metric.plausible_min, metric.plausible_max
    if low is not None and high is not None and low >= high:
        errors["plausible_max"] = "The plausible maximum must be above the plausible minimum."
    if metric.target is not None and (
        (low is not None and metric.target < low) or (high is not None and metric.target > high)
    ):
        errors["target"] = "The target lies outside the plausible bounds."
    if metric.source not in MetricSource.values:
        errors["source"] = f"The source is one of: {', '.join(MetricSource.values)}."
    try:
        metric.full_clean(exclude=["workspace", "engagement", "currency", *errors])
    except ValidationError as error:
        errors = {**_errors(error), **errors}
    clash = Metric.objects.filter(engagement=metric.engagement, name__iexact=metric.name)
    if metric.name and clash.exclude(pk=metric.pk).exists():
        errors["name"] = f"This engagement has a metric “{metric.name}” already."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def metric_create(*, actor: Actor, engagement: Engagement, **fields) -> Metric:
    """Agree a metric with the customer: unit, direction, value per unit, target, bounds."""
    _orchestrator(actor, Metric, "define metrics")
    if engagement.status in (EngagementStatus.TRACKING, EngagementStatus.CLOSED):
        raise ValidationError(
            "Metrics are agreed before tracking starts; this engagement is "
            f"{engagement.get_status_display().lower()}."
        )
    metric = Metric(workspace=actor.workspace, engagement=engagement)
    for name, value in fields.items():
        if name not in METRIC_FIELDS:
            raise ValidationError({name: "Not a metric field."})
        setattr(metric, name, value.strip() if isinstance(value, str) else value)
    metric.currency = metric.currency or engagement.currency
    _metric_checks(metric)
    metric.save()
    audit_record(
        actor=actor,
        action="create",
        target=metric,
        changes=diff({}, snapshot(metric, METRIC_FIELDS)),
    )
    return metric


@transaction.atomic
def metric_update(*, actor: Actor, metric: Metric, **fields) -> Metric:
    """Change a metric; its name, unit and direction are fixed once values are recorded."""
    _orchestrator(actor, Metric, "change metrics")
    metric = Metric.objects.select_for_update().select_related("engagement").get(pk=metric.pk)
    if metric.engagement.status == EngagementStatus.CLOSED:
        raise ValidationError("The engagement is closed; its metrics can no longer change.")
    before = snapshot(metric, METRIC_FIELDS)
    for name, value in fields.items():
        if name not in METRIC_FIELDS:
            raise ValidationError({name: "Not a metric field."})
        setattr(metric, name, value.strip() if isinstance(value, str) else value)
    if metric.measurements.exists():
        frozen = [name for name in METRIC_FROZEN_FIELDS if getattr(metric, name) != before[name]]
        if frozen:
            raise ValidationError(
                {
                    frozen[0]: "Values are recorded for this metric; its name, unit and "
                    "direction can no longer change."
                }
            )
    _metric_checks(metric)
    metric.save()
    audit_record(
        actor=actor,
        action="update",
        target=metric,
        changes=diff(before, snapshot(metric, METRIC_FIELDS)),
    )
    return metric


def draft_baseline(engagement: Engagement) -> BaselineVersion | None:
    return (
        engagement.baseline_versions.filter(status=BaselineStatus.DRAFT)
        .order_by("-version")
        .first()
    )


def _baseline_for_entry(actor: Actor, engagement: Engagement) -> BaselineVersion:
    """The draft version baseline values go into; the first one is opened on first entry."""
    version = draft_baseline(engagement)
    if version is not None:
        return version
    latest = engagement.baseline_versions.order_by("-version").first()
    if latest is None:
        return BaselineVersion.objects.create(
            workspace=actor.workspace, engagement=engagement, version=1
        )
    if latest.status == BaselineStatus.SUBMITTED:
        raise ValidationError(
            {
                "kind": f"Baseline v{latest.version} awaits the customer's confirmation; its "
                "values cannot change until the customer confirms or returns it."
            }
        )
    raise ValidationError(
        {
            "kind": f"Baseline v{latest.version} is confirmed and cannot be changed; open a new "
            "baseline version (the customer confirms it again)."
        }
    )


def _parse_value(value) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError as error:
        raise ValidationError({"value": f"“{value}” is not a number."}) from error
    if not number.is_finite():
        raise ValidationError({"value": f"“{value}” is not a number."})
    return number


@transaction.atomic
def measurement_record(
    *,
    actor: Actor,
    metric: Metric,
    kind: str,
    period_start: dt.date,
    value,
    unit: str,
    group: str = MeasurementGroup.ENGAGEMENT,
    source: str = MetricSource.ENTERED,
) -> Measurement:
    """Record one value: the unit must be the metric's and the value plausible; baseline values
    go into the draft baseline version; tracking and final values need tracking to have
    started; nothing is recorded after the final measurement closed."""
    _orchestrator(actor, Measurement, "record measurements")
    engagement = Engagement.objects.select_for_update().get(pk=metric.engagement_id)
    errors: dict[str, str] = {}
    if kind not in MeasurementKind.values:
        errors["kind"] = "The kind is baseline, tracking or final."
    if group not in MeasurementGroup.values:
        errors["group"] = "The group is engagement or comparison."
    if source not in MetricSource.values:
        errors["source"] = f"The source is one of: {', '.join(MetricSource.values)}."
    if not isinstance(period_start, dt.date):
        errors["period_start"] = "Give the start date of the period the value is for."
    unit = (unit or "").strip()
    if unit.lower() != metric.unit.lower():
        errors["unit"] = (
            f"The unit “{unit}” is not the metric's unit “{metric.unit}”; convert the value "
            f"to {metric.unit} first."
        )
    try:
        number = _parse_value(value)
    except ValidationError as error:
        errors.update(_errors(error))
        number = None
    if number is not None:
        if metric.plausible_min is not None and number < metric.plausible_min:
            errors["value"] = (
                f"{number} {metric.unit} is below the plausible minimum of "
                f"{metric.plausible_min} {metric.unit} for {metric.name}."
            )
        elif metric.plausible_max is not None and number > metric.plausible_max:
            errors["value"] = (
                f"{number} {metric.unit} is above the plausible maximum of "
                f"{metric.plausible_max} {metric.unit} for {metric.name}."
            )
    if errors:
        raise ValidationError(errors)
    if engagement.measurement_closed_at or engagement.status == EngagementStatus.CLOSED:
        raise ValidationError(
            {"kind": "The final measurement has closed measurement for this engagement."}
        )
    version = None
    if kind == MeasurementKind.BASELINE:
        if engagement.status == EngagementStatus.DRAFT:
            raise ValidationError({"kind": "Start staffing before recording the baseline."})
        version = _baseline_for_entry(actor, engagement)
    elif engagement.status != EngagementStatus.TRACKING:
        raise ValidationError(
            {
                "kind": f"{MeasurementKind(kind).label} values are recorded once tracking has "
                f"started; this engagement is {engagement.get_status_display().lower()}."
            }
        )
    same = Measurement.objects.filter(
        metric=metric, kind=kind, group=group, period_start=period_start
    )
    if version is not None:
        same = same.filter(baseline_version=version)
    if same.exists():
        raise ValidationError(
            {
                "period_start": f"{metric.name} has a {kind} value for the {group} group from "
                f"{period_start:%Y-%m-%d} already; delete it first to replace it."
            }
        )
    measurement = Measurement.objects.create(
        workspace=actor.workspace,
        metric=metric,
        kind=kind,
        group=group,
        unit=metric.unit,
        period_start=period_start,
        value=number,
        baseline_version=version,
        source=source,
        entered_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="record",
        target=measurement,
        changes={"value": [None, str(number)], "kind": [None, kind], "group": [None, group]},
    )
    return measurement


@transaction.atomic
def measurement_delete(*, actor: Actor, measurement: Measurement) -> None:
    """Remove a value entered by mistake: not from a submitted or confirmed baseline, and not
    after the final measurement."""
    _orchestrator(actor, Measurement, "delete measurements")
    engagement = Engagement.objects.select_for_update().get(pk=measurement.metric.engagement_id)
    if engagement.measurement_closed_at:
        raise ValidationError("The final measurement has closed measurement; values are kept.")
    version = measurement.baseline_version
    if version is not None and version.status != BaselineStatus.DRAFT:
        raise ValidationError(
            f"This value belongs to baseline v{version.version}, which is "
            f"{version.get_status_display().lower()}; it cannot be changed."
        )
    audit_record(
        actor=actor,
        action="delete",
        target=measurement,
        changes={"value": [str(measurement.value), None]},
    )
    measurement.delete()


@transaction.atomic
def measurement_close(*, actor: Actor, engagement: Engagement) -> Engagement:
    """The final measurement: every metric has its final value; no more values are taken."""
    _orchestrator(actor, Engagement, "close measurement")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != EngagementStatus.TRACKING:
        raise ValidationError("Measurement closes during tracking.")
    if engagement.measurement_closed_at:
        raise ValidationError("Measurement is closed already.")
    metrics = list(engagement.metrics.order_by("name"))
    if not metrics:
        raise ValidationError("This engagement has no metrics.")
    missing = [
        metric.name
        for metric in metrics
        if not metric.measurements.filter(
            kind=MeasurementKind.FINAL, group=MeasurementGroup.ENGAGEMENT
        ).exists()
    ]
    if missing:
        raise ValidationError(f"No final value yet for: {', '.join(missing)}.")
    engagement.measurement_closed_at = timezone.now()
    engagement.save(update_fields=["measurement_closed_at"])
    audit_record(
        actor=actor,
        action="measurement_close",
        target=engagement,
        changes={"measurement_closed_at": [None, engagement.measurement_closed_at.isoformat()]},
    )
    return engagement


# -- baseline versions ---------------------------------------------------------------------


@transaction.atomic
def baseline_version_new(
    *, actor: Actor, engagement: Engagement, note: str = ""
) -> BaselineVersion:
    """Open a new draft baseline version, starting from the values of the latest one."""
    _orchestrator(actor, BaselineVersion, "open baseline versions")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status in (EngagementStatus.DRAFT, EngagementStatus.CLOSED):
        raise ValidationError(
            f"A baseline is measured from staffing to tracking; this engagement is "
            f"{engagement.get_status_display().lower()}."
        )
    if engagement.measurement_closed_at:
        raise ValidationError("The final measurement has closed measurement.")
    latest = engagement.baseline_versions.order_by("-version").first()
    if latest is not None and latest.status in (BaselineStatus.DRAFT, BaselineStatus.SUBMITTED):
        raise ValidationError(
            f"Baseline v{latest.version} is still {latest.get_status_display().lower()}; "
            "finish it first."
        )
    version = BaselineVersion.objects.create(
        workspace=actor.workspace,
        engagement=engagement,
        version=(latest.version + 1) if latest else 1,
        note=(note or "").strip(),
    )
    if latest is not None:
        Measurement.objects.bulk_create(
            Measurement(
                workspace=actor.workspace,
                metric_id=old.metric_id,
                kind=old.kind,
                group=old.group,
                unit=old.unit,
                period_start=old.period_start,
                value=old.value,
                baseline_version=version,
                source=old.source,
                entered_by=actor.user,
            )
            for old in latest.measurements.order_by("id")
        )
    audit_record(
        actor=actor,
        action="baseline_new",
        target=version,
        changes={"version": [None, version.version], "note": [None, version.note]},
    )
    return version


@transaction.atomic
def baseline_submit(*, actor: Actor, version: BaselineVersion) -> BaselineVersion:
    """Send a draft baseline to the customer for confirmation; every metric needs values."""
    _orchestrator(actor, BaselineVersion, "submit baselines")
    version = BaselineVersion.objects.select_for_update().get(pk=version.pk)
    engagement = version.engagement
    if version.status != BaselineStatus.DRAFT:
        raise ValidationError(
            f"Baseline v{version.version} is {version.get_status_display().lower()}; only a "
            "draft is submitted."
        )
    metrics = list(engagement.metrics.order_by("name"))
    if not metrics:
        raise ValidationError("Agree the metrics first: the baseline has none.")
    have = set(
        version.measurements.filter(group=MeasurementGroup.ENGAGEMENT).values_list(
            "metric_id", flat=True
        )
    )
    missing = [metric.name for metric in metrics if metric.pk not in have]
    if missing:
        raise ValidationError(f"No baseline value yet for: {', '.join(missing)}.")
    version.status, version.submitted_at = BaselineStatus.SUBMITTED, timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        action="baseline_submit",
        target=version,
        changes={"status": [BaselineStatus.DRAFT.value, version.status]},
    )
    _mail(
        _admins(engagement.customer_id),
        f"Baseline ready for your confirmation: {engagement.title}",
        f"Baseline v{version.version} of “{engagement.title}” lists the “as is” values of "
        f"{len(metrics)} metric(s). Please check them in the portal and confirm, or return "
        "them with a comment.",
    )
    return version


def _customer_admin(actor: Actor, engagement: Engagement, what: str) -> None:
    if actor.is_orchestrator or actor.organization_id != engagement.customer_id:
        raise PermissionDenied(f"Only the customer {what}.")
    if actor.role != Role.EXTERNAL_ADMIN or actor.token_scope == TokenScope.READ:
        raise PermissionDenied(f"Only the customer's admins {what}.")


@transaction.atomic
def baseline_confirm(*, actor: Actor, version: BaselineVersion) -> BaselineVersion:
    """The customer confirms a submitted baseline; it is frozen, the one before superseded."""
    version = BaselineVersion.objects.select_for_update().get(pk=version.pk)
    engagement = version.engagement
    ensure(actor, CHANGE, version)
    _customer_admin(actor, engagement, "confirms its baseline")
    if version.status != BaselineStatus.SUBMITTED:
        raise ValidationError(
            f"Baseline v{version.version} is {version.get_status_display().lower()}; only a "
            "submitted baseline is confirmed."
        )
    superseded = engagement.baseline_versions.filter(status=BaselineStatus.CONFIRMED)
    for old in superseded:
        audit_record(
            actor=actor,
            action="baseline_supersede",
            target=old,
            changes={"status": [old.status, BaselineStatus.SUPERSEDED.value]},
        )
    superseded.update(status=BaselineStatus.SUPERSEDED)
    version.status, version.confirmed_by = BaselineStatus.CONFIRMED, actor.user
    version.confirmed_at = timezone.now()
    version.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action="baseline_confirm",
        target=version,
        changes={"status": [BaselineStatus.SUBMITTED.value, version.status]},
    )
    _mail(
        _orchestrator_recipients(engagement),
        f"Baseline confirmed: {engagement.title}",
        f"{engagement.customer.name} confirmed baseline v{version.version} of "
        f"“{engagement.title}” ({actor.label}).",
    )
    return version


@transaction.atomic
def baseline_return(*, actor: Actor, version: BaselineVersion, comment: str) -> BaselineVersion:
    """The customer returns a submitted baseline with a comment; it is a draft again."""
    version = BaselineVersion.objects.select_for_update().get(pk=version.pk)
    engagement = version.engagement
    ensure(actor, CHANGE, version)
    _customer_admin(actor, engagement, "returns its baseline")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what is wrong with the baseline."})
    if version.status != BaselineStatus.SUBMITTED:
        raise ValidationError(
            f"Baseline v{version.version} is {version.get_status_display().lower()}; only a "
            "submitted baseline is returned."
        )
    version.status, version.customer_comment = BaselineStatus.DRAFT, comment
    version.save(update_fields=["status", "customer_comment"])
    audit_record(
        actor=actor,
        action="baseline_return",
        target=version,
        changes={"status": ["submitted", "draft"], "comment": [None, comment]},
    )
    _mail(
        _orchestrator_recipients(engagement),
        f"Baseline returned: {engagement.title}",
        f"{engagement.customer.name} returned baseline v{version.version} of "
        f"“{engagement.title}”: {comment}",
    )
    return version


# -- outcome report ------------------------------------------------------------------------


@transaction.atomic
def report_issue(*, actor: Actor, engagement: Engagement, summary: str = "") -> OutcomeReport:
    """Issue the outcome report to the customer (again after a dispute)."""
    _orchestrator(actor, OutcomeReport, "issue outcome reports")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != EngagementStatus.TRACKING or not engagement.measurement_closed_at:
        raise ValidationError("The report is issued after the final measurement.")
    if not engagement.benefit_results.exists():
        raise ValidationError("Calculate the benefit first; the report shows it.")
    report, _ = OutcomeReport.objects.get_or_create(
        engagement=engagement, defaults={"workspace": actor.workspace}
    )
    if report.status in (ReportStatus.ISSUED, ReportStatus.CONFIRMED):
        raise ValidationError(f"The report is {report.get_status_display().lower()} already.")
    before = report.status
    report.status, report.summary = ReportStatus.ISSUED, (summary or "").strip()
    report.issued_at, report.issued_by = timezone.now(), actor.user
    report.save()
    audit_record(
        actor=actor,
        action="report_issue",
        target=report,
        changes={"status": [before, report.status]},
    )
    _mail(
        _admins(engagement.customer_id),
        f"Outcome report issued: {engagement.title}",
        f"The outcome report of “{engagement.title}” is ready in the portal. Please confirm "
        "it, or dispute it with a comment.",
    )
    return report


@transaction.atomic
def report_decide(
    *, actor: Actor, report: OutcomeReport, decision: str, comment: str = ""
) -> OutcomeReport:
    """The customer confirms (the engagement closes) or disputes the issued report."""
    report = OutcomeReport.objects.select_for_update().get(pk=report.pk)
    engagement = Engagement.objects.select_for_update().get(pk=report.engagement_id)
    ensure(actor, CHANGE, report)
    _customer_admin(actor, engagement, "confirms or disputes its outcome report")
    comment = (comment or "").strip()
    if decision not in ("confirm", "dispute"):
        raise ValidationError({"decision": "Confirm or dispute."})
    if decision == "dispute" and not comment:
        raise ValidationError({"comment": "Say what you dispute."})
    if report.status != ReportStatus.ISSUED:
        raise ValidationError(
            f"The report is {report.get_status_display().lower()}; only an issued report is "
            "confirmed or disputed."
        )
    report.status = ReportStatus.CONFIRMED if decision == "confirm" else ReportStatus.DISPUTED
    report.customer_comment, report.decided_by = comment, actor.user
    report.decided_at = timezone.now()
    if decision == "confirm":
        report.closed_at = report.decided_at
    report.save()
    audit_record(
        actor=actor,
        action=f"report_{decision}",
        target=report,
        changes={"status": [ReportStatus.ISSUED.value, report.status], "comment": [None, comment]},
    )
    if decision == "confirm":
        _move(
            actor, engagement, EngagementStatus.CLOSED, "Outcome report confirmed by the customer"
        )
    word = "confirmed" if decision == "confirm" else "disputed"
    _mail(
        _orchestrator_recipients(engagement),
        f"Outcome report {word}: {engagement.title}",
        f"{engagement.customer.name} {word} the outcome report of “{engagement.title}” "
        f"({actor.label}).{' Comment: ' + comment if comment else ''}",
    )
    return report


# -- measurement import --------------------------------------------------------------------

IMPORT_COLUMNS = ("metric", "kind", "group", "period_start", "value", "unit")


class _Refused(Exception):
    pass


def measurement_import(
    *, actor: Actor, engagement: Engagement, file_name: str, content: bytes
) -> tuple[int, list[dict]]:
    """Import values from CSV/XLSX (columns: metric, kind, group, period_start, value, unit):
    every row is recorded, or none; the answer lists each row's and column's error."""
    from ecosys.core.imports import ImportRefused, read_table

    _orchestrator(actor, Measurement, "import measurements")
    try:
        header, rows = read_table(file_name, content)
    except ImportRefused as error:
        raise ValidationError({"file": str(error)}) from error
    missing = [name for name in IMPORT_COLUMNS if name not in header and name != "group"]
    unknown = [name for name in header if name and name not in IMPORT_COLUMNS]
    if missing or unknown or not rows:
        problem = "the file has no rows" if not rows else (
            f"missing column(s): {', '.join(missing)}" if missing
            else f"unknown column(s): {', '.join(unknown)}"
        )  # fmt: skip
        raise ValidationError(
            {"file": f"Refused: {problem}. Expected columns: {', '.join(IMPORT_COLUMNS)}."}
        )
    metrics = {metric.name.lower(): metric for metric in engagement.metrics.all()}
    errors: list[dict] = []
    try:
        with transaction.atomic():
            for number, row in enumerate(rows, start=2):
                try:
                    with transaction.atomic():
                        _import_row(actor, metrics, row)
                except ValidationError as error:
                    items = error.message_dict.items() if hasattr(error, "error_dict") else [
                        ("", error.messages)
                    ]  # fmt: skip
                    errors.extend(
                        {"row": number, "column": "" if column == "__all__" else column,
                         "message": message}
                        for column, messages in items
                        for message in messages
                    )  # fmt: skip
            if errors:
                raise _Refused
            audit_record(
                actor=actor.with_channel("import"),
                action="measurement_import",
                target=engagement,
                changes={"file": [None, file_name], "rows": [None, len(rows)]},
            )
    except _Refused:
        return 0, errors
    return len(rows), []


def _import_row(actor: Actor, metrics: dict, row: dict) -> Measurement:
    metric = metrics.get(row.get("metric", "").strip().lower())
    if metric is None:
        raise ValidationError({"metric": f"No metric “{row.get('metric', '')}” here."})
    kind = row.get("kind", "").strip().lower()
    group = row.get("group", "").strip().lower() or MeasurementGroup.ENGAGEMENT
    try:
        period_start = dt.date.fromisoformat(row.get("period_start", "").strip()[:10])
    except ValueError as error:
        raise ValidationError(
            {"period_start": f"“{row.get('period_start', '')}” is not a date (YYYY-MM-DD)."}
        ) from error
    return measurement_record(
        actor=actor,
        metric=metric,
        kind=kind,
        group=group,
        period_start=period_start,
        value=row.get("value", ""),
        unit=row.get("unit", ""),
        source=MetricSource.IMPORTED,
    )
