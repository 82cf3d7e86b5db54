"""Settlement maths for the four commercial models (pure: no Django, Decimal only).

Every function takes plain values, turns them into a canonical ``inputs`` dict (numbers as
decimal strings, dates as ISO strings, lists in a fixed order) and computes the statement from
that dict alone, so ``recompute(statement.inputs)`` gives the same lines and total to the cent;
``inputs_hash`` is the SHA-256 of the canonical JSON of the inputs.

Rounding: amounts are rounded to the cent with ``ROUND_HALF_UP`` once, on each line
(``quantity × rate``); the total is the exact sum of the rounded lines. Two allocations must add
up exactly to a given sum — a joint venture's result distributed by ownership share and a
gain-share amount split over its payment schedule — so there each part is rounded down to the
cent and the cents left over go one each to the parts with the largest fractions cut off, ties
broken by their order in the inputs (the largest-remainder method).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MODELS = ("consulting", "subscription", "gain_share", "joint_venture")


@dataclass(frozen=True)
class Line:
    """One line of a statement: ``amount = round_half_up(quantity × rate)``."""

    label: str
    quantity: Decimal
    unit: str
    rate: Decimal
    amount: Decimal

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "quantity": str(self.quantity),
            "unit": self.unit,
            "rate": str(self.rate),
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class Statement:
    """A settlement statement: lines, their total, the currency and every input behind them."""

    model: str
    currency: str
    period_start: date
    period_end: date
    lines: tuple[Line, ...]
    total: Decimal
    inputs: dict
    inputs_hash: str
    schedule: tuple[dict, ...] = field(default=())

    def lines_json(self) -> list[dict]:
        return [line.as_dict() for line in self.lines]


def cents(value: Decimal) -> Decimal:
    """Round to the cent, half up (the one rounding rule of every statement)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def inputs_hash(inputs: dict) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Parsing and checks -------------------------------------------------------------------------


def _decimal(name: str, value, *, minimum: Decimal | None = None) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValueError(f"{name}: {value!r} is not a number.") from error
    if not number.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number.")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {number}.")
    return number


def _optional(name: str, value, *, minimum: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return None
    return _decimal(name, value, minimum=minimum)


def _date(name: str, value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD).") from error


def _currency(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"currency must be a three-letter ISO code such as EUR, not {value!r}.")
    return value


def _period(period_start, period_end) -> tuple[date, date]:
    start, end = _date("period_start", period_start), _date("period_end", period_end)
    if end < start:
        raise ValueError(f"period_end {end} is before period_start {start}.")
    return start, end


def _text(value) -> str:
    return "" if value is None else str(value)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _line(label: str, quantity: Decimal, unit: str, rate: Decimal) -> Line:
    return Line(label, quantity, unit, rate, cents(quantity * rate))


def _statement(inputs: dict, lines: list[Line], schedule: Iterable[dict] = ()) -> Statement:
    return Statement(
        model=inputs["model"],
        currency=inputs["currency"],
        period_start=date.fromisoformat(inputs["period_start"]),
        period_end=date.fromisoformat(inputs["period_end"]),
        lines=tuple(lines),
        total=sum((line.amount for line in lines), Decimal("0.00")),
        inputs=inputs,
        inputs_hash=inputs_hash(inputs),
        schedule=tuple(schedule),
    )


def _header(model: str, currency, period_start, period_end) -> dict:
    start, end = _period(period_start, period_end)
    return {
        "model": model,
        "currency": _currency(currency),
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "rounding": "each line to 0.01 half up; total = sum of lines",
    }


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` (whole cents) by ``weights`` (summing to 1) into cents summing exactly.

    Largest remainder: each part is its exact value rounded down to the cent; the cents left
    over go one each to the parts with the largest fractions cut off, equal ones in input order.
    """
    exact = [total * weight for weight in weights]
    floored = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    left = int((total - sum(floored, Decimal(0))) / CENT)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floored[i]), i))
    for position in order[:left]:
        floored[position] += CENT
    return floored


# Consulting ---------------------------------------------------------------------------------


def consulting(
    *, currency, period_start, period_end, entries: list[dict], rates: dict[str, object]
) -> Statement:
    """Approved time in the period × each person's bill rate, one line per person.

    ``entries``: ``{id, person, person_name, work_date, hours}``; ``rates``: person → bill rate.
    """
    inputs = _header("consulting", currency, period_start, period_end)
    start, end = (
        date.fromisoformat(inputs["period_start"]),
        date.fromisoformat(inputs["period_end"]),
    )
    rows = []
    for position, entry in enumerate(entries):
        work_date = _date(f"entries[{position}].work_date", entry.get("work_date"))
        if not start <= work_date <= end:
            raise ValueError(f"entries[{position}]: {work_date} is outside the period.")
        person = _text(entry.get("person"))
        if not person:
            raise ValueError(f"entries[{position}]: no person.")
        hours = _decimal(f"entries[{position}].hours", entry.get("hours"), minimum=Decimal(0))
        rows.append(
            {
                "id": _text(entry.get("id")),
                "person": person,
                "person_name": _text(entry.get("person_name")) or person,
                "work_date": work_date.isoformat(),
                "hours": str(hours),
            }
        )
    rows.sort(key=lambda row: (row["person"], row["work_date"], row["id"]))
    people = sorted({row["person"] for row in rows})
    missing = [person for person in people if rates.get(person) in (None, "")]
    if missing:
        names = sorted({row["person_name"] for row in rows if row["person"] in missing})
        raise ValueError("No bill rate for " + ", ".join(names) + ".")
    inputs["entries"] = rows
    inputs["rates"] = {
        person: str(_decimal(f"rates[{person}]", rates[person], minimum=Decimal(0)))
        for person in people
    }
    return _consulting(inputs)


def _consulting(inputs: dict) -> Statement:
    hours: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    for row in inputs["entries"]:
        hours[row["person"]] = hours.get(row["person"], Decimal(0)) + Decimal(row["hours"])
        names[row["person"]] = row["person_name"]
    lines = [
        _line(f"Time: {names[person]}", hours[person], "h", Decimal(inputs["rates"][person]))
        for person in sorted(hours, key=lambda person: (names[person], person))
    ]
    return _statement(inputs, lines)


# Subscription -------------------------------------------------------------------------------


def subscription(
    *,
    currency,
    period_start,
    period_end,
    fee,
    included_hours,
    overage_rate,
    hours_used,
    included_people=None,
    person_overage_rate=None,
    people_used=0,
) -> Statement:
    """A fixed fee for the period; capacity included in hours or in people (or both), and what
    is used beyond it at the overage rate (per hour, per person)."""
    inputs = _header("subscription", currency, period_start, period_end)
    fee = _decimal("fee", fee, minimum=Decimal(0))
    included = _optional("included_hours", included_hours, minimum=Decimal(0))
    rate = _optional("overage_rate", overage_rate, minimum=Decimal(0))
    used = _decimal("hours_used", hours_used, minimum=Decimal(0))
    people = _optional("included_people", included_people, minimum=Decimal(0))
    person_rate = _optional("person_overage_rate", person_overage_rate, minimum=Decimal(0))
    people_used = _decimal("people_used", people_used, minimum=Decimal(0))
    if included is not None and rate is None:
        raise ValueError("An included capacity needs an overage rate.")
    if people is not None and person_rate is None:
        raise ValueError("Included people need an overage rate per person.")
    inputs.update(
        fee=str(fee),
        included_hours=_s(included),
        overage_rate=_s(rate),
        hours_used=str(used),
    )
    if people is not None:  # only then, so older statements keep their inputs and hash
        inputs.update(
            included_people=_s(people),
            person_overage_rate=_s(person_rate),
            people_used=str(people_used),
        )
    return _subscription(inputs)


def _subscription(inputs: dict) -> Statement:
    lines = [_line("Subscription fee", Decimal(1), "period", Decimal(inputs["fee"]))]
    if inputs["included_hours"] is not None:
        included, used = Decimal(inputs["included_hours"]), Decimal(inputs["hours_used"])
        overage = max(used - included, Decimal(0))
        lines.append(
            _line(
                f"Overage: {used} h used, {included} h included",
                overage,
                "h",
                Decimal(inputs["overage_rate"]),
            )
        )
    if inputs.get("included_people") is not None:
        people, used = Decimal(inputs["included_people"]), Decimal(inputs["people_used"])
        lines.append(
            _line(
                f"Overage: {used} people worked, {people} included",
                max(used - people, Decimal(0)),
                "person",
                Decimal(inputs["person_overage_rate"]),
            )
        )
    return _statement(inputs, lines)


# Gain sharing -------------------------------------------------------------------------------


def gain_share(
    *,
    currency,
    period_start,
    period_end,
    benefits: list[dict],
    share,
    floor=None,
    cap=None,
    settle_on_lower_bound: bool = False,
    schedule: list[dict] | None = None,
) -> Statement:
    """The agreed share of the measured money benefit, held between floor and cap.

    ``benefits``: ``{metric, method, money, money_low, money_high}`` per metric (money in the
    statement's currency). With ``settle_on_lower_bound`` each metric's interval lower bound is
    used instead of its point estimate. No floor means a floor of zero: a gain share never
    charges the provider for a loss. ``schedule``: ``{due_date, fraction}`` summing to 1.
    """
    inputs = _header("gain_share", currency, period_start, period_end)
    share = _decimal("share", share, minimum=Decimal(0))
    if share > 1:
        raise ValueError(f"share must be between 0 and 1, not {share}.")
    floor_value = _optional("floor", floor, minimum=Decimal(0))
    cap_value = _optional("cap", cap, minimum=Decimal(0))
    floor_value = Decimal("0.00") if floor_value is None else cents(floor_value)
    if cap_value is not None:
        cap_value = cents(cap_value)
        if cap_value < floor_value:
            raise ValueError(f"The cap {cap_value} is below the floor {floor_value}.")
    if not benefits:
        raise ValueError("No measured benefit to share: calculate the benefit first.")
    rows = []
    for position, benefit in enumerate(benefits):
        metric = _text(benefit.get("metric"))
        if not metric:
            raise ValueError(f"benefits[{position}]: no metric.")
        money = _decimal(f"benefits[{position}].money", benefit.get("money"))
        low = _optional(f"benefits[{position}].money_low", benefit.get("money_low"))
        high = _optional(f"benefits[{position}].money_high", benefit.get("money_high"))
        if settle_on_lower_bound and low is None:
            raise ValueError(
                f"Settling on the lower bound, but the benefit of {metric} has no interval."
            )
        rows.append(
            {
                "metric": metric,
                "method": _text(benefit.get("method")),
                "money": str(money),
                "money_low": _s(low),
                "money_high": _s(high),
            }
        )
    inputs.update(
        benefits=rows,
        share=str(share),
        floor=str(floor_value),
        cap=_s(cap_value),
        settle_on_lower_bound=bool(settle_on_lower_bound),
        schedule=_schedule(schedule or []),
    )
    return _gain_share(inputs)


def _schedule(schedule: list[dict]) -> list[dict]:
    rows = []
    for position, item in enumerate(schedule):
        fraction = _decimal(f"schedule[{position}].fraction", item.get("fraction"))
        if not 0 < fraction <= 1:
            raise ValueError(f"schedule[{position}]: fraction must be above 0 and at most 1.")
        due = _date(f"schedule[{position}].due_date", item.get("due_date"))
        rows.append({"due_date": due.isoformat(), "fraction": str(fraction)})
    if rows and sum(Decimal(row["fraction"]) for row in rows) != 1:
        total = sum(Decimal(row["fraction"]) for row in rows)
        raise ValueError(f"The schedule's fractions add up to {total}, not 1.")
    if len({row["due_date"] for row in rows}) != len(rows):
        raise ValueError("The schedule has two instalments on the same date.")
    return sorted(rows, key=lambda row: row["due_date"])


def _gain_share(inputs: dict) -> Statement:
    basis = "money_low" if inputs["settle_on_lower_bound"] else "money"
    share = Decimal(inputs["share"])
    lines = [
        _line(
            f"{row['metric']}: measured benefit"
            + (" (interval lower bound)" if basis == "money_low" else " (point estimate)"),
            Decimal(row[basis]),
            inputs["currency"],
            share,
        )
        for row in inputs["benefits"]
    ]
    shared = sum((line.amount for line in lines), Decimal("0.00"))
    floor_value = Decimal(inputs["floor"])
    cap_value = None if inputs["cap"] is None else Decimal(inputs["cap"])
    if shared < floor_value:
        lines.append(
            _line("Raised to the floor", floor_value - shared, inputs["currency"], Decimal(1))
        )
    elif cap_value is not None and shared > cap_value:
        lines.append(
            _line("Limited to the cap", cap_value - shared, inputs["currency"], Decimal(1))
        )
    total = sum((line.amount for line in lines), Decimal("0.00"))
    plan = inputs["schedule"] or [{"due_date": inputs["period_end"], "fraction": "1"}]
    amounts = allocate(total, [Decimal(row["fraction"]) for row in plan])
    instalments = [
        {**row, "amount": str(amount)} for row, amount in zip(plan, amounts, strict=True)
    ]
    return _statement(inputs, lines, instalments)


# Joint venture ------------------------------------------------------------------------------


def _shares(shares: list[dict]) -> list[dict]:
    if not shares:
        raise ValueError("The venture has no owners: record the ownership shares first.")
    rows = []
    for position, item in enumerate(shares):
        owner = _text(item.get("organization"))
        if not owner:
            raise ValueError(f"shares[{position}]: no organisation.")
        share = _decimal(f"shares[{position}].share", item.get("share"))
        if not 0 < share <= 1:
            raise ValueError(f"shares[{position}]: a share must be above 0 and at most 1.")
        rows.append(
            {"organization": owner, "name": _text(item.get("name")) or owner, "share": str(share)}
        )
    if len({row["organization"] for row in rows}) != len(rows):
        raise ValueError("An organisation holds two ownership shares.")
    total = sum(Decimal(row["share"]) for row in rows)
    if total != 1:
        raise ValueError(f"The ownership shares add up to {total}, not 1.")
    return sorted(rows, key=lambda row: (row["name"], row["organization"]))


def joint_venture(*, currency, period_start, period_end, result, shares: list[dict]) -> Statement:
    """The period's result (profit or loss) distributed to the owners by ownership share.

    ``shares``: ``{organization, name, share}`` summing to exactly 1. The result is taken to
    the cent first; the distributions then add up to it exactly (see the module docstring).
    """
    inputs = _header("joint_venture", currency, period_start, period_end)
    inputs.update(result=str(cents(_decimal("result", result))), shares=_shares(shares))
    return _joint_venture(inputs)


def _joint_venture(inputs: dict) -> Statement:
    result = Decimal(inputs["result"])
    amounts = allocate(result, [Decimal(row["share"]) for row in inputs["shares"]])
    lines = [
        Line(f"Distribution to {row['name']}", Decimal(row["share"]), "share", result, amount)
        for row, amount in zip(inputs["shares"], amounts, strict=True)
    ]
    return _statement(inputs, lines)


def venture_contributions(
    *, currency, period_start, period_end, contributions: list[dict]
) -> Statement:
    """What each owner put into the venture: money as is, in kind as hours × rate.

    ``contributions``: ``{id, organization, name, kind (money | in_kind), amount, hours, rate,
    contributed_on}``.
    """
    inputs = _header("venture_contributions", currency, period_start, period_end)
    rows = []
    for position, item in enumerate(contributions):
        kind = item.get("kind")
        row = {
            "id": _text(item.get("id")),
            "organization": _text(item.get("organization")),
            "name": _text(item.get("name")) or _text(item.get("organization")),
            "kind": kind,
            "contributed_on": _date(
                f"contributions[{position}].contributed_on", item.get("contributed_on")
            ).isoformat(),
        }
        if kind == "money":
            row["amount"] = str(
                _decimal(f"contributions[{position}].amount", item.get("amount"), minimum=CENT)
            )
        elif kind == "in_kind":
            row["hours"] = str(
                _decimal(f"contributions[{position}].hours", item.get("hours"), minimum=CENT)
            )
            row["rate"] = str(
                _decimal(f"contributions[{position}].rate", item.get("rate"), minimum=Decimal(0))
            )
        else:
            raise ValueError(f"contributions[{position}]: kind must be money or in_kind.")
        rows.append(row)
    inputs["contributions"] = sorted(rows, key=lambda row: (row["contributed_on"], row["id"]))
    return _venture_contributions(inputs)


def _venture_contributions(inputs: dict) -> Statement:
    lines = []
    for row in inputs["contributions"]:
        if row["kind"] == "money":
            lines.append(
                _line(
                    f"{row['name']}: money ({row['contributed_on']})",
                    Decimal(1),
                    inputs["currency"],
                    Decimal(row["amount"]),
                )
            )
        else:
            lines.append(
                _line(
                    f"{row['name']}: in kind ({row['contributed_on']})",
                    Decimal(row["hours"]),
                    "h",
                    Decimal(row["rate"]),
                )
            )
    return _statement(inputs, lines)


# Recomputation ------------------------------------------------------------------------------

_COMPUTE: dict[str, Callable[[dict], Statement]] = {
    "consulting": _consulting,
    "subscription": _subscription,
    "gain_share": _gain_share,
    "joint_venture": _joint_venture,
    "venture_contributions": _venture_contributions,
}


def recompute(inputs: dict) -> Statement:
    """The statement computed again from stored inputs alone."""
    model = inputs.get("model") if isinstance(inputs, dict) else None
    if model not in _COMPUTE:
        raise ValueError(f"Unknown settlement model {model!r}.")
    return _COMPUTE[model](inputs)
