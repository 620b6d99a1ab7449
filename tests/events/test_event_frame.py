"""Firm-events from a DataFrame: the CSV checks, characteristics, the exchange column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy
from eventstudy.errors import EventFileError, InputError
from eventstudy.events import load_events
from eventstudy.events.load import events_from_frame


def test_frame_and_csv_file_give_the_same_events(tmp_path: Path) -> None:
    text = (
        "ticker,event_date,event_id,time,timezone,surprise,sector\n"
        "MSFT,2025-01-29,msft-q2,16:05,America/New_York,0.12,tech\n"
        "ASML,2025-01-29,asml-q4,07:00,Europe/Amsterdam,-0.5,semis\n"
        "TSM,2025-01-16,,,,,semis\n"
    )
    path = tmp_path / "earnings.csv"
    path.write_text(text, encoding="utf-8")
    frame = pd.DataFrame(
        {
            "ticker": ["MSFT", "ASML", "TSM"],
            "event_date": pd.to_datetime(["2025-01-29", "2025-01-29", "2025-01-16"]),
            "event_id": ["msft-q2", "asml-q4", None],
            "time": ["16:05", "07:00", None],
            "timezone": ["America/New_York", "Europe/Amsterdam", None],
            "surprise": [0.12, -0.5, np.nan],
            "sector": ["tech", "semis", "semis"],
        }
    )
    from_file = load_events(path)
    from_frame = events_from_frame(frame, name="earnings")
    assert from_frame.events == from_file.events
    assert from_frame.tickers == from_file.tickers
    # the file's text column of numbers becomes numbers, like the frame's own floats
    expected = pd.DataFrame(
        {
            "event_id": ["msft-q2", "asml-q4", "TSM-2025-01-16"],
            "ticker": ["MSFT", "ASML", "TSM"],
            "surprise": [0.12, -0.5, np.nan],
            "sector": ["tech", "semis", "semis"],
        }
    )
    for got in (from_file.characteristics, from_frame.characteristics):
        assert got is not None
        assert got["event_id"].tolist() == expected["event_id"].tolist()
        assert got["ticker"].tolist() == expected["ticker"].tolist()
        np.testing.assert_array_equal(got["surprise"].to_numpy(float), expected["surprise"])
        assert got["sector"].tolist() == expected["sector"].tolist()


def test_permnos_dates_and_case_insensitive_columns() -> None:
    frame = pd.DataFrame(
        {
            "Ticker": [10107, 14593],
            "Event_Date": [dt.date(2025, 1, 27), dt.date(2025, 1, 28)],
        }
    )
    events = events_from_frame(frame)
    assert [e.tickers for e in events.events] == [("10107",), ("14593",)]
    assert [e.id for e in events.events] == ["10107-2025-01-27", "14593-2025-01-28"]
    assert events.characteristics is None


def test_a_frame_without_ticker_names_the_column_and_the_fix() -> None:
    frame = pd.DataFrame({"symbol2": ["NVDA"], "event_date": ["2025-01-27"]})
    with pytest.raises(EventFileError) as info:
        EventStudy.from_frame(frame)
    assert str(info.value) == (
        "events DataFrame: columns: required column 'ticker' is missing; the frame has columns "
        "symbol2, event_date; name the firm column ticker and the date column event_date."
    )
    assert isinstance(info.value, InputError)


def test_unparseable_string_dates_name_row_value_and_format() -> None:
    frame = pd.DataFrame(
        {"ticker": ["A", "B", "C"], "event_date": ["2025-01-02", "27/01/2025", "soon"]}
    )
    with pytest.raises(EventFileError) as info:
        events_from_frame(frame)
    assert info.value.problems == [
        "events DataFrame: row 1: event_date '27/01/2025' is not a valid date; write it as "
        "YYYY-MM-DD, e.g. 2025-01-27.",
        "events DataFrame: row 2: event_date 'soon' is not a valid date; write it as "
        "YYYY-MM-DD, e.g. 2025-01-27.",
    ]


def test_a_time_of_day_in_the_date_column_is_refused() -> None:
    frame = pd.DataFrame({"ticker": ["A"], "event_date": pd.to_datetime(["2025-01-02 16:05"])})
    with pytest.raises(InputError, match=r"column 'event_date' holds a time of day .*'time'"):
        events_from_frame(frame)


def test_not_a_frame() -> None:
    with pytest.raises(InputError, match=r"events must be a pandas DataFrame .* got list"):
        events_from_frame([("A", "2025-01-02")])  # type: ignore[arg-type]


def test_typos_synonyms_and_output_names_are_refused() -> None:
    frame = pd.DataFrame(
        {
            "ticker": ["A"],
            "event_date": ["2025-01-02"],
            "timezon": ["UTC"],
            "tz": ["UTC"],
            "car": [1.0],
        }
    )
    with pytest.raises(EventFileError) as info:
        events_from_frame(frame)
    assert info.value.problems == [
        "events DataFrame: columns: unknown column 'timezon'; did you mean 'timezone'?",
        "events DataFrame: columns: unknown column 'tz'; did you mean 'timezone'?",
        "events DataFrame: columns: column 'car' has the name of an output column; rename it, "
        "e.g. 'car_input', to keep it as a characteristic.",
    ]


def test_exchange_column_sets_each_tickers_calendar() -> None:
    frame = pd.DataFrame(
        {
            "ticker": ["RELIANCE.BO", "NVDA", "RELIANCE.BO"],
            # 2024-01-26: Republic Day, the Bombay exchange is closed; New York trades
            "event_date": ["2024-01-26", "2024-01-26", "2024-03-08"],
            "exchange": ["XBOM", "", "XBOM"],
        }
    )
    events = events_from_frame(frame)
    assert events.exchanges == {"RELIANCE.BO": "XBOM"}


def test_exchange_problems() -> None:
    frame = pd.DataFrame(
        {
            "ticker": ["A", "A", "B"],
            "event_date": ["2024-01-26", "2024-02-26", "2024-01-26"],
            "exchange": ["XBOM", "XNYS", "xbom"],
        }
    )
    with pytest.raises(EventFileError) as info:
        events_from_frame(frame)
    assert info.value.problems == [
        "events DataFrame: row 1: ticker 'A' has exchange 'XNYS' here but 'XBOM' on an "
        "earlier row; give each ticker one exchange.",
        "events DataFrame: row 2: exchange 'xbom' is not an exchange_calendars code; did you "
        "mean 'XBOM'?",
    ]
