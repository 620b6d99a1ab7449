r"""Parametric tests of abnormal returns, one :class:`~eventstudy.stats.statistic.Statistic` each.

Tests that read only per-firm CARs and their variances have no chunk step; Brown-Warner and the
portfolio regression reduce chunks to sums per event-time day
(:meth:`~eventstudy.stats.chunk.Chunk.event_time_sums`); the Kolari-Pynnonen tests share the
:math:`\bar r` of :mod:`eventstudy.stats.correlation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numeric import t_sf
from .base import Cell, CrossSection, TestResult, invalid, p_norm, p_t
from .chunk import Chunk
from .correlation import PairPlan, PairResiduals, subsamples
from .long_horizon import skewness_adjusted
from .statistic import Statistic

# -- names ---------------------------------------------------------------------------------

NULL_CAR = "mean CAR = 0"
CITE_BW = "Brown and Warner (1980), JFE 8, 205-258; Brown and Warner (1985), JFE 14, 3-31"
CITE_PATELL = "Patell (1976), Journal of Accounting Research 14, 246-276"
CITE_BMP = "Boehmer, Musumeci and Poulsen (1991), JFE 30, 253-272"
CITE_KP = "Kolari and Pynnonen (2010), Review of Financial Studies 23, 3996-4025"
CITE_HALL = "Hall (1992), JRSS B 54, 221-228; Lyon, Barber and Tsai (1999), JF 54, 165-201"
CITE_PORT = "Jaffe (1974), JFE 1, 41-76; Thompson (1985), JFQA 20, 151-168 (dummy regression)"


CITE_CLM = "Campbell, Lo and MacKinlay (1997), The Econometrics of Financial Markets, ch. 4"


def car_t(car: np.ndarray, car_var: np.ndarray, dof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-firm t statistic of a CAR and its two-sided p-value.

    Notes
    -----
    .. math::

        t_i = \frac{CAR_i(a,b)}{\sqrt{s_i^2\,(T + c_i'(X_i'X_i)^{-1}c_i)}} \sim t(L_i - k)

    under the null of no abnormal return and normal disturbances, the variance being the
    prediction-error variance of :meth:`~eventstudy.models.base.ReturnFit.car`.

    References
    ----------
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997), ch. 4, eq. 4.4.13-4.4.15.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        t = car / np.sqrt(car_var)
    p = 2.0 * t_sf(np.abs(t), np.where(dof > 0, dof, np.nan))
    return t, p


class CrossSectionalT(Statistic):
    r"""Cross-sectional t test of the mean CAR (CAAR).

    Notes
    -----
    .. math::

        t = \frac{\overline{CAR}}{s_{CAR}/\sqrt{N}}, \qquad
        s_{CAR}^2 = \frac{1}{N-1}\sum_i (CAR_i - \overline{CAR})^2, \qquad t \sim t(N-1).

    It ignores estimation error and assumes independent firms: with a shared event date it
    over-rejects (Kolari and Pynnonen 2010).

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """

    name = "cross_sectional_t"
    citation = "Brown and Warner (1985), JFE 14, 3-31"
    null = NULL_CAR

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 2:
            return self.invalid(f"needs at least 2 firm-events, got {n}", n)
        mean = float(cs.car.mean())
        sd = float(cs.car.std(ddof=1))
        if not sd > 0:
            return self.invalid("the CARs have zero cross-sectional variance", n)
        stat = mean / (sd / np.sqrt(n))
        p = float(2.0 * t_sf(abs(stat), n - 1))
        return TestResult(
            self.name, float(stat), p, f"t({n - 1})", self.null, n, self.citation, mean
        )


cross_sectional_t = CrossSectionalT()


def standardized_car(cs: CrossSection) -> np.ndarray:
    r"""Standardized CARs :math:`SCAR_i = CAR_i / \sqrt{\operatorname{Var}(CAR_i)}`, shape ``(N,)``.

    The variance is the prediction-error variance of
    :meth:`~eventstudy.models.base.ReturnFit.car`; for a one-day window this is Patell's
    standardized abnormal return :math:`SAR_{i0} = AR_{i0} / (s_i\sqrt{1 + x_0'(X'X)^{-1}x_0})`.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return cs.car / np.sqrt(cs.car_var)


# -- tests -----------------------------------------------------------------------------------


class BrownWarner(Statistic):
    r"""Brown-Warner t test of the CAAR with the crude dependence adjustment.

    The standard deviation of the average abnormal return comes from the time series of the
    equally weighted portfolio's mean residual over the estimation window, so cross-correlation
    between firms is reflected in it.

    Notes
    -----
    With :math:`\overline{AR}_\tau = N_\tau^{-1}\sum_i \hat\varepsilon_{i\tau}` the mean
    estimation residual on estimation day :math:`\tau` (event time, :math:`N_\tau` firms
    present; in a clustered sample event time is calendar time), :math:`L^*` the estimation days
    with at least one residual and :math:`T` the window length,

    .. math::

        S^2 = \frac{1}{L^*-1}\sum_\tau \big(\overline{AR}_\tau - \overline{\overline{AR}}
        \big)^2, \qquad
        t_{BW} = \frac{\overline{CAR}}{\sqrt{T}\,S} \sim t(L^*-1).

    It ignores the prediction error and event-induced variance.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1980). Measuring security price performance. *Journal of
    Financial Economics* 8, 205-258.

    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """

    name = "brown_warner"
    clustering_robust = True
    citation = CITE_BW
    null = NULL_CAR
    needs = frozenset({"event_time_sums"})

    def chunk(self, chunk: Chunk) -> dict[Any, np.ndarray]:
        """Sums and counts of the estimation residuals per window, group and event-time day."""
        sums = chunk.event_time_sums()
        return {"resid": sums["est:resid"], "resid_n": sums["est:resid_n"]}

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 1:
            return self.invalid("no firm-event has a CAR in this window", n)
        at = (cell.window_index, cell.group_index)
        total, present = reduced["resid"][at], reduced["resid_n"][at]
        with np.errstate(invalid="ignore", divide="ignore"):
            aar_est = np.where(present > 0, total / present, np.nan)
        aar_est = aar_est[np.isfinite(aar_est)]
        days = len(aar_est)
        if days < 3:
            return self.invalid(f"needs at least 3 estimation days, got {days}", n)
        sd = float(np.std(aar_est, ddof=1))
        if not sd > 0:
            return self.invalid("the portfolio residuals have zero variance", n)
        caar = float(cs.car.mean())
        stat = caar / (np.sqrt(cs.length) * sd)
        dof = days - 1
        return TestResult(
            self.name, float(stat), p_t(stat, dof), f"t({dof})", self.null, n, self.citation, caar
        )


brown_warner = BrownWarner()


def _patell_z(cs: CrossSection) -> tuple[float, str | None]:
    """Patell's Z (standardized-CAR version) or a reason it cannot be computed."""
    if cs.n < 1:
        return float("nan"), "no firm-event has a CAR in this window"
    if np.any(cs.dof <= 2):
        return float("nan"), "a firm-event has 2 or fewer residual degrees of freedom"
    scar = standardized_car(cs)
    factor = cs.dof / (cs.dof - 2.0)
    return float(scar.sum() / np.sqrt(factor.sum())), None


class Patell(Statistic):
    r"""Patell standardized-residual test (standardized-CAR version for multi-day windows).

    Notes
    -----
    Each CAR is divided by its prediction-error standard deviation,
    :math:`SCAR_i = CAR_i / \sqrt{s_i^2 (T + c_i'(X_i'X_i)^{-1}c_i)}` (one day:
    :math:`SAR_{i0} = AR_{i0}/(s_i\sqrt{1 + x_0'(X'X)^{-1}x_0})`). Under normal disturbances
    :math:`SCAR_i \sim t(d_i)`, with variance :math:`d_i/(d_i-2)` (Patell's
    :math:`(L_i-2)/(L_i-4)` for the market model, :math:`d_i = L_i - 2`), so

    .. math::

        Z_P = \frac{\sum_{i=1}^N SCAR_i}{\sqrt{\sum_{i=1}^N d_i/(d_i-2)}} \sim N(0,1).

    It assumes independent firms and no event-induced variance.

    References
    ----------
    Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior:
    empirical tests. *Journal of Accounting Research* 14, 246-276.

    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997), ch. 4, statistic :math:`J_2`.
    """

    name = "patell"
    citation = CITE_PATELL
    null = NULL_CAR

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        z, reason = _patell_z(cs)
        if reason is not None:
            return self.invalid(reason, cs.n)
        caar = float(cs.car.mean())
        return TestResult(self.name, z, p_norm(z), "N(0,1)", self.null, cs.n, self.citation, caar)


patell = Patell()


def _bmp_t(cs: CrossSection) -> tuple[float, str | None]:
    if cs.n < 2:
        return float("nan"), f"needs at least 2 firm-events, got {cs.n}"
    scar = standardized_car(cs)
    sd = float(scar.std(ddof=1))
    if not sd > 0:
        return float("nan"), "the standardized CARs have zero cross-sectional variance"
    return float(scar.mean() / (sd / np.sqrt(cs.n))), None


class BMP(Statistic):
    r"""Boehmer-Musumeci-Poulsen standardized cross-sectional test.

    Notes
    -----
    With the standardized CARs :math:`SCAR_i` of :func:`patell`,

    .. math::

        t_{BMP} = \frac{\overline{SCAR}\sqrt{N}}{S_{SCAR}}, \qquad
        S_{SCAR}^2 = \frac{1}{N-1}\sum_i (SCAR_i - \overline{SCAR})^2, \qquad
        t_{BMP} \sim t(N-1).

    The cross-sectional variance makes it robust to event-induced variance, not to
    cross-correlation.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under conditions
    of event-induced variance. *Journal of Financial Economics* 30, 253-272.
    """

    name = "bmp"
    citation = CITE_BMP
    null = NULL_CAR

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        t, reason = _bmp_t(cs)
        if reason is not None:
            return self.invalid(reason, cs.n)
        dof = cs.n - 1
        caar = float(cs.car.mean())
        return TestResult(
            self.name, t, p_t(t, dof), f"t({dof})", self.null, cs.n, self.citation, caar
        )


bmp = BMP()


class _CrossCorrelationAdjusted(Statistic):
    r"""What both Kolari-Pynnonen tests share: the reduction behind :math:`\bar r`.

    The chunk step keeps the estimation residuals of the firm-events in some group's
    subsample (:func:`~eventstudy.stats.correlation.subsamples`); combining joins them, and the
    pair correlations are computed once per group for both tests.
    """

    clustering_robust = True
    citation = CITE_KP
    null = NULL_CAR
    needs = frozenset({"pairs"})

    @property
    def reduction(self) -> str:
        """Shared by both Kolari-Pynnonen tests."""
        return "kolari_pynnonen_rbar"

    def plan(
        self, groups: dict[str, np.ndarray], day0_pos: np.ndarray, span: tuple[int, int]
    ) -> PairPlan:
        r"""Per group, the firm-events whose pairs give its :math:`\bar r`."""
        return subsamples(groups, day0_pos, span)

    def chunk(self, chunk: Chunk) -> PairResiduals:
        r"""The chunk's residuals that some group's :math:`\bar r` uses."""
        return PairResiduals.of_chunk(chunk, chunk.plans[self.reduction])

    def combine(self, a: PairResiduals, b: PairResiduals) -> PairResiduals:
        """Both reductions' residuals (blocks joined, not copied)."""
        return a.join(b)

    def _rbar(
        self, reduced: PairResiduals, cs: CrossSection, cell: Cell
    ) -> tuple[float, str | None, TestResult | None]:
        rbar, note = reduced.rbar(cell.group, cell.group_size, cs)
        if not np.isfinite(rbar):
            return rbar, note, self.invalid("cannot estimate the residual cross-correlation", cs.n)
        if 1.0 + (cs.n - 1) * rbar <= 0:
            reason = f"average cross-correlation {rbar:.3f} makes 1 + (N-1) r-bar non-positive"
            return rbar, note, self.invalid(reason, cs.n)
        return rbar, note, None


class KolariPynnonen(_CrossCorrelationAdjusted):
    r"""Kolari-Pynnonen cross-correlation adjusted BMP test.

    Notes
    -----
    With :math:`\bar r` the average pairwise correlation of estimation residuals
    (:func:`~eventstudy.stats.correlation.average_cross_correlation`), Kolari and Pynnonen (2010) scale the BMP statistic:

    .. math::

        t_{AB} = t_{BMP}\sqrt{\frac{1 - \bar r}{1 + (N-1)\bar r}} \sim t(N-1).

    For a multi-day window the same :math:`\bar r` is applied to the standardized CARs (their
    section on cumulative abnormal returns).

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional correlation
    of abnormal returns. *Review of Financial Studies* 23, 3996-4025.
    """

    name = "kolari_pynnonen"

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        t, reason = _bmp_t(cs)
        if reason is not None:
            return self.invalid(reason, cs.n)
        rbar, note, bad = self._rbar(reduced, cs, cell)
        if bad is not None:
            return bad
        stat = t * np.sqrt((1.0 - rbar) / (1.0 + (cs.n - 1) * rbar))
        dof = cs.n - 1
        caar = float(cs.car.mean())
        return TestResult(
            self.name,
            float(stat),
            p_t(stat, dof),
            f"t({dof})",
            self.null,
            cs.n,
            self.citation,
            caar,
            note,
        )


kolari_pynnonen = KolariPynnonen()


class KolariPynnonenPatell(_CrossCorrelationAdjusted):
    r"""Kolari-Pynnonen cross-correlation adjusted Patell test.

    Notes
    -----
    Kolari and Pynnonen (2010) divide the Patell statistic by the standard deviation of a
    sum of equicorrelated standardized residuals:

    .. math::

        Z_{AP} = Z_P\sqrt{\frac{1}{1 + (N-1)\bar r}} \sim N(0,1).

    The factor differs from the BMP one (:func:`kolari_pynnonen`) by :math:`\sqrt{1-\bar r}`
    because the BMP denominator is a cross-sectional variance, which correlation shrinks by
    :math:`1 - \bar r`, whereas Patell's denominator is known.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). *Review of Financial Studies* 23, 3996-4025.
    """

    name = "kolari_pynnonen_patell"

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        z, reason = _patell_z(cs)
        if reason is not None:
            return self.invalid(reason, cs.n)
        if cs.n < 2:
            return self.invalid(f"needs at least 2 firm-events, got {cs.n}", cs.n)
        rbar, note, bad = self._rbar(reduced, cs, cell)
        if bad is not None:
            return bad
        stat = z / np.sqrt(1.0 + (cs.n - 1) * rbar)
        caar = float(cs.car.mean())
        return TestResult(
            self.name,
            float(stat),
            p_norm(stat),
            "N(0,1)",
            self.null,
            cs.n,
            self.citation,
            caar,
            note,
        )


kolari_pynnonen_patell = KolariPynnonenPatell()


class SkewnessAdjustedT(Statistic):
    r"""Skewness-adjusted t test of the mean CAR (Hall's transformation).

    Notes
    -----
    With :math:`S = \overline{CAR}/s_{CAR}` (:math:`s_{CAR}` with divisor :math:`N-1`) and the
    skewness :math:`\hat\gamma = \sum_i (CAR_i - \overline{CAR})^3 / (N s_{CAR}^3)`,

    .. math::

        t_{sa} = \sqrt{N}\left(S + \tfrac13\hat\gamma S^2 + \tfrac1{27}\hat\gamma^2 S^3
        + \tfrac{1}{6N}\hat\gamma\right) \sim t(N-1).

    The cubic term makes the transformation monotone (Hall 1992); without it this is the form of
    Lyon, Barber and Tsai (1999, eq. 5). It assumes independent firms.

    References
    ----------
    Hall, P. (1992). On the removal of skewness by transformation. *Journal of the Royal
    Statistical Society B* 54, 221-228.

    Lyon, J. D., Barber, B. M. and Tsai, C.-L. (1999). Improved methods for tests of long-run
    abnormal stock returns. *Journal of Finance* 54, 165-201.
    """

    name = "skewness_adjusted_t"
    citation = CITE_HALL
    null = NULL_CAR

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 3:
            return self.invalid(f"needs at least 3 firm-events, got {n}", n)
        stat = float(skewness_adjusted(cs.car))
        if not np.isfinite(stat):
            return self.invalid("the CARs have zero cross-sectional variance", n)
        mean = float(cs.car.mean())
        return TestResult(
            self.name,
            float(stat),
            p_t(stat, n - 1),
            f"t({n - 1})",
            self.null,
            n,
            self.citation,
            mean,
        )


skewness_adjusted_t = SkewnessAdjustedT()


class PortfolioRegression(Statistic):
    r"""Portfolio (dummy-variable) regression test of the portfolio CAR.

    The group's firms form one equally weighted portfolio whose return is regressed on the
    (equally weighted) benchmark return and one dummy per window day, over the estimation and
    window days (OLS, in the closed form of :func:`portfolio_dummy_test`). A portfolio's
    residual variance already contains every covariance between firms, so the test is robust to
    cross-correlation (Jaffe 1974; dummy form of Thompson 1985 and Karafiath 1988).

    Notes
    -----
    With :math:`R_{pt} = N_t^{-1}\sum_i R_{it}` in event time and :math:`D_{dt} = 1\{t = d\}`,

    .. math::

        R_{pt} = \alpha + \beta R_{mt} + \sum_{d=a}^{b} \gamma_d D_{dt} + e_t, \qquad
        t = \frac{\sum_d \hat\gamma_d}{\sqrt{\mathbf 1'\widehat{V}(\hat\gamma)\mathbf 1}}
        \sim t(L^* - 2),

    :math:`\hat\gamma_d` being the portfolio's abnormal return on day :math:`d` and
    :math:`L^*` the estimation days with a portfolio return. The regression
    uses the market model whatever model the study fitted.

    References
    ----------
    Jaffe, J. F. (1974). Special information and insider trading. *Journal of Business* 47,
    410-428.

    Thompson, R. (1985). Conditional predictability tests of event studies. *Journal of
    Financial and Quantitative Analysis* 20, 151-168.

    Karafiath, I. (1988). Using dummy variables in the event methodology. *Financial Review* 23,
    351-357.
    """

    name = "portfolio_regression"
    clustering_robust = True
    citation = CITE_PORT
    null = NULL_CAR
    needs = frozenset({"event_time_sums", "portfolio"})

    def chunk(self, chunk: Chunk) -> dict[Any, np.ndarray]:
        """Sums and counts of firm and benchmark returns per window, group and event-time day.

        Per window, the estimation days followed by the window's days.
        """
        sums = chunk.event_time_sums()
        out: dict[Any, np.ndarray] = {}
        for key in ("port_f", "port_fn", "port_m", "port_mn"):
            window = chunk.window_slices(sums[f"win:{key}"])
            for wi, est in enumerate(sums[f"est:{key}"]):
                out[(key, wi)] = np.concatenate([est, window[wi]], axis=1)
        return out

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        n = cs.n
        if n < 1:
            return self.invalid("no firm-event has a CAR in this window", n)
        wi, gi = cell.window_index, cell.group_index
        with np.errstate(invalid="ignore", divide="ignore"):
            fn, mn = reduced[("port_fn", wi)][gi], reduced[("port_mn", wi)][gi]
            port = np.where(fn > 0, reduced[("port_f", wi)][gi] / fn, np.nan)
            bench = np.where(mn > 0, reduced[("port_m", wi)][gi] / mn, np.nan)
        return portfolio_dummy_test(port, bench, len(port) - cs.length, cs.length, n)


portfolio_regression = PortfolioRegression()


def portfolio_dummy_test(
    port: np.ndarray, bench: np.ndarray, length: int, t_days: int, n: int
) -> TestResult:
    r"""The portfolio regression given the portfolio and benchmark series.

    ``port`` and ``bench`` hold ``length`` estimation days followed by ``t_days`` window days;
    ``n`` is the number of firm-events in the portfolio.

    Notes
    -----
    Each window day has its own dummy, so its residual is zero and the OLS fit of the dummy
    regression is the market model fitted on the :math:`L^*` estimation days alone (the
    Frisch-Waugh-Lovell theorem); the dummy coefficients are the window days' prediction errors.
    With :math:`\bar x, \bar y` the estimation-day means of the benchmark and portfolio returns,
    :math:`S_{xx} = \sum_\tau (x_\tau - \bar x)^2`, :math:`\hat\beta = S_{xy}/S_{xx}`,
    :math:`\hat\alpha = \bar y - \hat\beta\bar x`, :math:`s^2 = \sum_\tau \hat e_\tau^2/(L^*-2)`
    and :math:`X_W = \sum_{d=a}^{b} x_d`,

    .. math::

        \sum_d \hat\gamma_d = \sum_{d=a}^{b} (y_d - \hat\alpha - \hat\beta x_d), \qquad
        \mathbf 1'\widehat V(\hat\gamma)\mathbf 1 = s^2\left(T + \frac{T^2}{L^*}
        + \frac{(X_W - T\bar x)^2}{S_{xx}}\right),

    the OLS estimate and variance of the full dummy regression in closed form: the prediction
    error of a :math:`T`-day CAR of the portfolio (Campbell, Lo and MacKinlay 1997, section 4.4).
    The residual degrees of freedom are :math:`(L^* + T) - (T + 2) = L^* - 2`.
    """
    name = "portfolio_regression"
    ok = np.isfinite(port) & np.isfinite(bench)
    if not ok[length:].all():
        return invalid(
            name, "the portfolio has a missing return in the window", n, CITE_PORT, NULL_CAR
        )
    used = ok[:length]
    days = int(used.sum())
    dof = days - 2
    if dof < 3:
        return invalid(name, f"only {dof} residual degrees of freedom", n, CITE_PORT, NULL_CAR)
    y = port[:length][used]
    x = bench[:length][used]
    x_mean = x.mean()
    y_mean = y.mean()
    dx = x - x_mean
    sxx = float(dx @ dx)
    if not (np.ptp(x) > 0 and sxx > 0):  # a constant benchmark leaves beta unidentified
        return invalid(
            name,
            "the benchmark return does not vary over the estimation days",
            n,
            CITE_PORT,
            NULL_CAR,
        )
    beta = float(dx @ (y - y_mean)) / sxx
    alpha = y_mean - beta * x_mean
    resid = y - alpha - beta * x
    s2 = float(resid @ resid) / dof
    y_win = port[length:]
    x_win = bench[length:]
    est = float(np.sum(y_win - alpha - beta * x_win))
    lever = float(x_win.sum()) - t_days * x_mean
    var = s2 * (t_days + t_days * t_days / days + lever * lever / sxx)
    if not var > 0:
        return invalid(name, "the portfolio residuals have zero variance", n, CITE_PORT, NULL_CAR)
    stat = est / np.sqrt(var)
    return TestResult(name, float(stat), p_t(stat, dof), f"t({dof})", NULL_CAR, n, CITE_PORT, est)
