"""GARCH(1,1) market model against ``arch`` called directly, a hand recursion and a study run.

The panel is simulated from a GARCH(1,1) process with known parameters (numpy loop below).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from eventstudy.calendar import TradingCalendar
from eventstudy.errors import ModelFitWarning
from eventstudy.events.schema import Event, EventSet
from eventstudy.models import GarchMarketModel, get_model
from eventstudy.models.garch import GARCH_MIN_NOBS, fit_one
from eventstudy.sample import build_sample
from eventstudy.study import EventStudy
from tests.scale.synthetic import FramePrices, prices_long

EST = (-250, -11)
WINDOWS = ((0, 0), (-1, 1), (0, 5))
OMEGA, ALPHA, BETA = 4e-6, 0.08, 0.88  # true GARCH(1,1); unconditional sd 1%


def garch_panel(
    seed: int = 0, n_firms: int = 6, n_days: int = 420
) -> tuple[pd.DataFrame, pd.Series]:
    """Firm returns ``0.0003 + b R_m + e`` with ``e`` GARCH(1,1), on XNYS sessions."""
    rng = np.random.default_rng(seed)
    dates = TradingCalendar("XNYS").sessions("2016-01-04", "2019-12-31")[:n_days]
    market = rng.normal(0.0003, 0.01, n_days)
    e = np.empty((n_days, n_firms))
    h = np.full(n_firms, OMEGA / (1 - ALPHA - BETA))
    for t in range(n_days):
        e[t] = np.sqrt(h) * rng.standard_normal(n_firms)
        h = OMEGA + ALPHA * e[t] ** 2 + BETA * h
    beta = rng.uniform(0.6, 1.4, n_firms)
    firm = 0.0003 + market[:, None] * beta + e
    returns = pd.DataFrame(firm, index=dates, columns=[f"G{i}" for i in range(n_firms)])
    return returns, pd.Series(market, index=dates, name="MKT")


def event_days(returns: pd.DataFrame) -> list[pd.Timestamp]:
    return [returns.index[k] for k in (300, 340, 380)]


def direct(returns: pd.DataFrame, market: pd.Series, ticker: str, day0: pd.Timestamp):
    """``arch`` on the firm-event's estimation rows, as the docs describe the fit."""
    pos = returns.index.get_loc(day0)
    rows = np.arange(pos + EST[0], pos + EST[1] + 1)
    y = returns[ticker].to_numpy()[rows]
    x = market.to_numpy()[rows]
    res = arch_model(
        100 * y, x=100 * x[:, None], mean="LS", vol="GARCH", p=1, q=1, dist="normal"
    ).fit(disp="off", show_warning=False)
    return res, y, x, pos


def test_parameters_and_event_variances_equal_arch_called_directly():
    returns, market = garch_panel()
    tickers = list(returns.columns)
    day0 = event_days(returns)[0]
    pairs = pd.DataFrame({"event_id": "e", "ticker": tickers, "day0": day0})
    sample = build_sample(pairs, returns, market, EST, WINDOWS)
    fit = GarchMarketModel().fit(sample)
    steps = sample.rel_days - EST[1]  # sessions after the last estimation day
    for i, ticker in enumerate(tickers):
        res, _, _, pos = direct(returns, market, ticker, day0)
        p = res.params.to_numpy()
        want = np.array([p[0] / 100, p[1], p[2] / 1e4, p[3], p[4]])
        np.testing.assert_allclose(fit.params[i], want, rtol=1e-8, atol=1e-14)
        # arch's own forecast reruns its in-sample filter with bounds from the final residuals:
        # the same path up to those bounds, which bind only at boundary fits (beta = 1)
        fc = res.forecast(horizon=int(steps.max()), x={"x0": np.zeros((1, steps.max()))})
        h = fc.variance.to_numpy()[-1][steps - 1] / 1e4
        if p[4] < 0.999:
            np.testing.assert_allclose(fit.ar_var()[i], h, rtol=1e-3, atol=0)
        span = pos + sample.rel_days
        ar = returns[ticker].to_numpy()[span] - want[0] - want[1] * market.to_numpy()[span]
        np.testing.assert_allclose(fit.ar[i], ar, rtol=1e-8, atol=1e-13)
    assert fit.model == "garch" and get_model("garch11").name == "garch"
    # the simulated truth is recovered roughly (240 days per firm: a loose check of the pooled fit)
    assert np.median(fit.params[:, 3] + fit.params[:, 4]) == pytest.approx(ALPHA + BETA, abs=0.1)


def test_forecast_recursion_by_hand_equals_ar_var():
    returns, market = garch_panel(seed=1, n_firms=5)
    day0 = event_days(returns)[1]
    pairs = pd.DataFrame({"event_id": "e", "ticker": list(returns.columns), "day0": day0})
    sample = build_sample(pairs, returns, market, EST, WINDOWS)
    fit = GarchMarketModel().fit(sample)
    for i, ticker in enumerate(returns.columns):
        res, y, x, _ = direct(returns, market, ticker, day0)
        const, slope, omega, a1, b1 = res.params.to_numpy()
        omega /= 1e4
        e_last = y[-1] - const / 100 - slope * x[-1]
        h = omega + a1 * e_last**2 + b1 * (res.conditional_volatility[-1] / 100) ** 2
        path = []
        for _ in range(int(sample.rel_days.max() - EST[1])):
            path.append(h)
            h = omega + (a1 + b1) * h
        want = np.array(path)[sample.rel_days - EST[1] - 1]
        np.testing.assert_allclose(fit.ar_var()[i], want, rtol=1e-8, atol=0)
        # the CAR variance is the sum of the window days' conditional variances
        car, var, _ = fit.car((-1, 1))
        cols = sample.window_columns((-1, 1))
        assert var[i] == pytest.approx(want[cols].sum(), rel=1e-8)
        assert car[i] == pytest.approx(fit.ar[i, cols].sum(), rel=1e-12)


def study_events(returns: pd.DataFrame, tickers: list[str] | None = None) -> EventSet:
    tickers = tickers or list(returns.columns)
    events = tuple(
        Event(id=f"ev{k}", date=d.date(), tickers=tuple(tickers))
        for k, d in enumerate(event_days(returns))
    )
    return EventSet(name="garch", events=events, market="MKT", estimation=EST, windows=WINDOWS)


def run_study(returns, market, events, **options):
    provider = FramePrices(prices_long(returns, market))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(events, model="garch", tests=("patell", "bmp"), **options).run(provider)


@pytest.fixture(scope="module")
def study_run():
    returns, market = garch_panel(seed=2, n_firms=5)
    return returns, market, run_study(returns, market, study_events(returns))


def test_study_runs_and_patell_uses_the_conditional_variances(study_run):
    returns, market, result = study_run
    # prices round-trip the returns; the hand check refits on the study's own returns
    rets = result.fit.sample
    window = (-1, 1)
    scar, dof = [], []
    for i, row in enumerate(rets.pairs.itertuples()):
        pos = rets.dates.get_loc(row.day0)
        rows = np.arange(pos + EST[0], pos + EST[1] + 1)
        y, x = rets.firm_est[i], rets.market_est[i]
        res = arch_model(
            100 * y, x=100 * x[:, None], mean="LS", vol="GARCH", p=1, q=1, dist="normal"
        ).fit(disp="off", show_warning=False)
        assert len(rows) == len(y)
        const, slope, omega, a1, b1 = res.params.to_numpy()
        e = y - const / 100 - slope * x
        h = omega / 1e4 + a1 * e[-1] ** 2 + b1 * (res.conditional_volatility[-1] / 100) ** 2
        hs = []
        for _ in range(11 + window[1]):
            hs.append(h)
            h = omega / 1e4 + (a1 + b1) * h
        var = sum(hs[10 + d] for d in range(window[0], window[1] + 1))  # day d is step 11 + d
        cols = rets.window_columns(window)
        car = (rets.firm_evt[i, cols] - const / 100 - slope * rets.market_evt[i, cols]).sum()
        got = result.car[
            (result.car["event_id"] == row.event_id)
            & (result.car["ticker"] == row.ticker)
            & (result.car["window_start"] == window[0])
        ]
        assert float(got["car"].iloc[0]) == pytest.approx(car, rel=1e-7, abs=1e-12)
        assert float(got["se"].iloc[0]) == pytest.approx(np.sqrt(var), rel=1e-7)
        scar.append(car / np.sqrt(var))
        dof.append(len(y) - 5)
    scar, dof = np.array(scar), np.array(dof, float)
    z = scar.sum() / np.sqrt((dof / (dof - 2)).sum())
    tests = result.tests
    pooled = tests[
        (tests["window_start"] == window[0])
        & (tests["window_end"] == window[1])
        & (tests["test"] == "patell")
        & (tests["event_id"] == "ALL")
    ]
    assert float(pooled["statistic"].iloc[0]) == pytest.approx(z, rel=1e-7)
    assert result.exclusions.empty


def test_constant_and_short_firms_are_named_exclusions():
    returns, market = garch_panel(seed=3, n_firms=3)
    returns["FLAT"] = 0.0  # constant price: returns all zero
    # the short firm has 20 returns, inside every event's estimation window
    # (prices on sessions 260-280 only: 20 returns from prices)
    day = np.arange(len(returns))
    returns["SHORT"] = returns["G0"].where((day >= 260) & (day <= 280))
    events = study_events(returns, ["G1", "G2", "FLAT", "SHORT"])
    provider = FramePrices(prices_long(returns, market))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = EventStudy(
            events, model="garch", tests=("patell", "bmp"), min_estimation_obs=10, chunk_size=5
        ).run(provider)
    fits = [w for w in caught if issubclass(w.category, ModelFitWarning)]
    assert len(fits) == 1  # one summary, not one per firm-event or per chunk
    assert "could not be fitted to 6 of 12 firm-events" in str(fits[0].message)
    assert not [w for w in caught if type(w.message).__module__.startswith("arch")]
    reasons = result.exclusions.set_index(["event_id", "ticker"])["reason"]
    for ev in ("ev0", "ev1", "ev2"):
        assert reasons[(ev, "FLAT")] == (
            "constant firm returns in the estimation window: no GARCH(1,1) fit"
        )
        assert reasons[(ev, "SHORT")] == (
            f"GARCH(1,1) needs at least {GARCH_MIN_NOBS} estimation returns, got 20"
        )
    assert set(result.exclusions["ticker"]) == {"FLAT", "SHORT"}
    assert result.car["ticker"].isin(["G1", "G2"]).any()


def test_fit_that_raises_or_does_not_converge_is_a_reason(monkeypatch):
    import arch

    y = np.random.default_rng(4).normal(0, 0.01, 100)
    x = np.random.default_rng(5).normal(0, 0.01, 100)

    class NotConverged:
        def fit(self, **kwargs):
            return type("R", (), {"convergence_flag": 9})()

    monkeypatch.setattr(arch, "arch_model", lambda *a, **k: NotConverged())
    assert fit_one(y, x, np.array([11])) == "GARCH(1,1) fit did not converge (optimizer flag 9)"

    def boom(*a, **k):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(arch, "arch_model", boom)
    assert fit_one(y, x, np.array([11])) == "GARCH(1,1) fit failed (LinAlgError)"


def test_multi_chunk_equals_one_chunk(study_run):
    returns, market, one = study_run
    many = run_study(returns, market, study_events(returns), chunk_size=4)
    assert many.fit.est_resid.shape[1] == 0  # the compact assembled fit
    pd.testing.assert_frame_equal(one.car, many.car, rtol=0, atol=1e-14)
    pd.testing.assert_frame_equal(one.aar, many.aar, rtol=0, atol=1e-14)
    pd.testing.assert_frame_equal(one.model_fit, many.model_fit, rtol=0, atol=1e-14)
    cols = ["statistic", "p_value"]
    np.testing.assert_allclose(one.tests[cols], many.tests[cols], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(one.fit.ar_var(), many.fit.ar_var())


@pytest.mark.dask
def test_dask_run_equals_local_run(study_run):
    pytest.importorskip("dask.distributed")
    returns, market, local = study_run
    remote = run_study(returns, market, study_events(returns), executor="dask", chunk_size=4)
    # worker processes run numpy with other thread settings, and the ML optimum is only as
    # sharp as the optimiser's tolerance: the last digits move (about 1e-7 relative)
    num = ["car", "se", "t_stat", "p_value"]
    np.testing.assert_allclose(local.car[num], remote.car[num], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(
        local.aar[["aar", "aar_se", "caar_se"]],
        remote.aar[["aar", "aar_se", "caar_se"]],
        rtol=1e-5,
        atol=1e-12,
    )
    pd.testing.assert_frame_equal(local.exclusions, remote.exclusions)
    cols = ["statistic", "p_value"]
    np.testing.assert_allclose(local.tests[cols], remote.tests[cols], rtol=1e-5, atol=1e-10)
