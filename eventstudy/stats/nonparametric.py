"""Non-parametric tests of abnormal returns: ranks and signs.

They make no normality assumption. Rank and sign series are built per firm over the estimation
days followed by the tested window (event time), and, except for the generalized sign and
Wilcoxon tests, their cross-sectional means are standardized by a time-series standard deviation,
which reflects cross-correlation between firms that share dates.
"""

from __future__ import annotations

import numpy as np

from ._numeric import average_ranks, norm_sf, t_sf
from .base import CrossSection, TestResult, invalid

NULL_MEDIAN = "abnormal returns are not shifted (median / mean rank at its null value)"
CITE_CORRADO = "Corrado (1989), JFE 23, 385-395; Campbell and Wasley (1993), JFE 33, 73-92"
CITE_CZ = "Corrado and Zivney (1992), JFQA 27, 465-478"
CITE_COWAN = "Cowan (1992), Review of Quantitative Finance and Accounting 2, 343-358"
CITE_GRANK = "Kolari and Pynnonen (2011), Journal of Empirical Finance 18, 953-971"
CITE_WILCOXON = "Wilcoxon (1945), Biometrics Bulletin 1, 80-83"


def _p_norm(stat: float) -> float:
    return float(2.0 * norm_sf(abs(stat)))


def _combined(cs: CrossSection) -> np.ndarray:
    """Estimation residuals followed by the window's abnormal returns, ``(N, L + T)``."""
    return np.concatenate([cs.est_resid, cs.ar], axis=1)


def _centred_ranks(x: np.ndarray) -> np.ndarray:
    """Per-row ranks over finite values scaled to :math:`K/(M_i+1) - 1/2` (NaN kept)."""
    ranks = average_ranks(x)
    m = np.isfinite(x).sum(axis=1, keepdims=True)
    return ranks / (m + 1.0) - 0.5


def _column_means(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means over finite values and their counts (NaN where a column is empty)."""
    have = np.isfinite(x)
    cnt = have.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(cnt > 0, np.where(have, x, 0.0).sum(axis=0) / cnt, np.nan)
    return mean, cnt


def corrado_rank(cs: CrossSection) -> TestResult:
    r"""Corrado rank test (multi-day form of Campbell and Wasley 1993).

    Notes
    -----
    Per firm, the :math:`M_i` available abnormal returns of the estimation days and the window
    (estimation residuals, then window abnormal returns) are ranked, :math:`U_{it} =
    K_{it}/(M_i + 1) - 1/2`. With :math:`\bar U_t` the cross-sectional mean on day :math:`t`
    (event time) and :math:`D` the days with data,

    .. math::

        S_{\bar U}^2 = \frac1D\sum_{t} \bar U_t^2, \qquad
        Z = \frac{\sum_{t=a}^{b}\bar U_t}{\sqrt{T}\,S_{\bar U}} \sim N(0,1).

    Ranks scaled by :math:`M_i + 1` handle missing returns (Campbell and Wasley 1993).

    References
    ----------
    Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in event
    studies. *Journal of Financial Economics* 23, 385-395.

    Campbell, C. J. and Wasley, C. E. (1993). Measuring security price performance using daily
    NASDAQ returns. *Journal of Financial Economics* 33, 73-92.
    """
    name = "corrado_rank"
    n = cs.n
    if n < 1:
        return invalid(name, "no firm-event has a CAR in this window", n, CITE_CORRADO, NULL_MEDIAN)
    u = _centred_ranks(_combined(cs))
    ubar, _ = _column_means(u)
    length = cs.est_resid.shape[1]
    sd = float(np.sqrt(np.nanmean(ubar**2)))
    if not sd > 0:
        return invalid(name, "the mean ranks do not vary", n, CITE_CORRADO, NULL_MEDIAN)
    window = ubar[length:]
    stat = float(window.sum() / (np.sqrt(len(window)) * sd))
    est = float(window.mean())
    return TestResult(name, stat, _p_norm(stat), "N(0,1)", NULL_MEDIAN, n, CITE_CORRADO, est)


def corrado_zivney_sign(cs: CrossSection) -> TestResult:
    r"""Corrado-Zivney sign test against each firm's median abnormal return.

    Notes
    -----
    With :math:`G_{it} = \operatorname{sign}(AR_{it} - \operatorname{median}_i)` over the
    estimation days and the window (the median of the firm's combined series), :math:`N_t` firms
    on day :math:`t` and :math:`D` days with data,

    .. math::

        g_t = N_t^{-1/2}\sum_i G_{it}, \qquad S_g^2 = \frac1D\sum_t g_t^2, \qquad
        Z = \frac{\sum_{t=a}^{b} g_t}{\sqrt{T}\,S_g} \sim N(0,1).

    For a one-day window this is Corrado and Zivney's statistic; days of a longer window are
    summed as in the rank test.

    References
    ----------
    Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign test in
    event study hypothesis tests using daily stock returns. *Journal of Financial and
    Quantitative Analysis* 27, 465-478.
    """
    name = "corrado_zivney_sign"
    n = cs.n
    if n < 1:
        return invalid(name, "no firm-event has a CAR in this window", n, CITE_CZ, NULL_MEDIAN)
    x = _combined(cs)
    med = np.nanmedian(x, axis=1, keepdims=True)
    g = np.where(np.isfinite(x), np.sign(x - med), np.nan)
    have = np.isfinite(g)
    cnt = have.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        gt = np.where(cnt > 0, np.where(have, g, 0.0).sum(axis=0) / np.sqrt(cnt), np.nan)
    sd = float(np.sqrt(np.nanmean(gt**2)))
    if not sd > 0:
        return invalid(name, "the signs do not vary", n, CITE_CZ, NULL_MEDIAN)
    window = gt[cs.est_resid.shape[1] :]
    stat = float(window.sum() / (np.sqrt(len(window)) * sd))
    est = float(np.mean(cs.car > 0))
    return TestResult(name, stat, _p_norm(stat), "N(0,1)", NULL_MEDIAN, n, CITE_CZ, est)


def generalized_sign(cs: CrossSection) -> TestResult:
    r"""Cowan's generalized sign test of the share of positive CARs.

    Notes
    -----
    With :math:`\hat p = N^{-1}\sum_i L_i^{-1}\sum_{\tau} 1\{\hat\varepsilon_{i\tau} > 0\}`
    the share of positive estimation residuals and :math:`w` the number of positive CARs,

    .. math::

        Z = \frac{w - N\hat p}{\sqrt{N\hat p(1-\hat p)}} \sim N(0,1).

    It assumes independent firms.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
    Accounting* 2, 343-358.
    """
    name = "generalized_sign"
    null = "share of positive CARs = share of positive estimation residuals"
    n = cs.n
    if n < 1:
        return invalid(name, "no firm-event has a CAR in this window", n, CITE_COWAN, null)
    resid = cs.est_resid
    have = np.isfinite(resid)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (np.where(have, resid, 0.0) > 0).sum(axis=1) / have.sum(axis=1)
    p = float(np.mean(share))
    if not 0.0 < p < 1.0:
        return invalid(name, f"share of positive estimation residuals is {p}", n, CITE_COWAN, null)
    w = float((cs.car > 0).sum())
    stat = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    return TestResult(name, float(stat), _p_norm(stat), "N(0,1)", null, n, CITE_COWAN, w / n)


def grank(cs: CrossSection) -> TestResult:
    r"""Kolari-Pynnonen generalized rank (GRANK) test of the CAR.

    Notes
    -----
    Standardized estimation residuals :math:`SAR_{i\tau} = \hat\varepsilon_{i\tau}/s_i` and
    the re-standardized CAR :math:`SCAR^*_i = SCAR_i / S_{SCAR}` (:math:`SCAR_i` as in the BMP
    test, :math:`S_{SCAR}` their cross-sectional standard deviation) form, per firm, one series
    whose last element is the whole window. With :math:`U_{it} = \operatorname{rank}_{it}/(M_i+1)
    - 1/2`, :math:`\bar U_t` the cross-sectional means over :math:`n_t` firms, :math:`\mathcal T`
    the :math:`D` days (estimation days plus the window),

    .. math::

        S_{\bar U}^2 = \frac1D\sum_{t\in\mathcal T}\frac{n_t}{n}\bar U_t^2,\qquad
        Z = \frac{\bar U_0}{S_{\bar U}},\qquad
        t_{grank} = Z\sqrt{\frac{D-2}{D-1-Z^2}} \sim t(D-2).

    The time-series standard deviation of the mean rank absorbs cross-correlation, and the
    re-standardization absorbs event-induced volatility.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2011). Nonparametric rank tests for event studies. *Journal
    of Empirical Finance* 18, 953-971.
    """
    name = "grank"
    n = cs.n
    if n < 2:
        return invalid(name, f"needs at least 2 firm-events, got {n}", n, CITE_GRANK, NULL_MEDIAN)
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = cs.est_resid / np.sqrt(cs.sigma2)[:, None]
        scar = cs.car / np.sqrt(cs.car_var)
    s_scar = float(np.std(scar, ddof=1))
    if not s_scar > 0:
        return invalid(name, "the standardized CARs do not vary", n, CITE_GRANK, NULL_MEDIAN)
    gsar = np.concatenate([sar, (scar / s_scar)[:, None]], axis=1)
    u = _centred_ranks(gsar)
    ubar, cnt = _column_means(u)
    used = cnt > 0
    days = int(used.sum())
    s2 = float(np.sum((cnt[used] / n) * ubar[used] ** 2) / days)
    if not s2 > 0 or days < 3:
        return invalid(name, "the mean ranks do not vary", n, CITE_GRANK, NULL_MEDIAN)
    z = float(ubar[-1] / np.sqrt(s2))
    denom = days - 1 - z**2
    if not denom > 0:
        return invalid(
            name, f"Z = {z:.3f} is outside the t transformation's range", n, CITE_GRANK, NULL_MEDIAN
        )
    stat = z * np.sqrt((days - 2) / denom)
    p = float(2.0 * t_sf(abs(stat), days - 2))
    return TestResult(
        name, float(stat), p, f"t({days - 2})", NULL_MEDIAN, n, CITE_GRANK, float(ubar[-1])
    )


def _signed_rank_counts(n: int) -> np.ndarray:
    """Null frequencies of the signed-rank sum :math:`W^+ = 0..n(n+1)/2` (untied, no zeros)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    top = 0
    for k in range(1, n + 1):
        counts[k : top + k + 1] += counts[: top + 1].copy()
        top += k
    return counts


def wilcoxon(cs: CrossSection) -> TestResult:
    r"""Wilcoxon signed-rank test that the CARs are symmetric about zero.

    Notes
    -----
    Zero CARs are dropped; the :math:`n` others are ranked by absolute value (average ranks for
    ties) and :math:`W^+` sums the ranks of the positive ones. The reported statistic is

    .. math::

        z = \frac{W^+ - n(n+1)/4}{\sqrt{n(n+1)(2n+1)/24 - \sum_g (t_g^3 - t_g)/48}},

    :math:`t_g` the sizes of tied groups. The p-value is exact (the null distribution of
    :math:`W^+`, two-sided as twice the smaller tail) when :math:`n \le 50` and there are no
    ties, else from :math:`N(0,1)` without continuity correction (as
    ``scipy.stats.wilcoxon(..., method="approx", correction=False)``). It assumes independent
    firms.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics Bulletin* 1,
    80-83.
    """
    name = "wilcoxon"
    null = "CARs are symmetric about 0"
    d = cs.car[cs.car != 0]
    n = len(d)
    if n < 2:
        return invalid(name, f"needs at least 2 non-zero CARs, got {n}", cs.n, CITE_WILCOXON, null)
    size = np.abs(d)
    # a NaN CAR makes every rank NaN (scipy.stats.rankdata's nan_policy='propagate')
    ranks = np.full(n, np.nan) if np.isnan(size).any() else average_ranks(size)
    w_plus = float(ranks[d > 0].sum())
    _, ties = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((ties**3 - ties).sum()) / 48.0
    z = (w_plus - n * (n + 1) / 4.0) / np.sqrt(var)
    median = float(np.median(cs.car))
    if n <= 50 and (ties == 1).all():
        counts = _signed_rank_counts(n)
        total = counts.sum()
        w = int(round(w_plus))
        lower = counts[: w + 1].sum() / total
        upper = counts[w:].sum() / total
        p = float(min(1.0, 2.0 * min(lower, upper)))
        dist = f"exact signed-rank (n={n})"
    else:
        p = _p_norm(z)
        dist = "N(0,1)"
    return TestResult(name, float(z), p, dist, null, cs.n, CITE_WILCOXON, median)
