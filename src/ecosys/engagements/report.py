"""The outcome report of an engagement: what the web page and the PDF show (baseline, final,
benefit with its interval, method and inputs, charts, the people and organisations involved,
the customer's comments), and the PDF itself (reportlab)."""

from __future__ import annotations

import io
from decimal import Decimal

from ecosys.core.access import Actor

from . import selectors_cycle as selectors
from .models import Engagement, MeasurementGroup, MeasurementKind


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001")) if values else None


def report_context(*, actor: Actor, engagement: Engagement) -> dict:
    """Everything the report shows, read through the selectors (so the actor's view)."""
    versions = selectors.baseline_versions(actor=actor, engagement=engagement)
    baseline = selectors.current_baseline(versions)
    metrics = selectors.metric_list(actor=actor, engagement=engagement)
    series = selectors.metric_series(metrics=metrics, baseline=baseline)
    results = {
        r.metric_id: r for r in selectors.benefit_results(actor=actor, engagement=engagement)
    }
    rows = []
    for metric in metrics:
        values = list(metric.measurements.all())
        base = [
            v.value
            for v in values
            if v.kind == MeasurementKind.BASELINE
            and v.group == MeasurementGroup.ENGAGEMENT
            and baseline is not None
            and v.baseline_version_id == baseline.pk
        ]
        final = [
            v.value
            for v in values
            if v.kind == MeasurementKind.FINAL and v.group == MeasurementGroup.ENGAGEMENT
        ]
        rows.append(
            {
                "metric": metric,
                "baseline": _mean(base),
                "final": _mean(final),
                "result": results.get(metric.pk),
                "series": series[str(metric.public_id)],
            }
        )
    totals: dict[str, dict[str, Decimal]] = {}
    for result in results.values():
        total = totals.setdefault(result.currency, {"money": Decimal(0)})
        total["money"] += result.money
    assignments = selectors.engagement_assignments(actor=actor, engagement=engagement)
    organizations = [engagement.workspace.orchestrator, engagement.customer]
    for assignment in assignments:
        organization = assignment.person.organization
        if organization is not None and organization not in organizations:
            organizations.append(organization)
    return {
        "engagement": engagement,
        "assignments": assignments,
        "baseline": baseline,
        "rows": rows,
        "totals": totals,
        "team": selectors.customer_team(engagement=engagement),
        "organizations": organizations,
        "report": selectors.report_get(actor=actor, engagement=engagement),
        "history": list(selectors.engagement_history(actor=actor, engagement=engagement)),
    }


def _figure(value, places: str = "0.01") -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal(places)):,}"


def _chart(series: dict):
    """A line chart of one metric: values over the periods, baseline mean and target."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    lines = [
        ("Baseline", series["baseline"], colors.HexColor("#6d597a")),
        ("Tracking", series["tracking"], colors.HexColor("#0b5cad")),
        ("Final", series["final"], colors.HexColor("#2a9d8f")),
        ("Comparison", series["comparison"], colors.HexColor("#e76f51")),
    ]
    count = len(series["labels"])
    if series["baseline_mean"] is not None:
        lines.append(
            ("Baseline mean", [series["baseline_mean"]] * count, colors.HexColor("#999999"))
        )
    if series["target"] is not None:
        lines.append(("Target", [series["target"]] * count, colors.HexColor("#c0392b")))
    lines = [line for line in lines if any(v is not None for v in line[1])]
    drawing = Drawing(460, 170)
    if not count or not lines:
        return drawing
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 300, 120
    chart.data = [[v for v in line[1]] for line in lines]
    chart.categoryAxis.categoryNames = [label[:7] for label in series["labels"]]
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontSize = 7
    known = [v for line in lines for v in line[1] if v is not None]
    low, high = min(known), max(known)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = low - pad, high + pad
    for index, (_, _, color) in enumerate(lines):
        chart.lines[index].strokeColor = color
        chart.lines[index].strokeWidth = 1.5
    legend = Legend()
    legend.x, legend.y = 350, 140
    legend.fontSize = 7
    legend.colorNamePairs = [(color, name) for name, _, color in lines]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def report_pdf(context: dict) -> bytes:
    """The outcome report as a PDF document."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    engagement, report = context["engagement"], context["report"]
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph(escape(f"Outcome report: {engagement.title}"), styles["Title"]),
        Paragraph(
            escape(
                f"{engagement.customer.name} · {engagement.start_date:%Y-%m-%d} to "
                f"{engagement.end_date:%Y-%m-%d} · status {engagement.get_status_display()}"
                + (f" · report {report.get_status_display().lower()}" if report else "")
            ),
            styles["Normal"],
        ),
        Spacer(1, 8),
    ]
    if report and report.summary:
        story += [Paragraph(escape(report.summary), styles["BodyText"]), Spacer(1, 6)]
    baseline = context["baseline"]
    if baseline is not None:
        confirmed = (
            f", confirmed by {baseline.confirmed_by.email} on {baseline.confirmed_at:%Y-%m-%d}"
            if baseline.confirmed_at and baseline.confirmed_by_id
            else ""
        )
        story.append(
            Paragraph(
                escape(
                    f"Baseline v{baseline.version} ({baseline.get_status_display()}{confirmed})"
                ),
                styles["Normal"],
            )
        )
    header = ["Metric", "Baseline", "Final", "Improvement (90% interval)", "Money", "Method"]
    table = [header]
    for row in context["rows"]:
        metric, result = row["metric"], row["result"]
        interval = (
            f" ({_figure(result.low, '0.0001')} to {_figure(result.high, '0.0001')})"
            if result and result.low is not None
            else ""
        )
        money = (
            f"{_figure(result.money)} {result.currency}"
            + (
                f"\n({_figure(result.money_low)} to {_figure(result.money_high)})"
                if result.money_low is not None
                else ""
            )
            if result
            else "—"
        )
        table.append(
            [
                Paragraph(
                    escape(f"{metric.name} ({metric.unit}, {metric.direction} is better)"), small
                ),
                _figure(row["baseline"], "0.0001"),
                _figure(row["final"], "0.0001"),
                (_figure(result.improvement, "0.0001") + interval) if result else "—",
                money,
                result.get_method_display() if result else "—",
            ]
        )
    grid = Table(table, repeatRows=1, colWidths=[120, 55, 55, 120, 90, 75])
    grid.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [Spacer(1, 8), grid, Spacer(1, 6)]
    for currency, total in sorted(context["totals"].items()):
        story.append(
            Paragraph(
                escape(f"Total benefit: {_figure(total['money'])} {currency}"), styles["Heading3"]
            )
        )
    for row in context["rows"]:
        result = row["result"]
        story.append(Paragraph(escape(row["metric"].name), styles["Heading4"]))
        if result is not None:
            formula = result.inputs.get("formula", "")
            inputs = "; ".join(
                f"{key}: {value}" for key, value in result.inputs.items() if key != "formula"
            )
            story.append(
                Paragraph(
                    escape(f"{result.get_method_display()}: {formula}. {inputs}"),
                    small,
                )
            )
        story.append(_chart(row["series"]))
    story.append(Paragraph("People and organisations involved", styles["Heading3"]))
    story.append(
        Paragraph(escape(", ".join(str(org) for org in context["organizations"] if org)), small)
    )
    staffed = ", ".join(
        f"{a.person.full_name} ({a.role.name}, {a.share} of a week, {a.get_source_display()}"
        f"{', ' + a.person.organization.name if a.person.organization_id else ''})"
        for a in context["assignments"]
    )
    story.append(Paragraph(escape(f"Engagement team: {staffed or '—'}"), small))
    team = ", ".join(f"{p.full_name} ({p.title or 'customer team'})" for p in context["team"])
    story.append(Paragraph(escape(f"Customer team: {team or '—'}"), small))
    if report and report.customer_comment:
        story += [
            Paragraph("Customer's comments", styles["Heading3"]),
            Paragraph(escape(report.customer_comment), styles["BodyText"]),
        ]
    if report and report.decided_at:
        decider = report.decided_by.email if report.decided_by_id else "—"
        story.append(
            Paragraph(
                escape(
                    f"{report.get_status_display()} by {decider}"
                    f" on {report.decided_at:%Y-%m-%d}"
                    + (
                        f"; engagement closed {report.closed_at:%Y-%m-%d}"
                        if report.closed_at
                        else ""
                    )
                ),
                small,
            )
        )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"Outcome report: {engagement.title}", author="Ecosys"
    )
    document.build(story)
    return buffer.getvalue()
