"""Provider protocols and the one canonical long price frame.

Every price source (local file, yfinance, cache) hands prices to the study as a LONG frame with
exactly :data:`PRICE_COLUMNS`, built by :func:`normalize_price_frame`:

========== ================================ ================================================
column     dtype                            meaning
========== ================================ ================================================
date       ``datetime64[ns]``, tz-naive     the trading day, normalised to midnight
ticker     ``str`` (``object`` on pandas 2) the symbol as requested
close      ``float64``                      close (split-adjusted, not dividend-adjusted)
adj_close  ``float64``                      split- and dividend-adjusted close; NaN if none
volume     ``float64``                      shares traded; NaN if unknown
========== ================================ ================================================

Rows are sorted by ticker, then date.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from .._text import show
from ..errors import DataQualityWarning, InputError

PRICE_COLUMNS = ("date", "ticker", "close", "adj_close", "volume")
"""Columns of the canonical long price frame, in order."""

SHARES_COLUMNS = ("ticker", "as_of", "shares", "source")
"""Columns of the share-count frame returned by a :class:`SharesProvider`."""

NUMERIC_COLUMNS = ("close", "adj_close", "volume")

# Spelling variants accepted in input files, after lower-casing and turning spaces/dashes into "_".
_ALIASES = {
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "adjusted_close": "adj_close",
    "adj_close_price": "adj_close",
    "close": "close",
    "close_price": "close",
    "date": "date",
    "datetime": "date",
    "ticker": "ticker",
    "symbol": "ticker",
    "volume": "volume",
}


@runtime_checkable
class PriceProvider(Protocol):
    """Anything that returns daily prices as the canonical long frame.

    Attributes
    ----------
    name
        Short name of the source (``"file"``, ``"yfinance"``), shown in reports and messages.
    """

    name: str

    def get_prices(
        self,
        tickers: Sequence[str],
        start: dt.date,
        end: dt.date,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Daily prices of ``tickers`` from ``start`` to ``end``, both inclusive.

        Parameters
        ----------
        tickers
            Symbols to fetch.
        start, end
            First and last calendar day wanted (inclusive).
        progress
            Called as ``progress(done, total)`` after each ticker or batch.

        Returns
        -------
        pandas.DataFrame
            Long frame with exactly :data:`PRICE_COLUMNS`, sorted by ticker then date.

        Raises
        ------
        DataUnavailableError
            If any requested ticker has no data at all; the message names every such ticker.
        """
        ...


@runtime_checkable
class SharesProvider(Protocol):
    """Anything that returns shares-outstanding counts."""

    def get_shares(self, tickers: Sequence[str]) -> pd.DataFrame:
        """Share counts of ``tickers``.

        Parameters
        ----------
        tickers
            Symbols wanted.

        Returns
        -------
        pandas.DataFrame
            Columns ``ticker, as_of (datetime64[ns]), shares (float), source (str)``; tickers
            without a count are absent.
        """
        ...


def canonical_column(name: object) -> str:
    """Map a column label to its canonical name (``"Adj Close"`` -> ``"adj_close"``).

    Parameters
    ----------
    name
        Column label as found in a file.

    Returns
    -------
    str
        The canonical name when the label is a known spelling, otherwise the label lower-cased
        with spaces and dashes turned into underscores.
    """
    key = re.sub(r"[\s\-]+", "_", str(name).strip().lower())
    return _ALIASES.get(key, key)


def empty_price_frame() -> pd.DataFrame:
    """A zero-row frame with :data:`PRICE_COLUMNS` and their dtypes."""
    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[ns]"),
            "ticker": pd.Series([], dtype=str),
            "close": pd.Series([], dtype=float),
            "adj_close": pd.Series([], dtype=float),
            "volume": pd.Series([], dtype=float),
        }
    )


def to_naive_dates(values: pd.Series | pd.Index) -> pd.DatetimeIndex:
    """Tz-naive, midnight-normalised ``datetime64[ns]`` dates from datetime-like values.

    Tz-aware values keep their local calendar day (the time zone is dropped, not converted), so
    a Tokyo session stays on its Tokyo date.
    """
    idx = pd.DatetimeIndex(values)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.normalize().as_unit("ns")


_DAY_NS = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min
_LAST = np.iinfo(np.int64).max


def row_dates(values: pd.Series | pd.Index) -> pd.DatetimeIndex:
    """:func:`to_naive_dates` for a column of row dates, skipping the work when already done.

    Values that are already tz-naive ``datetime64[ns]`` at midnight are returned as they are
    (no frequency is inferred: the dates of a long frame have none).

    Parameters
    ----------
    values
        Datetime-like values, one per row.

    Returns
    -------
    pandas.DatetimeIndex
        Tz-naive, midnight-normalised ``datetime64[ns]`` dates.
    """
    idx = pd.DatetimeIndex(values)
    if idx.tz is None and idx.dtype == np.dtype("datetime64[ns]") and _midnight(idx.asi8):
        return idx
    return to_naive_dates(idx)


def _midnight(i8: np.ndarray, block: int = 1 << 16) -> bool:
    """Whether every nanosecond time in ``i8`` (NaT aside) is a midnight.

    Checked block by block in one small buffer: no array the size of the column is allocated.
    """
    buffer = np.empty(min(block, len(i8)), dtype=np.int64)
    for start in range(0, len(i8), block):
        part = i8[start : start + block]
        rest = np.remainder(part, _DAY_NS, out=buffer[: len(part)])
        if rest.any() and np.any(rest[part != _NAT]):
            return False
    return True


def ticker_codes(tickers: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's ticker and the tickers in first-seen order.

    Parameters
    ----------
    tickers
        One ticker per row; a missing value is a ticker of its own (as in :func:`pandas.unique`).

    Returns
    -------
    codes : numpy.ndarray
        ``intp`` code of each row, an index into ``uniques``.
    uniques : pandas.Index
        The distinct tickers in order of first appearance.

    Notes
    -----
    When every ticker's rows are contiguous (a frame sorted by ticker), the codes are found by
    comparing neighbouring rows, which is cheaper than hashing every string.
    """
    dtype = tickers.dtype
    if len(tickers) > 1 and isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan:
        values = tickers.array
        change = np.asarray(values[1:] != values[:-1], dtype=bool)  # NaN differs from all
        starts = np.flatnonzero(change) + 1
        heads = pd.Index(values.take(np.append(0, starts)))
        if heads.is_unique and not heads.hasnans:
            codes = np.zeros(len(tickers), dtype=np.intp)
            np.cumsum(change, out=codes[1:])
            return codes, heads
    codes, uniques = pd.factorize(tickers, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(uniques)


def sort_rank(uniques: pd.Index) -> np.ndarray:
    """Rank of each value of ``uniques`` in the order pandas sorts them (missing values last)."""
    order = pd.Series(uniques).sort_values(kind="stable").index.to_numpy()
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return rank


@dataclass(frozen=True)
class KeyRuns:
    """Rows of a long frame grouped by their (ticker, date) key; see :func:`key_runs`.

    Attributes
    ----------
    order
        Stable permutation that sorts the rows by key, or None when they already are sorted.
        Rows with equal keys keep their relative order.
    starts
        Position, in sorted order, of the first row of each distinct key; None when every row
        has a key of its own.
    n
        Number of rows.
    """

    order: np.ndarray | None
    starts: np.ndarray | None
    n: int

    def sizes(self) -> np.ndarray:
        """Number of rows of each key, in key order."""
        if self.starts is None:
            return np.ones(self.n, dtype=np.intp)
        return np.diff(np.append(self.starts, self.n))

    def last_rows(self) -> np.ndarray | None:
        """Row number of the last row of each key, in key order; None means all rows as they are."""
        if self.starts is None:
            return self.order
        ends = np.empty(len(self.starts), dtype=np.intp)
        ends[:-1] = self.starts[1:] - 1
        if len(ends):
            ends[-1] = self.n - 1
        return ends if self.order is None else self.order[ends]


def key_runs(group: np.ndarray, dates: np.ndarray) -> KeyRuns:
    """Group rows by (group, date), sorting them only when they are not in that order already.

    Parameters
    ----------
    group
        Integer group of each row (a ticker code or rank).
    dates
        ``int64`` nanosecond date of each row; NaT sorts last, as in
        :meth:`pandas.DataFrame.sort_values`.

    Returns
    -------
    KeyRuns
        The sorting permutation (if any) and where each key starts.
    """
    n = len(group)
    if n < 2:
        return KeyRuns(None, None, n)
    if dates.min() == _NAT:
        dates = np.where(dates == _NAT, _LAST, dates)
    # only boolean temporaries: they are an eighth of the size of the integer columns
    up = group[1:] > group[:-1]
    same = group[1:] == group[:-1]
    if np.all(up | (same & (dates[1:] > dates[:-1]))):
        return KeyRuns(None, None, n)  # sorted, one row per key: the common case
    order: np.ndarray | None = None
    if not np.all(up | (same & (dates[1:] >= dates[:-1]))):
        order = np.lexsort((dates, group))
        group, dates = group[order], dates[order]
        same = group[1:] == group[:-1]
    repeat = same & (dates[1:] == dates[:-1])
    if not repeat.any():
        return KeyRuns(order, None, n)
    return KeyRuns(order, np.append(0, np.flatnonzero(~repeat) + 1), n)


def session_positions(index: pd.DatetimeIndex, dates: pd.DatetimeIndex) -> np.ndarray:
    """Position of each date among the sessions ``index``, -1 when it is not one of them.

    The same as ``index.get_indexer(dates)``; for sorted, unique midnight sessions (a calendar)
    it is found by day arithmetic through a table instead of hashing every row's date.

    Parameters
    ----------
    index
        The sessions (tz-naive ``datetime64[ns]``).
    dates
        Row dates (tz-naive ``datetime64[ns]``).

    Returns
    -------
    numpy.ndarray
        ``intp`` positions.
    """
    keys = index.asi8
    calendar = (
        len(keys) > 0
        and index.dtype == np.dtype("datetime64[ns]")
        and dates.dtype == np.dtype("datetime64[ns]")
        and index.is_monotonic_increasing
        and index.is_unique
        and not index.hasnans
        and _midnight(keys)
    )
    if not calendar or (keys[-1] - keys[0]) // _DAY_NS > 10 * len(keys) + 10_000:
        return np.asarray(index.get_indexer(dates), dtype=np.intp)
    lo, hi = keys[0], keys[-1]
    table = np.full((hi - lo) // _DAY_NS + 1, -1, dtype=np.intp)
    table[(keys - lo) // _DAY_NS] = np.arange(len(keys), dtype=np.intp)
    values = dates.asi8
    offset = values - lo  # wraps around for NaT, which the range test below rejects
    day = offset // _DAY_NS
    found = (day * _DAY_NS == offset) & (values >= lo) & (values <= hi)
    np.clip(day, 0, len(table) - 1, out=day)
    positions = table[day]
    if not found.all():
        positions[~found] = -1
    return positions


def session_cells(
    col: np.ndarray, row: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat cell ``col * width + row`` of every row that lies on a session (``row >= 0``).

    Parameters
    ----------
    col
        Ticker code of each row (the grid's row).
    row
        Session position of each row, -1 when its date is not a session.
    width
        Number of sessions (the grid's row length).

    Returns
    -------
    cells : numpy.ndarray
        Flat index into a (ticker x session) grid of each placed row.
    placed : numpy.ndarray or None
        Which rows were placed; None when every row was.
    """
    placed: np.ndarray | None = row >= 0
    if placed is not None and placed.all():
        placed = None
    else:
        col, row = col[placed], row[placed]
    cells = np.multiply(col, width, dtype=np.intp)
    cells += row
    return cells, placed


def _bad_row_error(
    source: str, column: str, position: int, value: object, what: str, where: str | None = None
) -> InputError:
    where = where or f"data row {position + 1}"
    if _isna(value) or (isinstance(value, str) and not value.strip()):
        return InputError(
            f"{source}: column {column!r} is empty in {where}; fill in {what} or delete that row.",
            source=source,
            field=column,
            value=None,
        )
    return InputError(
        f"{source}: column {column!r} holds {show(value)} in {where}, which is "
        f"not {what}; fix or delete that row.",
        source=source,
        field=column,
        value=value,
    )


def _parse_dates(raw: pd.Series, source: str) -> pd.DatetimeIndex:
    """Parse a date column; any unparseable or missing value raises naming the first bad row."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw.dtype):
        parsed = raw
    else:
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            text = raw.map(lambda v: f"{v:.0f}" if pd.notna(v) else None)
        else:
            stripped = _as_text(raw)
            text = pd.Series(stripped.to_numpy(dtype=object, na_value=None), index=raw.index)
        try:
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
            unparsed = parsed.isna() & text.notna()
            if unparsed.any():
                # Not ISO 8601: NN/NN/YYYY dates in the order the whole column proves, else
                # one format pandas infers for the column.
                fmt = day_month_format(text, source, "date")
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                    parsed = pd.to_datetime(text, errors="coerce", format=fmt)
        except InputError:  # an ambiguous day/month order: a message of its own
            raise
        except (ValueError, TypeError, OverflowError):
            parsed = pd.Series(pd.NaT, index=raw.index)
    bad = np.flatnonzero(pd.isna(parsed).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise _bad_row_error(source, "date", i, raw.iloc[i], "a date such as 2025-01-27")
    try:
        return row_dates(parsed)
    except (ValueError, TypeError, OverflowError) as exc:  # pragma: no cover - mixed time zones
        raise InputError(
            f"{source}: column 'date' mixes time zones or holds out-of-range dates ({exc}); write "
            "plain dates such as 2025-01-27.",
            source=source,
            field="date",
        ) from None


_DAY_MONTH = r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\s*$"


def day_month_format(values: pd.Series, source: str, column: str) -> str | None:
    """The format of ``NN/NN/YYYY`` dates (``/``, ``.`` or ``-``), decided by the whole column.

    A first number above 12 somewhere proves day-first dates, a second number above 12
    month-first ones; the first rows alone would not tell (pandas guesses from the first value).

    Parameters
    ----------
    values
        Date texts (missing values allowed); values in other forms are ignored here.
    source, column
        Named in the error.

    Returns
    -------
    str or None
        ``"%d/%m/%Y"``, ``"%m/%d/%Y"`` (with the separator and year width found), or None when
        no value has that form (or the forms are mixed) and pandas should infer the format.

    Raises
    ------
    InputError
        If the column holds both day-first and month-first dates, or only dates such as
        ``03/02/2025`` that read both ways.
    """
    distinct = pd.Series(pd.unique(values.dropna().astype(str)), dtype=object)
    parts = distinct.str.extract(_DAY_MONTH).dropna()
    if not len(parts) or parts[1].nunique() > 1 or parts[3].str.len().nunique() > 1:
        return None
    first, second = parts[0].astype(int), parts[2].astype(int)
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first and month_first:
        a = distinct[parts.index[(first > 12).to_numpy()][0]]
        b = distinct[parts.index[(second > 12).to_numpy()][0]]
        raise InputError(
            f"{source}: column {column!r} mixes day-first dates ({a!r}) and month-first dates "
            f"({b!r}); write every date as YYYY-MM-DD, e.g. 2025-01-27.",
            source=source,
            field=column,
            value=b,
        )
    if not (day_first or month_first) and bool((first != second).any()):
        example = distinct[parts.index[(first != second).to_numpy()][0]]
        raise InputError(
            f"{source}: column {column!r} holds dates such as {example!r} that read as both "
            "day/month and month/day, and no date in it settles which; write the dates as "
            "YYYY-MM-DD, e.g. 2025-01-27.",
            source=source,
            field=column,
            value=example,
        )
    sep, year = parts[1].iat[0], "%Y" if len(parts[3].iat[0]) == 4 else "%y"
    return f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"


def _parse_volume(raw: pd.Series, source: str) -> pd.Series:
    """Volume as numbers where it reads as one (``1,234,567`` too), blank elsewhere, with a note.

    Prices and returns never use volume (only the abnormal-volume study does), so a value that
    cannot be read never stops a run: it is left blank and a :class:`DataQualityWarning` names it.
    """
    if pd.api.types.is_bool_dtype(raw.dtype):
        values = np.full(len(raw), np.nan)
        unread = np.ones(len(raw), dtype=bool)
    elif pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.astype(float).to_numpy(copy=True)
        unread = ~np.isfinite(values) & ~np.isnan(values)
    else:
        # thousands separators: comma, underscore, apostrophe, spaces (also non-breaking)
        text = _as_text(raw).str.replace(r"[,_'\s\u00a0\u202f]", "", regex=True)
        blank = text.fillna("").eq("").to_numpy(dtype=bool)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        unread = ~blank & ~np.isfinite(values)
    if unread.any():
        rows = np.flatnonzero(unread)
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        warnings.warn(
            f"{source}: column 'volume' holds {show(raw.iloc[int(rows[0])])} in data row "
            f"{int(rows[0]) + 1}{more}, which is not a number; those volumes are left blank "
            "(prices and returns do not use volume).",
            DataQualityWarning,
            stacklevel=4,
        )
        values[unread] = np.nan
    return pd.Series(values, copy=False)


#: Thousands separators read in a price: space, no-break space (U+00A0), narrow no-break space
#: (U+202F), underscore, apostrophe and right single quote (U+2019). The comma is separate: it is
#: also a decimal mark, so a comma-grouped price is read only with its dot decimal part.
_GROUPED_PRICE = (
    r"[+-]?\d{1,3}(?:,\d{3})+\.\d+"
    r"|[+-]?\d{1,3}([ _'\u00a0\u202f\u2019])\d{3}(?:\1\d{3})*(?:\.\d+)?"
)
_SEPARATORS = r"[,_'\s\u00a0\u202f\u2019]"
#: Digits with a comma and nothing but digits, dots and separators: 1,234 / 12,5 / 1.234,56.
_COMMA_NUMBER = r"[+-]?[\d.,_'\s\u00a0\u202f\u2019]*\d[\d.,_'\s\u00a0\u202f\u2019]*"


def _parse_numbers(
    raw: pd.Series,
    column: str,
    source: str,
    where: Callable[[int], tuple[str, str]] | None = None,
) -> pd.Series:
    """Coerce a price column; blanks become NaN, anything else unparseable raises.

    Text is read as a number when pandas reads it (``1234.5``, ``1.2e3``) or when its digits are
    grouped in threes by one thousands separator used throughout, with a dot as the decimal
    mark: ``1,234.50``, ``1 234.50`` (also a no-break or narrow no-break space), ``1_234.5``,
    ``1'234.5``. A comma is also a decimal mark in much of the world, so a comma-grouped price
    needs its dot decimal part: ``1,234`` (1234 or 1.234?), ``12,50`` and ``1.234,56`` are refused
    with a sentence asking for a dot decimal mark. ``where(i)`` gives the column and the place
    of row ``i`` named in messages (default ``column`` and ``data row i + 1``).
    """

    def bad(i: int, what: str) -> InputError:
        name, place = where(i) if where else (column, None)
        return _bad_row_error(source, name, i, raw.iloc[i], what, place)

    if pd.api.types.is_bool_dtype(raw.dtype):
        raise bad(0, "a number")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.astype(float)
    else:
        text = _as_text(raw)
        blank = text.fillna("").eq("").to_numpy(dtype=bool)
        parsed = pd.to_numeric(text.mask(blank), errors="coerce")
        values = pd.Series(parsed.to_numpy(dtype=float, na_value=np.nan), index=raw.index)
        unread = values.isna().to_numpy() & ~blank
        if unread.any():
            rows = np.flatnonzero(unread)
            grouped = text.iloc[rows]
            ok = grouped.str.fullmatch(_GROUPED_PRICE).to_numpy(dtype=bool)
            if ok.any():
                plain = grouped[ok].str.replace(_SEPARATORS, "", regex=True)
                values.iloc[rows[ok]] = pd.to_numeric(plain).to_numpy(dtype=float)
                unread[rows[ok]] = False
        first = np.flatnonzero(unread)
        if len(first):
            i = int(first[0])
            value, text_i = raw.iloc[i], str(text.iloc[i])
            if "," in text_i and re.fullmatch(_COMMA_NUMBER, text_i):
                name, place = where(i) if where else (column, f"data row {i + 1}")
                raise InputError(
                    f"{source}: column {name!r} holds {show(value)} in {place}, whose comma "
                    "could be a thousands separator or a decimal mark; write the price with a "
                    "dot as the decimal mark and any thousands commas in groups of three, e.g. "
                    "1234.50 or 1,234.50.",
                    source=source,
                    field=name,
                    value=value,
                )
            raise bad(i, "a number")
    inf = np.flatnonzero(np.isinf(values.to_numpy()))
    if len(inf):
        raise bad(int(inf[0]), "a finite number")
    return values


def _as_text(raw: pd.Series) -> pd.Series:
    """Values as stripped strings (missing values stay missing), vectorised."""
    return raw.astype("string").str.strip()


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def normalize_price_frame(
    frame: pd.DataFrame, source: str, *, wide_rows: int | None = None
) -> pd.DataFrame:
    """Check a long price table and return it as the canonical frame (:data:`PRICE_COLUMNS`).

    Column names are matched case- and space-insensitively (``"Adj Close"`` -> ``adj_close``,
    ``"Symbol"`` -> ``ticker``); columns other than :data:`PRICE_COLUMNS` are dropped. Without an
    ``adj_close`` column it is NaN (the returns code then falls back to ``close``); without a
    ``close`` column, ``close`` is a copy of ``adj_close`` (market values then use the adjusted
    price). Blank prices become NaN. Duplicate (ticker, date) rows are kept for
    :func:`eventstudy.data.quality.check_prices` to report.

    Prices written as text are read as numbers when pandas reads them (``1234.5``) or when their
    digits are grouped in threes by one thousands separator with a dot as the decimal mark:
    ``1,234.50``, ``1 234.50`` (also a no-break or narrow no-break space), ``1_234.5``,
    ``1'234.5``. A comma-grouped price needs its dot decimal part, because a comma is also a
    decimal mark: ``1,234``, ``12,50`` and ``1.234,56`` are refused (never guessed).

    Parameters
    ----------
    frame
        Long table with at least ``date``, ``ticker`` and one of ``adj_close`` / ``close``.
    source
        File or provider the table came from; named in every error.
    wide_rows
        Number of rows of the wide table ``frame`` was built from (each ticker's rows one after
        another), so that messages name the row of the wide table; None for a long table.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRICE_COLUMNS` with the documented dtypes, sorted by ticker then date.

    Raises
    ------
    InputError
        If a required column is missing or duplicated, or a date, ticker or number cannot be
        parsed; the message names ``source``, the column and the first bad data row (for a
        price, also its ticker and date).
    """
    return sorted_prices(frame, source, wide_rows=wide_rows).frame()


@dataclass(frozen=True)
class SortedPrices:
    """A checked long price table as arrays, rows sorted by ticker then date.

    Built by :func:`sorted_prices`; :meth:`frame` lays it out as the canonical long frame, of all
    rows or of a selection (a provider's tickers and dates) without building the rest.

    Attributes
    ----------
    dates
        Date of each row (tz-naive, midnight).
    codes
        Ticker of each row as an index into ``tickers``; never decreases down the rows.
    tickers
        The distinct tickers, sorted.
    numbers
        ``close``, ``adj_close`` and ``volume`` of each row (``float64``, default index).
    """

    dates: pd.DatetimeIndex
    codes: np.ndarray
    tickers: pd.Index
    numbers: dict[str, pd.Series]

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The canonical long frame (:data:`PRICE_COLUMNS`) of every row or of ``rows``.

        Parameters
        ----------
        rows
            Increasing row positions to keep; all rows when None.

        Returns
        -------
        pandas.DataFrame
        """
        dates, codes, numbers = self.dates, self.codes, self.numbers
        if rows is not None:
            dates, codes = dates.take(rows), codes[rows]
            numbers = {name: _take(values, rows) for name, values in numbers.items()}
        if not len(codes):
            return empty_price_frame()
        # No copies under copy-on-write (pandas 3): every column is a fresh array or a pandas
        # object it tracks. Without it (pandas 2), all rows' columns are this table's own (a
        # provider keeps it), and close may be adj_close itself: copy them.
        return pd.DataFrame(
            {
                "date": dates,
                "ticker": self.tickers.take(codes),
                **{name: numbers[name] for name in NUMERIC_COLUMNS},
            },
            copy=rows is None and not _copy_on_write(),
        )


def _copy_on_write() -> bool:
    """Whether pandas copies a shared column on its first change (always from pandas 3)."""
    return int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


def _take(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` at ``rows`` as a new series with a fresh default index."""
    return pd.Series(values.to_numpy()[rows], copy=False)


def sorted_prices(
    frame: pd.DataFrame, source: str, *, wide_rows: int | None = None
) -> SortedPrices:
    """Check a long price table like :func:`normalize_price_frame`, keeping it as arrays.

    Parameters
    ----------
    frame, source, wide_rows
        As for :func:`normalize_price_frame`.

    Returns
    -------
    SortedPrices
        The checked rows, sorted by ticker then date (stable).

    Raises
    ------
    InputError
        As :func:`normalize_price_frame`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{source}: expected a table of prices, got {type(frame).__name__}; pass a "
            "pandas DataFrame with columns date, ticker, adj_close and/or close.",
            source=source,
        )
    names = [canonical_column(c) for c in frame.columns]
    wanted = [n for n in names if n in PRICE_COLUMNS]
    dupes = sorted({n for n in wanted if wanted.count(n) > 1})
    if dupes:
        raise InputError(
            f"{source}: column {dupes[0]!r} appears more than once (after ignoring case and "
            "spaces); keep one of them.",
            source=source,
            field=dupes[0],
        )
    present = set(wanted)
    for required in ("date", "ticker"):
        if required not in present:
            raise InputError(
                f"{source}: no {required!r} column (columns are "
                f"{', '.join(map(str, frame.columns)) or 'none'}); a long price table needs "
                "date, ticker and adj_close and/or close.",
                source=source,
                field=required,
            )
    if not present & {"adj_close", "close"}:
        raise InputError(
            f"{source}: no price column (columns are {', '.join(map(str, frame.columns))}); "
            "add adj_close and/or close.",
            source=source,
            field="close",
        )
    positions = {n: i for i, n in enumerate(names) if n in PRICE_COLUMNS}
    data = {n: frame.iloc[:, i].reset_index(drop=True) for n, i in positions.items()}
    if not len(frame):
        empty = np.zeros(0, dtype=np.intp)
        no_numbers = {name: pd.Series([], dtype=float) for name in NUMERIC_COLUMNS}
        return SortedPrices(
            pd.DatetimeIndex([], dtype="datetime64[ns]"), empty, pd.Index([], dtype=str), no_numbers
        )

    dates = _parse_dates(data["date"], source)
    codes, uniques = _parse_tickers(data["ticker"], source)

    def where(col: str) -> Callable[[int], tuple[str, str]]:
        """The column and the place of row ``i`` named in a message about a price."""

        def place(i: int) -> tuple[str, str]:
            ticker, day = uniques[codes[i]], f"{dates[i]:%Y-%m-%d}"
            if wide_rows is None:
                return col, f"data row {i + 1} ({ticker} on {day})"
            return str(ticker), f"data row {i % wide_rows + 1} ({day})"  # the ticker's column

        return place

    numbers = {
        col: (
            _parse_volume(data[col], source)
            if col == "volume"
            else _parse_numbers(data[col], col, source, where(col))
        )
        if col in data
        else pd.Series(np.full(len(codes), np.nan), copy=False)
        for col in NUMERIC_COLUMNS
    }
    if "close" not in data:
        numbers["close"] = numbers["adj_close"]
    # Sort by ticker, then date (stable), through integer keys: a file written in that order
    # (the usual case) is recognised in one pass and not reordered.
    rank = sort_rank(uniques)
    if np.any(rank != np.arange(len(rank))):
        codes = rank[codes]
        uniques = uniques.take(np.argsort(rank))
    order = key_runs(codes, dates.asi8).order
    if order is not None:
        dates, codes = dates.take(order), codes[order]
        numbers = {name: _take(values, order) for name, values in numbers.items()}
    return SortedPrices(dates, codes, uniques, numbers)


def _parse_tickers(raw: pd.Series, source: str) -> tuple[np.ndarray, pd.Index]:
    """Each row's ticker as a code into the distinct stripped tickers.

    A blank or missing ticker raises naming the first bad row. A categorical column (a Parquet
    dictionary column) is stripped category by category instead of row by row.
    """
    if isinstance(raw.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
        raw.cat.categories.dtype
    ):
        labels = _as_text(pd.Series(raw.cat.categories))
        codes = raw.cat.codes.to_numpy()
        blank = np.append(labels.fillna("").eq("").to_numpy(dtype=bool), True)  # code -1: NA
        bad = np.zeros(0, dtype=np.intp)
        if blank[:-1].any() or codes.min() < 0:
            bad = np.flatnonzero(blank[codes])
        if not len(bad):
            # distinct categories may strip to the same ticker, and some may be unused
            label_codes, merged = ticker_codes(labels.astype(str))
            if np.any(label_codes != np.arange(len(label_codes))):
                codes = label_codes[codes]
            used = np.bincount(codes, minlength=len(merged)) > 0
            if not used.all():
                codes = (np.cumsum(used) - 1)[codes]
                merged = merged[used]
            return codes, merged
    else:
        text = _as_text(raw)
        bad = np.flatnonzero(text.fillna("").eq("").to_numpy(dtype=bool))
        if not len(bad):
            return ticker_codes(text.astype(str))
    i = int(bad[0])
    raise _bad_row_error(source, "ticker", i, raw.iloc[i], "a ticker symbol")


def parse_date_column(raw: pd.Series, source: str) -> pd.DatetimeIndex:
    """Parse a column of row dates (ISO text, ``YYYYMMDD`` numbers, datetimes) as price files do.

    Raises
    ------
    InputError
        Naming the first row whose value is missing or not a date.
    """
    return _parse_dates(raw, source)
