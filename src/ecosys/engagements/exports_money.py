"""A settlement statement as CSV and as PDF, each with every number it depends on."""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpResponse

from ecosys.core.listing import neutralise

from .models import Settlement


def _flat_inputs(inputs: dict, prefix: str = "") -> list[tuple[str, str]]:
    """{"a": {"b": 1}, "c": [{"d": 2}]} -> [("a.b", "1"), ("c[0].d", "2")] in stored order."""
    rows: list[tuple[str, str]] = []
    for key, value in inputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _flat_inputs(value, f"{name}.")
        elif isinstance(value, list):
            for position, item in enumerate(value):
                if isinstance(item, dict):
                    rows += _flat_inputs(item, f"{name}[{position}].")
                else:
                    rows.append((f"{name}[{position}]", str(item)))
        else:
            rows.append(
                (
                    name,
                    ""
                    if value is None
                    else json.dumps(value)
                    if isinstance(value, bool)
                    else str(value),
                )
            )
    return rows


def _filename(settlement: Settlement, extension: str) -> str:
    return f"settlement-{settlement.period_start:%Y%m%d}-{settlement.public_id}.{extension}"


def settlement_csv(settlement: Settlement) -> HttpResponse:
    """Lines, total, schedule, then every input and the inputs hash."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    engagement = settlement.engagement
    writer.writerow(["engagement", engagement.title])
    writer.writerow(["customer", engagement.customer.name])
    writer.writerow(["period", f"{settlement.period_start} to {settlement.period_end}"])
    writer.writerow(["model", settlement.get_model_display()])
    writer.writerow(["status", settlement.get_status_display()])
    writer.writerow([])
    writer.writerow(["label", "quantity", "unit", "rate", "amount", "currency"])
    for line in settlement.lines:
        writer.writerow(
            [
                neutralise(line["label"]),
                line["quantity"],
                line["unit"],
                line["rate"],
                line["amount"],
                settlement.currency,
            ]
        )
    writer.writerow(["Total", "", "", "", str(settlement.total), settlement.currency])
    if settlement.schedule:
        writer.writerow([])
        writer.writerow(["due_date", "fraction", "amount", "currency"])
        for row in settlement.schedule:
            writer.writerow([row["due_date"], row["fraction"], row["amount"], settlement.currency])
    writer.writerow([])
    writer.writerow(["input", "value"])
    for name, value in _flat_inputs(settlement.inputs):
        writer.writerow([name, neutralise(value)])
    writer.writerow(["inputs_hash (SHA-256)", settlement.inputs_hash])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(settlement, "csv")}"'
    return response


def settlement_pdf(settlement: Settlement) -> HttpResponse:
    """The statement on A4: header, lines and total, schedule, inputs, hash."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    engagement = settlement.engagement
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Settlement {engagement.title}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )

    def text(value) -> Paragraph:
        return Paragraph(
            str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), small
        )

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story = [
        Paragraph(f"Settlement statement: {text(engagement.title).text}", styles["Title"]),
        text(
            f"Customer: {engagement.customer.name} · Period {settlement.period_start} to "
            f"{settlement.period_end} · {settlement.get_model_display()} · "
            f"{settlement.get_status_display()}"
        ),
        Spacer(1, 6 * mm),
    ]
    lines = [["Line", "Quantity", "Unit", "Rate", f"Amount ({settlement.currency})"]]
    lines += [
        [text(line["label"]), line["quantity"], line["unit"], line["rate"], line["amount"]]
        for line in settlement.lines
    ]
    lines.append(["Total", "", "", "", str(settlement.total)])
    table = Table(lines, colWidths=[70 * mm, 25 * mm, 15 * mm, 25 * mm, 30 * mm], repeatRows=1)
    table.setStyle(grid)
    story += [table, Spacer(1, 4 * mm)]
    story.append(
        text(
            "Each amount is quantity × rate rounded to the cent (half up); the total is their sum."
        )
    )
    if settlement.schedule:
        rows = [["Due", "Fraction", f"Amount ({settlement.currency})"]]
        rows += [[r["due_date"], r["fraction"], r["amount"]] for r in settlement.schedule]
        schedule = Table(rows, colWidths=[40 * mm, 30 * mm, 40 * mm])
        schedule.setStyle(grid)
        story += [Spacer(1, 4 * mm), Paragraph("Payment schedule", styles["Heading3"]), schedule]
    inputs = [["Input", "Value"]] + [
        [text(name), text(value)] for name, value in _flat_inputs(settlement.inputs)
    ]
    table = Table(inputs, colWidths=[70 * mm, 95 * mm], repeatRows=1)
    table.setStyle(grid)
    story += [
        Spacer(1, 4 * mm),
        Paragraph("What the figures depend on", styles["Heading3"]),
        table,
        Spacer(1, 3 * mm),
        text(f"Inputs hash (SHA-256): {settlement.inputs_hash}"),
    ]
    if settlement.customer_comment:
        story.append(text(f"Customer comment: {settlement.customer_comment}"))
    document.build(story)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(settlement, "pdf")}"'
    return response
