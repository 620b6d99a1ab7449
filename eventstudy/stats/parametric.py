"""Parametric tests of abnormal returns."""

from __future__ import annotations

import warnings

import numpy as np

from ._numeric import norm_sf, t_sf
from .base import CrossSection, TestResult, invalid

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


def cross_sectional_t(cs: CrossSection) -> TestResult:
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
    p = float(2.0 * t_sf(abs(stat), n - 1))
    return TestResult(name, float(stat), p, f"t({n - 1})", null, n, cite, mean)


# -- helpers ---------------------------------------------------------------------------------

NULL_CAR = "mean CAR = 0"
CITE_BW = "Brown and Warner (1980), JFE 8, 205-258; Brown and Warner (1985), JFE 14, 3-31"
CITE_PATELL = "Patell (1976), Journal of Accounting Research 14, 246-276"
CITE_BMP = "Boehmer, Musumeci and Poulsen (1991), JFE 30, 253-272"
CITE_KP = "Kolari and Pynnonen (2010), Review of Financial Studies 23, 3996-4025"
CITE_HALL = "Hall (1992), JRSS B 54, 221-228; Lyon, Barber and Tsai (1999), JF 54, 165-201"
CITE_PORT = "Jaffe (1974), JFE 1, 41-76; Thompson (1985), JFQA 20, 151-168 (dummy regression)"


def _p_norm(stat: float) -> float:
    return float(2.0 * norm_sf(abs(stat)))


def _p_t(stat: float, dof: float) -> float:
    return float(2.0 * t_sf(abs(stat), dof))


def standardized_car(cs: CrossSection) -> np.ndarray:
    r"""Standardized CARs :math:`SCAR_i = CAR_i / \sqrt{\operatorname{Var}(CAR_i)}`, shape ``(N,)``.

    The variance is the prediction-error variance of
    :meth:`~eventstudy.models.base.ReturnFit.car`; for a one-day window this is Patell's
    standardized abnormal return :math:`SAR_{i0} = AR_{i0} / (s_i\sqrt{1 + x_0'(X'X)^{-1}x_0})`.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return cs.car / np.sqrt(cs.car_var)


def average_cross_correlation(cs: CrossSection, min_overlap: int = 30) -> float:
    r"""Average pairwise correlation :math:`\bar r` of the firms' estimation-window residuals.

    Residuals are placed on the calendar date axis through ``est_pos``, and each pair's sample
    correlation :math:`r_{ij}` uses the dates on which both firms have a residual (at least
    ``min_overlap``, else the pair counts as 0). Each :math:`r_{ij}` is weighted by the share of
    the window's :math:`T` days that the two firm-events' windows share in calendar time,
    :math:`T_{ij}/T`, which is the correlation of their CARs when daily abnormal returns are
    correlated only on the same date. When all firm-events share day 0 every weight is 1 and
    :math:`\bar r` is Kolari and Pynnonen's average correlation; firm-events whose windows do
    not overlap contribute 0.

    Notes
    -----
    .. math::

        \bar r = \frac{2}{N(N-1)} \sum_{i<j} \frac{T_{ij}}{T}\, r_{ij}.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional correlation
    of abnormal returns. *Review of Financial Studies* 23, 3996-4025.
    """
    n = cs.n
    if n < 2:
        return float("nan")
    _, window = _on_dates(np.zeros(cs.evt_pos.shape), cs.evt_pos)
    shared = (window @ window.T) / cs.evt_pos.shape[1]
    np.fill_diagonal(shared, 0.0)
    involved = np.flatnonzero(shared.any(axis=1))
    if len(involved) == 0:
        return 0.0  # no two windows share a calendar day
    grid, mask = _on_dates(cs.est_resid[involved], cs.est_pos[involved])
    cnt = mask @ mask.T
    sx = grid @ mask.T  # sum of x_i over the days shared with j
    sxx = (grid * grid) @ mask.T
    sxy = grid @ grid.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = cnt * sxy - sx * sx.T
        var_i = cnt * sxx - sx * sx
        r = cov / np.sqrt(var_i * var_i.T)
    r = np.where((cnt >= min_overlap) & np.isfinite(r), r, 0.0)
    weighted = np.zeros((n, n))
    weighted[np.ix_(involved, involved)] = r * shared[np.ix_(involved, involved)]
    iu = np.triu_indices(n, 1)
    return float(np.mean(weighted[iu]))


def _on_dates(values: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spread ``(N, L)`` values onto the union of their date positions: values and 0/1 mask."""
    have = np.isfinite(values) & (pos >= 0)
    _, inverse = np.unique(np.where(have, pos, -1), return_inverse=True)
    inverse = inverse.reshape(values.shape)
    width = int(inverse.max()) + 1 if inverse.size else 0
    grid = np.zeros((values.shape[0], width))
    mask = np.zeros((values.shape[0], width))
    rows = np.broadcast_to(np.arange(values.shape[0])[:, None], values.shape)
    grid[rows[have], inverse[have]] = values[have]
    mask[rows[have], inverse[have]] = 1.0
    return grid, mask


# -- tests -----------------------------------------------------------------------------------


def brown_warner(cs: CrossSection) -> TestResult:
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
    n = cs.n
    if n < 1:
        return invalid(name, "no firm-event has a CAR in this window", n, CITE_BW, NULL_CAR)
    resid = cs.est_resid
    present = np.isfinite(resid).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        aar_est = np.where(present > 0, np.nansum(resid, axis=0) / present, np.nan)
    aar_est = aar_est[np.isfinite(aar_est)]
    days = len(aar_est)
    if days < 3:
        return invalid(name, f"needs at least 3 estimation days, got {days}", n, CITE_BW, NULL_CAR)
    sd = float(np.std(aar_est, ddof=1))
    if not sd > 0:
        return invalid(name, "the portfolio residuals have zero variance", n, CITE_BW, NULL_CAR)
    caar = float(cs.car.mean())
    stat = caar / (np.sqrt(cs.length) * sd)
    dof = days - 1
    return TestResult(name, float(stat), _p_t(stat, dof), f"t({dof})", NULL_CAR, n, CITE_BW, caar)


def _patell_z(cs: CrossSection) -> tuple[float, str | None]:
    """Patell's Z (standardized-CAR version) or a reason it cannot be computed."""
    if cs.n < 1:
        return float("nan"), "no firm-event has a CAR in this window"
    if np.any(cs.dof <= 2):
        return float("nan"), "a firm-event has 2 or fewer residual degrees of freedom"
    scar = standardized_car(cs)
    factor = cs.dof / (cs.dof - 2.0)
    return float(scar.sum() / np.sqrt(factor.sum())), None


def patell(cs: CrossSection) -> TestResult:
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
    z, reason = _patell_z(cs)
    if reason is not None:
        return invalid(name, reason, cs.n, CITE_PATELL, NULL_CAR)
    caar = float(cs.car.mean())
    return TestResult(name, z, _p_norm(z), "N(0,1)", NULL_CAR, cs.n, CITE_PATELL, caar)


def _bmp_t(cs: CrossSection) -> tuple[float, str | None]:
    if cs.n < 2:
        return float("nan"), f"needs at least 2 firm-events, got {cs.n}"
    scar = standardized_car(cs)
    sd = float(scar.std(ddof=1))
    if not sd > 0:
        return float("nan"), "the standardized CARs have zero cross-sectional variance"
    return float(scar.mean() / (sd / np.sqrt(cs.n))), None


def bmp(cs: CrossSection) -> TestResult:
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
    t, reason = _bmp_t(cs)
    if reason is not None:
        return invalid(name, reason, cs.n, CITE_BMP, NULL_CAR)
    dof = cs.n - 1
    caar = float(cs.car.mean())
    return TestResult(name, t, _p_t(t, dof), f"t({dof})", NULL_CAR, cs.n, CITE_BMP, caar)


def _kp_rbar(cs: CrossSection, name: str) -> tuple[float, TestResult | None]:
    rbar = average_cross_correlation(cs)
    if not np.isfinite(rbar):
        return rbar, invalid(
            name, "cannot estimate the residual cross-correlation", cs.n, CITE_KP, NULL_CAR
        )
    if 1.0 + (cs.n - 1) * rbar <= 0:
        return rbar, invalid(
            name,
            f"average cross-correlation {rbar:.3f} makes 1 + (N-1) r-bar non-positive",
            cs.n,
            CITE_KP,
            NULL_CAR,
        )
    return rbar, None


def kolari_pynnonen(cs: CrossSection) -> TestResult:
    r"""Kolari-Pynnonen cross-correlation adjusted BMP test.

    Notes
    -----
    With :math:`\bar r` the average pairwise correlation of estimation residuals
    (:func:`average_cross_correlation`), Kolari and Pynnonen (2010) scale the BMP statistic:

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
    t, reason = _bmp_t(cs)
    if reason is not None:
        return invalid(name, reason, cs.n, CITE_KP, NULL_CAR)
    rbar, bad = _kp_rbar(cs, name)
    if bad is not None:
        return bad
    stat = t * np.sqrt((1.0 - rbar) / (1.0 + (cs.n - 1) * rbar))
    dof = cs.n - 1
    caar = float(cs.car.mean())
    return TestResult(
        name, float(stat), _p_t(stat, dof), f"t({dof})", NULL_CAR, cs.n, CITE_KP, caar
    )


def kolari_pynnonen_patell(cs: CrossSection) -> TestResult:
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
    z, reason = _patell_z(cs)
    if reason is not None:
        return invalid(name, reason, cs.n, CITE_KP, NULL_CAR)
    if cs.n < 2:
        return invalid(name, f"needs at least 2 firm-events, got {cs.n}", cs.n, CITE_KP, NULL_CAR)
    rbar, bad = _kp_rbar(cs, name)
    if bad is not None:
        return bad
    stat = z / np.sqrt(1.0 + (cs.n - 1) * rbar)
    caar = float(cs.car.mean())
    return TestResult(name, float(stat), _p_norm(stat), "N(0,1)", NULL_CAR, cs.n, CITE_KP, caar)


def skewness_adjusted_t(cs: CrossSection) -> TestResult:
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
    n = cs.n
    if n < 3:
        return invalid(name, f"needs at least 3 firm-events, got {n}", n, CITE_HALL, NULL_CAR)
    mean = float(cs.car.mean())
    sd = float(cs.car.std(ddof=1))
    if not sd > 0:
        return invalid(name, "the CARs have zero cross-sectional variance", n, CITE_HALL, NULL_CAR)
    s = mean / sd
    gamma = float(((cs.car - mean) ** 3).sum() / (n * sd**3))
    stat = np.sqrt(n) * (s + gamma * s**2 / 3.0 + gamma**2 * s**3 / 27.0 + gamma / (6.0 * n))
    return TestResult(
        name, float(stat), _p_t(stat, n - 1), f"t({n - 1})", NULL_CAR, n, CITE_HALL, mean
    )


def portfolio_regression(cs: CrossSection) -> TestResult:
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
    n = cs.n
    if n < 1:
        return invalid(name, "no firm-event has a CAR in this window", n, CITE_PORT, NULL_CAR)
    sample = cs.fit.sample
    cols = sample.window_columns(cs.window)
    rows = cs.rows
    firm = np.concatenate([sample.firm_est[rows], sample.firm_evt[np.ix_(rows, cols)]], axis=1)
    mkt = np.concatenate([sample.market_est[rows], sample.market_evt[np.ix_(rows, cols)]], axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        port = np.nanmean(firm, axis=0)
        bench = np.nanmean(mkt, axis=0)
    return portfolio_dummy_test(port, bench, sample.firm_est.shape[1], len(cols), n)


def portfolio_dummy_test(
    port: np.ndarray, bench: np.ndarray, length: int, t_days: int, n: int
) -> TestResult:
    r"""The portfolio regression given the portfolio and benchmark series.

    ``port`` and ``bench`` hold ``length`` estimation days followed by ``t_days`` window days;
    ``n`` is the number of firm-events in the portfolio. Shared by the per-group test and the
    chunked engine so that both compute the same statistic.

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
    return TestResult(name, float(stat), _p_t(stat, dof), f"t({dof})", NULL_CAR, n, CITE_PORT, est)
