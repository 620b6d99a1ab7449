"""The CSV form: one firm-event per row, grouping by event_id, located problems, speed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import pickle
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.errors import EventFileError
from eventstudy.events import Event, EventSet, load_events

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "earnings.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-02-26\nAAPL,2025-01-30\n")
    assert load_events(path) == EventSet(
        name="earnings",
        events=(
            Event(id="NVDA-2025-02-26", date=dt.date(2025, 2, 26), tickers=("NVDA",)),
            Event(id="AAPL-2025-01-30", date=dt.date(2025, 1, 30), tickers=("AAPL",)),
        ),
        tickers=("NVDA", "AAPL"),
        source=str(path),
    )


def test_header_is_case_insensitive_and_optional_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Ticker, Event_Date ,EVENT_ID,Time,TimeZone\n"
        "MSFT,2025-01-29,msft,16:05,\n"
        "ASML,2025-01-29,asml,07:00,Europe/Amsterdam\n"
        "TSM,2025-01-16,,,\n",
    )
    ev = load_events(path)
    assert [e.id for e in ev.events] == ["msft", "asml", "TSM-2025-01-16"]
    assert ev.events[0].time == dt.time(16, 5)
    assert ev.events[0].timezone == "America/New_York"
    assert ev.events[1].timezone == "Europe/Amsterdam"
    assert ev.events[2].time is None


def test_rows_sharing_an_event_id_group_into_one_event(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ticker,event_date,event_id\n"
        "NVDA,2025-01-27,shock\n"
        "AAPL,2025-01-30,aapl\n"
        "AVGO,2025-01-27,shock\n"
        "TSM,2025-01-27,shock\n",
    )
    ev = load_events(path)
    assert ev.events == (
        Event(id="shock", date=dt.date(2025, 1, 27), tickers=("NVDA", "AVGO", "TSM")),
        Event(id="aapl", date=dt.date(2025, 1, 30), tickers=("AAPL",)),
    )
    assert ev.tickers == ("NVDA", "AAPL", "AVGO", "TSM")


def test_example_file(tmp_path: Path) -> None:
    ev = load_events(REPO / "events" / "example_earnings.csv")
    assert ev.name == "example_earnings"
    assert len(ev.events) == 8
    assert all(e.kind == "event" and len(e.tickers or ()) == 1 for e in ev.events)


def test_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-01-27\n\nAAPL,2025-01-3\n")
    expected = (
        f"{path}: line 4: event_date '2025-01-3' is not a valid date; write it as YYYY-MM-DD, "
        "e.g. 2025-01-27."
    )
    with pytest.raises(EventFileError, match=f"^{re.escape(expected)}$"):
        load_events(path)


def test_every_row_problem_in_one_pass(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ticker,event_date,event_id,time,timezone\n"
        "NVDA,2025-01-27,a,09:30,\n"  # line 2 fine
        ",2025-01-27,b,,\n"  # line 3 empty ticker
        "AAPL,27.01.2025,c,,\n"  # line 4 bad date
        "MSFT,2025-01-29,d,4pm,\n"  # line 5 bad time
        "META,2025-01-29,e,16:05,Mars/Base\n"  # line 6 bad zone
        "NVDA,2025-01-27,a,09:30,\n"  # line 7 duplicate of line 2
        "AVGO,2025-01-28,a,09:30,\n",  # line 8 same event, other date
    )
    with pytest.raises(EventFileError, match=r"line 3: ticker is empty.* \(and 5 more\)\.$") as e:
        load_events(path)
    assert [p.removeprefix(f"{path}: ") for p in e.value.problems] == [
        "line 3: ticker is empty; give the firm's ticker, e.g. NVDA.",
        "line 4: event_date '27.01.2025' is not a valid date; write it as YYYY-MM-DD, "
        "e.g. 2025-01-27.",
        "line 5: time '4pm' is not a time of day; write it as HH:MM (24-hour), e.g. 16:05.",
        "line 6: unknown time zone 'Mars/Base'; use an IANA name such as 'America/New_York'.",
        "line 7: ticker 'NVDA' is listed twice for event 'a'; remove the repeated row.",
        "line 8: event 'a' has event_date '2025-01-28' here but '2025-01-27' on its first row; "
        "give every row of an event the same value or a different event_id.",
    ]


def test_unknown_and_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "ticker,date,note\nNVDA,2025-01-27,x\n")
    with pytest.raises(EventFileError) as info:
        load_events(path)
    assert [p.removeprefix(f"{path}: ") for p in info.value.problems] == [
        "line 1: unknown column 'date'; did you mean 'event_date'?",
        "line 1: required column 'event_date' is missing; the header must name ticker,event_date.",
    ]


def test_empty_csv_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(
        EventFileError, match=r"line 1: the file is empty; start it with the header"
    ):
        load_events(write(tmp_path, ""))
    with pytest.raises(EventFileError, match=r"line 2: the file has no rows; add one row per"):
        load_events(write(tmp_path, "ticker,event_date\n", "h.csv"))


def test_too_many_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-01-27\nAAPL,2025-01-30,extra\n")
    with pytest.raises(EventFileError, match=r"line 3: has 3 fields but the header has 2"):
        load_events(path)


def test_hundred_thousand_rows_about_a_second(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    days = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), unit="D")
    tickers = np.array([f"T{i % 3000}" for i in range(n)])
    ids = np.array([f"e{i}" for i in range(n)])
    frame = pd.DataFrame(
        {"ticker": tickers, "event_date": days.strftime("%Y-%m-%d"), "event_id": ids}
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    ev = load_events(path)
    elapsed = time.perf_counter() - start
    assert len(ev.events) == n
    assert ev.events[123].date == days[123].date() and ev.events[123].tickers == (tickers[123],)
    assert elapsed < 3.0, f"100k rows took {elapsed:.2f}s"


def test_repeated_ticker_date_without_event_id_names_the_derived_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ticker,event_date,time\n"
        "NVDA,2025-01-27,09:30\n"
        "NVDA,2025-01-27,16:00\n"  # line 3: same ticker and day, so the same derived id
        "AAPL,2025-13-01,\n",  # line 4: no 13th month
    )
    with pytest.raises(EventFileError) as info:
        load_events(path)
    assert [p.removeprefix(f"{path}: ") for p in info.value.problems] == [
        "line 3: ticker 'NVDA' is listed twice for event 'NVDA-2025-01-27'; remove the "
        "repeated row.",
        "line 3: event 'NVDA-2025-01-27' has time '16:00' here but '09:30' on its first row; "
        "give every row of an event the same value or a different event_id.",
        "line 4: event_date '2025-13-01' is not a valid date; write it as YYYY-MM-DD, "
        "e.g. 2025-01-27.",
    ]


def test_problems_of_repeated_values_are_reported_on_every_line(tmp_path: Path) -> None:
    # the checks run once per distinct value; every line holding a bad value is still named
    path = write(
        tmp_path,
        "ticker,event_date,timezone\n"
        "A B,2025-01-27,Mars/Base\n"
        "NVDA,2025-02-30,\n"
        "A B,2025-02-30,Mars/Base\n",
    )
    with pytest.raises(EventFileError) as info:
        load_events(path)
    assert [p.removeprefix(f"{path}: ") for p in info.value.problems] == [
        "line 2: ticker 'A B' holds a space or separator; write one ticker per row.",
        "line 2: unknown time zone 'Mars/Base'; use an IANA name such as 'America/New_York'.",
        "line 3: event_date '2025-02-30' is not a valid date; write it as YYYY-MM-DD, "
        "e.g. 2025-01-27.",
        "line 4: ticker 'A B' holds a space or separator; write one ticker per row.",
        "line 4: event_date '2025-02-30' is not a valid date; write it as YYYY-MM-DD, "
        "e.g. 2025-01-27.",
        "line 4: unknown time zone 'Mars/Base'; use an IANA name such as 'America/New_York'.",
    ]


def test_csv_events_are_ordinary_events(tmp_path: Path) -> None:
    # The CSV loader fills the frozen dataclass without its __init__; the result must be
    # indistinguishable from a constructed Event.
    path = write(
        tmp_path, "ticker,event_date,time,timezone\nASML,2025-01-29,07:00,Europe/Amsterdam\n"
    )
    got = load_events(path).events[0]
    want = Event(
        id="ASML-2025-01-29",
        date=dt.date(2025, 1, 29),
        time=dt.time(7, 0),
        timezone="Europe/Amsterdam",
        tickers=("ASML",),
    )
    assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
    assert list(vars(got).items()) == list(vars(want).items())
    assert pickle.loads(pickle.dumps(got)) == want
    assert dataclasses.replace(got, title="x") == dataclasses.replace(want, title="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.id = "other"  # type: ignore[misc]


def test_csv_events_go_through_the_constructor_when_it_does_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventstudy.events.load as load_module

    built: list[str] = []

    @dataclasses.dataclass(frozen=True)
    class Checked(Event):
        def __post_init__(self) -> None:
            built.append(self.id)

    monkeypatch.setattr(load_module, "Event", Checked)
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-02-26\nAAPL,2025-01-30\n")
    events = load_events(path).events
    assert built == ["NVDA-2025-02-26", "AAPL-2025-01-30"]
    assert all(type(e) is Checked for e in events)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_was(tmp_path: Path, enabled: bool) -> None:
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-02-26\n")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        load_events(path)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_loading_keeps_objects_the_application_froze(tmp_path: Path) -> None:
    path = write(tmp_path, "ticker,event_date\nNVDA,2025-02-26\n")
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        load_events(path)
        # none thawed, none added (a few frozen objects may have been freed meanwhile)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
