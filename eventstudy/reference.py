r"""The textbook per-event loop with statsmodels: the reference for the vectorised engine.

For each firm-event, one ``statsmodels`` OLS of the firm's returns on a constant and the
benchmark over the estimation window (days where either return is missing are dropped), then
abnormal returns over the event span, CARs over each window and their prediction-error
variances from ``get_prediction`` / ``cov_params``:

.. math::

    \operatorname{Var}(AR_t) = s^2 + x_t'\hat V x_t, \qquad
    \operatorname{Var}(CAR_{a,b}) = T s^2 + c'\hat V c, \quad c = \sum_{t=a}^{b} x_t,

with :math:`\hat V = s^2 (X'X)^{-1}` the parameter covariance (``cov_params``) and :math:`s^2`
the residual variance (``scale``), as in Campbell, Lo and MacKinlay (1997), ch. 4. It is slow on
purpose (one regression per firm-event) and is used by the tests and the scale benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._types import WindowSpec

__all__ = ["ReferenceResult", "reference_market_model"]


@dataclass(frozen=True)
class ReferenceResult:
    """Per-event statsmodels results.

    Attributes
    ----------
    ar, ar_var
        Abnormal returns over the event span and their prediction-error variances, ``(n, W)``.
    car, car_var, car_t, car_p
        Per window: CAR, its variance, t statistic and two-sided p-value (``t(L_i - 2)``),
        arrays of shape ``(n,)``.
    params, sigma2, nobs
        Estimated ``(alpha, beta)``, residual variance and estimation days.
    """

    ar: np.ndarray
    ar_var: np.ndarray
    car: dict[WindowSpec, np.ndarray]
    car_var: dict[WindowSpec, np.ndarray]
    car_t: dict[WindowSpec, np.ndarray]
    car_p: dict[WindowSpec, np.ndarray]
    params: np.ndarray
    sigma2: np.ndarray
    nobs: np.ndarray


def reference_market_model(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.Series,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    min_nobs: int = 30,
) -> ReferenceResult:
    """Fit the market model one firm-event at a time with statsmodels.

    Parameters
    ----------
    pairs
        ``ticker`` and ``day0`` (a session of ``returns.index``) per firm-event.
    returns
        Wide firm returns, index = sessions.
    market
        Benchmark returns on the same index.
    estimation
        Estimation window relative to day 0, inclusive.
    windows
        Event windows; abnormal returns cover ``min(start) .. max(end)``.
    min_nobs
        Fewest estimation days; firm-events with fewer get NaN.

    Returns
    -------
    ReferenceResult
        A window's CAR is NaN when any of its abnormal returns is missing.
    """
    import statsmodels.api as sm

    dates = pd.DatetimeIndex(returns.index)
    mkt = market.reindex(dates).to_numpy(dtype=float)
    first = min(w[0] for w in windows)
    last = max(w[1] for w in windows)
    rel = np.arange(first, last + 1)
    n, width = len(pairs), len(rel)
    ar = np.full((n, width), np.nan)
    ar_var = np.full((n, width), np.nan)
    params = np.full((n, 2), np.nan)
    sigma2 = np.full(n, np.nan)
    nobs = np.zeros(n, int)
    car = {w: np.full(n, np.nan) for w in windows}
    car_var = {w: np.full(n, np.nan) for w in windows}
    day0_pos = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    for i, (ticker, p0) in enumerate(zip(pairs["ticker"], day0_pos, strict=True)):
        if p0 < 0 or ticker not in returns.columns:
            continue
        firm = returns[ticker].to_numpy(dtype=float)
        lo, hi = p0 + estimation[0], p0 + estimation[1]
        idx = np.arange(max(lo, 0), min(hi, len(dates) - 1) + 1)
        y, x = firm[idx], mkt[idx]
        ok = np.isfinite(y) & np.isfinite(x)
        nobs[i] = int(ok.sum())
        if nobs[i] < max(min_nobs, 3):
            continue
        res = sm.OLS(y[ok], sm.add_constant(x[ok], has_constant="add")).fit()
        params[i] = res.params
        sigma2[i] = res.scale
        pos = p0 + rel
        inside = (pos >= 0) & (pos < len(dates))
        x_evt = np.where(inside, mkt[np.clip(pos, 0, len(dates) - 1)], np.nan)
        y_evt = np.where(inside, firm[np.clip(pos, 0, len(dates) - 1)], np.nan)
        have = np.isfinite(x_evt)
        design = np.column_stack([np.ones(width), np.where(have, x_evt, 0.0)])
        pred = res.get_prediction(design)
        normal = np.where(have, pred.predicted_mean, np.nan)
        # prediction-error variance: parameter uncertainty plus the disturbance variance
        ar_var[i] = np.where(have, pred.var_pred_mean + res.scale, np.nan)
        ar[i] = y_evt - normal
        cov = res.cov_params()
        for w in windows:
            cols = (rel >= w[0]) & (rel <= w[1])
            if not np.isfinite(ar[i, cols]).all():
                continue
            c = design[cols].sum(axis=0)
            car[w][i] = ar[i, cols].sum()
            car_var[w][i] = cols.sum() * res.scale + c @ cov @ c
    dof = np.where(nobs > 2, nobs - 2, np.nan).astype(float)
    car_t, car_p = {}, {}
    for w in windows:
        with np.errstate(invalid="ignore", divide="ignore"):
            car_t[w] = car[w] / np.sqrt(car_var[w])
        car_p[w] = 2.0 * sps.t.sf(np.abs(car_t[w]), dof)
    return ReferenceResult(ar, ar_var, car, car_var, car_t, car_p, params, sigma2, nobs)
