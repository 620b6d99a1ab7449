"""Daily returns from the canonical long price frame.

Prices are first laid out on the study's trading sessions, so a return always spans exactly one
session: when a price is missing, the returns of that session and of the next one are NaN; a
multi-day move is never booked on a single day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._types import PriceField, ReturnKind, validate_literal
from .base import key_runs, row_dates, session_cells, ticker_codes, to_naive_dates


def _sessions(sessions: pd.DatetimeIndex | pd.Index) -> pd.DatetimeIndex:
    idx = to_naive_dates(sessions)
    idx.name = "date"
    return idx


def wide_prices(
    prices: pd.DataFrame, sessions: pd.DatetimeIndex, field: PriceField = "adj_close"
) -> pd.DataFrame:
    """Prices laid out with one row per session and one column per ticker.

    For ``field="adj_close"`` a ticker with no ``adj_close`` at all (a price index such as
    ``^IXIC``) uses its ``close`` instead; a ticker with some ``adj_close`` values keeps its
    gaps as NaN.

    Parameters
    ----------
    prices
        Canonical long frame (``date, ticker, close, adj_close, volume``).
    sessions
        Trading sessions to lay the prices on; days not in ``sessions`` are dropped.
    field
        ``"adj_close"`` (default) or ``"close"``.

    Returns
    -------
    pandas.DataFrame
        Index ``sessions`` (named ``date``), columns the tickers in first-seen order. When a
        (ticker, date) appears twice, the last row wins.
    """
    validate_literal(field, PriceField, "price_field")
    index = _sessions(sessions)
    grid, tickers = _ticker_rows(prices, index, field)
    return _frame(grid, index, tickers)


def _frame(grid: np.ndarray, index: pd.DatetimeIndex, tickers: pd.Index) -> pd.DataFrame:
    """A session-by-ticker frame over a ticker-by-session grid, without copying it.

    pandas keeps a float frame as one (columns x rows) block, so the grid is that block.
    """
    return pd.DataFrame(grid.T, index=index, columns=tickers, copy=False)


def _ticker_rows(
    prices: pd.DataFrame, index: pd.DatetimeIndex, field: PriceField
) -> tuple[np.ndarray, pd.Index]:
    """Prices as a (ticker x session) grid, tickers in first-seen order; see :func:`wide_prices`."""
    codes, uniques = ticker_codes(prices["ticker"].astype(str))
    tickers = uniques.rename("ticker")
    dates = row_dates(prices["date"])
    # the last row of each (ticker, date); a frame sorted by ticker and date (what providers and
    # check_prices return) is recognised in one pass
    rows = key_runs(codes, dates.asi8).last_rows()
    col, day = (codes, dates) if rows is None else (codes[rows], dates[rows])

    def column(name: str) -> np.ndarray:
        values = prices[name].to_numpy(dtype=float)
        return values if rows is None else values[rows]

    values = column(field)
    if field == "adj_close":
        # a ticker without any adjusted price (a price index) falls back to its close
        has_adj = np.bincount(col, weights=np.isfinite(values), minlength=len(tickers)) > 0
        fallback = ~has_adj[col]
        if fallback.any():
            values = np.where(fallback, column("close"), values)
    grid = np.full(len(tickers) * len(index), np.nan)
    cells, on = session_cells(col, index.get_indexer(day), len(index))
    grid[cells] = values if on is None else values[on]  # contiguous writes for sorted rows
    return grid.reshape(len(tickers), len(index)), tickers


def compute_returns(
    prices: pd.DataFrame,
    sessions: pd.DatetimeIndex,
    *,
    price_field: PriceField = "adj_close",
    kind: ReturnKind = "simple",
) -> pd.DataFrame:
    r"""Daily returns on ``sessions``, one column per ticker.

    Parameters
    ----------
    prices
        Canonical long frame.
    sessions
        Trading sessions (the study's calendar).
    price_field
        ``"adj_close"`` (default; falls back to ``close`` for tickers without any adjusted
        price) or ``"close"``.
    kind
        ``"simple"`` or ``"log"``.

    Returns
    -------
    pandas.DataFrame
        Index ``sessions``, columns tickers in first-seen order. NaN on the first session and on
        any session whose own or previous-session price is missing (or not positive, for log
        returns).

    Notes
    -----
    .. math::

        R_t = \frac{P_t}{P_{t-1}} - 1 \quad\text{(simple)}, \qquad
        r_t = \ln\frac{P_t}{P_{t-1}} \quad\text{(log)},

    where :math:`t-1` is the previous session of ``sessions`` (Campbell, Lo and MacKinlay 1997,
    ch. 1).

    References
    ----------
    .. [1] Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
       Financial Markets*. Princeton University Press.
    """
    validate_literal(price_field, PriceField, "price_field")
    validate_literal(kind, ReturnKind, "kind")
    index = _sessions(sessions)
    level, tickers = _ticker_rows(prices, index, price_field)
    out = np.full(level.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(level[:, 1:], level[:, :-1], out=out[:, 1:])
        if kind == "simple":
            np.subtract(ratio, 1.0, out=ratio)
        else:
            ratio[~(ratio > 0)] = np.nan
            np.log(ratio, out=ratio)
    return _frame(out, index, tickers)
