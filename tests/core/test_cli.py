"""CLI plumbing: options reach the library as typed keywords; errors become one line and exit 2."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from eventstudy import cli
from eventstudy.errors import DataUnavailableError

runner = CliRunner()
EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"


def fake_result() -> tuple[mock.Mock, Path]:
    result = mock.Mock()
    result.summary.return_value = "summary text"
    return result, Path("outputs/x")


def test_run_passes_typed_options_to_the_library() -> None:
    with mock.patch.object(cli, "run_study", return_value=fake_result()) as run:
        res = runner.invoke(
            cli.app,
            [
                "run",
                str(EVENTS),
                "--prices",
                "p.csv",
                "--shares",
                "s.csv",
                "--market",
                "QQQ",
                "--estimation",
                "-200",
                "-20",
                "--window",
                "-1,1",
                "--window",
                "0,5",
                "--out",
                "o",
                "--force",
                "--model",
                "mean_adjusted",
            ],
        )
    assert res.exit_code == 0, res.output
    args, kwargs = run.call_args
    assert args == (EVENTS,)
    assert kwargs["prices"] == Path("p.csv") and kwargs["shares"] == Path("s.csv")
    assert kwargs["market"] == "QQQ"
    assert kwargs["estimation"] == (-200, -20)
    assert kwargs["windows"] == ((-1, 1), (0, 5))
    assert kwargs["out"] == Path("o") and kwargs["force"] is True
    assert kwargs["model"] == "mean_adjusted"
    assert "summary text" in res.output


def test_input_error_is_one_sentence_and_exit_2() -> None:
    boom = DataUnavailableError("yfinance returned no prices for NOPE; run with --prices FILE.")
    with mock.patch.object(cli, "run_study", side_effect=boom):
        res = runner.invoke(cli.app, ["run", str(EVENTS)])
    assert res.exit_code == 2
    assert "yfinance returned no prices for NOPE" in res.output
    assert "Traceback" not in res.output


def test_internal_error_exits_1_and_points_to_debug() -> None:
    with mock.patch.object(cli, "run_study", side_effect=ZeroDivisionError("x")):
        res = runner.invoke(cli.app, ["run", str(EVENTS)])
    assert res.exit_code == 1
    assert "--debug" in res.output and "Traceback" not in res.output


def test_debug_shows_the_traceback() -> None:
    with mock.patch.object(cli, "run_study", side_effect=ZeroDivisionError("x")):
        res = runner.invoke(cli.app, ["run", str(EVENTS), "--debug"])
    assert isinstance(res.exception, ZeroDivisionError)


@pytest.mark.parametrize("text", ["1", "a,b", "1,2,3"])
def test_bad_window_spelling(text: str) -> None:
    with mock.patch.object(cli, "run_study", return_value=fake_result()) as run:
        res = runner.invoke(cli.app, ["run", str(EVENTS), "--window", text])
    if text == "1":
        assert res.exit_code == 0 and run.call_args.kwargs["windows"] == ((1, 1),)
    else:
        assert res.exit_code == 2 and "--window" in res.output


def test_events_list_shows_aligned_sessions() -> None:
    res = runner.invoke(cli.app, ["events", "list", str(EVENTS)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "Tue 2025-01-21" in res.output  # R1 on the MLK holiday moves to Tuesday
    assert "Thu 2025-01-30" in res.output  # Microsoft after the close moves to the next day


DATA_STUDY = """
[study]
name = "synthetic"
tickers = ["AAA", "BBB"]
market = "MKT"
calendar = "data"

[[events]]
id = "launch"
title = "Product launch"
date = 2025-01-04

[[events]]
id = "recall"
title = "Recall"
date = 2025-01-27
time = "10:30"
tickers = ["AAA"]
"""


def test_events_list_on_the_data_calendar_lists_events_without_day0(tmp_path: Path) -> None:
    # before: "calendar "data" takes its sessions from the benchmark's prices, ..." and exit 2
    path = tmp_path / "data.toml"
    path.write_text(DATA_STUDY, encoding="utf-8")
    res = runner.invoke(cli.app, ["events", "list", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    rows = {
        cells[0]: cells
        for line in res.output.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")])
        and cells[0] in {"launch", "recall"}
    }
    # id, kind, announced, day 0, tickers, title
    assert rows["launch"] == ["launch", "event", "2025-01-04", "-", "all", "Product launch"]
    assert rows["recall"] == [
        "recall",
        "event",
        "2025-01-27 10:30 America/New_York",
        "-",
        "AAA",
        "Recall",
    ]
    assert res.output.rstrip().splitlines()[-1] == (
        "day 0: aligned to the benchmark's own trading days when the study runs "
        '(calendar = "data")'
    )


def test_events_list_on_an_exchange_calendar_has_no_data_footnote() -> None:
    res = runner.invoke(cli.app, ["events", "list", str(EVENTS)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "day 0: aligned to the benchmark's own trading days" not in res.output


def test_events_validate_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = EVENTS.read_text().replace('market = "SPY"', 'markt = "SPY"', 1)
    text = text.replace("date = 2024-12-26", 'date = "2024-13-45"', 1)
    bad.write_text(text)
    res = runner.invoke(cli.app, ["events", "validate", str(bad)])
    assert res.exit_code == 2
    assert "did you mean 'market'" in res.output
    assert "2024-13-45" in res.output
    assert "2 problem(s)" in res.output


def test_events_validate_ok() -> None:
    res = runner.invoke(cli.app, ["events", "validate", str(EVENTS)])
    assert res.exit_code == 0 and "OK" in res.output
