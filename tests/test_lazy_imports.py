"""Heavy dependencies are imported only by the code that needs them.

``import eventstudy`` and ``eventstudy --help`` load no scientific stack; importing the study
loads neither scipy.stats, statsmodels, matplotlib nor exchange_calendars; and a whole study run
with the market model and every registered test imports neither scipy.stats, statsmodels nor
matplotlib (no plots written). Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HEAVY = (
    "pandas", "scipy", "scipy.stats", "statsmodels", "matplotlib", "exchange_calendars", "arch",
)  # fmt: skip


def loaded_after(code: str, also: tuple[str, ...] = ()) -> set[str]:
    """Which of ``HEAVY`` (and ``also``) a fresh interpreter has imported after running ``code``."""
    names = HEAVY + also
    script = (
        code + f"\nimport sys, json\nprint(json.dumps([m for m in {names!r} if m in sys.modules]))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_eventstudy_loads_nothing_heavy():
    assert loaded_after("import eventstudy") == set()


def test_cli_import_loads_no_library():
    assert loaded_after("import eventstudy.cli") == set()


def test_cli_help_loads_no_library():
    code = textwrap.dedent(
        """
        from typer.testing import CliRunner
        from eventstudy.cli import app
        res = CliRunner().invoke(app, ["run", "--help"])
        assert res.exit_code == 0 and "--prices" in res.output, res.output
        """
    )
    assert loaded_after(code) == set()


def test_events_list_loads_no_plotting_statistics_or_compiler():
    code = textwrap.dedent(
        """
        from typer.testing import CliRunner
        from eventstudy.cli import app
        res = CliRunner().invoke(app, ["events", "list", "events/deepseek_2025.toml"])
        assert res.exit_code == 0 and "selloff" in res.output, res.output
        """
    )
    loaded = loaded_after(code, also=("numba",))
    assert not loaded & {"matplotlib", "scipy", "scipy.stats", "statsmodels", "numba"}


def test_help_loads_no_compiler():
    code = "from eventstudy.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert loaded_after(code, also=("numba",)) == set()


def test_study_and_runner_import_without_stats_plot_or_calendar_packages():
    code = "import eventstudy.study, eventstudy.runner, eventstudy.stats, eventstudy.report"
    assert loaded_after(code) <= {"pandas", "scipy"}


@pytest.fixture()
def small_study(tmp_path: Path) -> tuple[Path, Path]:
    """Prices of 4 firms and a market over 2 years of weekdays, and an event for each firm."""
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2019-01-02", "2020-12-31")
    market = rng.normal(0.0003, 0.01, len(dates))
    names = [f"F{i}" for i in range(4)]
    rets = {
        n: 0.0002 + market * rng.uniform(0.5, 1.5) + rng.normal(0, 0.02, len(dates)) for n in names
    }
    rets["MKT"] = market
    frame = pd.DataFrame(rets, index=dates)
    level = 100.0 * (1.0 + frame).cumprod()
    long = level.stack().rename("close").reset_index()
    long.columns = ["date", "ticker", "close"]
    long["adj_close"] = long["close"]
    prices = tmp_path / "prices.csv"
    long.to_csv(prices, index=False)
    events = tmp_path / "events.csv"
    events.write_text(
        "ticker,event_date\nF0,2020-06-15\nF1,2020-06-15\nF2,2020-09-10\nF3,2020-11-04\n"
    )
    return prices, events


def test_a_study_run_imports_no_scipy_stats_statsmodels_or_matplotlib(small_study):
    prices, events = small_study
    code = textwrap.dedent(
        f"""
        import warnings
        from eventstudy.data.csv import LocalPriceProvider
        from eventstudy.events.load import load_events
        from eventstudy.stats import TESTS
        from eventstudy.study import EventStudy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = EventStudy(load_events({str(events)!r}), market="MKT", tests=tuple(TESTS))
            result = study.run(LocalPriceProvider({str(prices)!r}))
        tests = result.tests
        assert set(tests["test"]) == set(TESTS), sorted(set(tests["test"]))
        assert tests["statistic"].notna().any()
        """
    )
    loaded = loaded_after(code)
    assert "statsmodels" not in loaded
    assert "scipy.stats" not in loaded
    assert "matplotlib" not in loaded


def test_an_event_file_with_a_cached_calendar_leaves_exchange_calendars_unimported(tmp_path: Path):
    # The validator's calendar check imported exchange_calendars, and a process that has
    # imported it ignores the calendar cache: every TOML run rebuilt the XNYS calendar.
    events = Path(__file__).resolve().parents[1] / "events" / "deepseek_2025.toml"
    code = textwrap.dedent(
        f"""
        import sys
        from eventstudy.calendar import TradingCalendar
        from eventstudy.events.load import load_events
        load_events({str(events)!r})
        TradingCalendar("XNYS")
        print("exchange_calendars" in sys.modules)
        """
    )
    env = {**os.environ, "EVENTSTUDY_CACHE": str(tmp_path)}

    def imported() -> str:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        return out.stdout.strip().splitlines()[-1]

    assert imported() == "True"  # first process: builds the calendar and caches it
    assert imported() == "False"  # later ones: the cache answers the check and the calendar
