r"""Data-quality checks run on the prices before any estimation.

:func:`check_prices` reports every problem as one row of :attr:`QualityReport.issues` and
returns the cleaned long prices in :attr:`QualityReport.clean`:

====================== ====================================================== =================
check                  what is flagged                                        action
====================== ====================================================== =================
``duplicate_date``     a (ticker, date) appears more than once                last row kept
``non_positive_price`` ``close`` or ``adj_close`` is zero or negative         prices set to NaN
``suspected_split``    \|return\| > ``split_bound`` with a price ratio      that day's prices
                       within 2% of k:1 or 1:k, k = 2..20                     set to NaN
``gap``                more than ``max_gap`` sessions in a row without a      flagged (returns
                       price inside the ticker's range                        there are NaN)
``stale_price``        ``close`` unchanged for ``stale_days`` sessions or     flagged
                       more
``no_data``            a requested ticker has no price on any session         flagged
====================== ====================================================== =================
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import PriceField, ReturnKind, validate_literal
from ..errors import DataQualityWarning, InputError
from .base import (
    PRICE_COLUMNS,
    key_runs,
    row_dates,
    session_cells,
    session_positions,
    sort_rank,
    ticker_codes,
    to_naive_dates,
)
from .returns import _frame, _returns

ISSUE_COLUMNS = ("ticker", "check", "date", "value", "action", "message")
CHECKS = (
    "duplicate_date",
    "non_positive_price",
    "suspected_split",
    "gap",
    "stale_price",
    "no_data",
)
SPLIT_RATIOS = tuple(range(2, 21))
SPLIT_TOLERANCE = 0.02


@dataclass(frozen=True)
class PriceGrids:
    """The clean prices laid out on the sessions, as :func:`check_prices` judged them.

    Attributes
    ----------
    sessions
        The sessions (grid columns), tz-naive ``datetime64[ns]``.
    tickers
        Grid rows: the tickers in first-seen order of the checked frame.
    close, adj_close
        Clean prices, shape ``(len(tickers), len(sessions))``; NaN without a price.
    has_adj
        Per ticker, whether any clean row (on a session or not) has an ``adj_close``.
    """

    sessions: pd.DatetimeIndex
    tickers: pd.Index
    close: np.ndarray
    adj_close: np.ndarray
    has_adj: np.ndarray


@dataclass(frozen=True)
class QualityReport:
    """Outcome of :func:`check_prices`.

    Attributes
    ----------
    issues
        One row per problem: ``ticker, check, date, value, action, message`` (``date`` is NaT
        for checks about a whole ticker).
    clean
        The long prices after the actions (duplicates dropped, bad prices set to NaN).
    grids
        The clean prices on the sessions (see :meth:`returns_with_close`).
    """

    issues: pd.DataFrame
    clean: pd.DataFrame
    grids: PriceGrids | None = dataclasses.field(default=None, repr=False, compare=False)

    def count(self, check: str | None = None) -> int:
        """Number of issues, of one ``check`` or in total."""
        if check is None:
            return len(self.issues)
        return int((self.issues["check"] == check).sum())

    def returns_with_close(
        self, *, price_field: PriceField = "adj_close", kind: ReturnKind = "simple"
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Returns and wide closes of the clean prices, from the grids the checks laid out.

        Parameters
        ----------
        price_field, kind
            As for :func:`~eventstudy.data.returns.compute_returns`.

        Returns
        -------
        returns, close : pandas.DataFrame
            Exactly ``returns_with_close(self.clean, sessions, price_field=price_field,
            kind=kind)`` on the sessions the prices were checked on: the rows are not matched
            to tickers and sessions a second time.

        Raises
        ------
        InputError
            For an unknown ``price_field`` or ``kind``, or a report without grids.
        """
        validate_literal(price_field, PriceField, "price_field")
        validate_literal(kind, ReturnKind, "kind")
        g = self.grids
        if g is None:
            raise InputError(
                "this quality report carries no price grids; build it with check_prices() or "
                "call eventstudy.data.returns.returns_with_close(report.clean, sessions).",
                field="grids",
            )
        close, adj, has_adj, tickers = g.close, g.adj_close, g.has_adj, g.tickers
        # the clean frame is sorted by ticker: its tickers come in that order
        rank = sort_rank(tickers)
        if np.any(rank != np.arange(len(rank))):
            order = np.argsort(rank)
            close, adj, has_adj, tickers = close[order], adj[order], has_adj[order], tickers[order]
        index = g.sessions.rename("date")
        tickers = tickers.rename("ticker")
        level = close
        if price_field == "adj_close":
            # a ticker without any adjusted price (a price index) falls back to its close
            level = adj if has_adj.all() else np.where(has_adj[:, None], adj, close)
        returns = _frame(_returns(level, kind), index, tickers)
        return returns, _frame(close, index, tickers)


def _issue(
    ticker: str, check: str, date: pd.Timestamp | None, value: float, action: str, message: str
) -> dict[str, object]:
    return {
        "ticker": ticker,
        "check": check,
        "date": pd.NaT if date is None else pd.Timestamp(date),
        "value": float(value),
        "action": action,
        "message": message,
    }


def _split_ratio(ratio: float) -> str | None:
    """``"k:1"`` / ``"1:k"`` when ``ratio`` is within 2% of 1/k or k, else None."""
    for k in SPLIT_RATIOS:
        if abs(ratio * k - 1.0) <= SPLIT_TOLERANCE:
            return f"{k}:1"
        if abs(ratio / k - 1.0) <= SPLIT_TOLERANCE:
            return f"1:{k}"
    return None


def _row_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of True along the rows of a 2-D ``mask``, ordered by row then start.

    Returns
    -------
    row, start, length : numpy.ndarray
        Row of each run, its first column and its number of columns.
    """
    rows, cols = mask.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)  # a False column on both ends of each row
    padded[:, 1:-1] = mask
    edges = np.flatnonzero(np.diff(padded.ravel()))
    rise, fall = edges[::2] + 1, edges[1::2] + 1
    return rise // (cols + 2), rise % (cols + 2) - 1, fall - rise


def check_prices(
    prices: pd.DataFrame,
    sessions: pd.DatetimeIndex,
    *,
    max_gap: int = 5,
    stale_days: int = 10,
    split_bound: float = 0.45,
    tickers: Sequence[str] | None = None,
) -> QualityReport:
    r"""Check prices for duplicates, bad values, splits, gaps and stale quotes.

    Parameters
    ----------
    prices
        Canonical long frame (``date, ticker, close, adj_close, volume``).
    sessions
        The study's trading sessions; gaps, stale runs and splits are judged on them.
    max_gap
        Longest run of missing sessions inside a ticker's range that is not flagged.
    stale_days
        Flag ``close`` unchanged for this many consecutive sessions or more.
    split_bound
        Absolute simple return above which a day is tested for an unadjusted split.
    tickers
        Tickers that were requested; any without a price on a session is flagged ``no_data``.
        Tickers present in ``prices`` but without a price on any session are flagged too.

    Returns
    -------
    QualityReport
        ``issues`` (see :data:`ISSUE_COLUMNS`) and the cleaned prices.

    Raises
    ------
    InputError
        If an option is out of range or ``prices`` lacks a canonical column.

    Notes
    -----
    A split is suspected on session :math:`t` when :math:`|P_t/P_{t-1} - 1| >` ``split_bound``
    and :math:`|k P_t/P_{t-1} - 1| \le 0.02` (a k-for-1 split) or
    :math:`|P_t/(k P_{t-1}) - 1| \le 0.02` (a 1-for-k reverse split) for some
    :math:`k \in \{2, \dots, 20\}`, on ``close`` or ``adj_close``. Both prices of day
    :math:`t` are then set to NaN so neither that return nor the next one enters a study.
    """
    for label, value, low in (("max_gap", max_gap, 0), ("stale_days", stale_days, 2)):
        if not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{label}={value!r} must be a whole number >= {low}.", field=label)
    if not (isinstance(split_bound, int | float) and 0 < split_bound):
        raise InputError(
            f"split_bound={split_bound!r} must be a positive fraction such as 0.45.",
            field="split_bound",
        )
    missing = [c for c in PRICE_COLUMNS if c not in prices.columns]
    if missing:
        raise InputError(
            f"prices lack column(s) {', '.join(missing)}; pass the frame a price provider "
            "returned.",
            field=missing[0],
        )
    index = to_naive_dates(sessions)
    issues: list[dict[str, object]] = []
    frame = prices[list(PRICE_COLUMNS)]
    dates = row_dates(frame["date"])
    names = frame["ticker"].astype(str)
    # Tickers become integer codes once (first-seen order); every later step works on them.
    codes, uniques = ticker_codes(names)
    order = [str(t) for t in uniques]

    # duplicate_date: keep the last row of each (ticker, date); the kept rows come out sorted by
    # ticker, then date.
    keys = key_runs(sort_rank(uniques)[codes], dates.asi8)
    rows = keys.last_rows()
    if keys.starts is not None and rows is not None:
        sizes = keys.sizes()
        for group in np.flatnonzero(sizes > 1):
            r = int(rows[group])
            ticker, date, n = uniques[codes[r]], dates[r], sizes[group]
            if pd.isna(ticker) or pd.isna(date):  # as groupby: a missing key is not counted
                continue
            issues.append(
                _issue(
                    str(ticker),
                    "duplicate_date",
                    date,
                    n,
                    "kept last row",
                    f"{ticker} has {n} rows for {date:%Y-%m-%d}; the last one is used.",
                )
            )

    def pick(values: pd.Series | pd.Index) -> pd.Series:
        kept = values if rows is None else values.take(rows)
        return pd.Series(kept).reset_index(drop=True)

    columns = {"date": pick(dates), "ticker": pick(names)}
    columns.update({col: pick(frame[col]) for col in ("close", "adj_close", "volume")})
    clean = pd.DataFrame(columns, copy=False)  # copy-on-write keeps the input untouched
    col = codes if rows is None else codes[rows]
    day = clean["date"]

    # non_positive_price: zero or negative close/adj_close -> NaN.
    bad = (clean["close"] <= 0) | (clean["adj_close"] <= 0)
    bad_rows = np.flatnonzero(bad.to_numpy())
    if len(bad_rows):
        close_at, adj_at = clean["close"].to_numpy(), clean["adj_close"].to_numpy()
        for i in bad_rows:
            ticker, date = order[col[i]], day.iat[i]
            value = close_at[i] if close_at[i] <= 0 else adj_at[i]
            field = "close" if close_at[i] <= 0 else "adj_close"
            issues.append(
                _issue(
                    ticker,
                    "non_positive_price",
                    date,
                    value,
                    "prices set to NaN",
                    f"{ticker} has {field} {value:g} on {date:%Y-%m-%d}; prices must be "
                    "positive, so that day's prices are not used.",
                )
            )
        clean.loc[bad, ["close", "adj_close"]] = np.nan

    # Lay the prices on the sessions once: one row per ticker (first-seen order), one column per
    # session, so that each ticker's series is contiguous.
    n_days = len(index)
    cells, on = session_cells(col, session_positions(index, pd.DatetimeIndex(day)), n_days)
    shape = (len(order), n_days)
    grids = {}
    for field in ("close", "adj_close"):
        flat = np.full(shape[0] * shape[1], np.nan)
        values = clean[field].to_numpy(dtype=float)
        flat[cells] = values if on is None else values[on]
        grids[field] = flat.reshape(shape)

    # suspected_split: judged on consecutive sessions.
    row_of: np.ndarray | None = None
    split_rows: list[int] = []
    split_seen: set[int] = set()
    split_cells: list[tuple[int, int]] = []
    moved = np.empty((shape[0], max(n_days - 1, 0)))
    for field in ("close", "adj_close"):
        values = grids[field]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(values[:, 1:], values[:, :-1], out=moved)
            np.subtract(moved, 1.0, out=moved)
            jump = np.greater(np.abs(moved, out=moved), split_bound)
        if not jump.any():
            continue
        hits = np.argwhere(jump)
        hits = hits[np.lexsort((hits[:, 0], hits[:, 1]))]  # session by session, as reported
        for k, j in hits:
            ratio = values[k, j + 1] / values[k, j]  # the same division, one element
            split = _split_ratio(float(ratio))
            if split is None:
                continue
            if row_of is None:
                row_of = np.full(shape[0] * shape[1], -1, dtype=np.int64)
                row_of[cells] = np.arange(len(col)) if on is None else np.flatnonzero(on)
                row_of = row_of.reshape(shape)
            hit = int(row_of[k, j + 1])
            if hit < 0 or hit in split_seen:
                continue
            split_seen.add(hit)
            split_rows.append(hit)
            split_cells.append((k, j + 1))
            ticker, date = order[k], index[j + 1]
            issues.append(
                _issue(
                    ticker,
                    "suspected_split",
                    date,
                    ratio,
                    "prices set to NaN",
                    f"{ticker} {field} moves {ratio - 1.0:+.1%} on {date:%Y-%m-%d} "
                    f"(price ratio {ratio:.4f}, close to a {split} split); the prices "
                    "look unadjusted, so that day's prices are not used; supply "
                    "split-adjusted prices.",
                )
            )
    if split_rows:
        clean.loc[split_rows, ["close", "adj_close"]] = np.nan
        hit_cells = tuple(np.array(split_cells).T)  # each kept row lies on one cell
        for grid in grids.values():
            grid[hit_cells] = np.nan
    has_price = np.isfinite(grids["close"]) | np.isfinite(grids["adj_close"])
    has_adj = np.zeros(len(uniques), dtype=bool)  # any adj_close at all, on a session or not
    has_adj[col[np.isfinite(clean["adj_close"].to_numpy(dtype=float))]] = True
    layout = PriceGrids(
        sessions=index,
        tickers=uniques,
        close=grids["close"],
        adj_close=grids["adj_close"],
        has_adj=has_adj,
    )

    # gap, stale_price, no_data on the cleaned prices, run by run over the whole grid.
    has_any = has_price.any(axis=1)
    gaps: dict[int, list[tuple[int, int]]] = {}
    if n_days and has_any.any():
        first = has_price.argmax(axis=1)[:, None]
        last = n_days - 1 - has_price[:, ::-1].argmax(axis=1)[:, None]
        at = np.arange(n_days)
        missing = ~has_price & (at >= first) & (at <= last) & has_any[:, None]
        for k, start, length in zip(*_row_runs(missing), strict=True):
            if length > max_gap:
                gaps.setdefault(int(k), []).append((int(start), int(length)))
    same = np.zeros(shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        np.equal(grids["close"][:, 1:], grids["close"][:, :-1], out=same[:, 1:])
    stale: dict[int, list[tuple[int, int]]] = {}
    for k, start, length in zip(*_row_runs(same), strict=True):
        if length + 1 >= stale_days:
            stale.setdefault(int(k), []).append((int(start), int(length)))

    present = set(order)
    position = {t: k for k, t in enumerate(order)}
    for ticker in list(tickers or []):
        if str(ticker) not in present:
            order.append(str(ticker))
    for ticker in order:
        k = position[ticker] if ticker in present else -1
        if k < 0 or not has_any[k]:
            why = (
                "is absent from the prices"
                if ticker not in present
                else ("has no price on any of the study's sessions")
            )
            issues.append(
                _issue(
                    ticker,
                    "no_data",
                    None,
                    np.nan,
                    "flagged",
                    f"{ticker} {why} ({index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}); check the "
                    "ticker and the price source.",
                )
            )
            continue
        for start, length in gaps.get(k, ()):
            date = index[start]
            issues.append(
                _issue(
                    ticker,
                    "gap",
                    date,
                    length,
                    "flagged",
                    f"{ticker} has no price for {length} sessions in a row from "
                    f"{date:%Y-%m-%d} (more than {max_gap}); returns there are NaN.",
                )
            )
        for start, length in stale.get(k, ()):
            sessions_flat = length + 1  # the first day of the run carries the price too
            date = index[start - 1]
            issues.append(
                _issue(
                    ticker,
                    "stale_price",
                    date,
                    sessions_flat,
                    "flagged",
                    f"{ticker} close stays at {grids['close'][k, start]:g} for {sessions_flat} "
                    f"sessions from {date:%Y-%m-%d} (limit {stale_days}); the quote may be "
                    "stale.",
                )
            )

    table = pd.DataFrame.from_records(issues, columns=list(ISSUE_COLUMNS))
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ns]")
    table["value"] = table["value"].astype(float)
    for col in ("ticker", "check", "action", "message"):
        table[col] = table[col].astype(str)
    if len(table):
        rank = {c: i for i, c in enumerate(CHECKS)}
        table = (
            table.assign(_rank=table["check"].map(rank))
            .sort_values(["_rank", "ticker", "date"], kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
        summary = table.groupby("check", sort=False).size()
        warnings.warn(
            "price data-quality checks flagged "
            + ", ".join(f"{n} {c}" for c, n in summary.items())
            + "; see the data-quality table for each ticker and date.",
            DataQualityWarning,
            stacklevel=2,
        )
    return QualityReport(issues=table, clean=clean, grids=layout)
