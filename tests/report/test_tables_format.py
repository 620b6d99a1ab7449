"""Tables through pyarrow: the pandas writer's CSV bytes, Parquet as computed, formula cells defused."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eventstudy import cli
from eventstudy.errors import InputError
from eventstudy.report import tables


def pandas_csv(frame: pd.DataFrame) -> str:
    """The oracle: what the tables were before (pandas' writer, 12 significant digits)."""
    return frame.to_csv(
        index=False, float_format="%.12g", date_format="%Y-%m-%d", lineterminator="\n"
    )


def mixed_frame(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    floats = rng.normal(size=n) * 10.0 ** rng.integers(-12, 14, n)
    floats[:12] = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-5, 1.5e-5, 123456789012.0, 1e12,
                   99999999999.95, 9.9999999999995e-5, 0.30000000000000004]  # fmt: skip
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D")
    days = pd.Series(days).mask(rng.random(n) < 0.1)
    text = rng.choice(["NVDA", "a,b", 'say "hi"', "two\nlines", "", "plain text"], n)
    return pd.DataFrame(
        {
            "event_id": pd.Series(text, dtype=object).mask(rng.random(n) < 0.1),
            "ticker": pd.Series(rng.choice(["AAA", "B.B", "C-1"], n), dtype="str"),
            "value": floats,
            "small": rng.normal(0, 0.02, n),
            "count": rng.integers(-5, 10**9, n),
            "flag": rng.random(n) < 0.5,
            "date": days,
        }
    )


def test_csv_bytes_equal_the_pandas_writer() -> None:
    frame = mixed_frame()
    assert tables.to_csv_text(frame) == pandas_csv(frame)


def test_csv_bytes_equal_the_pandas_writer_across_batches(monkeypatch) -> None:
    monkeypatch.setattr(tables, "BATCH_ROWS", 777)
    frame = mixed_frame(5000, seed=3)
    assert tables.to_csv_text(frame) == pandas_csv(frame)


def test_csv_bytes_equal_the_pandas_writer_for_other_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "int": pd.array([1, None, 3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "category": pd.Categorical(["x", None, "y"]),
            "span": pd.to_timedelta([1, 2, None], unit="D"),
            "local": pd.to_datetime(["2025-01-27 23:00", None, "2025-01-28 01:00"])
            .tz_localize("UTC")
            .tz_convert("America/New_York"),
            "single": np.array([0.1, np.nan, 1e-5], dtype="float32"),
            "nullable": pd.array([0.5, None, 2.0], dtype="Float64"),
            "mixed": [1, "a", None],
        }
    )
    assert tables.to_csv_text(frame) == pandas_csv(frame)


def test_empty_table_is_its_header() -> None:
    frame = pd.DataFrame(columns=["event_id", "ticker", "reason"])
    assert tables.to_csv_text(frame) == "event_id,ticker,reason\n" == pandas_csv(frame)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_significant_is_the_12_digit_text(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [
            rng.normal(size=20_000) * 10.0 ** rng.integers(-320, 300, 20_000),
            rng.normal(size=20_000) * 10.0 ** rng.integers(-6, 13, 20_000),
            np.round(rng.normal(size=5_000), 6) + 5e-13,  # many ties at the 13th digit
        ]
    )
    expected = np.array([float(f"{v:.12g}") for v in x])
    got = tables.round_significant(x)
    assert np.array_equal(got, expected, equal_nan=True)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("-0.5", "-0.5"),  # a plain number is left alone
        ("+3e-05", "+3e-05"),
        ("AAPL", "AAPL"),
        ("a=b", "a=b"),
    ],
)
def test_formula_cells_get_an_apostrophe_in_csv(cell: str, written: str) -> None:
    frame = pd.DataFrame({"event_id": [cell], "ticker": ["X"]})
    body = tables.to_csv_text(frame).splitlines()[1]
    assert body == f"{written},X"


def test_formula_cells_are_defused_in_a_result_written_as_csv(tmp_path: Path) -> None:
    # the event id and ticker of a firm-event reach car.csv, abnormal_returns.csv, ...
    frame = pd.DataFrame({"event_id": ["=1+1", "ok"], "ticker": ["@X", "-Y"], "car": [0.5, -0.25]})
    path = tables.write_csv(frame, tmp_path / "car.csv")
    read = pd.read_csv(path)
    assert list(read["event_id"]) == ["'=1+1", "ok"]
    assert list(read["ticker"]) == ["'@X", "'-Y"]
    assert list(read["car"]) == [0.5, -0.25]


def test_parquet_keeps_values_as_computed(tmp_path: Path) -> None:
    frame = mixed_frame(2000, seed=5)
    frame.loc[0, "event_id"] = "=1+1"
    path = tables.write_parquet(frame, tmp_path / "t.parquet")
    back = pd.read_parquet(path)
    assert back["event_id"].iloc[0] == "=1+1"  # no apostrophe in Parquet
    for col in ("value", "small", "count", "flag"):
        np.testing.assert_array_equal(back[col].to_numpy(), frame[col].to_numpy())
    pd.testing.assert_series_equal(back["date"], frame["date"], check_dtype=False)


def test_parquet_in_row_groups(tmp_path: Path, monkeypatch) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(tables, "BATCH_ROWS", 500)
    frame = mixed_frame(1600, seed=9)
    path = tables.write_parquet(frame, tmp_path / "t.parquet")
    assert pq.ParquetFile(path).metadata.num_row_groups == 4
    np.testing.assert_array_equal(pd.read_parquet(path)["value"], frame["value"])


def test_unknown_table_format_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"table_format='xlsx' is not a valid choice.*'csv'"):
        tables.write_tables(mock.Mock(), tmp_path, "xlsx")  # type: ignore[arg-type]


def test_cli_format_option_reaches_the_library() -> None:
    result = mock.Mock()
    result.summary.return_value = "summary text"
    events = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
    with mock.patch.object(cli, "run_study", return_value=(result, Path("o"))) as run:
        res = CliRunner().invoke(cli.app, ["run", str(events), "--format", "parquet"])
    assert res.exit_code == 0, res.output
    assert run.call_args.kwargs["table_format"] == "parquet"
    assert "Parquet tables" in res.output


def test_cli_unknown_format_exits_2_before_the_study(tmp_path: Path) -> None:
    events = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
    with mock.patch("eventstudy.runner.EventStudy") as study:
        res = CliRunner().invoke(
            cli.app, ["run", str(events), "--format", "xlsx", "--out", str(tmp_path / "o")]
        )
    assert res.exit_code == 2
    assert "table_format='xlsx' is not a valid choice; use one of 'csv', 'parquet'." in " ".join(
        res.output.split()
    )
    study.assert_not_called()
