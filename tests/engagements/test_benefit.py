"""Benefit maths: before/after and difference-in-differences against independent computations."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ecosys.engagements.benefit import Estimate, before_after, diff_in_diff

TRUE_EFFECT = 5.0


def _panel(seed: int, n: int = 30, effect: float = TRUE_EFFECT, trend: float = 3.0):
    """Four cells with a common trend and a known effect on the treated after the start."""
    rng = np.random.default_rng(seed)
    treated_before = 100 + rng.normal(0, 4, n)
    treated_after = 100 + trend + effect + rng.normal(0, 4, n)
    comparison_before = 90 + rng.normal(0, 3, n + 5)
    comparison_after = 90 + trend + rng.normal(0, 3, n + 5)
    return [
        [Decimal(repr(round(float(x), 4))) for x in cell]
        for cell in (treated_before, treated_after, comparison_before, comparison_after)
    ]


def _ols(cells):
    rows = []
    for (treated, post), values in zip([(1, 0), (1, 1), (0, 0), (0, 1)], cells, strict=True):
        rows += [{"y": float(v), "treated": treated, "post": post} for v in values]
    return smf.ols("y ~ treated * post", data=pd.DataFrame(rows)).fit(cov_type="HC2")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_diff_in_diff_equals_ols_interaction(seed):
    cells = _panel(seed)
    estimate = diff_in_diff(*cells, "higher", seed=seed)
    fit = _ols(cells)
    assert float(estimate.improvement) == pytest.approx(fit.params["treated:post"], abs=1e-6)
    assert estimate.method == "diff_in_diff"
    # The plain before/after on the treated alone mistakes the common trend for the effect.
    naive = before_after(cells[0], cells[1], "higher", seed=seed)
    assert float(naive.improvement) - float(estimate.improvement) == pytest.approx(3.0, abs=2.5)


def test_regression_interval_uses_hc2_standard_error():
    cells = _panel(7)
    estimate = diff_in_diff(*cells, "higher", interval="regression", level=0.95)
    fit = _ols(cells)
    assert float(estimate.inputs["standard_error_hc2"]) == pytest.approx(
        fit.bse["treated:post"], rel=1e-5
    )
    half_width = (estimate.high - estimate.low) / 2
    assert float(half_width) == pytest.approx(1.96 * fit.bse["treated:post"], rel=0.02)


def test_bootstrap_interval_covers_true_effect_in_most_runs():
    runs = 200
    covered = 0
    for seed in range(runs):
        estimate = diff_in_diff(*_panel(1000 + seed), "higher", seed=seed, n_boot=500)
        assert estimate.low <= estimate.improvement <= estimate.high
        covered += estimate.low <= Decimal(TRUE_EFFECT) <= estimate.high
    assert covered / runs >= 0.85
    assert covered / runs <= 0.97  # a 90% interval that nearly always covers is too wide


def test_before_after_interval_covers_true_change():
    covered = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        baseline = [Decimal(repr(float(x))) for x in rng.normal(50, 5, 25)]
        final = [Decimal(repr(float(x))) for x in rng.normal(54, 5, 25)]
        estimate = before_after(baseline, final, "higher", seed=seed, n_boot=500)
        covered += estimate.low <= 4 <= estimate.high
    assert covered >= 85


def test_same_inputs_and_seed_give_the_same_estimate():
    cells = _panel(11)
    first = diff_in_diff(*cells, "lower", seed=42)
    again = diff_in_diff(*cells, "lower", seed=42)
    assert first == again
    other_seed = diff_in_diff(*cells, "lower", seed=43)
    assert other_seed.improvement == first.improvement
    assert (other_seed.low, other_seed.high) != (first.low, first.high)


def test_direction_lower_negates_change_and_interval():
    baseline = [Decimal("10"), Decimal("12"), Decimal("11"), Decimal("13")]
    final = [Decimal("7"), Decimal("8"), Decimal("9"), Decimal("8")]
    higher = before_after(baseline, final, "higher")
    lower = before_after(baseline, final, "lower")
    assert higher.improvement == Decimal("-3.500000")
    assert lower.improvement == Decimal("3.500000")
    assert (lower.low, lower.high) == (-higher.high, -higher.low)
    assert lower.low <= lower.improvement <= lower.high
    assert "negated" in lower.inputs["formula"]
    assert lower.inputs["baseline"] == {"n": 4, "mean": "11.500000"}


def test_diff_in_diff_exact_small_example_and_inputs():
    estimate = diff_in_diff(
        [Decimal(10), Decimal(12)],
        [Decimal(20), Decimal(22)],
        [Decimal(5), Decimal(7)],
        [Decimal(9), Decimal(11)],
        "higher",
        seed=3,
        level=0.8,
    )
    assert isinstance(estimate, Estimate)
    assert estimate.improvement == Decimal("6.000000")  # (21 - 11) - (10 - 6)
    assert estimate.inputs["treated_change"] == "10.000000"
    assert estimate.inputs["comparison_change"] == "4.000000"
    assert estimate.inputs["seed"] == 3
    assert estimate.inputs["level"] == 0.8
    assert estimate.inputs["comparison_before"] == {"n": 2, "mean": "6.000000"}


def test_one_value_per_cell_gives_no_interval():
    estimate = before_after([Decimal(10)], [Decimal(12)], "higher")
    assert estimate.improvement == Decimal("2.000000")
    assert estimate.low is None and estimate.high is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: before_after([], [Decimal(1)], "higher"), "baseline: no values"),
        (lambda: before_after([Decimal(1)], [], "higher"), "final: no values"),
        (
            lambda: diff_in_diff([1], [2], [], [3], "higher"),
            "comparison_before: no values",
        ),
        (lambda: before_after([1], [2], "up"), "direction must be"),
        (lambda: before_after([1], [2], "higher", level=1.5), "level must be"),
        (lambda: before_after([1], ["x"], "higher"), "final[0]"),
        (lambda: before_after([1], [float("nan")], "higher"), "not a finite"),
        (lambda: diff_in_diff([1], [2], [3], [4], "higher", interval="magic"), "interval"),
    ],
)
def test_bad_inputs_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()
