"""The import's compact id map answers exactly as a dict would (it holds every row id the
import refers to, so a wrong answer would write a wrong reference); a JSON column's text reads
back as its value."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecosys.portability.bundle_import import _IdMap

# A few UUIDs, so that keys come back often; odd keys (not 36 ASCII characters) too.
KEYS = [str(uuid.UUID(int=n * 7919 + 1)) for n in range(40)]
ODD = ["", "x" * 37, "é" * 36, KEYS[0] + "\n", KEYS[1][:35]]
key = st.sampled_from(KEYS + ODD)
value = st.one_of(st.none(), st.integers(min_value=0, max_value=2**62))
step = st.one_of(
    st.tuples(st.just("add"), st.lists(st.tuples(key, value), max_size=12)),
    st.tuples(st.just("compact"), st.none()),
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(step, max_size=25),
    probes=st.lists(key, max_size=20),
    flush=st.sampled_from([1, 2, 5, 1 << 16]),
)
def test_the_compact_map_answers_as_a_dict(steps, probes, flush):
    expected: dict[str, int | None] = {}
    ids = _IdMap()
    ids.FLUSH = flush  # small: additions go through the sorted levels and their merges
    for kind, pairs in steps:
        if kind == "add":
            ids.add(pairs)
            expected.update(pairs)
        else:
            ids.compact()
    assert ids.found(probes) == {k: expected[k] for k in probes if k in expected}
    assert ids.missing(probes) == {k for k in probes if k not in expected}
    for probe in probes:
        assert (probe in ids) == (probe in expected)
        assert ids.get(probe) == expected.get(probe)


@given(keys=st.lists(key, max_size=30), flush=st.sampled_from([1, 3, 1 << 16]))
@settings(max_examples=200, deadline=None)
def test_the_compact_set_answers_as_a_set(keys, flush):
    ids = _IdMap(values=False)
    ids.FLUSH = flush
    half = len(keys) // 2
    ids.add(keys[:half])
    ids.compact()
    ids.add(keys[half:])
    probes = keys + KEYS[:5] + ODD
    assert ids.missing(probes) == set(probes) - set(keys)
    assert set(ids.found(probes)) == set(probes) & set(keys)


def test_a_large_map_is_held_in_sorted_arrays_and_finds_every_key():
    ids = _IdMap()
    pairs = [(str(uuid.uuid4()), n) for n in range(200_000)]
    ids.add(pairs)
    ids.compact()
    assert not ids.recent and len(ids.levels) <= 2
    assert sum(keys.nbytes + values.nbytes for keys, values in ids.levels) == 200_000 * 44
    sample = pairs[::997]
    assert ids.found([k for k, _ in sample]) == dict(sample)
    strangers = [str(uuid.uuid4()) for _ in range(100)]
    assert ids.missing(strangers) == set(strangers)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(value=json_values)
def test_a_json_columns_text_reads_back_as_the_value(value):
    import json

    from ecosys.portability.bundle_import import _json_text

    text = _json_text(value)
    assert (text is None) == (value is None)
    if text is not None:
        assert json.loads(text) == value


def test_a_nan_or_an_infinity_is_not_turned_into_null():
    """orjson writes them as null: the text is json.dumps's, which the database refuses."""
    import json
    import math

    from ecosys.portability.bundle_import import _json_text

    for value in ({"x": math.nan}, [math.inf], {"a": None, "b": -math.inf}):
        assert _json_text(value) == json.dumps(value)
    assert _json_text({"big": 2**80, "s": "\ud800"}) == json.dumps({"big": 2**80, "s": "\ud800"})
