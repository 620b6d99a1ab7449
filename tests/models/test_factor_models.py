"""Factor models (CAPM, FF3, FF5, Carhart) against statsmodels OLS per firm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.data.french import load_french_factors
from eventstudy.errors import InputError
from eventstudy.models import MODELS, get_model
from eventstudy.sample import build_sample

FACTORS = {
    "capm": ["Mkt-RF"],
    "ff3": ["Mkt-RF", "SMB", "HML"],
    "ff5": ["Mkt-RF", "SMB", "HML", "RMW", "CMA"],
    "carhart": ["Mkt-RF", "SMB", "HML", "Mom"],
}
EST = (-250, -11)
WINDOWS = ((0, 0), (-1, 1))
TICKERS = ["NVDA", "AVGO", "AAPL", "MSFT", "TSM"]


@pytest.fixture(scope="module")
def snapshot_case(snapshot_dir):
    prices = pd.read_csv(snapshot_dir / "prices.csv", parse_dates=["date"])
    wide = prices.pivot(index="date", columns="ticker", values="adj_close")
    close = prices.pivot(index="date", columns="ticker", values="close")
    wide["^GSPC"] = wide["^GSPC"].fillna(close["^GSPC"])
    returns = wide.pct_change().iloc[1:]
    factors = load_french_factors(snapshot_dir / "ff_factors_daily.csv")
    day0 = pd.Timestamp("2025-01-27")
    pairs = pd.DataFrame({"event_id": "deepseek", "ticker": TICKERS, "day0": day0})
    sample = build_sample(
        pairs, returns[TICKERS], returns[["^GSPC"]], EST, WINDOWS, regressors=factors
    )
    return returns, factors, sample


@pytest.mark.snapshot
@pytest.mark.parametrize("name", list(FACTORS))
def test_factor_model_matches_statsmodels_on_snapshot(snapshot_case, name):
    returns, factors, sample = snapshot_case
    fit = get_model(name).fit(sample)
    pos0 = returns.index.get_loc(pd.Timestamp("2025-01-27"))
    est_dates = returns.index[pos0 + EST[0] : pos0 + EST[1] + 1]
    win_dates = returns.index[pos0 - 1 : pos0 + 2]
    cols = fit.sample.window_columns((-1, 1))
    for i, ticker in enumerate(TICKERS):
        f = factors.reindex(est_dates)
        y = returns.loc[est_dates, ticker] - f["RF"]
        x = sm.add_constant(f[FACTORS[name]])
        res = sm.OLS(y, x, missing="drop").fit()
        np.testing.assert_allclose(fit.params[i], res.params.to_numpy(), rtol=1e-8, atol=1e-12)
        assert fit.sigma2[i] == pytest.approx(res.scale, rel=1e-9)
        assert fit.nobs[i] == res.nobs
        fw = factors.reindex(win_dates)
        pred = fw["RF"] + sm.add_constant(fw[FACTORS[name]], has_constant="add") @ res.params
        ar = returns.loc[win_dates, ticker] - pred
        np.testing.assert_allclose(fit.ar[i, cols], ar.to_numpy(), rtol=1e-8, atol=1e-12)
        # prediction-error variance of each day: s^2 (1 + x'(X'X)^-1 x) from statsmodels
        xw = sm.add_constant(fw[FACTORS[name]], has_constant="add").to_numpy()
        var = res.scale * (1.0 + np.einsum("wk,kj,wj->w", xw, res.normalized_cov_params, xw))
        np.testing.assert_allclose(fit.ar_var()[i, cols], var, rtol=1e-8)


@pytest.mark.snapshot
def test_deepseek_day0_abnormal_return_is_large_and_negative(snapshot_case):
    _, _, sample = snapshot_case
    fit = get_model("ff5").fit(sample)
    day0 = fit.sample.window_columns((0, 0))[0]
    assert fit.ar[0, day0] < -0.05  # NVDA lost about 17% that day (raw)
    assert fit.ar[1, day0] < -0.05  # AVGO (-17.4% raw, high beta and factor loadings)


def synthetic(seed=0, n_days=400, betas=(1.2, 0.5, -0.4, 0.3, 0.2, 0.0)):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-01", periods=n_days)
    cols = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]
    f = pd.DataFrame(rng.normal(0, 0.008, (n_days, 6)), index=idx, columns=cols)
    f["RF"] = 0.0001
    b = np.array(betas)
    firm = f["RF"] + 0.0003 + f[cols].to_numpy() @ b + rng.normal(0, 0.004, n_days)
    returns = pd.DataFrame({"A": firm}, index=idx)
    pairs = pd.DataFrame({"event_id": "e", "ticker": ["A"], "day0": [idx[-20]]})
    return build_sample(pairs, returns, f["Mkt-RF"] + f["RF"], EST, WINDOWS, regressors=f), b


def test_ff5_recovers_known_loadings():
    sample, b = synthetic()
    fit = get_model("ff5").fit(sample)
    np.testing.assert_allclose(fit.params[0, 1:], b[:5], atol=0.08)
    assert fit.params[0, 0] == pytest.approx(0.0003, abs=0.0008)
    assert fit.param_names == ("alpha", "beta_mkt", "beta_smb", "beta_hml", "beta_rmw", "beta_cma")


def test_missing_factor_column_names_it():
    sample, _ = synthetic()
    thin = sample.regressors.drop(columns=["RMW", "CMA"])
    import dataclasses

    sample = dataclasses.replace(sample, regressors=thin)
    with pytest.raises(InputError, match=r"RMW, CMA.*factors="):
        get_model("ff5").fit(sample)
    get_model("ff3").fit(sample)  # FF3 needs neither


def test_no_factors_says_how_to_pass_them():
    sample, _ = synthetic()
    import dataclasses

    sample = dataclasses.replace(sample, regressors=None)
    for name in FACTORS:
        with pytest.raises(InputError, match=r"--factors FILE"):
            get_model(name).fit(sample)


def test_registry_names_and_aliases():
    for name in ("capm", "ff3", "ff5", "carhart", "scholes_williams", "dimson"):
        assert name in MODELS and get_model(name).name == name
    assert get_model("fama_french_5").name == "ff5"
    assert get_model("four_factor").name == "carhart"
    assert get_model("SW").name == "scholes_williams"
    with pytest.raises(InputError, match="dimson"):
        get_model("nope")
