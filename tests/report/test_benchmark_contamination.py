"""benchmark_contamination: weights by hand, the warning threshold and input errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eventstudy.errors import BenchmarkContaminationWarning, InputError
from eventstudy.sensitivity import benchmark_contamination

# NVDA 24.49e9 shares x 142.62 and AVGO 4,670,576,083 x 244.70 on 2025-01-24 (10-Q cover pages);
# S&P 500 total market value about 52 trillion USD (approximate public figure, see the case study).
NVDA = 24.49e9 * 142.62
AVGO = 4_670_576_083 * 244.70
SP500 = 52e12


def test_deepseek_weight_in_the_sp500_is_about_nine_percent_and_warns() -> None:
    with pytest.warns(BenchmarkContaminationWarning, match=r"NVDA\+AVGO\) weigh 8\.9% of SPY"):
        table = benchmark_contamination({"NVDA": NVDA, "AVGO": AVGO}, {"SPY": SP500})
    row = table.iloc[0]
    assert row["firms"] == "NVDA+AVGO"
    assert row["weight"] == pytest.approx((3.4926e12 + 1.1429e12) / 52e12, rel=1e-3)
    assert row["weight"] == pytest.approx(0.0891, abs=5e-4)
    assert bool(row["contaminated"])
    assert np.isnan(row["own_contribution"])


def test_own_contribution_is_the_weighted_sum_of_returns() -> None:
    with pytest.warns(BenchmarkContaminationWarning):
        table = benchmark_contamination(
            {"NVDA": NVDA, "AVGO": AVGO},
            {"SPY": SP500},
            firm_returns={"NVDA": -0.16968, "AVGO": -0.17397},
            benchmark_returns={"SPY": -0.01415},
        )
    expected = NVDA / SP500 * -0.16968 + AVGO / SP500 * -0.17397
    assert table.loc[0, "own_contribution"] == pytest.approx(expected, rel=1e-12)
    assert table.loc[0, "own_contribution"] == pytest.approx(-0.0152, abs=2e-4)
    assert table.loc[0, "benchmark_return"] == -0.01415


def test_below_the_threshold_no_warning_and_several_benchmarks() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = benchmark_contamination({"A": 1e9, "B": np.nan}, {"X": 1e12, "Y": 4e10})
    # X: 0.1% (below 5%), Y: 2.5% (below 5%); B has no value and is left out.
    assert list(table["benchmark"]) == ["X", "Y"]
    assert table["weight"].tolist() == pytest.approx([1e-3, 0.025])
    assert table["firms"].tolist() == ["A", "A"]
    assert not table["contaminated"].any()


def test_threshold_is_configurable_and_names_only_the_benchmarks_above_it() -> None:
    with pytest.warns(BenchmarkContaminationWarning) as record:
        table = benchmark_contamination({"A": 1e9}, {"X": 1e12, "Y": 4e10}, threshold=0.02)
    assert table["contaminated"].tolist() == [False, True]
    assert len(record) == 1
    assert "2.5% of Y" in str(record[0].message) and "of X" not in str(record[0].message)


@pytest.mark.parametrize("threshold", [0, 1, -0.1, 1.5, "high", float("nan")])
def test_threshold_out_of_range(threshold) -> None:
    with pytest.raises(InputError, match=r"threshold=.* strictly between 0 and 1"):
        benchmark_contamination({"A": 1e9}, {"X": 1e12}, threshold=threshold)


@pytest.mark.parametrize("value", [0, -5e12, float("nan"), "52T", None])
def test_benchmark_value_must_be_positive(value) -> None:
    with pytest.raises(InputError, match=r"benchmark_market_value for benchmark 'SPY' is"):
        benchmark_contamination({"A": 1e9}, {"SPY": value})


def test_firms_larger_than_the_benchmark_are_rejected() -> None:
    with pytest.raises(InputError, match=r"less than the event firms' own .*A\+B"):
        benchmark_contamination({"A": 3e12, "B": 2e12}, {"SPY": 4e12})
