"""The per-event summary (few events): each block lists the largest |AR(0)| first and the lead
tests in their order, read independently here from the ``car`` and ``tests`` frames."""

from __future__ import annotations

import re
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
MOVER = re.compile(r"^  (\S+)\s+AR\(0\)\s+(-?[\d.]+)%")


def blocks(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"event (\S+) \(day 0", line)
        if m:
            current = m.group(1)
            out[current] = []
        elif current and line.startswith("  "):
            out[current].append(line)
        elif not line.strip():
            current = None
    return out


def test_each_event_block_lists_movers_and_tests_in_order(deepseek_result) -> None:
    result = deepseek_result
    got = blocks(result.summary(movers=5, tests=4))
    car = result.car[(result.car["window_start"] == 0) & (result.car["window_end"] == 0)]
    assert list(got) == list(dict.fromkeys(result.car["event_id"]))
    for event_id, lines in got.items():
        part = car[car["event_id"] == event_id]
        want = sorted(zip(part["ticker"], part["car"], strict=True), key=lambda r: -abs(r[1]))
        movers = [m.groups() for m in map(MOVER.match, lines) if m]
        assert [t for t, _ in movers] == [t for t, _ in want[:5]], event_id
        assert [float(v) for _, v in movers] == [round(v * 100, 2) for _, v in want[:5]]
        tests = result.tests[
            (result.tests["event_id"] == event_id)
            & (result.tests["window_start"] == 0)
            & (result.tests["window_end"] == 0)
        ].sort_values("order")
        listed = [ln.split()[0] for ln in lines if ln.startswith("    ")]
        assert listed == list(tests["test"].head(4))
        if len(part) > 5:
            assert f"  ... {len(part) - 5} more in car.csv" in lines


def test_the_summary_names_the_tables_in_the_format_written(deepseek_result) -> None:
    csv = deepseek_result.summary(movers=2)
    parquet = deepseek_result.summary(movers=2, table_format="parquet")
    assert "more in car.csv" in csv and "car.parquet" not in csv
    assert "more in car.parquet" in parquet and "car.csv" not in parquet
    assert csv.replace("car.csv", "car.parquet") == parquet


def test_the_cli_summary_follows_format(snapshot_dir, tmp_path) -> None:
    from typer.testing import CliRunner

    from eventstudy.cli import app

    args = ["run", str(EVENTS), "--prices", str(snapshot_dir / "prices.csv"), "--plots", "none"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o"), "--format", "parquet"])
    assert res.exit_code == 0, res.output
    assert "more in car.parquet" in res.output and "car.csv" not in res.output
    assert (tmp_path / "o" / "car.parquet").exists()
    assert "(report.html, report.md, Parquet tables)" in res.output  # --plots none: no plots
