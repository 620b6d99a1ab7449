r"""Returns as input: a table of daily returns instead of prices, CRSP's daily file included.

Three layouts, CSV/Parquet files or DataFrames, column names matched ignoring case:

* ``date, ticker, ret`` with optional ``prc`` and ``shrout``;
* wide: a ``date`` column (or a ``DatetimeIndex``) and one column of returns per ticker, the
  benchmark among them (no prices, so no market values);
* CRSP daily stock file (``dsf``): ``permno, date, ret`` with optional ``dlret``, ``prc``,
  ``shrout`` (and any other columns, e.g. ``vwretd``). The PERMNO is the ticker: events name
  CRSP firms by PERMNO in their ``ticker`` column.

CRSP conventions, applied to both layouts:

* a ``ret``/``dlret`` value that is not a number (CRSP's letter codes such as ``B``, ``C``) or
  one of CRSP's numeric missing codes (-44, -55, -66, -77, -88, -99) is a missing return;
* a delisting return compounds into the return of its row, the firm's last day:
  :math:`R = (1 + RET)(1 + DLRET) - 1`, and :math:`R = DLRET` when RET is missing
  (Shumway 1997);
* a negative ``prc`` is the bid/ask midpoint (no trade that day): its absolute value is used;
* ``shrout`` is in thousands of shares: market value before day t is
  :math:`|PRC_{t-1}| \times SHROUT_{t-1} \times 1000`.

The benchmark comes from the same table: a ticker/PERMNO in it (e.g. an index fund's), or a
column holding the market's return on each date (CRSP's ``vwretd``, ``ewretd``, ``sprtrn``),
named with ``market=``.

References
----------
Shumway, T. (1997). The delisting bias in CRSP data. *Journal of Finance* 52(1), 327-340.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, DataUnavailableError, InputError
from .base import parse_date_column
from .csv import read_table

CRSP_MISSING_CODES = (-44.0, -55.0, -66.0, -77.0, -88.0, -99.0)
"""Numeric codes CRSP writes in RET/DLRET for a missing return."""

PRICES_SHARE = 0.05
"""Share of rows with |return| > 1 above which a return column is taken to hold prices."""

_ID_COLUMNS = ("date", "ticker", "permno", "ret", "dlret", "prc", "shrout")
_SYNONYMS = {"symbol": "ticker", "return": "ret", "price": "prc"}


@dataclass(frozen=True)
class ReturnsTable:
    """A checked returns table, long: one row per ticker and date.

    Attributes
    ----------
    frame
        Columns ``date`` (``datetime64[ns]``), ``ticker`` (text), ``ret`` (decimal, delisting
        returns compounded in), ``prc`` (``|PRC|``, NaN when unknown) and ``shrout``
        (thousands), plus any other numeric columns (candidate benchmarks such as ``vwretd``).
    source
        File name or ``"returns DataFrame"``, for messages.
    """

    frame: pd.DataFrame
    source: str

    @property
    def tickers(self) -> pd.Index:
        """The distinct tickers (PERMNOs as text)."""
        return pd.Index(pd.unique(self.frame["ticker"]))

    def days_of(self, benchmark: str) -> pd.DatetimeIndex:
        """The dates with a return of ``benchmark`` (a ticker or a column), for ``calendar="data"``.

        Raises
        ------
        DataUnavailableError
            If ``benchmark`` is neither a ticker nor a column of the table.
        """
        frame = self.frame
        if benchmark in set(self.tickers):
            rows = frame[(frame["ticker"] == benchmark) & frame["ret"].notna()]
            return pd.DatetimeIndex(rows["date"]).unique().sort_values()
        column = self._market_column(benchmark)
        return pd.DatetimeIndex(frame.loc[frame[column].notna(), "date"]).unique().sort_values()

    def _market_column(self, name: str) -> str:
        """The column holding the market return ``name`` (matched ignoring case)."""
        columns = {str(c).lower(): c for c in self.frame.columns if c not in _ID_COLUMNS}
        if name.lower() in columns:
            return str(columns[name.lower()])
        raise DataUnavailableError(
            f"benchmark {name!r} is neither a ticker in {self.source} nor one of its columns "
            f"({', '.join(columns) or 'none besides the returns'}); pass market= (--market) "
            "naming one, e.g. market='vwretd' for CRSP's value-weighted index.",
            source=self.source,
            field="market",
            value=name,
        )

    def on_sessions(
        self, sessions: pd.DatetimeIndex, firms: list[str], benchmarks: list[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Wide returns and closes on ``sessions`` and the dated share counts of ``firms``.

        A return dated on a day that is not a session compounds into the next session's
        (the move is kept, as a price file's next-session return would keep it).

        Parameters
        ----------
        sessions
            The study's sessions.
        firms
            Tickers of the firm-events.
        benchmarks
            Benchmark names: each is a ticker of the table or one of its columns.

        Returns
        -------
        returns : pandas.DataFrame
            Index ``sessions``, one column per firm and benchmark.
        close : pandas.DataFrame
            ``|PRC|`` of the firms on the sessions.
        shares : pandas.DataFrame
            ``ticker, as_of, shares, source``: ``SHROUT x 1000`` dated on its row's date, one
            row per change.

        Raises
        ------
        DataUnavailableError
            If a firm is not in the table, or a benchmark is neither a ticker nor a column.
        """
        frame = self.frame
        known = set(self.tickers)
        missing = [t for t in firms if t not in known]
        if missing:
            shown = ", ".join(sorted(known)[:20]) + (" ..." if len(known) > 20 else "")
            raise DataUnavailableError(
                f"{self.source} has no returns for {', '.join(missing[:20])} (it holds {shown}); "
                "events name firms as the table does (a CRSP file by PERMNO).",
                source=self.source,
                field="ticker",
                value=missing,
            )
        series_of = {b: self._market_column(b) for b in benchmarks if b not in known}
        wanted = list(dict.fromkeys([*firms, *(b for b in benchmarks if b not in series_of)]))
        sessions = pd.DatetimeIndex(sessions)
        lo = sessions[0] if len(sessions) else pd.Timestamp.max
        hi = sessions[-1] if len(sessions) else pd.Timestamp.min
        rows = frame[frame["ticker"].isin(wanted) & (frame["date"] >= lo) & (frame["date"] <= hi)]
        codes = pd.Index(wanted).get_indexer(rows["ticker"])
        dates = pd.DatetimeIndex(rows["date"])
        pos = sessions.searchsorted(dates, side="left")
        on = sessions[np.minimum(pos, len(sessions) - 1)] == dates
        ret = _compound(
            codes, pos, on, rows["ret"].to_numpy(dtype=float), len(sessions), len(wanted)
        )
        returns = pd.DataFrame(ret.T, index=sessions.rename("date"), columns=pd.Index(wanted))
        for name, column in series_of.items():
            market = frame.groupby("date", sort=True)[column].first()
            returns[name] = _on_sessions_series(market, sessions)
        close = np.full((len(sessions), len(wanted)), np.nan)
        close[pos[on], codes[on]] = rows["prc"].to_numpy(dtype=float)[on]
        close_frame = pd.DataFrame(close, index=sessions.rename("date"), columns=pd.Index(wanted))
        return returns, close_frame[firms], _share_counts(rows[on & rows["ticker"].isin(firms)])


def _compound(
    codes: np.ndarray, pos: np.ndarray, on: np.ndarray, ret: np.ndarray, n_dates: int, n_cols: int
) -> np.ndarray:
    """Returns laid on a (ticker x session) grid; off-session returns compound into the next."""
    grid = np.full((n_cols, n_dates), np.nan)
    inside = pos < n_dates
    if on[inside].all():
        grid[codes[inside], pos[inside]] = ret[inside]
        return grid
    codes, pos, ret, on = codes[inside], pos[inside], ret[inside], on[inside]
    key = codes.astype(np.int64) * n_dates + pos
    order = np.argsort(key, kind="stable")
    key, ret = key[order], ret[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    total = ret[starts].copy()
    several = sizes > 1
    if several.any():
        # a span of days: (1 + r1)(1 + r2)... - 1; a missing day leaves the span unknown
        growth = np.multiply.reduceat(1.0 + ret, starts)
        total[several] = growth[several] - 1.0
    grid.ravel()[key[starts]] = total
    warnings.warn(
        f"{int((~on).sum())} return(s) fall on days that are not sessions of the study's "
        "calendar; each was compounded into the next session's return (pass calendar= to "
        "match the data's market)",
        DataQualityWarning,
        stacklevel=4,
    )
    return grid


def _on_sessions_series(series: pd.Series, sessions: pd.DatetimeIndex) -> np.ndarray:
    """A date-indexed return series on the sessions (off-session dates compound forward)."""
    dates = pd.DatetimeIndex(series.index)
    keep = (dates >= sessions[0]) & (dates <= sessions[-1])
    dates, values = dates[keep], series.to_numpy(dtype=float)[keep]
    pos = sessions.searchsorted(dates, side="left")
    on = sessions[np.minimum(pos, len(sessions) - 1)] == dates
    grid = _compound(np.zeros(len(pos), np.intp), pos, on, values, len(sessions), 1)
    return grid[0]


def _share_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """``SHROUT x 1000`` as dated share counts, one row per change of each firm's count."""
    have = rows[rows["shrout"].notna()].sort_values(["ticker", "date"], kind="stable")
    count = have["shrout"].to_numpy(dtype=float) * 1000.0
    ticker = have["ticker"].to_numpy(dtype=object)
    change = np.r_[True, (ticker[1:] != ticker[:-1]) | (count[1:] != count[:-1])][: len(have)]
    return pd.DataFrame(
        {
            "ticker": ticker[change],
            "as_of": have["date"].to_numpy()[change],
            "shares": count[change],
            "source": "shrout x 1000",
        }
    )


def read_returns(data: Any, source: str | None = None) -> ReturnsTable:
    """Read and check a returns table (a CSV/Parquet path or a DataFrame).

    Parameters
    ----------
    data
        The table; see the module docstring for the layouts.
    source
        Name used in messages (default: the path, or ``"returns DataFrame"``).

    Returns
    -------
    ReturnsTable

    Raises
    ------
    InputError
        If a required column is missing, a date does not parse, a ticker/date repeats, a
        return is below -100%, or the return column holds prices (or percent): more than
        :data:`PRICES_SHARE` of its values beyond 1 in absolute value.

    Examples
    --------
    >>> import pandas as pd
    >>> crsp = pd.DataFrame({"PERMNO": [10107, 10107], "date": [20250124, 20250127],
    ...                      "RET": ["C", "-0.02"], "DLRET": [None, -0.5],
    ...                      "PRC": [-100.0, 98.0], "SHROUT": [1000, 1000]})
    >>> read_returns(crsp).frame[["ticker", "ret", "prc"]].values.tolist()
    [['10107', nan, 100.0], ['10107', -0.51, 98.0]]
    """
    if isinstance(data, (str, Path)):
        source = source or str(data)
        frame = read_table(Path(data), "returns")
    elif isinstance(data, pd.DataFrame):
        source = source or "returns DataFrame"
        if isinstance(data.index, pd.DatetimeIndex) and not _has_date_column(data):
            data = data.rename_axis("date")
        frame = data.reset_index(drop=not _named_date_index(data))
    else:
        raise InputError(
            f"returns must be a DataFrame or a file path, got {type(data).__name__}; pass e.g. "
            "a DataFrame with date,ticker,ret or a CRSP file with permno,date,ret.",
            field="returns",
            value=type(data).__name__,
        )
    frame = _long_if_wide(frame, source)
    names = [_SYNONYMS.get(str(c).strip().lower(), str(c).strip().lower()) for c in frame.columns]
    frame = frame.set_axis(names, axis=1)
    if "ticker" not in names and "permno" in names:
        frame = frame.rename(columns={"permno": "ticker"})
        names = list(frame.columns)
    for need, hint in (
        ("date", "the trading day"),
        ("ticker", "the firm (ticker, or permno for CRSP)"),
        ("ret", "the daily return in decimals"),
    ):
        if need not in names:
            raise InputError(
                f"{source}: no {need!r} column (columns are {', '.join(names)}); add a column "
                f"{need} holding {hint}.",
                source=source,
                field=need,
            )
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InputError(
            f"{source}: column {twice!r} appears twice; keep one.", source=source, field=twice
        )
    out = pd.DataFrame(
        {
            "date": parse_date_column(frame["date"], source),
            "ticker": _ticker_text(frame["ticker"]),
            "ret": _returns(frame, "ret", source),
        }
    )
    if "dlret" in names:
        dlret = _returns(frame, "dlret", source).to_numpy()
        ret = out["ret"].to_numpy()
        delisted = ~np.isnan(dlret)
        out["ret"] = np.where(
            delisted, np.where(np.isnan(ret), dlret, (1.0 + ret) * (1.0 + dlret) - 1.0), ret
        )
    prc = _numbers(frame, "prc", source)
    out["prc"] = np.where(prc == 0, np.nan, np.abs(prc))  # negative: bid/ask midpoint
    out["shrout"] = _numbers(frame, "shrout", source)
    for name in names:
        if name not in _ID_COLUMNS and pd.api.types.is_numeric_dtype(frame[name].dtype):
            out[name] = frame[name].to_numpy(dtype=float)
    _check_unique(out, source)
    return ReturnsTable(out, source)


def _has_date_column(frame: pd.DataFrame) -> bool:
    return any(str(c).strip().lower() == "date" for c in frame.columns)


def _long_if_wide(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """A wide table (``date`` and one return column per ticker) as ``date, ticker, ret``.

    A table is wide when it has a ``date`` column and no ``ret``, ``ticker`` or ``permno``
    column. Each ticker's column is checked on its own (so a message names it); missing
    returns stay missing.
    """
    lower = [_SYNONYMS.get(str(c).strip().lower(), str(c).strip().lower()) for c in frame.columns]
    if "date" not in lower or {"ret", "ticker", "permno"} & set(lower):
        return frame
    at = lower.index("date")
    tickers = [str(c).strip() for i, c in enumerate(frame.columns) if i != at]
    if not tickers:
        return frame  # reported as a table without a 'ret' column
    block = frame.drop(columns=frame.columns[at])
    values = np.column_stack(
        [_returns(block, column, source).to_numpy() for column in block.columns]
    )
    return pd.DataFrame(
        {
            "date": np.tile(frame.iloc[:, at].to_numpy(), len(tickers)),
            "ticker": np.repeat(np.array(tickers, dtype=object), len(frame)),
            "ret": values.T.ravel(),
        }
    )


def _named_date_index(frame: pd.DataFrame) -> bool:
    return frame.index.name is not None and str(frame.index.name).strip().lower() == "date"


def _ticker_text(values: pd.Series) -> np.ndarray:
    """Tickers as text; PERMNOs stored as numbers become ``"10107"`` (not ``"10107.0"``)."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.notna() & (values == values.round())
        return np.where(whole, values.fillna(0).astype("int64").astype(str), values.astype(str))
    return values.astype(str).str.strip().to_numpy(dtype=object)


def _numbers(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return values


def _returns(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """A return column as decimals: codes are missing; prices or percent are an error."""
    raw = frame[column]
    values = pd.Series(pd.to_numeric(raw, errors="coerce"), dtype=float).to_numpy()
    values = np.where(np.isin(values, CRSP_MISSING_CODES), np.nan, values)
    have = ~np.isnan(values)
    big = have & (np.abs(values) > 1.0)
    if big.sum() >= 3 and big.sum() > PRICES_SHARE * have.sum():
        i = int(np.flatnonzero(big)[0])
        raise InputError(
            f"{source}: column {column!r} is beyond 1 in absolute value on {int(big.sum())} of "
            f"{int(have.sum())} rows (e.g. {values[i]:g} in data row {i + 1}): it holds prices "
            "or percent, not decimal returns; pass prices with --prices (prices=), or divide "
            "percent returns by 100.",
            source=source,
            field=column,
            value=float(values[i]),
        )
    below = np.flatnonzero(have & (values < -1.0))
    if len(below):
        i = int(below[0])
        raise InputError(
            f"{source}: column {column!r} holds {values[i]:g} in data row {i + 1}, a loss of more "
            "than 100%; give simple returns in decimals (-0.05 for -5%) and fix or delete that "
            "row.",
            source=source,
            field=column,
            value=float(values[i]),
        )
    return pd.Series(values, index=frame.index)


def _check_unique(frame: pd.DataFrame, source: str) -> None:
    repeated = frame.duplicated(["ticker", "date"])
    if repeated.any():
        i = int(np.flatnonzero(repeated.to_numpy())[0])
        raise InputError(
            f"{source}: ticker {frame['ticker'].iloc[i]!r} has two returns on "
            f"{frame['date'].iloc[i]:%Y-%m-%d} (data row {i + 1}); keep one row per ticker and "
            "date.",
            source=source,
            field="date",
            value=str(frame["date"].iloc[i].date()),
        )
