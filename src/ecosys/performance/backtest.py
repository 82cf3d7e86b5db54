"""Backtest of the early-warning detector on synthetic channel revenue with known changes.

:func:`generate` makes monthly revenue for many partners (levels over three orders of
magnitude, growth trends, a channel-wide seasonality with per-partner variation, multiplicative
noise, late starters, isolated outlier months) and injects a level shift into a share of them.
:func:`score` compares warnings with the truth; :func:`detection_delays` replays the recent
months one at a time to measure how many periods after a change its warning first appears;
:func:`run_backtest` does all of it and times the detector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ecosys.performance import detect as detector

# Channel-wide month-of-year effect on revenue (log scale): quiet January and August, a strong
# quarter end in March, June and September, and the December peak.
CHANNEL_SEASONALITY = np.log(
    np.array([0.80, 0.90, 1.10, 0.95, 1.00, 1.10, 0.90, 0.80, 1.10, 1.00, 1.05, 1.40])
)


@dataclass(frozen=True)
class Synthetic:
    """Generated series and what was injected into them."""

    values: np.ndarray  # (n_series, T) revenue per month, NaN before a late start
    periods: np.ndarray  # (T,) datetime64[M]
    shifted: np.ndarray  # (n_series,) bool: a level shift was injected
    change_index: np.ndarray  # first period at the new level; -1 when not shifted
    change: np.ndarray  # relative change injected, e.g. -0.4; 0 when not shifted
    start: np.ndarray  # first observed period
    outlier_index: np.ndarray  # the isolated outlier month; -1 when none
    orders_per_month: np.ndarray | None = None  # realistic mode: expected orders, unchanged level


def generate(
    n_series: int,
    T: int = 36,
    shift_fraction: float = 0.5,
    min_shift: float = 0.25,
    max_shift: float = 0.6,
    *,
    recent: int = 12,
    min_after: int = 3,
    direction: str = "drop",
    late_fraction: float = 0.15,
    outlier_fraction: float = 0.10,
    first_period: str = "2023-01",
    seed: int = 0,
) -> Synthetic:
    """Monthly revenue for ``n_series`` partners; ``shift_fraction`` of them get a level shift.

    A shift changes the level by a relative amount drawn uniformly from
    [``min_shift``, ``max_shift``] (a drop, or a rise with ``direction="rise"``) from a period
    drawn uniformly among the last ``recent`` periods that leave at least ``min_after``
    periods after it (with fewer, a change and an outlier month cannot be told apart; how soon a
    change is found is what :func:`detection_delays` measures).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    periods = np.datetime64(first_period, "M") + t
    months = detector.month_of_year(periods)

    level = np.exp(rng.uniform(np.log(1e3), np.log(1e6), n_series))
    growth = np.log1p(rng.uniform(-0.10, 0.30, n_series)) / 12
    own_season = rng.normal(0.0, 0.05, (n_series, 12))
    noise_cv = rng.uniform(0.05, 0.15, n_series)
    log_values = (
        np.log(level)[:, None]
        + growth[:, None] * (t - T / 2)
        + CHANNEL_SEASONALITY[months]
        + own_season[:, months]
        + rng.standard_normal((n_series, T)) * noise_cv[:, None]
    )

    shifted = rng.random(n_series) < shift_fraction
    first, last = max(T - recent, 1), T - min_after
    change_index = np.where(shifted, rng.integers(first, last + 1, n_series), -1)
    sign = -1.0 if direction == "drop" else 1.0
    change = np.where(shifted, sign * rng.uniform(min_shift, max_shift, n_series), 0.0)
    after = shifted[:, None] & (t[None, :] >= change_index[:, None])
    log_values = log_values + np.where(after, np.log1p(change)[:, None], 0.0)

    outlier = rng.random(n_series) < outlier_fraction
    outlier_index = np.where(outlier, rng.integers(0, T, n_series), -1)
    factor = np.where(rng.random(n_series) < 0.5, 0.3, 2.5)
    hit = outlier[:, None] & (t[None, :] == outlier_index[:, None])
    log_values = log_values + np.where(hit, np.log(factor)[:, None], 0.0)

    late = rng.random(n_series) < late_fraction
    start = np.where(late, rng.integers(1, max(T - recent - 6, 2), n_series), 0)
    values = np.where(t[None, :] >= start[:, None], np.exp(log_values), np.nan)
    return Synthetic(
        values=values,
        periods=periods,
        shifted=shifted,
        change_index=change_index,
        change=change,
        start=start,
        outlier_index=np.where(outlier & (outlier_index >= start), outlier_index, -1),
    )


# Realistic mode: the essentials of bench/channel_data.py (order counts, lines and prices).
ORDERS_PER_UNIT_SIZE = 4.17  # the 10M-row benchmark set: a median partner orders ~4 times a month
PRODUCT_LINES = 200
SKUS_PER_LINE = 5
MAX_LINES = 5  # lines per order


def generate_realistic(
    n_series: int,
    T: int = 36,
    shift_fraction: float = 0.1,
    min_shift: float = 0.25,
    max_shift: float = 0.6,
    *,
    recent: int = 12,
    min_after: int = 3,
    late_fraction: float = 0.15,
    orders_per_unit_size: float = ORDERS_PER_UNIT_SIZE,
    first_period: str = "2023-01",
    seed: int = 0,
) -> Synthetic:
    """Monthly revenue summed from simulated order lines; ``shift_fraction`` get a level drop.

    As in the benchmark's channel data: partner sizes are lognormal (sigma 1.4), a month's
    orders are Poisson around size x seasonality x growth (so small partners have months with
    no sale, which count as 0 from their first month on), an order has 1-5 lines of SKUs from
    the partner's preferred product lines, with lognormal list prices and 1 + Poisson(3) units
    each. A drop scales the order rate by 1 - [``min_shift``, ``max_shift``] from a month among
    the last ``recent`` that leaves ``min_after`` months after it.
    """
    rng = np.random.default_rng([seed, 7])
    t = np.arange(T)
    periods = np.datetime64(first_period, "M") + t
    months = detector.month_of_year(periods)

    size = rng.lognormal(0.0, 1.4, n_series)
    trend = rng.normal(0.04, 0.15, n_series)
    amplitude = rng.uniform(0.0, 0.35, n_series)
    breadth = rng.uniform(0.05, 0.6, n_series)  # geometric p over product lines: high = narrow
    line_offset = rng.integers(0, PRODUCT_LINES, n_series)
    prices = rng.lognormal(3.5, 1.0, PRODUCT_LINES * SKUS_PER_LINE)
    late = rng.random(n_series) < late_fraction
    start = np.where(late, rng.integers(1, max(T - recent - 6, 2), n_series), 0)

    shifted = rng.random(n_series) < shift_fraction
    first, last = max(T - recent, 1), T - min_after
    change_index = np.where(shifted, rng.integers(first, last + 1, n_series), -1)
    change = np.where(shifted, -rng.uniform(min_shift, max_shift, n_series), 0.0)

    season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (months[None, :] - 10) / 12)
    growth = (1 + trend[:, None]) ** (t[None, :] / 12)
    rate = orders_per_unit_size * size[:, None] * season * growth
    after = shifted[:, None] & (t[None, :] >= change_index[:, None])
    rate = rate * np.where(after, 1 + change[:, None], 1.0)
    active = t[None, :] >= start[:, None]
    orders = rng.poisson(np.where(active, rate, 0.0))

    # Order lines, then revenue summed per partner and month.
    cell = np.repeat(np.arange(orders.size), orders.ravel())
    lines = np.minimum(1 + rng.poisson(1.5, cell.size), MAX_LINES)
    first_sku = rng.integers(0, SKUS_PER_LINE, cell.size)
    line_cell = np.repeat(cell, lines)
    line_no = np.arange(line_cell.size) - np.repeat(np.cumsum(lines) - lines, lines)
    partner = line_cell // T
    preference = np.minimum(rng.geometric(breadth[partner]) - 1, PRODUCT_LINES - 1)
    product_line = (line_offset[partner] + preference * 7) % PRODUCT_LINES
    sku = product_line * SKUS_PER_LINE + (np.repeat(first_sku, lines) + line_no) % SKUS_PER_LINE
    quantity = 1 + rng.poisson(3.0, line_cell.size)
    amount = quantity * prices[sku] * rng.uniform(0.8, 1.0, line_cell.size)
    revenue = np.bincount(line_cell, weights=amount, minlength=orders.size).reshape(orders.shape)

    unchanged_rate = np.where(after, rate / (1 + change[:, None]), rate)
    expected = np.where(active, unchanged_rate, np.nan)
    return Synthetic(
        values=np.where(active, revenue, np.nan),
        periods=periods,
        shifted=shifted,
        change_index=change_index,
        change=change,
        start=start,
        outlier_index=np.full(n_series, -1),
        orders_per_month=np.nanmean(expected, axis=1),
    )


def _correct(flagged, index, magnitude, truth: Synthetic, tolerance: int) -> np.ndarray:
    """Per series: a warning on a shifted series, in its direction, near its start."""
    right_direction = np.sign(np.nan_to_num(magnitude)) == np.sign(truth.change)
    near = np.abs(index - truth.change_index) <= tolerance
    return flagged & truth.shifted & right_direction & near


def score(
    detections: list[detector.ChangeDetection],
    truth: Synthetic,
    delays: np.ndarray | None = None,
    tolerance: int = 2,
) -> dict:
    """Precision, recall, false-alarm rate and, given :func:`detection_delays`, the delays.

    A warning is correct when it is on a shifted series, in the direction of the shift and
    starts within ``tolerance`` periods of the true change; every other warning is false.
    ``false_alarm_rate`` is the share of unshifted series with a warning, the figure that
    does not depend on how many series were shifted.
    """
    n_series = truth.shifted.shape[0]
    flagged = np.zeros(n_series, bool)
    index = np.full(n_series, -1)
    magnitude = np.zeros(n_series)
    for found in detections:
        flagged[found.series] = True
        index[found.series] = found.index
        magnitude[found.series] = found.magnitude
    correct = _correct(flagged, index, magnitude, truth, tolerance)
    n_warnings, n_shifted = int(flagged.sum()), int(truth.shifted.sum())
    n_unshifted = n_series - n_shifted
    result = {
        "warnings": n_warnings,
        "correct": int(correct.sum()),
        "precision": float(correct.sum() / n_warnings) if n_warnings else 1.0,
        "recall": float(correct.sum() / n_shifted) if n_shifted else 1.0,
        "false_alarm_rate": (
            float((flagged & ~truth.shifted).sum() / n_unshifted) if n_unshifted else 0.0
        ),
        "mean_delay": float("nan"),
        "median_delay": float("nan"),
    }
    if delays is not None:
        found = delays[np.isfinite(delays)]
        if found.size:
            result["mean_delay"] = float(found.mean())
            result["median_delay"] = float(np.median(found))
    return result


def detection_delays(
    truth: Synthetic, window: int = 12, tolerance: int = 2, **options
) -> np.ndarray:
    """Periods from each injected change to its first correct warning, replaying history.

    The detector is re-run on ``values[:, :end + 1]`` for every ``end`` in the last ``window``
    periods, as it would have run month after month (all series at once each time). NaN for
    unshifted series and for changes never warned about.
    """
    n_series, width = truth.values.shape
    delays = np.full(n_series, np.nan)
    for end in range(max(width - window, 1), width):
        result = detector.scan(truth.values[:, : end + 1], truth.periods[: end + 1], **options)
        correct = _correct(result.flagged, result.index, result.magnitude, truth, tolerance)
        first_time = correct & np.isnan(delays) & (truth.change_index <= end)
        delays[first_time] = end - truth.change_index[first_time]
    return delays


SIZE_BANDS = ((0, 5), (5, 20), (20, 50), (50, 200), (200, None))  # expected orders a month
DROP_BANDS = ((0.25, 0.35), (0.35, 0.45), (0.45, 0.60))
WELL_SIZED_ORDERS = 200  # orders a month from which revenue drops of 25%+ are found reliably


def _subset(flagged, correct, truth: Synthetic, mask) -> dict:
    """Precision, recall and false-alarm rate among the series in ``mask``."""
    warned, shifted = flagged & mask, truth.shifted & mask
    unshifted = ~truth.shifted & mask
    hits = int((correct & mask).sum())
    return {
        "n": int(mask.sum()),
        "precision": float(hits / warned.sum()) if warned.any() else 1.0,
        "recall": float(hits / shifted.sum()) if shifted.any() else float("nan"),
        "false_alarm_rate": (
            float((warned & unshifted).sum() / unshifted.sum()) if unshifted.any() else 0.0
        ),
    }


def realistic_scores(result: detector.ScanResult, truth: Synthetic, tolerance: int = 2) -> dict:
    """Recall by drop size and by partner size band (expected orders a month), flat keys."""
    correct = _correct(result.flagged, result.index, result.magnitude, truth, tolerance)
    orders, size = truth.orders_per_month, -truth.change
    figures = {"too_sparse_share": float(result.too_sparse.mean())}
    for low, high in DROP_BANDS:
        mask = truth.shifted & (size >= low) & (size <= high)
        recall = _subset(result.flagged, correct, truth, mask)["recall"]
        figures[f"recall_drop_{round(100 * low)}_{round(100 * high)}"] = recall
    for low, high in SIZE_BANDS:
        mask = (orders >= low) & (orders < (high or np.inf))
        name = f"{low}_{high}" if high else f"{low}_plus"
        band = _subset(result.flagged, correct, truth, mask)
        figures |= {f"orders_{name}_{key}": value for key, value in band.items()}
    watched = _subset(result.flagged, correct, truth, ~result.too_sparse)
    figures |= {f"watched_{key}": value for key, value in watched.items()}
    return figures


def run_backtest(
    n_series: int = 10_000,
    seed: int = 0,
    T: int = 36,
    *,
    realistic: bool = True,
    realistic_shift_fractions: tuple[float, ...] = (0.1, 0.5),
    **options,
) -> dict:
    """Generate, detect, score and time, on smooth series and on realistic channel revenue.

    Options go to :func:`generate` and the detector. ``precision``, ``recall`` ... are the
    smooth mode (:func:`generate`, half of the series shifted): the best case. ``realistic_*``
    are :func:`generate_realistic` with 10% of partners dropped (as the benchmark's data),
    ``realistic_50_*`` with half of them; ``realistic_orders_<band>_*`` split those figures by
    a partner's expected orders a month. ``seconds`` is the detector's wall time over all
    series, including its one-off calibration for this series length.
    """
    generate_keys = {"shift_fraction", "min_shift", "max_shift", "recent", "min_after"}
    generate_options = {k: v for k, v in options.items() if k in generate_keys}
    detect_options = {k: v for k, v in options.items() if k not in generate_keys - {"recent"}}
    truth = generate(n_series, T=T, seed=seed, **generate_options)
    detector._null_distribution.cache_clear()
    started = time.perf_counter()
    detections = detector.detect(truth.values, truth.periods, **detect_options)
    seconds = time.perf_counter() - started
    delays = detection_delays(truth, **detect_options)
    report = {"n_series": n_series, "T": T, "seconds": seconds} | score(detections, truth, delays)
    if not realistic:
        return report
    realistic_keys = {"min_shift", "max_shift", "recent", "min_after"}
    for number, fraction in enumerate(realistic_shift_fractions):
        prefix = "realistic" if number == 0 else f"realistic_{round(100 * fraction)}"
        channel = generate_realistic(
            n_series,
            T=T,
            shift_fraction=fraction,
            seed=seed,
            **{k: v for k, v in options.items() if k in realistic_keys},
        )
        started = time.perf_counter()
        result = detector.scan(channel.values, channel.periods, **detect_options)
        elapsed = time.perf_counter() - started
        replayed = detection_delays(channel, **detect_options) if number == 0 else None
        figures = score(result.detections(), channel, replayed)
        if replayed is None:
            figures = {k: v for k, v in figures.items() if not k.endswith("_delay")}
        figures |= realistic_scores(result, channel) | {"seconds": elapsed}
        well = channel.orders_per_month >= WELL_SIZED_ORDERS
        correct = _correct(result.flagged, result.index, result.magnitude, channel, 2)
        well_figures = _subset(result.flagged, correct, channel, well)
        figures |= {f"well_sized_{key}": value for key, value in well_figures.items()}
        figures["well_sized_orders_per_month"] = WELL_SIZED_ORDERS
        report |= {f"{prefix}_{key}": value for key, value in figures.items()}
    return report
