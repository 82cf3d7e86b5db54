"""Benchmark records, their merge into `results/latest.json` and the markdown table beside it.

`latest.json` is a JSON list of records, one per figure:

    {"benchmark", "metric", "value", "unit", "compared_to", "ratio", "target", "met"}

`compared_to` names the baseline metric (of the same benchmark, measured in the same run) and
`ratio` is value ÷ baseline. `target` (optional) is `{"on": "value"|"ratio", "op": "<"|"<="|">"
|">=", "limit": number}` and `met` says whether this run reached it. Each run replaces the records
of the benchmarks it ran and keeps the others, so benchmarks added by later issues share the file.
`latest.context.json` keeps, per benchmark, when and how it was measured, for the markdown.
"""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Target:
    on: str  # "value" or "ratio"
    op: str  # one of OPS
    limit: float

    def met(self, record: Record) -> bool | None:
        actual = record.ratio if self.on == "ratio" else record.value
        if actual is None:
            return None
        return OPS[self.op](actual, self.limit)

    def describe(self, unit: str) -> str:
        if self.on == "ratio":
            limit = f"{self.limit:g}×" if self.limit >= 2 else f"{self.limit:.0%}"
            return f"ratio {self.op} {limit}"
        return f"{self.op} {self.limit:g} {unit}"


@dataclass(frozen=True)
class Record:
    benchmark: str
    metric: str
    value: float
    unit: str
    compared_to: str | None = None
    ratio: float | None = None
    target: Target | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.target.met(self) if self.target else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        target = data.get("target")
        return cls(
            benchmark=data["benchmark"],
            metric=data["metric"],
            value=data["value"],
            unit=data["unit"],
            compared_to=data.get("compared_to"),
            ratio=data.get("ratio"),
            target=Target(**target) if target else None,
        )


@dataclass
class Report:
    """What one benchmark hands back: its records and the notes that explain them."""

    benchmark: str
    records: list[Record] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        metric: str,
        value: float,
        unit: str,
        *,
        baseline: Record | None = None,
        target: Target | None = None,
    ) -> Record:
        """Record a figure; with a baseline, also its ratio to the baseline's value."""
        ratio = None
        if baseline is not None:
            ratio = round(value / baseline.value, 4) if baseline.value else None
        record = Record(
            benchmark=self.benchmark,
            metric=metric,
            value=round(value, 2),
            unit=unit,
            compared_to=baseline.metric if baseline else None,
            ratio=ratio,
            target=target,
        )
        self.records.append(record)
        return record

    def note(self, text: str) -> None:
        self.notes.append(text)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def merge_and_write(directory: Path, reports: list[Report], order: list[str]) -> list[Record]:
    """Replace the records of the benchmarks just run, keep the rest; write json and markdown."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "latest.json"
    context_path = directory / "latest.context.json"
    ran = {report.benchmark for report in reports}
    kept = [Record.from_json(item) for item in _read_json(json_path, [])]
    records = [record for record in kept if record.benchmark not in ran]
    contexts = {k: v for k, v in _read_json(context_path, {}).items() if k not in ran}
    for report in reports:
        records.extend(report.records)
        contexts[report.benchmark] = {**report.context, "notes": report.notes}
    rank = {name: index for index, name in enumerate(order)}
    records.sort(key=lambda record: rank.get(record.benchmark, len(rank)))  # stable within one
    _write_json(json_path, [record.to_json() for record in records])
    _write_json(context_path, contexts)
    (directory / "latest.md").write_text(markdown(records, contexts), encoding="utf-8")
    return records


def format_ratio(ratio: float | None) -> str:
    """A share as a percentage (37.5%), a multiple as a factor (12.3×)."""
    if ratio is None:
        return "—"
    return f"{ratio:.1%}" if ratio < 2 else f"{ratio:,.1f}×"


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def markdown(records: list[Record], contexts: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run.py`); the figures are in `latest.json` beside this"
        " file. A ratio compares a figure with the baseline measured in the same run on the same"
        " server, which is the figure that carries over between machines.",
    ]
    benchmarks = list(dict.fromkeys(record.benchmark for record in records))
    for name in benchmarks:
        context = contexts.get(name, {})
        lines += ["", f"## {name}", ""]
        for key in ("measured_at", "machine", "setup"):
            if context.get(key):
                lines.append(f"- **{key.replace('_', ' ')}**: {context[key]}")
        lines += [
            "",
            "| metric | value | compared to | ratio | target | met |",
            "|---|---:|---|---:|---|:---:|",
        ]
        for record in (record for record in records if record.benchmark == name):
            met = record.target.met(record) if record.target else None
            lines.append(
                "| {metric} | {value} | {compared} | {ratio} | {target} | {met} |".format(
                    metric=f"`{record.metric}`",
                    value=_number(record.value, record.unit),
                    compared=f"`{record.compared_to}`" if record.compared_to else "—",
                    ratio=format_ratio(record.ratio),
                    target=record.target.describe(record.unit) if record.target else "—",
                    met={True: "✅ pass", False: "❌ fail", None: "—"}[met],
                )
            )
        if context.get("notes"):
            lines += ["", *[f"- {note}" for note in context["notes"]]]
    return "\n".join(lines) + "\n"
