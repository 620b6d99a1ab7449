"""``--plots`` reaches the library; a bad value is one sentence and exit 2 before any work."""

from __future__ import annotations

from unittest import mock

import pytest
from typer.testing import CliRunner

from eventstudy import cli
from tests.core.test_cli import EVENTS, fake_result

runner = CliRunner()


@pytest.mark.parametrize(("given", "expected"), [([], "key"), (["--plots", "all"], "all")])
def test_plots_option_reaches_run_study(given: list[str], expected: str) -> None:
    with mock.patch.object(cli, "run_study", return_value=fake_result()) as run:
        res = runner.invoke(cli.app, ["run", str(EVENTS), *given])
    assert res.exit_code == 0, res.output
    assert run.call_args.kwargs["plots"] == expected


def test_unknown_plots_value_exits_2_without_running() -> None:
    with mock.patch.object(cli, "run_study") as run:
        res = runner.invoke(cli.app, ["run", str(EVENTS), "--plots", "most"])
    assert res.exit_code == 2
    assert "--plots='most' is not a valid choice; use one of 'all', 'key', 'none'." in res.output
    run.assert_not_called()


def test_prices_and_returns_together_are_one_sentence(tmp_path) -> None:
    with mock.patch.object(cli, "run_study") as run:
        res = runner.invoke(
            cli.app,
            ["run", str(EVENTS), "--prices", "p.csv", "--returns", "r.csv"],
        )
    assert res.exit_code == 2
    assert "--prices p.csv and --returns r.csv are two sources of the same returns" in res.output
    assert "Traceback" not in res.output
    run.assert_not_called()
