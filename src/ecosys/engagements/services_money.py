"""Writes of the money part: commercial terms, time entries and their approval, settlements
(generate, issue, accept or dispute), and a joint venture's shares, contributions and
distributions. The figures come from ``settlement.py``; these functions gather its inputs
from the database, check who may act, write in one transaction and audit."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ecosys.analytics.ingest import ISO_CURRENCIES
from ecosys.core.access import ADD, CHANGE, Actor, allows, ensure
from ecosys.core.audit import audit_record
from ecosys.core.models import Membership, Role, TokenScope
from ecosys.ecosystem.models import Organization, Person

from . import settlement as maths
from .models import (
    BenefitResult,
    CommercialModel,
    CommercialTerms,
    Engagement,
    Settlement,
    SettlementPeriod,
    SettlementStatus,
    TimeEntry,
    TimeEntryStatus,
    VentureContribution,
    VentureContributionKind,
    VentureDistribution,
    VentureShare,
)
from .models.money import CLOSING_STATUSES

MAX_HOURS_PER_DAY = Decimal(24)


# -- helpers -----------------------------------------------------------------------------------


def _writer(actor: Actor) -> bool:
    return actor.role != Role.READ_ONLY and actor.token_scope != TokenScope.READ


def _staff(actor: Actor, model, what: str) -> None:
    """Only the orchestrator's staff (with a writing role) manage an engagement's money."""
    if not actor.is_orchestrator or not allows(actor, ADD, model) or not _writer(actor):
        raise PermissionDenied(f"Only the orchestrator's staff {what}.")


def _decimal(value, field: str, errors: dict, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors[field] = "This figure is needed."
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = f"“{value}” is not a number."
        return None
    if not number.is_finite():
        errors[field] = f"“{value}” is not a number."
        return None
    return number


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month or quarter that contains ``day``."""
    if period == SettlementPeriod.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = dt.date(day.year, first_month, 1)
        last_month = first_month + 2
    else:
        start, last_month = day.replace(day=1), day.month
    end = dt.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def closing_settlement(engagement: Engagement, day: dt.date) -> Settlement | None:
    """The issued or accepted settlement whose period holds ``day``, if any."""
    return (
        Settlement.objects.filter(
            engagement=engagement,
            status__in=CLOSING_STATUSES,
            period_start__lte=day,
            period_end__gte=day,
        )
        .order_by("period_start")
        .first()
    )


def _refuse_closed(engagement: Engagement, day: dt.date) -> None:
    closing = closing_settlement(engagement, day)
    if closing is not None:
        raise ValidationError(
            {
                "work_date": (
                    f"The period {closing.period_start:%Y-%m-%d} to {closing.period_end:%Y-%m-%d} "
                    f"is closed: its settlement was {closing.get_status_display().lower()} on "
                    f"{closing.issued_at:%Y-%m-%d}. Time in a closed period cannot change."
                )
            }
        )


def _workforce(name: str):
    """A model of the staffing part (workforce profiles, assignments), or None while that part
    is not installed in this checkout."""
    from . import models

    return getattr(models, name, None)


def standard_rates(people: list[Person], currency: str) -> dict[int, Decimal]:
    """Each person's standard bill rate from the workforce profile, in ``currency``."""
    WorkerProfile = _workforce("WorkerProfile")  # noqa: N806
    if WorkerProfile is None:
        return {}
    return {
        profile.person_id: profile.bill_rate
        for profile in WorkerProfile.objects.filter(
            person__in=people, currency=currency, bill_rate__isnull=False
        )
    }


def engagement_people(engagement: Engagement):
    """People who may record time: assigned to one of its roles or given a rate in its terms."""
    Assignment = _workforce("Assignment")  # noqa: N806
    terms = CommercialTerms.objects.filter(engagement=engagement).first()
    rated = list((terms.rates or {}).keys()) if terms else []
    condition = Q(public_id__in=rated)
    if Assignment is not None:
        condition |= Q(
            pk__in=Assignment.objects.filter(role__engagement=engagement).values("person_id")
        )
    return Person.objects.filter(condition).order_by("last_name", "first_name", "id")


def _on_engagement(engagement: Engagement, person: Person) -> bool:
    Assignment = _workforce("Assignment")  # noqa: N806
    terms = CommercialTerms.objects.filter(engagement=engagement).first()
    if terms and str(person.public_id) in (terms.rates or {}):
        return True
    return (
        Assignment is not None
        and Assignment.objects.filter(role__engagement=engagement, person=person).exists()
    )


# -- commercial terms --------------------------------------------------------------------------

TERMS_FIELDS = [
    "model", "currency", "period", "fee", "included_hours", "overage_rate",
    "included_people", "person_overage_rate", "share", "floor",
    "cap", "settle_on_lower_bound", "schedule", "rates",
]  # fmt: skip


def _terms_snapshot(terms: CommercialTerms | None) -> dict:
    if terms is None:
        return {}
    return {
        name: (str(value) if isinstance(value, Decimal) else value)
        for name in TERMS_FIELDS
        for value in [getattr(terms, name)]
    }


def _schedule_clean(schedule, errors: dict) -> list[dict]:
    rows = []
    for position, item in enumerate(schedule or []):
        if not isinstance(item, dict):
            errors["schedule"] = "Each instalment needs a due date and a fraction."
            return []
        try:
            due = dt.date.fromisoformat(str(item.get("due_date", "")))
        except ValueError:
            errors["schedule"] = (
                f"Instalment {position + 1}: “{item.get('due_date')}” is not a date."
            )
            return []
        fraction = _decimal(item.get("fraction"), "schedule", errors, required=True)
        if fraction is None:
            return []
        if not 0 < fraction <= 1:
            errors["schedule"] = (
                f"Instalment {position + 1}: the fraction must be above 0 and at most 1."
            )
            return []
        rows.append({"due_date": due.isoformat(), "fraction": str(fraction)})
    if rows:
        total = sum(Decimal(row["fraction"]) for row in rows)
        if total != 1:
            errors["schedule"] = f"The instalments' fractions add up to {total}, not 1."
        if len({row["due_date"] for row in rows}) != len(rows):
            errors["schedule"] = "Two instalments fall on the same date."
    return sorted(rows, key=lambda row: row["due_date"])


@transaction.atomic
def terms_set(
    *,
    actor: Actor,
    engagement: Engagement,
    model: str,
    currency: str,
    period: str = SettlementPeriod.MONTH,
    fee=None,
    included_hours=None,
    overage_rate=None,
    included_people=None,
    person_overage_rate=None,
    share=None,
    floor=None,
    cap=None,
    settle_on_lower_bound: bool = False,
    schedule: list | None = None,
    rates: dict | None = None,
) -> CommercialTerms:
    """Set (or change) how the customer pays for the engagement; every figure is checked."""
    _staff(actor, CommercialTerms, "set commercial terms")
    errors: dict[str, str] = {}
    if model not in CommercialModel.values:
        errors["model"] = "Choose consulting, subscription, gain sharing or joint venture."
    currency = (currency or "").strip().upper()
    if currency not in ISO_CURRENCIES:
        errors["currency"] = f"“{currency}” is not an ISO 4217 currency code."
    if period not in SettlementPeriod.values:
        errors["period"] = "Settle per month or per quarter."
    figures = {
        "fee": _decimal(fee, "fee", errors, required=model == CommercialModel.SUBSCRIPTION),
        "included_hours": _decimal(included_hours, "included_hours", errors),
        "overage_rate": _decimal(overage_rate, "overage_rate", errors),
        "included_people": _decimal(included_people, "included_people", errors),
        "person_overage_rate": _decimal(person_overage_rate, "person_overage_rate", errors),
        "share": _decimal(share, "share", errors, required=model == CommercialModel.GAIN_SHARE),
        "floor": _decimal(floor, "floor", errors),
        "cap": _decimal(cap, "cap", errors),
    }
    for name, value in figures.items():
        if value is not None and value < 0 and name not in errors:
            errors[name] = "This figure cannot be negative."
    if figures["share"] is not None and figures["share"] > 1 and "share" not in errors:
        errors["share"] = "The share is a fraction between 0 and 1 (e.g. 0.25 for 25%)."
    if (
        figures["floor"] is not None
        and figures["cap"] is not None
        and figures["floor"] > figures["cap"]
        and "cap" not in errors
    ):
        errors["cap"] = f"The cap ({figures['cap']}) is below the floor ({figures['floor']})."
    if figures["included_hours"] is not None and figures["overage_rate"] is None:
        errors.setdefault("overage_rate", "An included capacity needs an overage rate.")
    people = figures["included_people"]
    if people is not None and "included_people" not in errors:
        if people != people.to_integral_value():
            errors["included_people"] = "Included people is a whole number."
        else:
            figures["included_people"] = int(people)
    if people is not None and figures["person_overage_rate"] is None:
        errors.setdefault("person_overage_rate", "Included people need an overage rate per person.")
    schedule_rows = _schedule_clean(schedule, errors)
    rate_rows: dict[str, str] = {}
    for key, value in (rates or {}).items():
        person = Person.objects.filter(public_id=str(key)).first() if _uuid_like(key) else None
        if person is None:
            errors["rates"] = f"No person with id {key}."
            break
        number = _decimal(value, "rates", errors, required=True)
        if number is None or number < 0:
            errors.setdefault("rates", f"The rate for {person} must be a number of at least 0.")
            break
        rate_rows[str(person.public_id)] = str(number)
    if errors:
        raise ValidationError(errors)
    terms = CommercialTerms.objects.select_for_update().filter(engagement=engagement).first()
    before = _terms_snapshot(terms)
    if terms is None:
        terms = CommercialTerms(workspace=actor.workspace, engagement=engagement)
    ensure(actor, CHANGE if terms.pk else ADD, terms)
    terms.model, terms.currency, terms.period = model, currency, period
    for name, value in figures.items():
        setattr(terms, name, value)
    terms.settle_on_lower_bound = bool(settle_on_lower_bound)
    terms.schedule, terms.rates = schedule_rows, rate_rows
    terms.full_clean(exclude=["workspace", "engagement"])
    terms.save()
    if engagement.commercial_model != model:
        # The engagement names its commercial model too; keep the two the same.
        Engagement.objects.filter(pk=engagement.pk).update(commercial_model=model)
        engagement.commercial_model = model
    after = _terms_snapshot(terms)
    audit_record(
        actor=actor,
        action="terms_set",
        target=terms,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return terms


def _uuid_like(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# -- time entries ------------------------------------------------------------------------------


@transaction.atomic
def time_entry_add(
    *,
    actor: Actor,
    engagement: Engagement,
    person: Person,
    work_date: dt.date,
    hours,
    note: str = "",
) -> TimeEntry:
    """Record hours a person worked on the engagement; it waits for the lead's approval."""
    _staff(actor, TimeEntry, "record time")
    errors: dict[str, str] = {}
    number = _decimal(hours, "hours", errors, required=True)
    if number is not None and not Decimal(0) < number <= MAX_HOURS_PER_DAY:
        errors["hours"] = "Hours must be more than 0 and at most 24."
    elif number is not None and number != number.quantize(Decimal("0.01")):
        errors["hours"] = "Give hours to at most two decimals (e.g. 7.25)."
    if work_date is None:
        errors["work_date"] = "Give the day worked."
    elif not engagement.start_date <= work_date <= engagement.end_date:
        errors["work_date"] = (
            f"{work_date:%Y-%m-%d} is outside the engagement "
            f"({engagement.start_date:%Y-%m-%d} to {engagement.end_date:%Y-%m-%d})."
        )
    elif work_date > timezone.localdate():
        errors["work_date"] = "Time cannot be recorded for a day that has not come yet."
    if not _on_engagement(engagement, person):
        errors["person"] = (
            f"{person} is not on this engagement: assign them to one of its roles "
            "or give them a rate in its commercial terms."
        )
    if errors:
        raise ValidationError(errors)
    _refuse_closed(engagement, work_date)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer per person
    booked = sum(
        TimeEntry.objects.filter(person=person, work_date=work_date)
        .exclude(status=TimeEntryStatus.REJECTED)
        .values_list("hours", flat=True),
        Decimal(0),
    )
    if booked + number > MAX_HOURS_PER_DAY:
        raise ValidationError(
            {
                "hours": (
                    f"{person} already has {booked} h recorded on {work_date:%Y-%m-%d} across "
                    f"engagements; {number} h more would exceed 24 h in a day."
                )
            }
        )
    entry = TimeEntry(
        workspace=actor.workspace,
        engagement=engagement,
        person=person,
        work_date=work_date,
        hours=number,
        note=(note or "").strip()[:500],
        entered_by=actor.user,
    )
    entry.full_clean(exclude=["workspace"])
    entry.save()
    audit_record(
        actor=actor,
        action="time_add",
        target=entry,
        changes={
            "person": [None, str(person)],
            "work_date": [None, work_date.isoformat()],
            "hours": [None, str(number)],
        },
    )
    return entry


def may_approve_time(actor: Actor, engagement: Engagement) -> bool:
    """The engagement lead approves time; with no lead named, an orchestrator admin does."""
    if not actor.is_orchestrator or not _writer(actor) or actor.user is None:
        return False
    if engagement.lead_id is not None:
        return engagement.lead_id == actor.user.pk
    return actor.role == Role.ORCHESTRATOR_ADMIN


@transaction.atomic
def time_entry_decide(
    *, actor: Actor, entry: TimeEntry, decision: str, reason: str = ""
) -> TimeEntry:
    """The lead approves or rejects (with a reason) a submitted or earlier-decided entry."""
    entry = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("engagement")
        .get(pk=entry.pk)
    )
    if not may_approve_time(actor, entry.engagement):
        raise PermissionDenied("Only the engagement lead approves time.")
    reason = (reason or "").strip()
    if decision == "approve":
        status = TimeEntryStatus.APPROVED
    elif decision == "reject":
        if not reason:
            raise ValidationError({"reason": "Say why the time is rejected."})
        status = TimeEntryStatus.REJECTED
    else:
        raise ValidationError({"decision": "Approve or reject."})
    _refuse_closed(entry.engagement, entry.work_date)
    before = entry.status
    entry.status, entry.decided_by, entry.decided_at = status, actor.user, timezone.now()
    entry.decision_reason = reason[:500]
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        action=decision,
        target=entry,
        changes={"status": [before, status.value], "reason": [None, reason]},
    )
    return entry


# -- settlements -------------------------------------------------------------------------------


def _terms_for(engagement: Engagement) -> CommercialTerms:
    terms = CommercialTerms.objects.filter(engagement=engagement).first()
    if terms is None:
        raise ValidationError("Set the engagement's commercial terms first.")
    return terms


def _approved_entries(engagement: Engagement, start: dt.date, end: dt.date):
    entries = TimeEntry.objects.filter(
        engagement=engagement, work_date__gte=start, work_date__lte=end
    ).select_related("person")
    waiting = entries.filter(status=TimeEntryStatus.SUBMITTED).count()
    if waiting:
        raise ValidationError(
            f"{waiting} time {'entry' if waiting == 1 else 'entries'} in this period "
            "await the lead's approval; approve or reject them before settling."
        )
    return list(entries.filter(status=TimeEntryStatus.APPROVED).order_by("work_date", "id"))


def _consulting_statement(engagement, terms, start, end):
    entries = _approved_entries(engagement, start, end)
    people = list({entry.person_id: entry.person for entry in entries}.values())
    standard = standard_rates(people, terms.currency)
    rates = {}
    for person in people:
        agreed = (terms.rates or {}).get(str(person.public_id))
        rate = agreed if agreed is not None else standard.get(person.pk)
        if rate is not None:
            rates[str(person.public_id)] = rate
    return maths.consulting(
        currency=terms.currency,
        period_start=start,
        period_end=end,
        entries=[
            {
                "id": str(entry.public_id),
                "person": str(entry.person.public_id),
                "person_name": str(entry.person),
                "work_date": entry.work_date,
                "hours": entry.hours,
            }
            for entry in entries
        ],
        rates=rates,
    )


def _subscription_statement(engagement, terms, start, end):
    entries = _approved_entries(engagement, start, end)
    return maths.subscription(
        currency=terms.currency,
        period_start=start,
        period_end=end,
        fee=terms.fee,
        included_hours=terms.included_hours,
        overage_rate=terms.overage_rate,
        hours_used=sum((entry.hours for entry in entries), Decimal(0)),
        included_people=terms.included_people,
        person_overage_rate=terms.person_overage_rate,
        people_used=len({entry.person_id for entry in entries}),
    )


def _gain_share_statement(engagement, terms, start, end):
    results = list(BenefitResult.objects.filter(engagement=engagement).select_related("metric"))
    if not results:
        raise ValidationError(
            "No benefit has been calculated for this engagement yet; gain sharing settles on "
            "the measured benefit."
        )
    foreign = sorted({r.currency for r in results if r.currency != terms.currency})
    if foreign:
        raise ValidationError(
            f"The benefit is valued in {', '.join(foreign)} but the terms settle in "
            f"{terms.currency}; value the metrics in {terms.currency}."
        )
    return maths.gain_share(
        currency=terms.currency,
        period_start=start,
        period_end=end,
        benefits=[
            {
                "metric": result.metric.name,
                "method": result.method,
                "money": result.money,
                "money_low": result.money_low,
                "money_high": result.money_high,
            }
            for result in results
        ],
        share=terms.share,
        floor=terms.floor,
        cap=terms.cap,
        settle_on_lower_bound=terms.settle_on_lower_bound,
        schedule=terms.schedule,
    )


def _venture_statement(engagement, terms, start, end):
    distribution = VentureDistribution.objects.filter(
        engagement=engagement, period_start=start, period_end=end
    ).first()
    if distribution is None:
        raise ValidationError(
            "Record the venture's result for this period first; the settlement distributes it."
        )
    return maths.recompute(distribution.inputs)


STATEMENTS = {
    CommercialModel.CONSULTING: _consulting_statement,
    CommercialModel.SUBSCRIPTION: _subscription_statement,
    CommercialModel.GAIN_SHARE: _gain_share_statement,
    CommercialModel.JOINT_VENTURE: _venture_statement,
}


def settlement_period(engagement: Engagement, terms: CommercialTerms, day: dt.date | None):
    """The period a settlement covers: gain sharing the whole engagement, others a month or
    quarter (holding ``day``)."""
    if terms.model == CommercialModel.GAIN_SHARE:
        return engagement.start_date, engagement.end_date
    if day is None:
        raise ValidationError({"period_start": "Give a day in the period to settle."})
    return period_bounds(terms.period, day)


@transaction.atomic
def settlement_generate(
    *, actor: Actor, engagement: Engagement, day: dt.date | None = None
) -> Settlement:
    """Compute the statement of one period from the data; a draft or disputed one is replaced."""
    _staff(actor, Settlement, "generate settlements")
    terms = _terms_for(engagement)
    start, end = settlement_period(engagement, terms, day)
    if end < engagement.start_date or start > engagement.end_date:
        raise ValidationError({"period_start": "That period lies outside the engagement's dates."})
    existing = (
        Settlement.objects.select_for_update()
        .filter(engagement=engagement, period_start=start, period_end=end)
        .first()
    )
    if existing is not None and existing.status in CLOSING_STATUSES:
        raise ValidationError(
            f"The settlement for {start:%Y-%m-%d} to {end:%Y-%m-%d} is "
            f"{existing.get_status_display().lower()}; it cannot be generated again."
        )
    try:
        statement = STATEMENTS[terms.model](engagement, terms, start, end)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    row = existing or Settlement(
        workspace=actor.workspace, engagement=engagement, period_start=start, period_end=end
    )
    previous = None if existing is None else (existing.status, str(existing.total))
    row.model, row.currency, row.total = terms.model, statement.currency, statement.total
    row.lines, row.schedule = statement.lines_json(), list(statement.schedule)
    row.inputs, row.inputs_hash = statement.inputs, statement.inputs_hash
    row.status, row.generated_at, row.generated_by = (
        SettlementStatus.DRAFT,
        timezone.now(),
        actor.user,
    )
    row.save()
    audit_record(
        actor=actor,
        action="settlement_generate",
        target=row,
        changes={
            "status": [previous and previous[0], row.status],
            "total": [previous and previous[1], str(row.total)],
            "inputs_hash": [None, row.inputs_hash],
        },
    )
    return row


def _customer_admins(engagement: Engagement) -> list[str]:
    return list(
        Membership.objects.filter(
            organization_id=engagement.customer_id, role=Role.EXTERNAL_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
    )


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=body, from_email=None, recipient_list=recipients
            )
        )


@transaction.atomic
def settlement_issue(*, actor: Actor, settlement: Settlement) -> Settlement:
    """Issue a draft to the customer; its period closes for time entries."""
    _staff(actor, Settlement, "issue settlements")
    settlement = (
        Settlement.objects.select_for_update(of=("self",))
        .select_related("engagement__customer")
        .get(pk=settlement.pk)
    )
    if settlement.status != SettlementStatus.DRAFT:
        raise ValidationError(
            "Only a draft can be issued; this settlement is "
            f"{settlement.get_status_display().lower()}."
        )
    recomputed = maths.recompute(settlement.inputs)
    if recomputed.total != settlement.total or recomputed.lines_json() != settlement.lines:
        raise ValidationError("The stored figures do not match their inputs; generate it again.")
    settlement.status, settlement.issued_at = SettlementStatus.ISSUED, timezone.now()
    settlement.customer_comment = ""
    settlement.save(update_fields=["status", "issued_at", "customer_comment"])
    audit_record(
        actor=actor,
        action="settlement_issue",
        target=settlement,
        changes={"status": [SettlementStatus.DRAFT.value, SettlementStatus.ISSUED.value]},
    )
    engagement = settlement.engagement
    _mail(
        f"Settlement issued: {engagement.title}",
        (
            f"A settlement for {engagement.title} was issued: {settlement.total} "
            f"{settlement.currency} for {settlement.period_start:%Y-%m-%d} to "
            f"{settlement.period_end:%Y-%m-%d}. Every figure and what it depends on is on the "
            "statement in your portal, where you can accept it or dispute it with a comment."
        ),
        _customer_admins(engagement),
    )
    return settlement


def may_decide_settlement(actor: Actor, settlement: Settlement) -> bool:
    """The customer's admins accept or dispute an issued statement."""
    return (
        not actor.is_orchestrator
        and actor.role == Role.EXTERNAL_ADMIN
        and _writer(actor)
        and actor.organization_id == settlement.engagement.customer_id
        and settlement.status == SettlementStatus.ISSUED
    )


@transaction.atomic
def settlement_decide(
    *, actor: Actor, settlement: Settlement, decision: str, comment: str = ""
) -> Settlement:
    """The customer accepts an issued statement or disputes it with a comment."""
    settlement = (
        Settlement.objects.select_for_update(of=("self",))
        .select_related("engagement__lead")
        .get(pk=settlement.pk)
    )
    ensure(actor, CHANGE, settlement)
    if actor.is_orchestrator or actor.organization_id != settlement.engagement.customer_id:
        raise PermissionDenied("Only the customer accepts or disputes its settlements.")
    if actor.role != Role.EXTERNAL_ADMIN or not _writer(actor):
        raise PermissionDenied("Only the customer's admins accept or dispute settlements.")
    if settlement.status != SettlementStatus.ISSUED:
        raise ValidationError(
            f"This settlement is {settlement.get_status_display().lower()}; only an issued one "
            "can be accepted or disputed."
        )
    comment = (comment or "").strip()
    if decision == "accept":
        status = SettlementStatus.ACCEPTED
    elif decision == "dispute":
        if not comment:
            raise ValidationError({"comment": "Say what you dispute, so the lead can answer."})
        status = SettlementStatus.DISPUTED
    else:
        raise ValidationError({"decision": "Accept or dispute."})
    settlement.status, settlement.customer_comment = status, comment
    settlement.decided_by, settlement.decided_at = actor.user, timezone.now()
    settlement.save(update_fields=["status", "customer_comment", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=f"settlement_{decision}",
        target=settlement,
        changes={
            "status": [SettlementStatus.ISSUED.value, status.value],
            "comment": [None, comment],
        },
    )
    engagement = settlement.engagement
    lead = engagement.lead.email if engagement.lead_id else None
    verb = "accepted" if status == SettlementStatus.ACCEPTED else "disputed"
    _mail(
        f"Settlement {verb}: {engagement.title}",
        (
            f"{actor.label} {verb} the settlement of {settlement.total} {settlement.currency} "
            f"for {settlement.period_start:%Y-%m-%d} to {settlement.period_end:%Y-%m-%d}."
            + (f"\n\nTheir comment: {comment}" if comment else "")
        ),
        [lead] if lead else [],
    )
    return settlement


# -- joint venture -----------------------------------------------------------------------------


@transaction.atomic
def venture_shares_set(
    *, actor: Actor, engagement: Engagement, shares: list[dict]
) -> list[VentureShare]:
    """Replace the venture's owners and shares; they must add up to exactly 1."""
    _staff(actor, VentureShare, "set venture shares")
    errors: dict[str, str] = {}
    rows: list[tuple[Organization, Decimal]] = []
    for position, item in enumerate(shares or []):
        organization = item.get("organization")
        if not isinstance(organization, Organization):
            errors["shares"] = f"Owner {position + 1}: pick an organisation."
            break
        share = _decimal(item.get("share"), "shares", errors, required=True)
        if share is None or not 0 < share <= 1:
            errors.setdefault("shares", f"{organization}: a share is above 0 and at most 1.")
            break
        if share != share.quantize(Decimal("0.0001")):
            errors["shares"] = f"{organization}: give the share to at most four decimals."
            break
        rows.append((organization, share))
    if not errors:
        if not rows:
            errors["shares"] = "Name at least one owner."
        elif len({org.pk for org, _ in rows}) != len(rows):
            errors["shares"] = "An organisation is named twice."
        elif sum(share for _, share in rows) != 1:
            total = sum(share for _, share in rows)
            errors["shares"] = f"The shares add up to {total}, not 1."
        elif engagement.customer_id not in {org.pk for org, _ in rows}:
            errors["shares"] = f"The customer, {engagement.customer}, must be one of the owners."
    if errors:
        raise ValidationError(errors)
    before = {
        str(row.organization): str(row.share)
        for row in VentureShare.objects.filter(engagement=engagement).select_related("organization")
    }
    VentureShare.objects.filter(engagement=engagement).delete()
    created = VentureShare.objects.bulk_create(
        [
            VentureShare(
                workspace=actor.workspace, engagement=engagement, organization=org, share=share
            )
            for org, share in rows
        ]
    )
    audit_record(
        actor=actor,
        action="venture_shares_set",
        target=engagement,
        changes={"shares": [before, {str(org): str(share) for org, share in rows}]},
    )
    return created


@transaction.atomic
def venture_contribution_add(
    *,
    actor: Actor,
    engagement: Engagement,
    organization: Organization,
    kind: str,
    contributed_on: dt.date,
    amount=None,
    hours=None,
    rate=None,
    note: str = "",
) -> VentureContribution:
    """An owner's contribution: money, or hours in kind valued at a rate."""
    _staff(actor, VentureContribution, "record venture contributions")
    terms = _terms_for(engagement)
    errors: dict[str, str] = {}
    if not VentureShare.objects.filter(engagement=engagement, organization=organization).exists():
        errors["organization"] = f"{organization} is not an owner of this venture."
    if kind == VentureContributionKind.MONEY:
        value = _decimal(amount, "amount", errors, required=True)
        if value is not None and value <= 0:
            errors["amount"] = "The amount must be more than zero."
        hours_value = rate_value = None
    elif kind == VentureContributionKind.IN_KIND:
        hours_value = _decimal(hours, "hours", errors, required=True)
        rate_value = _decimal(rate, "rate", errors, required=True)
        if hours_value is not None and hours_value <= 0:
            errors["hours"] = "The hours must be more than zero."
        if rate_value is not None and rate_value < 0:
            errors["rate"] = "The rate cannot be negative."
        value = (
            maths.cents(hours_value * rate_value)
            if hours_value is not None and rate_value is not None
            else None
        )
    else:
        errors["kind"] = "Money or in kind."
        value = hours_value = rate_value = None
    if contributed_on is None:
        errors["contributed_on"] = "Give the date of the contribution."
    if errors:
        raise ValidationError(errors)
    contribution = VentureContribution(
        workspace=actor.workspace,
        engagement=engagement,
        organization=organization,
        kind=kind,
        amount=value,
        hours=hours_value,
        rate=rate_value,
        currency=terms.currency,
        contributed_on=contributed_on,
        note=(note or "").strip()[:500],
    )
    contribution.full_clean(exclude=["workspace"])
    contribution.save()
    audit_record(
        actor=actor,
        action="venture_contribution_add",
        target=contribution,
        changes={"amount": [None, str(value)], "kind": [None, kind]},
    )
    return contribution


@transaction.atomic
def venture_distribute(
    *, actor: Actor, engagement: Engagement, day: dt.date, result
) -> VentureDistribution:
    """Record a period's result and distribute it to the owners by share (to the cent)."""
    _staff(actor, VentureDistribution, "distribute venture results")
    terms = _terms_for(engagement)
    if terms.model != CommercialModel.JOINT_VENTURE:
        raise ValidationError("The engagement's commercial terms are not a joint venture.")
    errors: dict[str, str] = {}
    value = _decimal(result, "result", errors, required=True)
    if day is None:
        errors["period_start"] = "Give a day in the period."
    if errors:
        raise ValidationError(errors)
    start, end = period_bounds(terms.period, day)
    existing = VentureDistribution.objects.filter(
        engagement=engagement, period_start=start, period_end=end
    ).first()
    settled = Settlement.objects.filter(
        engagement=engagement,
        period_start=start,
        period_end=end,
        status__in=CLOSING_STATUSES,
    ).exists()
    if settled:
        raise ValidationError(
            {"result": "This period's settlement is issued; its result cannot change."}
        )
    shares = VentureShare.objects.filter(engagement=engagement).select_related("organization")
    try:
        statement = maths.joint_venture(
            currency=terms.currency,
            period_start=start,
            period_end=end,
            result=value,
            shares=[
                {
                    "organization": str(row.organization.public_id),
                    "name": row.organization.name,
                    "share": row.share,
                }
                for row in shares
            ],
        )
    except ValueError as error:
        raise ValidationError({"result": str(error)}) from error
    row = existing or VentureDistribution(
        workspace=actor.workspace, engagement=engagement, period_start=start, period_end=end
    )
    before = None if existing is None else str(existing.result)
    row.result, row.currency = statement.total, statement.currency
    row.lines, row.inputs, row.inputs_hash = (
        statement.lines_json(),
        statement.inputs,
        statement.inputs_hash,
    )
    row.save()
    audit_record(
        actor=actor,
        action="venture_distribute",
        target=row,
        changes={"result": [before, str(row.result)]},
    )
    return row
