r"""The textbook per-event implementation with statsmodels: the reference for the vectorised engine.

Two entry points:

* :func:`reference_market_model` fits the market model one firm-event at a time (one
  ``statsmodels`` OLS each) and returns abnormal returns, CARs, their prediction-error variances
  and per-firm t statistics;
* :func:`reference_study` runs the whole pooled study the engine computes for one group (every
  firm-event) and each window: the same per-event fits, then all 13 registered test statistics
  (:data:`eventstudy.stats.TESTS`) with their p-values, computed the textbook way. It loops over
  firm-events, ranks with :func:`scipy.stats.rankdata` one firm-event at a time, averages across
  firms with pandas frames aligned on the relative day (event time), correlates residuals pair by
  pair on calendar dates with :meth:`pandas.Series.corr`, and fits the portfolio dummy regression
  with statsmodels. It shares no code with :mod:`eventstudy.engine` or :mod:`eventstudy.stats`.

It is test code (under ``tests/``, not shipped): the suite in ``tests/scale/`` and
``benchmarks/bench_scale.py`` (run from a checkout) are its only callers, and keeping it out of
the package keeps statsmodels/scipy.stats oracles away from the code they check.

Per firm-event :math:`i`, the OLS of the firm's returns on a constant and the benchmark over the
estimation window (days where either return is missing are dropped, :math:`L_i` days used) gives
:math:`\hat\alpha_i, \hat\beta_i`, the residual variance :math:`s_i^2 = SSR_i/(L_i - 2)`
(``scale``) and the parameter covariance :math:`\hat V_i = s_i^2 (X_i'X_i)^{-1}`
(``cov_params``). Abnormal returns are :math:`AR_{it} = R_{it} - \hat\alpha_i - \hat\beta_i
R_{mt}` and

.. math::

    \operatorname{Var}(AR_{it}) = s_i^2 + x_t'\hat V_i x_t, \qquad
    \operatorname{Var}(CAR_i(a,b)) = T s_i^2 + c'\hat V_i c, \quad c = \sum_{t=a}^{b} x_t,

with :math:`x_t = (1, R_{mt})'` (Campbell, Lo and MacKinlay 1997, ch. 4). It is slow on purpose
(one regression per firm-event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as sps

from eventstudy._types import MissingInWindow, WindowSpec, validate_literal
from eventstudy.errors import InputError

__all__ = ["ReferenceResult", "ReferenceStudy", "reference_market_model", "reference_study"]

TEST_NAMES = (
    "cross_sectional_t",
    "brown_warner",
    "patell",
    "bmp",
    "kolari_pynnonen",
    "kolari_pynnonen_patell",
    "skewness_adjusted_t",
    "portfolio_regression",
    "corrado_rank",
    "corrado_zivney_sign",
    "generalized_sign",
    "grank",
    "wilcoxon",
    "beaver_u",
)
"""The statistics :func:`reference_study` computes, in the order of the test registry."""

MIN_PAIR_DAYS = 30
"""Fewest common estimation dates for a pair's residual correlation to count in r-bar."""


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


@dataclass(frozen=True)
class ReferenceStudy:
    """The whole pooled study, computed one firm-event at a time.

    Attributes
    ----------
    fit
        Per firm-event results (abnormal returns, CARs, variances, t statistics).
    tests
        One row per window and test: ``window``, ``test``, ``nobs``, ``statistic``, ``p_value``,
        ``distribution`` (e.g. ``"t(59)"``), ``estimate`` (the quantity tested) and ``reason``
        (why the statistic is NaN, else ``None``).
    n, caar
        Per window: firm-events with a CAR (the cross-section) and their mean CAR.
    rbar
        Per window: the Kolari-Pynnonen average residual cross-correlation.
    """

    fit: ReferenceResult
    tests: pd.DataFrame
    n: dict[WindowSpec, int]
    caar: dict[WindowSpec, float]
    rbar: dict[WindowSpec, float]

    def result(self, window: WindowSpec, test: str) -> pd.Series:
        """The row of :attr:`tests` for one window and test."""
        t = self.tests
        hit = t[(t["window"] == window) & (t["test"] == test)]
        if len(hit) != 1:
            raise InputError(
                f"test={test!r} in window={window!r} is not in this reference study; use one of "
                f"{', '.join(TEST_NAMES)} and a window of {sorted(self.n)}.",
                field="test",
                value=(window, test),
            )
        return hit.iloc[0]


@dataclass
class _Events:
    """Everything the per-event loop produces, one row per firm-event."""

    fit: ReferenceResult
    rel_est: np.ndarray
    rel: np.ndarray
    est_pos: np.ndarray  # (n, L) calendar positions of the estimation days, -1 outside the data
    evt_pos: np.ndarray  # (n, W) calendar positions of the event span
    resid: np.ndarray  # (n, L) estimation residuals, NaN on days not used
    firm_est: np.ndarray  # raw returns on the estimation days and the span (portfolio test)
    firm_evt: np.ndarray
    mkt_est: np.ndarray
    mkt_evt: np.ndarray
    dof: np.ndarray


def _check_windows(windows: tuple[WindowSpec, ...]) -> tuple[WindowSpec, ...]:
    if not windows:
        raise InputError(
            "windows=() holds no event window; pass at least one, e.g. ((0, 0), (-1, 1)).",
            field="windows",
            value=windows,
        )
    return tuple((int(a), int(b)) for a, b in windows)


def _per_event(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.Series,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    min_nobs: int,
    missing: MissingInWindow,
) -> _Events:
    """One statsmodels OLS per firm-event: residuals, abnormal returns, CARs and variances."""
    import statsmodels.api as sm

    dates = pd.DatetimeIndex(returns.index)
    n_dates = len(dates)
    mkt = market.reindex(dates).to_numpy(dtype=float)
    rel_est = np.arange(estimation[0], estimation[1] + 1)
    rel = np.arange(min(w[0] for w in windows), max(w[1] for w in windows) + 1)
    n, width, length = len(pairs), len(rel), len(rel_est)
    ar = np.full((n, width), np.nan)
    ar_var = np.full((n, width), np.nan)
    params = np.full((n, 2), np.nan)
    sigma2 = np.full(n, np.nan)
    nobs = np.zeros(n, int)
    resid = np.full((n, length), np.nan)
    est_pos = np.full((n, length), -1)
    evt_pos = np.full((n, width), -1)
    firm_est = np.full((n, length), np.nan)
    mkt_est = np.full((n, length), np.nan)
    firm_evt = np.full((n, width), np.nan)
    mkt_evt = np.full((n, width), np.nan)
    car = {w: np.full(n, np.nan) for w in windows}
    car_var = {w: np.full(n, np.nan) for w in windows}
    day0_pos = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    for i, (ticker, p0) in enumerate(zip(pairs["ticker"], day0_pos, strict=True)):
        if p0 < 0:
            continue
        firm = (
            returns[ticker].to_numpy(dtype=float)
            if ticker in returns.columns
            else np.full(n_dates, np.nan)
        )
        pos = p0 + rel_est
        inside = (pos >= 0) & (pos < n_dates)
        est_pos[i] = np.where(inside, pos, -1)
        y = np.where(inside, firm[np.clip(pos, 0, n_dates - 1)], np.nan)
        x = np.where(inside, mkt[np.clip(pos, 0, n_dates - 1)], np.nan)
        firm_est[i], mkt_est[i] = y, x
        pos = p0 + rel
        inside = (pos >= 0) & (pos < n_dates)
        evt_pos[i] = np.where(inside, pos, -1)
        y_evt = np.where(inside, firm[np.clip(pos, 0, n_dates - 1)], np.nan)
        x_evt = np.where(inside, mkt[np.clip(pos, 0, n_dates - 1)], np.nan)
        firm_evt[i], mkt_evt[i] = y_evt, x_evt
        ok = np.isfinite(y) & np.isfinite(x)
        nobs[i] = int(ok.sum())
        if nobs[i] < max(min_nobs, 3):
            continue
        res = sm.OLS(y[ok], sm.add_constant(x[ok], has_constant="add")).fit()
        alpha, beta = res.params
        params[i] = res.params
        sigma2[i] = res.scale
        # the market model written out, on estimation and event days alike: equal returns give
        # equal residuals and abnormal returns (ties matter to the rank tests)
        resid[i] = np.where(ok, y - (alpha + beta * x), np.nan)
        have = np.isfinite(x_evt)
        design = np.column_stack([np.ones(width), np.where(have, x_evt, 0.0)])
        pred = res.get_prediction(design)
        # prediction-error variance: parameter uncertainty plus the disturbance variance
        ar_var[i] = np.where(have, pred.var_pred_mean + res.scale, np.nan)
        ar[i] = y_evt - (alpha + beta * x_evt)
        cov = res.cov_params()
        for w in windows:
            cols = (rel >= w[0]) & (rel <= w[1])
            days = cols & np.isfinite(ar[i])
            if missing == "nan" and days.sum() < cols.sum():
                continue
            if not days.any():
                continue
            c = design[days].sum(axis=0)
            car[w][i] = ar[i, days].sum()
            car_var[w][i] = days.sum() * res.scale + c @ cov @ c
    dof = np.where(nobs > 2, nobs - 2, np.nan).astype(float)
    car_t, car_p = {}, {}
    for w in windows:
        with np.errstate(invalid="ignore", divide="ignore"):
            car_t[w] = car[w] / np.sqrt(car_var[w])
        car_p[w] = 2.0 * sps.t.sf(np.abs(car_t[w]), dof)
    fit = ReferenceResult(ar, ar_var, car, car_var, car_t, car_p, params, sigma2, nobs)
    return _Events(
        fit, rel_est, rel, est_pos, evt_pos, resid, firm_est, firm_evt, mkt_est, mkt_evt, dof
    )


def reference_market_model(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.Series,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    min_nobs: int = 30,
    missing: MissingInWindow = "nan",
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
    missing
        ``"nan"``: a window's CAR is NaN when any of its abnormal returns is missing. ``"skip"``:
        the CAR sums the available days and its variance counts only those days.

    Returns
    -------
    ReferenceResult
    """
    validate_literal(missing, MissingInWindow, "missing")
    windows = _check_windows(windows)
    return _per_event(pairs, returns, market, estimation, windows, min_nobs, missing).fit


# -- the whole study ---------------------------------------------------------------------------


def _row(
    window: WindowSpec,
    test: str,
    n: int,
    stat: float = float("nan"),
    p: float = float("nan"),
    dist: str = "",
    est: float = float("nan"),
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "window": window,
        "test": test,
        "nobs": n,
        "statistic": float(stat),
        "p_value": float(p),
        "distribution": dist,
        "estimate": float(est),
        "reason": reason,
    }


def _t_row(window: WindowSpec, test: str, n: int, stat: float, dof: int, est: float) -> dict:
    p = 2.0 * sps.t.sf(abs(stat), dof)
    return _row(window, test, n, stat, p, f"t({dof})", est)


def _z_row(window: WindowSpec, test: str, n: int, stat: float, est: float) -> dict:
    return _row(window, test, n, stat, 2.0 * sps.norm.sf(abs(stat)), "N(0,1)", est)


def _event_time_frame(series: dict[int, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """Firm-events side by side (columns) on a common event-time index (rows)."""
    if not series:
        return pd.DataFrame(index=index, dtype=float)
    return pd.DataFrame(np.column_stack(list(series.values())), index=index, columns=list(series))


def _on_calendar(
    pos: np.ndarray, values: np.ndarray, dates: pd.DatetimeIndex, columns: np.ndarray
) -> pd.DataFrame:
    """Firm-events side by side (``columns``) on the calendar dates they cover, NaN elsewhere."""
    have = (pos >= 0) & np.isfinite(values)
    used = np.unique(pos[have])
    grid = np.full((len(used), pos.shape[0]), np.nan)
    rows = np.broadcast_to(np.arange(pos.shape[0])[:, None], pos.shape)
    grid[np.searchsorted(used, pos[have]), rows[have]] = values[have]
    return pd.DataFrame(grid, index=dates[used], columns=columns)


def _rbar(
    ev: _Events,
    dates: pd.DatetimeIndex,
    rows: np.ndarray,
    cols: np.ndarray,
    corr_cache: dict[tuple[int, int], float],
    resid_cal: pd.DataFrame,
) -> float:
    r"""Kolari-Pynnonen :math:`\bar r` over the pairs of ``rows``, weighted by shared window days.

    Each pair's :math:`r_{ij}` is the Pearson correlation of the two residual series on the
    calendar dates both have (:meth:`pandas.Series.corr` on the date-aligned columns of
    ``resid_cal``, at least :data:`MIN_PAIR_DAYS` common dates, else 0); the weight
    :math:`T_{ij}/T` is the share of the window's sessions the two windows share in calendar
    time. Pairs that share no window day have weight 0, so their correlation is not computed;
    every pair counts in the denominator :math:`N(N-1)/2`.
    """
    n = len(rows)
    if n < 2:
        return float("nan")
    t_len = len(cols)
    # 0/1 frame: calendar date x firm-event, 1 where the date is in the firm-event's window
    pos = ev.evt_pos[np.ix_(rows, cols)]
    member = sparse.csr_matrix(_on_calendar(pos, np.ones(pos.shape), dates, rows).fillna(0.0))
    shared = (member.T @ member).toarray() / t_len
    total = 0.0
    for a, b in zip(*np.nonzero(np.triu(shared, 1)), strict=True):
        key = (int(rows[a]), int(rows[b]))
        if key not in corr_cache:
            with np.errstate(invalid="ignore", divide="ignore"):
                r = resid_cal[key[0]].corr(resid_cal[key[1]], min_periods=MIN_PAIR_DAYS)
            corr_cache[key] = float(r) if np.isfinite(r) else 0.0
        total += corr_cache[key] * shared[a, b]
    return total / (n * (n - 1) / 2.0)


def _ranks_centred(x: np.ndarray) -> np.ndarray:
    """Average ranks of the finite values scaled to :math:`K/(M+1) - 1/2`; NaN elsewhere."""
    have = np.isfinite(x)
    out = np.full(x.shape, np.nan)
    m = int(have.sum())
    out[have] = sps.rankdata(x[have]) / (m + 1.0) - 0.5
    return out


def reference_study(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.Series,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    *,
    min_nobs: int = 30,
    missing: MissingInWindow = "nan",
    kp_rows: np.ndarray | None = None,
) -> ReferenceStudy:
    r"""Run the pooled market-model study one firm-event at a time: per-firm results and 13 tests.

    All firm-events form one group. For each window the cross-section is the firm-events with a
    CAR (and a positive CAR variance); :math:`N` counts them, :math:`T` is the window length,
    :math:`SCAR_i = CAR_i/\sqrt{\operatorname{Var}(CAR_i)}` and :math:`d_i = L_i - 2`. All
    p-values are two-sided.

    Parameters
    ----------
    pairs
        ``ticker`` and ``day0`` (a session of ``returns.index``) per firm-event.
    returns
        Wide firm returns, index = sessions.
    market
        Benchmark returns on the same index.
    estimation
        Estimation window relative to day 0, inclusive, e.g. ``(-250, -11)``.
    windows
        Event windows, inclusive.
    min_nobs
        Fewest estimation days; firm-events with fewer get no estimate.
    missing
        ``"nan"`` (a missing abnormal return makes the window's CAR NaN) or ``"skip"`` (sum the
        available days; the variance counts only those days).
    kp_rows
        ``None`` (default): :math:`\bar r` uses every pair. Row numbers of ``pairs``: the pairs
        of those firm-events only, e.g. the subsample the engine drew
        (:attr:`eventstudy.engine.EngineRun.kp_rows`), so that both compute the same average.

    Returns
    -------
    ReferenceStudy

    Raises
    ------
    InputError
        For an unknown ``missing``, no windows or ``kp_rows`` that are not row numbers.

    Notes
    -----
    Each statistic, as computed here:

    * ``cross_sectional_t`` (Brown and Warner 1985): :math:`t = \overline{CAR}\sqrt N/s_{CAR}
      \sim t(N-1)`.
    * ``brown_warner`` (Brown and Warner 1980, 1985; crude dependence adjustment, event time):
      :math:`\overline{AR}_\tau` is the mean estimation residual of the firms present on
      relative day :math:`\tau`, :math:`L^*` the days with one, :math:`S^2 = \sum_\tau
      (\overline{AR}_\tau - \overline{\overline{AR}})^2/(L^*-1)` and :math:`t =
      \overline{CAR}/(\sqrt T S) \sim t(L^*-1)`.
    * ``patell`` (Patell 1976; standardized-CAR form): :math:`Z = \sum_i SCAR_i /
      \sqrt{\sum_i d_i/(d_i-2)} \sim N(0,1)`.
    * ``bmp`` (Boehmer, Musumeci and Poulsen 1991): :math:`t = \overline{SCAR}\sqrt N/s_{SCAR}
      \sim t(N-1)`.
    * ``kolari_pynnonen`` (Kolari and Pynnonen 2010): :math:`t_{BMP}\sqrt{(1-\bar r)/(1+(N-1)
      \bar r)} \sim t(N-1)`, with :math:`\bar r = \frac{2}{N(N-1)}\sum_{i<j}
      \frac{T_{ij}}{T}r_{ij}`: :math:`r_{ij}` the correlation of the two firm-events' estimation
      residuals on their common calendar dates (0 below 30 dates) and :math:`T_{ij}` the
      sessions their windows share.
    * ``kolari_pynnonen_patell`` (Kolari and Pynnonen 2010): :math:`Z_P/\sqrt{1+(N-1)\bar r}
      \sim N(0,1)`.
    * ``skewness_adjusted_t`` (Hall 1992; Lyon, Barber and Tsai 1999): with :math:`S =
      \overline{CAR}/s_{CAR}` and :math:`\hat\gamma = \sum_i (CAR_i-\overline{CAR})^3/(N
      s_{CAR}^3)`, :math:`\sqrt N(S + \hat\gamma S^2/3 + \hat\gamma^2 S^3/27 + \hat\gamma/(6N))
      \sim t(N-1)`.
    * ``portfolio_regression`` (Jaffe 1974; Thompson 1985; Karafiath 1988): the equally weighted
      portfolio of the cross-section's raw returns on each relative day (estimation days, then
      the window) is regressed by statsmodels OLS on a constant, the equally weighted benchmark
      return and one dummy per window day; :math:`t = \sum_d\hat\gamma_d/\sqrt{\mathbf
      1'\hat V(\hat\gamma)\mathbf 1} \sim t(\text{df}_\text{resid})` (statsmodels ``t_test``).
    * ``corrado_rank`` (Corrado 1989; Campbell and Wasley 1993): per firm-event the estimation
      residuals and the window's abnormal returns are ranked together (``rankdata``, ties
      averaged), :math:`U_{it} = K_{it}/(M_i+1) - 1/2`; with :math:`\bar U_t` the mean over the
      firms present on day :math:`t` and :math:`S^2` the mean of :math:`\bar U_t^2` over the days
      with data, :math:`Z = \sum_{t\in\text{window}}\bar U_t/(\sqrt T S) \sim N(0,1)`.
    * ``corrado_zivney_sign`` (Corrado and Zivney 1992): :math:`G_{it} = \operatorname{sign}(x_{it}
      - \operatorname{median}_i)` over the same combined series, :math:`g_t = N_t^{-1/2}\sum_i
      G_{it}`, :math:`S^2` the mean of :math:`g_t^2`, :math:`Z = \sum_{t\in\text{window}}
      g_t/(\sqrt T S) \sim N(0,1)`.
    * ``generalized_sign`` (Cowan 1992): :math:`\hat p` the mean over firms of the share of
      positive estimation residuals, :math:`w` the positive CARs, :math:`Z = (w - N\hat p)/
      \sqrt{N\hat p(1-\hat p)} \sim N(0,1)`.
    * ``grank`` (Kolari and Pynnonen 2011): per firm the standardized residuals
      :math:`\hat\varepsilon_{i\tau}/s_i` and, as one last element, :math:`SCAR_i/s_{SCAR}` are
      ranked together, :math:`U_{it} = K_{it}/(M_i+1) - 1/2`; with :math:`n_t` the firms on day
      :math:`t`, :math:`D` the days with data, :math:`S^2 = D^{-1}\sum_t (n_t/N)\bar U_t^2`,
      :math:`Z = \bar U_{\text{last}}/S` and :math:`t = Z\sqrt{(D-2)/(D-1-Z^2)} \sim t(D-2)`.
    * ``beaver_u`` (Beaver 1968; Patell 1976): :math:`Q = \sum_i SCAR_i^2 (d_i-2)/d_i` against
      :math:`\chi^2(N)`, two-sided.
    * ``wilcoxon`` (Wilcoxon 1945): on the non-zero CARs, :math:`z = (W^+ - n(n+1)/4)/
      \sqrt{n(n+1)(2n+1)/24 - \sum_g(t_g^3-t_g)/48}`; the p-value is
      ``scipy.stats.wilcoxon``'s exact one for :math:`n \le 50` without ties, else its normal
      approximation without continuity correction.

    Relative days align firm-events in event time (Brown-Warner, portfolio, rank and sign tests);
    :math:`\bar r` uses calendar dates.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). *JFE* 30, 253-272.
    Brown, S. J. and Warner, J. B. (1980). *JFE* 8, 205-258; (1985). *JFE* 14, 3-31.
    Campbell, C. J. and Wasley, C. E. (1993). *JFE* 33, 73-92.
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of Financial
    Markets*, ch. 4.
    Corrado, C. J. (1989). *JFE* 23, 385-395.
    Corrado, C. J. and Zivney, T. L. (1992). *JFQA* 27, 465-478.
    Cowan, A. R. (1992). *Review of Quantitative Finance and Accounting* 2, 343-358.
    Hall, P. (1992). *JRSS B* 54, 221-228.
    Jaffe, J. F. (1974). *Journal of Business* 47, 410-428.
    Karafiath, I. (1988). *Financial Review* 23, 351-357.
    Kolari, J. W. and Pynnonen, S. (2010). *RFS* 23, 3996-4025.
    Kolari, J. W. and Pynnonen, S. (2011). *Journal of Empirical Finance* 18, 953-971.
    Lyon, J. D., Barber, B. M. and Tsai, C.-L. (1999). *JF* 54, 165-201.
    Patell, J. M. (1976). *Journal of Accounting Research* 14, 246-276.
    Thompson, R. (1985). *JFQA* 20, 151-168.
    Wilcoxon, F. (1945). *Biometrics Bulletin* 1, 80-83.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> idx = pd.bdate_range("2020-01-01", periods=300)
    >>> mkt = pd.Series(rng.normal(0, 0.01, 300), index=idx)
    >>> r = pd.DataFrame({t: mkt + rng.normal(0, 0.02, 300) for t in "ABCD"})
    >>> pairs = pd.DataFrame({"ticker": list("ABCD"), "day0": idx[[280, 280, 285, 290]]})
    >>> ref = reference_study(pairs, r, mkt, (-250, -11), ((0, 0), (-1, 1)))
    >>> ref.n[(0, 0)], sorted(ref.tests["test"].unique()) == sorted(TEST_NAMES)
    (4, True)
    """
    import statsmodels.api as sm

    validate_literal(missing, MissingInWindow, "missing")
    windows = _check_windows(windows)
    pairs = pairs.reset_index(drop=True)
    if kp_rows is not None:
        picked = np.asarray(kp_rows)
        if (
            picked.ndim != 1
            or not np.issubdtype(picked.dtype, np.integer)
            or (len(picked) and (picked.min() < 0 or picked.max() >= len(pairs)))
        ):
            raise InputError(
                f"kp_rows must be row numbers of pairs (0 to {len(pairs) - 1}), got "
                f"{picked!r:.60}; pass None to use every pair.",
                field="kp_rows",
                value=kp_rows,
            )
    ev = _per_event(pairs, returns, market, estimation, windows, min_nobs, missing)
    fit = ev.fit
    dates = pd.DatetimeIndex(returns.index)
    n_all = len(pairs)
    kp_rows = np.arange(n_all) if kp_rows is None else np.unique(np.asarray(kp_rows))
    kp_set = set(kp_rows.tolist())
    corr_cache: dict[tuple[int, int], float] = {}
    # estimation residuals on calendar dates (firm-event number = column), for r-bar
    resid_cal = _on_calendar(ev.est_pos[kp_rows], ev.resid[kp_rows], dates, kp_rows)
    est_index = pd.Index(ev.rel_est, name="rel_day")
    resid_frame = _event_time_frame(dict(enumerate(ev.resid)), est_index)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_pos = np.array(
            [(r[np.isfinite(r)] > 0).sum() / np.isfinite(r).sum() for r in ev.resid]
        )
    out: list[dict[str, Any]] = []
    n_by: dict[WindowSpec, int] = {}
    caar_by: dict[WindowSpec, float] = {}
    rbar_by: dict[WindowSpec, float] = {}
    for w in windows:
        cols = np.flatnonzero((ev.rel >= w[0]) & (ev.rel <= w[1]))
        t_len = len(cols)
        car_all, var_all = fit.car[w], fit.car_var[w]
        rows = np.flatnonzero(np.isfinite(car_all) & (var_all > 0))
        n = len(rows)
        car, var = car_all[rows], var_all[rows]
        dof = ev.dof[rows]
        n_by[w] = n
        caar = float(np.mean(car)) if n else float("nan")
        caar_by[w] = caar
        scar = car / np.sqrt(var)
        # combined event-time index: the estimation days, then the window's days
        combo_index = pd.MultiIndex.from_arrays(
            [
                ["estimation"] * len(ev.rel_est) + ["window"] * t_len,
                np.concatenate([ev.rel_est, ev.rel[cols]]),
            ],
            names=["part", "rel_day"],
        )
        test_rows: dict[str, dict[str, Any]] = {}

        # cross-sectional t (Brown and Warner 1985)
        name = "cross_sectional_t"
        sd = float(np.std(car, ddof=1)) if n >= 2 else float("nan")
        if n < 2:
            test_rows[name] = _row(w, name, n, reason="fewer than 2 firm-events")
        elif not sd > 0:
            test_rows[name] = _row(w, name, n, reason="CARs do not vary")
        else:
            test_rows[name] = _t_row(w, name, n, caar / (sd / np.sqrt(n)), n - 1, caar)

        # Brown-Warner crude dependence adjustment, in event time
        name = "brown_warner"
        aar_est = resid_frame[list(rows)].mean(axis=1).dropna()
        days = len(aar_est)
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif days < 3:
            test_rows[name] = _row(w, name, n, reason="fewer than 3 estimation days")
        else:
            s_bw = float(aar_est.std(ddof=1))
            if not s_bw > 0:
                test_rows[name] = _row(w, name, n, reason="portfolio residuals do not vary")
            else:
                stat = caar / (np.sqrt(t_len) * s_bw)
                test_rows[name] = _t_row(w, name, n, stat, days - 1, caar)

        # Patell (standardized CARs)
        name = "patell"
        patell_z = float("nan")
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif np.any(dof <= 2):
            test_rows[name] = _row(w, name, n, reason="a firm-event has d_i <= 2")
        else:
            patell_z = float(np.sum(scar) / np.sqrt(np.sum(dof / (dof - 2.0))))
            test_rows[name] = _z_row(w, name, n, patell_z, caar)

        # BMP
        name = "bmp"
        bmp_t = float("nan")
        if n < 2:
            test_rows[name] = _row(w, name, n, reason="fewer than 2 firm-events")
        else:
            s_scar = float(np.std(scar, ddof=1))
            if not s_scar > 0:
                test_rows[name] = _row(w, name, n, reason="SCARs do not vary")
            else:
                bmp_t = float(np.mean(scar) / (s_scar / np.sqrt(n)))
                test_rows[name] = _t_row(w, name, n, bmp_t, n - 1, caar)

        # Beaver's U: squared SCARs scaled by (d-2)/d, summed, against chi2(N)
        name = "beaver_u"
        ok = dof > 2
        if ok.sum() < 1:
            test_rows[name] = _row(w, name, 0, reason="no firm-event with d_i > 2")
        else:
            k = int(ok.sum())
            q = float(np.sum(scar[ok] ** 2 * (dof[ok] - 2.0) / dof[ok]))
            p = min(1.0, 2.0 * min(sps.chi2.cdf(q, k), sps.chi2.sf(q, k)))
            u_mean = float(np.mean(scar[ok] ** 2))
            test_rows[name] = _row(w, name, k, q, p, f"chi2({k})", u_mean)

        # Kolari-Pynnonen: r-bar over the (sub)sample's pairs
        keep = np.array([r for r in rows if r in kp_set], dtype=int)
        rbar = _rbar(ev, dates, keep, cols, corr_cache, resid_cal)
        rbar_by[w] = rbar
        rbar_ok = np.isfinite(rbar) and 1.0 + (n - 1) * rbar > 0
        name = "kolari_pynnonen"
        if not np.isfinite(bmp_t):
            test_rows[name] = _row(w, name, n, reason="BMP t is not available")
        elif not rbar_ok:
            test_rows[name] = _row(w, name, n, reason="r-bar unusable")
        else:
            stat = bmp_t * np.sqrt((1.0 - rbar) / (1.0 + (n - 1) * rbar))
            test_rows[name] = _t_row(w, name, n, stat, n - 1, caar)
        name = "kolari_pynnonen_patell"
        if not np.isfinite(patell_z) or n < 2:
            test_rows[name] = _row(w, name, n, reason="Patell Z is not available or N < 2")
        elif not rbar_ok:
            test_rows[name] = _row(w, name, n, reason="r-bar unusable")
        else:
            test_rows[name] = _z_row(w, name, n, patell_z / np.sqrt(1.0 + (n - 1) * rbar), caar)

        # skewness-adjusted t (Hall 1992)
        name = "skewness_adjusted_t"
        if n < 3:
            test_rows[name] = _row(w, name, n, reason="fewer than 3 firm-events")
        elif not sd > 0:
            test_rows[name] = _row(w, name, n, reason="CARs do not vary")
        else:
            s = caar / sd
            gamma = float(np.sum((car - caar) ** 3) / (n * sd**3))
            stat = np.sqrt(n) * (s + gamma * s**2 / 3.0 + gamma**2 * s**3 / 27.0 + gamma / (6 * n))
            test_rows[name] = _t_row(w, name, n, stat, n - 1, caar)

        # portfolio dummy-variable regression (statsmodels), event time
        name = "portfolio_regression"
        firm_series = {
            i: np.concatenate([ev.firm_est[i], ev.firm_evt[i, cols]]) for i in rows.tolist()
        }
        mkt_series = {
            i: np.concatenate([ev.mkt_est[i], ev.mkt_evt[i, cols]]) for i in rows.tolist()
        }
        port = _event_time_frame(firm_series, combo_index).mean(axis=1)
        bench = _event_time_frame(mkt_series, combo_index).mean(axis=1)
        design = pd.DataFrame({"const": 1.0, "market": bench.to_numpy()}, index=combo_index)
        for d in ev.rel[cols]:
            design[f"day_{d}"] = 0.0
            design.loc[("window", d), f"day_{d}"] = 1.0
        use = port.notna() & bench.notna()
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif not use.loc["window"].all():
            test_rows[name] = _row(w, name, n, reason="missing portfolio return in the window")
        elif int(use.sum()) - design.shape[1] < 3:
            test_rows[name] = _row(w, name, n, reason="fewer than 3 residual dof")
        else:
            res = sm.OLS(port[use], design[use]).fit()
            contrast = np.r_[0.0, 0.0, np.ones(t_len)][None, :]
            tt = res.t_test(contrast)
            stat = float(np.squeeze(tt.tvalue))
            est = float(np.squeeze(tt.effect))
            df_resid = int(res.df_resid)
            if not float(np.squeeze(tt.sd)) > 0:
                test_rows[name] = _row(w, name, n, reason="portfolio residuals do not vary")
            else:
                test_rows[name] = _row(w, name, n, stat, float(tt.pvalue), f"t({df_resid})", est)

        # Corrado rank and Corrado-Zivney sign: per firm-event, estimation residuals followed
        # by the window's abnormal returns
        combined = {i: np.concatenate([ev.resid[i], fit.ar[i, cols]]) for i in rows.tolist()}
        ranks = _event_time_frame({i: _ranks_centred(x) for i, x in combined.items()}, combo_index)
        name = "corrado_rank"
        ubar = ranks.mean(axis=1)
        s_u = float(np.sqrt((ubar.dropna() ** 2).mean())) if n else float("nan")
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif not s_u > 0:
            test_rows[name] = _row(w, name, n, reason="mean ranks do not vary")
        else:
            win = ubar.loc["window"]
            stat = float(win.sum(skipna=False) / (np.sqrt(t_len) * s_u))
            test_rows[name] = _z_row(w, name, n, stat, float(win.mean(skipna=False)))

        name = "corrado_zivney_sign"
        signs = {}
        for i, x in combined.items():
            have = np.isfinite(x)
            signs[i] = np.where(have, np.sign(x - np.median(x[have])), np.nan)
        sign_frame = _event_time_frame(signs, combo_index)
        count = sign_frame.count(axis=1)
        g = (sign_frame.sum(axis=1) / np.sqrt(count)).where(count > 0)
        s_g = float(np.sqrt((g.dropna() ** 2).mean())) if n else float("nan")
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif not s_g > 0:
            test_rows[name] = _row(w, name, n, reason="signs do not vary")
        else:
            win = g.loc["window"]
            stat = float(win.sum(skipna=False) / (np.sqrt(t_len) * s_g))
            test_rows[name] = _z_row(w, name, n, stat, float(np.mean(car > 0)))

        # Cowan's generalized sign
        name = "generalized_sign"
        p_hat = float(np.mean(share_pos[rows])) if n else float("nan")
        if n < 1:
            test_rows[name] = _row(w, name, n, reason="no firm-event")
        elif not 0.0 < p_hat < 1.0:
            test_rows[name] = _row(w, name, n, reason="share of positive residuals is 0 or 1")
        else:
            pos = float(np.sum(car > 0))
            stat = (pos - n * p_hat) / np.sqrt(n * p_hat * (1.0 - p_hat))
            test_rows[name] = _z_row(w, name, n, stat, pos / n)

        # GRANK (Kolari and Pynnonen 2011)
        name = "grank"
        s_scar = float(np.std(scar, ddof=1)) if n >= 2 else float("nan")
        if n < 2:
            test_rows[name] = _row(w, name, n, reason="fewer than 2 firm-events")
        elif not s_scar > 0:
            test_rows[name] = _row(w, name, n, reason="SCARs do not vary")
        else:
            g_index = pd.Index([*map(str, ev.rel_est), "window"], name="day")
            g_ranks = _event_time_frame(
                {
                    i: _ranks_centred(
                        np.append(ev.resid[i] / np.sqrt(fit.sigma2[i]), scar[k] / s_scar)
                    )
                    for k, i in enumerate(rows.tolist())
                },
                g_index,
            )
            u_bar = g_ranks.mean(axis=1)
            n_t = g_ranks.count(axis=1)
            used = n_t > 0
            d_days = int(used.sum())
            s2 = float(((n_t[used] / n) * u_bar[used] ** 2).sum() / d_days)
            z = float(u_bar.iloc[-1] / np.sqrt(s2)) if s2 > 0 else float("nan")
            if not s2 > 0 or d_days < 3:
                test_rows[name] = _row(w, name, n, reason="mean ranks do not vary")
            elif not d_days - 1 - z**2 > 0:
                test_rows[name] = _row(w, name, n, reason="Z outside the t transformation")
            else:
                stat = z * np.sqrt((d_days - 2) / (d_days - 1 - z**2))
                test_rows[name] = _t_row(w, name, n, stat, d_days - 2, float(u_bar.iloc[-1]))

        # Wilcoxon signed rank
        name = "wilcoxon"
        nonzero = car[car != 0]
        m = len(nonzero)
        if m < 2:
            test_rows[name] = _row(w, name, n, reason="fewer than 2 non-zero CARs")
        else:
            abs_ranks = sps.rankdata(np.abs(nonzero))
            w_plus = float(abs_ranks[nonzero > 0].sum())
            ties = pd.Series(np.abs(nonzero)).value_counts().to_numpy(dtype=float)
            var_w = m * (m + 1) * (2 * m + 1) / 24.0 - float(np.sum(ties**3 - ties)) / 48.0
            z = (w_plus - m * (m + 1) / 4.0) / np.sqrt(var_w)
            exact = m <= 50 and bool((ties == 1).all())
            res_w = sps.wilcoxon(nonzero, correction=False, method="exact" if exact else "approx")
            dist = f"exact signed-rank (n={m})" if exact else "N(0,1)"
            test_rows[name] = _row(w, name, n, z, float(res_w.pvalue), dist, np.median(car))

        out.extend(test_rows[t] for t in TEST_NAMES)
    tests = pd.DataFrame(out)
    return ReferenceStudy(fit=fit, tests=tests, n=n_by, caar=caar_by, rbar=rbar_by)
