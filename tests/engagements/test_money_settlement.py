"""Settlement maths: the four commercial models, rounding, recomputation, properties."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosys.engagements import settlement
from ecosys.engagements.settlement import allocate, recompute

PERIOD = {"currency": "EUR", "period_start": date(2025, 3, 1), "period_end": date(2025, 3, 31)}


def _entry(person, day, hours, name=None):
    return {
        "id": f"{person}-{day}",
        "person": person,
        "person_name": name or person.title(),
        "work_date": date(2025, 3, day),
        "hours": hours,
    }


def test_consulting_one_line_per_person_rounded_half_up():
    statement = settlement.consulting(
        **PERIOD,
        entries=[_entry("ann", 3, "7.5"), _entry("ann", 4, "0.25"), _entry("bob", 3, "3")],
        rates={"ann": "100.10", "bob": "99.995"},
    )
    assert [line.as_dict() for line in statement.lines] == [
        {
            "label": "Time: Ann",
            "quantity": "7.75",
            "unit": "h",
            "rate": "100.10",
            "amount": "775.78",  # 775.775 rounds half up
        },
        {"label": "Time: Bob", "quantity": "3", "unit": "h", "rate": "99.995", "amount": "299.99"},
    ]
    assert statement.total == Decimal("1075.77")
    assert statement.inputs["rates"] == {"ann": "100.10", "bob": "99.995"}
    assert len(statement.inputs["entries"]) == 3


def test_consulting_refuses_missing_rate_and_entries_outside_the_period():
    with pytest.raises(ValueError, match="No bill rate for Bob"):
        settlement.consulting(**PERIOD, entries=[_entry("bob", 3, "1")], rates={})
    outside = {**_entry("ann", 3, "1"), "work_date": date(2025, 4, 1)}
    with pytest.raises(ValueError, match="outside the period"):
        settlement.consulting(**PERIOD, entries=[outside], rates={"ann": "1"})
    with pytest.raises(ValueError, match="hours must be at least 0"):
        settlement.consulting(**PERIOD, entries=[_entry("ann", 3, "-1")], rates={"ann": "1"})


def test_subscription_fee_and_overage():
    statement = settlement.subscription(
        **PERIOD, fee="5000", included_hours="80", overage_rate="120.50", hours_used="92.5"
    )
    assert [(line.quantity, line.amount) for line in statement.lines] == [
        (Decimal(1), Decimal("5000.00")),
        (Decimal("12.5"), Decimal("1506.25")),
    ]
    assert statement.total == Decimal("6506.25")
    under = settlement.subscription(
        **PERIOD, fee="5000", included_hours="80", overage_rate="120.50", hours_used="10"
    )
    assert under.total == Decimal("5000.00")
    assert under.lines[1].amount == Decimal("0.00")
    with pytest.raises(ValueError, match="needs an overage rate"):
        settlement.subscription(
            **PERIOD, fee="1", included_hours="8", overage_rate=None, hours_used="0"
        )


BENEFITS = [
    {"metric": "Stock turns", "method": "diff_in_diff", "money": "100000", "money_low": "60000"},
    {"metric": "Cycle time", "method": "before_after", "money": "50000.333", "money_low": "1"},
]


def test_gain_share_point_estimate_floor_cap_and_schedule():
    statement = settlement.gain_share(
        **PERIOD,
        benefits=BENEFITS,
        share="0.2",
        floor="1000",
        cap="50000",
        schedule=[
            {"due_date": date(2025, 4, 30), "fraction": "0.5"},
            {"due_date": date(2025, 5, 31), "fraction": "0.5"},
        ],
    )
    assert [line.amount for line in statement.lines] == [Decimal("20000.00"), Decimal("10000.07")]
    assert statement.total == Decimal("30000.07")
    # The odd cent goes to the first instalment (equal fractions: input order).
    assert [row["amount"] for row in statement.schedule] == ["15000.04", "15000.03"]

    capped = settlement.gain_share(**PERIOD, benefits=BENEFITS, share="0.5", cap="40000")
    assert capped.total == Decimal("40000.00")
    assert capped.lines[-1].label == "Limited to the cap"
    assert capped.lines[-1].amount == Decimal("-35000.17")

    lower = settlement.gain_share(
        **PERIOD, benefits=BENEFITS, share="0.2", floor="15000", settle_on_lower_bound=True
    )
    assert "lower bound" in lower.lines[0].label
    assert lower.lines[0].amount == Decimal("12000.00")
    assert lower.total == Decimal("15000.00")  # 12000.20 raised to the floor
    assert lower.schedule == ({"due_date": "2025-03-31", "fraction": "1", "amount": "15000.00"},)


def test_gain_share_never_charges_for_a_loss_without_floor():
    statement = settlement.gain_share(
        **PERIOD, benefits=[{"metric": "m", "money": "-500"}], share="0.3"
    )
    assert statement.total == Decimal("0.00")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"share": "1.2"}, "share must be between 0 and 1"),
        ({"floor": "10", "cap": "5"}, "cap 5.00 is below the floor 10.00"),
        ({"benefits": []}, "calculate the benefit first"),
        (
            {"schedule": [{"due_date": "2025-04-01", "fraction": "0.5"}]},
            "add up to 0.5, not 1",
        ),
        ({"schedule": [{"due_date": "soon", "fraction": "1"}]}, "is not a date"),
        (
            {"benefits": [{"metric": "m", "money": "1"}], "settle_on_lower_bound": True},
            "has no interval",
        ),
        ({"currency": "euro"}, "three-letter ISO code"),
    ],
)
def test_gain_share_refuses_bad_terms(change, message):
    arguments = {**PERIOD, "benefits": BENEFITS, "share": "0.2", **change}
    with pytest.raises(ValueError, match=message):
        settlement.gain_share(**arguments)


def test_joint_venture_distribution_sums_exactly_and_remainder_is_deterministic():
    shares = [
        {"organization": "a", "name": "Alpha", "share": "0.3333"},
        {"organization": "b", "name": "Beta", "share": "0.3333"},
        {"organization": "c", "name": "Gamma", "share": "0.3334"},
    ]
    statement = settlement.joint_venture(**PERIOD, result="100.00", shares=shares)
    assert [line.amount for line in statement.lines] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    thirds = [{"organization": x, "share": "0.3333333333333333333333333333"} for x in "abc"]
    thirds[2]["share"] = "0.3333333333333333333333333334"
    split = settlement.joint_venture(**PERIOD, result="0.02", shares=thirds)
    # Equal thirds of two cents: the slightly larger third share first, then input order.
    assert [line.amount for line in split.lines] == [Decimal("0.01"), Decimal(0), Decimal("0.01")]
    loss = settlement.joint_venture(**PERIOD, result="-0.02", shares=thirds)
    assert sum(line.amount for line in loss.lines) == Decimal("-0.02")
    with pytest.raises(ValueError, match="add up to 0.9, not 1"):
        settlement.joint_venture(
            **PERIOD, result="1", shares=[{"organization": "a", "share": "0.9"}]
        )


def test_venture_contributions_money_and_in_kind():
    statement = settlement.venture_contributions(
        **PERIOD,
        contributions=[
            {"id": "1", "organization": "a", "name": "Alpha", "kind": "money", "amount": "25000",
             "contributed_on": "2025-03-02"},
            {"id": "2", "organization": "b", "name": "Beta", "kind": "in_kind", "hours": "40",
             "rate": "95.555", "contributed_on": "2025-03-05"},
        ],
    )  # fmt: skip
    assert [line.amount for line in statement.lines] == [Decimal("25000.00"), Decimal("3822.20")]
    assert statement.total == Decimal("28822.20")


def test_recompute_from_stored_inputs_gives_the_same_statement():
    statements = [
        settlement.consulting(**PERIOD, entries=[_entry("ann", 3, "7.5")], rates={"ann": "88"}),
        settlement.subscription(
            **PERIOD, fee="10", included_hours="1", overage_rate="3", hours_used="2"
        ),
        settlement.gain_share(**PERIOD, benefits=BENEFITS, share="0.15", cap="9999"),
        settlement.joint_venture(
            **PERIOD, result="10.01", shares=[{"organization": "a", "share": "1"}]
        ),
    ]
    for statement in statements:
        import json

        stored = json.loads(json.dumps(statement.inputs))  # as a JSONField gives it back
        again = recompute(stored)
        assert again == statement
        assert again.inputs_hash == statement.inputs_hash
    with pytest.raises(ValueError, match="Unknown settlement model"):
        recompute({"model": "barter"})


def test_inputs_hash_changes_with_any_number():
    one = settlement.subscription(
        **PERIOD, fee="10", included_hours=None, overage_rate=None, hours_used="2"
    )
    two = settlement.subscription(
        **PERIOD, fee="10.01", included_hours=None, overage_rate=None, hours_used="2"
    )
    assert one.inputs_hash != two.inputs_hash


money = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=3, allow_nan=False
)
positive = st.decimals(min_value=Decimal(0), max_value=Decimal("100000"), places=2)


@settings(max_examples=150, deadline=None)
@given(
    benefits=st.lists(money, min_size=1, max_size=5),
    share=st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=4),
    floor=positive,
    extra=st.one_of(st.none(), positive),
    fractions=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=4),
)
def test_gain_share_properties(benefits, share, floor, extra, fractions):
    cap = None if extra is None else floor + extra
    weights = [Decimal(f) / sum(fractions) for f in fractions]
    weights[-1] = 1 - sum(weights[:-1])
    schedule = [
        {"due_date": date(2025, 4 + position, 1), "fraction": weight}
        for position, weight in enumerate(weights)
    ]
    statement = settlement.gain_share(
        **PERIOD,
        benefits=[{"metric": f"m{i}", "money": value} for i, value in enumerate(benefits)],
        share=share,
        floor=floor,
        cap=cap,
        schedule=schedule,
    )
    assert statement.total == sum(line.amount for line in statement.lines)
    assert floor <= statement.total
    assert cap is None or statement.total <= cap
    assert sum(Decimal(row["amount"]) for row in statement.schedule) == statement.total
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in statement.lines)
    assert recompute(statement.inputs) == statement


@settings(max_examples=150, deadline=None)
@given(
    result=money,
    parts=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=7),
)
def test_joint_venture_distributions_sum_exactly_to_the_result(result, parts):
    weights = [Decimal(p) / sum(parts) for p in parts]
    weights[-1] = 1 - sum(weights[:-1])
    shares = [{"organization": f"o{i}", "share": w} for i, w in enumerate(weights)]
    statement = settlement.joint_venture(**PERIOD, result=result, shares=shares)
    result_cents = result.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert sum(line.amount for line in statement.lines) == result_cents == statement.total
    for line in statement.lines:
        assert abs(line.amount - line.quantity * result_cents) < Decimal("0.01")
    assert recompute(statement.inputs) == statement


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(["ann", "bob", "cy"]),
            st.integers(min_value=1, max_value=31),
            st.decimals(min_value=Decimal(0), max_value=Decimal(24), places=2),
        ),
        max_size=20,
    ),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=3),
)
def test_consulting_total_is_the_sum_of_lines(entries, rate):
    statement = settlement.consulting(
        **PERIOD,
        entries=[_entry(person, day, hours) for person, day, hours in entries],
        rates={"ann": rate, "bob": rate + 1, "cy": "10"},
    )
    assert statement.total == sum(line.amount for line in statement.lines)
    hours = sum((hours for _, _, hours in entries), Decimal(0))
    assert sum(line.quantity for line in statement.lines) == hours
    assert recompute(statement.inputs) == statement


def test_allocate_keeps_every_cent():
    assert allocate(Decimal("1.00"), [Decimal(1) / 3] * 2 + [1 - 2 * (Decimal(1) / 3)]) == [
        Decimal("0.33"),
        Decimal("0.33"),
        Decimal("0.34"),
    ]


def test_subscription_capacity_in_people():
    statement = settlement.subscription(
        **PERIOD, fee="5000", included_hours=None, overage_rate=None, hours_used="300",
        included_people=2, person_overage_rate="800", people_used=3,
    )  # fmt: skip
    assert [(line.unit, line.quantity, line.amount) for line in statement.lines] == [
        ("period", Decimal(1), Decimal("5000.00")),
        ("person", Decimal(1), Decimal("800.00")),
    ]
    assert settlement.recompute(statement.inputs) == statement
    within = settlement.subscription(
        **PERIOD, fee="5000", included_hours=None, overage_rate=None, hours_used="300",
        included_people=4, person_overage_rate="800", people_used=3,
    )  # fmt: skip
    assert within.total == Decimal("5000.00")
    # without people capacity the inputs (and so the hash) are those of earlier statements
    plain = settlement.subscription(
        **PERIOD, fee="5000", included_hours=None, overage_rate=None, hours_used="1"
    )
    assert "included_people" not in plain.inputs
    with pytest.raises(ValueError, match="overage rate per person"):
        settlement.subscription(
            **PERIOD, fee="1", included_hours=None, overage_rate=None, hours_used="0",
            included_people=1,
        )  # fmt: skip
