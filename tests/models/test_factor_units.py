"""Factor returns state their unit; a unit that does not fit the values is an error, not 100x."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.factors import factor_table
from eventstudy.errors import InputError


@pytest.fixture(scope="module")
def decimal() -> pd.DataFrame:
    """Daily factors in decimals with the spread of the US factors (market sd about 1.1%)."""
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2024-01-02", periods=250, name="date")
    return pd.DataFrame(
        {
            "Mkt-RF": rng.normal(0.0005, 0.011, 250),
            "SMB": rng.normal(0.0, 0.006, 250),
            "HML": rng.normal(0.0, 0.006, 250),
            "RF": np.full(250, 0.0002),
        },
        index=dates,
    )


def percent_file(decimal: pd.DataFrame, path: Path, scale: float = 100.0) -> Path:
    (decimal * scale).round(8).to_csv(path)
    return path


def test_dataframes_are_decimal_and_kept_as_they_are(decimal: pd.DataFrame) -> None:
    assert factor_table(decimal) is decimal


def test_a_percent_dataframe_is_refused_naming_the_column(decimal: pd.DataFrame) -> None:
    with pytest.raises(InputError) as info:
        factor_table(decimal * 100)
    assert info.value.field == "Mkt-RF"
    assert str(info.value).startswith("factors DataFrame: column 'Mkt-RF' moves more than 0.25")
    assert "look like percent, not decimals: pass factors_unit='percent'" in str(info.value)


def test_a_percent_dataframe_said_to_be_percent(decimal: pd.DataFrame) -> None:
    got = factor_table(decimal * 100, "percent")
    np.testing.assert_allclose(got.to_numpy(), decimal.to_numpy(), rtol=1e-14, atol=1e-18)


def test_a_decimal_dataframe_said_to_be_percent(decimal: pd.DataFrame) -> None:
    with pytest.raises(
        InputError, match=r"column 'Mkt-RF' has a median daily move of .* look like decimals"
    ):
        factor_table(decimal, "percent")


def test_files_are_percent(decimal: pd.DataFrame, tmp_path: Path) -> None:
    path = percent_file(decimal, tmp_path / "ff.csv")
    np.testing.assert_allclose(factor_table(path).to_numpy(), decimal.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(
        factor_table(str(path), "percent").to_numpy(), decimal.to_numpy(), atol=1e-10
    )


def test_a_decimal_file_is_refused_unless_said(decimal: pd.DataFrame, tmp_path: Path) -> None:
    path = percent_file(decimal, tmp_path / "ff.csv", scale=1.0)
    with pytest.raises(InputError, match=r"factor file .*ff.csv: column 'Mkt-RF' .* decimals"):
        factor_table(path)
    np.testing.assert_allclose(
        factor_table(path, "decimal").to_numpy(), decimal.to_numpy(), atol=1e-8
    )  # written to 8 places


def test_a_risk_free_rate_in_percent(decimal: pd.DataFrame) -> None:
    mixed = decimal.assign(RF=decimal["RF"] * 100)  # only RF left in percent (0.02)
    with pytest.raises(
        InputError, match=r"column 'RF' reaches 0.02 \(decimal\), a daily risk-free rate of 2.00%"
    ):
        factor_table(mixed)


def test_an_unknown_unit(decimal: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"factors_unit"):
        factor_table(decimal, "basis points")  # type: ignore[arg-type]


def test_run_takes_factors_and_refuses_percent_as_decimal(decimal: pd.DataFrame) -> None:
    from eventstudy import EventStudy

    rng = np.random.default_rng(8)
    dates = decimal.index
    firm = 0.0002 + 1.2 * (decimal["Mkt-RF"] + decimal["RF"]) + rng.normal(0, 0.01, len(dates))
    closes = pd.DataFrame(
        {"AAA": 40 * np.cumprod(1 + firm), "SPY": 40 * np.cumprod(1 + decimal["Mkt-RF"])},
        index=dates,
    )
    events = pd.DataFrame({"ticker": ["AAA"], "event_date": [dates[200]]})
    study = EventStudy.from_frame(events, model="capm", estimation=(-150, -11))
    with pytest.raises(InputError, match=r"column 'Mkt-RF' .* look like percent"):
        study.run(closes, factors=decimal * 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_percent = study.run(closes, factors=decimal * 100, factors_unit="percent")
        as_decimal = study.run(closes, factors=decimal)
    np.testing.assert_allclose(as_percent.car["car"], as_decimal.car["car"], rtol=1e-10, atol=1e-12)
    # the capm beta on the market excess return is near the 1.2 put into the data
    assert as_decimal.model_fit["beta_mkt"].iloc[0] == pytest.approx(1.2, abs=0.15)


def test_cli_factor_file_in_decimals_exits_2(decimal: pd.DataFrame, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from eventstudy.cli import app

    dates = decimal.index
    closes = pd.DataFrame(
        {"AAA": 40 * np.cumprod(1 + decimal["Mkt-RF"]), "SPY": 40 * np.cumprod(1 + decimal["SMB"])},
        index=dates,
    )
    closes.to_csv(tmp_path / "prices.csv")
    (tmp_path / "e.csv").write_text(f"ticker,event_date\nAAA,{dates[200]:%Y-%m-%d}\n")
    path = percent_file(decimal, tmp_path / "ff.csv", scale=1.0)  # decimals, not percent
    res = CliRunner().invoke(
        app,
        [
            "run", str(tmp_path / "e.csv"), "--prices", str(tmp_path / "prices.csv"),
            "--model", "capm", "--factors", str(path), "--estimation", "-150", "-11",
            "--out", str(tmp_path / "out"),
        ],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "column 'Mkt-RF' has a median daily move of" in res.output
    assert "look like decimals: pass factors_unit='decimal'" in res.output
    assert not (tmp_path / "out").exists()
