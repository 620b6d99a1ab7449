"""Sample benchmark: the whole ``eventstudy run`` process, every output, on a seeded sample CSV.

Generates (or reads from ``--data DIR``) the seeded panel of ``bench_scale.py`` (one-factor
market structure, 20 years of XNYS sessions, ``--firms`` firms plus the benchmark ``MKT``, long
Parquet prices) and one ``ticker,event_date`` CSV per size, then runs one child process per size
and table format::

    python -m eventstudy run events_N.csv --prices prices.parquet --market MKT --out DIR --force
        [--format parquet]

with the defaults of ``run`` (market model, estimation [-250, -11], windows [0,0], [-1,1],
[0,1], [0,5], [-5,5], all 13 tests, pooled group ``ALL``, tables, plots, ``report.md`` and
``report.html``). Inside the child, ``EventStudy.run`` (the engine: reading the prices, the fits,
the tests) and ``runner.publish`` (every output file) are wrapped by timers, so one run gives the
engine and the outputs beside the whole process (interpreter start and imports included). The
parent reads the child's wall time, user+sys CPU time and peak RSS with ``os.wait4``.

The PyPI ``eventstudy`` package (the "peer", ``benchmarks/peer_eventstudy.py``: its own venv,
its market-model CAAR t test over [-5, 5] only, inputs converted untimed) runs at ``--peer-size``.

The machine may be shared: CPU time (user+sys of the child) is printed beside wall time, and
wall time much above CPU time means the child waited for a core::

    python benchmarks/bench_sample.py --sizes 10000 100000 1000000 --out docs/performance.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_scale import make_events, make_panel  # noqa: E402

SECTION = "## Sample through the CLI"

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    import eventstudy.runner as runner
    from eventstudy.study import EventStudy
    stages = {}
    def timed(name, fn):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = [time.perf_counter() - wall, time.process_time() - cpu]
        return wrapper
    EventStudy.run = timed("engine", EventStudy.run)
    runner.publish = timed("outputs", runner.publish)
    from eventstudy.cli import app
    try:
        app(sys.argv[2:], prog_name="eventstudy", standalone_mode=False)
    finally:
        with open(sys.argv[1], "w") as handle:
            json.dump(stages, handle)
    """
)


def timed_child(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run ``argv``; return wall s, user+sys CPU s, peak RSS GiB (``wait4``) and stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        text, etext = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed: {etext[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20, text


def child_env() -> dict[str, str]:
    """This checkout first on the path, with its bytecode cached as on any machine.

    (``PYTHONDONTWRITEBYTECODE``, which some sandboxes set, would recompile the package's modules
    in every child: about 0.1 s a process.)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def warm_up() -> None:
    """Import the library once, untimed, so every timed child finds its bytecode written."""
    code = "import eventstudy.cli, eventstudy.runner, eventstudy.report.plots"
    subprocess.run([sys.executable, "-c", code], env=child_env(), check=True)


def run_cli(events: Path, prices: Path, out: Path, table_format: str) -> dict:
    """One whole ``eventstudy run`` process with the stage timers; its figures."""
    env = child_env()
    with tempfile.NamedTemporaryFile(suffix=".json") as stages_file:
        argv = [sys.executable, "-c", CHILD, stages_file.name, "run", str(events)]
        argv += ["--prices", str(prices), "--market", "MKT", "--out", str(out), "--force"]
        argv += ["--format", table_format]
        wall, cpu, peak, stdout = timed_child(argv, env)
        stages = json.loads(Path(stages_file.name).read_text())
    sizes = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_gib": peak,
        "engine_wall": stages["engine"][0],
        "engine_cpu": stages["engine"][1],
        "outputs_wall": stages["outputs"][0],
        "outputs_cpu": stages["outputs"][1],
        "stdout_lines": len(stdout.splitlines()),
        "report_kib": (sizes.get("report.md", 0) + sizes.get("report.html", 0)) / 1024,
        "folder_mib": sum(sizes.values()) / 2**20,
    }


def run_peer(prices_parquet: Path, events: Path, folder: Path) -> dict:
    """The PyPI package's t test on the same panel (its inputs converted untimed)."""
    import pandas as pd
    from peer_eventstudy import run_peer_ttest

    prices_csv = folder / "prices.csv"
    if not prices_csv.exists():
        pd.read_parquet(prices_parquet, columns=["date", "ticker", "adj_close"]).to_csv(
            prices_csv, index=False
        )
    run = run_peer_ttest(prices_csv, events, market="MKT", workdir=folder)
    return {"wall": run.wall_s, "cpu": run.cpu_s, "n_events": run.n_events}


def main(argv: list[str] | None = None) -> None:
    """Parse options, generate (or read) the data, time the runs, print and write the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--firms", type=int, default=500)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--parquet-from", type=int, default=100_000,
                   help="also run --format parquet from this size up")  # fmt: skip
    p.add_argument("--peer-size", type=int, default=10_000, help="0: no peer run")
    p.add_argument("--data", type=Path, help="folder to keep the generated inputs in")
    p.add_argument("--out", type=Path, help="Markdown file whose sample section is rewritten")
    a = p.parse_args(argv)

    folder = a.data or Path(tempfile.mkdtemp(prefix="bench-sample-"))
    folder.mkdir(parents=True, exist_ok=True)
    prices = folder / "prices.parquet"
    if not prices.exists():
        _, sessions = make_panel(folder, a.firms, a.seed)
    else:
        from eventstudy.calendar import TradingCalendar

        sessions = TradingCalendar("XNYS").sessions("2005-01-03", "2024-12-31")
    rows = []
    warm_up()
    try:
        for n in a.sizes:
            events = folder / f"events_{n}.csv"
            if not events.exists():
                make_events(folder, sessions, a.firms, n, a.seed)
            formats = ["csv"] + (["parquet"] if n >= a.parquet_from else [])
            for fmt in formats:
                out = folder / f"out_{n}_{fmt}"
                res = run_cli(events, prices, out, fmt)
                shutil.rmtree(out, ignore_errors=True)
                row = {"n": n, "format": fmt, **res}
                if n == a.peer_size and fmt == "csv":
                    row["peer"] = run_peer(prices, events, folder)
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        if a.data is None:
            shutil.rmtree(folder, ignore_errors=True)
    text = markdown(rows, a)
    print(text)
    if a.out is not None:
        write_section(a.out, text)


def markdown(rows: list[dict], a: argparse.Namespace) -> str:
    """The benchmark section of ``docs/performance.md``."""
    load = os.getloadavg()
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_sample.py --sizes {' '.join(map(str, a.sizes))}` on "
        f"{dt.date.today():%Y-%m-%d}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} when it ended (the machine was shared with other jobs: wall time above "
        "CPU time is time spent waiting for a core). Seeded panel of "
        f"{a.firms} firms (20 years of XNYS sessions, long Parquet prices), one "
        "`ticker,event_date` row per firm-event, `eventstudy run` with its defaults and every "
        "output (tables, plots, report.md, report.html).",
        "",
        "| firm-events | tables | whole process wall / CPU | engine wall / CPU | outputs "
        "wall / CPU | peak RSS | stdout lines | report.md + .html | folder |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['format']} | {r['wall']:.1f} s / {r['cpu']:.1f} s | "
            f"{r['engine_wall']:.1f} s / {r['engine_cpu']:.1f} s | "
            f"{r['outputs_wall']:.1f} s / {r['outputs_cpu']:.1f} s | {r['peak_gib']:.2f} GiB | "
            f"{r['stdout_lines']} | {r['report_kib']:.0f} KiB | {r['folder_mib']:,.0f} MiB |"
        )
    peers = [r for r in rows if "peer" in r]
    for r in peers:
        q = r["peer"]
        lines += [
            "",
            f"PyPI `eventstudy` 0.1a12 (its market-model CAAR t test over [-5, 5] only, in its "
            f"own venv, inputs converted untimed) on the same {r['n']:,} firm-events: "
            f"{q['wall']:.1f} s wall / {q['cpu']:.1f} s CPU for {q['n_events']:,} events; ours, "
            f"every output: {r['wall']:.1f} s wall / {r['cpu']:.1f} s CPU, "
            f"{q['wall'] / r['wall']:.1f}x faster by wall time, "
            f"{q['cpu'] / r['cpu']:.1f}x by CPU time.",
        ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace the sample section of ``path`` (up to the next ``## ``) or append it."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
