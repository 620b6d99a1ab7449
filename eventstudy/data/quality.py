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

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, InputError
from .base import PRICE_COLUMNS, to_naive_dates

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
class QualityReport:
    """Outcome of :func:`check_prices`.

    Attributes
    ----------
    issues
        One row per problem: ``ticker, check, date, value, action, message`` (``date`` is NaT
        for checks about a whole ticker).
    clean
        The long prices after the actions (duplicates dropped, bad prices set to NaN).
    """

    issues: pd.DataFrame
    clean: pd.DataFrame

    def count(self, check: str | None = None) -> int:
        """Number of issues, of one ``check`` or in total."""
        if check is None:
            return len(self.issues)
        return int((self.issues["check"] == check).sum())


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


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, length)`` of every run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


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
    frame = prices[list(PRICE_COLUMNS)].copy()
    frame["date"] = to_naive_dates(frame["date"])
    frame["ticker"] = frame["ticker"].astype(str)
    order = [str(t) for t in pd.unique(frame["ticker"])]

    # duplicate_date: keep the last row of each (ticker, date).
    dup_mask = frame.duplicated(["ticker", "date"], keep=False)
    if dup_mask.any():
        counts = frame[dup_mask].groupby(["ticker", "date"], sort=True).size()
        for (ticker, date), n in counts.items():
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
        frame = frame.drop_duplicates(["ticker", "date"], keep="last")
    frame = frame.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)

    # non_positive_price: zero or negative close/adj_close -> NaN.
    bad = (frame["close"] <= 0) | (frame["adj_close"] <= 0)
    for i in np.flatnonzero(bad.to_numpy()):
        row = frame.iloc[i]
        value = row["close"] if row["close"] <= 0 else row["adj_close"]
        field = "close" if row["close"] <= 0 else "adj_close"
        issues.append(
            _issue(
                row["ticker"],
                "non_positive_price",
                row["date"],
                value,
                "prices set to NaN",
                f"{row['ticker']} has {field} {value:g} on {row['date']:%Y-%m-%d}; prices must "
                "be positive, so that day's prices are not used.",
            )
        )
    frame.loc[bad, ["close", "adj_close"]] = np.nan

    # Lay the prices on the sessions once: one column per ticker, with the frame row of each cell.
    names = pd.Index(order)
    col = names.get_indexer(frame["ticker"])
    pos = index.get_indexer(pd.DatetimeIndex(frame["date"]))
    on = pos >= 0
    row_of = np.full((len(index), len(names)), -1, dtype=np.int64)
    row_of[pos[on], col[on]] = np.flatnonzero(on)
    grids = {}
    for field in ("close", "adj_close"):
        grid = np.full((len(index), len(names)), np.nan)
        grid[pos[on], col[on]] = frame[field].to_numpy(dtype=float)[on]
        grids[field] = grid

    # suspected_split: judged on consecutive sessions.
    split_rows: list[int] = []
    for field in ("close", "adj_close"):
        values = grids[field]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = values[1:] / values[:-1]
            jump = np.abs(ratio - 1.0) > split_bound
        for j, k in np.argwhere(jump):
            split = _split_ratio(float(ratio[j, k]))
            hit = int(row_of[j + 1, k])
            if split is None or hit < 0 or hit in split_rows:
                continue
            split_rows.append(hit)
            ticker, date = names[k], index[j + 1]
            issues.append(
                _issue(
                    str(ticker),
                    "suspected_split",
                    date,
                    ratio[j, k],
                    "prices set to NaN",
                    f"{ticker} {field} moves {ratio[j, k] - 1.0:+.1%} on {date:%Y-%m-%d} "
                    f"(price ratio {ratio[j, k]:.4f}, close to a {split} split); the prices "
                    "look unadjusted, so that day's prices are not used; supply "
                    "split-adjusted prices.",
                )
            )
    if split_rows:
        frame.loc[split_rows, ["close", "adj_close"]] = np.nan
        cells = np.isin(row_of, split_rows)
        for grid in grids.values():
            grid[cells] = np.nan
    has_price = np.isfinite(grids["close"]) | np.isfinite(grids["adj_close"])

    # gap, stale_price, no_data on the cleaned prices.
    present = set(order)
    for ticker in list(tickers or []):
        if str(ticker) not in present:
            order.append(str(ticker))
    for ticker in order:
        k = names.get_loc(ticker) if ticker in present else -1
        has = has_price[:, k] if k >= 0 else np.zeros(len(index), dtype=bool)
        if not has.any():
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
        first, last = np.flatnonzero(has)[[0, -1]]
        for start, length in _runs(~has[first : last + 1]):
            if length > max_gap:
                date = index[first + start]
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
        close = grids["close"][:, k]
        same = np.zeros(len(close), dtype=bool)
        with np.errstate(invalid="ignore"):
            same[1:] = close[1:] == close[:-1]
        for start, length in _runs(same):
            sessions_flat = length + 1  # the first day of the run carries the price too
            if sessions_flat >= stale_days:
                date = index[start - 1]
                issues.append(
                    _issue(
                        ticker,
                        "stale_price",
                        date,
                        sessions_flat,
                        "flagged",
                        f"{ticker} close stays at {close[start]:g} for {sessions_flat} sessions "
                        f"from {date:%Y-%m-%d} (limit {stale_days}); the quote may be stale.",
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
    clean = frame[list(PRICE_COLUMNS)].reset_index(drop=True)
    return QualityReport(issues=table, clean=clean)
