"""Fixtures of the statistics tests."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from stats_oracles import SMALL_EST, SMALL_WINDOWS, make_panel, sample_from

from eventstudy.models import MarketModel


@pytest.fixture()
def panel() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    return make_panel()


@pytest.fixture(scope="module")
def small():
    """5 firms sharing day 0, a 50-day estimation window, +1% on day 0, plus an industry factor."""
    returns, market, pairs = make_panel(n_firms=5, n_days=80, seed=3, shock=0.01, industry_sd=0.006)
    sample = sample_from(returns, market, pairs, SMALL_EST, SMALL_WINDOWS)
    fit = dataclasses.replace(MarketModel(), min_nobs=10).fit(sample)
    return returns, market, pairs, sample, fit
