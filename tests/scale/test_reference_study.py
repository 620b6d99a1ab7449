"""The chunked engine against the textbook per-event study (tests/scale/reference_study.py).

The reference fits one statsmodels OLS per firm-event, ranks with scipy one firm-event at a time,
averages across firms with pandas frames, correlates residuals pair by pair and fits the portfolio
regression with statsmodels; it shares no code with the engine or eventstudy.stats. Every per-firm
number and every test statistic, p-value and estimate must agree to 1e-10 (relative).

Kolari-Pynnonen r-bar: the engine subsamples groups with more than
``stats.correlation.KP_MAX_PAIRS``
pairs of overlapping windows. Every sample here is far below that, except in
``test_kolari_pynnonen_subsample_matches``, which lowers the budget and gives the reference the
engine's subsample.
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy import engine
from eventstudy._types import MissingInWindow
from eventstudy.errors import InputError
from eventstudy.models import get_model
from eventstudy.models.base import ReturnModel
from eventstudy.stats import TESTS, correlation

from .reference_study import TEST_NAMES, ReferenceStudy, reference_study
from .synthetic import ESTIMATION, WINDOWS, pairs, panel

RTOL = 1e-10
ATOL = 1e-13  # for values that are themselves near 0 (CAARs, statistics close to 0)


def _model(min_nobs: int) -> ReturnModel:
    return dataclasses.replace(get_model("market"), min_nobs=min_nobs)  # type: ignore[type-var]


def _engine(
    pr: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.Series,
    min_nobs: int = 120,
    missing: MissingInWindow = "nan",
) -> engine.EngineRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return engine.estimate(
            pr,
            returns,
            market,
            _model(min_nobs),
            ESTIMATION,
            WINDOWS,
            {"ALL": np.arange(len(pr))},
            missing=missing,
        )


def _clustered_pairs(
    returns: pd.DataFrame, seed: int, offsets: tuple[int, ...] = (0, 2, 4, 20)
) -> pd.DataFrame:
    """Two firm-events per firm on day 0s a few sessions apart: windows partly overlap."""
    rng = np.random.default_rng(seed)
    rows = []
    for ticker in returns.columns:
        for off in rng.choice(offsets, 2, replace=False):
            rows.append((f"e{off}", ticker, returns.index[400 + int(off)]))
    return pd.DataFrame(rows, columns=["event_id", "ticker", "day0"])


def _assert_same(
    run: engine.EngineRun, ref: ReferenceStudy, missing: MissingInWindow = "nan"
) -> int:
    """Compare every per-firm number and test result; return how many statistics are finite."""
    fit = run.fit
    np.testing.assert_allclose(fit.ar, ref.fit.ar, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(fit.ar_var(), ref.fit.ar_var, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(fit.params, ref.fit.params, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(fit.sigma2, ref.fit.sigma2, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(fit.nobs, ref.fit.nobs)
    finite = 0
    for w in WINDOWS:
        car, var, _ = fit.car(w, missing)
        np.testing.assert_allclose(car, ref.fit.car[w], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(var, ref.fit.car_var[w], rtol=RTOL, atol=ATOL)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.testing.assert_allclose(car / np.sqrt(var), ref.fit.car_t[w], rtol=RTOL, atol=ATOL)
        n, caar, results = run.results[("ALL", w)]
        assert n == ref.n[w]
        np.testing.assert_allclose(caar, ref.caar[w], rtol=RTOL, atol=ATOL)
        for name in TEST_NAMES:
            got, want = results[name], ref.result(w, name)
            where = f"{name} in window {w}"
            assert got.nobs == want["nobs"], where
            assert np.isnan(got.stat) == np.isnan(want["statistic"]), (where, got.reason)
            if np.isnan(got.stat):
                continue
            finite += 1
            assert got.distribution == want["distribution"], where
            np.testing.assert_allclose(
                got.stat, want["statistic"], err_msg=where, rtol=RTOL, atol=ATOL
            )
            np.testing.assert_allclose(
                got.p_value, want["p_value"], err_msg=where, rtol=RTOL, atol=ATOL
            )
            np.testing.assert_allclose(
                got.estimate, want["estimate"], err_msg=where, rtol=RTOL, atol=ATOL
            )
    return finite


def test_reference_covers_every_registered_test() -> None:
    assert sorted(TEST_NAMES) == sorted(TESTS)


@pytest.mark.parametrize(
    ("seed", "missing", "ties"),
    [(0, "nan", False), (1, "skip", False), (7, "nan", True), (7, "skip", True)],
)
def test_engine_matches_reference_study_on_random_panels(
    seed: int, missing: MissingInWindow, ties: bool
) -> None:
    returns, market = panel(seed, n_firms=30, missing=0.05)
    if ties:  # rounded returns repeat (firm, market) pairs: residuals and ARs tie
        returns, market = returns.round(2), market.round(2)
    pr = pd.concat([pairs(returns, seed, 30), _clustered_pairs(returns, seed)], ignore_index=True)
    run = _engine(pr, returns, market, missing=missing)
    ref = reference_study(pr, returns, market, ESTIMATION, WINDOWS, min_nobs=120, missing=missing)
    assert np.isnan(ref.fit.ar).any()  # missing days were exercised
    assert all(ref.rbar[w] != 0 for w in WINDOWS)  # overlapping windows feed r-bar
    assert _assert_same(run, ref, missing) == len(WINDOWS) * len(TEST_NAMES)


def test_short_histories_and_few_common_days() -> None:
    """A firm-event below ``min_nobs`` drops out; a pair with < 30 common dates counts as 0."""
    returns, market = panel(9, n_firms=20, missing=0.0)
    day0 = returns.index[400]  # estimation days are positions 150 .. 389
    returns = returns.copy()
    returns.iloc[150:350, 0] = np.nan  # F000 keeps 40 days (350 .. 389)
    returns.iloc[np.r_[150:330, 370:390], 1] = np.nan  # F001 keeps 330 .. 369: 20 shared
    returns.iloc[150:375, 2] = np.nan  # F002 keeps 15 days: no estimate
    pr = pd.DataFrame({"ticker": returns.columns, "day0": day0})
    pr["event_id"] = "e"
    run = _engine(pr, returns, market, min_nobs=30)
    ref = reference_study(pr, returns, market, ESTIMATION, WINDOWS, min_nobs=30)
    assert ref.n[(0, 0)] == len(pr) - 1
    assert _assert_same(run, ref) == len(WINDOWS) * len(TEST_NAMES)


def test_rbar_with_a_shared_day0_is_the_mean_pairwise_correlation() -> None:
    """Hand-worked: one day 0, no missing days, so every weight is 1 and r-bar is the plain mean
    of the pairwise residual correlations (numpy corrcoef on the common estimation days)."""
    import statsmodels.api as sm

    returns, market = panel(2, n_firms=8, missing=0.0)
    day0 = returns.index[300]
    pr = pd.DataFrame({"ticker": returns.columns, "day0": day0})
    ref = reference_study(pr, returns, market, ESTIMATION, ((0, 0), (-1, 1)))
    est = slice(300 + ESTIMATION[0], 300 + ESTIMATION[1] + 1)
    x = sm.add_constant(market.iloc[est].to_numpy())
    resid = np.array([sm.OLS(returns[c].iloc[est].to_numpy(), x).fit().resid for c in pr.ticker])
    corr = np.corrcoef(resid)
    want = corr[np.triu_indices(len(pr), 1)].mean()
    assert ref.rbar[(0, 0)] == pytest.approx(want, rel=1e-12)
    assert ref.rbar[(-1, 1)] == pytest.approx(want, rel=1e-12)


def test_kolari_pynnonen_subsample_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the pair budget the engine draws a seeded subsample for r-bar; given the same rows,
    the reference's pair average agrees."""
    monkeypatch.setattr(correlation, "KP_MAX_PAIRS", 60)
    returns, market = panel(3, n_firms=30, missing=0.03)
    pr = _clustered_pairs(returns, 3)
    run = _engine(pr, returns, market)
    sub = run.kp_rows["ALL"]
    assert 2 <= len(sub) < len(pr)
    ref = reference_study(pr, returns, market, ESTIMATION, WINDOWS, min_nobs=120, kp_rows=sub)
    _assert_same(run, ref)
    full = reference_study(pr, returns, market, ESTIMATION, ((0, 0),), min_nobs=120)
    assert full.rbar[(0, 0)] != pytest.approx(ref.rbar[(0, 0)], rel=1e-6)
    reason = run.results[("ALL", (0, 0))][2]["kolari_pynnonen"].reason
    # the subsample's firm-events that are in the window's cross-section, of all in it
    assert reason is not None
    assert re.search(r"random subsample of (\d+) of (\d+) firm-events", reason)
    used, total = map(int, re.search(r"subsample of (\d+) of (\d+)", reason).groups())
    assert used <= len(sub) and total == run.results[("ALL", (0, 0))][0]


def test_bad_options_are_named() -> None:
    returns, market = panel(1, n_firms=3)
    pr = pairs(returns, 1, 3)
    with pytest.raises(InputError, match=r"missing='drop' is not a valid choice.*'skip'"):
        reference_study(pr, returns, market, ESTIMATION, WINDOWS, missing="drop")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"kp_rows must be row numbers of pairs \(0 to 2\)"):
        reference_study(pr, returns, market, ESTIMATION, WINDOWS, kp_rows=np.array([0, 7]))
    with pytest.raises(InputError, match=r"windows=\(\) holds no event window"):
        reference_study(pr, returns, market, ESTIMATION, ())
    ref = reference_study(pr, returns, market, ESTIMATION, ((0, 0),))
    with pytest.raises(InputError, match=r"test='nope' in window=\(0, 0\) is not in this"):
        ref.result((0, 0), "nope")
