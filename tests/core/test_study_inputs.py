"""Library-call mistakes are one InputError sentence (issue 14, items 7 and 9).

Before the fix: ``windows=[(0.5, 1)]`` silently became ``(0, 1)``, ``(0, 2**63 - 1)`` raised
IndexError, a window given twice crashed the plots, ``min_estimation_obs=-5`` was accepted,
``EventStudy("x.toml")`` raised AttributeError, ``LocalPriceProvider(123)`` TypeError, and
messages showed numpy reprs such as ``np.float64(inf)``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eventstudy import EventStudy, cli
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.errors import DataQualityWarning, InputError
from eventstudy.events import Event, EventSet

EVENTS = EventSet(
    name="s",
    events=(Event(id="e", date=dt.date(2025, 1, 27)),),
    tickers=("A",),
)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"windows": [(0.5, 1)]}, r"window=\(0\.5, 1\) must hold whole sessions"),
        ({"windows": [(0, 2**63 - 1)]}, r"reaches beyond 10000 sessions from day 0; keep both"),
        ({"windows": [(-10_001, 0)]}, r"window=\(-10001, 0\) reaches beyond 10000 sessions"),
        ({"estimation": (-20_000, -11)}, r"estimation=\(-20000, -11\) reaches beyond 10000"),
        ({"windows": [(0, float("nan"))]}, r"must hold whole sessions"),
        ({"windows": [(True, 1)]}, r"is not a pair of session offsets"),
        ({"windows": [(0, 0), (-1, 1), (0, 0)]}, r"window \(0, 0\) is given twice; give each"),
        ({"windows": [(np.int64(1), np.int64(2))] * 2}, r"window \(1, 2\) is given twice"),
        ({"windows": 5}, r"windows=5 is not a list of event windows"),
        ({"min_estimation_obs": -5}, r"min_estimation_obs=-5 .* from 1 to 240 \(the estimation"),
        ({"min_estimation_obs": 0}, r"min_estimation_obs=0 is not a number of estimation"),
        ({"min_estimation_obs": 241}, r"min_estimation_obs=241 .* from 1 to 240"),
        ({"min_estimation_obs": 2.5}, r"min_estimation_obs=2\.5 is not a number"),
        ({"min_estimation_obs": True}, r"min_estimation_obs=True is not a number"),
    ],
)
def test_bad_study_options_are_one_sentence(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        EventStudy(EVENTS, **options)


def test_good_edge_options_pass_as_plain_ints() -> None:
    study = EventStudy(
        EVENTS,
        windows=[(np.int64(-1), np.int64(1)), (2.0, 3.0)],
        estimation=(np.int64(-10_000), np.int64(-11)),
        min_estimation_obs=np.int64(9_990),
    )
    assert study.event_windows == ((0, 0), (-1, 1), (2, 3))
    assert study.estimation_window == (-10_000, -11)
    assert all(type(v) is int for w in study.event_windows for v in w)
    assert all(type(v) is int for v in study.estimation_window)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ("x.toml", r"needs an EventSet, got str; for an event file use EventStudy\.from_file\("),
        (
            Path("x.toml"),
            r"got \w*Path; for an event file use EventStudy\.from_file\('x\.toml'\)",
        ),
        (pd.DataFrame({"ticker": ["A"]}), r"got DataFrame; for a table of firm-events use "),
        (123, r"got int; read a file with EventStudy\.from_file\(path\)"),
    ],
)
def test_events_of_the_wrong_type(events: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        EventStudy(events)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", [123, None, ["p.csv"]])
def test_local_price_provider_needs_a_path(path: object) -> None:
    with pytest.raises(InputError, match=r"LocalPriceProvider\(path=\.\.\.\) needs the path of a"):
        LocalPriceProvider(path)  # type: ignore[arg-type]


def test_duplicate_window_on_the_command_line_exits_2(tmp_path: Path) -> None:
    events = tmp_path / "s.toml"
    events.write_text(
        '[study]\nname = "s"\ntickers = ["A"]\n[[events]]\nid = "e"\ndate = 2025-01-27\n',
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli.app, ["run", str(events), "--window", "0,0", "--window", "0,0", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2, res.output
    assert "window (0, 0) is given twice; give each event window once." in res.output


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (np.float64("inf"), "inf"),
        (np.True_, "True"),
        ((np.int64(0), np.int64(1)), "(0, 1)"),
        (np.str_("x"), "'x'"),
    ],
)
def test_messages_show_numpy_values_as_plain_python(value: object, shown: str) -> None:
    with pytest.raises(InputError) as err:
        EventStudy(EVENTS, return_kind=value)  # type: ignore[arg-type]
    assert str(err.value).startswith(f"return_kind={shown} is not a valid choice")
    # any message of the package, however it was formatted
    assert str(InputError(f"got {value!r}")) == f"got {shown}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(f"saw {value!r}", DataQualityWarning, stacklevel=1)
    assert str(caught[0].message) == f"saw {shown}"
