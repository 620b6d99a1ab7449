"""The calendars the project documents, checked against public facts with the installed versions.

Issue 14 item 8: with pandas 3.1 and exchange_calendars 4.13, five calendars failed to build (a
47,905-character "internal error") and XBOM silently lost its special Saturday sessions. Every
expected session or holiday below is written by hand from the exchange's published schedule,
never read from exchange_calendars, so a wrong build (in any version) fails here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eventstudy import calendar as cal_module
from eventstudy.calendar import TradingCalendar, installed_versions
from eventstudy.errors import DataUnavailableError, InputError

pytestmark = pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")

# calendar -> (sessions, days without a session), from the exchanges' own notices
FACTS = {
    # NYSE: Independence Day, Carter national day of mourning, day after Thanksgiving (early close)
    "XNYS": (["2024-11-29", "2024-07-05"], ["2024-07-04", "2025-01-09", "2025-04-18"]),
    "XNAS": (["2024-11-29"], ["2024-07-04", "2025-01-09"]),
    # JPX: year-end holidays 12-31 to 01-03, Coming of Age Day 2025-01-13
    "XTKS": (["2025-01-06", "2024-12-30"], ["2024-12-31", "2025-01-02", "2025-01-13"]),
    # LSE: Christmas, Boxing Day, Good Friday and Easter Monday 2025
    "XLON": (
        ["2024-12-24", "2025-04-17"],
        ["2024-12-25", "2024-12-26", "2025-04-18", "2025-04-21"],
    ),
    # HKEX: Lunar New Year 2025 (29-31 Jan), the eve is a half-day session
    "XHKG": (["2025-01-28", "2025-02-03"], ["2025-01-29", "2025-01-30", "2025-01-31"]),
    # Euronext Amsterdam: Good Friday, Easter Monday 2025, Boxing Day
    "XAMS": (["2025-04-17", "2025-04-22"], ["2025-04-18", "2025-04-21", "2024-12-26"]),
    # BSE: special Saturday sessions (2024-01-20 before the 22 Jan holiday; Budget day 2025-02-01)
    "XBOM": (["2024-01-20", "2025-02-01", "2024-01-19"], ["2024-01-22", "2024-01-27"]),
}

# calendars exchange_calendars 4.13.2 cannot build under pandas 3.1: right sessions or one sentence
UPSTREAM = {
    # Orthodox Easter 2024 was 5 May: Good Friday 3 May and Easter Monday 6 May closed in Athens
    "ASEX": (["2024-05-02", "2024-05-07"], ["2024-05-03", "2024-05-06"]),
    "XBSE": (["2024-05-07"], ["2024-05-06"]),
    "XBEL": (["2024-05-07"], ["2024-05-06"]),
    "XCYS": (["2024-05-08"], ["2024-05-06"]),
    # TASE traded Sunday to Thursday until January 2026
    "XTAE": (["2025-01-05", "2025-01-09"], ["2025-01-10", "2025-01-11"]),
}


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # build from exchange_calendars in this process, not from a file an older version wrote
    monkeypatch.setenv("EVENTSTUDY_CALENDAR_CACHE", "0")


def assert_facts(cal: TradingCalendar, sessions: list[str], closed: list[str]) -> None:
    assert [d for d in sessions if not cal.is_session(d)] == []
    assert [d for d in closed if cal.is_session(d)] == []


@pytest.mark.parametrize("name", sorted(FACTS))
def test_documented_calendars_have_the_published_sessions(name: str) -> None:
    assert_facts(TradingCalendar(name), *FACTS[name])


def test_xbom_saturday_sessions_count_in_windows() -> None:
    bse = TradingCalendar("XBOM")
    assert bse.align("2024-01-20") == pd.Timestamp("2024-01-20")
    # Fri 19 Jan, Sat 20 Jan, (Mon 22 Jan closed), Tue 23 Jan
    assert list(bse.window("2024-01-20", -1, 1)) == list(
        pd.to_datetime(["2024-01-19", "2024-01-20", "2024-01-23"])
    )
    close = pd.Timestamp(bse._data.close_ns[bse._data.sessions.get_loc("2024-01-20")], tz="UTC")
    assert close.tz_convert("Asia/Kolkata").strftime("%H:%M") == "15:30"  # the regular close


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_a_calendar_upstream_cannot_build_is_right_or_one_sentence(name: str) -> None:
    if name not in cal_module.calendar_names():  # XBEL came after exchange_calendars 4.11.2
        pytest.skip(f"{name} is not in the installed exchange_calendars")
    cal_module._load.cache_clear()
    try:
        cal = TradingCalendar(name)
    except DataUnavailableError as exc:
        message = str(exc)
        assert len(message) < 300 and "\n" not in message
        assert message.startswith(f"calendar {name!r} cannot be built by {installed_versions()}")
        assert "upstream incompatibility, not an eventstudy bug" in message
        assert message.endswith('or set calendar = "data".')
        assert isinstance(exc, InputError) and exc.field == "calendar" and exc.value == name
        assert pd.__version__.startswith("3.")  # the known failure is pandas 3's
    else:
        assert_facts(cal, *UPSTREAM[name])


def test_installed_versions_names_both_libraries() -> None:
    from importlib.metadata import version

    assert installed_versions() == (
        f"exchange_calendars {version('exchange_calendars')} with pandas {pd.__version__}"
    )


def test_the_cli_names_an_upstream_failure_in_one_sentence_and_exits_2(tmp_path) -> None:
    # issue 14 item 8: calendar = "XTAE" exited 1 with a 47,905-character "internal error"
    from typer.testing import CliRunner

    from eventstudy import cli

    cal_module._load.cache_clear()
    study = tmp_path / "tase.toml"
    study.write_text(
        '[study]\nname = "tase"\ntickers = ["TEVA.TA"]\nmarket = "TA35.TA"\ncalendar = "XTAE"\n\n'
        '[[events]]\nid = "e"\ndate = 2024-06-03\n',
        encoding="utf-8",
    )
    prices = tmp_path / "prices.csv"
    prices.write_text("date,TEVA.TA,TA35.TA\n2024-06-03,1.0,1.0\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli.app, ["run", str(study), "--prices", str(prices), "--out", str(tmp_path / "o")]
    )
    try:
        TradingCalendar("XTAE")
    except DataUnavailableError as exc:
        assert res.exit_code == 2, res.output
        assert str(exc) in " ".join(res.output.split())
        assert "internal error" not in res.output and len(res.output) < 400
    else:  # an exchange_calendars that builds XTAE: the run goes on to the prices
        assert "cannot be built" not in res.output
