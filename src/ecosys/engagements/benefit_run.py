"""Benefit results of an engagement: one per metric, from the confirmed baseline and the final
measurement, by before/after or — when comparison-group values exist for both periods — by
difference-in-differences (the maths is in ``benefit``)."""

from __future__ import annotations

import zlib
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record

from . import benefit
from .models import (
    BaselineStatus,
    BenefitResult,
    Engagement,
    EngagementStatus,
    MeasurementGroup,
    MeasurementKind,
    ReportStatus,
)
from .services_cycle import _orchestrator

CENT = Decimal("0.01")
STORED = Decimal("0.0001")  # the places BenefitResult keeps; the inputs keep the full figure
LEVEL = 0.9


def money(improvement: Decimal | None, value_per_unit: Decimal) -> Decimal | None:
    """improvement × value per unit, to the cent (half up)."""
    if improvement is None:
        return None
    return (improvement * value_per_unit).quantize(CENT, rounding=ROUND_HALF_UP)


def metric_seed(metric) -> int:
    """A seed fixed per metric, so recomputing gives the same interval: from its name, unit and
    direction (fixed once values are recorded), so that the same data gives the same interval
    in a fresh demo or a workspace imported under new ids too."""
    return zlib.crc32(f"{metric.name}\x1f{metric.unit}\x1f{metric.direction}".encode())


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(STORED, rounding=ROUND_HALF_UP)


def estimate_metric(metric, baseline_version) -> benefit.Estimate:
    """The estimate of one metric from its recorded values (see the module docstring)."""
    values = {
        (row.kind, row.group, row.baseline_version_id): [] for row in metric.measurements.all()
    }
    for row in metric.measurements.order_by("period_start", "id"):
        values[(row.kind, row.group, row.baseline_version_id)].append(row.value)
    engagement, comparison = MeasurementGroup.ENGAGEMENT, MeasurementGroup.COMPARISON
    base = values.get((MeasurementKind.BASELINE, engagement, baseline_version.pk), [])
    final = values.get((MeasurementKind.FINAL, engagement, None), [])
    comparison_base = values.get((MeasurementKind.BASELINE, comparison, baseline_version.pk), [])
    comparison_final = values.get((MeasurementKind.FINAL, comparison, None), [])
    if not base or not final:
        raise ValidationError(f"{metric.name}: baseline and final values are both needed.")
    seed = metric_seed(metric)
    if comparison_base and comparison_final:
        return benefit.diff_in_diff(
            base, final, comparison_base, comparison_final, metric.direction, seed=seed,
            level=LEVEL,
        )  # fmt: skip
    return benefit.before_after(base, final, metric.direction, seed=seed, level=LEVEL)


@transaction.atomic
def benefit_compute(*, actor: Actor, engagement: Engagement) -> list[BenefitResult]:
    """Compute (or recompute) every metric's benefit; refused once the report is issued."""
    _orchestrator(actor, BenefitResult, "calculate benefits")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != EngagementStatus.TRACKING or not engagement.measurement_closed_at:
        raise ValidationError("The benefit is calculated after the final measurement.")
    report = getattr(engagement, "report", None)
    if report is not None and report.status in (ReportStatus.ISSUED, ReportStatus.CONFIRMED):
        raise ValidationError(
            f"The outcome report is {report.get_status_display().lower()}; its figures stay."
        )
    version = (
        engagement.baseline_versions.filter(status=BaselineStatus.CONFIRMED)
        .order_by("-version")
        .first()
    )
    if version is None:
        raise ValidationError("The customer has not confirmed a baseline.")
    now, results = timezone.now(), []
    for metric in engagement.metrics.order_by("name"):
        try:
            estimate = estimate_metric(metric, version)
        except ValueError as error:
            raise ValidationError(f"{metric.name}: {error}") from error
        inputs = {
            **estimate.inputs,
            "improvement": str(estimate.improvement),
            "low": None if estimate.low is None else str(estimate.low),
            "high": None if estimate.high is None else str(estimate.high),
            "value_per_unit": str(metric.value_per_unit),
            "unit": metric.unit,
            "money_formula": "improvement × value per unit, rounded to the cent",
            "baseline_version": version.version,
        }
        result, _ = BenefitResult.objects.update_or_create(
            engagement=engagement,
            metric=metric,
            defaults={
                "workspace": actor.workspace,
                "method": estimate.method,
                "improvement": _stored(estimate.improvement),
                "low": _stored(estimate.low),
                "high": _stored(estimate.high),
                "money": money(estimate.improvement, metric.value_per_unit),
                "money_low": money(estimate.low, metric.value_per_unit),
                "money_high": money(estimate.high, metric.value_per_unit),
                "currency": metric.currency,
                "inputs": inputs,
                "computed_at": now,
            },
        )
        results.append(result)
    audit_record(
        actor=actor,
        action="benefit_compute",
        target=engagement,
        changes={
            "benefit": [
                None,
                {r.metric.name: f"{r.money} {r.currency} ({r.method})" for r in results},
            ]
        },
    )
    return results
