"""Placebo-date permutation test: each draw's CAAR by hand, the p-value, size and power."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.errors import InputError
from eventstudy.models import MarketModel
from eventstudy.placebo import placebo_test

EST = (-100, -11)
WINDOWS = ((0, 0), (-1, 1))


def panel(seed: int, n_firms: int = 12, n_days: int = 900, effect: float = 0.0):
    """One-factor returns; two real event dates shared by six firms each, +effect on day 0."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2016-01-01", periods=n_days)
    market = rng.normal(0.0003, 0.01, n_days)
    beta = rng.uniform(0.5, 1.5, n_firms)
    values = market[:, None] * beta + rng.normal(0, 0.02, (n_days, n_firms))
    tickers = [f"F{i:02d}" for i in range(n_firms)]
    real = np.array([450] * (n_firms // 2) + [700] * (n_firms - n_firms // 2))
    values[real, np.arange(n_firms)] += effect
    returns = pd.DataFrame(values, index=dates, columns=tickers)
    pairs = pd.DataFrame({"event_id": "e", "ticker": tickers, "day0": dates[real]})
    return returns, pd.DataFrame({"MKT": market}, index=dates), pairs


def hand_car(returns, market, ticker, day0, window):  # noqa: ANN001, ANN201
    """Market model by least squares on the estimation window, CAR over the window."""
    p0 = returns.index.get_loc(day0)
    est = slice(p0 + EST[0], p0 + EST[1] + 1)
    y, m = returns[ticker].to_numpy()[est], market["MKT"].to_numpy()[est]
    x = np.column_stack([np.ones(len(m)), m])
    a, b = np.linalg.lstsq(x, y, rcond=None)[0]
    win = slice(p0 + window[0], p0 + window[1] + 1)
    return float((returns[ticker].to_numpy()[win] - a - b * market["MKT"].to_numpy()[win]).sum())


def observed(returns, market, pairs):  # noqa: ANN001, ANN201
    out = {}
    for w in WINDOWS:
        cars = [hand_car(returns, market, r.ticker, r.day0, w) for r in pairs.itertuples()]
        out[w] = (len(cars), float(np.mean(cars)))
    return out


def test_each_draw_is_the_caar_on_its_pseudo_dates() -> None:
    returns, market, pairs = panel(1)
    obs = observed(returns, market, pairs)
    res = placebo_test(
        pairs, returns, market, MarketModel(min_nobs=50), EST, WINDOWS, obs, draws=20, seed=3
    )
    dates = returns.index
    for b in range(3):
        pseudo = pd.DatetimeIndex(res.pseudo_day0[b])
        # firms that share a real date share its pseudo date
        assert pseudo[:6].nunique() == 1 and pseudo[6:].nunique() == 1
        pos = dates.get_indexer(pseudo)
        assert (pos + EST[0] >= 0).all() and (np.abs(pos[:, None] - [450, 700]) > 2).all()
        for k, w in enumerate(WINDOWS):
            want = np.mean(
                [
                    hand_car(returns, market, t, d, w)
                    for t, d in zip(pairs["ticker"], pseudo, strict=True)
                ]
            )
            assert res.draws[b, k] == pytest.approx(want, rel=1e-9, abs=1e-14)
    for k, w in enumerate(WINDOWS):
        row = res.table.iloc[k]
        extreme = (np.abs(res.draws[:, k]) >= abs(obs[w][1])).sum()
        assert row["p_value"] == pytest.approx((1 + extreme) / 21)
        assert row["caar"] == obs[w][1] and row["draws"] == 20


def test_seeded_and_reproducible() -> None:
    returns, market, pairs = panel(2)
    obs = observed(returns, market, pairs)
    one = placebo_test(
        pairs, returns, market, MarketModel(min_nobs=50), EST, WINDOWS, obs, draws=15
    )
    two = placebo_test(
        pairs, returns, market, MarketModel(min_nobs=50), EST, WINDOWS, obs, draws=15
    )
    np.testing.assert_array_equal(one.draws, two.draws)


@pytest.mark.slow
def test_size_and_power() -> None:
    # 60 panels: under no effect p < 0.05 in few; with +4% on day 0 (2 sd) in nearly all
    null = power = 0
    for seed in range(60):
        for effect in (0.0, 0.04):
            returns, market, pairs = panel(100 + seed, effect=effect)
            obs = observed(returns, market, pairs)
            res = placebo_test(
                pairs, returns, market, MarketModel(min_nobs=50), EST, ((0, 0),),
                {(0, 0): obs[(0, 0)]}, draws=99, seed=seed,
            )  # fmt: skip
            hit = res.table["p_value"].iloc[0] < 0.05
            null, power = (null + hit, power) if effect == 0 else (null, power + hit)
    assert null <= 8  # 5% of 60 is 3; 8 is beyond 2.5 binomial sd
    assert power >= 50


def test_short_history_is_one_sentence() -> None:
    returns, market, pairs = panel(3)
    # 125 sessions around the first date: 17 possible pseudo dates
    short, short_market = returns.iloc[340:465], market.iloc[340:465]
    with pytest.raises(InputError, match="the prices allow 17 placebo event dates"):
        placebo_test(pairs.iloc[:6], short, short_market, MarketModel(), EST, WINDOWS, {}, draws=20)
    with pytest.raises(InputError, match="draws=5 is too few"):
        placebo_test(pairs, returns, market, MarketModel(), EST, WINDOWS, {}, draws=5)


def test_study_result_placebo() -> None:
    from eventstudy.study import EventStudy
    from tests.scale import synthetic

    returns, market = synthetic.panel(51, n_firms=20, n_days=700)
    events = synthetic.event_set(52, returns, n_events=4, per_event=6)
    result = EventStudy(events).run(synthetic.FramePrices(synthetic.prices_long(returns, market)))
    res = result.placebo(draws=30, seed=1)
    assert list(zip(res.table["window_start"], res.table["window_end"], strict=True)) == list(
        events.windows
    )
    cars = result.car.query("window_start == 0 and window_end == 0")["car"].dropna()
    assert res.table["caar"].iloc[0] == pytest.approx(cars.mean(), rel=1e-12)
    assert ((res.table["p_value"] > 0) & (res.table["p_value"] <= 1)).all()


@pytest.mark.dask
def test_dask_executor_gives_the_same_draws() -> None:
    returns, market, pairs = panel(4)
    obs = observed(returns, market, pairs)
    args = (pairs, returns, market, MarketModel(min_nobs=50), EST, WINDOWS, obs)
    local = placebo_test(*args, draws=12, seed=5)
    remote = placebo_test(*args, draws=12, seed=5, executor="dask")
    np.testing.assert_allclose(remote.draws, local.draws, rtol=1e-12, atol=1e-15)
