"""Beaver's U (abnormal volatility) by hand and under a known change of variance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from stats_oracles import SMALL_WINDOWS as WINDOWS
from stats_oracles import make_panel, sample_from
from test_parametric import cs_of, hand_firms

from eventstudy.models import MarketModel
from eventstudy.stats import TESTS, CrossSection


@pytest.mark.parametrize("window", WINDOWS)
def test_beaver_u_by_hand(small, window):
    firms = hand_firms(small, window)
    u = np.array([f.car**2 / f.car_var for f in firms])
    d = np.array([f.dof for f in firms], float)
    q = float(np.sum(u * (d - 2) / d))
    res = TESTS["beaver_u"](cs_of(small, window))
    assert res.stat == pytest.approx(q, rel=1e-10, abs=1e-12)
    p = 2 * min(sps.chi2.cdf(q, len(u)), sps.chi2.sf(q, len(u)))
    assert res.p_value == pytest.approx(min(1.0, p), rel=1e-9, abs=1e-12)
    assert res.distribution == f"chi2({len(u)})"
    assert res.estimate == pytest.approx(u.mean(), rel=1e-10)


def rejection(scale_window: float, reps: int = 200) -> float:
    """Share of seeded panels where U rejects at 5%; window returns' noise scaled by a factor."""
    hits = 0
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        returns, market, pairs = make_panel(n_firms=40, n_days=140, seed=seed, common_day0=False)
        day0 = returns.index.get_indexer(pairs["day0"])
        extra = rng.normal(0, 0.02 * np.sqrt(scale_window**2 - 1), len(day0))
        values = returns.to_numpy(copy=True)
        values[day0, np.arange(len(day0))] += extra
        returns = pd.DataFrame(values, index=returns.index, columns=returns.columns)
        fit = MarketModel(min_nobs=50).fit(
            sample_from(returns, market, pairs, estimation=(-120, -11), windows=((0, 0),))
        )
        cs = CrossSection.from_fit(fit, np.arange(fit.n), (0, 0))
        hits += TESTS["beaver_u"](cs).p_value < 0.05
    return hits / reps


@pytest.mark.slow
def test_beaver_u_size_and_power():
    # no change of variance: rejection within a binomial band around 5% (200 panels: sd 1.5%)
    assert 0.005 <= rejection(1.0) <= 0.11
    # day-0 noise sd doubled (variance x4): almost always found
    assert rejection(2.0) > 0.9
