r"""Betas for thinly traded stocks: Scholes-Williams (1977) and Dimson (1979).

Both replace the OLS market-model beta by an estimator that is consistent when prices are
recorded non-synchronously, then form abnormal returns exactly like the market model:

.. math::

    AR_{it} = R_{it} - \hat\alpha_i - \hat\beta_i R_{mt}, \qquad
    \hat\alpha_i = \bar R_i - \hat\beta_i \bar R_m,

the means being taken over the estimation days where both returns exist (Scholes and Williams
1977, eq. 13). The residual variance is :math:`s_i^2 = \sum_\tau e_{i\tau}^2 / (L_i - 2)` with
:math:`e_{i\tau} = R_{i\tau} - \hat\alpha_i - \hat\beta_i R_{m\tau}` over the same days,
and the prediction-error term is the one of an OLS market model on those days,
:math:`x_t'(X'X)^{-1}x_t` with :math:`x_t = (1, R_{mt})'`. This treats the sampling error of
:math:`(\hat\alpha_i, \hat\beta_i)` as if it were that of OLS, an approximation (the
Scholes-Williams and Dimson betas have a somewhat larger sampling variance), and it is the
convention of commercial event-study software that applies the OLS formula to any beta.
Lead and lag market returns are taken inside the estimation window, so the first ``k`` and last
``k`` estimation days only enter :math:`\bar R_i`, :math:`\bar R_m` and :math:`s_i^2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import InputError
from ..sample import EventSample
from .base import ReturnFit, ReturnModel


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``out[:, t] = x[:, t + k]`` (NaN where ``t + k`` leaves the window)."""
    out = np.full_like(x, np.nan)
    if k == 0:
        return x.copy()
    if k > 0:
        out[:, :-k] = x[:, k:]
    else:
        out[:, -k:] = x[:, :k]
    return out


def _slope(y: np.ndarray, x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Row-wise simple-regression slope of ``y`` on ``x`` over ``valid`` days."""
    cnt = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(valid, x, 0.0).sum(axis=1) / cnt
        ym = np.where(valid, y, 0.0).sum(axis=1) / cnt
        dx = np.where(valid, x - xm[:, None], 0.0)
        dy = np.where(valid, y - ym[:, None], 0.0)
        return (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)


def _lead_lag_ols(y: np.ndarray, xs: list[np.ndarray], valid: np.ndarray) -> np.ndarray:
    """Row-wise multiple-regression slopes of ``y`` on a constant and ``xs`` over ``valid`` days."""
    x = np.stack([np.ones_like(y), *xs], axis=2)
    x = np.where(valid[:, :, None], x, 0.0)
    yy = np.where(valid, y, 0.0)
    xtx = np.einsum("nlk,nlj->nkj", x, x)
    xty = np.einsum("nlk,nl->nk", x, yy)
    ok = np.abs(np.linalg.det(xtx)) > 1e-300
    xtx = np.where(ok[:, None, None], xtx, np.eye(x.shape[2]))
    b = np.linalg.solve(xtx, xty[:, :, None])[:, :, 0]
    b[~ok] = np.nan
    return b[:, 1:]


def _fit_with_beta(
    name: str, sample: EventSample, beta: np.ndarray, min_nobs: int, notes: dict[str, str]
) -> ReturnFit:
    """Build the market-model-shaped :class:`ReturnFit` for a given beta (see module notes)."""
    r, m = sample.firm_est, sample.market_est
    valid = np.isfinite(r) & np.isfinite(m)
    nobs = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rbar = np.where(valid, r, 0.0).sum(axis=1) / nobs
        mbar = np.where(valid, m, 0.0).sum(axis=1) / nobs
        alpha = rbar - beta * mbar
        resid = np.where(valid, r - alpha[:, None] - beta[:, None] * m, np.nan)
        dof = (nobs - 2).astype(float)
        ssr = np.nansum(resid**2, axis=1)
        sigma2 = ssr / dof
        sst = np.where(valid, (r - rbar[:, None]) ** 2, 0.0).sum(axis=1)
        r2 = 1.0 - ssr / sst
    x = np.stack([np.ones_like(m), m], axis=2)
    x = np.where(valid[:, :, None], x, 0.0)
    xtx = np.einsum("nlk,nlj->nkj", x, x)
    usable = (nobs >= max(min_nobs, 3)) & np.isfinite(beta)
    usable &= np.abs(np.linalg.det(xtx)) > 1e-300
    xtx_inv = np.linalg.inv(np.where(usable[:, None, None], xtx, np.eye(2)))
    x_evt = np.stack([np.ones_like(sample.market_evt), sample.market_evt], axis=2)
    params = np.stack([alpha, beta], axis=1)
    normal = alpha[:, None] + beta[:, None] * sample.market_evt
    ar = sample.firm_evt - normal
    bad = ~usable
    for arr in (params, sigma2, r2, ar, normal):
        arr[bad] = np.nan
    resid[bad] = np.nan
    xtx_inv[bad] = np.nan
    return ReturnFit(
        model=name,
        sample=sample,
        param_names=("alpha", "beta"),
        params=params,
        sigma2=sigma2,
        nobs=nobs,
        dof=dof,
        r2=r2,
        xtx_inv=xtx_inv,
        x_evt=x_evt,
        est_resid=resid,
        normal=normal,
        ar=ar,
        notes=notes,
    )


@dataclass(frozen=True)
class ScholesWilliamsModel(ReturnModel):
    r"""Market model with the Scholes-Williams (1977) beta.

    Notes
    -----
    .. math::

        \hat\beta^{SW}_i = \frac{\hat b^{-}_i + \hat b^{0}_i + \hat b^{+}_i}
        {1 + 2\hat\rho_m},

    where :math:`\hat b^{-}, \hat b^{0}, \hat b^{+}` are the simple-regression slopes of
    :math:`R_{it}` on :math:`R_{m,t-1}`, :math:`R_{mt}` and :math:`R_{m,t+1}`, and
    :math:`\hat\rho_m` is the first-order autocorrelation of the market return (the sample
    correlation of :math:`R_{mt}` and :math:`R_{m,t-1}`), all over the estimation days where
    :math:`R_{it}, R_{m,t-1}, R_{mt}, R_{m,t+1}` exist. Abnormal returns, :math:`\hat\alpha_i`,
    :math:`s_i^2` (divisor :math:`L_i - 2`) and the prediction-error term are described in
    :mod:`eventstudy.models.nonsync`.

    References
    ----------
    Scholes, M. and Williams, J. (1977). Estimating betas from nonsynchronous data. *Journal of
    Financial Economics* 5, 309-327.

    Examples
    --------
    >>> ScholesWilliamsModel().name
    'scholes_williams'
    """

    name: str = "scholes_williams"
    citation: ClassVar[str] = "Scholes and Williams (1977), JFE 5, 309-327"
    min_nobs: int = 30

    def fit(self, sample: EventSample) -> ReturnFit:
        """Estimate the Scholes-Williams beta for every firm-event, then the market-model AR."""
        r, m = sample.firm_est, sample.market_est
        lag, lead = _shift(m, -1), _shift(m, 1)
        valid = np.isfinite(r) & np.isfinite(m) & np.isfinite(lag) & np.isfinite(lead)
        b = _slope(r, lag, valid) + _slope(r, m, valid) + _slope(r, lead, valid)
        # rho_m: correlation of (R_mt, R_m,t-1) over the same days
        cnt = valid.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m0 = np.where(valid, m, 0.0)
            m1 = np.where(valid, lag, 0.0)
            d0 = np.where(valid, m - (m0.sum(axis=1) / cnt)[:, None], 0.0)
            d1 = np.where(valid, lag - (m1.sum(axis=1) / cnt)[:, None], 0.0)
            rho = (d0 * d1).sum(axis=1) / np.sqrt((d0 * d0).sum(axis=1) * (d1 * d1).sum(axis=1))
            beta = b / (1.0 + 2.0 * rho)
        notes = {"beta": "Scholes-Williams (1977) beta; OLS prediction-error term (approximation)"}
        return _fit_with_beta(self.name, sample, beta, self.min_nobs, notes)


@dataclass(frozen=True)
class DimsonModel(ReturnModel):
    r"""Market model with the Dimson (1979) aggregated-coefficients beta.

    Parameters
    ----------
    lags
        Number of lags and of leads :math:`K` of the market return (default 1).

    Notes
    -----
    .. math::

        R_{it} = a_i + \sum_{k=-K}^{K} b_{ik} R_{m,t+k} + u_{it}, \qquad
        \hat\beta^{D}_i = \sum_{k=-K}^{K} \hat b_{ik},

    the regression being OLS over the estimation days where every lead and lag exists.
    Abnormal returns use :math:`\hat\beta^{D}_i` with :math:`\hat\alpha_i = \bar R_i -
    \hat\beta^D_i \bar R_m` (not the regression intercept :math:`a_i`); :math:`s_i^2` and the
    prediction-error term are described in :mod:`eventstudy.models.nonsync`.

    References
    ----------
    Dimson, E. (1979). Risk measurement when shares are subject to infrequent trading. *Journal
    of Financial Economics* 7, 197-226.

    Examples
    --------
    >>> DimsonModel().lags
    1
    """

    name: str = "dimson"
    citation: ClassVar[str] = "Dimson (1979), JFE 7, 197-226"
    lags: int = 1
    min_nobs: int = 30

    def fit(self, sample: EventSample) -> ReturnFit:
        """Estimate the Dimson beta for every firm-event, then the market-model AR."""
        if not isinstance(self.lags, int) or self.lags < 0:
            raise InputError(
                f"lags={self.lags!r} is not a valid number of Dimson leads/lags; use an integer "
                ">= 0 (1 is usual).",
                field="lags",
                value=self.lags,
            )
        r, m = sample.firm_est, sample.market_est
        xs = [_shift(m, k) for k in range(-self.lags, self.lags + 1)]
        valid = np.isfinite(r)
        for x in xs:
            valid &= np.isfinite(x)
        beta = _lead_lag_ols(r, xs, valid).sum(axis=1)
        notes = {
            "beta": f"Dimson (1979) beta with {self.lags} lead(s)/lag(s); OLS prediction-error "
            "term (approximation)"
        }
        return _fit_with_beta(self.name, sample, beta, self.min_nobs, notes)
