"""Factor returns state their unit; a unit that does not fit the values is an error, not 100x."""

from __future__ import annotations

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
