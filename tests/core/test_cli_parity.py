"""Every study option of the library has a CLI option; the registries are listed with citations."""

from __future__ import annotations

import inspect
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from eventstudy import cli
from eventstudy.models import MODELS
from eventstudy.stats import TESTS
from eventstudy.study import EventStudy

runner = CliRunner()
EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"


def test_model_names_in_the_help_are_the_registry() -> None:
    assert cli.MODEL_NAMES == tuple(MODELS)


def test_models_and_tests_commands_list_every_entry_with_its_citation() -> None:
    res = runner.invoke(cli.app, ["models"])
    assert res.exit_code == 0, res.output
    for name, cls in MODELS.items():
        line = next(li for li in res.output.splitlines() if li.startswith(name + " "))
        assert cls.citation and cls.citation in line
    res = runner.invoke(cli.app, ["tests"])
    assert res.exit_code == 0, res.output
    for name, stat in TESTS.items():
        line = next(li for li in res.output.splitlines() if li.startswith(name + " "))
        assert stat.citation[:30] in line


def test_every_study_option_has_a_cli_option() -> None:
    # the library's options, less those that are not command-line values
    library = set(inspect.signature(EventStudy).parameters) - {"events", "factors_unit"}
    spelled = {p.replace("-", "_") for p in _run_options()}
    assert library - {"windows", "factors"} <= spelled, library - spelled
    assert {"window", "factors"} <= spelled


def _run_options() -> set[str]:
    command = next(c for c in cli.app.registered_commands if c.callback.__name__ == "run")
    params = inspect.signature(command.callback).parameters
    return {name for name in params}


def test_new_options_reach_the_library() -> None:
    result = mock.Mock()
    result.summary.return_value = "s"
    with mock.patch.object(cli, "run_study", return_value=(result, Path("o"))) as run:
        res = runner.invoke(
            cli.app,
            [
                "run", str(EVENTS), "--tests", "patell", "--tests", "bmp", "--group-by", "size:5",
                "--min-estimation-obs", "100", "--price-field", "close", "--missing", "skip",
                "--chunk-size", "5000", "--volume", "--regress", "car ~ size",
                "--regress", "scar ~ size", "--long-horizon", "--calendar-time",
                "--placebo", "200", "--seed", "7",
            ],
        )  # fmt: skip
    assert res.exit_code == 0, res.output
    kwargs = run.call_args.kwargs
    assert kwargs["tests"] == ("patell", "bmp") and kwargs["group_by"] == "size:5"
    assert kwargs["min_estimation_obs"] == 100 and kwargs["price_field"] == "close"
    assert kwargs["missing"] == "skip" and kwargs["chunk_size"] == 5000 and kwargs["volume"]
    assert kwargs["analyses"] == {
        "regress": ("car ~ size", "scar ~ size"),
        "long_horizon": True,
        "calendar_time": True,
        "placebo": 200,
        "seed": 7,
    }


def test_a_sample_run_writes_the_analysis_tables(tmp_path: Path) -> None:
    from tests.scale import synthetic

    returns, market = synthetic.panel(71, n_firms=30, n_days=700)
    rng = np.random.default_rng(72)
    days = returns.index[rng.integers(300, 690, 60)]
    events = pd.DataFrame(
        {
            "ticker": rng.choice(returns.columns, 60),
            "event_date": days.strftime("%Y-%m-%d"),
            "size": rng.normal(10, 2, 60),
        }
    ).drop_duplicates(["ticker", "event_date"])
    events.to_csv(tmp_path / "events.csv", index=False)
    synthetic.prices_long(returns, market).to_csv(tmp_path / "prices.csv", index=False)
    res = runner.invoke(
        cli.app,
        [
            "run", str(tmp_path / "events.csv"), "--prices", str(tmp_path / "prices.csv"),
            "--market", "MKT", "--out", str(tmp_path / "out"), "--group-by", "size:2",
            "--regress", "car ~ size", "--volume", "--long-horizon", "--calendar-time",
            "--placebo", "20", "--window", "0,0", "--window", "-1,1",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    for name in ("regression", "group_differences", "abnormal_volume", "volume_path",
                 "volume_tests", "long_horizon", "calendar_time", "placebo"):  # fmt: skip
        assert (out / f"{name}.csv").is_file(), name
    regression = pd.read_csv(out / "regression.csv")
    assert set(regression["term"]) == {"Intercept", "size"}
    assert set(regression["cov_type"]) <= {"cluster", "hc1"}
