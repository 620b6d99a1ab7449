"""Provider protocols and the one canonical long price frame.

Every price source (local file, yfinance, cache) hands prices to the study as a LONG frame with
exactly :data:`PRICE_COLUMNS`, built by :func:`normalize_price_frame`:

========== ================================ ================================================
column     dtype                            meaning
========== ================================ ================================================
date       ``datetime64[ns]``, tz-naive     the trading day, normalised to midnight
ticker     ``str``                          the symbol as requested
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
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..errors import InputError

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


def _bad_row_error(source: str, column: str, position: int, value: object, what: str) -> InputError:
    if _isna(value) or (isinstance(value, str) and not value.strip()):
        return InputError(
            f"{source}: column {column!r} is empty in data row {position + 1}; fill in {what} "
            "or delete that row.",
            source=source,
            field=column,
            value=None,
        )
    return InputError(
        f"{source}: column {column!r} holds {value!r} in data row {position + 1}, which is not "
        f"{what}; fix or delete that row.",
        source=source,
        field=column,
        value=value,
    )


def _parse_dates(raw: pd.Series, source: str) -> pd.Series:
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
                # Not ISO 8601: let pandas infer one format for the whole column.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                    parsed = pd.to_datetime(text, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            parsed = pd.Series(pd.NaT, index=raw.index)
    bad = np.flatnonzero(pd.isna(parsed).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise _bad_row_error(source, "date", i, raw.iloc[i], "a date such as 2025-01-27")
    try:
        return pd.Series(to_naive_dates(parsed), index=raw.index)
    except (ValueError, TypeError, OverflowError) as exc:  # pragma: no cover - mixed time zones
        raise InputError(
            f"{source}: column 'date' mixes time zones or holds out-of-range dates ({exc}); write "
            "plain dates such as 2025-01-27.",
            source=source,
            field="date",
        ) from None


def _parse_numbers(raw: pd.Series, column: str, source: str) -> pd.Series:
    """Coerce a numeric column; blanks become NaN, anything else unparseable raises."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise _bad_row_error(source, column, 0, raw.iloc[0], "a number")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.astype(float)
    else:
        text = _as_text(raw)
        blank = text.fillna("").eq("").to_numpy(dtype=bool)
        parsed = pd.to_numeric(text.mask(blank), errors="coerce")
        values = pd.Series(parsed.to_numpy(dtype=float, na_value=np.nan), index=raw.index)
        bad = np.flatnonzero(values.isna().to_numpy() & ~blank)
        if len(bad):
            i = int(bad[0])
            raise _bad_row_error(source, column, i, raw.iloc[i], "a number")
    inf = np.flatnonzero(np.isinf(values.to_numpy()))
    if len(inf):
        i = int(inf[0])
        raise _bad_row_error(source, column, i, raw.iloc[i], "a finite number")
    return values


def _as_text(raw: pd.Series) -> pd.Series:
    """Values as stripped strings (missing values stay missing), vectorised."""
    return raw.astype("string").str.strip()


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def normalize_price_frame(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a long price table and return it as the canonical frame (:data:`PRICE_COLUMNS`).

    Column names are matched case- and space-insensitively (``"Adj Close"`` -> ``adj_close``,
    ``"Symbol"`` -> ``ticker``); columns other than :data:`PRICE_COLUMNS` are dropped. Without an
    ``adj_close`` column it is NaN (the returns code then falls back to ``close``); without a
    ``close`` column, ``close`` is a copy of ``adj_close`` (market values then use the adjusted
    price). Blank prices become NaN. Duplicate (ticker, date) rows are kept for
    :func:`eventstudy.data.quality.check_prices` to report.

    Parameters
    ----------
    frame
        Long table with at least ``date``, ``ticker`` and one of ``adj_close`` / ``close``.
    source
        File or provider the table came from; named in every error.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRICE_COLUMNS` with the documented dtypes, sorted by ticker then date.

    Raises
    ------
    InputError
        If a required column is missing or duplicated, or a date, ticker or number cannot be
        parsed; the message names ``source``, the column and the first bad data row.
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
        return empty_price_frame()

    dates = _parse_dates(data["date"], source)
    raw_ticker = data["ticker"]
    tickers = _as_text(raw_ticker)
    bad = np.flatnonzero(tickers.fillna("").eq("").to_numpy(dtype=bool))
    if len(bad):
        i = int(bad[0])
        raise _bad_row_error(source, "ticker", i, raw_ticker.iloc[i], "a ticker symbol")
    out = pd.DataFrame({"date": dates, "ticker": tickers.astype(str)})
    for col in NUMERIC_COLUMNS:
        if col in data:
            out[col] = _parse_numbers(data[col], col, source)
        else:
            out[col] = np.nan
    if "close" not in data:
        out["close"] = out["adj_close"]
    out = out[list(PRICE_COLUMNS)]
    out = out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    return out
