"""Benefit maths for an engagement's metrics (pure: no Django).

Two estimates of how much a metric improved:

- ``before_after``: mean of the final values minus mean of the baseline values;
- ``diff_in_diff``: the same change for the engagement ("treated") minus the change over the
  same periods in a comparison group (the customer's other sites, similar customers without an
  engagement), so that a market trend is not taken for the engagement's effect. The point
  estimate equals the interaction coefficient of the OLS regression ``y ~ treated * post``.

Both are signed so that a positive improvement is better: for a metric where lower is better
(cost, cycle time) the raw change is negated, and so is its interval. Intervals are percentile
bootstraps that resample the observations (units or periods) within each cell with a seeded
NumPy generator, so the same inputs and seed give the same interval; ``diff_in_diff`` can
instead give the regression interval with a heteroskedasticity-robust (HC2) standard error,
which for this saturated two-by-two model is ``sqrt(sum s_k^2 / n_k)`` over the four cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
from scipy import stats

DIRECTIONS = ("higher", "lower")
INTERVALS = ("bootstrap", "regression")
# Figures are reported with this many decimal places: enough for any metric unit, and a fixed
# number so that the same inputs always give the same strings in the stored inputs.
PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Estimate:
    """An improvement (positive = better) with its interval, the method and every input."""

    improvement: Decimal
    low: Decimal | None
    high: Decimal | None
    method: str
    inputs: dict = field(default_factory=dict)


def _values(name: str, values: Sequence) -> list[Decimal]:
    if values is None or len(values) == 0:
        raise ValueError(f"{name}: no values; each group needs at least one observation.")
    out = []
    for position, value in enumerate(values):
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except (InvalidOperation, ValueError) as error:
            raise ValueError(f"{name}[{position}]: {value!r} is not a number.") from error
        if not number.is_finite():
            raise ValueError(f"{name}[{position}]: {value!r} is not a finite number.")
        out.append(number)
    return out


def _check(direction: str, level: float, n_boot: int) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.9), not {level!r}.")
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, not {n_boot!r}.")


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _q(value: Decimal | float) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return number.quantize(PLACES)


def _cell(values: list[Decimal]) -> dict:
    return {"n": len(values), "mean": str(_q(_mean(values)))}


def _boot_means(rng: np.random.Generator, values: list[Decimal], n_boot: int) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement, same size) of one cell."""
    array = np.array([float(v) for v in values])
    picks = rng.integers(0, len(array), size=(n_boot, len(array)))
    return array[picks].mean(axis=1)


def _signed(raw: Decimal, low: Decimal | None, high: Decimal | None, direction: str):
    if direction == "higher":
        return raw, low, high
    return -raw, (None if high is None else -high), (None if low is None else -low)


def _percentiles(draws: np.ndarray, level: float) -> tuple[Decimal, Decimal]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return _q(low), _q(high)


def before_after(
    baseline: list[Decimal],
    final: list[Decimal],
    direction: str,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.9,
) -> Estimate:
    """Mean of ``final`` minus mean of ``baseline``, signed by direction, bootstrap interval."""
    _check(direction, level, n_boot)
    before = _values("baseline", baseline)
    after = _values("final", final)
    raw = _mean(after) - _mean(before)
    low = high = None
    # One observation in a cell has no spread to resample: no interval rather than a false one.
    if len(before) > 1 and len(after) > 1:
        rng = np.random.default_rng(seed)
        draws = _boot_means(rng, after, n_boot) - _boot_means(rng, before, n_boot)
        low, high = _percentiles(draws, level)
    improvement, low, high = _signed(_q(raw), low, high, direction)
    return Estimate(
        improvement=improvement,
        low=low,
        high=high,
        method="before_after",
        inputs={
            "formula": "mean(final) - mean(baseline)"
            + ("" if direction == "higher" else ", negated because lower is better"),
            "direction": direction,
            "baseline": _cell(before),
            "final": _cell(after),
            "raw_change": str(_q(raw)),
            "interval": "bootstrap" if low is not None else "none (a cell has one value)",
            "seed": seed,
            "n_boot": n_boot,
            "level": level,
        },
    )


def diff_in_diff(
    treated_before: list[Decimal],
    treated_after: list[Decimal],
    comparison_before: list[Decimal],
    comparison_after: list[Decimal],
    direction: str,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.9,
    interval: str = "bootstrap",
) -> Estimate:
    """(treated after − before) − (comparison after − before), signed, with an interval."""
    _check(direction, level, n_boot)
    if interval not in INTERVALS:
        raise ValueError(f"interval must be 'bootstrap' or 'regression', not {interval!r}.")
    cells = {
        "treated_before": _values("treated_before", treated_before),
        "treated_after": _values("treated_after", treated_after),
        "comparison_before": _values("comparison_before", comparison_before),
        "comparison_after": _values("comparison_after", comparison_after),
    }
    means = {name: _mean(values) for name, values in cells.items()}
    treated_change = means["treated_after"] - means["treated_before"]
    comparison_change = means["comparison_after"] - means["comparison_before"]
    raw = treated_change - comparison_change
    low = high = None
    standard_error = None
    if all(len(values) > 1 for values in cells.values()):
        if interval == "bootstrap":
            rng = np.random.default_rng(seed)
            boot = {name: _boot_means(rng, values, n_boot) for name, values in cells.items()}
            draws = (boot["treated_after"] - boot["treated_before"]) - (
                boot["comparison_after"] - boot["comparison_before"]
            )
            low, high = _percentiles(draws, level)
        else:
            variance = sum(
                float(np.var([float(v) for v in values], ddof=1)) / len(values)
                for values in cells.values()
            )
            standard_error = math.sqrt(variance)
            degrees = sum(len(values) for values in cells.values()) - 4
            margin = float(stats.t.ppf(0.5 + level / 2, degrees)) * standard_error
            low, high = _q(float(raw) - margin), _q(float(raw) + margin)
    improvement, low, high = _signed(_q(raw), low, high, direction)
    inputs = {
        "formula": "(mean(treated_after) - mean(treated_before))"
        " - (mean(comparison_after) - mean(comparison_before))"
        + ("" if direction == "higher" else ", negated because lower is better"),
        "direction": direction,
        **{name: _cell(values) for name, values in cells.items()},
        "treated_change": str(_q(treated_change)),
        "comparison_change": str(_q(comparison_change)),
        "raw_change": str(_q(raw)),
        "interval": interval if low is not None else "none (a cell has one value)",
        "seed": seed,
        "n_boot": n_boot,
        "level": level,
    }
    if standard_error is not None:
        inputs["standard_error_hc2"] = str(_q(standard_error))
    return Estimate(
        improvement=improvement, low=low, high=high, method="diff_in_diff", inputs=inputs
    )
