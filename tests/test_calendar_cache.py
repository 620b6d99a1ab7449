"""The on-disk calendar cache: it serves exactly the calendar exchange_calendars builds, or nothing.

exchange_calendars is the oracle: a calendar read from the cache must equal the one it builds
(session labels with their frequency, closes, zone). Each test points the cache at its own folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from eventstudy import calendar as cal_module
from eventstudy.errors import InputError

pytestmark = pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder, read although this process has imported exchange_calendars."""
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path))
    monkeypatch.delenv("EVENTSTUDY_CALENDAR_CACHE", raising=False)
    monkeypatch.setattr(cal_module, "_library_loaded", lambda: False)
    return tmp_path / "calendars"


def load(name: str) -> cal_module._CalendarData:
    """A fresh load, past the per-process memo."""
    return cal_module._load.__wrapped__(name)


def assert_same_as_exchange_calendars(data: cal_module._CalendarData, name: str) -> None:
    raw = xcals.get_calendar(name, start="1990-01-01")
    assert data.sessions.equals(pd.DatetimeIndex(raw.sessions))
    assert data.sessions.freq == raw.sessions.freq
    closes = pd.DatetimeIndex(raw.closes).tz_convert("UTC").as_unit("ns").asi8
    assert np.array_equal(data.close_ns, closes)
    assert data.tz.key == str(raw.tz) and data.name == raw.name


def test_a_second_load_reads_the_same_calendar_from_the_file(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load("XNYS")
    assert (cache / "XNYS.npz").is_file()

    def no_build(name: str) -> None:
        raise AssertionError(f"{name} was built, not read")

    monkeypatch.setattr(cal_module, "_build", no_build)
    second = load("XNYS")
    assert_same_as_exchange_calendars(second, "XNYS")
    assert second.sessions.equals(first.sessions) and second.first == first.first
    assert second.last == first.last


def test_an_alias_is_cached_under_its_own_name(cache: Path) -> None:
    load("NYSE")
    data = load("NYSE")
    assert (cache / "NYSE.npz").is_file() and data.name == "XNYS"
    assert_same_as_exchange_calendars(data, "XNYS")


@pytest.mark.parametrize(
    ("what", "value"), [("_today_end", "2099-01-01"), ("_library_version", "another install")]
)
def test_a_file_for_another_day_or_version_is_not_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch, what: str, value: str
) -> None:
    load("XNYS")
    calls = []
    real = cal_module._build

    def build(name: str) -> tuple[cal_module._CalendarData, str | None]:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(cal_module, "_build", build)
    monkeypatch.setattr(cal_module, what, lambda: value)
    load("XNYS")
    assert calls == ["XNYS"]


def replace_sessions(path: Path, sessions: np.ndarray) -> None:
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["sessions"] = sessions
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a zip file"),
        lambda p: p.write_bytes(p.read_bytes()[:1000]),  # cut short
        lambda p: replace_sessions(p, np.arange(3, dtype=np.int64)),  # closes no longer match
        lambda p: replace_sessions(p, np.load(p)["sessions"][::-1].copy()),  # not increasing
    ],
)
def test_a_damaged_file_is_rebuilt(cache: Path, damage) -> None:
    load("XNYS")
    damage(cache / "XNYS.npz")
    assert_same_as_exchange_calendars(load("XNYS"), "XNYS")
    # the rebuild wrote a good file again
    assert_same_as_exchange_calendars(cal_module._read_cache("XNYS"), "XNYS")


def test_the_cache_can_be_switched_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTSTUDY_CALENDAR_CACHE", "0")
    load("XNYS")
    assert not cache.exists()


def test_an_unwritable_folder_costs_only_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(blocker))
    monkeypatch.setattr(cal_module, "_library_loaded", lambda: False)
    assert_same_as_exchange_calendars(load("XNYS"), "XNYS")


def test_an_unknown_calendar_still_fails_and_leaves_no_file(cache: Path) -> None:
    with pytest.raises(InputError, match="not an exchange_calendars code"):
        load("XNYZ")
    assert not (cache / "XNYZ.npz").exists()


def test_not_read_once_exchange_calendars_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # calendars registered at run time are invisible to a file: the library decides then
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path))
    load("XNYS")  # writes the file
    assert (tmp_path / "calendars" / "XNYS.npz").is_file()
    assert cal_module._read_cache("XNYS") is None


def test_a_fresh_process_with_a_warm_cache_does_not_import_exchange_calendars(
    tmp_path: Path,
) -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from eventstudy.calendar import TradingCalendar
        cal = TradingCalendar("XNYS")
        days = cal.sessions("2024-12-20", "2025-01-31")
        print(json.dumps({
            "loaded": "exchange_calendars" in sys.modules,
            "days": [str(d.date()) for d in days],
            "freq": type(days.freq).__name__,
            "day0": str(cal.align("2025-01-20").date()),
        }))
        """
    )
    env = {**os.environ, "EVENTSTUDY_CACHE": str(tmp_path)}
    env.pop("EVENTSTUDY_CALENDAR_CACHE", None)
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[0]["loaded"] and not runs[1]["loaded"]
    raw = xcals.get_calendar("XNYS", start="2024-01-01", end="2025-12-31")
    expected = [str(d.date()) for d in raw.sessions_in_range("2024-12-20", "2025-01-31")]
    assert runs[0]["days"] == runs[1]["days"] == expected
    assert runs[1]["freq"] == "CustomBusinessDay" and runs[1]["day0"] == "2025-01-21"
