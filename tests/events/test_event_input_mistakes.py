"""Event-file mistakes that used to crash or pass silently (issue 14, item 7).

Each case was checked against the code before the fix: a RecursionError, a BOM read as invalid
TOML, an IndexError, a duplicated window that crashed the plots, and a CSV row with an extra
field reported as a bad date (pandas took the first column as the row index).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from eventstudy.errors import EventFileError, InputError
from eventstudy.events import describe_events, event_set_from_mapping, load_events
from eventstudy.events.validate import find_problems

HEADER = '[study]\nname = "s"\ntickers = ["NVDA"]\n'
EVENT = '[[events]]\nid = "e"\ndate = 2025-01-27\n'


def toml(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_toml_nested_2000_deep_is_one_problem(tmp_path: Path, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    path = toml(tmp_path, "x = " + opening * 2000 + closing * 2000 + "\n")
    with pytest.raises(EventFileError, match=r"file: nests arrays or tables too deeply") as err:
        load_events(path)
    assert err.value.problems == [str(err.value)]


def test_mapping_nested_too_deep_is_one_problem() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(EventFileError, match="too deeply"):
        event_set_from_mapping({"study": {"name": deep}}, "m")


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + EVENT).encode("utf-8"))
    events = load_events(path)
    assert events.name == "s" and [e.id for e in events.events] == ["e"]


@pytest.mark.parametrize(
    ("windows", "text"),
    [
        ("[[0, 9223372036854775807]]", "window [0, 9223372036854775807] reaches beyond 10000"),
        ("[[-10001, 0]]", "window [-10001, 0] reaches beyond 10000 sessions from day 0"),
        ("[[0.5, 1]]", "[0.5, 1] is not a window of two whole session offsets"),
        ("[[0, 0], [-1, 1], [0, 0]]", "study.windows[2]: window [0, 0] is listed twice (also "),
    ],
)
def test_bad_windows_in_toml(tmp_path: Path, windows: str, text: str) -> None:
    path = toml(tmp_path, HEADER + f"windows = {windows}\n" + EVENT)
    with pytest.raises(EventFileError) as err:
        load_events(path)
    assert any(text in p for p in err.value.problems), err.value.problems


def test_window_bounds_are_inclusive(tmp_path: Path) -> None:
    path = toml(tmp_path, HEADER + "windows = [[0, 10000]]\nestimation = [-10000, -11]\n" + EVENT)
    assert load_events(path).windows == ((0, 10000),)


def test_numpy_values_read_as_plain_python_in_problems() -> None:
    raw = {
        "study": {"name": "s", "tickers": ["A"], "windows": [[np.float64(0.5), 1]]},
        "events": [{"id": "e", "date": dt.date(2025, 1, 27), "kind": np.str_("x")}],
    }
    text = " ".join(str(p) for p in find_problems(raw, "m"))
    assert "[0.5, 1] is not a window" in text and "'x' is not a valid kind" in text
    assert "np." not in text


@pytest.mark.parametrize(
    ("rows", "line", "fields"),
    [
        ("NVDA,2025-01-27,x\nAVGO,2025-01-27\n", 2, 3),  # first data row: was "a bad date"
        ("NVDA,2025-01-27\nAVGO,2025-01-27,x\n", 3, 3),
        ("NVDA,2025-01-27,x,y\nAVGO,2025-01-27\n", 2, 4),
        ("NVDA,2025-01-27,\nAVGO,2025-01-27,\n", 2, 3),  # a trailing comma on every row
    ],
)
def test_csv_row_with_extra_fields_names_its_line(
    tmp_path: Path, rows: str, line: int, fields: int
) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("ticker,event_date\n" + rows, encoding="utf-8")
    with pytest.raises(EventFileError) as err:
        load_events(path)
    assert err.value.problems == [
        f"{path}: line {line}: has {fields} fields but the header has 2; remove the extra commas."
    ]


@pytest.mark.parametrize("time", ["", 'time = "09:00"\n'])
def test_event_year_beyond_2262_is_an_input_error(tmp_path: Path, time: str) -> None:
    # found by test_event_fuzz with --hypothesis-seed=24035: pandas' OutOfBoundsDatetime escaped
    path = toml(tmp_path, HEADER + '[[events]]\nid = "e"\ndate = 2263-01-01\n' + time)
    with pytest.raises(InputError, match=r"date 2263-01-01 is outside the"):
        describe_events(load_events(path))


def test_benchmark_value_beside_a_market_that_is_not_text() -> None:
    # found by test_event_fuzz with --hypothesis-seed=505894: a TypeError (unhashable list)
    raw = {
        "study": {"name": "s", "tickers": ["A"], "market": [], "benchmark_market_value": {}},
        "events": [{"id": "e", "date": dt.date(2025, 1, 27)}],
    }
    with pytest.raises(EventFileError, match=r"study\.market: expected text, got \[\]"):
        event_set_from_mapping(raw, "m")
