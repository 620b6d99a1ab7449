"""The batched market model against statsmodels OLS fitted firm by firm, and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.models import MarketAdjustedModel, MarketModel, MeanAdjustedModel
from eventstudy.sample import build_sample

EST = (-120, -11)
WINDOWS = ((0, 0), (-1, 1), (0, 5), (-5, 5))


def random_panel(seed: int, n_firms: int = 6, n_days: int = 400, missing: float = 0.03):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    market = rng.normal(0.0004, 0.011, n_days)
    firms = {}
    for i in range(n_firms):
        beta = rng.uniform(0.5, 1.8)
        r = 0.0002 * i + beta * market + rng.normal(0, 0.02, n_days)
        r[rng.random(n_days) < missing] = np.nan
        firms[f"F{i}"] = r
    returns = pd.DataFrame(firms, index=dates)
    mkt = pd.Series(market, index=dates, name="MKT")
    mkt.iloc[rng.integers(0, n_days, 5)] = np.nan
    return returns, mkt


def pairs_for(returns: pd.DataFrame, day0_positions: list[int]) -> pd.DataFrame:
    rows = []
    for j, pos in enumerate(day0_positions):
        for t in returns.columns:
            rows.append((f"e{j}", t, returns.index[pos]))
    return pd.DataFrame(rows, columns=["event_id", "ticker", "day0"])


def statsmodels_fit(returns: pd.DataFrame, mkt: pd.Series, ticker: str, day0: pd.Timestamp):
    """Day 0's position and statsmodels OLS of the firm on the market over the estimation days."""
    p0 = returns.index.get_loc(day0)
    est = slice(p0 + EST[0], p0 + EST[1] + 1)
    y, x = returns[ticker].iloc[est], mkt.iloc[est]
    ok = y.notna() & x.notna()
    return p0, sm.OLS(y[ok].to_numpy(), sm.add_constant(x[ok].to_numpy())).fit()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_abnormal_returns_and_variances_match_statsmodels(seed: int) -> None:
    returns, mkt = random_panel(seed)
    pairs = pairs_for(returns, [200, 300, 390])
    sample = build_sample(pairs, returns, mkt, EST, WINDOWS)
    fit = MarketModel(min_nobs=30).fit(sample)
    dates = returns.index
    for i, row in enumerate(pairs.itertuples()):
        p0, res = statsmodels_fit(returns, mkt, row.ticker, row.day0)
        np.testing.assert_allclose(fit.params[i], res.params, rtol=0, atol=1e-12)
        assert fit.sigma2[i] == pytest.approx(res.scale, rel=1e-10)  # SSR / (L - 2)
        assert fit.dof[i] == res.nobs - 2
        # event span: AR and prediction-error variance from statsmodels' own prediction
        rel = sample.rel_days
        pos = p0 + rel
        keep = pos < len(dates)
        y_e = returns[row.ticker].to_numpy()[pos[keep]]
        x_e = mkt.to_numpy()[pos[keep]]
        pred = res.get_prediction(sm.add_constant(x_e, has_constant="add"))
        ar_ref = y_e - pred.predicted_mean
        var_ref = res.scale + pred.se_mean**2
        np.testing.assert_allclose(fit.ar[i, keep], ar_ref, rtol=0, atol=1e-10, equal_nan=True)
        np.testing.assert_allclose(fit.ar_var()[i, keep], var_ref, rtol=1e-10, equal_nan=True)
        # CAR variance: T s^2 + c' Cov(b) c with c the sum of event-day regressor rows
        for window in WINDOWS:
            cols = np.flatnonzero((rel >= window[0]) & (rel <= window[1]))
            if pos[cols].max() >= len(dates):
                continue
            xw = sm.add_constant(mkt.to_numpy()[pos[cols]], has_constant="add")
            yw = returns[row.ticker].to_numpy()[pos[cols]]
            car, var, _ = fit.car(window)
            if np.isnan(yw).any() or np.isnan(xw).any():
                assert np.isnan(car[i])
                continue
            c = xw.sum(axis=0)
            var_ref = len(cols) * res.scale + c @ res.cov_params() @ c
            assert car[i] == pytest.approx((yw - xw @ res.params).sum(), abs=1e-10)
            assert var[i] == pytest.approx(var_ref, rel=1e-10)


def test_car_variance_is_square_of_sum_not_sum_of_squares() -> None:
    """Closed form for the market model, worked by hand (CLM 1997 eq. 4.4.14)."""
    returns, mkt = random_panel(7, n_firms=1, missing=0.0)
    mkt = mkt.fillna(0.001)
    pairs = pairs_for(returns, [250])
    sample = build_sample(pairs, returns, mkt, EST, WINDOWS)
    fit = MarketModel().fit(sample)
    p0 = 250
    m_est = mkt.to_numpy()[p0 + EST[0] : p0 + EST[1] + 1]
    length = len(m_est)
    mbar = m_est.mean()
    sxx = ((m_est - mbar) ** 2).sum()
    m_evt = mkt.to_numpy()[p0 - 5 : p0 + 6]
    s2 = fit.sigma2[0]
    expected = s2 * (11 + 11**2 / length + ((m_evt - mbar).sum()) ** 2 / sxx)
    wrong = s2 * (11 + 11 / length + ((m_evt - mbar) ** 2).sum() / sxx)
    _, var, _ = fit.car((-5, 5))
    assert var[0] == pytest.approx(expected, rel=1e-12)
    assert abs(var[0] - wrong) > 1e-9


def test_mean_adjusted_and_market_adjusted_by_hand() -> None:
    returns, mkt = random_panel(3, n_firms=1, missing=0.0)
    mkt = mkt.fillna(0.0)
    pairs = pairs_for(returns, [300])
    sample = build_sample(pairs, returns, mkt, EST, WINDOWS)
    y = returns["F0"].to_numpy()
    m = mkt.to_numpy()
    est = slice(300 + EST[0], 300 + EST[1] + 1)
    length = est.stop - est.start
    mean_fit = MeanAdjustedModel().fit(sample)
    s2 = y[est].var(ddof=1)
    assert mean_fit.ar[0, 5] == pytest.approx(y[300] - y[est].mean(), abs=1e-14)
    assert mean_fit.ar_var()[0, 5] == pytest.approx(s2 * (1 + 1 / length), rel=1e-12)
    assert mean_fit.car((-1, 1))[1][0] == pytest.approx(s2 * (3 + 9 / length), rel=1e-12)
    adj = MarketAdjustedModel().fit(sample)
    d = y[est] - m[est]
    assert adj.ar[0, 5] == pytest.approx(y[300] - m[300], abs=1e-14)
    assert adj.sigma2[0] == pytest.approx(d.var(ddof=1), rel=1e-12)
    assert adj.car((0, 5))[1][0] == pytest.approx(6 * d.var(ddof=1), rel=1e-12)


def test_simulation_recovers_injected_abnormal_return() -> None:
    """400 firm-events with a known +3% day-0 abnormal return: the mean AR recovers it."""
    rng = np.random.default_rng(42)
    n_days, n_firms = 600, 400
    dates = pd.bdate_range("2015-01-01", periods=n_days)
    market = rng.normal(0.0003, 0.01, n_days)
    alpha = rng.normal(0, 0.0005, n_firms)
    beta = rng.uniform(0.6, 1.6, n_firms)
    eps = rng.normal(0, 0.02, (n_days, n_firms))
    r = alpha + np.outer(market, beta) + eps
    day0 = rng.integers(300, 590, n_firms)
    r[day0, np.arange(n_firms)] += 0.03
    returns = pd.DataFrame(r, index=dates, columns=[f"F{i}" for i in range(n_firms)])
    pairs = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n_firms)],
            "ticker": returns.columns,
            "day0": dates[day0],
        }
    )
    fit = MarketModel().fit(
        build_sample(pairs, returns, pd.Series(market, index=dates), (-250, -11), ((0, 0), (-5, 5)))
    )
    day0_ar = fit.car((0, 0))[0]
    assert day0_ar.mean() == pytest.approx(0.03, abs=4 * 0.02 / np.sqrt(n_firms))
    # beta has sd about 0.02 / (0.01 sqrt(240)) = 0.13 per firm; its mean error shrinks by sqrt(400)
    assert abs((fit.params[:, 1] - beta).mean()) < 4 * 0.13 / np.sqrt(n_firms)
    # no abnormal return injected off day 0: the [-5,-1] CAR averages zero
    pre = fit.car((-5, -1))[0]
    assert abs(pre.mean()) < 4 * 0.02 * np.sqrt(5) / np.sqrt(n_firms)


def test_too_few_estimation_days_gives_nan_not_garbage() -> None:
    returns, mkt = random_panel(5, n_firms=2, missing=0.0)
    returns.iloc[150:280, 0] = np.nan  # firm 0 loses most of its estimation window
    pairs = pairs_for(returns, [300])
    fit = MarketModel(min_nobs=55).fit(build_sample(pairs, returns, mkt, EST, WINDOWS))
    assert np.isnan(fit.sigma2[0]) and np.isnan(fit.ar[0]).all()
    assert np.isfinite(fit.sigma2[1])


@pytest.mark.parametrize("missing", ["nan", "skip"])
def test_car_path_matches_statsmodels_day_by_day(missing: str) -> None:
    returns, mkt = random_panel(3, missing=0.08)
    pairs = pairs_for(returns, [150, 260])
    sample = build_sample(pairs, returns, mkt, EST, WINDOWS)
    fit = MarketModel(min_nobs=30).fit(sample)
    start = -3
    path, path_var = fit.car_path(start, missing)
    rel = sample.rel_days
    for i, row in enumerate(pairs.itertuples()):
        p0, res = statsmodels_fit(returns, mkt, row.ticker, row.day0)
        for j, day in enumerate(rel):
            if day < start:
                assert np.isnan(path[i, j])
                continue
            pos = p0 + np.arange(start, day + 1)
            yw = returns[row.ticker].to_numpy()[pos]
            xw = mkt.to_numpy()[pos]
            have = np.isfinite(yw) & np.isfinite(xw)
            if (missing == "nan" and not have.all()) or not have.any():
                assert np.isnan(path[i, j])
                continue
            design = np.column_stack([np.ones(have.sum()), xw[have]])
            ar = yw[have] - design @ res.params
            c = design.sum(axis=0)
            var = have.sum() * res.scale + c @ res.cov_params() @ c
            assert path[i, j] == pytest.approx(ar.sum(), abs=1e-12)
            assert path_var[i, j] == pytest.approx(var, rel=1e-10)
