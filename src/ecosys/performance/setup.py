"""Writes to the configuration of performance management: channel settings, the product
catalogue, exchange rates and scorecards; and which scorecard scores which partner."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from ecosys.analytics.ingest import ISO_CURRENCIES
from ecosys.core.access import ADD, CHANGE, DELETE, MANAGE, Actor, allows
from ecosys.core.audit import audit_record, diff, snapshot
from ecosys.core.models import Workspace
from ecosys.ecosystem.models import Region

from .measures import DEFAULT_BANDS, DEFAULT_WEIGHTS, measures
from .models import (
    ChannelSettings,
    ExchangeRate,
    NormaliseMethod,
    Product,
    ProductLine,
    Scorecard,
    ScorecardMeasure,
    Sensitivity,
)

# Marking data dirty from this month makes the next computation rewrite every month.
EARLIEST_MONTH = dt.date(1990, 1, 1)
SETTINGS_FIELDS = [
    "base_currency",
    "warning_sensitivity",
    "warning_recent_months",
    "warning_min_change",
    "report_recipients",
    "escalate_overdue_days",
    "escalate_stalled_days",
]
MAX_BANDS = 6
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_SCORECARD_NAME = "Default scorecard"


def _require(actor: Actor, action: str, model, what: str) -> None:
    if not actor.is_orchestrator or not allows(actor, action, model):
        raise PermissionDenied(f"Only the orchestrator's staff manage {what}.")


def _lock_workspace(workspace: Workspace) -> None:
    """Serialise writers of one workspace's singletons (PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise every writer)."""
    Workspace.objects.select_for_update().filter(pk=workspace.pk).values_list("pk").first()


# -- channel settings ------------------------------------------------------------------------


def settings_for(workspace: Workspace) -> ChannelSettings:
    """The workspace's channel settings, created with the defaults on first use."""
    row = ChannelSettings.objects.filter(workspace=workspace).order_by("id").first()
    if row is not None:
        return row
    with transaction.atomic():
        _lock_workspace(workspace)
        row = ChannelSettings.objects.filter(workspace=workspace).order_by("id").first()
        if row is None:
            row = ChannelSettings.objects.create(workspace=workspace)
    return row


def mark_dirty_from(workspace: Workspace, month: dt.date) -> None:
    """Scores from `month` on must be recomputed; the earliest such month is kept."""
    row = settings_for(workspace)
    # One conditional UPDATE, so two writers cannot undo each other's earlier month.
    ChannelSettings.objects.filter(pk=row.pk).filter(
        Q(dirty_from__isnull=True) | Q(dirty_from__gt=month)
    ).update(dirty_from=month)


def recipients_clean(text: str) -> str:
    """One e-mail address per line (commas and semicolons accepted), checked, deduplicated."""
    found, bad = [], []
    for part in re.split(r"[\n,;]+", text or ""):
        email = part.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            bad.append(part.strip())
            continue
        if email not in found:
            found.append(email)
    if bad:
        raise ValidationError(
            {"report_recipients": f"Not a valid e-mail address: {', '.join(bad)}."}
        )
    return "\n".join(found)


def currency_clean(text: str, field: str) -> str:
    code = (text or "").strip().upper()
    if code not in ISO_CURRENCIES:
        raise ValidationError({field: f"“{text}” is not an ISO 4217 currency code (e.g. EUR)."})
    return code


@transaction.atomic
def settings_update(*, actor: Actor, **fields: Any) -> ChannelSettings:
    """Change the channel settings; a new base currency makes every month be recomputed."""
    _require(actor, MANAGE, ChannelSettings, "the channel settings")
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    row = settings_for(actor.workspace)
    row = ChannelSettings.objects.select_for_update().get(pk=row.pk)
    before = snapshot(row, SETTINGS_FIELDS)
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        try:
            if name == "base_currency":
                value = currency_clean(value, name)
            elif name == "report_recipients":
                value = recipients_clean(value)
            elif name == "warning_sensitivity" and value not in Sensitivity.values:
                raise ValidationError({name: f"Choose one of: {', '.join(Sensitivity.values)}."})
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        setattr(row, name, value)
    try:
        row.full_clean(exclude=["workspace", *errors])
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    currency_changed = row.base_currency != before["base_currency"]
    if currency_changed:
        row.dirty_from = EARLIEST_MONTH
    row.save()
    changes = diff(before, snapshot(row, SETTINGS_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", target=row, changes=changes)
    return row


# -- product catalogue -----------------------------------------------------------------------

LINE_FIELDS = ["name", "description"]
PRODUCT_FIELDS = ["sku", "name", "line"]


def _line_name_taken(workspace: Workspace, name: str, line: ProductLine | None) -> bool:
    same = ProductLine.objects.filter(workspace=workspace, name__iexact=name)
    if line is not None:
        same = same.exclude(pk=line.pk)
    return same.exists()


def _line_write(actor: Actor, line: ProductLine, name: str, description: str) -> ProductLine:
    line.name, line.description = (name or "").strip(), (description or "").strip()
    line.full_clean(exclude=["workspace"])
    if _line_name_taken(actor.workspace, line.name, line if line.pk else None):
        raise ValidationError({"name": f"There is already a product line called “{line.name}”."})
    line.save()
    return line


@transaction.atomic
def product_line_create(*, actor: Actor, name: str, description: str = "") -> ProductLine:
    _require(actor, ADD, ProductLine, "the product catalogue")
    line = _line_write(actor, ProductLine(workspace=actor.workspace), name, description)
    audit_record(
        actor=actor, action="create", target=line, changes=diff({}, snapshot(line, LINE_FIELDS))
    )
    return line


@transaction.atomic
def product_line_update(
    *, actor: Actor, line: ProductLine, name: str, description: str = ""
) -> ProductLine:
    _require(actor, CHANGE, ProductLine, "the product catalogue")
    before = snapshot(line, LINE_FIELDS)
    line = _line_write(actor, line, name, description)
    audit_record(
        actor=actor, action="update", target=line, changes=diff(before, snapshot(line, LINE_FIELDS))
    )
    return line


@transaction.atomic
def product_line_delete(*, actor: Actor, line: ProductLine) -> None:
    _require(actor, DELETE, ProductLine, "the product catalogue")
    count = Product.objects.filter(line=line).count()
    if count:
        raise ValidationError(
            f"“{line}” still has {count} product{'s' if count != 1 else ''}; "
            "move them to another line or delete them first."
        )
    before = snapshot(line, LINE_FIELDS)
    line.delete()
    audit_record(actor=actor, action="delete", target=line, changes=diff(before, {}))


def _product_write(
    actor: Actor, product: Product, sku: str, name: str, line: ProductLine | None
) -> Product:
    product.sku, product.name = (sku or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if line is None:
        errors["line"] = ["Choose the product line."]
    else:
        product.line = line
    try:
        product.full_clean(exclude=["workspace", "line"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if product.sku and "sku" not in errors:
        same = Product.objects.filter(workspace=actor.workspace, sku__iexact=product.sku)
        if product.pk:
            same = same.exclude(pk=product.pk)
        if same.exists():
            errors["sku"] = [f"The SKU “{product.sku}” is already used by another product."]
    if errors:
        raise ValidationError(errors)
    product.save()
    return product


def _product_state(product: Product) -> dict[str, Any]:
    return snapshot(product, PRODUCT_FIELDS)


@transaction.atomic
def product_create(*, actor: Actor, sku: str, name: str, line: ProductLine | None) -> Product:
    _require(actor, ADD, Product, "the product catalogue")
    product = _product_write(actor, Product(workspace=actor.workspace), sku, name, line)
    audit_record(
        actor=actor, action="create", target=product, changes=diff({}, _product_state(product))
    )
    return product


@transaction.atomic
def product_update(
    *, actor: Actor, product: Product, sku: str, name: str, line: ProductLine | None
) -> Product:
    _require(actor, CHANGE, Product, "the product catalogue")
    before = _product_state(product)
    product = _product_write(actor, product, sku, name, line)
    audit_record(
        actor=actor, action="update", target=product, changes=diff(before, _product_state(product))
    )
    return product


@transaction.atomic
def product_delete(*, actor: Actor, product: Product) -> None:
    _require(actor, DELETE, Product, "the product catalogue")
    before = _product_state(product)
    product.delete()
    audit_record(actor=actor, action="delete", target=product, changes=diff(before, {}))


# -- exchange rates --------------------------------------------------------------------------


def month_clean(value: Any, field: str = "month") -> dt.date:
    """A date, or text YYYY-MM / YYYY-MM-DD, as the first day of its month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    for pattern in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date().replace(day=1)  # noqa: DTZ007
        except ValueError:
            continue
    raise ValidationError({field: f"“{text}” is not a month; write it as YYYY-MM (2025-03)."})


def rate_clean(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"rate": f"“{value}” is not a number."}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError({"rate": "The rate must be greater than 0."})
    if rate.as_tuple().exponent < -8 or rate.adjusted() >= 10:
        raise ValidationError(
            {"rate": "Give the rate with at most 10 digits before and 8 after the point."}
        )
    return rate


@transaction.atomic
def exchange_rate_set(
    *, actor: Actor, currency: str, month: Any, rate: Any
) -> tuple[ExchangeRate, bool]:
    """Set what one unit of `currency` is worth in the base currency in one month (upsert);
    scores from that month on are recomputed. Returns (rate, created)."""
    _require(actor, ADD, ExchangeRate, "exchange rates")
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = (
        ("currency", lambda: currency_clean(currency, "currency")),
        ("month", lambda: month_clean(month)),
        ("rate", lambda: rate_clean(rate)),
    )
    for name, check in checks:
        try:
            cleaned[name] = check()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    base = settings_for(actor.workspace).base_currency
    if cleaned.get("currency") == base:
        errors.setdefault("currency", []).append(
            f"{base} is the base currency; its rate is always 1."
        )
    if errors:
        raise ValidationError(errors)
    row = (
        ExchangeRate.objects.select_for_update()
        .filter(workspace=actor.workspace, currency=cleaned["currency"], month=cleaned["month"])
        .first()
    )
    created = row is None
    before = {} if created else {"rate": str(row.rate)}
    if created:
        row = ExchangeRate(
            workspace=actor.workspace, currency=cleaned["currency"], month=cleaned["month"]
        )
    row.rate = cleaned["rate"]
    row.save()
    mark_dirty_from(actor.workspace, row.month)
    after = {"rate": str(row.rate)}
    if created:
        after |= {"currency": row.currency, "month": row.month.isoformat()}
    if before != after:
        audit_record(
            actor=actor,
            action="create" if created else "update",
            target=row,
            changes=diff(before, after),
        )
    return row, created


@transaction.atomic
def exchange_rate_delete(*, actor: Actor, rate: ExchangeRate) -> None:
    _require(actor, DELETE, ExchangeRate, "exchange rates")
    before = snapshot(rate, ["currency", "month", "rate"])
    rate.delete()
    mark_dirty_from(actor.workspace, rate.month)
    audit_record(actor=actor, action="delete", target=rate, changes=diff(before, {}))


# -- scorecards ------------------------------------------------------------------------------


def bands_clean(bands: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Colour bands, lowest first: minimums ascending from 0, one to six, colours #rrggbb."""
    rows, errors, names = [], {}, set()
    bands = list(bands or [])
    previous = None
    for number, band in enumerate(bands, start=1):
        name = str(band.get("name") or "").strip()
        colour = str(band.get("colour") or "").strip().lower()
        minimum = band.get("min")
        if not name:
            errors[f"bands.{number}.name"] = "Name the band."
        elif name.lower() in names:
            errors[f"bands.{number}.name"] = f"Another band is also called “{name}”."
        names.add(name.lower())
        try:
            minimum = float(minimum)
        except (TypeError, ValueError):
            errors[f"bands.{number}.min"] = "The minimum is a number from 0 to 100."
            minimum = None
        if minimum is not None:
            if number == 1 and minimum != 0:
                errors[f"bands.{number}.min"] = "The lowest band starts at 0."
            elif not 0 <= minimum <= 100:
                errors[f"bands.{number}.min"] = "The minimum is a number from 0 to 100."
            elif previous is not None and minimum <= previous:
                errors[f"bands.{number}.min"] = (
                    f"Minimums go up from band to band: this one must be above {previous:g}."
                )
            previous = minimum if previous is None or minimum > previous else previous
        if not COLOUR.match(colour):
            errors[f"bands.{number}.colour"] = "Give the colour as #rrggbb (e.g. #1e8449)."
        rows.append(
            {
                "name": name,
                "min": int(minimum) if minimum is not None and minimum == int(minimum) else minimum,
                "colour": colour,
            }
        )
    if not bands:
        errors["bands"] = "Give the scorecard at least one band."
    elif len(bands) > MAX_BANDS:
        errors["bands"] = f"A scorecard has at most {MAX_BANDS} bands."
    if errors:
        raise ValidationError(errors)
    return rows


def measures_clean(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Weighted measures: known, not repeated, weight 1-100, a target above 0 when scored
    against a target."""
    known = measures()
    cleaned, errors, seen = [], {}, set()
    rows = list(rows or [])
    for number, row in enumerate(rows, start=1):
        code = str(row.get("measure") or "").strip()
        method = str(row.get("method") or NormaliseMethod.PERCENTILE).strip()
        weight, target = row.get("weight"), row.get("target")
        if code not in known:
            errors[f"measures.{number}.measure"] = "Choose one of the measures offered."
        elif code in seen:
            errors[f"measures.{number}.measure"] = f"“{known[code].label}” is listed twice."
        seen.add(code)
        try:
            weight_number = float(weight)
        except (TypeError, ValueError):
            weight_number = None
        if (
            weight_number is None
            or weight_number != int(weight_number)
            or not (1 <= weight_number <= 100)
        ):
            errors[f"measures.{number}.weight"] = "The weight is a whole number from 1 to 100."
        else:
            weight = int(weight_number)
        if method not in NormaliseMethod.values:
            errors[f"measures.{number}.method"] = "Choose percentile or target."
        if target in ("", None):
            target = None
        else:
            try:
                target = float(target)
            except (TypeError, ValueError):
                errors[f"measures.{number}.target"] = "The target is a number."
                target = None
        if method == NormaliseMethod.TARGET and f"measures.{number}.target" not in errors:
            if target is None:
                errors[f"measures.{number}.target"] = "Scoring against a target needs a target."
            elif target <= 0:
                errors[f"measures.{number}.target"] = "The target must be greater than 0."
        if method == NormaliseMethod.PERCENTILE:
            target = None
        cleaned.append({"measure": code, "weight": weight, "method": method, "target": target})
    if not rows:
        errors["measures"] = "Give the scorecard at least one measure."
    if errors:
        raise ValidationError(errors)
    return cleaned


def weight_summary(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """'Weights add up to N; each measure counts for X%'."""
    rows = [row for row in rows if isinstance(row.get("weight"), int)]
    total = sum(row["weight"] for row in rows)
    shares = {
        row["measure"]: round(100 * row["weight"] / total, 1) if total else 0.0 for row in rows
    }
    return {"total": total, "shares": shares}


def _scorecard_state(scorecard: Scorecard) -> dict[str, Any]:
    return {
        "name": scorecard.name,
        "description": scorecard.description,
        "program": str(scorecard.program) if scorecard.program_id else None,
        "tier": str(scorecard.tier) if scorecard.tier_id else None,
        "region": scorecard.region,
        "is_default": scorecard.is_default,
        "bands": [f"{b['name']} ≥ {b['min']} {b['colour']}" for b in scorecard.bands],
        "measures": [
            f"{m.measure} × {m.weight} ({m.method}"
            + (f" {m.target:g})" if m.target is not None else ")")
            for m in scorecard.measures.all()
        ],
    }


def _scope_check(
    workspace: Workspace, scorecard: Scorecard | None, program, tier, region: str, is_default: bool
) -> None:
    errors: dict[str, str] = {}
    if region and region not in Region.values:
        errors["region"] = f"Choose one of: {', '.join(Region.values)}."
    if tier is not None and program is None:
        errors["tier"] = "Choose the programme the tier belongs to."
    elif tier is not None and tier.program_id != program.pk:
        errors["tier"] = f"The tier “{tier.name}” is not a tier of {program}."
    if program is not None and region:
        errors["region"] = "A scorecard applies to a programme (and tier) or to a region, not both."
    if is_default and (program is not None or region):
        errors["is_default"] = (
            "The default scorecard applies to every partner no other scorecard matches; "
            "leave its programme and region empty."
        )
    if errors:
        raise ValidationError(errors)
    others = Scorecard.objects.filter(workspace=workspace)
    if scorecard is not None and scorecard.pk:
        others = others.exclude(pk=scorecard.pk)
    if program is not None:
        clash = others.filter(program=program, tier=tier).first()
        if clash is not None:
            what = f"{program}, tier {tier.name}" if tier else f"{program} (all tiers)"
            raise ValidationError({"program": f"“{clash}” already applies to {what}."})
    elif region:
        clash = others.filter(program__isnull=True, region=region).first()
        if clash is not None:
            raise ValidationError(
                {"region": f"“{clash}” already applies to {Region(region).label}."}
            )


@transaction.atomic
def scorecard_save(
    *,
    actor: Actor,
    name: str,
    measures: list[dict[str, Any]],
    bands: list[dict[str, Any]] | None = None,
    description: str = "",
    program=None,
    tier=None,
    region: str = "",
    is_default: bool | None = None,
    scorecard: Scorecard | None = None,
) -> Scorecard:
    """Create or replace a scorecard and its weighted measures; every score is recomputed.

    Exactly one scorecard is the default: making one the default clears the others; the
    default stays the default unless another is made it (`is_default=None` keeps it as is)."""
    _require(actor, ADD if scorecard is None else CHANGE, Scorecard, "scorecards")
    workspace = actor.workspace
    errors: dict[str, Any] = {}
    cleaned_measures, cleaned_bands = [], []
    try:
        cleaned_measures = measures_clean(measures)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned_bands = bands_clean(DEFAULT_BANDS if bands is None else bands)
    except ValidationError as error:
        errors.update(error.message_dict)
    region = (region or "").strip()
    if is_default is None:
        is_default = bool(scorecard and scorecard.is_default)
    try:
        _scope_check(workspace, scorecard, program, tier, region, is_default)
    except ValidationError as error:
        errors.update(error.message_dict)
    name = (name or "").strip()
    same_name = Scorecard.objects.filter(workspace=workspace, name__iexact=name)
    if scorecard is not None:
        same_name = same_name.exclude(pk=scorecard.pk)
    if name and same_name.exists():
        errors["name"] = [f"There is already a scorecard called “{name}”."]
    _lock_workspace(workspace)
    if scorecard is not None:
        scorecard = Scorecard.objects.select_related("program", "tier").get(pk=scorecard.pk)
    was_default = scorecard.is_default if scorecard else False
    has_default = Scorecard.objects.filter(workspace=workspace, is_default=True).exists()
    if was_default and not is_default:
        errors.setdefault("is_default", []).append(
            "One scorecard is always the default: make another one the default instead."
        )
    if errors:
        raise ValidationError(errors)
    before = _scorecard_state(scorecard) if scorecard else {}
    scorecard = scorecard or Scorecard(workspace=workspace)
    scorecard.name, scorecard.description = name, (description or "").strip()
    scorecard.program, scorecard.tier, scorecard.region = program, tier, region
    # The first scorecard of a workspace is its default.
    scorecard.is_default = bool(is_default) or (not has_default and not program and not region)
    scorecard.bands = cleaned_bands
    scorecard.full_clean(exclude=["workspace", "program", "tier"])
    if scorecard.is_default:
        Scorecard.objects.filter(workspace=workspace, is_default=True).exclude(
            pk=scorecard.pk
        ).update(is_default=False)
    scorecard.save()
    ScorecardMeasure.objects.filter(scorecard=scorecard).delete()
    ScorecardMeasure.objects.bulk_create(
        ScorecardMeasure(workspace=workspace, scorecard=scorecard, **row)
        for row in cleaned_measures
    )
    mark_dirty_from(workspace, EARLIEST_MONTH)
    audit_record(
        actor=actor,
        action="update" if before else "create",
        target=scorecard,
        changes=diff(before, _scorecard_state(scorecard)),
    )
    return scorecard


@transaction.atomic
def scorecard_delete(*, actor: Actor, scorecard: Scorecard) -> None:
    _require(actor, DELETE, Scorecard, "scorecards")
    if scorecard.is_default:
        raise ValidationError(
            "This is the default scorecard; make another scorecard the default before deleting it."
        )
    before = _scorecard_state(scorecard)
    scorecard.delete()
    mark_dirty_from(actor.workspace, EARLIEST_MONTH)
    audit_record(actor=actor, action="delete", target=scorecard, changes=diff(before, {}))


def scorecard_default(workspace: Workspace) -> Scorecard:
    """The workspace's default scorecard, created with the default weights and bands when
    there is none (the first time scores are computed)."""
    found = Scorecard.objects.filter(workspace=workspace, is_default=True).first()
    if found is not None:
        return found
    with transaction.atomic():
        _lock_workspace(workspace)
        found = Scorecard.objects.filter(workspace=workspace, is_default=True).first()
        if found is not None:
            return found
        taken = set(
            Scorecard.objects.filter(
                workspace=workspace, name__istartswith=DEFAULT_SCORECARD_NAME
            ).values_list("name", flat=True)
        )
        taken = {name.lower() for name in taken}
        name, number = DEFAULT_SCORECARD_NAME, 1
        while name.lower() in taken:
            number += 1
            name = f"{DEFAULT_SCORECARD_NAME} {number}"
        scorecard = Scorecard.objects.create(
            workspace=workspace,
            name=name,
            description="Every partner no other scorecard applies to.",
            is_default=True,
            bands=[dict(band) for band in DEFAULT_BANDS],
        )
        known = measures()
        ScorecardMeasure.objects.bulk_create(
            ScorecardMeasure(workspace=workspace, scorecard=scorecard, measure=code, weight=weight)
            for code, weight in DEFAULT_WEIGHTS
            if code in known
        )
        audit_record(
            actor=Actor.system(workspace),
            action="create",
            target=scorecard,
            changes=diff({}, _scorecard_state(scorecard)),
        )
    return scorecard


def scorecard_for_partners(workspace: Workspace, partners: Iterable) -> dict[int, Scorecard]:
    """Which scorecard scores each partner: the most specific that matches — programme and
    tier, then programme, then region, then the default (created when there is none). Two
    queries (scorecards and their measures, prefetched), whatever the number of partners;
    partners need `program_id`, `tier_id` and `organization` (with its region) loaded."""
    scorecards = list(
        Scorecard.objects.filter(workspace=workspace).prefetch_related("measures").order_by("id")
    )
    chosen = scorecards_match(scorecards, partners)
    missing = [pk for pk, scorecard in chosen.items() if scorecard is None]
    if missing:  # a workspace without a default scorecard yet: make it
        default = scorecard_default(workspace)
        chosen.update(dict.fromkeys(missing, default))
    return chosen


def scorecards_match(
    scorecards: Iterable[Scorecard], partners: Iterable
) -> dict[int, Scorecard | None]:
    """The precedence rule itself, without queries: {partner id: scorecard or None}."""
    by_tier, by_program, by_region, default = {}, {}, {}, None
    for scorecard in scorecards:
        if scorecard.is_default:
            default = scorecard
        elif scorecard.tier_id:
            by_tier.setdefault((scorecard.program_id, scorecard.tier_id), scorecard)
        elif scorecard.program_id:
            by_program.setdefault(scorecard.program_id, scorecard)
        elif scorecard.region:
            by_region.setdefault(scorecard.region, scorecard)
    return {
        partner.pk: (
            by_tier.get((partner.program_id, partner.tier_id)) if partner.tier_id else None
        )
        or by_program.get(partner.program_id)
        or by_region.get(partner.organization.region)
        or default
        for partner in partners
    }
