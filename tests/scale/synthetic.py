"""Seeded synthetic one-factor panels for the engine and executor tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eventstudy.calendar import TradingCalendar
from eventstudy.events.schema import Event, EventSet

WINDOWS = ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))
ESTIMATION = (-250, -11)


def panel(
    seed: int, n_firms: int = 12, n_days: int = 700, missing: float = 0.03
) -> tuple[pd.DataFrame, pd.Series]:
    """Wide firm returns (with missing days) and market returns on XNYS sessions."""
    rng = np.random.default_rng(seed)
    cal = TradingCalendar("XNYS")
    dates = cal.sessions("2015-01-02", "2019-12-31")[:n_days]
    market = rng.normal(0.0003, 0.01, len(dates))
    beta = rng.uniform(0.5, 1.5, n_firms)
    firm = 0.0002 + market[:, None] * beta + rng.normal(0, 0.02, (len(dates), n_firms))
    returns = pd.DataFrame(firm, index=dates, columns=[f"F{i:03d}" for i in range(n_firms)])
    returns = returns.mask(rng.random(returns.shape) < missing)
    return returns, pd.Series(market, index=dates, name="MKT")


def pairs(returns: pd.DataFrame, seed: int, n: int, n_events: int = 3) -> pd.DataFrame:
    """``n`` firm-events (unique per event and ticker) with day 0 late enough to estimate."""
    rng = np.random.default_rng(seed)
    dates = returns.index
    rows = []
    for k in range(n):
        rows.append(
            (
                f"e{k % n_events}",
                returns.columns[rng.integers(len(returns.columns))],
                dates[rng.integers(260, len(dates) - 8)],
            )
        )
    frame = pd.DataFrame(rows, columns=["event_id", "ticker", "day0"])
    return frame.drop_duplicates(["event_id", "ticker"]).reset_index(drop=True)


def prices_long(returns: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
    """Prices (start 100) whose simple returns are ``returns``; a missing return leaves a gap."""
    frame = returns.assign(MKT=market)
    level = 100.0 * (1.0 + frame.fillna(0.0)).cumprod()
    level = level.mask(frame.isna())
    long = level.stack().rename("close").reset_index()
    long.columns = ["date", "ticker", "close"]
    long["adj_close"] = long["close"]
    long["open"] = long["high"] = long["low"] = long["close"]
    long["volume"] = 1_000_000.0
    return long.sort_values(["ticker", "date"]).reset_index(drop=True)


class FramePrices:
    """Price provider over an in-memory long frame."""

    name = "synthetic"

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def get_prices(self, tickers, start, end, *, progress=None):  # noqa: ANN001, ANN201
        f = self.frame
        keep = f["ticker"].isin(list(tickers)) & (f["date"] >= pd.Timestamp(start))
        keep &= f["date"] <= pd.Timestamp(end)
        return f[keep].reset_index(drop=True)


def event_set(seed: int, returns: pd.DataFrame, n_events: int, per_event: int) -> EventSet:
    """Events on distinct dates, each for ``per_event`` random tickers."""
    rng = np.random.default_rng(seed)
    dates = returns.index[rng.choice(np.arange(300, len(returns) - 10), n_events, replace=False)]
    events = tuple(
        Event(
            id=f"ev{k}",
            date=d.date(),
            tickers=tuple(rng.choice(returns.columns, per_event, replace=False)),
        )
        for k, d in enumerate(dates)
    )
    return EventSet(
        name="synthetic", events=events, market="MKT", estimation=ESTIMATION, windows=WINDOWS
    )
