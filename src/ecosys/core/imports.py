"""Spreadsheet imports: every row is checked by the real services first; then all rows are
written in one transaction, or none are. Apps register an Importer per kind of row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .access import Actor
from .models import Channel

CHECK_CHUNK = 500


class ImportRefused(Exception):
    """The file as a whole cannot be imported (format, header, size)."""


@dataclass
class RowError:
    row: int  # spreadsheet row number: the header is row 1
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportOutcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Importer:
    """How one kind of row is imported: its columns and the service call for one row."""

    kind: str
    label: str
    model: type  # the kind of row written; importing needs the right to add it
    columns: tuple[str, ...]
    required: tuple[str, ...]
    # apply(actor, row) -> "created" | "updated"; raises ValidationError / PermissionDenied.
    apply: Callable[[Actor, dict[str, str]], str]
    # unique_key(row) -> a value that must not repeat within one file, or None.
    unique_key: Callable[[dict[str, str]], Any] | None = None


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.kind] = importer
    return importer


def read_table(file_name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV or XLSX file, every cell as stripped text."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        header, rows = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        header, rows = _read_csv(content)
    else:
        raise ImportRefused("Upload a .csv or .xlsx file.")
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in header]
    if not any(header):
        raise ImportRefused("The file has no header row.")
    table = []
    limit = settings.ECOSYS_IMPORT_MAX_ROWS
    try:
        for values in rows:
            if len(table) >= limit:
                raise ImportRefused(f"The file has more than {limit:,} rows; split it.")
            cells = ["" if value is None else str(value).strip() for value in values]
            if any(cells):
                table.append(dict(zip(header, cells, strict=False)))
    except csv.Error as error:  # e.g. a cell above the csv module's 128 KB field limit
        raise ImportRefused(f"The CSV file cannot be read: {error}.") from error
    return header, table


def _read_csv(content: bytes) -> tuple[list[str], Iterator[list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused("The CSV file is not UTF-8 encoded; save it as UTF-8.") from error
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise ImportRefused(f"The CSV file cannot be read: {error}.") from error
    return header, reader


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise ImportRefused("The file is not a readable XLSX workbook.") from error
    rows = workbook.active.iter_rows(values_only=True)
    header = list(next(rows, []) or [])
    return header, (list(row) for row in rows)


def _errors_from(error: Exception, row_number: int) -> list[RowError]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [
            RowError(row_number, "" if column == "__all__" else column, message)
            for column, messages in error.message_dict.items()
            for message in messages
        ]
    if isinstance(error, ValidationError):
        return [RowError(row_number, "", message) for message in error.messages]
    return [RowError(row_number, "", str(error))]


class _Rollback(Exception):
    pass


def run_import(
    *,
    actor: Actor,
    kind: str,
    file_name: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Check every row through the services, then write all rows in one transaction or none."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise ImportRefused(f"Nothing can be imported as {kind!r}.")
    actor = actor.with_channel(Channel.IMPORT)
    header, rows = read_table(file_name, content)
    outcome = ImportOutcome(total=len(rows))
    unknown = [name for name in header if name and name not in importer.columns]
    missing = [name for name in importer.required if name not in header]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        expected = ", ".join(importer.columns)
        raise ImportRefused(f"The header has {'; '.join(parts)}. Expected columns: {expected}.")
    if not rows:
        raise ImportRefused("The file has a header but no rows.")

    seen: dict[Any, int] = {}
    for index, row in enumerate(rows, start=2):
        key = importer.unique_key(row) if importer.unique_key else None
        if key is not None and key in seen:
            outcome.errors.append(
                RowError(index, importer.required[0], f"Repeats row {seen[key]} of this file.")
            )
        elif key is not None:
            seen[key] = index

    # Pass 1: every row through the real service inside a transaction that is rolled back,
    # chunk by chunk, so progress can be committed between chunks.
    for start in range(0, len(rows), CHECK_CHUNK):
        chunk = rows[start : start + CHECK_CHUNK]
        try:
            with transaction.atomic():
                for offset, row in enumerate(chunk):
                    try:
                        with transaction.atomic():
                            importer.apply(actor, row)
                    except (ValidationError, PermissionDenied) as error:
                        outcome.errors.extend(_errors_from(error, start + offset + 2))
                raise _Rollback
        except _Rollback:
            pass
        if progress:
            progress(min(start + CHECK_CHUNK, len(rows)), len(rows))
    if outcome.errors:
        outcome.errors.sort(key=lambda error: (error.row, error.column))
        return outcome

    # Pass 2: all rows, one transaction.
    try:
        with transaction.atomic():
            for index, row in enumerate(rows, start=2):
                try:
                    result = importer.apply(actor, row)
                except (ValidationError, PermissionDenied) as error:
                    outcome.errors.extend(_errors_from(error, index))
                    raise _Rollback from error
                if result == "created":
                    outcome.created += 1
                else:
                    outcome.updated += 1
    except _Rollback:
        outcome.created = outcome.updated = 0
    return outcome


def choice_value(choices, text: str, column: str) -> str:
    """Accept a choice by its code or its label, case-insensitively."""
    if not text:
        return ""
    wanted = text.strip().lower()
    for value, label in choices:
        if wanted in (str(value).lower(), str(label).lower()):
            return value
    raise ValidationError(
        {column: f"“{text}” is not one of: {', '.join(str(v) for v, _ in choices)}."}
    )
