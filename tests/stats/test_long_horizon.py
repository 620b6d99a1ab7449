"""Long-horizon tests: Hall's t by hand, the LBT bootstrap by a loop, and their size."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from eventstudy.errors import InputError
from eventstudy.stats.long_horizon import bootstrap_p_value, long_horizon_tests, skewness_adjusted


def hall_t(x: np.ndarray) -> float:
    """Scalar loop: S, gamma and t_sa as Lyon, Barber and Tsai (1999, eq. 5) plus Hall's cubic."""
    n = len(x)
    mean = sum(x) / n
    sd = (sum((v - mean) ** 2 for v in x) / (n - 1)) ** 0.5
    s = mean / sd
    gamma = sum((v - mean) ** 3 for v in x) / (n * sd**3)
    return n**0.5 * (s + gamma * s**2 / 3 + gamma**2 * s**3 / 27 + gamma / (6 * n))


def test_skewness_adjusted_t_by_hand_and_along_an_axis() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(0, 1, (4, 25)) - 1.5
    got = skewness_adjusted(x)
    for row, value in zip(x, got, strict=True):
        assert value == pytest.approx(hall_t(list(row)), rel=1e-12)
    assert np.isnan(skewness_adjusted(np.ones(5)))


def test_bootstrap_p_value_equals_a_resample_loop() -> None:
    rng = np.random.default_rng(2)
    x = rng.lognormal(0, 1, 40) - 1.4
    observed = hall_t(list(x))
    draws = np.random.default_rng(7).integers(0, 40, (500, 10))
    centred = x - x.mean()
    boot = np.array([hall_t(list(centred[d])) for d in draws])
    want = 2 * min((boot <= observed).mean(), (boot >= observed).mean())
    assert bootstrap_p_value(x, resamples=500, seed=7) == pytest.approx(want, abs=1e-12)


@pytest.mark.slow
def test_bootstrap_is_near_nominal_size_on_skewed_data() -> None:
    # BHAR-like values: right-skewed with mean 0; 300 samples of 60
    rejections_boot = rejections_t = 0
    reps = 300
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        x = rng.lognormal(0, 1, 60) - np.exp(0.5)
        rejections_boot += bootstrap_p_value(x, resamples=299, seed=seed) < 0.05
        t = x.mean() / (x.std(ddof=1) / np.sqrt(60))
        rejections_t += 2 * sps.t.sf(abs(t), 59) < 0.05
    # binomial band around 5% for 300 draws is about +-3.8 points (3 sd)
    assert 0.01 <= rejections_boot / reps <= 0.09
    assert rejections_boot <= rejections_t  # the skew-blind t rejects more


def test_long_horizon_table_per_group() -> None:
    import pandas as pd

    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {"event_id": np.repeat(["a", "b"], 30), "bhar": rng.lognormal(0, 0.8, 60) - 1.2}
    )
    table.loc[5, "bhar"] = np.nan
    out = long_horizon_tests(table, "bhar", (0, 125), resamples=199, seed=4)
    assert list(out["event_id"]) == ["a", "b"] and list(out["n_firms"]) == [29, 30]
    a = table.query("event_id == 'a'")["bhar"].dropna().to_numpy()
    row = out.iloc[0]
    assert row["skew_adjusted_t"] == pytest.approx(hall_t(list(a)), rel=1e-12)
    t = a.mean() / (a.std(ddof=1) / np.sqrt(len(a)))
    assert row["t_stat"] == pytest.approx(t, rel=1e-12)
    assert row["t_p_value"] == pytest.approx(2 * sps.t.sf(abs(t), len(a) - 1), rel=1e-9)


def test_study_result_long_horizon() -> None:
    from eventstudy.study import EventStudy
    from tests.scale import synthetic

    returns, market = synthetic.panel(41, n_firms=20, n_days=600)
    events = synthetic.event_set(42, returns, n_events=4, per_event=8)
    result = EventStudy(events).run(synthetic.FramePrices(synthetic.prices_long(returns, market)))
    out = result.long_horizon((-5, 5), resamples=199)
    assert list(out["event_id"]) == ["ev0", "ev1", "ev2", "ev3", "ALL"]
    bhar = result.car.query("window_start == -5 and window_end == 5")["bhar"].dropna()
    assert out.iloc[-1]["n_firms"] == len(bhar)
    assert out.iloc[-1]["skew_adjusted_t"] == pytest.approx(hall_t(list(bhar)), rel=1e-10)
    with pytest.raises(InputError, match="resamples=10 is too few"):
        result.long_horizon(resamples=10)
    with pytest.raises(InputError, match=r"window=\(0, 125\) is not among"):
        result.long_horizon((0, 125))
