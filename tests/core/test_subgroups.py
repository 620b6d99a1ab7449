"""Subgroups by a characteristic: each group's tests are those of the group studied alone."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps

from eventstudy.errors import InputError
from eventstudy.study import EventStudy
from tests.scale import synthetic

WINDOWS = ((0, 0), (-1, 1))


@pytest.fixture(scope="module")
def sample():
    returns, market = synthetic.panel(61, n_firms=40, n_days=700)
    rng = np.random.default_rng(62)
    # 120 firm-events on 30 dates (dates repeat: clustering), two characteristics
    dates = returns.index[rng.choice(np.arange(300, 680), 30, replace=False)]
    events = pd.DataFrame(
        {
            "ticker": rng.choice(returns.columns, 120),
            "event_date": dates[rng.integers(0, 30, 120)].strftime("%Y-%m-%d"),
            "size": rng.normal(10, 2, 120),
            "sector": rng.choice(["tech", "energy", "health"], 120),
        }
    ).drop_duplicates(["ticker", "event_date"])
    events["event_id"] = [f"e{i}" for i in range(len(events))]
    prices = synthetic.FramePrices(synthetic.prices_long(returns, market))
    return events.reset_index(drop=True), prices


def run(events, prices, **options):  # noqa: ANN001, ANN201
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = EventStudy.from_frame(events, market="MKT", windows=WINDOWS, **options)
        return study.run(prices)


def test_each_quantile_group_equals_the_study_of_that_group_alone(sample) -> None:
    events, prices = sample
    full = run(events, prices, group_by="size:2")
    assert set(full.tests["event_id"]) == {"size:Q1", "size:Q2", "ALL"}
    median = events["size"].median()
    for label, part in (("size:Q1", events[events["size"] <= median]),
                        ("size:Q2", events[events["size"] > median])):  # fmt: skip
        alone = run(part, prices, group_by="pooled")
        mine = full.tests[full.tests["event_id"] == label].set_index(
            ["window_start", "window_end", "test"]
        )
        theirs = alone.tests[alone.tests["event_id"] == "ALL"].set_index(
            ["window_start", "window_end", "test"]
        )
        assert (mine["n_firms"] == theirs.loc[mine.index, "n_firms"]).all()
        np.testing.assert_allclose(
            mine["statistic"], theirs.loc[mine.index, "statistic"], rtol=1e-10, atol=1e-12
        )


def test_categorical_groups_and_the_difference_tests(sample) -> None:
    events, prices = sample
    result = run(events, prices, group_by="sector")
    assert set(result.tests["event_id"]) == {"sector=tech", "sector=energy", "sector=health", "ALL"}
    diffs = result.group_differences()
    assert len(diffs) == 3 * len(WINDOWS)
    row = diffs[(diffs["window_start"] == 0) & (diffs["group_a"] == "sector=energy")
                & (diffs["group_b"] == "sector=health")].iloc[0]  # fmt: skip
    car = result.car.query("window_start == 0 and window_end == 0").dropna(subset=["car"])
    a = car.loc[car["sector"] == "energy", "car"].to_numpy()
    b = car.loc[car["sector"] == "health", "car"].to_numpy()
    # Welch by hand
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    assert row["welch_t"] == pytest.approx(t, rel=1e-10)
    assert row["welch_df"] == pytest.approx(df, rel=1e-10)
    assert row["welch_p_value"] == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-8)
    # clustered by event date, statsmodels called directly
    day0 = result.fit.sample.pairs[["event_id", "ticker", "day0"]]
    both = car[car["sector"].isin(["energy", "health"])].merge(day0, on=["event_id", "ticker"])
    both["in_a"] = (both["sector"] == "energy").astype(float)
    groups = pd.factorize(both["day0"])[0]
    ols = smf.ols("car ~ in_a", both).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    assert row["robust_cov_type"] == "cluster"
    assert row["robust_t"] == pytest.approx(ols.tvalues["in_a"], rel=1e-10)
    assert row["difference"] == pytest.approx(a.mean() - b.mean(), rel=1e-12)


def test_unknown_characteristic_lists_the_columns(sample) -> None:
    events, _ = sample
    with pytest.raises(InputError, match="the characteristics are: size, sector"):
        EventStudy.from_frame(events, group_by="industry")
    with pytest.raises(InputError, match="use a whole number from 2 to 20"):
        EventStudy.from_frame(events, group_by="size:1")
