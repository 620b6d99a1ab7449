"""Read event files (TOML study definitions, CSV lists of firm-events) into an EventSet.

Both forms are parsed as data only (``tomllib`` and pandas' CSV reader; nothing is evaluated). The
format is documented field by field in ``docs/events.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from itertools import islice, repeat
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from .._csvfields import RaggedCSV, ragged_line, ragged_rows_raise
from .._gc import gc_paused
from ..calendar import DATA_CALENDAR, TradingCalendar, calendar_names, check_timezone
from ..errors import EventFileError, InputError
from .schema import DEFAULT_ESTIMATION, DEFAULT_WINDOWS, Claim, Event, EventSet
from .validate import Problem, find_problems, parse_date, parse_time, safe_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 uses the tomli backport (a declared dependency there)
    import tomli as tomllib

__all__ = [
    "load_events",
    "events_from_frame",
    "event_set_from_mapping",
    "describe_events",
    "safe_name",
    "CSV_COLUMNS",
    "SUFFIXES",
]

SUFFIXES = (".toml", ".csv")
"""File suffixes :func:`load_events` reads (case-insensitive)."""

CSV_COLUMNS = ("ticker", "event_date", "event_id", "time", "timezone", "exchange")
"""Columns with a meaning in the CSV and DataFrame forms; ``ticker`` and ``event_date`` are
required. Any other column is a firm-event characteristic."""

RESERVED_COLUMNS = frozenset(
    {
        "window_start",
        "window_end",
        "car",
        "se",
        "t_stat",
        "p_value",
        "dof",
        "bhar",
        "n_days",
        "raw_change_usd",
        "abnormal_change_usd",
        "confounders",
    }
)
"""Columns of the CAR table; a characteristic may not take one of these names."""

_CSV_SYNONYMS = {
    "date": "event_date",
    "announcement_date": "event_date",
    "symbol": "ticker",
    "id": "event_id",
    "tz": "timezone",
}
_DEFAULT_TZ = "America/New_York"
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def _raise(problems: list[Problem], source: str) -> NoReturn:
    """Raise one :class:`EventFileError` carrying every problem."""
    first = str(problems[0])
    if len(problems) > 1:
        first = f"{first.rstrip('.')} (and {len(problems) - 1} more)."
    raise EventFileError(first, source=source, problems=[str(p) for p in problems])


def load_events(path: str | Path) -> EventSet:
    """Read an event file into an :class:`~eventstudy.events.schema.EventSet`.

    Parameters
    ----------
    path
        A ``.toml`` study definition or a ``.csv`` list of firm-events (``ticker,event_date``
        plus optional ``event_id``, ``time``, ``timezone``); see ``docs/events.md``.

    Returns
    -------
    EventSet
        The validated study definition; ``source`` is ``str(path)``.

    Raises
    ------
    InputError
        If the file does not exist or has another suffix.
    EventFileError
        If the file is malformed. The message is the first problem (plus "(and N more)");
        ``.problems`` lists every problem found, one sentence each.

    Examples
    --------
    >>> ev = load_events("events/deepseek_2025.toml")  # doctest: +SKIP
    >>> [e.id for e in ev.studied]  # doctest: +SKIP
    ['v3', 'r1', 'app-no1', 'selloff']
    """
    p = Path(path)
    source = str(path)
    if not p.is_file():
        what = "is a folder, not a file" if p.is_dir() else "does not exist"
        raise InputError(
            f"event file {source} {what}; check the path (event files end in .toml or .csv).",
            source=source,
            field="path",
            value=source,
        )
    suffix = p.suffix.lower()
    if suffix == ".toml":
        return _load_toml(p, source)
    if suffix == ".csv":
        return _load_csv(p, source)
    raise InputError(
        f"event file {source} has suffix {p.suffix!r}; use a .toml study file or a .csv list of "
        "firm-events (see docs/events.md).",
        source=source,
        field="path",
        value=p.suffix,
    )


# -- TOML ---------------------------------------------------------------------------------------
_TOO_DEEP = (
    "nests arrays or tables too deeply to be read (hundreds of levels); an event file needs "
    "a few levels at most ([[events]] with a list of tickers): remove the extra brackets"
)


def _load_toml(path: Path, source: str) -> EventSet:
    try:
        # a byte-order mark (Windows editors write one) is not TOML: drop it
        raw = tomllib.loads(path.read_bytes().decode("utf-8").removeprefix("\ufeff"))
    except RecursionError:
        _raise([Problem(source, "file", _TOO_DEEP)], source)
    except UnicodeDecodeError as exc:
        _raise(
            [Problem(source, f"byte {exc.start}", "is not UTF-8 text; save the file as UTF-8")],
            source,
        )
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        m = _TOML_POS.search(text)
        where = f"line {m[1]}, column {m[2]}" if m else "end of file"
        what = _TOML_POS.sub("", text).replace("(at end of document)", "").strip()
        _raise(
            [Problem(source, where, f"invalid TOML ({what}); fix the syntax there")],
            source,
        )
    return event_set_from_mapping(raw, source)


def event_set_from_mapping(raw: Mapping[str, Any], source: str = "<mapping>") -> EventSet:
    """Validate a parsed TOML document and build its :class:`EventSet`.

    Parameters
    ----------
    raw
        The mapping read from a TOML event file (same layout; dates may be ``datetime.date`` or
        ``"YYYY-MM-DD"`` text).
    source
        Name used in messages.

    Returns
    -------
    EventSet

    Raises
    ------
    EventFileError
        If :func:`~eventstudy.events.validate.find_problems` finds any problem.
    """
    try:
        problems = find_problems(raw, source)
    except RecursionError:  # a mapping built in Python, nested deeper than any parser allows
        problems = [Problem(source, "file", _TOO_DEEP)]
    if problems:
        _raise(problems, source)
    study = raw["study"]
    events = tuple(_event(ev) for ev in raw["events"])
    claims = tuple(_claim(cl) for cl in raw.get("claims", ()))
    return EventSet(
        name=study["name"],
        events=events,
        tickers=tuple(study.get("tickers", ())),
        market=study.get("market", "SPY"),
        estimation=tuple(study.get("estimation", DEFAULT_ESTIMATION)),  # type: ignore[arg-type]
        windows=tuple(tuple(w) for w in study.get("windows", DEFAULT_WINDOWS)),  # type: ignore[misc]
        claims=claims,
        shares={str(k): float(v) for k, v in study.get("shares", {}).items()},
        exchanges={str(k): str(v) for k, v in study.get("exchanges", {}).items()},
        calendar=study.get("calendar", "XNYS"),
        benchmarks=tuple(study.get("benchmarks", ())),
        benchmark_market_values={
            str(k): float(v) for k, v in study.get("benchmark_market_value", {}).items()
        },
        source=source,
    )


def _event(ev: Mapping[str, Any]) -> Event:
    date = parse_date(ev["date"])
    if date is None:  # find_problems has already rejected this; keeps the type checker honest
        raise InputError(f"events: bad date {ev['date']!r}; write YYYY-MM-DD.", field="date")
    return Event(
        id=ev["id"],
        date=date,
        title=ev.get("title", ""),
        time=parse_time(ev["time"]) if "time" in ev else None,
        timezone=ev.get("timezone", _DEFAULT_TZ),
        description=ev.get("description", ""),
        sources=tuple(ev.get("sources", ())),
        kind=ev.get("kind", "event"),
        tickers=tuple(ev["tickers"]) if "tickers" in ev else None,
    )


def _claim(cl: Mapping[str, Any]) -> Claim:
    date = parse_date(cl["date"])
    if date is None:  # find_problems has already rejected this; keeps the type checker honest
        raise InputError(f"claims: bad date {cl['date']!r}; write YYYY-MM-DD.", field="date")
    return Claim(
        id=cl["id"],
        tickers=tuple(cl["tickers"]),
        date=date,
        value_usd=float(cl["value_usd"]),
        source=cl.get("source", ""),
        window=tuple(cl.get("window", (0, 0))),  # type: ignore[arg-type]
        event_id=cl.get("event_id"),
    )


# -- CSV ----------------------------------------------------------------------------------------
def _lines(mask: np.ndarray | pd.Series, line_no: np.ndarray) -> list[int]:
    return [int(n) for n in line_no[np.asarray(mask, dtype=bool)]]


@dataclasses.dataclass(frozen=True)
class _Rows:
    """How rows are named in messages.

    ``line N`` of a CSV file (header = line 1) or ``row N`` of a DataFrame (counted from 0).
    """

    word: str
    first: int
    header: str
    no_rows: str

    def at(self, n: int) -> str:
        return f"{self.word} {n}"

    def need(self, header: list[str]) -> str:
        """The fix for a missing required column."""
        if self.word == "line":
            return "the header must name ticker,event_date"
        return (
            f"the frame has columns {', '.join(header) or 'none'}; name the firm column ticker "
            "and the date column event_date"
        )


_CSV_ROWS = _Rows("line", 2, "line 1", "the file has no rows; add one row per firm-event")
_FRAME_ROWS = _Rows("row", 0, "columns", "the frame has no rows; add one row per firm-event")


def events_from_frame(
    frame: pd.DataFrame,
    *,
    name: str = "sample",
    calendar: str = "XNYS",
    source: str = "events DataFrame",
) -> EventSet:
    """Build an :class:`EventSet` from a DataFrame of firm-events, with the CSV form's checks.

    Parameters
    ----------
    frame
        One row per firm-event: ``ticker`` and ``event_date`` (ISO text, ``datetime64`` at
        midnight, or ``datetime.date``), optionally ``event_id``, ``time``, ``timezone`` and
        ``exchange`` (as in the CSV form, see ``docs/events.md``). Column names are matched
        ignoring case. Every other column is a firm-event characteristic, carried into the CAR
        table with its dtype. Integer tickers (CRSP PERMNOs) become text.
    name
        Study name (default output folder).
    calendar
        Exchange calendar of the study (an exchange_calendars code).
    source
        Name used in messages.

    Returns
    -------
    EventSet
        With ``characteristics`` when the frame has extra columns.

    Raises
    ------
    InputError
        If ``frame`` is not a DataFrame or ``event_date`` holds times of day.
    EventFileError
        As for a CSV file, with locations ``columns`` and ``row N`` (N counted from 0).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ticker": ["NVDA", "AVGO"], "event_date": ["2025-01-27"] * 2,
    ...                    "surprise": [0.12, -0.03]})
    >>> ev = events_from_frame(df)
    >>> ev.characteristics.columns.tolist()
    ['event_id', 'ticker', 'surprise']
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"events must be a pandas DataFrame with columns ticker,event_date, got "
            f"{type(frame).__name__}; build one with pandas.DataFrame(...) or read a file with "
            "EventStudy.from_file.",
            source=source,
            field="events",
            value=type(frame).__name__,
        )
    lower = [str(c).strip().lower() for c in frame.columns]
    text = {
        str(col): _text_column(frame.iloc[:, i], low, source)
        for i, (col, low) in enumerate(zip(frame.columns, lower, strict=True))
        if low in CSV_COLUMNS
    }
    columns = {
        str(col): text[str(col)] if low in CSV_COLUMNS else frame.iloc[:, i].reset_index(drop=True)
        for i, (col, low) in enumerate(zip(frame.columns, lower, strict=True))
    }
    table = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=frame.index)
    if len(set(map(str, frame.columns))) < len(frame.columns):
        table = frame.reset_index(drop=True)  # repeated names: reported by the checks
    return _event_set(table, name, source, _FRAME_ROWS, calendar)


def _text_column(values: pd.Series, name: str, source: str) -> pd.Series:
    """A DataFrame column of :data:`CSV_COLUMNS` as the text the CSV checks read ("" = missing)."""
    values = values.reset_index(drop=True)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        values.dtype
    ):
        local = values.dt.tz_localize(None) if values.dt.tz is not None else values
        timed = local.notna() & (local != local.dt.normalize())
        if timed.any():
            i = int(np.flatnonzero(timed.to_numpy())[0])
            raise InputError(
                f"{source}: column {name!r} holds a time of day ({local.iloc[i]} in row {i}); "
                "give the date alone and the time in a 'time' column (HH:MM) so that day 0 "
                "follows the exchange's close.",
                source=source,
                field=name,
                value=str(local.iloc[i]),
            )
        return local.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(str)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return values.astype(object).where(values.notna(), "").astype(str)
    if kind == "datetime":
        return _text_column(pd.to_datetime(values), name, source)
    if pd.api.types.is_float_dtype(values.dtype):
        # PERMNOs read as floats (a column with gaps): 10107.0 is ticker 10107
        whole = values.notna() & (values == values.round())
        out = values.astype(str).where(values.notna(), "")
        return out.mask(whole, values[whole].astype("int64").astype(str))

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d") if name == "event_date" else str(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dt.time):
            return v.strftime("%H:%M:%S")
        return str(v)

    return pd.Series([one(v) for v in values.to_numpy(dtype=object)], dtype=object)


def _load_csv(path: Path, source: str) -> EventSet:
    try:
        with ragged_rows_raise(path):
            frame = pd.read_csv(
                path,
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                encoding="utf-8",
                index_col=False,  # a first row with an extra field is an error, not an index
            )
    except RaggedCSV:
        found = ragged_line(path)
        where = f"line {found[0]}" if found else "line 2"
        what = (
            f"has {found[1]} fields but the header has {found[2]}" if found else "has extra fields"
        )
        _raise([Problem(source, where, f"{what}; remove the extra commas")], source)
    except UnicodeDecodeError as exc:
        _raise(
            [Problem(source, f"byte {exc.start}", "is not UTF-8 text; save it as UTF-8")], source
        )
    except pd.errors.EmptyDataError:
        _raise(
            [
                Problem(
                    source,
                    "line 1",
                    "the file is empty; start it with the header ticker,event_date",
                )
            ],
            source,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            where = f"line {m[2]}"
            what = f"has {m[3]} fields but the header has {m[1]}; remove the extra commas"
        else:
            where, what = "file", f"cannot be read as CSV ({exc}); fix the quoting"
        _raise([Problem(source, where, what)], source)
    return _event_set(frame, path.stem, source, _CSV_ROWS, text_extras=True)


def _event_set(
    frame: pd.DataFrame,
    name: str,
    source: str,
    rows: _Rows,
    calendar: str = "XNYS",
    *,
    text_extras: bool = False,
) -> EventSet:
    """Check a table of firm-events and build its :class:`EventSet` (CSV files and frames).

    The columns of :data:`CSV_COLUMNS` hold text (empty string = missing); any other column is
    a characteristic, kept as it is (``text_extras``: text read from a file, turned into
    numbers when every non-empty value is one).
    """
    problems: list[Problem] = []

    def add(location: str, message: str) -> None:
        problems.append(Problem(source, location, message))

    header = [str(c).strip().lower() for c in frame.columns]
    seen: set[str] = set()
    for col in header:
        if col in seen:
            add(rows.header, f"column {col!r} appears twice; keep one")
        seen.add(col)
        if col in CSV_COLUMNS:
            continue
        # any other column is a firm-event characteristic, unless it is a known synonym or a
        # near-miss of a column with a meaning (then it is most likely a typo)
        close = [_CSV_SYNONYMS[col]] if col in _CSV_SYNONYMS else []
        close = close or difflib.get_close_matches(col, CSV_COLUMNS, n=1, cutoff=0.85)
        if close:
            add(rows.header, f"unknown column {col!r}; did you mean {close[0]!r}?")
        elif col in RESERVED_COLUMNS:
            add(
                rows.header,
                f"column {col!r} has the name of an output column; rename it, e.g. "
                f"'{col}_input', to keep it as a characteristic",
            )
    for col in ("ticker", "event_date"):
        if col not in header:
            add(rows.header, f"required column {col!r} is missing; {rows.need(header)}")
    if problems:
        _raise(problems, source)
    frame = frame.set_axis(header, axis=1)
    extras = frame[[c for c in header if c not in CSV_COLUMNS]]
    if text_extras:
        extras = extras.apply(_maybe_numeric)
    cols = {c: frame[c].astype(str).str.strip() for c in header if c in CSV_COLUMNS}
    line_no = np.arange(rows.first, len(frame) + rows.first)
    blank = np.logical_and.reduce([(s == "").to_numpy() for s in cols.values()])
    if blank.any():
        keep = ~blank
        cols = {c: s[keep] for c, s in cols.items()}
        extras = extras[keep]
        line_no = line_no[keep]
    if not len(line_no):
        _raise([Problem(source, rows.at(rows.first), rows.no_rows)], source)

    # Each check runs once per distinct value (few tickers and dates even in long files) and is
    # mapped back to the rows through integer codes.
    ticker = cols["ticker"]
    t_codes, t_uniq = _codes(ticker)
    t_text = pd.Series(t_uniq)
    bad_ticker = ((t_text == "") | t_text.str.contains(r"[\s,;]", regex=True)).to_numpy()[t_codes]
    for n, t in zip(_lines(bad_ticker, line_no), ticker[bad_ticker], strict=True):
        if t == "":
            add(rows.at(n), "ticker is empty; give the firm's ticker, e.g. NVDA")
        else:
            add(rows.at(n), f"ticker {t!r} holds a space or separator; write one ticker per row")

    date_text = cols["event_date"]
    d_codes, d_uniq = _codes(date_text)
    d_text = pd.Series(d_uniq)
    d_parsed = pd.to_datetime(d_text, format="%Y-%m-%d", errors="coerce")
    d_bad = (d_parsed.isna() | ~d_text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")).to_numpy()
    bad_date = d_bad[d_codes]
    for n, d in zip(_lines(bad_date, line_no), date_text[bad_date], strict=True):
        add(
            rows.at(n),
            f"event_date {d!r} is not a valid date; write it as YYYY-MM-DD, e.g. 2025-01-27",
        )

    times: pd.Series | None = None
    time_codes = time_uniq = None
    if "time" in cols:
        text = cols["time"]
        time_codes, time_uniq = _codes(text)
        parsed_times = [parse_time(u) if u != "" else None for u in time_uniq]
        wrong = np.array(
            [u != "" and t is None for u, t in zip(time_uniq, parsed_times, strict=True)],
            dtype=bool,
        )
        bad_time = wrong[time_codes]
        for n, t in zip(_lines(bad_time, line_no), text[bad_time], strict=True):
            add(
                rows.at(n),
                f"time {t!r} is not a time of day; write it as HH:MM (24-hour), e.g. 16:05",
            )
        times = text

    zones: pd.Series | None = None
    if "timezone" in cols:
        zones = cols["timezone"].mask(cols["timezone"] == "", _DEFAULT_TZ)
        z_codes, z_uniq = _codes(zones)
        reasons = [check_timezone(zone) for zone in z_uniq]
        z_bad = np.array([r is not None for r in reasons], dtype=bool)[z_codes]
        for n, code in zip(_lines(z_bad, line_no), z_codes[z_bad], strict=True):
            add(rows.at(n), f"unknown time zone {z_uniq[code]!r}; {reasons[code]}")

    iso = date_text.where(~bad_date, "")
    iso_codes = d_codes
    if bad_date.any():
        iso_codes, _ = _codes(iso)
    event_id: pd.Series | None = None
    if "event_id" in cols:
        event_id = cols["event_id"].mask(cols["event_id"] == "", ticker + "-" + iso)
        e_codes, e_uniq = _codes(event_id)
        unique_ids = len(e_uniq) == len(event_id)
        pair = e_codes.astype(np.int64) * len(t_uniq) + t_codes
    else:
        # the id is ticker + "-" + iso: one id per (ticker, iso) pair and one pair per id, so
        # the ids themselves are only spelled out when a message or the events need them
        pair = t_codes.astype(np.int64) * (int(iso_codes.max()) + 1) + iso_codes
        e_codes = None
    pair_dup = _repeated(pair, int(pair.max()) + 1)
    if "event_id" not in cols:
        unique_ids = not pair_dup.any()
    if pair_dup.any() or not unique_ids:
        event_id = ticker + "-" + iso if event_id is None else event_id
    for n, e, t in zip(
        _lines(pair_dup, line_no),
        [] if event_id is None else event_id[pair_dup],
        ticker[pair_dup],
        strict=True,
    ):
        add(rows.at(n), f"ticker {t!r} is listed twice for event {e!r}; remove the repeated row")

    group_keys = {"event_date": iso}
    if times is not None:
        group_keys["time"] = times
    if zones is not None:
        group_keys["timezone"] = zones
    first_row = None
    if not unique_ids and event_id is not None:
        if e_codes is None:
            e_codes, _ = _codes(event_id)
        # each row's event's first row (as groupby(...).transform("first"): no value is missing)
        # codes are numbered in order of first appearance, so code c first appears at starts[c]
        starts = pd.Series(e_codes).drop_duplicates().index.to_numpy()
        first_row = starts[e_codes]
        for col, values in group_keys.items():
            first = values.iloc[first_row].reset_index(drop=True)
            here = values.reset_index(drop=True)
            differs = (here != first).to_numpy()
            for n, e, v, f in zip(
                _lines(differs, line_no),
                event_id[differs],
                here[differs],
                first[differs],
                strict=True,
            ):
                add(
                    rows.at(n),
                    f"event {e!r} has {col} {v!r} here but {f!r} on its first row; give every row "
                    "of an event the same value or a different event_id",
                )
    exchanges: dict[str, str] = {}
    if "exchange" in cols:
        exchanges = _exchanges(ticker, cols["exchange"], line_no, rows, add)
    if problems:
        problems.sort(key=lambda p: int(p.location.split()[1]))
        _raise(problems, source)

    # Every date is valid here, so the date codes are the iso codes.
    iso_text = d_uniq.tolist()
    date_of = np.array([dt.date.fromisoformat(d) for d in iso_text], dtype=object)[d_codes]
    time_of: Iterable[dt.time | None] = repeat(None)
    if time_codes is not None and time_uniq is not None:
        time_of = np.array([parse_time(t) for t in time_uniq.tolist()], dtype=object)[time_codes]
    zone_of: Iterable[str] = repeat(_DEFAULT_TZ) if zones is None else zones.to_numpy(object)
    names = np.array(t_uniq.tolist(), dtype=object)
    if event_id is None:  # ticker-date ids
        ids = names[t_codes] + np.array([f"-{d}" for d in iso_text], dtype=object)[d_codes]
    else:
        ids = event_id.to_numpy(dtype=object)
    with gc_paused():
        if unique_ids:
            one = np.empty(len(names), dtype=object)  # one shared 1-tuple per ticker
            one[:] = [(k,) for k in names]
            events = tuple(map(_event_maker(), ids, date_of, time_of, zone_of, one[t_codes]))
        else:
            time_at = list(islice(time_of, len(ids)))
            zone_at = list(islice(zone_of, len(ids)))
            members: dict[str, list[str]] = {}
            first_of: dict[str, int] = {}
            for i, (e, k) in enumerate(zip(ids, names[t_codes], strict=True)):
                if e not in members:
                    members[e] = []
                    first_of[e] = i
                members[e].append(k)
            events = tuple(
                Event(
                    id=e,
                    date=date_of[i],
                    time=time_at[i],
                    timezone=zone_at[i],
                    tickers=tuple(members[e]),
                )
                for e, i in first_of.items()
            )
    characteristics = None
    if len(extras.columns):
        characteristics = pd.concat(
            [
                pd.DataFrame({"event_id": ids, "ticker": names[t_codes]}),
                extras.reset_index(drop=True),
            ],
            axis=1,
        )
    return EventSet(
        name=name,
        events=events,
        tickers=tuple(names.tolist()),
        exchanges=exchanges,
        calendar=calendar,
        source=source,
        characteristics=characteristics,
    )


def _maybe_numeric(text: pd.Series) -> pd.Series:
    """A text column as numbers when every non-empty value is one (empty -> NaN), else as it is."""
    stripped = text.astype(str).str.strip()
    blank = stripped == ""
    numbers = pd.to_numeric(stripped.mask(blank), errors="coerce")
    return numbers if bool((numbers.notna() | blank).all()) else text


def _exchanges(
    ticker: pd.Series,
    code: pd.Series,
    line_no: np.ndarray,
    rows: _Rows,
    add: Callable[[str, str], None],
) -> dict[str, str]:
    """Each ticker's calendar from the ``exchange`` column (empty: the study calendar).

    A ticker trades on one exchange: two codes for one ticker are a problem, as is a code
    exchange_calendars does not know.
    """
    given = (code != "").to_numpy()
    c_codes, c_uniq = _codes(code)
    known = set(calendar_names())
    unknown = np.array([c != "" and c not in known for c in c_uniq], dtype=bool)[c_codes]
    for n, c in zip(_lines(unknown, line_no), code[unknown], strict=True):
        close = difflib.get_close_matches(c.upper(), calendar_names(), n=1)
        hint = (
            f"did you mean {close[0]!r}?" if close else "use an exchange_calendars code, e.g. XNYS"
        )
        add(rows.at(n), f"exchange {c!r} is not an exchange_calendars code; {hint}")
    pairs = pd.DataFrame({"ticker": ticker[given].to_numpy(), "exchange": code[given].to_numpy()})
    first = pairs.drop_duplicates("ticker")
    other = pairs.merge(first, on="ticker", suffixes=("", "_first"))
    clash = (other["exchange"] != other["exchange_first"]).to_numpy()
    where = line_no[given]
    for n, t, c, f in zip(
        where[clash],
        other["ticker"][clash],
        other["exchange"][clash],
        other["exchange_first"][clash],
        strict=True,
    ):
        add(
            rows.at(int(n)),
            f"ticker {t!r} has exchange {c!r} here but {f!r} on an earlier row; give each ticker "
            "one exchange",
        )
    return dict(zip(first["ticker"], first["exchange"], strict=True))


_EVENT_FIELDS = (
    "id",
    "date",
    "title",
    "time",
    "timezone",
    "description",
    "sources",
    "kind",
    "tickers",
)
_EVENT_CONSTANTS = ("title", "description", "sources", "kind")


def _event_maker() -> Callable[[str, dt.date, dt.time | None, str, tuple[str, ...]], Event]:
    """A function building one date-only firm-event of a CSV file (defaults for the rest).

    It fills a new instance's attributes in field order, exactly what the frozen dataclass's
    ``__init__`` does, without one ``object.__setattr__`` call per field: about three times
    faster for the million-row files the CSV form is for. When :class:`Event` is not the plain
    frozen dataclass this relies on (other fields, ``__post_init__``, slots), the constructor
    itself is used.
    """
    fields = dataclasses.fields(Event)
    defaults = {f.name: f.default for f in fields}
    plain = (
        tuple(f.name for f in fields) == _EVENT_FIELDS
        and not hasattr(Event, "__post_init__")
        and not hasattr(Event, "__slots__")
        and all(defaults[k] is not dataclasses.MISSING for k in _EVENT_CONSTANTS)
    )
    if not plain:
        return lambda e, d, t, z, k: Event(id=e, date=d, time=t, timezone=z, tickers=k)
    new = object.__new__
    title, description, sources, kind = (defaults[k] for k in _EVENT_CONSTANTS)

    def make(e: str, d: dt.date, t: dt.time | None, z: str, k: tuple[str, ...]) -> Event:
        event = new(Event)
        values = event.__dict__
        values["id"] = e
        values["date"] = d
        values["title"] = title
        values["time"] = t
        values["timezone"] = z
        values["description"] = description
        values["sources"] = sources
        values["kind"] = kind
        values["tickers"] = k
        return event

    return make


def _repeated(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """True for every repeat of an earlier key (``keys`` are integers in ``[0, n_keys)``)."""
    if n_keys <= 4 * len(keys) + 1024 and np.bincount(keys, minlength=n_keys).max() <= 1:
        return np.zeros(len(keys), dtype=bool)  # every key once: no hashing needed
    return pd.Series(keys).duplicated().to_numpy()


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each value and the distinct values in first-seen order (same dtype)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(uniques)


# -- listing ------------------------------------------------------------------------------------
def describe_events(events: EventSet) -> pd.DataFrame:
    """One row per event with its aligned day 0 (what ``eventstudy events list`` prints).

    Parameters
    ----------
    events
        A loaded study definition.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``kind``, ``title``, ``date``, ``time`` (``"HH:MM"`` or empty),
        ``timezone``, ``tickers`` (comma-separated, or ``"all"`` for the study's tickers),
        ``n_tickers``, ``day0`` (session on the study calendar) and, for each ticker with its own
        exchange in ``events.exchanges``, ``day0_<TICKER>`` on that exchange's calendar (``NaT``
        when the event does not apply to that ticker). With ``calendar = "data"`` the sessions
        are the benchmark's own trading days, known only when a study reads its prices: ``day0``
        is then ``NaT`` for every event.

    Raises
    ------
    InputError
        If an event date lies outside a calendar or a calendar code is unknown.
    """
    evs = events.events
    on_data = events.calendar.strip() == DATA_CALENDAR
    main = None if on_data else TradingCalendar(events.calendar)
    own = {t: TradingCalendar(c) for t, c in events.exchanges.items()}
    # first: it names a date outside the calendar; the benchmark's days are known only at run time
    day0 = _day0(main, evs) if main is not None else pd.DatetimeIndex([pd.NaT] * len(evs))
    frame = pd.DataFrame(
        {
            "id": [e.id for e in evs],
            "kind": [e.kind for e in evs],
            "title": [e.title for e in evs],
            "date": pd.to_datetime([e.date for e in evs]),
            "time": [e.time.strftime("%H:%M") if e.time is not None else "" for e in evs],
            "timezone": [e.timezone for e in evs],
            "tickers": [",".join(e.tickers) if e.tickers is not None else "all" for e in evs],
            "n_tickers": [len(events.tickers_of(e)) for e in evs],
        }
    )
    frame["day0"] = pd.Series(day0, index=frame.index, dtype="datetime64[ns]")
    for ticker, cal in own.items():
        applies = np.array([ticker in events.tickers_of(e) for e in evs], dtype=bool)
        col = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        if applies.any():
            col[applies] = _day0(cal, [e for e, a in zip(evs, applies, strict=True) if a])
        frame[f"day0_{ticker}"] = col
    return frame


def _day0(cal: TradingCalendar, evs: tuple[Event, ...] | list[Event]) -> pd.DatetimeIndex:
    """Aligned sessions: vectorised for date-only events, one by one for timed ones."""
    out = np.empty(len(evs), dtype="datetime64[ns]")
    timed = np.array([e.time is not None for e in evs], dtype=bool)
    if (~timed).any():
        dates = [e.date for e, t in zip(evs, timed, strict=True) if not t]
        out[~timed] = cal.align_many(dates).to_numpy()
    for i in np.flatnonzero(timed):
        out[i] = cal.align_event(evs[i]).to_datetime64()
    return pd.DatetimeIndex(out)
