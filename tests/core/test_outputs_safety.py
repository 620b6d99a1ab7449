"""Nothing is lost: bad input leaves no output, reruns are byte-identical, a killed run keeps the old one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eventstudy.cli import app

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
runner = CliRunner()


def run_cli(snapshot: Path, out: Path, *extra: str, events: Path = EVENTS):
    return runner.invoke(
        app,
        [
            "run",
            str(events),
            "--prices",
            str(snapshot / "prices.csv"),
            "--shares",
            str(snapshot / "shares_outstanding.csv"),
            "--out",
            str(out),
            *extra,
        ],
    )


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def first_run(snapshot_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "deepseek"
    res = run_cli(snapshot_dir, out, "--plots", "all")  # every figure, not the default key ones
    assert res.exit_code == 0, res.output
    return out


def test_every_output_file_is_written(first_run: Path) -> None:
    names = {p.name for p in first_run.iterdir()}
    for required in (
        "abnormal_returns.csv",
        "car.csv",
        "tests.csv",
        "market_value.csv",
        "claims.csv",
        "report.md",
        "market_value.png",
    ):
        assert required in names
    assert any(n.startswith("car_paths_") for n in names)
    assert any(n.startswith("day0_ar_") for n in names)


def test_rerun_needs_force_and_writes_identical_csvs(snapshot_dir: Path, first_run: Path) -> None:
    before = snapshot_of(first_run)
    refused = run_cli(snapshot_dir, first_run)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert snapshot_of(first_run) == before
    again = run_cli(snapshot_dir, first_run, "--force")
    assert again.exit_code == 0, again.output
    after = snapshot_of(first_run)
    for name, content in before.items():
        if name.endswith(".csv"):
            assert after[name] == content, name


@pytest.mark.parametrize(
    "case",
    ["typo_field", "missing_prices", "unknown_ticker", "outside_range"],
)
def test_bad_input_is_one_sentence_exit_2_and_no_output(
    case: str, snapshot_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    events = EVENTS
    prices = snapshot_dir / "prices.csv"
    if case == "typo_field":
        events = tmp_path / "typo.toml"
        events.write_text(EVENTS.read_text().replace('market = "SPY"', 'markt = "SPY"', 1))
        expect = "did you mean 'market'"
    elif case == "missing_prices":
        prices = tmp_path / "nope.csv"
        expect = "nope.csv does not exist"
    elif case == "unknown_ticker":
        events = tmp_path / "e.csv"
        events.write_text("ticker,event_date\nNOPEX,2025-01-27\n")
        expect = "no prices for NOPEX"
    else:
        events = tmp_path / "e.csv"
        events.write_text("ticker,event_date\nNVDA,2026-06-01\n")
        expect = "has no prices between"
    res = runner.invoke(app, ["run", str(events), "--prices", str(prices), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert expect in res.output
    assert "Traceback" not in res.output
    assert len([line for line in res.output.splitlines() if line.strip()]) <= 3
    assert not out.exists()
    assert not any(p.name.startswith((".out.", ".eventstudy-staging-")) for p in tmp_path.iterdir())


@pytest.mark.parametrize("when", ["early", "while_writing"])
def test_killed_run_leaves_previous_outputs_intact(
    when: str, snapshot_dir: Path, first_run: Path
) -> None:
    before = snapshot_of(first_run)
    cmd = [
        sys.executable,
        "-m",
        "eventstudy",
        "run",
        str(EVENTS),
        "--prices",
        str(snapshot_dir / "prices.csv"),
        "--shares",
        str(snapshot_dir / "shares_outstanding.csv"),
        "--out",
        str(first_run),
        "--force",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    deadline = time.monotonic() + 60
    if when == "early":
        # while it imports and estimates: a warm DeepSeek run takes about 1.4 s, so a later kill
        # could come after it has replaced the folder
        time.sleep(0.5)
        assert proc.poll() is None, "the run ended before it could be killed early"
    else:
        while time.monotonic() < deadline and proc.poll() is None:
            if staging_has_csv(first_run.parent):
                break
            time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert snapshot_of(first_run) == before
    res = run_cli(snapshot_dir, first_run, "--force")
    assert res.exit_code == 0, res.output
    assert not any(p.name.startswith(".eventstudy-staging-") for p in first_run.parent.iterdir())


def staging_has_csv(parent: Path) -> bool:
    """Whether a run's staging folder beside the outputs already holds a written table."""
    for folder in parent.iterdir():
        if folder.name.startswith(".eventstudy-staging-"):
            try:
                if any(f.suffix == ".csv" for f in folder.iterdir()):
                    return True
            except FileNotFoundError:  # the run moved or removed it meanwhile
                pass
    return False


def test_force_never_replaces_a_folder_eventstudy_did_not_write(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    res = run_cli(snapshot_dir, mine, "--force")
    assert res.exit_code == 2
    assert "was not written by eventstudy" in res.output
    assert (mine / "chapter1.tex").read_text() == "precious"


def test_study_name_cannot_escape_the_outputs_folder(tmp_path: Path, monkeypatch) -> None:
    from eventstudy.runner import default_out

    monkeypatch.chdir(tmp_path)
    out = default_out("../../x")
    assert out.resolve().is_relative_to((tmp_path / "outputs").resolve())


def test_event_ids_from_the_file_cannot_escape_the_output_folder(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    import dataclasses

    from eventstudy import EventStudy, load_events
    from eventstudy.data.csv import LocalPriceProvider
    from eventstudy.report import write_report

    events = load_events(EVENTS)
    renamed = tuple(
        dataclasses.replace(e, id="../../evil") if e.id == "selloff" else e for e in events.events
    )
    events = dataclasses.replace(events, events=renamed, claims=())
    result = EventStudy(events).run(LocalPriceProvider(snapshot_dir / "prices.csv"))
    out = tmp_path / "deep" / "out"
    files = write_report(result, out)
    assert files
    for f in files:
        assert f.resolve().is_relative_to(out.resolve()), f
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()


def test_a_window_past_the_data_is_reported_not_a_crash(snapshot_dir: Path, tmp_path: Path) -> None:
    res = run_cli(snapshot_dir, tmp_path / "o", "--window", "0,400")
    assert res.exit_code == 0, res.output
    import pandas as pd

    car = pd.read_csv(tmp_path / "o" / "car.csv")
    assert {(0, 0), (0, 400)} == set(zip(car["window_start"], car["window_end"], strict=True))
    assert car.loc[car["window_end"] == 400, "car"].isna().all()
    assert car.loc[car["window_end"] == 0, "car"].notna().all()
    reasons = pd.read_csv(tmp_path / "o" / "exclusions.csv")["reason"]
    assert reasons.str.contains("(0, 400)", regex=False).any()
