"""The generated record check says yes exactly when the readable rules find no problem."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecosys.portability.bundle_export import _Scope, iter_records
from ecosys.portability.registry import declarations
from ecosys.portability.schema import (
    batch_check,
    compiled_check,
    entity_schema,
    record_problems,
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=300),
    st.uuids().map(str),
    st.sampled_from(["", "active", "EUR", "2026-01-31", "2026-01-31T10:00:00+00:00", "12.50"]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.lists(st.uuids().map(str), max_size=4),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
)


def _valid_records(workspace):
    """One real record of each entity that has rows (the demo's), with its schema."""
    context = _Scope(workspace)
    found = []
    for declaration in declarations():
        first = declaration.model.objects.order_by("pk").values_list("pk", flat=True)[:1]
        rows = declaration.model.objects.filter(pk__in=list(first))
        found += [(entity_schema(declaration), r) for r in iter_records(declaration, context, rows)]
    return found


def test_the_generated_check_agrees_with_the_rules(workspace):
    samples = _valid_records(workspace)
    assert len(samples) > 30
    for schema, record in samples:
        assert compiled_check(schema)(record), record_problems(schema, record)

    edges = [None, 0, -1, 1, True, False, 0.5, "", "x" * 300, "not a uuid", str(uuid.uuid4())]
    edges += [[], [str(uuid.uuid4())], [None], ["x"], [1], {}, {"a": 1}, 2**64]
    edges += [f"{uuid.uuid4()}\n{uuid.uuid4()}", f"{uuid.uuid4()}\n", [f"{uuid.uuid4()}\n1"]]
    for schema, record in samples:
        for name in record:
            for value in edges:
                changed = {**record, name: value}
                expected = record_problems(schema, changed) == []
                assert compiled_check(schema)(changed) == expected, (name, value)
                # The batch check never passes a batch with a failing record.
                if batch_check(schema)([record, changed, record]):
                    assert expected, (name, value)

    @settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(min_value=0, max_value=len(samples) - 1), st.data(), VALUES)
    def agree(number, data, value):
        schema, record = samples[number]
        name = data.draw(st.sampled_from(sorted(record)))
        changed = {**record, name: value}
        expected = record_problems(schema, changed) == []
        assert compiled_check(schema)(changed) == expected
        if batch_check(schema)([changed, record]):
            assert expected

    agree()
    # Missing, extra and non-object records.
    schema, record = samples[0]
    assert not compiled_check(schema)({**record, "extra": 1})
    assert not compiled_check(schema)({k: v for k, v in record.items() if k != "id"})
    assert not compiled_check(schema)([record])
    assert compiled_check(schema)({**record, "id": str(uuid.uuid4())})


def test_the_batch_check_passes_every_entity_of_the_demo(workspace):
    context = _Scope(workspace)
    checked = 0
    for declaration in declarations():
        records = list(iter_records(declaration, context))
        schema = entity_schema(declaration)
        assert batch_check(schema)(records), declaration.entity
        assert all(map(compiled_check(schema), records)), declaration.entity
        checked += len(records)
    assert checked > 1000
    assert batch_check(schema)([]) is True
    assert not batch_check(schema)([None])
