"""Scholes-Williams and Dimson betas by hand and statsmodels; BHAR by hand; known-truth betas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.models import DimsonModel, MarketModel, ScholesWilliamsModel, get_model
from eventstudy.sample import build_sample

EST = (-120, -11)
WINDOWS = ((0, 0), (-2, 3))


def lagged_panel(seed=0, n_days=200, beta=1.0, lag_share=0.5, n_firms=3):
    """Firms that react to the market partly a day late (stale prices): true beta = ``beta``."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2022-01-03", periods=n_days)
    m = rng.normal(0.0003, 0.01, n_days)
    m_lag = np.concatenate([[0.0], m[:-1]])
    firm = {
        f"F{i}": 0.0002
        + beta * ((1 - lag_share) * m + lag_share * m_lag)
        + rng.normal(0, 0.01, n_days)
        for i in range(n_firms)
    }
    returns = pd.DataFrame(firm, index=idx)
    market = pd.Series(m, index=idx, name="M")
    pairs = pd.DataFrame({"event_id": "e", "ticker": list(firm), "day0": idx[n_days - 20]})
    return returns, market, build_sample(pairs, returns, market, EST, WINDOWS)


def est_arrays(returns, market, sample, i):
    pos0 = returns.index.get_loc(sample.pairs["day0"].iloc[i])
    y = returns.iloc[:, i].to_numpy()
    m = market.to_numpy()
    return y, m, pos0


def test_scholes_williams_by_hand():
    returns, market, sample = lagged_panel()
    fit = ScholesWilliamsModel().fit(sample)
    for i in range(sample.n):
        y, m, pos0 = est_arrays(returns, market, sample, i)
        t = np.arange(pos0 + EST[0], pos0 + EST[1] + 1)
        inner = t[1:-1]  # leads and lags inside the estimation window
        b_lag = np.polyfit(m[inner - 1], y[inner], 1)[0]
        b_0 = np.polyfit(m[inner], y[inner], 1)[0]
        b_lead = np.polyfit(m[inner + 1], y[inner], 1)[0]
        rho = np.corrcoef(m[inner], m[inner - 1])[0, 1]
        beta = (b_lag + b_0 + b_lead) / (1 + 2 * rho)
        alpha = y[t].mean() - beta * m[t].mean()
        assert fit.params[i, 1] == pytest.approx(beta, rel=1e-10)
        assert fit.params[i, 0] == pytest.approx(alpha, rel=1e-9, abs=1e-14)
        resid = y[t] - alpha - beta * m[t]
        s2 = (resid**2).sum() / (len(t) - 2)
        assert fit.sigma2[i] == pytest.approx(s2, rel=1e-10)
        w = np.arange(pos0 - 2, pos0 + 4)
        ar = y[w] - alpha - beta * m[w]
        car, var, _ = fit.car((-2, 3))
        assert car[i] == pytest.approx(ar.sum(), rel=1e-10)
        # documented variance: OLS market-model prediction-error term on the estimation days
        mbar, sxx = m[t].mean(), ((m[t] - m[t].mean()) ** 2).sum()
        hand_var = s2 * (6 + 36 / len(t) + (m[w] - mbar).sum() ** 2 / sxx)
        assert var[i] == pytest.approx(hand_var, rel=1e-10)


@pytest.mark.parametrize("lags", [1, 2])
def test_dimson_matches_statsmodels(lags):
    returns, market, sample = lagged_panel(seed=1)
    fit = DimsonModel(lags=lags).fit(sample)
    for i in range(sample.n):
        y, m, pos0 = est_arrays(returns, market, sample, i)
        t = np.arange(pos0 + EST[0], pos0 + EST[1] + 1)
        inner = t[lags:-lags]
        x = np.column_stack([m[inner + k] for k in range(-lags, lags + 1)])
        res = sm.OLS(y[inner], sm.add_constant(x)).fit()
        beta = res.params[1:].sum()
        alpha = y[t].mean() - beta * m[t].mean()
        assert fit.params[i, 1] == pytest.approx(beta, rel=1e-9)
        assert fit.params[i, 0] == pytest.approx(alpha, rel=1e-8, abs=1e-14)
        day0 = fit.sample.window_columns((0, 0))[0]
        assert fit.ar[i, day0] == pytest.approx(y[pos0] - alpha - beta * m[pos0], rel=1e-9)


def test_stale_prices_bias_ols_beta_but_not_sw_or_dimson():
    """Known truth: beta 1 with half of the response a day late; OLS finds about 0.5."""
    returns, market, sample = lagged_panel(seed=2, n_days=1200, n_firms=20)
    sample = build_sample(sample.pairs, returns, market, (-1100, -11), WINDOWS)
    ols = MarketModel().fit(sample).params[:, 1].mean()
    sw = ScholesWilliamsModel().fit(sample).params[:, 1].mean()
    dim = DimsonModel().fit(sample).params[:, 1].mean()
    assert ols == pytest.approx(0.5, abs=0.05)
    assert sw == pytest.approx(1.0, abs=0.06)
    assert dim == pytest.approx(1.0, abs=0.06)


def test_dimson_rejects_negative_lags():
    from eventstudy.errors import InputError

    _, _, sample = lagged_panel()
    with pytest.raises(InputError, match=r"lags=-1"):
        DimsonModel(lags=-1).fit(sample)


def test_bhar_by_hand():
    returns, market, sample = lagged_panel(seed=3)
    fit = get_model("market").fit(sample)
    bhar = fit.bhar((-2, 3))
    for i in range(sample.n):
        y, m, pos0 = est_arrays(returns, market, sample, i)
        t = np.arange(pos0 + EST[0], pos0 + EST[1] + 1)
        beta, alpha = np.polyfit(m[t], y[t], 1)
        w = np.arange(pos0 - 2, pos0 + 4)
        actual = np.prod(1 + y[w])
        normal = np.prod(1 + alpha + beta * m[w])
        assert bhar[i] == pytest.approx(actual - normal, rel=1e-9)


def test_bhar_is_nan_with_a_missing_day():
    returns, market, sample = lagged_panel(seed=3)
    pos0 = returns.index.get_loc(sample.pairs["day0"].iloc[0])
    returns.iloc[pos0 + 1, 0] = np.nan
    sample = build_sample(sample.pairs, returns, market, EST, WINDOWS)
    bhar = get_model("market").fit(sample).bhar((-2, 3))
    assert np.isnan(bhar[0]) and np.isfinite(bhar[1])
