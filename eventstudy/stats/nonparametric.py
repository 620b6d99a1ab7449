"""Non-parametric tests of abnormal returns: ranks and signs.

They make no normality assumption. Rank and sign series are built per firm over the estimation
days followed by the tested window (event time), and, except for the generalized sign and
Wilcoxon tests, their cross-sectional means are standardized by a time-series standard deviation,
which reflects cross-correlation between firms that share dates.

The ranks and signs of a chunk of firm-events are summed per event-time day by the compiled
pass of :meth:`~eventstudy.stats.chunk.Chunk.event_time_sums` (ties averaged as
:func:`scipy.stats.rankdata`; each firm-event's estimation residuals merged with each window's
abnormal returns); each statistic's chunk step takes its sums from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numeric import average_ranks
from .base import Cell, CrossSection, TestResult, p_norm, p_t
from .chunk import Chunk, locate
from .statistic import Statistic

NULL_MEDIAN = "abnormal returns are not shifted (median / mean rank at its null value)"
CITE_CORRADO = "Corrado (1989), JFE 23, 385-395; Campbell and Wasley (1993), JFE 33, 73-92"
CITE_CZ = "Corrado and Zivney (1992), JFQA 27, 465-478"
CITE_COWAN = "Cowan (1992), Review of Quantitative Finance and Accounting 2, 343-358"
CITE_GRANK = "Kolari and Pynnonen (2011), Journal of Empirical Finance 18, 953-971"
CITE_WILCOXON = "Wilcoxon (1945), Biometrics Bulletin 1, 80-83"


class CorradoRank(Statistic):
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
    family = "nonparametric"
    clustering_robust = True
    citation = CITE_CORRADO
    null = NULL_MEDIAN
    needs = frozenset({"event_time_sums", "ranks"})

    def chunk(self, chunk: Chunk) -> dict[Any, np.ndarray]:
        """Sums of the centred ranks and counts per window, group and event-time day."""
        return _day_sums(chunk, "est:corrado", "win:corrado_win")

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 1:
            return self.invalid("no firm-event has a CAR in this window", n)
        total, cnt, length = _day_series(reduced, cell)
        with np.errstate(invalid="ignore", divide="ignore"):
            ubar = np.where(cnt > 0, total / cnt, np.nan)
        stat = _window_z(ubar, length)
        if stat is None:
            return self.invalid("the mean ranks do not vary", n)
        est = float(ubar[length:].mean())
        return TestResult(self.name, stat, p_norm(stat), "N(0,1)", self.null, n, self.citation, est)


corrado_rank = CorradoRank()


class CorradoZivneySign(Statistic):
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
    family = "nonparametric"
    clustering_robust = True
    citation = CITE_CZ
    null = NULL_MEDIAN
    needs = frozenset({"event_time_sums", "ranks"})

    def chunk(self, chunk: Chunk) -> dict[Any, np.ndarray]:
        """Sums of the signs about each firm's median and counts per window, group and day."""
        return _day_sums(chunk, "est:cz", "win:cz_win")

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 1:
            return self.invalid("no firm-event has a CAR in this window", n)
        total, cnt, length = _day_series(reduced, cell)
        with np.errstate(invalid="ignore", divide="ignore"):
            gt = np.where(cnt > 0, total / np.sqrt(cnt), np.nan)
        stat = _window_z(gt, length)
        if stat is None:
            return self.invalid("the signs do not vary", n)
        est = float(np.mean(cs.car > 0))
        return TestResult(self.name, stat, p_norm(stat), "N(0,1)", self.null, n, self.citation, est)


corrado_zivney_sign = CorradoZivneySign()


class GeneralizedSign(Statistic):
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
    family = "nonparametric"
    citation = CITE_COWAN
    null = "share of positive CARs = share of positive estimation residuals"
    needs = frozenset({"residuals"})

    def chunk(self, chunk: Chunk) -> dict[str, np.ndarray]:
        """Each firm-event's share of positive estimation residuals (per firm, not summed)."""
        return {"rows": chunk.rows, "share": chunk.positive_share()}

    def combine(self, a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Both reductions' firm-events (``b`` after ``a``)."""
        return {k: np.concatenate([a[k], b[k]]) for k in a}

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 1:
            return self.invalid("no firm-event has a CAR in this window", n)
        at = locate(reduced["rows"], np.asarray(cs.rows))
        p = float(np.mean(reduced["share"][at]))
        if not 0.0 < p < 1.0:
            return self.invalid(f"share of positive estimation residuals is {p}", n)
        w = float((cs.car > 0).sum())
        stat = (w - n * p) / np.sqrt(n * p * (1.0 - p))
        return TestResult(
            self.name, float(stat), p_norm(stat), "N(0,1)", self.null, n, self.citation, w / n
        )


generalized_sign = GeneralizedSign()


class Grank(Statistic):
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
    family = "nonparametric"
    clustering_robust = True
    citation = CITE_GRANK
    null = NULL_MEDIAN
    needs = frozenset({"event_time_sums", "ranks"})
    passes = 2

    def chunk(self, chunk: Chunk) -> dict[Any, np.ndarray]:
        """Pass 1: sums of the standardized residuals' scaled ranks and counts per day."""
        sums = chunk.event_time_sums()
        out: dict[Any, np.ndarray] = {}
        for wi in range(len(chunk.lo)):
            out[("rank", wi)] = sums["est:grank_r"][wi]
            out[("est_n", wi)] = sums["est:resid_n"][wi]
        return out

    def between(
        self,
        car: np.ndarray,
        car_var: np.ndarray,
        valid: np.ndarray,
        codes: np.ndarray,
        n_groups: int,
    ) -> np.ndarray:
        """Each firm-event's re-standardized CAR :math:`SCAR_i / S_{SCAR}` (NaN outside)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            scar = car / np.sqrt(car_var)
        s = np.full(n_groups, np.nan)
        ok = valid & (codes >= 0)
        for g in range(n_groups):
            pick = ok & (codes == g) if n_groups > 1 else ok
            if pick.sum() >= 2:
                s[g] = float(np.std(scar[pick], ddof=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ok, scar / s[np.maximum(codes, 0)], np.nan)

    def chunk2(self, chunk: Chunk, cut: np.ndarray) -> dict[Any, np.ndarray]:
        """Pass 2: where each standardized residual stands against the re-standardized CAR."""
        from .. import kernels

        n_w = cut.shape[0]
        resid = np.ascontiguousarray(chunk.resid, dtype=float)
        above = np.zeros((n_w, chunk.n_groups, resid.shape[1]))
        last = np.zeros((n_w, chunk.n_groups))
        kernels.grank_pass2(
            resid,
            np.ascontiguousarray(chunk.sigma2, dtype=float),
            np.ascontiguousarray(cut, dtype=float),
            np.ascontiguousarray(chunk.codes, dtype=np.int64),
            above,
            last,
        )
        out: dict[Any, np.ndarray] = {}
        for wi in range(n_w):
            out[("above", wi)] = above[wi]
            out[("last", wi)] = last[wi]
        return out

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 2:
            return self.invalid(f"needs at least 2 firm-events, got {n}", n)
        with np.errstate(invalid="ignore", divide="ignore"):
            scar = cs.car / np.sqrt(cs.car_var)
        s_scar = float(np.std(scar, ddof=1))
        if not s_scar > 0:
            return self.invalid("the standardized CARs do not vary", n)
        wi, gi = cell.window_index, cell.group_index
        cnt_est = reduced[("est_n", wi)][gi]
        sum_est = reduced[("rank", wi)][gi] + reduced[("above", wi)][gi] - 0.5 * cnt_est
        total = np.append(sum_est, reduced[("last", wi)][gi])
        cnt = np.append(cnt_est, float(n))
        with np.errstate(invalid="ignore", divide="ignore"):
            ubar = np.where(cnt > 0, total / cnt, np.nan)
        used = cnt > 0
        days = int(used.sum())
        s2 = float(np.sum((cnt[used] / n) * ubar[used] ** 2) / days)
        if not s2 > 0 or days < 3:
            return self.invalid("the mean ranks do not vary", n)
        z = float(ubar[-1] / np.sqrt(s2))
        denom = days - 1 - z**2
        if not denom > 0:
            return self.invalid(f"Z = {z:.3f} is outside the t transformation's range", n)
        stat = z * np.sqrt((days - 2) / denom)
        p = p_t(stat, days - 2)
        return TestResult(
            self.name,
            float(stat),
            p,
            f"t({days - 2})",
            self.null,
            n,
            self.citation,
            float(ubar[-1]),
        )


grank = Grank()


def _day_sums(chunk: Chunk, est_key: str, win_key: str) -> dict[Any, np.ndarray]:
    """Per window: estimation-day and window-day sums of one rank/sign series and counts."""
    sums = chunk.event_time_sums()
    window = chunk.window_slices(sums[win_key])
    count = chunk.window_slices(sums["win:ar_n"])
    out: dict[Any, np.ndarray] = {}
    for wi in range(len(chunk.lo)):
        out[("est", wi)] = sums[est_key][wi]
        out[("win", wi)] = window[wi]
        out[("est_n", wi)] = sums["est:resid_n"][wi]
        out[("win_n", wi)] = count[wi]
    return out


def _day_series(reduced: Any, cell: Cell) -> tuple[np.ndarray, np.ndarray, int]:
    """One group's sums and counts per event-time day (estimation days, then the window's).

    Returns the sums, the counts and the number of estimation days (where the window starts).
    """
    wi, gi = cell.window_index, cell.group_index
    est_n = reduced[("est_n", wi)][gi]
    total = np.concatenate([reduced[("est", wi)][gi], reduced[("win", wi)][gi]])
    return total, np.concatenate([est_n, reduced[("win_n", wi)][gi]]), len(est_n)


def _window_z(daily: np.ndarray, length: int) -> float | None:
    r"""Corrado's time-series statistic of a daily cross-sectional series :math:`x_t`.

    :math:`Z = \sum_{t \in W} x_t / (\sqrt{T}\,S)` with :math:`S^2` the mean of :math:`x_t^2` over
    every day with data (estimation and window) and :math:`T` the window's days, which start at
    ``length``; None when :math:`S` is not positive. Shared by the rank and the sign test.
    """
    sd = float(np.sqrt(np.nanmean(daily**2)))
    if not sd > 0:
        return None
    window = daily[length:]
    return float(window.sum() / (np.sqrt(len(window)) * sd))


def _signed_rank_counts(n: int) -> np.ndarray:
    """Null frequencies of the signed-rank sum :math:`W^+ = 0..n(n+1)/2` (untied, no zeros)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    top = 0
    for k in range(1, n + 1):
        counts[k : top + k + 1] += counts[: top + 1].copy()
        top += k
    return counts


class Wilcoxon(Statistic):
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
    family = "nonparametric"
    citation = CITE_WILCOXON
    null = "CARs are symmetric about 0"

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        d = cs.car[cs.car != 0]
        n = len(d)
        if n < 2:
            return self.invalid(f"needs at least 2 non-zero CARs, got {n}", cs.n)
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
            p = p_norm(z)
            dist = "N(0,1)"
        return TestResult(self.name, float(z), p, dist, self.null, cs.n, self.citation, median)


wilcoxon = Wilcoxon()
