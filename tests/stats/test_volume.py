"""Abnormal volume against estimation means and regressions worked out in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from eventstudy.errors import InputError
from eventstudy.volume import abnormal_volume

ESTIMATION = (-120, -11)
WINDOWS = ((0, 0), (-1, 1))


def volume_panel(seed: int, n_firms: int = 30, n_days: int = 320, spike: float = 1.0):
    """Log-normal share volume with a common market component; event firms trade ``spike`` x."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    market = rng.normal(0, 0.3, n_days)
    level = rng.uniform(12, 16, n_firms)
    logv = level + 0.8 * market[:, None] + rng.normal(0, 0.4, (n_days, n_firms))
    tickers = [f"V{i:02d}" for i in range(n_firms)]
    volume = pd.DataFrame(np.expm1(logv), index=dates, columns=tickers)
    volume["MKT"] = np.expm1(18 + market)
    day0 = dates[rng.integers(150, n_days - 5, n_firms)]
    pairs = pd.DataFrame({"event_id": "e", "ticker": tickers, "day0": day0})
    for t, d in zip(tickers, day0, strict=True):
        volume.loc[d, t] *= spike
    volume = volume.mask(rng.random(volume.shape) < 0.02)
    return volume, pairs


def all_rows(pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    return {"ALL": np.arange(len(pairs))}


def by_hand_mean_adjusted(volume: pd.DataFrame, pairs: pd.DataFrame, window):  # noqa: ANN001, ANN201
    """CAV of each firm-event: log(1+V) over the window less its estimation-window mean."""
    out = []
    for row in pairs.itertuples():
        v = np.log1p(volume[row.ticker])
        p0 = volume.index.get_loc(row.day0)
        normal = v.iloc[p0 + ESTIMATION[0] : p0 + ESTIMATION[1] + 1].mean()  # NaN skipped
        out.append((v.iloc[p0 + window[0] : p0 + window[1] + 1] - normal).sum(skipna=False))
    return np.array(out)


def test_mean_adjusted_cav_and_t_equal_a_hand_computation() -> None:
    volume, pairs = volume_panel(1, spike=3.0)
    res = abnormal_volume(volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs), min_nobs=50)
    for window in WINDOWS:
        want = by_hand_mean_adjusted(volume, pairs, window)
        got = res.cumulative.query("window_start == @window[0] and window_end == @window[1]")
        np.testing.assert_allclose(got["cav"].to_numpy(), want, rtol=1e-10, atol=1e-12)
        row = res.tests.query(
            "test == 'cross_sectional_t' and window_start == @window[0] and window_end == @window[1]"
        ).iloc[0]
        ok = want[np.isfinite(want)]
        t = ok.mean() / (ok.std(ddof=1) / np.sqrt(len(ok)))
        np.testing.assert_allclose(row["statistic"], t, rtol=1e-10)
        np.testing.assert_allclose(row["p_value"], 2 * sps.t.sf(abs(t), len(ok) - 1), rtol=1e-8)
    # a tripling of volume on day 0 is log(3) of abnormal log volume, found by every test
    day0 = res.cumulative.query("window_start == 0 and window_end == 0")["cav"]
    assert abs(day0.mean() - np.log(3)) < 0.25
    assert (res.tests.query("window_start == 0 and window_end == 0")["p_value"] < 1e-4).all()


def test_market_model_of_log_volume_equals_statsmodels_per_firm() -> None:
    volume, pairs = volume_panel(2)
    res = abnormal_volume(
        volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs), benchmark="MKT", model="market"
    )
    logv = np.log1p(volume)
    for row in pairs.head(5).itertuples():
        p0 = volume.index.get_loc(row.day0)
        est = logv.iloc[p0 + ESTIMATION[0] : p0 + ESTIMATION[1] + 1][[row.ticker, "MKT"]].dropna()
        ols = sm.OLS(est[row.ticker], sm.add_constant(est["MKT"])).fit()
        x0 = logv.iloc[p0]
        want = x0[row.ticker] - ols.params["const"] - ols.params["MKT"] * x0["MKT"]
        got = res.daily.query("ticker == @row.ticker and rel_day == 0")["abnormal_volume"]
        np.testing.assert_allclose(got.iloc[0], want, rtol=1e-9, atol=1e-12)


def test_no_spike_keeps_the_rank_test_quiet() -> None:
    volume, pairs = volume_panel(3, n_firms=60)
    res = abnormal_volume(volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs))
    rank = res.tests.query("test == 'corrado_rank' and window_start == 0 and window_end == 0")
    assert rank["p_value"].iloc[0] > 0.001


def test_mostly_zero_volume_is_a_named_exclusion() -> None:
    volume, pairs = volume_panel(4)
    volume.loc[:, "V03"] = 0.0
    res = abnormal_volume(volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs))
    row = res.cumulative.query("ticker == 'V03'")
    assert row["cav"].isna().all()
    assert set(row["reason"]) == {"zero volume on more than half the estimation days"}
    assert "V03" not in set(res.daily["ticker"])  # not estimated, not tested
    assert (res.tests["n_firms"] <= len(pairs) - 1).all()


def test_bad_input_is_one_sentence() -> None:
    volume, pairs = volume_panel(5)
    with pytest.raises(InputError, match="needs a 'volume' column with values"):
        abnormal_volume(volume * np.nan, pairs, ESTIMATION, WINDOWS, all_rows(pairs))
    with pytest.raises(InputError, match="needs shares outstanding"):
        abnormal_volume(volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs), measure="turnover")
    with pytest.raises(InputError, match=r"needs the benchmark's volume \(SPY\)"):
        abnormal_volume(
            volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs), benchmark="SPY", model="market"
        )


def test_turnover_is_percent_of_shares() -> None:
    volume, pairs = volume_panel(6)
    shares = pd.DataFrame(5e8, index=volume.index, columns=volume.columns)
    res = abnormal_volume(
        volume, pairs, ESTIMATION, WINDOWS, all_rows(pairs), measure="turnover", shares=shares
    )
    row = pairs.iloc[0]
    got = res.daily.query("ticker == @row.ticker and rel_day == 0")["log_volume"].iloc[0]
    np.testing.assert_allclose(got, np.log1p(100 * volume.loc[row.day0, row.ticker] / 5e8))


@pytest.mark.snapshot
def test_nvidia_volume_on_27_january_2025_against_its_normal(snapshot_dir) -> None:  # noqa: ANN001
    prices = pd.read_csv(snapshot_dir / "prices.csv", parse_dates=["date"])
    volume = prices.pivot(index="date", columns="ticker", values="volume").sort_index()
    volume = volume[volume["NVDA"].notna()]  # NYSE sessions (other listings add other days)
    pairs = pd.DataFrame(
        {"event_id": ["selloff"], "ticker": ["NVDA"], "day0": [pd.Timestamp("2025-01-27")]}
    )
    res = abnormal_volume(volume, pairs, (-250, -11), ((0, 0),), {"ALL": np.array([0])})
    # by hand: log(1 + V) on the day less its mean over sessions -250..-11 (the file's rows)
    v = np.log1p(volume["NVDA"].dropna())
    p0 = v.index.get_loc(pd.Timestamp("2025-01-27"))
    normal = v.iloc[p0 - 250 : p0 - 10].mean()
    got = res.daily.query("rel_day == 0").iloc[0]
    np.testing.assert_allclose(got["normal_log_volume"], normal, rtol=1e-12)
    np.testing.assert_allclose(got["abnormal_volume"], v.iloc[p0] - normal, rtol=1e-12)
    # Nvidia traded about 818 million shares that day, about 2.4x its (geometric) normal volume
    assert 800e6 < volume.loc["2025-01-27", "NVDA"] < 840e6
    assert np.log(2.2) < got["abnormal_volume"] < np.log(2.6)
