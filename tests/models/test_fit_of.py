"""Each firm's fit as a statsmodels result equals the study's own estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.errors import InputError
from eventstudy.study import EventStudy
from tests.scale import synthetic


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, pd.Series]:
    return synthetic.panel(21, n_firms=15, n_days=600, missing=0.05)


def run(panel, model: str = "market", **options):  # noqa: ANN001, ANN201
    returns, market = panel
    events = synthetic.event_set(22, returns, n_events=3, per_event=5)
    prices = synthetic.FramePrices(synthetic.prices_long(returns, market))
    return EventStudy(events, model=model, **options).run(prices)


def test_market_model_fit_equals_the_engine_and_an_independent_ols(panel) -> None:  # noqa: ANN001
    result = run(panel)
    # independent returns: from the same prices, a day after a missing price has no return
    wide = synthetic.prices_long(*panel).pivot(index="date", columns="ticker", values="close")
    returns = wide.pct_change(fill_method=None)
    market = returns.pop("MKT")
    for row in result.model_fit.dropna(subset=["beta"]).head(6).itertuples():
        fit = result.fit_of(row.event_id, row.ticker)
        assert fit.model.exog_names == ["alpha", "beta"]
        np.testing.assert_allclose(fit.params.to_numpy(), [row.alpha, row.beta], rtol=1e-10)
        np.testing.assert_allclose(fit.scale, row.resid_sd**2, rtol=1e-10)
        assert fit.nobs == row.nobs
        # independent: the estimation sessions by position from day 0, firm and market present
        day0 = result.fit.sample.pairs.query("event_id == @row.event_id and ticker == @row.ticker")
        pos = returns.index.get_loc(day0["day0"].iloc[0])
        window = returns.index[pos - 250 : pos - 10]
        y, m = returns.loc[window, row.ticker], market.loc[window]
        keep = y.notna() & m.notna()
        x = np.column_stack([np.ones(keep.sum()), m[keep]])
        beta = np.linalg.lstsq(x, y[keep].to_numpy(), rcond=None)[0]
        np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=1e-10)
        assert list(fit.resid.index) == list(window[keep.to_numpy()])
        robust = fit.get_robustcov_results(cov_type="HC1")
        assert robust.bse.shape == (2,)
        assert "OLS Regression Results" in str(fit.summary())


def test_mean_adjusted_fit_is_the_estimation_mean(panel) -> None:  # noqa: ANN001
    result = run(panel, model="mean_adjusted")
    row = result.model_fit.dropna(subset=["mean"]).iloc[0]
    fit = result.fit_of(row["event_id"], row["ticker"])
    np.testing.assert_allclose(fit.params.iloc[0], fit.model.endog.mean(), rtol=1e-12)
    np.testing.assert_allclose(fit.params["mean"], row["mean"], rtol=1e-10)


def test_unknown_firm_event_and_non_regression_models_are_one_sentence(panel) -> None:  # noqa: ANN001
    result = run(panel)
    with pytest.raises(InputError, match="no firm-event ev0/NOPE in this study"):
        result.fit_of("ev0", "NOPE")
    adjusted = run(panel, model="market_adjusted")
    pair = adjusted.fit.sample.pairs.iloc[0]
    with pytest.raises(InputError, match="estimates no parameters"):
        adjusted.fit_of(pair["event_id"], pair["ticker"])
