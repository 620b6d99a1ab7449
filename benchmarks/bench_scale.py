"""Scale benchmark: whole runs of the vectorised study against the per-event statsmodels loop.

Generates a seeded synthetic panel (one-factor market structure, 20 years of XNYS sessions) as
long Parquet prices and an events CSV in a temporary folder, then times whole child processes
(start-up, reading the files, the study, the full test battery) at each size and writes a
Markdown table::

    python benchmarks/bench_scale.py --sizes 1000 10000 100000 1000000 --out docs/performance.md

The child for the study runs ``load_events`` + ``LocalPriceProvider`` + ``EventStudy.run`` (market
model, estimation window [-250, -11], five windows, every registered test); it does not write the
report folder (CSV writing of the 11-million-row daily table is timed separately with
``--with-report``). The naive child reads the same files and runs
:func:`eventstudy.reference.reference_market_model`: one statsmodels OLS per firm-event, giving
ARs, CARs and their t statistics only (no cross-sectional tests), so the ratio favours it.
Peak memory is the child's ``ru_maxrss`` from ``os.wait4``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ESTIMATION = (-250, -11)
WINDOWS = ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))

STUDY_CHILD = textwrap.dedent(
    """
    import sys, json, time, warnings
    t0 = time.perf_counter()
    from eventstudy.events.load import load_events
    from eventstudy.data.csv import LocalPriceProvider
    from eventstudy.study import EventStudy
    events_path, prices_path, executor, report_dir = sys.argv[1:5]
    stages = {}
    t = time.perf_counter()
    events = load_events(events_path)
    stages["load_events"] = time.perf_counter() - t
    last = [time.perf_counter(), None]
    def progress(stage, done, total):
        if stage != last[1]:
            now = time.perf_counter()
            if last[1] is not None:
                stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
            last[0], last[1] = now, stage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = EventStudy(events, market="MKT", estimation=(-250, -11),
                           windows=((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5)), executor=executor)
        t = time.perf_counter()
        result = study.run(LocalPriceProvider(prices_path), progress=progress)
        stages["run"] = time.perf_counter() - t
        if report_dir != "-":
            from eventstudy.runner import publish
            from pathlib import Path
            t = time.perf_counter()
            publish(result, Path(report_dir))
            stages["report"] = time.perf_counter() - t
    tests = result.tests
    pooled = tests[tests["event_id"] == "ALL"]
    print(json.dumps({"stages": stages, "n_tests": int(len(tests)),
                      "finite_tests": int(tests["statistic"].notna().sum()),
                      "n_firm_events": int(len(result.car) // 5),
                      "notes": sorted(set(r for r in pooled["reason"] if r))}))
    """
)

NAIVE_CHILD = textwrap.dedent(
    """
    import sys, json
    import pandas as pd
    from eventstudy.reference import reference_market_model
    events_path, prices_path = sys.argv[1:3]
    ev = pd.read_csv(events_path)
    px = pd.read_parquet(prices_path)
    wide = px.pivot(index="date", columns="ticker", values="adj_close").sort_index()
    rets = wide.pct_change(fill_method=None)
    pairs = pd.DataFrame({"ticker": ev["ticker"], "day0": pd.to_datetime(ev["event_date"])})
    ref = reference_market_model(pairs, rets.drop(columns="MKT"), rets["MKT"], (-250, -11),
                                 ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5)), min_nobs=120)
    print(json.dumps({"n": len(pairs)}))
    """
)


def make_panel(folder: Path, firms: int, seed: int) -> tuple[Path, pd.DatetimeIndex]:
    """Write ``prices.parquet`` (long) for ``firms`` firms and the benchmark ``MKT``."""
    from eventstudy.calendar import TradingCalendar

    rng = np.random.default_rng(seed)
    sessions = TradingCalendar("XNYS").sessions("2005-01-03", "2024-12-31")
    d = len(sessions)
    market = rng.normal(0.0003, 0.011, d)
    beta = rng.uniform(0.4, 1.6, firms)
    alpha = rng.normal(0.0001, 0.0002, firms)
    vol = rng.uniform(0.01, 0.03, firms)
    rets = alpha + market[:, None] * beta + rng.normal(size=(d, firms)) * vol
    rets = np.column_stack([rets, market])
    rets[0] = 0.0
    prices = 50.0 * np.cumprod(1.0 + rets, axis=0)
    tickers = [f"F{i:04d}" for i in range(firms)] + ["MKT"]
    frame = pd.DataFrame(
        {
            "date": np.tile(sessions.to_numpy(), len(tickers)),
            "ticker": np.repeat(tickers, d),
            "close": prices.T.ravel(),
        }
    )
    frame["adj_close"] = frame["close"]
    frame["volume"] = 1_000_000.0
    path = folder / "prices.parquet"
    frame.to_parquet(path, index=False)
    return path, sessions


def make_events(folder: Path, sessions: pd.DatetimeIndex, firms: int, n: int, seed: int) -> Path:
    """Write ``n`` unique (ticker, session) firm-events with a full estimation window."""
    rng = np.random.default_rng(seed + n)
    usable = np.arange(262, len(sessions) - 6)
    grid = firms * len(usable)
    if n > grid:
        raise SystemExit(f"{n} firm-events need more than {firms} firms x {len(usable)} days")
    pick = rng.choice(grid, n, replace=False)
    firm, day = np.divmod(pick, len(usable))
    frame = pd.DataFrame(
        {
            "ticker": np.char.add("F", np.char.zfill(firm.astype(str), 4)),
            "event_date": sessions[usable[day]].strftime("%Y-%m-%d"),
        }
    )
    path = folder / f"events_{n}.csv"
    frame.to_csv(path, index=False)
    return path


def run_measured(args: list[str]) -> tuple[float, float, dict]:
    """Run a child and read its own peak RSS with ``os.wait4``."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, etext = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {etext[-3000:]}")
    peak_gib = usage.ru_maxrss * 1024 / 2**30  # Linux reports KiB
    return wall, peak_gib, json.loads(text.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Parse options, generate the data, time the runs and write the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    p.add_argument("--firms", type=int, default=1000, help="firms in the panel (500-5000)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--out", type=Path, default=Path("docs/performance.md"))
    p.add_argument(
        "--skip-naive-above", type=int, default=10000, help="largest size for the naive loop"
    )
    p.add_argument("--executor", default="local", choices=["local", "dask"])
    p.add_argument("--with-report", action="store_true", help="also time writing the report")
    a = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="es-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        prices, sessions = make_panel(folder, a.firms, a.seed)
        gen = time.perf_counter() - t
        print(f"panel: {a.firms} firms x {len(sessions)} sessions in {gen:.1f} s", flush=True)
        for n in a.sizes:
            events = make_events(folder, sessions, a.firms, n, a.seed)
            report = str(folder / f"out_{n}") if a.with_report else "-"
            cmd = [sys.executable, "-c", STUDY_CHILD, str(events), str(prices), a.executor, report]
            wall, peak, info = run_measured(cmd)
            row = {
                "n": n,
                "wall": wall,
                "peak": peak,
                "stages": info["stages"],
                "tests": info["n_tests"],
                "finite": info["finite_tests"],
                "notes": info["notes"],
            }
            if n <= a.skip_naive_above:
                nwall, npeak, _ = run_measured(
                    [sys.executable, "-c", NAIVE_CHILD, str(events), str(prices)]
                )
                row["naive_wall"], row["naive_peak"] = nwall, npeak
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
    write_markdown(a, rows, len(sessions))


def write_markdown(a: argparse.Namespace, rows: list[dict], n_sessions: int) -> None:
    """The measured table plus the machine, as Markdown."""
    lines = [
        "# Performance at scale",
        "",
        "Measured by `python benchmarks/bench_scale.py "
        + " ".join(["--sizes", *map(str, a.sizes), "--firms", str(a.firms), "--seed", str(a.seed)])
        + f" --skip-naive-above {a.skip_naive_above}` on {dt.date.today():%Y-%m-%d}.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{_mem_gib():.0f} GiB RAM, Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}; executor `{a.executor}`.",
        "",
        f"Data: synthetic one-factor panel, {a.firms} firms + benchmark over {n_sessions} XNYS "
        "sessions (2005-2024) as long Parquet; events CSV `ticker,event_date` (each row its own "
        "event, so the tests run pooled). Market model, estimation [-250, -11], windows "
        "[0,0], [-1,1], [0,1], [0,5], [-5,5], all 13 registered tests.",
        "",
        "Wall time is the whole child process (interpreter start, imports, reading the files, "
        "the study); peak memory is the child's `ru_maxrss`.",
        "",
        "| firm-events | wall (s) | firm-events/s | peak RSS (GiB) | naive loop (s) | "
        "naive firm-events/s | speed-up | stages (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        naive = r.get("naive_wall")
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        lines.append(
            f"| {r['n']:,} | {r['wall']:.1f} | {r['n'] / r['wall']:,.0f} | {r['peak']:.2f} | "
            + (
                f"{naive:.1f} | {r['n'] / naive:,.0f} | {naive / r['wall']:.2f}x"
                if naive
                else "not run | | "
            )
            + f" | {stages} |"
        )
    notes = sorted({n for r in rows for n in r["notes"]})
    if notes:
        lines += ["", "Approximations reported by the runs (column `reason` of `tests`):", ""]
        lines += [f"- {n}" for n in notes]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    existing = a.out.read_text(encoding="utf-8") if a.out.exists() else ""
    marker = "<!-- measured table above; notes below are kept by the benchmark -->"
    tail = existing.split(marker, 1)[1] if marker in existing else ""
    a.out.write_text("\n".join(lines) + "\n\n" + marker + tail, encoding="utf-8")


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


if __name__ == "__main__":
    main()
