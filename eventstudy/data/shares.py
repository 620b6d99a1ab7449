"""Shares outstanding: from a local file or from Yahoo (``Ticker.get_shares_full``).

Share counts turn abnormal returns into dollar market-value changes. A count is dated (its
``as_of``); :func:`shares_on` picks the one in force on a given day.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._text import show
from ..errors import DataQualityWarning, InputError
from .base import SHARES_COLUMNS, canonical_column, day_month_format
from .cache import DEFAULT_CACHE, ParquetCache
from .csv import read_table

YAHOO_SOURCE = "Yahoo Finance shares outstanding (yfinance get_shares_full)"
CACHE_PROVIDER = "yfinance-shares"


def empty_shares_frame() -> pd.DataFrame:
    """A zero-row frame with :data:`~eventstudy.data.base.SHARES_COLUMNS` and their dtypes."""
    return pd.DataFrame(
        {
            "ticker": pd.Series([], dtype=str),
            "as_of": pd.Series([], dtype="datetime64[ns]"),
            "shares": pd.Series([], dtype=float),
            "source": pd.Series([], dtype=str),
        }
    )


def normalize_shares_frame(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a share-count table and return it with the canonical columns and dtypes.

    Parameters
    ----------
    frame
        Table with ``ticker, as_of, shares`` and optionally ``source``.
    source
        File the table came from; named in errors and used as ``source`` when the column is
        absent or blank.

    Returns
    -------
    pandas.DataFrame
        Columns ``ticker, as_of, shares, source`` sorted by ticker then ``as_of``.

    Raises
    ------
    InputError
        If a column is missing, a date or count is unparseable or not positive, or one ticker
        has two different counts on one day (identical repeats are dropped).
    """
    cols = {canonical_column(c): c for c in frame.columns}
    for need in ("ticker", "as_of", "shares"):
        if need not in cols:
            raise InputError(
                f"{source}: no {need!r} column (columns are "
                f"{', '.join(map(str, frame.columns)) or 'none'}); a share-count file or "
                "DataFrame needs ticker, as_of, shares and optionally source.",
                source=source,
                field=need,
            )
    if not len(frame):
        return empty_shares_frame()
    out = pd.DataFrame(index=range(len(frame)))
    raw_ticker = frame[cols["ticker"]].reset_index(drop=True)
    out["ticker"] = raw_ticker.map(lambda v: "" if pd.isna(v) else str(v).strip()).astype(str)
    as_of_raw = frame[cols["as_of"]].reset_index(drop=True).astype(object)
    # NN/NN/YYYY dates in the order the whole column proves (never guessed from the first row)
    as_of_format = day_month_format(as_of_raw, source, "as_of")
    as_of = pd.to_datetime(as_of_raw, errors="coerce", format=as_of_format)
    shares = pd.to_numeric(frame[cols["shares"]].reset_index(drop=True), errors="coerce")
    for i in range(len(out)):
        problem = None
        if out["ticker"].iat[i] == "":
            problem, field, value = "has no ticker", "ticker", raw_ticker.iat[i]
        elif pd.isna(as_of.iat[i]):
            problem, field, value = "has no valid as_of date", "as_of", frame[cols["as_of"]].iat[i]
        elif not np.isfinite(shares.iat[i]) or shares.iat[i] <= 0:
            problem, field, value = (
                "has no positive share count",
                "shares",
                frame[cols["shares"]].iat[i],
            )
        if problem:
            raise InputError(
                f"{source}: data row {i + 1} {problem} ({field}={show(value)}); give ticker, an "
                "as_of date such as 2024-11-15 and a positive count of shares.",
                source=source,
                field=field,
                value=value,
            )
    out["as_of"] = pd.DatetimeIndex(as_of).tz_localize(None).normalize().as_unit("ns")
    out["shares"] = shares.astype(float).to_numpy()
    if "source" in cols:
        src = frame[cols["source"]].reset_index(drop=True)
        out["source"] = src.map(lambda v: source if pd.isna(v) or not str(v).strip() else str(v))
    else:
        out["source"] = source
    out["source"] = out["source"].astype(str)
    out = out[list(SHARES_COLUMNS)]
    out = out.sort_values(["ticker", "as_of"], kind="stable").reset_index(drop=True)
    return _one_count_per_day(out, source)


def _one_count_per_day(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Drop repeated identical counts; two different counts for one ticker and day are an error.

    Neither count can be preferred on the data alone (a 10x difference is a unit slip in one of
    them), so the user must choose.
    """
    key = table[["ticker", "as_of"]]
    repeated = key.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return table
    spread = table[repeated].groupby(["ticker", "as_of"], sort=False)["shares"].agg(["min", "max"])
    differ = spread[spread["max"] != spread["min"]]
    if len(differ):
        (ticker, as_of), low, high = differ.index[0], differ["min"].iat[0], differ["max"].iat[0]
        more = f", and {len(differ) - 1} more ticker-dates differ" if len(differ) > 1 else ""
        raise InputError(
            f"{source}: {ticker} has two different share counts on {as_of:%Y-%m-%d} ({low:,.0f} "
            f"and {high:,.0f}{more}); keep one row per ticker and date.",
            source=source,
            field="shares",
            value=str(ticker),
        )
    return table[~key.duplicated(keep="first").to_numpy()].reset_index(drop=True)


class LocalSharesProvider:
    """Share counts from a CSV or Parquet file with columns ``ticker, as_of, shares[, source]``.

    Parameters
    ----------
    path
        The share-count file (a ``str`` or path-like). The file is read, and a missing file
        reported, by :meth:`get_shares`. A DataFrame of counts goes to ``EventStudy.run(prices,
        shares)`` directly (or :class:`~eventstudy.data.frames.FrameSharesProvider`).

    Raises
    ------
    InputError
        If ``path`` is not a path (a number, a DataFrame, ...).
    """

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, (str, os.PathLike)):
            hint = (
                "; pass a DataFrame of counts to EventStudy.run(prices, shares) directly"
                if isinstance(path, pd.DataFrame)
                else ""
            )
            raise InputError(
                "LocalSharesProvider(path=...) needs the path of a CSV or Parquet share-count "
                f"file, got {type(path).__name__}; pass e.g. LocalSharesProvider('shares.csv')"
                f"{hint}.",
                field="path",
                value=path,
            )
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"LocalSharesProvider({str(self.path)!r})"

    def get_shares(self, tickers: Sequence[str]) -> pd.DataFrame:
        """Every dated count of ``tickers`` in the file; tickers not in it are absent.

        Parameters
        ----------
        tickers
            Symbols wanted.

        Returns
        -------
        pandas.DataFrame
            Columns ``ticker, as_of, shares, source``.

        Raises
        ------
        DataUnavailableError
            If the file does not exist.
        InputError
            If it cannot be read or a row is malformed.
        """
        table = normalize_shares_frame(read_table(self.path, "share-count"), str(self.path))
        wanted = set(map(str, tickers))
        return table[table["ticker"].isin(wanted)].reset_index(drop=True)


class YFinanceSharesProvider:
    """Share counts from Yahoo (``yf.Ticker(t).get_shares_full``), cached per ticker.

    Yahoo's series is daily-ish and sometimes noisy; every dated value is kept (the last one per
    day) and :func:`shares_on` picks the one in force. When Yahoo returns nothing (offline,
    unknown ticker, no data), the ticker is absent and a
    :class:`~eventstudy.errors.DataQualityWarning` names it.

    Parameters
    ----------
    cache
        Parquet cache (default folder when omitted; None disables caching). Entries are valid
        for the ``[start, end]`` range of the request, so a request ending today is fetched
        again the next day.
    start, end
        Range of counts asked for; default 2010-01-01 to today.
    ticker_factory
        Replacement for ``yfinance.Ticker`` (tests).
    """

    def __init__(
        self,
        cache: ParquetCache | None = DEFAULT_CACHE,
        start: dt.date | None = None,
        end: dt.date | None = None,
        ticker_factory: Callable[[str], Any] | None = None,
    ) -> None:
        if cache is DEFAULT_CACHE:
            cache = ParquetCache()
        self.cache = cache
        self.start = start or dt.date(2010, 1, 1)
        self.end = end
        self._factory = ticker_factory

    def __repr__(self) -> str:
        return f"YFinanceSharesProvider(cache={self.cache!r})"

    def get_shares(self, tickers: Sequence[str]) -> pd.DataFrame:
        """Dated share counts of ``tickers`` from Yahoo; tickers without any are absent.

        Parameters
        ----------
        tickers
            Yahoo symbols.

        Returns
        -------
        pandas.DataFrame
            Columns ``ticker, as_of, shares, source``.
        """
        end = self.end or dt.date.today()
        frames = []
        absent = []
        for t in dict.fromkeys(map(str, tickers)):
            frame = None
            if self.cache is not None:
                frame = self.cache.read(CACHE_PROVIDER, t, self.start, end)
            if frame is None:
                frame = self._fetch(t, end)
                if frame is not None and self.cache is not None:
                    self.cache.write(CACHE_PROVIDER, t, frame, self.start, end)
            if frame is None or not len(frame):
                absent.append(t)
            else:
                frames.append(frame)
        if absent:
            warnings.warn(
                f"Yahoo returned no share counts for {', '.join(absent)} (offline, unknown ticker "
                "or no data); their dollar market-value changes are left blank; give counts with "
                "--shares FILE or in the event file.",
                DataQualityWarning,
                stacklevel=2,
            )
        if not frames:
            return empty_shares_frame()
        out = pd.concat(frames, ignore_index=True)
        out["as_of"] = out["as_of"].astype("datetime64[ns]")
        out["shares"] = out["shares"].astype(float)
        out["ticker"] = out["ticker"].astype(str)
        out["source"] = out["source"].astype(str)
        return out[list(SHARES_COLUMNS)].reset_index(drop=True)

    def _fetch(self, ticker: str, end: dt.date) -> pd.DataFrame | None:
        factory = self._factory
        if factory is None:
            import yfinance as yf

            factory = yf.Ticker
        try:
            from .yfinance import quiet_yfinance

            with quiet_yfinance():
                series = factory(ticker).get_shares_full(
                    start=self.start.isoformat(), end=(end + dt.timedelta(days=1)).isoformat()
                )
        except Exception:  # noqa: BLE001 - yfinance raises many kinds when offline
            return None
        if series is None or not isinstance(series, pd.Series) or series.empty:
            return None
        values = pd.to_numeric(series, errors="coerce")
        idx = pd.DatetimeIndex(series.index)
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        frame = pd.DataFrame(
            {
                "ticker": ticker,
                "as_of": idx.normalize().as_unit("ns"),
                "shares": values.to_numpy(dtype=float),
                "source": YAHOO_SOURCE,
            }
        )
        frame = frame[np.isfinite(frame["shares"]) & (frame["shares"] > 0)]
        frame = frame.drop_duplicates("as_of", keep="last").sort_values("as_of")
        return frame.reset_index(drop=True) if len(frame) else None


def shares_on(
    shares_frame: pd.DataFrame, ticker: str, date: dt.date | pd.Timestamp | str
) -> tuple[float, pd.Timestamp, str] | None:
    """The share count of ``ticker`` in force on ``date``.

    The latest count with ``as_of <= date``; when every count is dated after ``date``, the
    earliest one is returned anyway (the caller should note "as of after the date").

    Parameters
    ----------
    shares_frame
        Frame with ``ticker, as_of, shares`` and optionally ``source``.
    ticker
        Symbol.
    date
        The day the count should apply to.

    Returns
    -------
    tuple of (float, pandas.Timestamp, str) or None
        ``(shares, as_of, source)``, or None when the ticker has no count.
    """
    rows = shares_frame[shares_frame["ticker"] == ticker]
    rows = rows[rows["shares"].notna()]
    if not len(rows):
        return None
    as_of = pd.to_datetime(rows["as_of"])
    when = pd.Timestamp(date)
    order = np.argsort(as_of.to_numpy(), kind="stable")
    rows, as_of = rows.iloc[order], as_of.iloc[order]
    before = np.flatnonzero((as_of <= when).to_numpy())
    i = int(before[-1]) if len(before) else 0
    source = str(rows["source"].iat[i]) if "source" in rows.columns else ""
    return float(rows["shares"].iat[i]), pd.Timestamp(as_of.iat[i]), source
