r"""Calendar-time portfolios: the long-horizon alternative to averaging abnormal returns.

For each calendar session the portfolio holds every firm inside its event window (session
offsets from day 0, both ends included); its return is the equally weighted (or value-weighted)
mean of the members' returns. The portfolio's excess return is regressed on the market (or on
factor returns) over the sessions with at least one member, and the intercept, the average daily
abnormal return of the portfolio, is the measure:

.. math::

    R_{pt} - R_{ft} = a + b\,(R_{mt} - R_{ft}) + e_t
    \quad\text{or}\quad
    R_{pt} - R_{ft} = a + \sum_j b_j F_{jt} + e_t .

Because each session is one observation, firms sharing event dates cannot inflate the test: the
cross-correlation of their returns is inside the portfolio's variance (Jaffe 1974; Fama 1998;
Mitchell and Stafford 2000). The intercept's standard error is Newey-West (heteroskedasticity-
and autocorrelation-robust, Bartlett kernel) from statsmodels, because the portfolio's membership
changes smoothly and its variance with it.

Value weights are each firm-event's market value on the session before day 0 (from the study's
market-value table), held fixed through its window: a documented simplification of daily
rebalancing that needs no prices beyond the study's.

References
----------
Jaffe, J. F. (1974). Special information and insider trading. *Journal of Business* 47, 410-428.

Fama, E. F. (1998). Market efficiency, long-term returns, and behavioral finance. *Journal of
Financial Economics* 49, 283-306.

Mitchell, M. L. and Stafford, E. (2000). Managerial decisions and long-term stock price
performance. *Journal of Business* 73, 287-329.

Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. *Econometrica* 55, 703-708.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._types import validate_literal
from .errors import InputError

PortfolioWeighting = Literal["equal", "value"]
"""Members weigh equally, or by their market value on the session before day 0."""

#: Columns of :meth:`CalendarTimeResult.table` (and of ``calendar_time.csv``).
TABLE_COLUMNS = (
    "window_start",
    "window_end",
    "weighting",
    "factors",
    "term",
    "estimate",
    "se",
    "t_stat",
    "p_value",
    "n_sessions",
    "mean_members",
    "hac_lags",
)


@dataclass(frozen=True)
class CalendarTimeResult:
    """A calendar-time portfolio regression.

    Attributes
    ----------
    results
        statsmodels OLS results with Newey-West covariance; ``params["const"]`` is the intercept.
    portfolio
        Per session: ``return`` (portfolio), ``excess`` (minus the risk-free rate, when known),
        ``members`` (firm-events held).
    window, weighting, factors, hac_lags
        What was computed.
    """

    results: Any
    portfolio: pd.DataFrame
    window: tuple[int, int]
    weighting: str
    factors: tuple[str, ...]
    hac_lags: int

    @property
    def alpha(self) -> float:
        """The intercept: the portfolio's average daily abnormal return."""
        return float(self.results.params["const"])

    def table(self) -> pd.DataFrame:
        """One row per coefficient, with the fit's facts."""
        from .second_stage import coefficients

        res = self.results
        rows = [
            (
                self.window[0],
                self.window[1],
                self.weighting,
                "+".join(self.factors),
                *coef,
                int(res.nobs),
                float(self.portfolio["members"].mean()),
                self.hac_lags,
            )
            for coef in coefficients(res)
        ]
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def portfolio_returns(
    returns: pd.DataFrame,
    pairs: pd.DataFrame,
    window: tuple[int, int],
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Daily returns of the portfolio of firms inside their event window, vectorised.

    Parameters
    ----------
    returns
        Wide firm returns, index = sessions.
    pairs
        One row per firm-event: ``ticker`` and ``day0`` (a session of ``returns``).
    window
        Session offsets from day 0, both ends included.
    weights
        One weight per firm-event (value weights); None for equal weights.

    Returns
    -------
    pandas.DataFrame
        Index = sessions with at least one member; columns ``return`` and ``members``. A member
        whose return is missing that day is left out of that day's mean.
    """
    dates = pd.DatetimeIndex(returns.index)
    start, end = int(window[0]), int(window[1])
    day0 = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    col = returns.columns.get_indexer(pairs["ticker"])
    known = (day0 >= 0) & (col >= 0)
    pos = day0[known, None] + np.arange(start, end + 1)[None, :]
    inside = (pos >= 0) & (pos < len(dates))
    col = np.broadcast_to(col[known, None], pos.shape)
    values = returns.to_numpy(dtype=float)
    r = np.full(pos.shape, np.nan)
    r[inside] = values[pos[inside], col[inside]]
    w = (
        np.ones(pos.shape)
        if weights is None
        else np.broadcast_to(np.asarray(weights, dtype=float)[known, None], pos.shape)
    )
    held = inside & np.isfinite(r) & np.isfinite(w) & (w > 0)
    where = pos[held]
    total = np.bincount(where, weights=(w * np.where(held, r, 0.0))[held], minlength=len(dates))
    weight = np.bincount(where, weights=w[held], minlength=len(dates))
    members = np.bincount(where, minlength=len(dates))
    some = members > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / weight
    return pd.DataFrame({"return": mean[some], "members": members[some]}, index=dates[some])


def calendar_time_portfolio(
    returns: pd.DataFrame,
    pairs: pd.DataFrame,
    market: pd.Series | None = None,
    *,
    window: tuple[int, int] = (0, 20),
    weighting: PortfolioWeighting = "equal",
    market_values: np.ndarray | None = None,
    factors: pd.DataFrame | None = None,
    factor_names: tuple[str, ...] = ("Mkt-RF",),
    hac_lags: int | None = None,
) -> CalendarTimeResult:
    r"""Regress the calendar-time portfolio's return on the market or on factors.

    Parameters
    ----------
    returns
        Wide firm returns, index = sessions (decimal).
    pairs
        ``ticker`` and ``day0`` per firm-event.
    market
        Benchmark returns on the same sessions; used when ``factors`` is None (no risk-free rate
        is subtracted then: :math:`R_{pt} = a + b R_{mt} + e_t`).
    window
        Holding window in sessions from day 0, both ends included (e.g. ``(0, 250)``).
    weighting
        ``"equal"`` (default) or ``"value"`` (needs ``market_values``).
    market_values
        One market value per firm-event (the session before day 0).
    factors
        Factor returns (decimal) with ``RF`` and the ``factor_names`` columns; the portfolio's
        excess return over ``RF`` is regressed on them.
    factor_names
        Factor columns used as regressors.
    hac_lags
        Newey-West lags; default :math:`\lfloor 4 (T/100)^{2/9} \rfloor` (Newey and West 1994).

    Returns
    -------
    CalendarTimeResult

    Raises
    ------
    InputError
        Bad option, value weights without market values, missing factor columns, or fewer than
        10 sessions with members and regressors.
    """
    import statsmodels.api as sm

    weighting = validate_literal(weighting, PortfolioWeighting, "weighting")
    if window[1] < window[0]:
        raise InputError(
            f"window={tuple(window)} ends before it starts; pass (start, end) with start <= end.",
            field="window",
            value=str(tuple(window)),
        )
    weights = None
    if weighting == "value":
        if market_values is None or len(market_values) != len(pairs):
            raise InputError(
                "weighting='value' needs one market value per firm-event (shares outstanding); "
                "pass a share file (--shares) or use weighting='equal'.",
                field="weighting",
                value=weighting,
            )
        weights = np.asarray(market_values, dtype=float)
    port = portfolio_returns(returns, pairs, window, weights)
    if factors is not None:
        needed = [*factor_names, "RF"]
        lacking = [c for c in needed if c not in factors.columns]
        if lacking:
            raise InputError(
                f"calendar-time factors lack column(s) {', '.join(lacking)}; pass a factor "
                "frame with them (e.g. eventstudy.data.french.load_french_factors).",
                field="factors",
                value=", ".join(lacking),
            )
        f = factors.reindex(port.index)
        port = port.assign(excess=port["return"] - f["RF"])
        x = f[list(factor_names)]
        names = tuple(factor_names)
    else:
        if market is None:
            raise InputError(
                "a calendar-time regression needs market returns or factors; pass market= or "
                "factors=.",
                field="market",
                value=None,
            )
        port = port.assign(excess=port["return"])
        x = pd.DataFrame({"market": pd.Series(market).reindex(port.index)})
        names = ("market",)
    data = pd.concat([port["excess"], x], axis=1).dropna()
    if len(data) < 10:
        raise InputError(
            f"the calendar-time portfolio for window {tuple(window)} has {len(data)} sessions "
            "with members and regressors; at least 10 are needed (more events or a longer window).",
            field="window",
            value=str(tuple(window)),
        )
    lags = hac_lags if hac_lags is not None else int(np.floor(4 * (len(data) / 100) ** (2 / 9)))
    exog = sm.add_constant(data[list(x.columns)], has_constant="add")
    results = sm.OLS(data["excess"], exog).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True
    )
    return CalendarTimeResult(
        results=results,
        portfolio=port.loc[data.index],
        window=(int(window[0]), int(window[1])),
        weighting=weighting,
        factors=names,
        hac_lags=lags,
    )
