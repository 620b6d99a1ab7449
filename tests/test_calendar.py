"""TradingCalendar: alignment rules, early closes, other exchanges, windows, vectorised alignment.

Expected sessions are written by hand from the published NYSE/JPX holiday schedules.
exchange_calendars is used only as *data* (its session list and close times), never as the code
under test: the property tests compare our answers with its raw ``sessions``/``closes`` arrays.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.calendar import TradingCalendar
from eventstudy.errors import InputError
from eventstudy.events.schema import Event

T = pd.Timestamp

# exchange_calendars 4.13 trips a pandas 3.1 deprecation while building calendars (not ours).
pytestmark = pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")


@pytest.fixture(scope="module")
def nyse() -> TradingCalendar:
    return TradingCalendar("XNYS")


@pytest.fixture(scope="module")
def tokyo() -> TradingCalendar:
    return TradingCalendar("XTKS")


@pytest.fixture(scope="module")
def raw_nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start="2015-01-01", end="2026-06-30")


# -- date-only alignment --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("date", "day0"),
    [
        ("2024-12-26", "2024-12-26"),  # DeepSeek-V3: a Thursday session
        ("2024-12-25", "2024-12-26"),  # Christmas
        ("2025-01-20", "2025-01-21"),  # R1 on Martin Luther King Jr. Day
        ("2025-01-26", "2025-01-27"),  # Sunday
        ("2025-01-25", "2025-01-27"),  # Saturday
        ("2025-01-27", "2025-01-27"),
        ("2025-01-09", "2025-01-10"),  # national day of mourning for President Carter
        ("2025-04-18", "2025-04-21"),  # Good Friday
    ],
)
def test_align_date_only(nyse: TradingCalendar, date: str, day0: str) -> None:
    assert nyse.align(date) == T(day0)
    assert nyse.align(dt.date.fromisoformat(date)) == T(day0)


def test_align_returns_tz_naive_labels(nyse: TradingCalendar) -> None:
    got = nyse.align("2025-01-26")
    assert got.tzinfo is None and got == got.normalize()


# -- alignment with a time of day -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("date", "time", "day0"),
    [
        ("2025-01-27", "08:00", "2025-01-27"),  # before the open -> that session
        ("2025-01-27", "09:30", "2025-01-27"),
        ("2025-01-27", "15:59", "2025-01-27"),  # during
        ("2025-01-27", "16:00", "2025-01-28"),  # at the close -> next
        ("2025-01-29", "16:05", "2025-01-30"),  # MSFT/META results after the close
        ("2025-01-24", "17:00", "2025-01-27"),  # Friday evening -> Monday
        ("2025-01-26", "10:00", "2025-01-27"),  # a time on a Sunday
        ("2025-01-20", "12:00", "2025-01-21"),  # a time on a holiday
        ("2024-11-29", "12:59", "2024-11-29"),  # day after Thanksgiving closes 13:00
        ("2024-11-29", "13:00", "2024-12-02"),
        ("2024-11-29", "14:00", "2024-12-02"),
        ("2024-12-24", "12:00", "2024-12-24"),  # Christmas Eve closes 13:00
        ("2024-12-24", "13:30", "2024-12-26"),  # ... and the 25th is a holiday
        ("2024-07-03", "13:00", "2024-07-05"),  # 3 July closes 13:00, 4 July holiday
    ],
)
def test_align_with_time_new_york(nyse: TradingCalendar, date: str, time: str, day0: str) -> None:
    assert nyse.align(date, dt.time.fromisoformat(time)) == T(day0)


def test_early_closes_in_the_data(raw_nyse: xcals.ExchangeCalendar) -> None:
    # The hand-written expectations above rely on these published early closes (13:00 ET).
    assert raw_nyse.closes[T("2024-11-29")] == T("2024-11-29 18:00", tz="UTC")
    assert raw_nyse.closes[T("2024-12-24")] == T("2024-12-24 18:00", tz="UTC")
    assert raw_nyse.closes[T("2024-11-27")] == T("2024-11-27 21:00", tz="UTC")


def test_other_time_zones(nyse: TradingCalendar) -> None:
    ams = "Europe/Amsterdam"
    assert nyse.align("2025-01-29", dt.time(7, 0), ams) == T("2025-01-29")  # 01:00 ET
    assert nyse.align("2025-01-29", dt.time(22, 30), ams) == T("2025-01-30")  # 16:30 ET
    # 23:30 in Los Angeles on Sunday is 02:30 Monday in New York: Monday's session.
    assert nyse.align("2025-01-26", dt.time(23, 30), "America/Los_Angeles") == T("2025-01-27")
    # 21:30 UTC on 2025-01-27 is 16:30 ET: after the close.
    assert nyse.align("2025-01-27", dt.time(21, 30), "UTC") == T("2025-01-28")
    # 20:59 UTC is 15:59 ET: during the session.
    assert nyse.align("2025-01-27", dt.time(20, 59), "UTC") == T("2025-01-27")


def test_daylight_saving_time(nyse: TradingCalendar) -> None:
    # In July New York is UTC-4: the close is 20:00 UTC.
    assert nyse.align("2024-07-10", dt.time(19, 59), "UTC") == T("2024-07-10")
    assert nyse.align("2024-07-10", dt.time(20, 0), "UTC") == T("2024-07-11")


def test_tokyo_versus_new_york(nyse: TradingCalendar, tokyo: TradingCalendar) -> None:
    # 09:00 in New York on 2025-01-27 is 23:00 in Tokyo, after Tokyo's close that day.
    assert nyse.align("2025-01-27", dt.time(9, 0)) == T("2025-01-27")
    assert tokyo.align("2025-01-27", dt.time(9, 0)) == T("2025-01-28")
    # 20:00 New York on Sunday 2025-01-26 is 10:00 Monday in Tokyo: during Monday's session.
    assert tokyo.align("2025-01-26", dt.time(20, 0)) == T("2025-01-27")
    assert nyse.align("2025-01-26", dt.time(20, 0)) == T("2025-01-27")
    # Local Tokyo times around the 15:30 close (extended from 15:00 on 2024-11-05).
    assert tokyo.align("2025-01-27", dt.time(15, 29), "Asia/Tokyo") == T("2025-01-27")
    assert tokyo.align("2025-01-27", dt.time(15, 30), "Asia/Tokyo") == T("2025-01-28")
    assert tokyo.align("2024-10-01", dt.time(15, 10), "Asia/Tokyo") == T("2024-10-02")
    # Japanese holidays: New Year break and Coming of Age Day (2025-01-13).
    assert tokyo.align("2025-01-01") == T("2025-01-06")
    assert tokyo.align("2025-01-13") == T("2025-01-14")


def test_tokyo_closes_in_the_data() -> None:
    raw = xcals.get_calendar("XTKS", start="2024-01-04", end="2025-12-30")
    assert raw.closes[T("2025-01-27")] == T("2025-01-27 06:30", tz="UTC")  # 15:30 JST
    assert raw.closes[T("2024-10-01")] == T("2024-10-01 06:00", tz="UTC")  # 15:00 JST


def test_align_event(nyse: TradingCalendar, tokyo: TradingCalendar) -> None:
    msft = Event(id="msft-q2", date=dt.date(2025, 1, 29), time=dt.time(16, 5))
    assert nyse.align_event(msft) == T("2025-01-30")
    asml = Event(id="a", date=dt.date(2025, 1, 29), time=dt.time(7), timezone="Europe/Amsterdam")
    assert nyse.align_event(asml) == T("2025-01-29")
    assert tokyo.align_event(Event(id="x", date=dt.date(2025, 1, 27), time=dt.time(9))) == T(
        "2025-01-28"
    )


# -- sessions, offsets, windows --------------------------------------------------------------------
def test_sessions_inclusive(nyse: TradingCalendar) -> None:
    got = nyse.sessions("2025-01-17", "2025-01-22")
    assert list(got) == [T("2025-01-17"), T("2025-01-21"), T("2025-01-22")]
    assert got.tz is None
    assert list(nyse.sessions("2025-01-08", "2025-01-10")) == [T("2025-01-08"), T("2025-01-10")]
    assert list(nyse.sessions("2025-01-25", "2025-01-26")) == []


def test_offset(nyse: TradingCalendar) -> None:
    assert nyse.offset("2025-01-27", -1) == T("2025-01-24")
    assert nyse.offset("2025-01-17", 1) == T("2025-01-21")
    assert nyse.offset("2025-01-27", 0) == T("2025-01-27")
    assert nyse.offset("2024-12-24", 1) == T("2024-12-26")
    assert nyse.offset("2025-01-27", 5) == T("2025-02-03")


def test_offset_of_a_non_session(nyse: TradingCalendar) -> None:
    with pytest.raises(
        InputError, match=r"^session 2025-01-26 is not a XNYS session; align it first"
    ):
        nyse.offset("2025-01-26", 1)


def test_window(nyse: TradingCalendar) -> None:
    assert list(nyse.window("2025-01-27", -1, 1)) == [
        T("2025-01-24"),
        T("2025-01-27"),
        T("2025-01-28"),
    ]
    assert list(nyse.window("2025-01-21", -2, 0)) == [
        T("2025-01-16"),
        T("2025-01-17"),
        T("2025-01-21"),
    ]
    assert list(nyse.window("2025-01-27", 0, 0)) == [T("2025-01-27")]
    with pytest.raises(InputError, match=r"window \(1, -1\) starts after it ends"):
        nyse.window("2025-01-27", 1, -1)


# -- errors -----------------------------------------------------------------------------------------
def test_unknown_calendar_lists_codes() -> None:
    with pytest.raises(
        InputError, match=r"^calendar 'XNYZ' is not an exchange_calendars code; use one of e\.g\. "
    ) as info:
        TradingCalendar("XNYZ")
    assert "XNYS" in str(info.value)


def test_dates_outside_the_calendar(nyse: TradingCalendar) -> None:
    with pytest.raises(
        InputError,
        match=r"^date 1980-01-02 is outside the XNYS calendar, which covers 1990-01-02 to ",
    ):
        nyse.align("1980-01-02")
    with pytest.raises(InputError, match=r"^date 2200-01-01 is outside the XNYS calendar"):
        nyse.align("2200-01-01")
    with pytest.raises(InputError, match=r"^date 2200-01-01 09:30 is outside the XNYS calendar"):
        nyse.align("2200-01-01", dt.time(9, 30))
    with pytest.raises(InputError, match=r"^start 1980-01-01 is outside the XNYS calendar"):
        nyse.sessions("1980-01-01", "2025-01-01")
    with pytest.raises(InputError, match=r"^-10000 sessions from 2025-01-27 falls outside"):
        nyse.offset("2025-01-27", -10_000)
    with pytest.raises(InputError, match=r"^date 1980-01-02 is outside the XNYS calendar"):
        nyse.align_many(["2025-01-27", "1980-01-02"])
    # beyond the nanosecond range (pandas 2 cannot read it as a date at all)
    with pytest.raises(InputError, match=r"^date 2263-01-01 is outside the XNYS calendar"):
        nyse.align_many([dt.date(2025, 1, 27), dt.date(2263, 1, 1)])


def test_unknown_time_zone(nyse: TradingCalendar) -> None:
    with pytest.raises(
        InputError,
        match=r"^timezone='America/New_Yrok' is not a known time zone; did you mean "
        r"'America/New_York'\?",
    ):
        nyse.align("2025-01-27", dt.time(9), "America/New_Yrok")


def test_bad_date_text(nyse: TradingCalendar) -> None:
    with pytest.raises(InputError, match=r"^date='soon' is not a date; write it as YYYY-MM-DD"):
        nyse.align("soon")


def test_calendars_are_cached_and_go_back_to_1990() -> None:
    a, b = TradingCalendar("XNYS"), TradingCalendar("XNYS")
    assert a._data is b._data
    assert a.first_session == T("1990-01-02")
    # Tokyo cannot be built before 1997 in exchange_calendars; we take its earliest.
    assert TradingCalendar("XTKS").first_session.year == 1997


# -- properties -------------------------------------------------------------------------------------
ZONES = ["America/New_York", "Asia/Tokyo", "Europe/London", "UTC", "America/Los_Angeles"]
RAW: dict[str, xcals.ExchangeCalendar] = {}


def raw(name: str) -> xcals.ExchangeCalendar:
    if name not in RAW:
        # starts well before the earliest generated day minus 300 sessions (2001 - 300 sessions),
        # so that the oracle's slice never runs off its start
        RAW[name] = xcals.get_calendar(name, start="1998-01-01", end="2026-06-30")
    return RAW[name]


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["XNYS", "XTKS", "XLON"]),
    day=st.dates(dt.date(2000, 1, 10), dt.date(2026, 5, 31)),
    time=st.none() | st.times(),
    zone=st.sampled_from(ZONES),
)
def test_aligned_day_is_a_session_never_before_the_news(
    name: str, day: dt.date, time: dt.time | None, zone: str
) -> None:
    data = raw(name)
    got = TradingCalendar(name).align(day, time, zone)
    assert got in data.sessions
    if time is None:
        assert got.date() >= day
        # no session strictly between the date and day 0
        assert len(data.sessions[(data.sessions >= T(day)) & (data.sessions < got)]) == 0
    else:
        instant = T(dt.datetime.combine(day, time), tz=zoneinfo.ZoneInfo(zone))
        local_day = instant.tz_convert(data.tz).tz_localize(None).normalize()
        assert got >= local_day  # never before the announcement date in exchange time
        assert data.closes[got] > instant  # the market was still to close after the news
        prev = data.sessions[data.sessions < got]
        if len(prev):
            assert data.closes[prev[-1]] <= instant  # ... and not a session earlier


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(dt.date(2001, 1, 1), dt.date(2025, 12, 31)),
    start=st.integers(-300, 20),
    length=st.integers(0, 60),
)
def test_window_has_exactly_the_requested_sessions(day: dt.date, start: int, length: int) -> None:
    cal = TradingCalendar("XNYS")
    end = start + length
    day0 = cal.align(day)
    got = cal.window(day0, start, end)
    assert len(got) == end - start + 1
    sessions = raw("XNYS").sessions
    i = sessions.get_loc(day0)
    assert list(got) == list(sessions[i + start : i + end + 1])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(dt.date(1990, 1, 2), dt.date(2026, 6, 30)), min_size=1, max_size=40))
def test_align_many_equals_align(days: list[dt.date]) -> None:
    cal = TradingCalendar("XNYS")
    many = cal.align_many(pd.Series(days))
    assert list(many) == [cal.align(d) for d in days]
    assert list(cal.align_many(np.array(days, dtype="datetime64[D]"))) == list(many)


def test_align_many_a_million_dates_quickly() -> None:
    import time

    rng = np.random.default_rng(1)
    days = pd.Series(T("1995-01-01") + pd.to_timedelta(rng.integers(0, 10_000, 1_000_000), "D"))
    cal = TradingCalendar("XNYS")
    start = time.perf_counter()
    got = cal.align_many(days)
    elapsed = time.perf_counter() - start
    assert len(got) == 1_000_000
    assert elapsed < 2.0, f"align_many of 1e6 dates took {elapsed:.2f}s"
    sample = rng.integers(0, 1_000_000, 20)
    assert [got[i] for i in sample] == [cal.align(days.iloc[i]) for i in sample]
