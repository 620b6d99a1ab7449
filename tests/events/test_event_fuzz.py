"""Hypothesis: malformed event files give an EventSet or an InputError, never another exception."""

from __future__ import annotations

import copy
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstudy.errors import InputError
from eventstudy.events import EventSet, describe_events, event_set_from_mapping, load_events
from eventstudy.events.validate import CLAIM_FIELDS, EVENT_FIELDS, STUDY_FIELDS

VALID: dict[str, Any] = {
    "study": {
        "name": "fuzz",
        "tickers": ["AAA", "BBB"],
        "windows": [[0, 0], [-1, 1]],
        "estimation": [-120, -11],
        "shares": {"AAA": 1e9},
        "exchanges": {"BBB": "XTKS"},
    },
    "events": [
        {"id": "e1", "date": dt.date(2025, 1, 27), "time": "09:00", "kind": "event"},
        {"id": "e2", "date": "2025-01-29", "tickers": ["AAA"], "kind": "confounder"},
    ],
    "claims": [
        {
            "id": "c1",
            "tickers": ["AAA"],
            "date": dt.date(2025, 1, 27),
            "value_usd": -1e9,
            "event_id": "e1",
            "window": [0, 0],
        }
    ],
}

scalars = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "2025-01-27", "16:05", "XNYS", "e1", "AAA", "confounder", "Asia/Tokyo"]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
DELETE = object()
keys = {
    "study": st.sampled_from(STUDY_FIELDS) | st.text(max_size=6),
    "events": st.sampled_from(EVENT_FIELDS) | st.text(max_size=6),
    "claims": st.sampled_from(CLAIM_FIELDS) | st.text(max_size=6),
    "top": st.sampled_from(["study", "events", "claims"]) | st.text(max_size=6),
}


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, int, str, object]:
    section = draw(st.sampled_from(["study", "events", "claims", "top"]))
    index = draw(st.integers(0, 1))
    key = draw(keys[section])
    value = draw(st.just(DELETE) | values)
    return section, index, key, value


def apply(doc: dict[str, Any], op: tuple[str, int, str, object]) -> None:
    section, index, key, value = op
    if section == "top":
        target: Any = doc
    elif section == "study":
        target = doc.get("study")
    else:
        items = doc.get(section)
        target = items[index % len(items)] if isinstance(items, list) and items else None
    if not isinstance(target, dict):
        return
    if value is DELETE:
        target.pop(key, None)
    else:
        target[key] = value


def outcome(build: Any) -> None:
    try:
        result = build()
    except InputError:
        return
    assert isinstance(result, EventSet)
    try:
        describe_events(result)
    except InputError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(mutation(), min_size=1, max_size=4))
def test_mutated_documents_never_crash(ops: list[tuple[str, int, str, object]]) -> None:
    doc = copy.deepcopy(VALID)
    for op in ops:
        apply(doc, op)
    outcome(lambda: event_set_from_mapping(doc, "fuzz.toml"))


def test_valid_seed_document_loads() -> None:
    ev = event_set_from_mapping(copy.deepcopy(VALID), "fuzz.toml")
    assert [e.id for e in ev.events] == ["e1", "e2"]


LITERALS = [
    '"x"', '""', "1", "-1", "1.5", "nan", "inf", "true", "2025-01-27", '"2025-01-27"',
    "2025-01-27T09:30:00", "09:30:00", '"09:30"', "[]", "[1, 2]", "[2, 1]", '["AAA"]',
    '["AAA", "AAA"]', "[[0, 0], [-1, 1]]", "{}", '{ a = 1 }', '"Asia/Tokyo"', '"Nowhere/X"',
    '"confounder"', "[", '"unterminated', "= =", "1979-05-27T07:32:00Z", "0x1F", "1e400",
]  # fmt: skip
HEADERS = ["[study]", "[[events]]", "[[claims]]", "[study.shares]", "[study.exchanges]", "[x]"]
FIELDS = sorted({*STUDY_FIELDS, *EVENT_FIELDS, *CLAIM_FIELDS, "AAA", "value"})

line = st.one_of(
    st.sampled_from(HEADERS),
    st.builds(
        lambda k, v: f"{k} = {v}",
        st.sampled_from(FIELDS) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,5}", fullmatch=True),
        st.sampled_from(LITERALS),
    ),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def scratch() -> Any:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(line, max_size=14))
def test_random_toml_text_never_crashes(scratch: Path, lines: list[str]) -> None:
    path = scratch / "random.toml"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    outcome(lambda: load_events(path))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=80) | st.text(max_size=80).map(lambda t: t.encode("utf-8", "replace")))
def test_random_csv_bytes_never_crash(scratch: Path, data: bytes) -> None:
    path = scratch / "random.csv"
    path.write_bytes(b"ticker,event_date,event_id,time,timezone\n" + data)
    outcome(lambda: load_events(path))
