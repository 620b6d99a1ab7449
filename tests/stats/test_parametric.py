"""Parametric statistics against hand-worked closed forms, statsmodels and scipy."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from stats_oracles import SMALL_EST as EST
from stats_oracles import SMALL_WINDOWS as WINDOWS
from stats_oracles import hand_market_model, make_panel, sample_from

from eventstudy.errors import InvalidTestStatistic
from eventstudy.models import MarketModel
from eventstudy.stats import TESTS, CrossSection, car_t
from eventstudy.stats.correlation import average_cross_correlation


def hand_firms(small, window):
    returns, market, pairs, sample, fit = small
    out = []
    for _, row in pairs.iterrows():
        pos0 = returns.index.get_loc(row["day0"])
        est = slice(pos0 + EST[0], pos0 + EST[1] + 1)
        win = slice(pos0 + window[0], pos0 + window[1] + 1)
        y = returns[row["ticker"]].to_numpy()
        m = market.to_numpy()
        out.append(hand_market_model(y[est], m[est], y[win], m[win]))
    return out


def cs_of(small, window):
    fit = small[4]
    return CrossSection.from_fit(fit, np.arange(fit.n), window)


@pytest.mark.parametrize("window", WINDOWS)
def test_car_and_variance_match_hand(small, window):
    firms = hand_firms(small, window)
    cs = cs_of(small, window)
    np.testing.assert_allclose(cs.car, [f.car for f in firms], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(cs.car_var, [f.car_var for f in firms], rtol=1e-10)


def test_day0_dummy_regression_gives_ar_and_t(small):
    """Market model with an event-day dummy (statsmodels): coefficient = AR, its t = car_t."""
    returns, market, pairs, sample, fit = small
    cs = cs_of(small, (0, 0))
    t_ours, p_ours = car_t(cs.car, cs.car_var, cs.dof)
    for i, row in pairs.iterrows():
        pos0 = returns.index.get_loc(row["day0"])
        idx = list(range(pos0 + EST[0], pos0 + EST[1] + 1)) + [pos0]
        y = returns[row["ticker"]].to_numpy()[idx]
        m = market.to_numpy()[idx]
        dummy = np.zeros(len(idx))
        dummy[-1] = 1.0
        res = sm.OLS(y, np.column_stack([np.ones(len(idx)), m, dummy])).fit()
        assert cs.ar[i, 0] == pytest.approx(res.params[2], rel=1e-9)
        assert t_ours[i] == pytest.approx(res.tvalues[2], rel=1e-9)
        assert p_ours[i] == pytest.approx(res.pvalues[2], rel=1e-7)


@pytest.mark.parametrize("window", WINDOWS)
def test_cross_sectional_t_matches_scipy(small, window):
    cs = cs_of(small, window)
    res = TESTS["cross_sectional_t"](cs)
    ref = sps.ttest_1samp(cs.car, 0.0)
    assert res.stat == pytest.approx(ref.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)


@pytest.mark.parametrize("window", WINDOWS)
def test_patell_and_bmp_by_hand(small, window):
    firms = hand_firms(small, window)
    cs = cs_of(small, window)
    scar = np.array([f.car / np.sqrt(f.car_var) for f in firms])
    length = EST[1] - EST[0] + 1
    n = len(firms)
    z = scar.sum() / np.sqrt(n * (length - 2) / (length - 4))
    res = TESTS["patell"](cs)
    assert res.stat == pytest.approx(z, rel=1e-10)
    assert res.p_value == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-9)
    t = scar.mean() / (scar.std(ddof=1) / np.sqrt(n))
    res = TESTS["bmp"](cs)
    assert res.stat == pytest.approx(t, rel=1e-10)
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(t), n - 1), rel=1e-9)
    assert res.distribution == f"t({n - 1})"


@pytest.mark.parametrize("window", WINDOWS)
def test_kolari_pynnonen_by_hand(small, window):
    firms = hand_firms(small, window)
    cs = cs_of(small, window)
    n = len(firms)
    corr = np.corrcoef(np.vstack([f.resid for f in firms]))
    rbar = corr[np.triu_indices(n, 1)].mean()
    assert average_cross_correlation(cs) == pytest.approx(rbar, rel=1e-10)
    assert rbar > 0.02  # the industry factor correlates the residuals
    scar = np.array([f.car / np.sqrt(f.car_var) for f in firms])
    t_bmp = scar.mean() / (scar.std(ddof=1) / np.sqrt(n))
    length = EST[1] - EST[0] + 1
    z_p = scar.sum() / np.sqrt(n * (length - 2) / (length - 4))
    res = TESTS["kolari_pynnonen"](cs)
    assert res.stat == pytest.approx(t_bmp * np.sqrt((1 - rbar) / (1 + (n - 1) * rbar)), rel=1e-10)
    res = TESTS["kolari_pynnonen_patell"](cs)
    assert res.stat == pytest.approx(z_p / np.sqrt(1 + (n - 1) * rbar), rel=1e-10)
    assert res.distribution == "N(0,1)"


@pytest.mark.parametrize("window", WINDOWS)
def test_brown_warner_by_hand(small, window):
    firms = hand_firms(small, window)
    cs = cs_of(small, window)
    aar = np.vstack([f.resid for f in firms]).mean(axis=0)
    sd = np.sqrt(((aar - aar.mean()) ** 2).sum() / (len(aar) - 1))
    caar = np.mean([f.car for f in firms])
    t = caar / (np.sqrt(window[1] - window[0] + 1) * sd)
    res = TESTS["brown_warner"](cs)
    assert res.stat == pytest.approx(t, rel=1e-10)
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(t), len(aar) - 1), rel=1e-9)


def test_skewness_adjusted_t_by_hand(small):
    cs = cs_of(small, (-2, 3))
    x = cs.car
    n = len(x)
    s = x.mean() / x.std(ddof=1)
    g = ((x - x.mean()) ** 3).mean() / x.std(ddof=1) ** 3
    t = np.sqrt(n) * (s + g * s**2 / 3 + g**2 * s**3 / 27 + g / (6 * n))
    res = TESTS["skewness_adjusted_t"](cs)
    assert res.stat == pytest.approx(t, rel=1e-10)


def test_skewness_adjusted_t_equals_t_for_symmetric_cars():
    """With zero sample skewness Hall's statistic is sqrt(N) * mean / sd, the plain t."""
    returns, market, pairs = make_panel(n_firms=6, n_days=80, seed=5)
    sample = sample_from(returns, market, pairs, EST, WINDOWS)
    fit = dataclasses.replace(MarketModel(), min_nobs=10).fit(sample)
    cs = CrossSection.from_fit(fit, np.arange(6), (0, 0))
    sym = np.array([-3.0, -1.0, 0.5, 1.0, 2.5, 4.5]) / 100  # symmetric about 0.75%
    cs = dataclasses.replace(cs, car=sym)
    res = TESTS["skewness_adjusted_t"](cs)
    assert res.stat == pytest.approx(sym.mean() / (sym.std(ddof=1) / np.sqrt(6)), rel=1e-12)


@pytest.mark.parametrize("window", WINDOWS)
def test_portfolio_regression_is_the_portfolio_market_model(small, window):
    """Sum of dummy coefficients = portfolio CAR; its t = the CLM prediction-error t."""
    returns, market, pairs, sample, fit = small
    port = returns[pairs["ticker"]].mean(axis=1).to_numpy()
    pos0 = returns.index.get_loc(pairs["day0"].iloc[0])
    est = slice(pos0 + EST[0], pos0 + EST[1] + 1)
    win = slice(pos0 + window[0], pos0 + window[1] + 1)
    m = market.to_numpy()
    hand = hand_market_model(port[est], m[est], port[win], m[win])
    res = TESTS["portfolio_regression"](cs_of(small, window))
    assert res.estimate == pytest.approx(hand.car, rel=1e-9)
    assert res.stat == pytest.approx(hand.car / np.sqrt(hand.car_var), rel=1e-9)
    assert res.distribution == f"t({hand.dof})"


@pytest.mark.parametrize("name", list(TESTS))
def test_one_firm_or_none_gives_nan_with_reason_and_warning(small, name):
    fit = small[4]
    for rows in (np.arange(0), np.arange(1)):
        cs = CrossSection.from_fit(fit, rows, (0, 0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = TESTS[name](cs)
        if np.isnan(res.stat):
            assert res.reason
            assert any(issubclass(w.category, InvalidTestStatistic) for w in caught)
    cs = CrossSection.from_fit(fit, np.arange(0), (0, 0))
    with pytest.warns(InvalidTestStatistic):
        res = TESTS[name](cs)
    assert np.isnan(res.stat) and np.isnan(res.p_value) and res.reason


def test_kp_rbar_ignores_firms_whose_windows_do_not_overlap():
    """Residuals correlated in calendar time do not matter when the event windows are apart."""
    returns, market, pairs = make_panel(n_firms=4, n_days=200, seed=1, industry_sd=0.01)
    idx = returns.index
    pairs = pairs.assign(day0=idx[[100, 130, 160, 190]])
    sample = sample_from(returns, market, pairs, (-40, -6), ((-1, 1),))
    fit = dataclasses.replace(MarketModel(), min_nobs=10).fit(sample)
    cs = CrossSection.from_fit(fit, np.arange(4), (-1, 1))
    assert average_cross_correlation(cs) == 0.0
    pairs2 = pairs.assign(day0=idx[[100, 101, 160, 190]])  # two windows share 2 of 3 days
    sample2 = sample_from(returns, market, pairs2, (-40, -6), ((-1, 1),))
    fit2 = dataclasses.replace(MarketModel(), min_nobs=10).fit(sample2)
    cs2 = CrossSection.from_fit(fit2, np.arange(4), (-1, 1))
    r01 = np.corrcoef(*_aligned_resid(fit2, 0, 1))[0, 1]
    assert average_cross_correlation(cs2) == pytest.approx(r01 * (2 / 3) / 6, rel=1e-9)


def _aligned_resid(fit, i, j):
    """Residuals of firm-events i and j on their common calendar dates."""
    pos_i, pos_j = fit.sample.est_pos[i], fit.sample.est_pos[j]
    common = np.intersect1d(pos_i, pos_j)
    ri = fit.est_resid[i][np.isin(pos_i, common)]
    rj = fit.est_resid[j][np.isin(pos_j, common)]
    return ri, rj
