"""Reduced size simulation (the full table is docs/size_power.md, from benchmarks/size_power.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from scipy import stats as sps

from eventstudy.stats import TESTS

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "size_power.py"
SAMPLES = 150


def load_benchmark():
    spec = importlib.util.spec_from_file_location("size_power_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def band(n: int, level: float = 0.999) -> tuple[float, float]:
    """Binomial band of a 5% rejection rate over n samples (wide: 26 cells are checked)."""
    return (
        sps.binom.ppf((1 - level) / 2, n, 0.05) / n,
        sps.binom.ppf(1 - (1 - level) / 2, n, 0.05) / n,
    )


@pytest.mark.slow
def test_size_under_independent_dates_is_nominal():
    bench = load_benchmark()
    table = bench.simulate("independent", SAMPLES, 50, seed=7, shocks=(0.0,))
    lo, hi = band(SAMPLES)
    assert set(table["test"]) == set(TESTS)
    for row in table.itertuples():
        assert row.valid == SAMPLES, row.test
        assert lo <= row.rejection <= hi, (row.test, row.window, row.rejection)


@pytest.mark.slow
def test_clustering_with_cross_correlation_breaks_naive_tests_not_robust_ones():
    bench = load_benchmark()
    table = bench.simulate("clustered", SAMPLES, 50, seed=7, shocks=(0.0,))
    lo, hi = band(SAMPLES)
    rate = {(r.test, r.window): r.rejection for r in table.itertuples()}
    for name in ("cross_sectional_t", "patell", "bmp"):
        assert rate[(name, "[0,0]")] > hi, name  # over-rejects
    for name in (
        "kolari_pynnonen",
        "kolari_pynnonen_patell",
        "brown_warner",
        "portfolio_regression",
        "grank",
    ):
        for window in ("[0,0]", "[-1,1]"):
            assert lo <= rate[(name, window)] <= hi, (name, window)


@pytest.mark.slow
def test_power_rises_with_the_abnormal_return():
    bench = load_benchmark()
    table = bench.simulate("independent", 40, 50, seed=8, shocks=(0.01, 0.02), windows=((0, 0),))
    for name in (n for n, spec in TESTS.items() if spec.null == "mean CAR = 0"):
        one = table[(table.test == name) & (table.shock == 0.01)].rejection.iloc[0]
        two = table[(table.test == name) & (table.shock == 0.02)].rejection.iloc[0]
        assert two >= one and two > 0.9, name
