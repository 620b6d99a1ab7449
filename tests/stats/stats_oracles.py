"""Seeded synthetic panels and closed-form market-model quantities computed by hand, per firm, with plain numpy loops.

These are the independent oracles of the statistics tests: they use the textbook scalar formulas
(Campbell, Lo and MacKinlay 1997, ch. 4), not the batched matrix code of eventstudy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.sample import EventSample, build_sample

SMALL_EST = (-60, -11)
SMALL_WINDOWS = ((0, 0), (-1, 1), (-2, 3))
"""Estimation window and event windows of the ``small`` fixture (tests/stats/conftest.py)."""


@dataclass
class HandFirm:
    alpha: float
    beta: float
    s2: float
    dof: int
    resid: np.ndarray  # estimation residuals (in order)
    ar: np.ndarray  # window abnormal returns
    car: float
    car_var: float


def hand_market_model(y_est, m_est, y_win, m_win) -> HandFirm:
    y_est, m_est = np.asarray(y_est, float), np.asarray(m_est, float)
    y_win, m_win = np.asarray(y_win, float), np.asarray(m_win, float)
    length = len(y_est)
    mbar, ybar = m_est.mean(), y_est.mean()
    sxx = float(((m_est - mbar) ** 2).sum())
    beta = float(((m_est - mbar) * (y_est - ybar)).sum() / sxx)
    alpha = ybar - beta * mbar
    resid = y_est - alpha - beta * m_est
    s2 = float((resid**2).sum() / (length - 2))
    ar = y_win - alpha - beta * m_win
    t = len(y_win)
    # CLM (1997) eq. 4.4.14 for the market model, written as scalars
    car_var = s2 * (t + t**2 / length + (m_win - mbar).sum() ** 2 / sxx)
    return HandFirm(alpha, beta, s2, length - 2, resid, ar, float(ar.sum()), car_var)


def ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1-D array with no NaN, by counting."""
    x = np.asarray(x, float)
    out = np.empty(len(x))
    for i, v in enumerate(x):
        out[i] = (x < v).sum() + ((x == v).sum() + 1) / 2.0
    return out


def make_panel(
    n_firms: int = 12,
    n_days: int = 320,
    seed: int = 0,
    common_day0: bool = True,
    shock: float = 0.0,
    industry_sd: float = 0.0,
    scale: float = 1.0,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Seeded market-model returns, a market series and event pairs (day 0 near the end)."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=n_days)
    mkt = rng.normal(0.0004, 0.01, n_days)
    ind = rng.normal(0.0, industry_sd, n_days) if industry_sd else np.zeros(n_days)
    beta = rng.uniform(0.5, 1.5, n_firms)
    eps = rng.normal(0.0, 0.02, (n_days, n_firms))
    firm = 0.0002 + mkt[:, None] * beta[None, :] + ind[:, None] + eps
    tickers = [f"F{i:02d}" for i in range(n_firms)]
    if common_day0:
        day0_pos = np.full(n_firms, n_days - 15)
    else:
        day0_pos = rng.integers(n_days - 60, n_days - 12, n_firms)
    firm[day0_pos, np.arange(n_firms)] += shock
    returns = pd.DataFrame(firm * scale, index=idx, columns=tickers)
    market = pd.Series(mkt * scale, index=idx, name="MKT")
    pairs = pd.DataFrame({"event_id": "e", "ticker": tickers, "day0": idx[day0_pos]})
    return returns, market, pairs


def sample_from(
    returns: pd.DataFrame,
    market: pd.Series,
    pairs: pd.DataFrame,
    estimation: tuple[int, int] = (-250, -11),
    windows: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (-5, 5)),
    regressors: pd.DataFrame | None = None,
) -> EventSample:
    return build_sample(pairs, returns, market, estimation, windows, regressors=regressors)
