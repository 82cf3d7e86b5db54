"""The one registry of partner measures a scorecard can weigh.

Channel measures are computed per partner and month by the analytics pipeline from the stored
sell-through data. Every other measure is a partner metric from the programme's registry
(`ecosys.partners.tiers.METRICS`: certified people, assessment score, tenure, …), which any app
extends with `register_metric`; those have a value for the current month only, and their
history builds up one computation at a time. Channel measures are in turn offered to tier
criteria (see `apps.PerformanceConfig.ready`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ecosys.analytics.pipelines import CHANNEL_MEASURES


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str  # "money", "percent", "count", "ratio" or a metric's own unit
    direction: str  # "higher" or "lower" is better
    channel: bool  # computed from channel data (else a current partner metric)
    help: str = ""


CHANNEL_LABELS: dict[str, tuple[str, str, str]] = {
    "revenue": ("Revenue", "money", "Sell-through in the month, in the workspace currency."),
    "growth_prev": ("Growth on last month", "percent", "Revenue against the month before."),
    "growth_yoy": ("Growth on last year", "percent", "Revenue against the same month a year ago."),
    "orders": ("Orders", "count", "Distinct orders in the month."),
    "avg_order_value": ("Average order value", "money", "Revenue divided by orders."),
    "accounts": ("Active accounts", "count", "End-customer accounts that bought in the month."),
    "product_lines": ("Product lines sold", "count", "Breadth of the product mix."),
    "top_line_share": (
        "Share of the biggest line",
        "ratio",
        "Concentration of the mix: lower means a broader business.",
    ),
}


def measures() -> dict[str, Measure]:
    """Every measure there is now: channel measures first, then partner metrics."""
    from ecosys.partners.tiers import METRICS

    found = {
        code: Measure(code, label, unit, CHANNEL_MEASURES[code], True, help_text)
        for code, (label, unit, help_text) in CHANNEL_LABELS.items()
    }
    for key, metric in METRICS.items():
        if key in found or key.startswith("channel_"):
            continue  # channel measures offered back to tiers are not measured twice
        found[key] = Measure(key, metric.label, metric.unit, "higher", False)
    return found


def measure_choices() -> list[tuple[str, str]]:
    return [(code, measure.label) for code, measure in measures().items()]


# The weights a new workspace's default scorecard starts with.
DEFAULT_WEIGHTS: list[tuple[str, int]] = [
    ("revenue", 30),
    ("growth_yoy", 20),
    ("growth_prev", 10),
    ("orders", 10),
    ("accounts", 10),
    ("product_lines", 10),
    ("avg_order_value", 5),
    ("top_line_share", 5),
]
DEFAULT_BANDS: list[dict] = [
    {"name": "Red", "min": 0, "colour": "#c0392b"},
    {"name": "Amber", "min": 40, "colour": "#d68910"},
    {"name": "Green", "min": 70, "colour": "#1e8449"},
]


def band_for(score: float | None, bands: list[dict]) -> dict | None:
    """The highest band whose minimum the score reaches."""
    if score is None:
        return None
    chosen = None
    for band in sorted(bands or DEFAULT_BANDS, key=lambda b: b["min"]):
        if score >= band["min"]:
            chosen = band
    return chosen
