"""Event-date clustering detection and test ordering."""

from __future__ import annotations

import numpy as np
from stats_oracles import make_panel, sample_from

from eventstudy.stats import TESTS
from eventstudy.stats.clustering import clustered_dates, ordered_tests


def test_shared_day0_is_clustered():
    returns, market, pairs = make_panel(n_firms=5, n_days=300)
    sample = sample_from(returns, market, pairs)
    info = clustered_dates(sample, np.arange(5))
    assert info and info.share_same_day0 == 1.0 and info.share_overlapping == 1.0


def test_spread_dates_are_not_clustered():
    returns, market, pairs = make_panel(n_firms=3, n_days=320)
    pairs = pairs.assign(day0=returns.index[[260, 280, 300]])  # windows (-5, 5) do not meet
    sample = sample_from(returns, market, pairs)
    info = clustered_dates(sample, np.arange(3))
    assert not info
    assert info.share_same_day0 == 0.0 and info.share_overlapping == 0.0


def test_overlapping_windows_count_without_a_shared_day0():
    returns, market, pairs = make_panel(n_firms=3, n_days=320)
    pairs = pairs.assign(day0=returns.index[[260, 263, 300]])  # first two spans overlap
    sample = sample_from(returns, market, pairs)
    info = clustered_dates(sample, np.arange(3))
    assert info.share_same_day0 == 0.0
    assert info.share_overlapping == 2 / 3 and info.clustered


def test_single_firm_is_not_clustered():
    returns, market, pairs = make_panel(n_firms=2, n_days=300)
    sample = sample_from(returns, market, pairs)
    assert not clustered_dates(sample, np.arange(1))


def test_ordered_tests_puts_robust_first_only_when_clustered():
    assert ordered_tests(False) == list(TESTS)
    order = ordered_tests(True)
    flags = [TESTS[name].clustering_robust for name in order]
    assert sorted(order) == sorted(TESTS)
    assert flags == sorted(flags, reverse=True)
    robust = {n for n, s in TESTS.items() if s.clustering_robust}
    assert {"kolari_pynnonen", "kolari_pynnonen_patell", "brown_warner", "grank"} <= robust
    assert "portfolio_regression" in robust and "cross_sectional_t" not in robust
