"""Every validation problem with its exact message, and one-pass collection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eventstudy.errors import EventFileError, InputError
from eventstudy.events import Problem, find_problems, load_events

BASE = """
[study]
name = "t"
tickers = ["AAA", "BBB"]

[[events]]
id = "e1"
date = 2025-01-27
"""


def write(tmp_path: Path, text: str, name: str = "t.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(EventFileError) as info:
        load_events(path)
    return info.value.problems


def test_base_document_is_valid(tmp_path: Path) -> None:
    assert load_events(write(tmp_path, BASE)).events[0].id == "e1"


# (document, exact sentence expected among the problems; "{f}" is the file path)
CASES = {
    "unknown study field": (
        BASE.replace("tickers =", 'benchmarks = ["QQQ"]\ntickers =').replace(
            'name = "t"', 'name = "t"\nmarkte = "SPY"'
        ),
        "{f}: study.markte: unknown field 'markte'; did you mean 'market'?",
    ),
    "unknown event field": (
        BASE + 'titel = "x"\n',
        "{f}: events[0].titel: unknown field 'titel'; did you mean 'title'?",
    ),
    "unknown field without suggestion": (
        BASE + "zzz = 1\n",
        "{f}: events[0].zzz: unknown field 'zzz'; remove it or use one of id, title, date, time, "
        "timezone, description, sources, kind, tickers.",
    ),
    "unknown top-level field": (
        "[evnts]\n" + BASE,
        "{f}: evnts: unknown field 'evnts'; did you mean 'events'?",
    ),
    "bad date": (
        BASE.replace("date = 2025-01-27", 'date = "2025-13-01"'),
        "{f}: events[0].date: '2025-13-01' is not a valid date; write it as YYYY-MM-DD, e.g. "
        "2025-01-27.",
    ),
    "date in another format": (
        BASE.replace("date = 2025-01-27", 'date = "27/01/2025"'),
        "{f}: events[0].date: '27/01/2025' is not a valid date; write it as YYYY-MM-DD, e.g. "
        "2025-01-27.",
    ),
    "date-time instead of date": (
        BASE.replace("date = 2025-01-27", "date = 2025-01-27T16:05:00"),
        "{f}: events[0].date: '2025-01-27T16:05:00' is a date-time; give the date alone (date = "
        '2025-01-27) and the time of day in time = "16:05".',
    ),
    "bad time": (
        BASE + 'time = "25:00"\n',
        "{f}: events[0].time: '25:00' is not a time of day; write it as \"HH:MM\" (24-hour), "
        'e.g. "16:05".',
    ),
    "bad time type": (
        BASE + "time = 1605\n",
        '{f}: events[0].time: 1605 is not a time of day; write it as "HH:MM" (24-hour), '
        'e.g. "16:05".',
    ),
    "unknown timezone": (
        BASE + 'timezone = "America/New_Yrok"\n',
        "{f}: events[0].timezone: unknown time zone 'America/New_Yrok'; did you mean "
        "'America/New_York'?",
    ),
    "empty study ticker list": (
        BASE.replace('tickers = ["AAA", "BBB"]', "tickers = []"),
        '{f}: study.tickers: the ticker list is empty; name at least one ticker, e.g. ["NVDA"].',
    ),
    "empty event ticker list": (
        BASE + "tickers = []\n",
        '{f}: events[0].tickers: the ticker list is empty; name at least one ticker, e.g. ["NVDA"].',
    ),
    "window start after end": (
        BASE.replace('name = "t"', 'name = "t"\nwindows = [[0, 0], [1, -1]]'),
        "{f}: study.windows[1]: window [1, -1] starts after it ends; give the earlier offset "
        "first: [-1, 1].",
    ),
    "window not integers": (
        BASE.replace('name = "t"', 'name = "t"\nwindows = [[0, 1.5]]'),
        "{f}: study.windows[0]: [0, 1.5] is not a window of two whole session offsets; write it "
        "as [start, end], e.g. [-1, 1].",
    ),
    "window of three": (
        BASE.replace('name = "t"', 'name = "t"\nwindows = [[0, 1, 2]]'),
        "{f}: study.windows[0]: [0, 1, 2] is not a window of two whole session offsets; write it "
        "as [start, end], e.g. [-1, 1].",
    ),
    "estimation overlaps": (
        BASE.replace('name = "t"', 'name = "t"\nestimation = [-250, -1]'),
        "{f}: study.estimation: estimation window [-250, -1] overlaps event window [-1, 1]; end "
        "it before the earliest event window starts, e.g. [-250, -6].",
    ),
    "estimation overlaps custom windows": (
        BASE.replace('name = "t"', 'name = "t"\nestimation = [-100, 0]\nwindows = [[0, 3]]'),
        "{f}: study.estimation: estimation window [-100, 0] overlaps event window [0, 3]; end it "
        "before the earliest event window starts, e.g. [-100, -1].",
    ),
    "duplicate event ids": (
        BASE + '\n[[events]]\nid = "e1"\ndate = 2025-01-28\n',
        "{f}: events[1].id: duplicate event id 'e1' (also events[0]); give each event its own id.",
    ),
    "claim with unknown event id": (
        BASE + '\n[[claims]]\nid = "c"\ntickers = ["AAA"]\ndate = 2025-01-27\nvalue_usd = -1e9\n'
        'event_id = "e2"\n',
        "{f}: claims[0].event_id: unknown event id 'e2'; use one of 'e1'.",
    ),
    "claim with a misspelt event id": (
        BASE.replace('id = "e1"', 'id = "selloff"')
        + '\n[[claims]]\nid = "c"\ntickers = ["AAA"]\ndate = 2025-01-27\nvalue_usd = -1e9\n'
        'event_id = "sell-off"\n',
        "{f}: claims[0].event_id: unknown event id 'sell-off'; did you mean 'selloff'?",
    ),
    "claim with unknown ticker": (
        BASE + '\n[[claims]]\nid = "c"\ntickers = ["AAA", "TSLA"]\ndate = 2025-01-27\n'
        "value_usd = -1e9\n",
        "{f}: claims[0].tickers: ticker 'TSLA' is not in the study; add it to [study] tickers or "
        "to an event's tickers.",
    ),
    "claim value not a number": (
        BASE
        + '\n[[claims]]\nid = "c"\ntickers = ["AAA"]\ndate = 2025-01-27\nvalue_usd = "-589B"\n',
        "{f}: claims[0].value_usd: '-589B' is not a number; give US dollars as a number, e.g. "
        "-589e9.",
    ),
    "claim missing fields": (
        BASE + '\n[[claims]]\nid = "c"\n',
        '{f}: claims[0].tickers: is missing; add tickers = ["NVDA"] to this claim.',
    ),
    "bad kind": (
        BASE + 'kind = "confunder"\n',
        "{f}: events[0].kind: 'confunder' is not a valid kind; use 'event' or 'confounder'.",
    ),
    "missing study name": (
        BASE.replace('name = "t"\n', ""),
        '{f}: study.name: is missing; add name = "my-study" under [study].',
    ),
    "empty study name": (
        BASE.replace('name = "t"', 'name = ""'),
        "{f}: study.name: is empty; give a non-empty text.",
    ),
    "missing study table": (
        '[[events]]\nid = "e1"\ndate = 2025-01-27\ntickers = ["A"]\n',
        '{f}: study: the [study] table is missing; add [study] with at least name = "...".',
    ),
    "missing events": (
        '[study]\nname = "t"\ntickers = ["A"]\n',
        "{f}: events: no [[events]] given; add at least one [[events]] table with id and date.",
    ),
    "missing event id": (
        BASE.replace('id = "e1"\n', ""),
        '{f}: events[0].id: is missing; add id = "short-name" to this event.',
    ),
    "missing event date": (
        BASE.replace("date = 2025-01-27\n", ""),
        "{f}: events[0].date: is missing; add date = YYYY-MM-DD to this event.",
    ),
    "no tickers anywhere": (
        BASE.replace('tickers = ["AAA", "BBB"]\n', ""),
        "{f}: events[0].tickers: this event has no tickers and [study] has no tickers; add "
        "tickers = [...] to the event or to [study].",
    ),
    "ticker with a space": (
        BASE.replace('"BBB"', '"B B"'),
        "{f}: study.tickers[1]: 'B B' is not a ticker; write tickers as text without spaces, "
        'e.g. "NVDA".',
    ),
    "unknown calendar": (
        BASE.replace('name = "t"', 'name = "t"\ncalendar = "XNYZ"'),
        "{f}: study.calendar: 'XNYZ' is not an exchange_calendars code; did you mean 'XNZE'?",
    ),
    "unknown exchange": (
        BASE + '\n[study.exchanges]\nAAA = "TOKYO"\n',
        "{f}: study.exchanges.AAA: 'TOKYO' is not an exchange_calendars code; use a code such as "
        "'XNYS' or 'XTKS'.",
    ),
    "bad share count": (
        BASE + "\n[study.shares]\nAAA = -5\n",
        "{f}: study.shares.AAA: -5 is not a share count; give a positive number, e.g. 24490000000.",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_message(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    path = write(tmp_path, text)
    sentence = expected.format(f=path)
    with pytest.raises(EventFileError) as info:
        load_events(path)
    assert sentence in info.value.problems, info.value.problems
    # the message is the first problem, plus a count of the others
    first = info.value.problems[0]
    n = len(info.value.problems) - 1
    tail = f" (and {n} more)." if n else ""
    assert str(info.value) == (first.rstrip(".") + tail if n else first)


def test_single_problem_message_is_exact(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + 'kind = "confunder"\n')
    expected = (
        f"{path}: events[0].kind: 'confunder' is not a valid kind; use 'event' or 'confounder'."
    )
    with pytest.raises(EventFileError, match=f"^{re.escape(expected)}$"):
        load_events(path)


def test_all_problems_in_one_pass(tmp_path: Path) -> None:
    text = """
[study]
name = ""
tikers = ["AAA"]
tickers = ["AAA"]
estimation = [-10, 0]

[[events]]
id = "e1"
date = "2025-02-30"
time = "9h30"
timezone = "Mars/Olympus"
kind = "news"

[[events]]
id = "e1"
date = 2025-01-28

[[claims]]
id = "c"
tickers = ["ZZZ"]
date = 2025-01-27
value_usd = -1e9
event_id = "nope"
"""
    path = write(tmp_path, text)
    with pytest.raises(
        EventFileError,
        match=r"study\.tikers: unknown field .tikers.; did you mean .tickers.\? \(and 9 more\)\.$",
    ) as info:
        load_events(path)
    locations = [p.split(": ")[1] for p in info.value.problems]
    assert locations == [
        "study.tikers",
        "study.name",
        "study.estimation",
        "events[0].date",
        "events[0].time",
        "events[0].timezone",
        "events[0].kind",
        "events[1].id",
        "claims[0].tickers",
        "claims[0].event_id",
    ]
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)


def test_find_problems_on_a_mapping() -> None:
    raw = {"study": {"name": "s", "tickers": ["A"]}, "events": [{"id": "e", "date": "2025-01-27"}]}
    assert find_problems(raw, "mem") == []
    raw["events"][0]["date"] = "nope"
    got = find_problems(raw, "mem")
    assert got == [
        Problem(
            "mem",
            "events[0].date",
            "'nope' is not a valid date; write it as YYYY-MM-DD, e.g. 2025-01-27",
        )
    ]
    assert str(got[0]) == (
        "mem: events[0].date: 'nope' is not a valid date; write it as YYYY-MM-DD, e.g. 2025-01-27."
    )


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[study]\nname = "t"\ntickers = ["A" "B"]\n')
    expected = f"{path}: line 3, column 16: invalid TOML (Unclosed array); fix the syntax there."
    with pytest.raises(EventFileError, match=f"^{re.escape(expected)}$"):
        load_events(path)


def test_toml_syntax_error_at_end(tmp_path: Path) -> None:
    path = write(tmp_path, "[study]\nname = ")
    with pytest.raises(
        EventFileError, match=r"t\.toml: end of file: invalid TOML \(Invalid value\)"
    ):
        load_events(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b'[study]\nname = "\xff"\n')
    with pytest.raises(EventFileError, match=r"t\.toml: byte 16: is not UTF-8 text"):
        load_events(path)


def test_empty_toml(tmp_path: Path) -> None:
    with pytest.raises(
        EventFileError, match=r"study: the \[study\] table is missing.*\(and 1 more\)"
    ):
        load_events(write(tmp_path, ""))
