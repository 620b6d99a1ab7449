"""Daily returns from the canonical long price frame.

Prices are first laid out on the study's trading sessions, so a return always spans exactly one
session: when a price is missing, the returns of that session and of the next one are NaN; a
multi-day move is never booked on a single day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._types import PriceField, ReturnKind, validate_literal
from .base import to_naive_dates


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
    names = prices["ticker"].astype(str)
    tickers = pd.Index(pd.unique(names), name="ticker")
    frame = prices.assign(date=to_naive_dates(prices["date"]), ticker=names)
    frame = frame.drop_duplicates(["ticker", "date"], keep="last")
    col = tickers.get_indexer(frame["ticker"])
    values = frame[field].to_numpy(dtype=float)
    if field == "adj_close":
        # a ticker without any adjusted price (a price index) falls back to its close
        has_adj = np.bincount(col, weights=np.isfinite(values), minlength=len(tickers)) > 0
        fallback = ~has_adj[col]
        values = np.where(fallback, frame["close"].to_numpy(dtype=float), values)
    row = index.get_indexer(pd.DatetimeIndex(frame["date"]))
    on = row >= 0
    grid = np.full((len(index), len(tickers)), np.nan)
    grid[row[on], col[on]] = values[on]
    out = pd.DataFrame(grid, index=index, columns=tickers)
    return out


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
    wide = wide_prices(prices, sessions, price_field)
    ratio = wide / wide.shift(1)
    if kind == "simple":
        return ratio - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(ratio.where(ratio > 0))
    return pd.DataFrame(logs, index=wide.index, columns=wide.columns)
