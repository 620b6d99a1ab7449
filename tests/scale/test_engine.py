"""The chunked engine against statsmodels per event, and its partitions against one in-memory chunk."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy import engine
from eventstudy.errors import InputError
from eventstudy.models import get_model
from eventstudy.sample import build_sample
from eventstudy.stats import TESTS, CrossSection, average_cross_correlation, correlation
from eventstudy.stats.clustering import clustered_dates
from eventstudy.study import EventStudy

from .reference_study import reference_market_model
from .synthetic import ESTIMATION, WINDOWS, FramePrices, event_set, pairs, panel, prices_long

MODEL = dataclasses.replace(get_model("market"), min_nobs=120)


def _groups(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    codes = frame["event_id"].to_numpy()
    out = {e: np.flatnonzero(codes == e) for e in dict.fromkeys(codes)}
    out["ALL"] = np.arange(len(frame))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("chunk", [5, 1000])
def test_engine_matches_statsmodels_per_event(seed: int, chunk: int) -> None:
    returns, market = panel(seed, missing=0.05)
    pr = pairs(returns, seed, 40)
    run = engine.estimate(
        pr, returns, market, MODEL, ESTIMATION, WINDOWS, _groups(pr), chunk_size=chunk
    )
    ref = reference_market_model(pr, returns, market, ESTIMATION, WINDOWS, min_nobs=120)
    fit = run.fit
    np.testing.assert_allclose(fit.ar, ref.ar, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.ar_var(), ref.ar_var, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.params, ref.params, rtol=0, atol=1e-10)
    assert np.isnan(fit.ar).any() and np.isfinite(fit.ar).any()  # missing days were exercised
    for w in WINDOWS:
        car, var, _ = fit.car(w)
        np.testing.assert_allclose(car, ref.car[w], rtol=0, atol=1e-10)
        np.testing.assert_allclose(var, ref.car_var[w], rtol=0, atol=1e-10)
        table = run.fit_table
        assert len(table) == len(pr)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = car / np.sqrt(var)
        np.testing.assert_allclose(t, ref.car_t[w], rtol=0, atol=1e-10)


@pytest.mark.parametrize("unit", ["s", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC"])
def test_day_positions_equal_pandas_get_indexer(unit: str, tz: str | None) -> None:
    rng = np.random.default_rng(2)
    sessions = pd.bdate_range("2020-01-01", periods=300, tz=tz).as_unit(unit)
    days = pd.DatetimeIndex(
        list(rng.choice(sessions, 40)) + list(pd.date_range("2019-12-01", periods=40, tz=tz))
    ).insert(0, pd.NaT)
    np.testing.assert_array_equal(engine.positions(sessions, days), sessions.get_indexer(days))
    shuffled = sessions[rng.permutation(len(sessions))]  # unsorted: pandas' own lookup
    np.testing.assert_array_equal(engine.positions(shuffled, days), shuffled.get_indexer(days))


def test_results_do_not_depend_on_the_memory_layout_of_the_returns() -> None:
    """Few firm-events read the panel in place, whatever its layout, with the same numbers."""
    returns, market = panel(3, missing=0.05)
    pr = pairs(returns, 3, 2, n_events=1)  # 2 x 251 reads, well under a quarter of the panel
    every_other = np.repeat(returns.to_numpy(), 2, axis=1)[:, ::2]  # neither C nor F order
    layouts = {  # name: (frame, (C-contiguous, F-contiguous))
        "column-major": (
            pd.DataFrame(np.asfortranarray(returns), returns.index, returns.columns),
            (False, True),
        ),
        "row-major": (
            pd.DataFrame(returns.to_numpy().T, index=returns.columns, columns=returns.index).T,
            (True, False),
        ),
        "strided": (
            pd.DataFrame(every_other, returns.index, returns.columns, copy=False),  # a view
            (False, False),
        ),
    }
    runs = {}
    for name, (frame, flags) in layouts.items():
        values = frame.to_numpy(dtype=float)
        assert (values.flags.c_contiguous, values.flags.f_contiguous) == flags, name
        firm = engine.make_panel(frame, market, pr, days_per_pair=251)[0].firm
        assert np.shares_memory(firm, values), name  # read in place, not copied
        runs[name] = engine.estimate(
            pr, frame, market, MODEL, ESTIMATION, WINDOWS, _groups(pr), chunk_size=1
        )
    ref = reference_market_model(pr, returns, market, ESTIMATION, WINDOWS, min_nobs=120)
    for name, run in runs.items():
        np.testing.assert_allclose(run.fit.ar, ref.ar, rtol=0, atol=1e-10, err_msg=name)
        np.testing.assert_array_equal(run.fit.ar, runs["column-major"].fit.ar)
        for key, (n, caar, got) in run.results.items():
            want = runs["column-major"].results[key]
            assert (n, caar) == want[:2]
            for test, result in got.items():
                np.testing.assert_array_equal(result.stat, want[2][test].stat)


@pytest.mark.parametrize("missing", ["nan", "skip"])
@pytest.mark.parametrize("ties", [False, True])
def test_engine_tests_match_registered_functions(missing: str, ties: bool) -> None:
    """Chunks of 7 firm-events in overlapping group layers, combined, give the statistics of one
    in-memory chunk of each group (the combine steps and the layout are what is tested)."""
    returns, market = panel(7, missing=0.03)
    if ties:  # rounded returns repeat (firm, market) pairs, so residuals and ARs tie
        returns, market = returns.round(2), market.round(2)
    pr = pairs(returns, 7, 60)
    groups = _groups(pr)
    run = engine.estimate(
        pr, returns, market, MODEL, ESTIMATION, WINDOWS, groups, missing=missing, chunk_size=7
    )
    sample = build_sample(pr, returns, market, ESTIMATION, WINDOWS)
    fit = MODEL.fit(sample)
    for w in WINDOWS:
        for g, rows in groups.items():
            cs = CrossSection.from_fit(fit, rows, w, missing)
            n, caar, got = run.results[(g, w)]
            assert n == cs.n
            assert caar == pytest.approx(float(np.mean(cs.car)), abs=1e-12)
            for name, spec in TESTS.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = spec(cs)
                assert got[name].distribution == want.distribution, (g, w, name)
                if np.isfinite(want.stat):
                    assert got[name].stat == pytest.approx(want.stat, abs=1e-10), (g, w, name)
                    assert got[name].p_value == pytest.approx(want.p_value, abs=1e-10)
                else:
                    assert not np.isfinite(got[name].stat)
                    assert got[name].reason == want.reason


def test_kolari_pynnonen_subsample_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 firm-events on one date: 780 overlapping pairs; a budget of 110 draws
    # floor(40 * sqrt(110 / 780)) = 15 of them
    monkeypatch.setattr(correlation, "KP_MAX_PAIRS", 110)
    returns, market = panel(3, n_firms=40, missing=0.0)
    pr = pairs(returns, 3, 40, n_events=1)
    pr["day0"] = returns.index[400]  # one shared date: every window overlaps
    pr = pr.drop_duplicates("ticker").reset_index(drop=True)
    run = engine.estimate(
        pr, returns, market, MODEL, ESTIMATION, WINDOWS, {"ALL": np.arange(len(pr))}
    )
    _, _, res = run.results[("ALL", (0, 0))]
    kp = res["kolari_pynnonen"]
    assert "random subsample of 15" in kp.reason
    # the subsample's r-bar, by the registered formula on those 15 firm-events
    fit = MODEL.fit(build_sample(pr, returns, market, ESTIMATION, WINDOWS))
    rng = np.random.default_rng(correlation.KP_SEED)
    sub = np.sort(rng.choice(np.arange(len(pr)), 15, replace=False))
    rbar = average_cross_correlation(CrossSection.from_fit(fit, sub, (0, 0)))
    full = CrossSection.from_fit(fit, np.arange(len(pr)), (0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_bmp = TESTS["bmp"](full).stat
    n = full.n
    want = t_bmp * np.sqrt((1 - rbar) / (1 + (n - 1) * rbar))
    assert kp.stat == pytest.approx(want, abs=1e-10)


def test_clustering_measure_matches_pairwise_version() -> None:
    returns, market = panel(5)
    rng = np.random.default_rng(5)
    for _ in range(30):
        pr = pairs(returns, int(rng.integers(1000)), int(rng.integers(2, 25)), n_events=30)
        sample = build_sample(pr, returns, market, ESTIMATION, WINDOWS)
        rows = np.arange(len(pr))
        got = clustered_dates(sample, rows)
        # oracle: compare every pair of event spans in calendar time
        pos = sample.evt_pos[rows]
        spans = [(p[p >= 0].min(), p[p >= 0].max()) if (p >= 0).any() else None for p in pos]
        overlapping = [
            any(
                j != i and o is not None and s is not None and s[0] <= o[1] and o[0] <= s[1]
                for j, o in enumerate(spans)
            )
            for i, s in enumerate(spans)
        ]
        day0 = list(sample.pairs["day0"])
        same = [day0.count(d) > 1 for d in day0]
        assert got.share_overlapping == pytest.approx(np.mean(overlapping), abs=1e-15)
        assert got.share_same_day0 == pytest.approx(np.mean(same), abs=1e-15)


def test_study_results_do_not_depend_on_chunk_size() -> None:
    returns, market = panel(11, n_firms=30)
    events = event_set(11, returns, n_events=4, per_event=9)
    provider = FramePrices(prices_long(returns, market))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = EventStudy(events).run(provider)
        many = EventStudy(events, chunk_size=4).run(provider)
    pd.testing.assert_frame_equal(one.car, many.car, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(one.aar, many.aar, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(one.model_fit, many.model_fit, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(one.exclusions, many.exclusions)
    cols = ["statistic", "p_value"]
    np.testing.assert_allclose(one.tests[cols], many.tests[cols], rtol=0, atol=1e-10)
    assert many.fit.est_resid.shape == (len(many.fit.sample.pairs), 0)  # compact fit


def test_bad_options_are_named() -> None:
    returns, market = panel(1)
    events = event_set(1, returns, 2, 3)
    with pytest.raises(InputError, match=r"executor='spark' is not a valid choice.*'dask'"):
        EventStudy(events, executor="spark")
    with pytest.raises(InputError, match=r"chunk_size=0 must be at least 1"):
        EventStudy(events, chunk_size=0)
    with pytest.raises(InputError, match=r"chunk_size=2.5 is not a whole number"):
        EventStudy(events, chunk_size=2.5)
