"""The DeepSeek case on the shared snapshot: the figures the core issue must show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy import EventStudy, load_events
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.data.shares import LocalSharesProvider

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"


@pytest.fixture(scope="module")
def result(snapshot_dir: Path):
    study = EventStudy(load_events(EVENTS))
    return study.run(
        LocalPriceProvider(snapshot_dir / "prices.csv"),
        LocalSharesProvider(snapshot_dir / "shares_outstanding.csv"),
    )


@pytest.fixture(scope="module")
def raw_prices(snapshot_dir: Path) -> pd.DataFrame:
    return pd.read_csv(snapshot_dir / "prices.csv", parse_dates=["date"])


def close_on(prices: pd.DataFrame, ticker: str, day: str, field: str = "close") -> float:
    row = prices[(prices["ticker"] == ticker) & (prices["date"] == day)]
    return float(row[field].iloc[0])


def test_raw_returns_on_the_selloff(result, raw_prices) -> None:
    ar = result.abnormal_returns
    day = ar[(ar["event_id"] == "selloff") & (ar["rel_day"] == 0)].set_index("ticker")
    for ticker, printed in (("NVDA", -16.97), ("AVGO", -17.40)):
        expected = (
            close_on(raw_prices, ticker, "2025-01-27", "adj_close")
            / close_on(raw_prices, ticker, "2025-01-24", "adj_close")
            - 1
        )
        assert day.loc[ticker, "return"] == pytest.approx(expected, abs=1e-12)
        assert round(day.loc[ticker, "return"] * 100, 2) == printed
        assert day.loc[ticker, "date"] == pd.Timestamp("2025-01-27")


def test_market_value_changes_match_the_press(result, raw_prices) -> None:
    mv = result.market_value
    day = mv[(mv["event_id"] == "selloff") & (mv["rel_day"] == 0)].set_index("ticker")
    nvda_prev = 24_490_000_000 * close_on(raw_prices, "NVDA", "2025-01-24")
    assert day.loc["NVDA", "market_value_prev"] == pytest.approx(nvda_prev)
    # 24.49B shares x -$24.20 = -$592.7B (Reuters/LSEG)
    assert day.loc["NVDA", "raw_change_usd"] / 1e9 == pytest.approx(-592.7, abs=0.05)
    assert day.loc["AVGO", "raw_change_usd"] / 1e9 == pytest.approx(-198.8, abs=0.05)
    claims = result.claims.set_index("claim")
    combined = claims[claims["tickers"] == "NVDA+AVGO"].iloc[0]
    assert combined["computed_raw_usd"] / 1e9 == pytest.approx(-791.5, abs=0.1)
    assert combined["reported_usd"] == -800e9
    assert combined["difference_pct"] == pytest.approx((-791.5e9 + 800e9) / 800e9 * 100, abs=0.02)
    assert np.isfinite(combined["computed_abnormal_usd"])
    assert combined["computed_abnormal_usd"] != combined["computed_raw_usd"]


def test_every_abnormal_return_matches_statsmodels(result, raw_prices) -> None:
    """Refit the market model for each firm by hand with statsmodels on the same sessions."""
    us = raw_prices[raw_prices["ticker"] != "^N225"]  # Tokyo sessions are not NYSE sessions
    px = us.pivot(index="date", columns="ticker", values="adj_close")
    ret = px.pct_change(fill_method=None)
    sessions = ret.index
    ar = result.abnormal_returns.dropna(subset=["abnormal_return"])
    checked = 0
    for (event_id, ticker), part in ar.groupby(["event_id", "ticker"]):
        pairs = result.fit.sample.pairs
        day0 = pairs.loc[(pairs["event_id"] == event_id) & (pairs["ticker"] == ticker), "day0"]
        p0 = sessions.get_loc(day0.iloc[0])
        est = ret.iloc[p0 - 250 : p0 - 10]
        res = sm.OLS(est[ticker].to_numpy(), sm.add_constant(est["SPY"].to_numpy())).fit()
        expected = ret.loc[part["date"], ticker].to_numpy() - res.predict(
            sm.add_constant(ret.loc[part["date"], "SPY"].to_numpy(), has_constant="add")
        )
        np.testing.assert_allclose(part["abnormal_return"].to_numpy(), expected, atol=1e-10)
        checked += 1
    assert checked == 4 * 19


def test_event_days_are_aligned_to_sessions(result) -> None:
    day0 = result.fit.sample.pairs.groupby("event_id")["day0"].first()
    assert day0["v3"] == pd.Timestamp("2024-12-26")
    assert day0["r1"] == pd.Timestamp("2025-01-21")  # MLK day holiday -> Tuesday
    assert day0["app-no1"] == pd.Timestamp("2025-01-27")  # Sunday -> Monday
    assert day0["selloff"] == pd.Timestamp("2025-01-27")


def test_tables_have_the_documented_columns(result) -> None:
    assert {
        "event_id",
        "ticker",
        "date",
        "rel_day",
        "return",
        "normal_return",
        "abnormal_return",
    } <= set(result.abnormal_returns.columns)
    assert {
        "event_id",
        "ticker",
        "window_start",
        "window_end",
        "car",
        "se",
        "t_stat",
        "p_value",
    } <= set(result.car.columns)
    assert {
        "event_id",
        "window_start",
        "window_end",
        "n_firms",
        "caar",
        "test",
        "statistic",
        "p_value",
    } <= set(result.tests.columns)
    assert {
        "event_id",
        "ticker",
        "date",
        "market_value_prev",
        "raw_change_usd",
        "abnormal_change_usd",
    } <= set(result.market_value.columns)
    assert {
        "claim",
        "reported_usd",
        "computed_raw_usd",
        "computed_abnormal_usd",
        "difference_pct",
        "source",
    } <= set(result.claims.columns)
    windows = set(zip(result.car["window_start"], result.car["window_end"], strict=True))
    assert windows == {(0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5)}


def test_firms_without_share_counts_keep_their_returns(result) -> None:
    mv = result.market_value
    tsm = mv[(mv["ticker"] == "TSM") & (mv["event_id"] == "selloff") & (mv["rel_day"] == 0)]
    assert tsm["market_value_prev"].isna().all()
    assert "no share count" in tsm["shares_note"].iloc[0]
    assert np.isfinite(tsm["return"].iloc[0])


def test_caar_t_test_matches_scipy(result) -> None:
    from scipy import stats

    tests = result.tests
    row = tests[
        (tests["event_id"] == "selloff")
        & (tests["test"] == "cross_sectional_t")
        & (tests["window_start"] == 0)
        & (tests["window_end"] == 0)
    ].iloc[0]
    car = result.car
    cars = car[
        (car["event_id"] == "selloff") & (car["window_start"] == 0) & (car["window_end"] == 0)
    ]["car"].to_numpy()
    ref = stats.ttest_1samp(cars, 0.0)
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert row["n_firms"] == 19


def test_report_lists_every_registered_test_for_the_selloff(result, tmp_path) -> None:
    """The 2025-01-27 report names each test statistic of the battery, over the 19 tickers."""
    from eventstudy.report import write_report
    from eventstudy.stats import TESTS

    write_report(result, tmp_path)
    text = (tmp_path / "report.md").read_text()
    tests = result.tests
    day0 = tests[
        (tests["event_id"] == "selloff") & (tests["window_start"] == 0) & (tests["window_end"] == 0)
    ]
    assert set(day0["test"]) == set(TESTS)
    assert (day0["n_firms"] == 19).all()
    for name in TESTS:
        assert name in text
    # clustered sample: the robust tests come first
    assert day0.sort_values("order")["clustering_robust"].iloc[0]
    assert bool(day0["clustered"].all())
