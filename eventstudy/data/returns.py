"""Daily returns from the canonical long price frame.

Prices are first laid out on the study's trading sessions, so a return always spans exactly one
session: when a price is missing, the returns of that session and of the next one are NaN; a
multi-day move is never booked on a single day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import PriceField, ReturnKind, validate_literal
from .base import (
    key_runs,
    row_dates,
    session_cells,
    session_positions,
    ticker_codes,
    to_naive_dates,
)


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
    layout = _Layout.of(prices, index)
    return session_frame(layout.grid(prices, field), index, layout.tickers)


def session_frame(grid: np.ndarray, index: pd.DatetimeIndex, tickers: pd.Index) -> pd.DataFrame:
    """A session-by-ticker frame over a ticker-by-session grid, without copying it.

    pandas keeps a float frame as one (columns x rows) block, so the grid is that block.
    """
    return pd.DataFrame(grid.T, index=index, columns=tickers, copy=False)


@dataclass(frozen=True)
class _Layout:
    """Where each row of a long frame goes on a (ticker x session) grid.

    Attributes
    ----------
    tickers
        Grid rows: the tickers in first-seen order (named ``ticker``).
    n_sessions
        Grid row length.
    rows
        Rows used: the last of each (ticker, date); None for every row as it is.
    col
        Ticker code of each used row.
    cells, placed
        Flat grid cell of each used row on a session, and which used rows those are (None: all);
        see :func:`~eventstudy.data.base.session_cells`.
    """

    tickers: pd.Index
    n_sessions: int
    rows: np.ndarray | None
    col: np.ndarray
    cells: np.ndarray
    placed: np.ndarray | None

    @classmethod
    def of(cls, prices: pd.DataFrame, index: pd.DatetimeIndex) -> _Layout:
        """The layout of ``prices`` on the sessions ``index``."""
        codes, uniques = ticker_codes(prices["ticker"].astype(str))
        dates = row_dates(prices["date"])
        # the last row of each (ticker, date); a frame sorted by ticker and date (what providers
        # and check_prices return) is recognised in one pass
        rows = key_runs(codes, dates.asi8).last_rows()
        col, day = (codes, dates) if rows is None else (codes[rows], dates[rows])
        cells, placed = session_cells(col, session_positions(index, day), len(index))
        return cls(uniques.rename("ticker"), len(index), rows, col, cells, placed)

    def column(self, prices: pd.DataFrame, name: str) -> np.ndarray:
        """Column ``name`` of the used rows as floats."""
        values = prices[name].to_numpy(dtype=float)
        return values if self.rows is None else values[self.rows]

    def grid(self, prices: pd.DataFrame, field: PriceField) -> np.ndarray:
        """Prices of ``field`` as a (ticker x session) grid; see :func:`wide_prices`."""
        values = self.column(prices, field)
        if field == "adj_close":
            # a ticker without any adjusted price (a price index) falls back to its close
            has_adj = np.bincount(
                self.col, weights=np.isfinite(values), minlength=len(self.tickers)
            )
            fallback = ~(has_adj > 0)[self.col]
            if fallback.any():
                values = np.where(fallback, self.column(prices, "close"), values)
        grid = np.full(len(self.tickers) * self.n_sessions, np.nan)
        grid[self.cells] = values if self.placed is None else values[self.placed]
        return grid.reshape(len(self.tickers), self.n_sessions)


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
    layout = _Layout.of(prices, index)
    return session_frame(
        grid_returns(layout.grid(prices, price_field), kind), index, layout.tickers
    )


def returns_with_close(
    prices: pd.DataFrame,
    sessions: pd.DatetimeIndex,
    *,
    price_field: PriceField = "adj_close",
    kind: ReturnKind = "simple",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`compute_returns` and ``wide_prices(prices, sessions, "close")`` in one pass.

    The rows are matched to tickers and sessions once for both tables.

    Parameters
    ----------
    prices, sessions, price_field, kind
        As for :func:`compute_returns`.

    Returns
    -------
    returns : pandas.DataFrame
        Exactly ``compute_returns(prices, sessions, price_field=price_field, kind=kind)``.
    close : pandas.DataFrame
        Exactly ``wide_prices(prices, sessions, "close")``.
    """
    validate_literal(price_field, PriceField, "price_field")
    validate_literal(kind, ReturnKind, "kind")
    index = _sessions(sessions)
    layout = _Layout.of(prices, index)
    close = layout.grid(prices, "close")
    level = close if price_field == "close" else layout.grid(prices, price_field)
    returns = session_frame(grid_returns(level, kind), index, layout.tickers)
    return returns, session_frame(close, index, layout.tickers)


def grid_returns(level: np.ndarray, kind: ReturnKind) -> np.ndarray:
    """Session-to-session returns along the rows of a (ticker x session) price grid."""
    out = np.full(level.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(level[:, 1:], level[:, :-1], out=out[:, 1:])
        if kind == "simple":
            np.subtract(ratio, 1.0, out=ratio)
        else:
            ratio[~(ratio > 0)] = np.nan
            np.log(ratio, out=ratio)
    return out
