"""Rank and sign statistics against plain per-firm loops and scipy.stats.wilcoxon."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats as sps
from stats_oracles import make_panel, ranks, sample_from

from eventstudy.models import MarketModel
from eventstudy.stats import TESTS, CrossSection

EST = (-60, -11)
WINDOWS = ((0, 0), (-1, 1), (-2, 3))


@pytest.fixture(scope="module")
def fit():
    returns, market, pairs = make_panel(n_firms=7, n_days=80, seed=11, shock=0.01)
    returns.iloc[20, 2] = np.nan  # a missing estimation day for one firm
    sample = sample_from(returns, market, pairs, EST, WINDOWS)
    return dataclasses.replace(MarketModel(), min_nobs=10).fit(sample)


def firm_series(cs):
    """Per firm: the available estimation residuals, then the window ARs (lists, no NaN)."""
    out = []
    for i in range(cs.n):
        est = cs.est_resid[i]
        out.append((est[np.isfinite(est)], cs.ar[i]))
    return out


@pytest.mark.parametrize("window", WINDOWS)
def test_corrado_rank_by_loop(fit, window):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), window)
    length = cs.est_resid.shape[1]
    t = window[1] - window[0] + 1
    u = np.full((cs.n, length + t), np.nan)
    for i in range(cs.n):
        est = cs.est_resid[i]
        keep = np.flatnonzero(np.isfinite(est))
        values = np.concatenate([est[keep], cs.ar[i]])
        k = ranks(values) / (len(values) + 1) - 0.5
        u[i, keep] = k[: len(keep)]
        u[i, length:] = k[len(keep) :]
    ubar = np.array([np.mean(col[np.isfinite(col)]) for col in u.T])
    s = np.sqrt(np.mean(ubar**2))
    z = ubar[length:].sum() / (np.sqrt(t) * s)
    res = TESTS["corrado_rank"](cs)
    assert res.stat == pytest.approx(z, rel=1e-10)
    assert res.p_value == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-9)


@pytest.mark.parametrize("window", WINDOWS)
def test_corrado_zivney_sign_by_loop(fit, window):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), window)
    length = cs.est_resid.shape[1]
    t = window[1] - window[0] + 1
    g = np.full((cs.n, length + t), np.nan)
    for i in range(cs.n):
        values = np.concatenate([cs.est_resid[i], cs.ar[i]])
        med = np.median(values[np.isfinite(values)])
        for j, v in enumerate(values):
            if np.isfinite(v):
                g[i, j] = 1.0 if v > med else (-1.0 if v < med else 0.0)
    gt = np.array([col[np.isfinite(col)].sum() / np.sqrt(np.isfinite(col).sum()) for col in g.T])
    s = np.sqrt(np.mean(gt**2))
    z = gt[length:].sum() / (np.sqrt(t) * s)
    res = TESTS["corrado_zivney_sign"](cs)
    assert res.stat == pytest.approx(z, rel=1e-10)


@pytest.mark.parametrize("window", WINDOWS)
def test_generalized_sign_by_hand(fit, window):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), window)
    shares = [np.mean(est > 0) for est, _ in firm_series(cs)]
    p = np.mean(shares)
    w = sum(c > 0 for c in cs.car)
    n = cs.n
    z = (w - n * p) / np.sqrt(n * p * (1 - p))
    res = TESTS["generalized_sign"](cs)
    assert res.stat == pytest.approx(z, rel=1e-12)
    assert res.estimate == pytest.approx(w / n)


@pytest.mark.parametrize("window", WINDOWS)
def test_grank_by_loop(fit, window):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), window)
    n, length = cs.n, cs.est_resid.shape[1]
    scar = cs.car / np.sqrt(cs.car_var)
    scar_star = scar / scar.std(ddof=1)
    u = np.full((n, length + 1), np.nan)
    for i in range(n):
        est = cs.est_resid[i] / np.sqrt(cs.sigma2[i])
        keep = np.flatnonzero(np.isfinite(est))
        values = np.concatenate([est[keep], [scar_star[i]]])
        k = ranks(values) / (len(values) + 1) - 0.5
        u[i, keep] = k[:-1]
        u[i, -1] = k[-1]
    cnt = np.isfinite(u).sum(axis=0)
    ubar = np.array([np.mean(col[np.isfinite(col)]) for col in u.T])
    days = len(ubar)
    s = np.sqrt(np.sum(cnt / n * ubar**2) / days)
    z = ubar[-1] / s
    t = z * np.sqrt((days - 2) / (days - 1 - z**2))
    res = TESTS["grank"](cs)
    assert res.stat == pytest.approx(t, rel=1e-10)
    assert res.distribution == f"t({days - 2})"
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(t), days - 2), rel=1e-9)


@pytest.mark.parametrize("window", WINDOWS)
def test_wilcoxon_exact_matches_scipy(fit, window):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), window)
    res = TESTS["wilcoxon"](cs)
    ref = sps.wilcoxon(cs.car, method="exact")
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert res.distribution.startswith("exact")


def test_wilcoxon_normal_approximation_with_ties_and_zeros_matches_scipy(fit):
    cs = CrossSection.from_fit(fit, np.arange(fit.n), (0, 0))
    rng = np.random.default_rng(2)
    cars = np.round(rng.normal(0.003, 0.01, 80), 3)  # many ties, some zeros
    cars[:3] = 0.0
    cs = dataclasses.replace(cs, car=cars, rows=np.arange(80))
    res = TESTS["wilcoxon"](cs)
    ref = sps.wilcoxon(cars, zero_method="wilcox", correction=False, method="approx")
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert abs(res.stat) == pytest.approx(abs(ref.zstatistic), rel=1e-10)
    assert res.distribution == "N(0,1)"


def test_rank_tests_detect_a_large_shift():
    returns, market, pairs = make_panel(n_firms=40, n_days=300, seed=4, shock=0.05)
    sample = sample_from(returns, market, pairs, (-250, -11), ((0, 0),))
    fit = MarketModel().fit(sample)
    cs = CrossSection.from_fit(fit, np.arange(40), (0, 0))
    for name in ("corrado_rank", "corrado_zivney_sign", "generalized_sign", "grank", "wilcoxon"):
        res = TESTS[name](cs)
        assert res.stat > 0 and res.p_value < 0.001, name
