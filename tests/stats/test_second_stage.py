"""Cross-sectional regressions of CARs against sandwich estimators worked out with numpy."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from eventstudy.errors import InputError, RowsDroppedWarning
from eventstudy.second_stage import regress, regression_table


def car_table(seed: int, n: int = 240, n_dates: int | None = 12) -> pd.DataFrame:
    """CARs with a shared-date shock (clustered) or scattered dates, and two characteristics."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2020-01-02")
    if n_dates is None:
        dates = base + pd.to_timedelta(np.arange(n), "D")
        shock = np.zeros(n)
    else:
        codes = rng.integers(0, n_dates, n)
        dates = base + pd.to_timedelta(codes * 7, "D")
        shock = rng.normal(0, 0.02, n_dates)[codes]
    size = rng.normal(8, 1.5, n)
    surprise = rng.normal(0, 1, n)
    se = rng.uniform(0.01, 0.05, n)
    car = 0.002 + 0.01 * surprise - 0.001 * size + shock + rng.normal(0, 1, n) * se
    return pd.DataFrame(
        {
            "event_id": "e",
            "ticker": [f"T{i}" for i in range(n)],
            "window_start": -1,
            "window_end": 1,
            "car": car,
            "se": se,
            "day0": pd.DatetimeIndex(dates),
            "size": size,
            "surprise": surprise,
        }
    )


def design(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([np.ones(len(frame)), frame["surprise"], frame["size"]])
    return x, frame["car"].to_numpy()


def sandwich(x: np.ndarray, u: np.ndarray, groups: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cluster-robust covariance with the small-sample factor G/(G-1) (N-1)/(N-K)."""
    n, k = x.shape
    bread = np.linalg.inv(x.T @ (w[:, None] * x))
    meat = np.zeros((k, k))
    labels = np.unique(groups)
    for g in labels:
        s = (x[groups == g] * (w * u)[groups == g, None]).sum(axis=0)
        meat += np.outer(s, s)
    c = len(labels) / (len(labels) - 1) * (n - 1) / (n - k)
    return c * bread @ meat @ bread


def test_clustered_by_shared_dates_matches_the_numpy_sandwich() -> None:
    frame = car_table(1)
    fit = regress(frame, "car ~ surprise + size", window=(-1, 1))
    assert fit.cov_type == "cluster" and fit.clusters == frame["day0"].nunique()
    x, y = design(frame)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    groups = frame["day0"].to_numpy()
    cov = sandwich(x, y - x @ beta, groups, np.ones(len(y)))
    se = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(fit.results.params.to_numpy(), beta, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(fit.results.bse.to_numpy(), se, rtol=1e-10, atol=1e-14)
    # t statistics read against t(G - 1) (Cameron and Miller 2015)
    p = 2 * sps.t.sf(np.abs(beta / se), fit.clusters - 1)
    np.testing.assert_allclose(fit.results.pvalues.to_numpy(), p, rtol=1e-8, atol=1e-14)


def test_scattered_dates_default_to_hc1() -> None:
    frame = car_table(2, n_dates=None)
    fit = regress(frame, "car ~ surprise + size", window=(-1, 1))
    assert fit.cov_type == "hc1"
    x, y = design(frame)
    n, k = x.shape
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    u = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    cov = n / (n - k) * bread @ (x.T * u**2) @ x @ bread
    np.testing.assert_allclose(fit.results.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)


def test_wls_weights_each_car_by_its_inverse_variance() -> None:
    frame = car_table(3)
    fit = regress(frame, "car ~ surprise + size", window=(-1, 1), weighting="wls")
    x, y = design(frame)
    w = 1 / frame["se"].to_numpy() ** 2
    beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))
    np.testing.assert_allclose(fit.results.params.to_numpy(), beta, rtol=1e-10, atol=1e-14)
    cov = sandwich(x, y - x @ beta, frame["day0"].to_numpy(), w)
    np.testing.assert_allclose(fit.results.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)


def test_standardized_car_on_the_left() -> None:
    frame = car_table(4)
    fit = regress(frame, "scar ~ surprise", window=(-1, 1), cov_type="nonrobust")
    x = np.column_stack([np.ones(len(frame)), frame["surprise"]])
    beta = np.linalg.lstsq(x, (frame["car"] / frame["se"]).to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.results.params.to_numpy(), beta, rtol=1e-10, atol=1e-14)


def test_missing_characteristics_are_dropped_and_counted() -> None:
    frame = car_table(5)
    frame.loc[[3, 10, 50], "surprise"] = np.nan
    with pytest.warns(RowsDroppedWarning, match="3 of 240 firm-events left out"):
        fit = regress(frame, "car ~ surprise + size", window=(-1, 1))
    assert fit.n_dropped == 3 and fit.results.nobs == 237
    kept = frame.dropna(subset=["surprise"])
    x, y = design(kept)
    cov = sandwich(
        x, y - x @ np.linalg.lstsq(x, y, rcond=None)[0], kept["day0"].to_numpy(), np.ones(len(y))
    )
    np.testing.assert_allclose(fit.results.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)
    table = regression_table([fit])
    assert list(table["term"]) == ["Intercept", "surprise", "size"]
    assert set(table["n"]) == {237} and set(table["n_dropped"]) == {3}


def test_unknown_column_lists_the_columns() -> None:
    with pytest.raises(InputError, match=r"columns available are: .*surprise"):
        regress(car_table(6), "car ~ earnings_surprise", window=(-1, 1))


def test_window_not_in_the_study_is_named() -> None:
    with pytest.raises(
        InputError, match=r"window=\(0, 5\) is not among the study's windows \(\(-1, 1\)\)"
    ):
        regress(car_table(7), "car ~ size", window=(0, 5))


def test_bad_option_lists_the_choices() -> None:
    with pytest.raises(InputError, match="cov_type='robust' is not a valid choice"):
        regress(car_table(8), "car ~ size", window=(-1, 1), cov_type="robust")  # type: ignore[arg-type]


def test_study_result_regress_joins_day0_and_characteristics() -> None:
    from eventstudy.study import EventStudy
    from tests.scale import synthetic

    returns, market = synthetic.panel(11, n_firms=30, n_days=600)
    events = synthetic.event_set(12, returns, n_events=6, per_event=10)
    result = EventStudy(events).run(synthetic.FramePrices(synthetic.prices_long(returns, market)))
    rng = np.random.default_rng(0)
    chars = pd.DataFrame({"ticker": returns.columns, "size": rng.normal(size=returns.shape[1])})
    missing = result.car["car"].isna().any()
    with pytest.warns(RowsDroppedWarning) if missing else contextlib.nullcontext():
        fit = result.regress("car ~ size", window=(-1, 1), characteristics=chars)
    table = result.car.query("window_start == -1 and window_end == 1").merge(chars, on="ticker")
    table = table.dropna(subset=["car"])
    x = np.column_stack([np.ones(len(table)), table["size"]])
    beta = np.linalg.lstsq(x, table["car"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.results.params.to_numpy(), beta, rtol=1e-10, atol=1e-14)
    # six events on distinct dates, ten firms each: clustered by date
    assert fit.cov_type == "cluster" and fit.clusters == 6
