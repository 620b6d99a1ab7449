"""Trading calendars: which days are sessions, and on which session news lands (day 0).

A thin layer over `exchange_calendars <https://github.com/gerrymanoim/exchange_calendars>`_. Every
window of the study (estimation and event windows) is counted in sessions of one of these calendars.

Alignment rule (documented in ``docs/events.md``): day 0 is the first session whose market could
react to the news.

* Without a time of day, day 0 is the announcement date if it is a session, else the next session.
* With a time of day, the announcement instant is converted to the exchange's time zone; day 0 is
  the first session whose *actual* close (early closes included) is strictly after that instant.
  News before or during a session lands on that session; news at or after its close, or on a day
  without a session, lands on the next session.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import os
import sys
import threading
import warnings
import zoneinfo
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from ._io import atomic_write, user_cache_root
from ._types import DateLike
from .errors import DataUnavailableError, InputError

if TYPE_CHECKING:
    from .events.schema import Event

__all__ = [
    "TradingCalendar",
    "calendar_names",
    "check_timezone",
    "is_calendar_name",
    "DEFAULT_START",
    "DATA_CALENDAR",
]

DATA_CALENDAR = "data"
"""Calendar name whose sessions are the benchmark's own trading days (see
:meth:`TradingCalendar.from_sessions`): synthetic panels, non-exchange assets, 7-day markets."""

DEFAULT_START = pd.Timestamp("1990-01-01")
"""Earliest date asked of exchange_calendars (later where a calendar cannot go back that far)."""

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def calendar_names() -> tuple[str, ...]:
    """Codes and aliases exchange_calendars knows, sorted (e.g. ``XNYS``, ``NYSE``, ``XTKS``)."""
    import exchange_calendars as xcals

    return tuple(sorted(xcals.get_calendar_names(include_aliases=True)))


def is_calendar_name(code: str) -> bool:
    """Whether exchange_calendars knows ``code`` (a code or an alias).

    A calendar held by the on-disk cache is known without importing exchange_calendars: the
    import alone would make this process ignore the cache and build the calendar again.
    """
    if _read_cache(code) is not None:  # only calendars exchange_calendars built are cached
        return True
    return code in calendar_names()


@functools.lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: object) -> str | None:
    """Return ``None`` when ``name`` is a known IANA zone, else the reason it is not.

    Parameters
    ----------
    name
        Candidate time-zone name, e.g. ``"America/New_York"``.

    Returns
    -------
    str or None
        ``None`` when valid; otherwise a short fix including a close match when one exists.
    """
    if isinstance(name, str) and name in _timezones():
        return None
    close = difflib.get_close_matches(str(name), sorted(_timezones()), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "use an IANA name such as 'America/New_York'."


def _unknown_calendar(name: str) -> InputError:
    names = calendar_names()
    close = difflib.get_close_matches(name.upper(), names, n=3)
    examples = ", ".join(close or ["XNYS", "XNAS", "XLON", "XTKS", "XHKG", "XAMS"])
    return InputError(
        f"calendar {name!r} is not an exchange_calendars code; use one of e.g. {examples} "
        f"(exchange_calendars.get_calendar_names() lists all {len(names)}).",
        field="calendar",
        value=name,
    )


class _CalendarData:
    """Session labels and closes of one calendar as int64 nanosecond arrays (for searchsorted).

    Parameters
    ----------
    name
        The calendar's own code (``XNYS`` for the alias ``NYSE``).
    tz
        IANA name of the exchange's time zone.
    sessions
        Session labels, tz-naive ``datetime64[ns]`` (with the calendar's frequency).
    close_ns
        Close of each session in UTC nanoseconds.
    """

    def __init__(
        self, name: str, tz: str, sessions: pd.DatetimeIndex, close_ns: np.ndarray
    ) -> None:
        self.name = name
        self.tz: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo(tz)
        self.sessions = sessions
        self.session_ns = self.sessions.asi8
        self.close_ns = close_ns
        self.first = self.sessions[0]
        self.last = self.sessions[-1]

    @classmethod
    def of(cls, cal: Any) -> _CalendarData:
        """The arrays of an exchange_calendars calendar."""
        sessions = pd.DatetimeIndex(cal.sessions)
        if sessions.tz is not None:  # exchange_calendars 4 labels are tz-naive; guard anyway
            sessions = sessions.tz_localize(None)
        closes = pd.DatetimeIndex(cal.closes)
        close_ns = closes.tz_convert("UTC").as_unit("ns").asi8
        return cls(str(cal.name), str(cal.tz), sessions.as_unit("ns"), close_ns)


@functools.cache
def _load(name: str) -> _CalendarData:
    """The calendar's arrays, built once per name and process (it takes a fraction of a second).

    They are read from the on-disk cache (:func:`_read_cache`) when it holds this calendar as
    exchange_calendars would build it today; otherwise exchange_calendars builds it and the cache
    is refreshed. exchange_calendars is imported only then, so that importing :mod:`eventstudy`
    (and ``eventstudy --help``) does not pay for it, nor does a run served from the cache.
    """
    cached = _read_cache(name)
    if cached is not None:
        return cached
    data, built_for = _build(name)
    if built_for is not None:
        _write_cache(name, data, built_for)
    return data


def _build(name: str) -> tuple[_CalendarData, str | None]:
    """Build the calendar with exchange_calendars; also the day its default range ends."""
    import exchange_calendars as xcals

    with _LOCK, warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values on tz-aware data, deprecated in pandas 3.1;
        # silence that one message here (it is not the user's to act on).
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        try:
            cal = _exchange_calendar(xcals, name)
        except xcals.errors.InvalidCalendarName:
            raise _unknown_calendar(name) from None
        except Exception as exc:  # noqa: BLE001 - every other failure is exchange_calendars'
            raise _upstream_error(name, exc) from exc
        data = _restore_special_sessions(cal, _CalendarData.of(cal))
    # exchange_calendars ends (and, for young calendars, starts) its calendars a fixed span from
    # the day it was imported: that day, with the versions, says which calendar this is
    end = getattr(getattr(xcals, "exchange_calendar", None), "GLOBAL_DEFAULT_END", None)
    return data, None if end is None else str(pd.Timestamp(end).date())


def _exchange_calendar(xcals: Any, name: str) -> Any:
    """The exchange_calendars calendar from 1990, or from as early as it allows."""
    try:
        return xcals.get_calendar(name, start=DEFAULT_START)
    except xcals.errors.InvalidCalendarName:
        raise
    except Exception:  # noqa: BLE001 - the calendar cannot start in 1990: go back as far as it allows
        default = xcals.get_calendar(name)  # a failure here is not about the start date
        bound = getattr(type(default), "bound_min", lambda: None)()
        if bound is not None and pd.Timestamp(bound) > DEFAULT_START:
            try:
                return xcals.get_calendar(name, start=pd.Timestamp(bound))
            except Exception:  # noqa: BLE001
                return default
        return default


def installed_versions() -> str:
    """``exchange_calendars X with pandas Y``: the versions a calendar was built with."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        xv = version("exchange_calendars")
    except PackageNotFoundError:  # pragma: no cover - a source checkout without metadata
        xv = "?"
    return f"exchange_calendars {xv} with pandas {pd.__version__}"


def _upstream_error(name: str, exc: BaseException) -> DataUnavailableError:
    """One sentence for a calendar exchange_calendars fails to build (not an eventstudy bug)."""
    fix = (
        "install pandas<3 (pip install 'pandas<3')"
        if int(pd.__version__.split(".")[0]) >= 3
        else "upgrade exchange_calendars"
    )
    return DataUnavailableError(
        f"calendar {name!r} cannot be built by {installed_versions()} ({type(exc).__name__}, "
        f'an upstream incompatibility, not an eventstudy bug); {fix} or set calendar = "data".',
        field="calendar",
        value=name,
    )


def _restore_special_sessions(cal: Any, data: _CalendarData) -> _CalendarData:
    """Add the sessions a calendar's own special weekmasks open but exchange_calendars dropped.

    Under pandas 3, exchange_calendars 4.13 lays sessions out with pandas' plain business day,
    which ignores its ``special_weekmasks`` (XBOM's Saturday sessions 2024-01-20 and 2025-02-01,
    XKRX's Saturdays before 1998). Each weekmask period carries its own numpy business-day
    calendar (weekmask and holidays), so the sessions it opens are recomputed from it.
    """
    periods = getattr(cal.day, "business_days", None)
    if not periods:
        return data
    opened = []
    for start, end, bday in periods:
        lo, hi = max(pd.Timestamp(start), data.first), min(pd.Timestamp(end), data.last)
        days = pd.date_range(lo, hi, freq="D") if lo <= hi else pd.DatetimeIndex([])
        if len(days):
            is_open = np.is_busday(days.values.astype("datetime64[D]"), busdaycal=bday.calendar)
            opened.append(days[is_open])
    if not opened:
        return data
    missing = opened[0].append(opened[1:]).unique().difference(data.sessions)
    if missing.empty:
        return data
    closes = []
    for day in missing:  # the regular close in force that day (a handful of days)
        times = [t for since, t in cal.close_times if since is None or pd.Timestamp(since) <= day]
        local = pd.Timestamp(dt.datetime.combine(day.date(), times[-1]), tz=str(cal.tz))
        closes.append(local.tz_convert("UTC").as_unit("ns").value)
    sessions = data.sessions.append(missing.as_unit("ns"))
    close_ns = np.concatenate([data.close_ns, np.array(closes, dtype=np.int64)])
    order = np.argsort(sessions.asi8, kind="stable")
    return _CalendarData(
        data.name, data.tz.key, pd.DatetimeIndex(sessions[order], freq=None), close_ns[order]
    )


# -- on-disk cache of built calendars ---------------------------------------------------------------
CACHE_FORMAT = 2
"""Version of the calendar cache files; a file of another version is rebuilt (2: special-weekmask
sessions restored, so an XBOM file written before lacks them)."""


def _cache_file(name: str) -> Path | None:
    """The cache file of calendar ``name``, or None when the cache is switched off.

    Files live in ``$EVENTSTUDY_CACHE/calendars`` (default ``~/.cache/eventstudy/calendars``);
    ``EVENTSTUDY_CALENDAR_CACHE=0`` switches the cache off.
    """
    if os.environ.get("EVENTSTUDY_CALENDAR_CACHE", "1").strip().lower() in (
        "0",
        "false",
        "no",
        "off",
    ):
        return None
    folder = user_cache_root() / "calendars"
    return folder / f"{quote(name, safe='-_').replace('.', '%2E') or '%00'}.npz"


def _cache_key(name: str, built_for: str) -> str:
    """Everything a cached calendar depends on, as one string.

    Its name, the start asked, the versions of exchange_calendars and pandas, and the day
    exchange_calendars dates its default range from.
    """
    return json.dumps(
        {
            "format": CACHE_FORMAT,
            "name": name,
            "start": str(DEFAULT_START.date()),
            "exchange_calendars": _library_version(),
            "pandas": pd.__version__,
            "end": built_for,
        },
        sort_keys=True,
    )


@functools.cache
def _library_version() -> str:
    """Where exchange_calendars is installed and its version, without importing it.

    The version comes from the package's generated ``_version.py`` (read as text; importing
    :mod:`importlib.metadata` costs more than the rest of a cache hit), else from the
    installed distribution's metadata.
    """
    import importlib.util

    spec = importlib.util.find_spec("exchange_calendars")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("exchange_calendars")
    folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        text = (folder / "_version.py").read_bytes()
        stamp = hashlib.sha256(text).hexdigest()
    except OSError:
        from importlib.metadata import version

        stamp = version("exchange_calendars")
    return f"{folder}:{stamp}"


def _today_end() -> str:
    """The end of exchange_calendars' default range if it were imported now (a year from today)."""
    return str((pd.Timestamp.now().floor("D") + pd.DateOffset(years=1)).date())


def _library_loaded() -> bool:
    """Whether this process has imported exchange_calendars already.

    It may then hold calendars registered at run time, which a cache file cannot know about, so
    the cache is not read.
    """
    return "exchange_calendars" in sys.modules


def _read_cache(name: str) -> _CalendarData | None:
    """The cached calendar ``name`` when it is exactly what exchange_calendars would build now."""
    path = _cache_file(name)
    if path is None or _library_loaded() or not path.is_file():
        return None
    try:
        key = _cache_key(name, _today_end())
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            return _unpack({field: stored[field] for field in stored.files})
    except Exception:  # noqa: BLE001 - any unreadable or inconsistent file is a miss
        return None


def _write_cache(name: str, data: _CalendarData, built_for: str) -> None:
    """Store ``data`` for later processes (best effort: a failure only costs the next build)."""
    path = _cache_file(name)
    if path is None:
        return
    try:
        arrays = _pack(data, _cache_key(name, built_for))
        if arrays is None:
            return
        back = _unpack(arrays)  # only what reads back as exactly the same calendar is stored
        if not (
            back.name == data.name
            and back.tz == data.tz
            and back.sessions.equals(data.sessions)
            and back.sessions.freq == data.sessions.freq
            and np.array_equal(back.close_ns, data.close_ns)
        ):
            return

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)

        atomic_write(path, write)
    except Exception:  # noqa: BLE001 - e.g. a read-only home folder
        return


def _pack(data: _CalendarData, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file; None for a session frequency the file cannot hold."""
    freq = data.sessions.freq
    if freq is None:
        weekmask, holidays = "", np.zeros(0, dtype=np.int64)
    elif (
        isinstance(freq, pd.offsets.CustomBusinessDay)
        and freq.n == 1
        and not freq.normalize
        and freq.offset == dt.timedelta(0)
    ):
        weekmask = str(freq.weekmask)
        holidays = np.array(freq.holidays, dtype="datetime64[D]").view(np.int64)
    else:
        return None
    return {
        "key": np.array(key),
        "name": np.array(data.name),
        "tz": np.array(str(data.tz.key)),
        "sessions": np.asarray(data.session_ns, dtype=np.int64),
        "closes": np.asarray(data.close_ns, dtype=np.int64),
        "weekmask": np.array(weekmask),
        "holidays": holidays,
    }


def _unpack(arrays: dict[str, np.ndarray]) -> _CalendarData:
    """The calendar of a cache file's arrays; raises when they do not make one."""
    sessions = np.asarray(arrays["sessions"], dtype=np.int64)
    closes = np.asarray(arrays["closes"], dtype=np.int64)
    if sessions.ndim != 1 or closes.shape != sessions.shape or not len(sessions):
        raise ValueError("sessions and closes do not match")
    if np.any(sessions[1:] <= sessions[:-1]) or np.any(sessions % 86_400_000_000_000):
        raise ValueError("sessions are not increasing midnights")
    weekmask = str(arrays["weekmask"])
    freq = None
    if weekmask:
        days = np.asarray(arrays["holidays"], dtype=np.int64).view("datetime64[D]")
        freq = pd.offsets.CustomBusinessDay(holidays=list(days), weekmask=weekmask)
    # pandas checks that the labels follow the frequency (a few milliseconds)
    index = pd.DatetimeIndex(sessions.view("datetime64[ns]"), freq=freq)
    return _CalendarData(str(arrays["name"]), str(arrays["tz"]), index, closes)


def _as_day(value: DateLike, what: str = "date") -> pd.Timestamp:
    """A tz-naive midnight timestamp for ``value`` (its calendar date)."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{what}={value!r} is not a date; write it as YYYY-MM-DD, e.g. '2025-01-27'.",
            field=what,
            value=value,
        ) from None
    if ts is pd.NaT:
        raise InputError(
            f"{what} is missing (NaT); give a date as YYYY-MM-DD.", field=what, value=value
        )
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    try:
        return ts.normalize().as_unit("ns")
    except pd.errors.OutOfBoundsDatetime:  # e.g. 2263-01-01: beyond nanosecond timestamps
        raise InputError(
            f"{what} {ts:%Y-%m-%d} is outside the dates a trading calendar can hold (1677 to "
            "2262); check the year.",
            field=what,
            value=str(ts.date()),
        ) from None


class TradingCalendar:
    """Sessions of one exchange and the rule that maps announcements to sessions.

    Parameters
    ----------
    name
        exchange_calendars code or alias (default ``"XNYS"``, the New York Stock Exchange).

    Raises
    ------
    InputError
        If ``name`` is not a known calendar; the message lists close matches.

    Notes
    -----
    The underlying ``exchange_calendars`` object is built once per name and process (from 1990, or
    the calendar's earliest supported date) and shared by every :class:`TradingCalendar`.

    Examples
    --------
    >>> cal = TradingCalendar("XNYS")
    >>> cal.align("2025-01-20")  # Martin Luther King Jr. Day: the market is closed
    Timestamp('2025-01-21 00:00:00')
    >>> cal.align("2024-11-29", dt.time(14, 0))  # after the 13:00 early close
    Timestamp('2024-12-02 00:00:00')
    """

    def __init__(self, name: str = "XNYS") -> None:
        if not isinstance(name, str) or not name.strip():
            raise InputError(
                f"calendar={name!r} is not an exchange_calendars code; use e.g. 'XNYS'.",
                field="calendar",
                value=name,
            )
        if name.strip() == DATA_CALENDAR:
            raise InputError(
                f'calendar "{DATA_CALENDAR}" takes its sessions from the benchmark\'s prices, so '
                "it cannot be built from its name; a study builds it itself, or call "
                "TradingCalendar.from_sessions(dates).",
                field="calendar",
                value=name,
            )
        self._data = _load(name.strip())
        self.name = name.strip()

    @classmethod
    def from_sessions(cls, sessions: Sequence[Any], name: str = DATA_CALENDAR) -> TradingCalendar:
        """A calendar whose sessions are the given days (``calendar = "data"``).

        Parameters
        ----------
        sessions
            Trading days, e.g. the dates on which the benchmark has a price; times are dropped
            and repeats removed.
        name
            Name shown in messages (default ``"data"``).

        Returns
        -------
        TradingCalendar
            Sessions in UTC, each closing at the next midnight UTC: news with a time of day
            lands on its UTC date if that is a session, else on the next session.

        Raises
        ------
        InputError
            If no day is given.
        """
        days = pd.DatetimeIndex(
            pd.to_datetime(list(sessions) if not isinstance(sessions, pd.Index) else sessions)
        )
        if days.tz is not None:
            days = days.tz_localize(None)
        days = days[~days.isna()].normalize().unique().sort_values().as_unit("ns")
        if not len(days):
            raise InputError(
                f"calendar {name!r} has no sessions: the benchmark has no prices in the range "
                "the study needs; supply its prices or choose an exchange calendar such as XNYS.",
                field="calendar",
                value=name,
            )
        close_ns = days.asi8 + 86_400_000_000_000  # the day ends at midnight UTC
        cal = cls.__new__(cls)
        cal._data = _CalendarData(name, "UTC", pd.DatetimeIndex(days, freq=None), close_ns)
        cal.name = name
        return cal

    def __repr__(self) -> str:
        return f"TradingCalendar({self.name!r})"

    # -- basic facts -------------------------------------------------------------------------
    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """Time zone of the exchange."""
        return self._data.tz

    @property
    def first_session(self) -> pd.Timestamp:
        """Earliest session the calendar covers."""
        return self._data.first

    @property
    def last_session(self) -> pd.Timestamp:
        """Latest session the calendar covers (about a year ahead of today)."""
        return self._data.last

    def _range_error(self, value: object, what: str = "date") -> InputError:
        return InputError(
            f"{what} {value} is outside the {self.name} calendar, which covers "
            f"{self.first_session:%Y-%m-%d} to {self.last_session:%Y-%m-%d}; use a date in that "
            "range.",
            field=what,
            value=str(value),
        )

    def _first_outside(self, dates: Iterable[Any]) -> str | None:
        """The first of ``dates`` outside this calendar (``YYYY-MM-DD``), read one by one."""
        for value in dates:
            try:
                ts = pd.Timestamp(value)
            except (TypeError, ValueError):
                return None
            ts = ts.tz_localize(None) if ts.tzinfo is not None else ts
            if ts < self.first_session or ts > self.last_session:
                return f"{ts:%Y-%m-%d}"
        return None

    def is_session(self, date: DateLike) -> bool:
        """Whether ``date`` (its calendar date) is a session of this exchange."""
        ns = _as_day(date).value
        i = int(np.searchsorted(self._data.session_ns, ns))
        return i < len(self._data.session_ns) and int(self._data.session_ns[i]) == ns

    def sessions(self, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
        """Session labels from ``start`` to ``end``, both inclusive, tz-naive.

        Raises
        ------
        InputError
            If ``start`` or ``end`` is outside the calendar.
        """
        lo, hi = _as_day(start, "start"), _as_day(end, "end")
        for what, value in (("start", lo), ("end", hi)):
            if not (self.first_session <= value <= self.last_session):
                raise self._range_error(f"{value:%Y-%m-%d}", what)
        i = np.searchsorted(self._data.session_ns, lo.value, side="left")
        j = np.searchsorted(self._data.session_ns, hi.value, side="right")
        return self._data.sessions[i:j]

    # -- alignment ---------------------------------------------------------------------------
    def align(
        self,
        date: DateLike,
        time: dt.time | None = None,
        timezone: str = "America/New_York",
    ) -> pd.Timestamp:
        """Day 0 of news announced on ``date`` (at ``time`` in ``timezone``, when known).

        Parameters
        ----------
        date
            Calendar date of the announcement, local to ``timezone``. Only its date is used.
        time
            Time of day, or ``None`` when unknown.
        timezone
            IANA zone of ``date`` and ``time`` (default ``America/New_York``).

        Returns
        -------
        pandas.Timestamp
            The session label (tz-naive midnight).

        Raises
        ------
        InputError
            For an unknown time zone or a date outside the calendar.
        """
        day = _as_day(date)
        if time is None:
            i = int(np.searchsorted(self._data.session_ns, day.value, side="left"))
            if day < self.first_session or i >= len(self._data.session_ns):
                raise self._range_error(f"{day:%Y-%m-%d}")
            return self._data.sessions[i]
        if not isinstance(time, dt.time):
            raise InputError(
                f"time={time!r} is not a time of day; pass a datetime.time, e.g. time(9, 30).",
                field="time",
                value=time,
            )
        instant = self._instant(day, time, timezone)
        i = int(np.searchsorted(self._data.close_ns, instant.value, side="right"))
        if day < self.first_session or i >= len(self._data.close_ns):
            raise self._range_error(f"{day:%Y-%m-%d} {time:%H:%M}")
        return self._data.sessions[i]

    @staticmethod
    def _instant(day: pd.Timestamp, time: dt.time, timezone: str) -> pd.Timestamp:
        reason = check_timezone(timezone)
        if reason is not None:
            raise InputError(
                f"timezone={timezone!r} is not a known time zone; {reason}",
                field="timezone",
                value=timezone,
            )
        naive = dt.datetime.combine(day.date(), time.replace(tzinfo=None))
        local = naive.replace(tzinfo=time.tzinfo or zoneinfo.ZoneInfo(timezone))
        return pd.Timestamp(local).tz_convert("UTC").as_unit("ns")

    def align_event(self, event: Event) -> pd.Timestamp:
        """Day 0 of ``event`` from its ``date``, ``time`` and ``timezone``."""
        return self.align(event.date, event.time, event.timezone)

    def align_many(
        self, dates: pd.Series | pd.Index | np.ndarray | Sequence[Any]
    ) -> pd.DatetimeIndex:
        """Day 0 of many date-only announcements at once (vectorised).

        Parameters
        ----------
        dates
            Announcement dates (anything :func:`pandas.to_datetime` reads; times are dropped).

        Returns
        -------
        pandas.DatetimeIndex
            One session label per input, in input order.

        Raises
        ------
        InputError
            If a date is missing or outside the calendar; the message names the first such date.
        """
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(dates))
        except (TypeError, ValueError) as exc:
            # pandas 2 reads them as nanoseconds only: a year beyond 2262 stops it
            beyond = isinstance(exc, pd.errors.OutOfBoundsDatetime)
            outside = self._first_outside(dates) if beyond else None
            if outside is not None:
                raise self._range_error(outside) from None
            raise InputError(
                f"dates could not be read as dates ({exc}); give YYYY-MM-DD values.",
                field="dates",
            ) from None
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        if idx.hasnans:
            raise InputError(
                f"dates hold {int(idx.isna().sum())} missing values; drop or fill them first.",
                field="dates",
            )
        try:
            ns = idx.normalize().as_unit("ns").asi8
        except pd.errors.OutOfBoundsDatetime:  # a year beyond 2262: outside every calendar
            outside = (idx < self.first_session) | (idx > self.last_session)
            raise self._range_error(f"{idx[outside][0]:%Y-%m-%d}") from None
        pos = np.searchsorted(self._data.session_ns, ns, side="left")
        bad = (ns < self._data.session_ns[0]) | (pos >= len(self._data.session_ns))
        if bad.any():
            first_bad = pd.Timestamp(ns[np.argmax(bad)])
            raise self._range_error(f"{first_bad:%Y-%m-%d}")
        return pd.DatetimeIndex(self._data.sessions[pos])

    # -- counting sessions -------------------------------------------------------------------
    def _position(self, session: DateLike) -> int:
        day = _as_day(session, "session")
        i = int(np.searchsorted(self._data.session_ns, day.value))
        if i >= len(self._data.session_ns) or int(self._data.session_ns[i]) != day.value:
            if not (self.first_session <= day <= self.last_session):
                raise self._range_error(f"{day:%Y-%m-%d}", "session")
            raise InputError(
                f"session {day:%Y-%m-%d} is not a {self.name} session; align it first with "
                "TradingCalendar.align().",
                field="session",
                value=str(day.date()),
            )
        return i

    def offset(self, session: DateLike, n: int) -> pd.Timestamp:
        """The session ``n`` sessions after ``session`` (before it when ``n < 0``).

        Raises
        ------
        InputError
            If ``session`` is not a session or the result falls outside the calendar.
        """
        i = self._position(session) + int(n)
        if not 0 <= i < len(self._data.session_ns):
            raise InputError(
                f"{n:+d} sessions from {pd.Timestamp(session):%Y-%m-%d} falls outside the "
                f"{self.name} calendar ({self.first_session:%Y-%m-%d} to "
                f"{self.last_session:%Y-%m-%d}); use a shorter offset or a later/earlier event.",
                field="n",
                value=n,
            )
        return self._data.sessions[i]

    def window(self, day0: DateLike, start: int, end: int) -> pd.DatetimeIndex:
        """Sessions ``day0 + start`` to ``day0 + end``, inclusive: exactly ``end - start + 1``.

        Raises
        ------
        InputError
            If ``start > end``, ``day0`` is not a session or the window leaves the calendar.
        """
        if int(start) > int(end):
            raise InputError(
                f"window ({start}, {end}) starts after it ends; give the earlier offset first, "
                f"e.g. ({end}, {start}).",
                field="window",
                value=(start, end),
            )
        i = self._position(self.offset(day0, start))
        self.offset(day0, end)  # raises when the window's end leaves the calendar
        return self._data.sessions[i : i + int(end) - int(start) + 1]
