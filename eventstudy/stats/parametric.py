"""Parametric tests of abnormal returns."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .base import CrossSection, TestResult, invalid

CITE_CLM = "Campbell, Lo and MacKinlay (1997), The Econometrics of Financial Markets, ch. 4"


def car_t(car: np.ndarray, car_var: np.ndarray, dof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-firm t statistic of a CAR and its two-sided p-value.

    Notes
    -----
    .. math::

        t_i = \\frac{CAR_i(a,b)}{\\sqrt{s_i^2\\,(T + c_i'(X_i'X_i)^{-1}c_i)}} \\sim t(L_i - k)

    under the null of no abnormal return and normal disturbances, the variance being the
    prediction-error variance of :meth:`~eventstudy.models.base.ReturnFit.car`.

    References
    ----------
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997), ch. 4, eq. 4.4.13-4.4.15.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        t = car / np.sqrt(car_var)
    p = 2.0 * sps.t.sf(np.abs(t), np.where(dof > 0, dof, np.nan))
    return t, p


def cross_sectional_t(cs: CrossSection) -> TestResult:
    """Cross-sectional t test of the mean CAR (CAAR).

    Notes
    -----
    .. math::

        t = \\frac{\\overline{CAR}}{s_{CAR}/\\sqrt{N}}, \\qquad
        s_{CAR}^2 = \\frac{1}{N-1}\\sum_i (CAR_i - \\overline{CAR})^2, \\qquad t \\sim t(N-1).

    It ignores estimation error and assumes independent firms: with a shared event date it
    over-rejects (Kolari and Pynnonen 2010).

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """
    name, cite = "cross_sectional_t", "Brown and Warner (1985), JFE 14, 3-31"
    null = "mean CAR = 0"
    n = cs.n
    if n < 2:
        return invalid(name, f"needs at least 2 firm-events, got {n}", n, cite, null)
    mean = float(cs.car.mean())
    sd = float(cs.car.std(ddof=1))
    if not sd > 0:
        return invalid(name, "the CARs have zero cross-sectional variance", n, cite, null)
    stat = mean / (sd / np.sqrt(n))
    p = float(2.0 * sps.t.sf(abs(stat), n - 1))
    return TestResult(name, float(stat), p, f"t({n - 1})", null, n, cite, mean)
