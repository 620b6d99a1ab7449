"""p-values and ranks without scipy.stats: equal to scipy.stats to the last bit.

The p-value helpers call scipy.special directly so that importing the package does not import
scipy.stats; these tests pin them to ``scipy.stats.t.sf``, ``scipy.stats.norm.sf`` and
``scipy.stats.rankdata`` (bitwise, NaN where scipy gives NaN).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from eventstudy.errors import InvalidTestStatistic
from eventstudy.stats._numeric import average_ranks, norm_sf, t_sf
from eventstudy.stats.parametric import portfolio_dummy_test

X_GRID = np.array(
    [-np.inf, -1e10, -40.0, -8.3, -1.0, -1e-300, -0.0, 0.0, 1e-300, 1e-8, 0.3, 1.0, 1.96, 2.0]
    + [5.5, 8.3, 12.0, 37.0, 40.0, 1e10, np.inf, np.nan]
)
DF_GRID = np.array(
    [-1.0, 0.0, 1e-3, 0.5, 1.0, 1.5, 2.0, 2.7, 3.0, 4.0, 10.0, 18.0, 30.5, 238.0, 238.5]
    + [239.0, 1e3, 1e5, 1e10, 1e300, np.inf, np.nan]
)


def bitwise_equal(a: object, b: object) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_t_sf_equals_scipy_stats_on_a_grid():
    x, df = np.meshgrid(X_GRID, DF_GRID)
    rng = np.random.default_rng(0)
    xr = rng.standard_normal(5000) * rng.choice([0.1, 1.0, 5.0, 30.0], 5000)
    dfr = np.concatenate([rng.uniform(0.05, 5, 2500), rng.integers(1, 5000, 2500).astype(float)])
    with np.errstate(invalid="ignore"):
        assert bitwise_equal(t_sf(x, df), sps.t.sf(x, df))
        assert bitwise_equal(t_sf(xr, dfr), sps.t.sf(xr, dfr))


@pytest.mark.parametrize(("x", "df"), [(2.3, 17), (0.0, 5), (-1.2, 3.5), (4.0, np.inf), (1.0, 0)])
def test_t_sf_scalars_as_the_callers_pass_them(x, df):
    ours, ref = t_sf(x, df), sps.t.sf(x, df)
    assert type(ours) is type(ref)
    assert bitwise_equal(ours, ref)


def test_norm_sf_equals_scipy_stats():
    rng = np.random.default_rng(1)
    xr = rng.standard_normal(5000) * 6.0
    assert bitwise_equal(norm_sf(X_GRID), sps.norm.sf(X_GRID))
    assert bitwise_equal(norm_sf(xr), sps.norm.sf(xr))
    assert bitwise_equal(norm_sf(1.96), sps.norm.sf(1.96))


def test_average_ranks_equal_rankdata_omit_with_ties_and_nan():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 6, size=(40, 30)).astype(float)  # many ties
    x[rng.random(x.shape) < 0.2] = np.nan
    x[3] = np.nan  # a row without any value
    x[4, :] = 2.0  # a row of one tie group
    ref = sps.rankdata(x, axis=1, nan_policy="omit")
    assert bitwise_equal(average_ranks(x), ref)
    one = np.array([0.0, -0.0, 1.5, -np.inf, np.inf, 1.5, np.nan])
    assert bitwise_equal(average_ranks(one), sps.rankdata(one, nan_policy="omit"))
    assert average_ranks(np.empty((3, 0))).shape == (3, 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from([0.0, 1.0, -2.5, np.nan]), st.floats(-1e6, 1e6)),
        min_size=1,
        max_size=25,
    )
)
def test_average_ranks_property(values):
    x = np.array(values)
    assert bitwise_equal(average_ranks(x), sps.rankdata(x, nan_policy="omit"))


# -- the portfolio dummy regression against statsmodels OLS -------------------------------------


def ols_reference(port, bench, length, t_days):
    """The dummy regression fitted by statsmodels: sum of dummies, its s.e. and df."""
    dummies = np.zeros((length + t_days, t_days))
    dummies[length:, :] = np.eye(t_days)
    x = np.column_stack([np.ones(length + t_days), bench, dummies])
    ok = np.isfinite(port) & np.isfinite(bench)
    res = sm.OLS(port[ok], x[ok]).fit()
    w = np.r_[0.0, 0.0, np.ones(t_days)]
    return float(w @ res.params), float(np.sqrt(w @ res.cov_params() @ w)), int(res.df_resid)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("length", "t_days"), [(240, 1), (240, 3), (50, 11), (12, 2)])
def test_portfolio_dummy_test_matches_statsmodels_ols(seed, length, t_days):
    rng = np.random.default_rng(seed)
    bench = rng.normal(0.0004, 0.011, length + t_days)
    port = 0.0002 + 1.1 * bench + rng.normal(0, 0.006, length + t_days)
    port[length:] += rng.normal(0, 0.02, t_days)  # abnormal returns in the window
    if seed % 2:
        port[rng.choice(length, 5, replace=False)] = np.nan  # missing estimation days
        bench[rng.choice(length, 2, replace=False)] = np.nan
    est, se, dof = ols_reference(port, bench, length, t_days)
    res = portfolio_dummy_test(port, bench, length, t_days, n=7)
    assert res.estimate == pytest.approx(est, rel=1e-10, abs=1e-14)
    assert res.stat == pytest.approx(est / se, rel=1e-10)
    assert res.distribution == f"t({dof})"
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(est / se), dof), rel=1e-9)
    assert res.nobs == 7


def test_portfolio_dummy_test_invalid_cases():
    rng = np.random.default_rng(5)
    bench = rng.normal(0, 0.01, 30)
    port = bench + rng.normal(0, 0.005, 30)
    gap = port.copy()
    gap[-1] = np.nan
    with pytest.warns(InvalidTestStatistic, match="missing return in the window"):
        assert np.isnan(portfolio_dummy_test(gap, bench, 28, 2, 3).stat)
    with pytest.warns(InvalidTestStatistic, match="only 2 residual degrees of freedom"):
        portfolio_dummy_test(port[-6:], bench[-6:], 4, 2, 3)
    flat = bench.copy()
    flat[:28] = 0.001
    with pytest.warns(InvalidTestStatistic, match="benchmark return does not vary"):
        assert np.isnan(portfolio_dummy_test(port, flat, 28, 2, 3).p_value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(portfolio_dummy_test(port, bench, 28, 2, 3).stat)


def test_chi_square_tails_equal_scipy_stats() -> None:
    from scipy import stats as sps

    from eventstudy.stats._numeric import chi2_cdf, chi2_sf

    x = np.array([0.0, 0.5, 3.0, 10.0, 57.3, 200.0])
    for df in (1, 4, 50, 1000):
        np.testing.assert_allclose(chi2_cdf(x, df), sps.chi2.cdf(x, df), rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(chi2_sf(x, df), sps.chi2.sf(x, df), rtol=1e-14, atol=1e-300)
