"""Early-warning detector: the maths on hand-made series and the backtest on synthetic data."""

import datetime as dt
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ecosys.performance import backtest, detect

PERIODS = np.arange("2023-01", "2026-01", dtype="datetime64[M]")  # 36 months, Jan 2023..Dec 2025
T = PERIODS.size


def noisy(n_series, level=40_000.0, cv=0.08, seed=0):
    """Flat revenue with multiplicative noise."""
    rng = np.random.default_rng(seed)
    return level * np.exp(rng.normal(0.0, cv, (n_series, T)))


def test_a_clear_step_is_found_at_its_month_with_its_size():
    values = noisy(1, level=41_000)
    values[0, 30:] *= 0.68

    [found] = detect.detect(values, PERIODS)

    assert (found.series, found.kind, found.index) == (0, "level_shift", 30)
    assert found.period == np.datetime64("2025-07")
    assert found.magnitude == pytest.approx(-0.32, abs=0.05)
    assert found.before == pytest.approx(41_000, rel=0.08)
    assert found.after == pytest.approx(41_000 * 0.68, rel=0.08)
    assert found.confidence > 0.99
    assert found.statistic < -3
    sentence = found.explain()
    assert sentence.startswith("revenue dropped 3")
    assert "from July 2025" in sentence


def test_segments_show_the_level_before_and_after_the_change():
    values = noisy(1, level=10_000)
    values[0, 28:] *= 0.5
    result = detect.scan(values, PERIODS)

    before, after = result.segments(0)

    assert (before.start, before.stop, after.start, after.stop) == (0, 28, 28, T)
    assert after.start_period == np.datetime64("2025-05")
    assert before.mean == pytest.approx(10_000, rel=0.05)
    assert after.mean == pytest.approx(5_000, rel=0.05)
    assert before.fitted.shape == (28,)
    assert after.fitted == pytest.approx(np.full(8, 5_000), rel=0.05)


def test_noise_alone_rarely_warns_and_confidence_is_calibrated():
    values = noisy(1_000, cv=0.12, seed=1)

    result = detect.scan(values, PERIODS, min_change=0.0)

    assert result.flagged.mean() <= 0.02  # "normal" is 99% confidence
    assert 0.02 <= (result.confidence >= 0.95).mean() <= 0.08
    assert np.all((result.confidence >= 0) & (result.confidence <= 1))


def test_seasonality_alone_gives_no_warning_and_does_not_hide_a_drop():
    # A December peak and a summer slump; the series end in August, in the slump.
    periods = np.arange("2023-09", "2026-09", dtype="datetime64[M]")
    season = np.ones(12)
    season[[5, 6, 7]] = 0.6
    season[11] = 1.9
    values = noisy(200, cv=0.06, seed=2) * season[detect.month_of_year(periods)]

    found = detect.detect(values, periods, direction="both")

    assert len(found) <= 0.02 * 200  # no more than noise alone gives at "normal" (1%)
    values[:100, 30:] *= 0.7
    found = detect.detect(values, periods)
    assert sum(f.series < 100 and f.index == 30 for f in found) >= 90
    assert all(f.series < 100 for f in found)
    unadjusted = detect.detect(values, periods, seasonal="none")
    assert sum(f.series < 100 and f.index == 30 for f in unadjusted) < 85


def test_one_series_with_its_own_seasonality_is_not_flagged():
    periods = np.arange("2023-09", "2026-09", dtype="datetime64[M]")
    season = np.ones(12)
    season[[5, 6, 7]] = 0.5
    values = noisy(1, cv=0.05, seed=3) * season[detect.month_of_year(periods)]

    assert detect.detect(values, periods) == []


def test_a_trend_break_is_found():
    t = np.arange(T)
    growth = np.where(t < 26, 0.02 * t, 0.02 * 25 - 0.05 * (t - 25))
    values = 20_000 * np.exp(growth + np.random.default_rng(4).normal(0, 0.03, T))

    [found] = detect.detect(values[None, :], PERIODS)

    assert found.kind == "trend_break"
    assert abs(found.index - 26) <= 2
    assert found.magnitude < -0.2
    assert "turned downward" in found.explain()


def test_series_starting_late_are_handled():
    values = noisy(1, level=5_000, seed=5)
    values[0, :15] = np.nan
    values[0, 29:] *= 0.6

    [found] = detect.detect(values, PERIODS)

    assert found.index == 29
    assert found.magnitude == pytest.approx(-0.4, abs=0.06)


def test_an_isolated_outlier_month_is_not_a_change():
    values = noisy(1, level=5_000, seed=6)
    values[0, 33] *= 0.25

    assert detect.detect(values, PERIODS) == []


@pytest.mark.parametrize(
    "values",
    [
        np.full((2, T), np.nan),
        np.full((2, T), 7.0),
        np.zeros((2, T)),
        np.where(np.arange(T) < 34, np.nan, 100.0)[None, :],
        np.array([[1.0, -5.0] * 18]),
    ],
    ids=["all-missing", "constant", "zeros", "two-points", "negative"],
)
def test_degenerate_series_give_no_warning(values):
    result = detect.scan(values, PERIODS)

    assert not result.flagged.any()
    assert result.segments(0)[0].stop == T


@pytest.mark.parametrize("width", [1, 3, 8])
def test_too_short_histories_give_no_warning(width):
    values = np.arange(2.0 * width).reshape(2, width) + 1
    assert detect.detect(values, PERIODS[:width]) == []


def test_python_dates_are_accepted_as_periods():
    dates = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(T)]
    values = noisy(1, seed=7)
    values[0, 30:] *= 0.5

    [found] = detect.detect(values, dates)

    assert found.period == dt.date(2025, 7, 1)
    assert "from July 2025" in found.explain()


def test_order_counts_that_fall_are_found_with_the_sqrt_transform():
    rng = np.random.default_rng(8)
    steady = rng.poisson(40, (300, T)).astype(float)  # at 20 a month a 25% drop is noise
    falling = steady[:1].copy()
    falling[0, 28:] = rng.poisson(22, T - 28)

    found = detect.detect(np.vstack([falling, steady]), PERIODS, transform="sqrt")

    assert [(f.series, abs(f.index - 28) <= 1) for f in found[:1]] == [(0, True)]
    assert found[0].magnitude == pytest.approx(-0.45, abs=0.15)
    assert len(found) <= 1 + 0.02 * 300


def test_losing_product_lines_is_found():
    lines = np.full((2, T), 6.0)
    lines[0, 31:] = 4.0

    [found] = detect.detect(lines, PERIODS, transform="sqrt")

    assert (found.series, found.index) == (0, 31)
    assert (found.before, found.after) == (pytest.approx(6.0), pytest.approx(4.0))
    assert found.explain("product lines", "") == (
        "product lines dropped 33% from about 6.0 to 4.0 from August 2025; over 99.9% sure"
    )


def test_rises_warn_only_when_asked_for():
    values = noisy(1, cv=0.04, seed=9)
    values[0, 30:] *= 1.5

    assert detect.detect(values, PERIODS) == []
    [found] = detect.detect(values, PERIODS, direction="both")
    assert found.magnitude == pytest.approx(0.5, abs=0.08)
    assert re.fullmatch(
        r"revenue rose \d\d% from about 40k/month to \d\dk/month from July 2025; .* sure",
        found.explain(),
    )


def test_small_changes_and_old_changes_do_not_warn():
    values = noisy(2, cv=0.01, seed=10)
    values[0, 30:] *= 0.95  # certain, but under min_change
    values[1, 12:] *= 0.5  # large, but before the recent window

    result = detect.scan(values, PERIODS)

    assert result.confidence[0] > 0.99
    assert not result.flagged.any()
    assert detect.scan(values, PERIODS, recent=30).flagged[1]


@pytest.fixture(scope="module")
def channel():
    return backtest.generate(2_000, seed=11)


def test_higher_sensitivity_finds_at_least_as_much(channel):
    counts = [
        detect.scan(channel.values, channel.periods, sensitivity=level).flagged.sum()
        for level in ("low", "normal", "high", 0.8)
    ]

    assert counts[0] <= counts[1] <= counts[2] <= counts[3]
    assert counts[0] < counts[3]


def test_backtest_meets_the_targets(channel):
    found = detect.detect(channel.values, channel.periods)

    figures = backtest.score(found, channel)

    assert figures["recall"] >= 0.9
    assert figures["precision"] >= 0.9
    assert figures["false_alarm_rate"] <= 0.03


def test_detection_delay_replays_the_recent_months():
    channel = backtest.generate(400, seed=12, recent=4)

    delays = backtest.detection_delays(channel, window=4, recent=4)

    assert np.isnan(delays[~channel.shifted]).all()
    found = delays[np.isfinite(delays)]
    assert found.size >= 0.8 * channel.shifted.sum()
    assert found.min() >= 0
    assert np.median(found) <= 2
    assert backtest.score([], channel, delays)["median_delay"] == np.median(found)


def test_generator_injects_what_it_reports(channel):
    shifted = channel.shifted
    assert 0.4 < shifted.mean() < 0.6
    assert np.all((channel.change[shifted] <= -0.25) & (channel.change[shifted] >= -0.6))
    assert np.all(channel.change_index[shifted] >= T - 12)
    assert np.all(channel.change_index[shifted] <= T - 3)
    assert np.all(channel.change_index[~shifted] == -1)
    assert np.isnan(channel.values[channel.start > 0, 0]).all()
    assert np.nanmax(channel.values) / np.nanmin(channel.values) > 1_000


def test_invalid_options_are_refused():
    values = noisy(1)
    for options in [
        {"sensitivity": "paranoid"},
        {"sensitivity": 1.5},
        {"direction": "up"},
        {"transform": "log"},
        {"seasonal": "weekly"},
        {"seasonal_index": np.zeros(4)},
    ]:
        with pytest.raises(ValueError):
            detect.scan(values, PERIODS, **options)
    with pytest.raises(ValueError):
        detect.scan(values, PERIODS[:10])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hnp.arrays(
        float,
        (3, T),
        elements=st.one_of(
            st.floats(0, 1e7), st.just(np.nan), st.just(0.0), st.just(np.inf), st.just(-1.0)
        ),
    )
)
def test_any_input_gives_well_formed_output(values):
    result = detect.scan(values, PERIODS, direction="both")

    assert np.all((result.confidence >= 0) & (result.confidence <= 1))
    for found in result.detections():
        assert found.kind in detect.KINDS
        assert T - 12 <= found.index < T
        assert np.isfinite(found.magnitude)
        assert isinstance(found.explain(), str)


@pytest.fixture(scope="module")
def realistic():
    return backtest.generate_realistic(3_000, shift_fraction=0.5, seed=13)


def test_realistic_generator_sums_sparse_heavy_tailed_orders(realistic):
    small = realistic.orders_per_month < 2
    assert 0.2 < small.mean() < 0.5
    assert (realistic.values[small] == 0).any()  # months without a sale count as 0
    assert np.isnan(realistic.values[realistic.start > 0, 0]).all()
    shifted = realistic.shifted
    assert np.all((realistic.change[shifted] <= -0.25) & (realistic.change[shifted] >= -0.6))
    assert np.all(realistic.change_index[shifted] >= T - 12)


def test_realistic_unchanged_partners_warn_near_the_nominal_rate():
    unchanged = backtest.generate_realistic(4_000, shift_fraction=0.0, seed=14)

    every = detect.scan(unchanged.values, unchanged.periods, detectable_change=None)
    watched = detect.scan(unchanged.values, unchanged.periods)

    assert every.flagged.mean() <= 0.02  # "normal" is 99%: heavy tails and zeros do not inflate it
    assert watched.flagged.mean() <= 0.01


def test_realistic_sparse_partners_are_marked_and_never_flagged(realistic):
    result = detect.scan(realistic.values, realistic.periods)
    small = realistic.orders_per_month < 5

    assert result.too_sparse[small].all()
    assert not result.flagged[result.too_sparse].any()
    assert (result.detectable[small] > 0.25).all()


def test_realistic_drops_are_found_on_well_sized_partners():
    channel = backtest.generate_realistic(
        250, shift_fraction=0.5, orders_per_unit_size=120, seed=15
    )
    result = detect.scan(channel.values, channel.periods)
    figures = backtest.realistic_scores(result, channel)
    well = channel.orders_per_month >= backtest.WELL_SIZED_ORDERS

    assert well.sum() >= 80
    assert not result.too_sparse[well].any()
    assert figures["orders_200_plus_recall"] >= 0.85
    assert figures["orders_200_plus_precision"] >= 0.8
