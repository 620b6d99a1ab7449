"""Pure checks of a parsed event file: every problem is collected in one pass.

:func:`find_problems` takes the mapping read from a TOML event file and returns a list of
:class:`Problem`; an empty list means :func:`eventstudy.events.load_events` can build the
:class:`~eventstudy.events.schema.EventSet`. Nothing here reads files or raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, get_args

from .._text import show
from .._types import MAX_OFFSET
from ..calendar import calendar_names, check_timezone, is_calendar_name
from .schema import DEFAULT_ESTIMATION, DEFAULT_WINDOWS, EventKind

__all__ = [
    "Problem",
    "find_problems",
    "parse_date",
    "parse_time",
    "safe_name",
    "TOP_FIELDS",
    "STUDY_FIELDS",
    "EVENT_FIELDS",
    "CLAIM_FIELDS",
]

TOP_FIELDS = ("study", "events", "claims")
STUDY_FIELDS = (
    "name",
    "tickers",
    "market",
    "calendar",
    "estimation",
    "windows",
    "benchmarks",
    "benchmark_market_value",
    "shares",
    "exchanges",
)
EVENT_FIELDS = (
    "id",
    "title",
    "date",
    "time",
    "timezone",
    "description",
    "sources",
    "kind",
    "tickers",
)
CLAIM_FIELDS = ("id", "tickers", "date", "value_usd", "source", "window", "event_id")

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TICKER_RE = re.compile(r"[^\s,;]+")
_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))} | {
    f"LPT{i}" for i in range(1, 10)
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an event file.

    Attributes
    ----------
    source
        The file, as given to the loader.
    location
        Where in it: ``"study.name"``, ``"events[2].date"`` (0-based index of the ``[[events]]``
        table), ``"claims[0].event_id"`` or, for CSV files, ``"line 7"``.
    message
        What is wrong and the fix, separated by ``"; "``.
    """

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        text = f"{self.source}: {self.location}: {self.message}"
        return text if text.endswith((".", "?")) else text + "."


# -- small parsers shared with load.py ----------------------------------------------------------
def parse_date(value: object) -> dt.date | None:
    """A :class:`datetime.date` from a TOML date or a ``YYYY-MM-DD`` string; ``None`` if invalid."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_time(value: object) -> dt.time | None:
    """A :class:`datetime.time` from a TOML local time or ``HH:MM[:SS]``; ``None`` if invalid."""
    if isinstance(value, dt.time):
        return value if value.tzinfo is None else None
    if isinstance(value, str):
        m = _TIME_RE.fullmatch(value.strip())
        if m:
            h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
            if h < 24 and mi < 60 and s < 60:
                return dt.time(h, mi, s)
    return None


def safe_name(name: str) -> str:
    """Map any study name to one safe path component (used as the output folder name).

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``-``; leading dots and
    dashes are dropped, so the result never climbs out of its parent folder or hides itself.

    Parameters
    ----------
    name
        Any text, e.g. ``"deepseek-2025"``, ``"../../x"`` or ``""``.

    Returns
    -------
    str
        A non-empty name of at most 100 characters; ``"study"`` when nothing usable is left.

    Examples
    --------
    >>> safe_name("../../x")
    'x'
    >>> safe_name("a/b c")
    'a-b-c'
    """
    text = _SAFE_RE.sub("-", str(name)).strip(".-")
    text = re.sub(r"-{2,}", "-", text)[:100].rstrip(".-")
    if not text:
        return "study"
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"study-{text}"
    return text


# -- the checker --------------------------------------------------------------------------------
def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _fmt(value: object) -> str:
    """Short rendering of a value received, for messages (numpy values as plain Python)."""
    return show(value)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, location: str, message: str) -> None:
        self.problems.append(Problem(self.source, location, message))

    # generic pieces
    def fields(self, table: Mapping[Any, Any], valid: Sequence[str], where: str) -> None:
        for key in table:
            if key in valid:
                continue
            loc = f"{where}.{key}" if where else str(key)
            close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
            if close:
                self.add(loc, f"unknown field {str(key)!r}; did you mean {close[0]!r}?")
            else:
                self.add(
                    loc,
                    f"unknown field {str(key)!r}; remove it or use one of {', '.join(valid)}",
                )

    def table(self, value: object, loc: str, example: str) -> TypeGuard[Mapping[Any, Any]]:
        if isinstance(value, Mapping):
            return True
        self.add(loc, f"expected a table, got {_fmt(value)}; write it as {example}")
        return False

    def text(self, value: object, loc: str, *, required: bool = False) -> bool:
        if isinstance(value, str) and (value.strip() or not required):
            return True
        if required and isinstance(value, str):
            self.add(loc, "is empty; give a non-empty text")
        else:
            self.add(loc, f"expected text, got {_fmt(value)}; put the value in double quotes")
        return False

    def tickers(self, value: object, loc: str) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.add(
                loc, f'expected a list of tickers, got {_fmt(value)}; write e.g. ["NVDA", "AVGO"]'
            )
            return None
        if not value:
            self.add(loc, 'the ticker list is empty; name at least one ticker, e.g. ["NVDA"]')
            return None
        good: list[str] = []
        for i, t in enumerate(value):
            if isinstance(t, str) and _TICKER_RE.fullmatch(t):
                good.append(t)
            else:
                self.add(
                    f"{loc}[{i}]",
                    f'{_fmt(t)} is not a ticker; write tickers as text without spaces, e.g. "NVDA"',
                )
        seen: set[str] = set()
        for t in good:
            if t in seen:
                self.add(loc, f"ticker {t!r} is listed twice; list each ticker once")
            seen.add(t)
        return tuple(good) if len(good) == len(value) else None

    def text_list(self, value: object, loc: str, example: str) -> bool:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return True
        self.add(loc, f"expected a list of texts, got {_fmt(value)}; write e.g. {example}")
        return False

    def date(self, value: object, loc: str) -> dt.date | None:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
        if isinstance(value, dt.datetime):
            self.add(
                loc,
                f"{_fmt(value)} is a date-time; give the date alone (date = "
                f"{value.date().isoformat()}) and the time of day in time = "
                f'"{value:%H:%M}"',
            )
        else:
            self.add(
                loc, f"{_fmt(value)} is not a valid date; write it as YYYY-MM-DD, e.g. 2025-01-27"
            )
        return None

    def window(self, value: object, loc: str) -> tuple[int, int] | None:
        if not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)):
            self.add(
                loc,
                f"{_fmt(value)} is not a window of two whole session offsets; write it as "
                "[start, end], e.g. [-1, 1]",
            )
            return None
        start, end = value
        if not (-MAX_OFFSET <= start <= MAX_OFFSET and -MAX_OFFSET <= end <= MAX_OFFSET):
            self.add(
                loc,
                f"window [{start}, {end}] reaches beyond {MAX_OFFSET} sessions from day 0; keep "
                f"both offsets between {-MAX_OFFSET} and {MAX_OFFSET}, e.g. [-1, 1]",
            )
            return None
        if start > end:
            self.add(
                loc,
                f"window [{start}, {end}] starts after it ends; give the earlier offset first: "
                f"[{end}, {start}]",
            )
            return None
        return (start, end)

    # sections
    def study(self, study: object) -> tuple[set[str], tuple[str, ...] | None]:
        """Check ``[study]``; return the declared tickers and the study tickers (or None)."""
        if study is None:
            self.add(
                "study", 'the [study] table is missing; add [study] with at least name = "..."'
            )
            return set(), None
        if not self.table(study, "study", '[study] with name = "..."'):
            return set(), None
        self.fields(study, STUDY_FIELDS, "study")
        if "name" not in study:
            self.add("study.name", 'is missing; add name = "my-study" under [study]')
        else:
            self.text(study["name"], "study.name", required=True)
        tickers: tuple[str, ...] | None = None
        if "tickers" in study:
            tickers = self.tickers(study["tickers"], "study.tickers") or ()
        for key in ("market", "calendar"):
            if key in study:
                self.text(study[key], f"study.{key}", required=True)
        if isinstance(study.get("calendar"), str) and study["calendar"].strip() != "data":
            self.calendar(study["calendar"], "study.calendar")  # "data": the benchmark's days
        windows: list[tuple[int, int]] = []
        if "windows" in study:
            ws = study["windows"]
            if not isinstance(ws, list) or not ws:
                self.add(
                    "study.windows",
                    f"expected a non-empty list of windows, got {_fmt(ws)}; write e.g. "
                    "[[0, 0], [-1, 1]]",
                )
            else:
                first_at: dict[tuple[int, int], int] = {}
                for i, w in enumerate(ws):
                    got = self.window(w, f"study.windows[{i}]")
                    if got is not None and got in first_at:
                        self.add(
                            f"study.windows[{i}]",
                            f"window [{got[0]}, {got[1]}] is listed twice (also "
                            f"study.windows[{first_at[got]}]); list each event window once",
                        )
                    elif got is not None:
                        first_at[got] = i
                        windows.append(got)
        else:
            windows = list(DEFAULT_WINDOWS)
        estimation: tuple[int, int] | None = DEFAULT_ESTIMATION
        if "estimation" in study:
            estimation = self.window(study["estimation"], "study.estimation")
        if estimation is not None:
            self.overlap(estimation, windows)
        if "benchmarks" in study and self.text_list(
            study["benchmarks"], "study.benchmarks", '["QQQ", "SMH"]'
        ):
            for i, b in enumerate(study["benchmarks"]):
                if not _TICKER_RE.fullmatch(b):
                    self.add(
                        f"study.benchmarks[{i}]",
                        f'{b!r} is not a ticker; write tickers without spaces, e.g. "QQQ"',
                    )
        if "benchmark_market_value" in study and self.table(
            study["benchmark_market_value"],
            "study.benchmark_market_value",
            "benchmark_market_value = { SPY = 52e12 }",
        ):
            listed = study.get("benchmarks")
            # only text can name a benchmark (a bad market or list is reported on its own)
            named = [study.get("market", "SPY"), *(listed if isinstance(listed, list) else ())]
            known = {b for b in named if isinstance(b, str)}
            for t, v in study["benchmark_market_value"].items():
                loc = f"study.benchmark_market_value.{t}"
                if t not in known:
                    self.add(
                        loc,
                        f"{t!r} is not the market or one of study.benchmarks; "
                        "name a benchmark of the study",
                    )
                elif not (_is_number(v) and v > 0):
                    self.add(
                        loc,
                        f"{_fmt(v)} is not a market value; give a positive number of "
                        "US dollars, e.g. 52e12",
                    )
        declared: set[str] = set(tickers or ())
        if "shares" in study and self.table(study["shares"], "study.shares", "[study.shares]"):
            for t, n in study["shares"].items():
                if not (_is_number(n) and n > 0):
                    self.add(
                        f"study.shares.{t}",
                        f"{_fmt(n)} is not a share count; give a positive number, e.g. 24490000000",
                    )
        if "exchanges" in study and self.table(
            study["exchanges"], "study.exchanges", "[study.exchanges]"
        ):
            for t, code in study["exchanges"].items():
                if self.text(code, f"study.exchanges.{t}", required=True):
                    self.calendar(code, f"study.exchanges.{t}")
        return declared, tickers

    def calendar(self, code: str, loc: str) -> None:
        if is_calendar_name(code):
            return
        close = difflib.get_close_matches(code.upper(), calendar_names(), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use a code such as 'XNYS' or 'XTKS'"
        self.add(loc, f"{code!r} is not an exchange_calendars code; {hint}")

    def overlap(self, estimation: tuple[int, int], windows: list[tuple[int, int]]) -> None:
        a, b = estimation
        hit = [(c, d) for c, d in windows if a <= d and c <= b]
        if not hit:
            return
        c, d = hit[0]
        first = min(w[0] for w in windows)
        if a < first:
            fix = f"end it before the earliest event window starts, e.g. [{a}, {first - 1}]"
        else:
            fix = "place it before every event window, e.g. [-250, -11]"
        self.add(
            "study.estimation",
            f"estimation window [{a}, {b}] overlaps event window [{c}, {d}]; {fix}",
        )

    def events(self, events: object, study_tickers: tuple[str, ...] | None) -> dict[str, set[str]]:
        """Check ``[[events]]``; return ``{event id: its tickers}`` for the claims check."""
        known: dict[str, set[str]] = {}
        if events is None:
            self.add(
                "events", "no [[events]] given; add at least one [[events]] table with id and date"
            )
            return known
        if not isinstance(events, list) or not events:
            self.add(
                "events",
                f"expected a list of [[events]] tables, got {_fmt(events)}; write each event as an "
                "[[events]] table",
            )
            return known
        first_seen: dict[str, int] = {}
        for i, ev in enumerate(events):
            loc = f"events[{i}]"
            if not self.table(ev, loc, '[[events]] with id = "..." and date = 2025-01-27'):
                continue
            self.fields(ev, EVENT_FIELDS, loc)
            eid = ev.get("id")
            if "id" not in ev:
                self.add(f"{loc}.id", 'is missing; add id = "short-name" to this event')
            elif self.text(eid, f"{loc}.id", required=True) and isinstance(eid, str):
                if eid in first_seen:
                    self.add(
                        f"{loc}.id",
                        f"duplicate event id {eid!r} (also events[{first_seen[eid]}]); give each "
                        "event its own id",
                    )
                else:
                    first_seen[eid] = i
            if "date" not in ev:
                self.add(f"{loc}.date", "is missing; add date = YYYY-MM-DD to this event")
            else:
                self.date(ev["date"], f"{loc}.date")
            if "time" in ev and parse_time(ev["time"]) is None:
                self.add(
                    f"{loc}.time",
                    f'{_fmt(ev["time"])} is not a time of day; write it as "HH:MM" (24-hour), '
                    'e.g. "16:05"',
                )
            if "timezone" in ev:
                tz = ev["timezone"]
                reason = check_timezone(tz)
                if reason is not None:
                    self.add(f"{loc}.timezone", f"unknown time zone {_fmt(tz)}; {reason}")
            for key in ("title", "description"):
                if key in ev:
                    self.text(ev[key], f"{loc}.{key}")
            if "sources" in ev:
                self.text_list(ev["sources"], f"{loc}.sources", '["https://..."]')
            if "kind" in ev and ev["kind"] not in get_args(EventKind):
                choices = " or ".join(repr(k) for k in get_args(EventKind))
                self.add(f"{loc}.kind", f"{_fmt(ev['kind'])} is not a valid kind; use {choices}")
            own: tuple[str, ...] | None = None
            if "tickers" in ev:
                own = self.tickers(ev["tickers"], f"{loc}.tickers")
            elif study_tickers is None:
                self.add(
                    f"{loc}.tickers",
                    "this event has no tickers and [study] has no tickers; add tickers = [...] "
                    "to the event or to [study]",
                )
            if isinstance(eid, str) and eid.strip():
                known.setdefault(eid, set()).update(own if own is not None else study_tickers or ())
        return known

    def claims(self, claims: object, event_ids: Mapping[str, set[str]], study: set[str]) -> None:
        if claims is None:
            return
        if not isinstance(claims, list):
            self.add(
                "claims",
                f"expected a list of [[claims]] tables, got {_fmt(claims)}; write each claim as a "
                "[[claims]] table",
            )
            return
        all_tickers = set(study).union(*event_ids.values()) if event_ids else set(study)
        seen: dict[str, int] = {}
        for i, cl in enumerate(claims):
            loc = f"claims[{i}]"
            if not self.table(cl, loc, "[[claims]] with id, tickers, date and value_usd"):
                continue
            self.fields(cl, CLAIM_FIELDS, loc)
            for key, example in (
                ("id", 'id = "NVDA 2025-01-27"'),
                ("tickers", 'tickers = ["NVDA"]'),
                ("date", "date = 2025-01-27"),
                ("value_usd", "value_usd = -589e9"),
            ):
                if key not in cl:
                    self.add(f"{loc}.{key}", f"is missing; add {example} to this claim")
            cid = cl.get("id")
            if "id" in cl and self.text(cid, f"{loc}.id", required=True) and isinstance(cid, str):
                if cid in seen:
                    self.add(
                        f"{loc}.id",
                        f"duplicate claim id {cid!r} (also claims[{seen[cid]}]); give each claim "
                        "its own id",
                    )
                seen.setdefault(cid, i)
            if "tickers" in cl:
                got = self.tickers(cl["tickers"], f"{loc}.tickers")
                for t in got or ():
                    if t not in all_tickers:
                        self.add(
                            f"{loc}.tickers",
                            f"ticker {t!r} is not in the study; add it to [study] tickers or to an "
                            "event's tickers",
                        )
            if "date" in cl:
                self.date(cl["date"], f"{loc}.date")
            if "value_usd" in cl and not _is_number(cl["value_usd"]):
                self.add(
                    f"{loc}.value_usd",
                    f"{_fmt(cl['value_usd'])} is not a number; give US dollars as a number, "
                    "e.g. -589e9",
                )
            if "source" in cl:
                self.text(cl["source"], f"{loc}.source")
            if "window" in cl:
                self.window(cl["window"], f"{loc}.window")
            if "event_id" in cl:
                ref = cl["event_id"]
                if self.text(ref, f"{loc}.event_id", required=True) and ref not in event_ids:
                    ids = ", ".join(repr(k) for k in event_ids) or "none defined"
                    close = difflib.get_close_matches(str(ref), list(event_ids), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"use one of {ids}"
                    self.add(f"{loc}.event_id", f"unknown event id {ref!r}; {hint}")


def find_problems(raw: Mapping[str, Any], source: str) -> list[Problem]:
    """Every problem of a parsed TOML event file, in file order, in one pass.

    Parameters
    ----------
    raw
        The mapping :func:`tomllib.load` returned.
    source
        The file name, used in each :class:`Problem`.

    Returns
    -------
    list of Problem
        Empty when the file describes a valid study.

    Notes
    -----
    Checked: unknown fields (with a close match), missing required fields (``study.name``,
    ``events``, each event's ``id`` and ``date``; each claim's ``id``, ``tickers``, ``date`` and
    ``value_usd``), dates, times, time zones, calendar codes, event kinds, empty or malformed ticker
    lists, windows that are not two integers or start after they end, an estimation window that
    overlaps an event window, duplicate event or claim ids, claims naming an unknown event or a
    ticker that is not in the study, and share counts that are not positive numbers.
    """
    check = _Checker(source)
    if not isinstance(raw, Mapping):
        check.add("file", f"expected a TOML document, got {type(raw).__name__}; see docs/events.md")
        return check.problems
    check.fields(raw, TOP_FIELDS, "")
    declared, study_tickers = check.study(raw.get("study"))
    event_tickers = check.events(raw.get("events"), study_tickers)
    check.claims(raw.get("claims"), event_tickers, declared)
    return check.problems
