"""A CRSP-style daily file: return codes, negative prices, delisting returns, market values.

Every expected number is worked by hand here (the delisting return, the market values) or by a
numpy least-squares fit of the market model written in the test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eventstudy import EventStudy
from eventstudy.calendar import TradingCalendar
from eventstudy.cli import app
from eventstudy.data.returns_input import read_returns

K = 120  # day 0 is the 121st session; the file ends the day after


@pytest.fixture(scope="module")
def crsp(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(1997)
    dates = TradingCalendar("XNYS").sessions("2024-01-02", "2024-12-31")[: K + 2]
    market = rng.normal(0.0005, 0.01, len(dates))
    rows = []
    for permno, beta in ((10107, 1.1), (20000, 0.7)):
        ret = 0.0005 + beta * market + rng.normal(0, 0.012, len(dates))
        for t, day in enumerate(dates):
            rows.append(
                {
                    "PERMNO": permno,
                    "date": int(day.strftime("%Y%m%d")),
                    "RET": f"{ret[t]:.6f}",
                    "DLRET": "",
                    "PRC": 25.0,
                    "SHROUT": 2000,
                    "vwretd": round(market[t], 6),
                }
            )
    frame = pd.DataFrame(rows)
    first = frame["PERMNO"] == 10107
    at = {t: frame.index[first][t] for t in (50, K - 1, K, K + 1)}
    frame.loc[at[50], "RET"] = "C"  # a code: a missing return in the estimation window
    frame.loc[at[K - 1], ["PRC", "SHROUT"]] = [-25.5, 2000]  # bid/ask midpoint
    frame.loc[at[K], ["PRC", "SHROUT"]] = [26.0, 2100]
    frame.loc[at[K + 1], ["RET", "DLRET"]] = ["0.010000", "-0.3"]  # delisted after its last day
    last_20000 = frame.index[~first][K + 1]
    frame.loc[last_20000, ["RET", "DLRET"]] = ["B", "-0.45"]  # no RET, only the DLRET
    frame.loc[frame.index[~first][60], "RET"] = "-99.0"  # CRSP's numeric missing code
    path = tmp_path_factory.mktemp("crsp") / "dsf.csv"
    frame.to_csv(path, index=False)
    return path, frame


def events() -> pd.DataFrame:
    day0 = TradingCalendar("XNYS").sessions("2024-01-02", "2024-12-31")[K]
    return pd.DataFrame({"ticker": [10107, 20000], "event_date": [day0, day0]})


def test_read_applies_the_crsp_rules(crsp: tuple[Path, pd.DataFrame]) -> None:
    path, _ = crsp
    table = read_returns(path).frame
    firm = table[table["ticker"] == "10107"].reset_index(drop=True)
    assert np.isnan(firm.loc[50, "ret"])
    assert firm.loc[K - 1, "prc"] == 25.5
    assert firm.loc[K + 1, "ret"] == pytest.approx(1.01 * 0.7 - 1.0, abs=1e-15)  # -0.293
    other = table[table["ticker"] == "20000"].reset_index(drop=True)
    assert other.loc[K + 1, "ret"] == -0.45
    assert np.isnan(other.loc[60, "ret"])


def test_study_on_a_crsp_file(crsp: tuple[Path, pd.DataFrame]) -> None:
    path, frame = crsp
    study = EventStudy.from_frame(
        events(), market="vwretd", estimation=(-100, -11), windows=((0, 0), (0, 1))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = study.run(returns=path)
    daily = result.to_frame().set_index(["ticker", "rel_day"])

    # market model by least squares on the estimation sessions K-100 .. K-11, the coded day out
    firm = frame[frame["PERMNO"] == 10107].reset_index(drop=True)
    ret = pd.to_numeric(firm["RET"], errors="coerce").to_numpy()
    market = firm["vwretd"].to_numpy()
    est = np.arange(K - 100, K - 10)
    est = est[~np.isnan(ret[est])]
    assert len(est) == 89
    x = np.column_stack([np.ones(len(est)), market[est]])
    (alpha, beta), *_ = np.linalg.lstsq(x, ret[est], rcond=None)
    delisting_day = (1 + 0.01) * (1 - 0.3) - 1  # -0.293
    assert daily.loc[("10107", 1), "return"] == pytest.approx(delisting_day, abs=1e-15)
    assert daily.loc[("10107", 0), "abnormal_return"] == pytest.approx(
        ret[K] - alpha - beta * market[K], abs=1e-12
    )
    assert daily.loc[("10107", 1), "abnormal_return"] == pytest.approx(
        delisting_day - alpha - beta * market[K + 1], abs=1e-12
    )
    # market value on the previous day: |PRC| x SHROUT x 1000
    assert daily.loc[("10107", 0), "market_value_prev"] == 25.5 * 2000 * 1000
    assert daily.loc[("10107", 1), "market_value_prev"] == 26.0 * 2100 * 1000
    assert daily.loc[("20000", 1), "return"] == -0.45
    fit = result.model_fit.set_index("ticker")
    assert fit.loc["10107", "nobs"] == 89


def test_cli_runs_a_crsp_file(crsp: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    path, _ = crsp
    events_csv = tmp_path / "sample.csv"
    events().to_csv(events_csv, index=False, date_format="%Y-%m-%d")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "run",
            str(events_csv),
            "--returns",
            str(path),
            "--market",
            "vwretd",
            "--estimation",
            "-100",
            "-11",
            "--window",
            "0,0",
            "--window",
            "0,1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    car = pd.read_csv(out / "car.csv")
    assert sorted(car["ticker"].unique()) == [10107, 20000]


def test_cli_returns_with_prices_in_it(tmp_path: Path) -> None:
    prices = tmp_path / "r.csv"
    prices.write_text(
        "date,ticker,ret\n" + "".join(f"2024-01-{d:02d},AAA,{100 + d}.5\n" for d in range(2, 20))
    )
    events_csv = tmp_path / "e.csv"
    events_csv.write_text("ticker,event_date\nAAA,2024-01-10\n")
    res = CliRunner().invoke(
        app, ["run", str(events_csv), "--returns", str(prices), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "column 'ret' is beyond 1 in absolute value on 18 of 18 rows" in res.output
    assert "Traceback" not in res.output
