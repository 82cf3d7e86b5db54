"""The questionnaire engine: a plain-text format for authors, answer checks, scoring.

Format, one question per line, sections start with '#':

    # Capabilities
    ? Do you hold ISO 9001? | choice | Yes=10; No=0
    ? Which lines do you sell? | multi | Drives=5; Bearings=5; Sensors=5 | optional
    ? Rate your service coverage | scale | 1-5
    ? How many certified engineers? | number
    ? Describe your ISO scope | text | | if 1=Yes

    ? Upload your ISO 9001 certificate | file | pdf, png, jpg | if 1=Yes

A question is asked only when its 'if N=Label' condition holds (N is the question's number).
Choice, several-choice and scale questions score; number, text and file are read by a reviewer.
A file question names the file types it takes (default: pdf, png, jpg, docx, xlsx); uploads are
at most 10 MB and must be what their name says (the first bytes are checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from .models import QuestionKind

MAX_QUESTIONS = 200
MAX_FILE_BYTES = 10 * 1024 * 1024

# Each accepted file type: its content type and how its first bytes start (docx and xlsx are
# zip files). The type is decided from the name and checked against the content.
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}
DEFAULT_FILE_TYPES = ["pdf", "png", "jpg", "docx", "xlsx"]


def check_file(*, name: str, size: int, head: bytes, types: list[str]) -> str:
    """The file's type (its extension) if acceptable; otherwise ValidationError with the reason."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = "jpg" if extension == "jpeg" else extension
    if kind not in types:
        raise ValidationError(f"“{name}” is not one of the accepted types: {', '.join(types)}.")
    if size == 0:
        raise ValidationError(f"“{name}” is empty.")
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"“{name}” is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if not head.startswith(FILE_TYPES[kind][1]):
        raise ValidationError(f"“{name}” is not a real {kind.upper()} file.")
    return kind


@dataclass
class ParsedQuestion:
    section: str
    position: int
    text: str
    kind: str
    required: bool
    options: list[dict]
    condition: dict


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "option"


def parse(source: str) -> list[ParsedQuestion]:
    """Questions from the text format; every line's problem is reported with its number."""
    questions: list[ParsedQuestion] = []
    errors: dict[str, str] = {}
    section = "Questions"
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip() or section
            continue
        if not line.startswith("?"):
            errors[f"line {number}"] = "Start a question with '?' or a section with '#'."
            continue
        parts = [part.strip() for part in line[1:].split("|")]
        text, kind = parts[0], (parts[1] if len(parts) > 1 else "").lower()
        option_text = parts[2] if len(parts) > 2 else ""
        flags = [flag.strip() for flag in parts[3:] if flag.strip()]
        if not text:
            errors[f"line {number}"] = "The question has no text."
            continue
        if kind not in QuestionKind.values:
            errors[f"line {number}"] = f"Kind must be one of: {', '.join(QuestionKind.values)}."
            continue
        options: list[dict] = []
        if kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
            for chunk in [c.strip() for c in option_text.split(";") if c.strip()]:
                label, _, score = chunk.partition("=")
                try:
                    options.append(
                        {"value": _slug(label), "label": label.strip(), "score": float(score or 0)}
                    )
                except ValueError:
                    errors[f"line {number}"] = f"“{chunk}”: write Label=score, e.g. Yes=10."
            if len(options) < 2:
                errors.setdefault(f"line {number}", "Give at least two options: Yes=10; No=0.")
        elif kind == QuestionKind.FILE:
            types = [t.strip().lower().lstrip(".") for t in option_text.split(",") if t.strip()]
            unknown = [t for t in types if t not in FILE_TYPES]
            if unknown:
                errors[f"line {number}"] = (
                    f"Unknown file type {', '.join(unknown)}: use {', '.join(FILE_TYPES)}."
                )
            options = [{"types": types or DEFAULT_FILE_TYPES}]
        elif kind == QuestionKind.SCALE:
            match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", option_text)
            if not match or int(match.group(1)) >= int(match.group(2)):
                errors[f"line {number}"] = "Write the scale as low-high, e.g. 1-5."
            else:
                options = [{"min": int(match.group(1)), "max": int(match.group(2))}]
        condition = {}
        for flag in flags:
            if flag.lower() == "optional":
                continue
            match = re.fullmatch(r"if\s+(\d+)\s*=\s*(.+)", flag, flags=re.IGNORECASE)
            if not match:
                errors[f"line {number}"] = f"Unknown flag “{flag}”: use 'optional' or 'if N=Label'."
                continue
            target = int(match.group(1))
            earlier = questions[target - 1] if 0 < target <= len(questions) else None
            wanted = _slug(match.group(2))
            if earlier is None or earlier.kind not in (QuestionKind.CHOICE, QuestionKind.MULTI):
                errors[f"line {number}"] = (
                    f"Condition on question {target}: it must be an earlier choice question."
                )
            elif wanted not in {o["value"] for o in earlier.options}:
                errors[f"line {number}"] = f"Question {target} has no option “{match.group(2)}”."
            else:
                condition = {"question": target, "equals": wanted}
        questions.append(
            ParsedQuestion(
                section,
                len(questions) + 1,
                text[:500],
                kind,
                "optional" not in [f.lower() for f in flags],
                options,
                condition,
            )
        )
    if not questions and not errors:
        errors["source"] = "Write at least one question."
    if len(questions) > MAX_QUESTIONS:
        errors["source"] = f"At most {MAX_QUESTIONS} questions."
    if errors:
        raise ValidationError(errors)
    return questions


def to_source(questions) -> str:
    """The text format of saved questions (for editing a copy)."""
    lines, section = [], None
    for q in questions:
        if q.section != section:
            section = q.section
            lines.append(f"# {section}")
        options = ""
        if q.kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
            options = "; ".join(f"{o['label']}={o['score']:g}" for o in q.options)
        elif q.kind == QuestionKind.SCALE:
            options = f"{q.options[0]['min']}-{q.options[0]['max']}"
        elif q.kind == QuestionKind.FILE:
            options = ", ".join(q.options[0]["types"])
        flags = [] if q.required else ["optional"]
        if q.condition:
            label = next(
                o["label"]
                for o in questions[q.condition["question"] - 1].options
                if o["value"] == q.condition["equals"]
            )
            flags.append(f"if {q.condition['question']}={label}")
        lines.append(" | ".join([f"? {q.text}", q.kind, options, *flags]).rstrip(" |"))
    return "\n".join(lines)


def asked(question, answers: dict[int, Any]) -> bool:
    """Whether a question is asked, given the answers so far (by question position)."""
    if not question.condition:
        return True
    given = answers.get(question.condition["question"])
    values = given if isinstance(given, list) else [given]
    return question.condition["equals"] in values


def check_and_score(
    questions, raw: dict[int, Any], files: dict[int, dict] | None = None
) -> tuple[dict[int, Any], dict[int, Decimal | None], Decimal | None]:
    """Validate answers (by position) against the questions; per-answer scores and total %.
    File questions are answered by the files uploaded for them (`files`, by position)."""
    files = files or {}
    errors: dict[str, str] = {}
    clean: dict[int, Any] = {}
    scores: dict[int, Decimal | None] = {}
    earned = possible = Decimal(0)
    for q in questions:
        if not asked(q, clean):
            continue
        value = files.get(q.position) if q.kind == QuestionKind.FILE else raw.get(q.position)
        empty = value in (None, "", [])
        if empty:
            if q.required:
                errors[f"q{q.position}"] = (
                    "Please upload a file."
                    if q.kind == QuestionKind.FILE
                    else "Please answer this question."
                )
            continue
        options = (
            {o["value"]: o for o in q.options}
            if q.kind in (QuestionKind.CHOICE, QuestionKind.MULTI)
            else {}
        )
        if q.kind == QuestionKind.CHOICE:
            if value not in options:
                errors[f"q{q.position}"] = "Choose one of the options."
                continue
            clean[q.position], scores[q.position] = value, Decimal(str(options[value]["score"]))
            possible += Decimal(str(max(o["score"] for o in q.options)))
        elif q.kind == QuestionKind.MULTI:
            values = value if isinstance(value, list) else [value]
            if any(v not in options for v in values):
                errors[f"q{q.position}"] = "Choose among the options."
                continue
            clean[q.position] = sorted(set(values))
            scores[q.position] = sum(
                (Decimal(str(options[v]["score"])) for v in clean[q.position]), Decimal(0)
            )
            possible += sum(
                (Decimal(str(o["score"])) for o in q.options if o["score"] > 0), Decimal(0)
            )
        elif q.kind == QuestionKind.SCALE:
            low, high = q.options[0]["min"], q.options[0]["max"]
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or not low <= number <= high:
                errors[f"q{q.position}"] = f"Choose a value from {low} to {high}."
                continue
            clean[q.position], scores[q.position] = number, Decimal(number - low)
            possible += Decimal(high - low)
        elif q.kind == QuestionKind.FILE:
            clean[q.position], scores[q.position] = value, None
        elif q.kind == QuestionKind.NUMBER:
            try:
                clean[q.position] = str(Decimal(str(value).strip()))
            except Exception:
                errors[f"q{q.position}"] = "Enter a number."
                continue
            scores[q.position] = None
        else:
            text = str(value).strip()
            if len(text) > 5000:
                errors[f"q{q.position}"] = "At most 5,000 characters."
                continue
            clean[q.position], scores[q.position] = text, None
        if scores.get(q.position) is not None:
            earned += scores[q.position]
    if errors:
        raise ValidationError(errors)
    total = (earned * 100 / possible).quantize(Decimal("0.1")) if possible > 0 else None
    return clean, scores, total
