"""Text that is not ours (ids, tickers, paths, notes, messages) is printed as written.

rich reads ``[...]`` as markup: unescaped, ``sell[/]off`` raised MarkupError and ``[study]`` in
our own messages vanished. Each case fails that way without the escaping in ``cli.say``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eventstudy import cli
from eventstudy.calendar import TradingCalendar
from eventstudy.errors import DataQualityWarning, InputError

runner = CliRunner()
EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
TRICKY = ("sell[/]off", "NV[bold]DA", "[red]x[/red]", "a [link=file:///etc]b", "c\\[d]")


def test_own_messages_keep_their_brackets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("x = 1\n", encoding="utf-8")
    res = runner.invoke(cli.app, ["events", "validate", str(bad)])
    assert res.exit_code == 2
    assert "the [study] table is missing; add [study] with at least" in res.output
    assert "no [[events]] given; add at least one [[events]] table" in res.output


def test_run_input_error_keeps_its_brackets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[events]]\nid = "a"\ndate = 2025-01-27\n', encoding="utf-8")
    res = runner.invoke(cli.app, ["run", str(bad)])
    assert res.exit_code == 2
    assert "the [study] table is missing; add [study] with" in res.output


@pytest.mark.parametrize("text", TRICKY)
def test_error_text_is_printed_verbatim(text: str) -> None:
    with mock.patch.object(cli, "run_study", side_effect=InputError(f"ticker {text} is bad.")):
        res = runner.invoke(cli.app, ["run", str(EVENTS)])
    assert res.exit_code == 2, res.output
    assert f"error: ticker {text} is bad." in res.output


@pytest.mark.parametrize("text", TRICKY)
def test_internal_error_text_is_printed_verbatim(text: str) -> None:
    with mock.patch.object(cli, "run_study", side_effect=KeyError(text)):
        res = runner.invoke(cli.app, ["run", str(EVENTS)])
    assert res.exit_code == 1, res.output
    assert f"KeyError: {text!r}. This is a bug" in res.output


@pytest.mark.parametrize("text", TRICKY)
def test_summary_notes_and_folder_are_printed_verbatim(text: str) -> None:
    result = mock.Mock()
    result.summary.return_value = f"event {text} summary"
    folder = Path(f"out{text}")

    def fake_run(*args: object, **kwargs: object) -> tuple[mock.Mock, Path]:
        warnings.warn(f"note about {text}", DataQualityWarning, stacklevel=1)
        return result, folder

    with mock.patch.object(cli, "run_study", side_effect=fake_run):
        res = runner.invoke(cli.app, ["run", str(EVENTS)])
    assert res.exit_code == 0, res.output
    assert f"note: note about {text}" in res.output
    assert f"event {text} summary" in res.output
    assert f"wrote {folder}/ (report.html" in res.output


def test_events_list_and_validate_print_ids_titles_and_paths_verbatim(tmp_path: Path) -> None:
    folder = tmp_path / "a[b]"
    folder.mkdir()
    path = folder / "x[/]y.toml"  # a "/" in the name would be a folder: "x[" then "]y.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[study]\nname = "s"\ntickers = ["NV[bold]DA"]\n'
        '[[events]]\nid = "sell[/]off"\ntitle = "a [bold]title[/]"\ndate = 2025-01-27\n',
        encoding="utf-8",
    )
    res = runner.invoke(cli.app, ["events", "list", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for text in ("sell[/]off", "a [bold]title[/]", str(path)):
        assert text in res.output
    res = runner.invoke(cli.app, ["events", "validate", str(path)])
    assert res.exit_code == 0, res.output
    assert f"{path}: OK (1 events" in res.output


def _synthetic_prices(path: Path, tickers: list[str]) -> None:
    """Random-walk closes on the XNYS sessions around 2025-01-27 (day 0), one row per day."""
    days = TradingCalendar("XNYS").sessions("2023-12-01", "2025-02-28")
    rng = np.random.default_rng(0)
    market = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    frames = [pd.DataFrame({"date": days, "ticker": "SPY", "close": market})]
    for t in tickers:
        firm = market * np.exp(np.cumsum(rng.normal(0, 0.015, len(days))))
        frames.append(pd.DataFrame({"date": days, "ticker": t, "close": firm}))
    pd.concat(frames).to_csv(path, index=False, date_format="%Y-%m-%d")


def test_whole_run_with_brackets_in_ids_tickers_and_out(tmp_path: Path) -> None:
    tickers = ["NV[bold]DA", "AV[/]GO"]
    _synthetic_prices(tmp_path / "p.csv", tickers)
    (tmp_path / "s.toml").write_text(
        '[study]\nname = "s[/]"\ntickers = ["NV[bold]DA", "AV[/]GO"]\nwindows = [[0, 0]]\n'
        '[[events]]\nid = "sell[/]off"\ndate = 2025-01-27\n',
        encoding="utf-8",
    )
    out = tmp_path / "o[/]ut"
    res = runner.invoke(
        cli.app,
        ["run", str(tmp_path / "s.toml"), "--prices", str(tmp_path / "p.csv"), "--out", str(out)],
        env={"MPLBACKEND": "Agg"},
    )
    assert res.exit_code == 0, res.output
    assert "MarkupError" not in res.output
    for text in ("sell[/]off", "NV[bold]DA", "AV[/]GO", f"wrote {out}/"):
        assert text in res.output
    assert (out / "car.csv").is_file()
