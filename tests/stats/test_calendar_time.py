"""Calendar-time portfolios against a day-by-day loop and statsmodels called directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.calendar_time import calendar_time_portfolio, portfolio_returns
from eventstudy.errors import InputError


def panel(seed: int, n_firms: int = 40, n_days: int = 400, effect: float = 0.0):
    """One-factor returns; each firm-event adds ``effect`` per day inside its window [0, 9]."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2018-01-01", periods=n_days)
    market = pd.Series(rng.normal(0.0004, 0.01, n_days), index=dates)
    beta = rng.uniform(0.6, 1.4, n_firms)
    values = 0.0001 + market.to_numpy()[:, None] * beta + rng.normal(0, 0.015, (n_days, n_firms))
    tickers = [f"F{i:02d}" for i in range(n_firms)]
    day0 = rng.integers(20, n_days - 30, n_firms * 2)
    firm = np.tile(np.arange(n_firms), 2)
    for f, d in zip(firm, day0, strict=True):
        values[d : d + 10, f] += effect
    returns = pd.DataFrame(values, index=dates, columns=tickers)
    returns = returns.mask(rng.random(returns.shape) < 0.02)
    pairs = pd.DataFrame({"ticker": [tickers[f] for f in firm], "day0": dates[day0]})
    return returns, market, pairs


def loop_portfolio(returns, pairs, window, weights=None):  # noqa: ANN001, ANN201
    """Day by day: who is held, and their (weighted) mean return."""
    dates = returns.index
    out = {}
    for t, date in enumerate(dates):
        num = den = 0.0
        held = 0
        for k, row in enumerate(pairs.itertuples()):
            p0 = dates.get_loc(row.day0)
            if p0 + window[0] <= t <= p0 + window[1]:
                r = returns.iat[t, returns.columns.get_loc(row.ticker)]
                if np.isfinite(r):
                    w = 1.0 if weights is None else weights[k]
                    num, den, held = num + w * r, den + w, held + 1
        if held:
            out[date] = (num / den, held)
    frame = pd.DataFrame(out, index=["return", "members"]).T
    frame["members"] = frame["members"].astype(int)
    return frame


def test_portfolio_returns_equal_a_day_by_day_loop() -> None:
    returns, _, pairs = panel(1, n_firms=8, n_days=120)
    pairs = pairs[pairs["day0"] < returns.index[100]]
    got = portfolio_returns(returns, pairs, (-2, 5))
    want = loop_portfolio(returns, pairs, (-2, 5))
    pd.testing.assert_index_equal(got.index, want.index)
    np.testing.assert_allclose(got["return"], want["return"], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(got["members"], want["members"])
    weights = np.linspace(1.0, 3.0, len(pairs))
    got = portfolio_returns(returns, pairs, (0, 3), weights)
    want = loop_portfolio(returns, pairs, (0, 3), weights)
    np.testing.assert_allclose(got["return"], want["return"], rtol=1e-12, atol=1e-15)


def test_intercept_and_newey_west_t_equal_statsmodels_on_the_loop_portfolio() -> None:
    returns, market, pairs = panel(2)
    res = calendar_time_portfolio(returns, pairs, market, window=(0, 9), hac_lags=4)
    port = loop_portfolio(returns, pairs, (0, 9))
    x = sm.add_constant(market.reindex(port.index).rename("market"))
    ols = sm.OLS(port["return"], x).fit(cov_type="HAC", cov_kwds={"maxlags": 4}, use_t=True)
    np.testing.assert_allclose(res.results.params, ols.params, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(res.results.bse, ols.bse, rtol=1e-10, atol=1e-15)
    assert res.table().loc[0, "term"] == "const" and res.hac_lags == 4


def test_factor_regression_uses_excess_returns() -> None:
    returns, market, pairs = panel(3)
    rng = np.random.default_rng(9)
    factors = pd.DataFrame(
        {"Mkt-RF": market - 0.0001, "SMB": rng.normal(0, 0.005, len(market)), "RF": 0.0001},
        index=market.index,
    )
    res = calendar_time_portfolio(
        returns, pairs, window=(0, 9), factors=factors, factor_names=("Mkt-RF", "SMB")
    )
    port = loop_portfolio(returns, pairs, (0, 9))
    x = sm.add_constant(factors.loc[port.index, ["Mkt-RF", "SMB"]])
    lags = int(np.floor(4 * (len(port) / 100) ** (2 / 9)))
    ols = sm.OLS(port["return"] - 0.0001, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    np.testing.assert_allclose(res.results.params, ols.params, rtol=1e-10, atol=1e-15)


def test_recovers_an_injected_abnormal_return() -> None:
    # 80 firm-events, +0.4% a day for ten days: the intercept finds it within its noise
    returns, market, pairs = panel(4, effect=0.004)
    res = calendar_time_portfolio(returns, pairs, market, window=(0, 9))
    assert abs(res.alpha - 0.004) < 3 * res.results.bse["const"]
    returns, market, pairs = panel(4)
    null = calendar_time_portfolio(returns, pairs, market, window=(0, 9))
    assert abs(null.alpha) < 3 * null.results.bse["const"]


def test_bad_input_is_one_sentence() -> None:
    returns, market, pairs = panel(5, n_firms=4, n_days=80)
    with pytest.raises(InputError, match="weighting='value' needs one market value"):
        calendar_time_portfolio(returns, pairs, market, weighting="value")
    with pytest.raises(InputError, match="lack column"):
        calendar_time_portfolio(returns, pairs, factors=pd.DataFrame({"RF": market * 0}))
    with pytest.raises(InputError, match="ends before it starts"):
        calendar_time_portfolio(returns, pairs, market, window=(5, 0))


def test_study_result_calendar_time_holds_each_firm_event_once() -> None:
    from eventstudy.study import EventStudy
    from tests.scale import synthetic

    returns, market = synthetic.panel(31, n_firms=20, n_days=600)
    events = synthetic.event_set(32, returns, n_events=8, per_event=6)
    prices = synthetic.prices_long(returns, market)
    result = EventStudy(events).run(synthetic.FramePrices(prices))
    res = result.calendar_time((0, 5), hac_lags=2)
    # independent: returns from the same prices, the portfolio by the day-by-day loop
    wide = prices.pivot(index="date", columns="ticker", values="close").pct_change(fill_method=None)
    pairs = pd.DataFrame(
        [(t, pd.Timestamp(e.date)) for e in events.events for t in e.tickers],
        columns=["ticker", "day0"],
    )
    port = loop_portfolio(wide.drop(columns="MKT"), pairs, (0, 5))
    x = sm.add_constant(wide["MKT"].reindex(port.index).rename("market"))
    ols = sm.OLS(port["return"], x).fit(cov_type="HAC", cov_kwds={"maxlags": 2}, use_t=True)
    np.testing.assert_allclose(res.results.params, ols.params, rtol=1e-10, atol=1e-15)
    with pytest.raises(InputError, match=r"reaches beyond the study's event span \(-5, 5\)"):
        result.calendar_time((0, 20))
