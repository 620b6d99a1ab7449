"""Stack the windows of many firm-events into aligned arrays.

Every model and test works on these arrays, so a study of one event and a study of a million
earnings announcements run the same vectorised code. Positions index the panel's date axis; a
position of ``-1`` means the session lies outside the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._types import WindowSpec


@dataclass(frozen=True)
class EventSample:
    """Returns of ``n`` firm-events gathered over their estimation and event windows.

    Attributes
    ----------
    pairs
        One row per firm-event: ``event_id``, ``ticker``, ``day0`` (aligned session), ``market``.
    dates
        The panel's date axis (sessions).
    estimation
        Estimation window in sessions relative to day 0, inclusive.
    rel_days
        Relative days of the event-window span, shape ``(W,)``, covering every event window.
    est_pos, evt_pos
        Positions into ``dates`` of each estimation / event-span session, shapes ``(n, L)`` and
        ``(n, W)``; ``-1`` where the session falls outside ``dates``.
    firm_est, firm_evt
        Firm returns on those sessions (NaN where missing or outside the data).
    market_est, market_evt
        Benchmark returns on the same sessions.
    regressors
        Extra regressors on the date axis (e.g. Fama-French factors and the risk-free rate), or
        ``None``.
    """

    pairs: pd.DataFrame
    dates: pd.DatetimeIndex
    estimation: WindowSpec
    rel_days: np.ndarray
    est_pos: np.ndarray
    evt_pos: np.ndarray
    firm_est: np.ndarray
    firm_evt: np.ndarray
    market_est: np.ndarray
    market_evt: np.ndarray
    regressors: pd.DataFrame | None = None

    @property
    def n(self) -> int:
        """Number of firm-events."""
        return len(self.pairs)

    def gather(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gather a date-axis series (shape ``(D,)`` or ``(D, k)``) onto both windows.

        Returns arrays of shape ``(n, L[, k])`` and ``(n, W[, k])`` with NaN outside the data.
        """
        padded = np.concatenate([values, np.full((1,) + values.shape[1:], np.nan)], axis=0)
        # position -1 picks the NaN row appended at the end
        return padded[self.est_pos], padded[self.evt_pos]

    def window_columns(self, window: WindowSpec) -> np.ndarray:
        """Column indices of ``rel_days`` inside an inclusive event window."""
        start, end = window
        return np.flatnonzero((self.rel_days >= start) & (self.rel_days <= end))

    def subset(self, rows: np.ndarray) -> EventSample:
        """The sample restricted to some firm-events (rows), e.g. one partition."""
        return EventSample(
            pairs=self.pairs.iloc[rows].reset_index(drop=True),
            dates=self.dates,
            estimation=self.estimation,
            rel_days=self.rel_days,
            est_pos=self.est_pos[rows],
            evt_pos=self.evt_pos[rows],
            firm_est=self.firm_est[rows],
            firm_evt=self.firm_evt[rows],
            market_est=self.market_est[rows],
            market_evt=self.market_evt[rows],
            regressors=self.regressors,
        )


def span_of(windows: tuple[WindowSpec, ...]) -> np.ndarray:
    """Relative days covering every event window, inclusive, as a sorted array."""
    start = min(w[0] for w in windows)
    end = max(w[1] for w in windows)
    return np.arange(start, end + 1)


def build_sample(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market_returns: pd.DataFrame | pd.Series,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    regressors: pd.DataFrame | None = None,
) -> EventSample:
    """Gather the returns of every firm-event onto its windows, vectorised.

    Parameters
    ----------
    pairs
        Columns ``event_id``, ``ticker``, ``day0`` (a session in ``returns.index``) and optionally
        ``market`` (benchmark column of ``market_returns`` per pair; default its first column).
    returns
        Wide firm returns, index = sessions (the panel's date axis), one column per ticker.
    market_returns
        Benchmark returns on the same index: a Series, or a frame with one column per benchmark.
    estimation
        Estimation window relative to day 0, inclusive, e.g. ``(-250, -11)``.
    windows
        Event windows; the gathered span covers all of them.
    regressors
        Extra regressors on the same index (kept for factor models).

    Returns
    -------
    EventSample
    """
    dates = pd.DatetimeIndex(returns.index)
    market = market_returns.to_frame() if isinstance(market_returns, pd.Series) else market_returns
    market = market.reindex(dates)
    pairs = pairs.reset_index(drop=True).copy()
    if "market" not in pairs.columns:
        pairs["market"] = market.columns[0]
    day0_pos = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    rel_est = np.arange(estimation[0], estimation[1] + 1)
    rel_days = span_of(windows)
    n_dates = len(dates)

    def positions(rel: np.ndarray) -> np.ndarray:
        pos = day0_pos[:, None] + rel[None, :]
        bad = (day0_pos[:, None] < 0) | (pos < 0) | (pos >= n_dates)
        return np.where(bad, -1, pos)

    est_pos = positions(rel_est)
    evt_pos = positions(rel_days)
    firm_col = returns.columns.get_indexer(pairs["ticker"])
    mkt_col = market.columns.get_indexer(pairs["market"])
    firm = _with_nan_row(returns.to_numpy(dtype=float))
    mkt = _with_nan_row(market.to_numpy(dtype=float))
    firm_col = np.where(firm_col < 0, firm.shape[1] - 1, firm_col)
    mkt_col = np.where(mkt_col < 0, mkt.shape[1] - 1, mkt_col)
    return EventSample(
        pairs=pairs,
        dates=dates,
        estimation=(int(estimation[0]), int(estimation[1])),
        rel_days=rel_days,
        est_pos=est_pos,
        evt_pos=evt_pos,
        firm_est=firm[est_pos, firm_col[:, None]],
        firm_evt=firm[evt_pos, firm_col[:, None]],
        market_est=mkt[est_pos, mkt_col[:, None]],
        market_evt=mkt[evt_pos, mkt_col[:, None]],
        regressors=None if regressors is None else regressors.reindex(dates),
    )


def _with_nan_row(values: np.ndarray) -> np.ndarray:
    """Append a NaN row and a NaN column, so position/column ``-1`` reads NaN."""
    values = np.concatenate([values, np.full((1, values.shape[1]), np.nan)], axis=0)
    return np.concatenate([values, np.full((values.shape[0], 1), np.nan)], axis=1)
