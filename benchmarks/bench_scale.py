"""Scale benchmark: whole study runs, and the engine against the textbook per-event study.

Generates a seeded synthetic panel (one-factor market structure, 20 years of XNYS sessions) as
long Parquet prices and an events CSV ``ticker,event_date`` (each row its own event) in a
temporary folder (or reads them from ``--data DIR``), then runs two kinds of child process per
size and writes a Markdown table::

    python benchmarks/bench_scale.py --sizes 1000 10000 100000 1000000 --out docs/performance.md

1. **Study child** (every size), timed as a whole process (interpreter start, imports, reading
   the files, the study): ``load_events`` + ``LocalPriceProvider`` + ``EventStudy.run`` (market
   model, estimation window [-250, -11], windows [0,0], [-1,1], [0,1], [0,5], [-5,5], all 13
   registered tests, per event and pooled). It does not write the report folder unless
   ``--with-report`` is given. Peak memory is the child's ``ru_maxrss`` from ``os.wait4``.

2. **Comparison child** (sizes up to ``--skip-naive-above``), one process that reads the Parquet
   prices and the events CSV once with pandas (adjusted closes pivoted wide, simple returns by
   ``pct_change``; the benchmark ``MKT``), imports statsmodels and scipy, and then times, on the
   same inputs:

   (a) ``eventstudy.engine.estimate`` with ``MarketModel(min_nobs=120)``, estimation (-250, -11),
       the five windows, all 13 tests, one group ``ALL`` of every firm-event (local executor,
       default chunk size): the first call in the process (it includes loading the compiled
       kernels from numba's on-disk cache, or compiling them when the cache is empty), then
       warm calls (what every later study in the same process costs): up to five before (b)
       and up to five after it (fewer once they have taken 10 s), the best reported with the
       median beside it;
   (b) ``reference_study`` of ``tests/scale/reference_study.py`` (test code, imported from
       this checkout's ``tests/``) with the same inputs and ``min_nobs=120``: one
       statsmodels OLS per firm-event, ``scipy.stats.rankdata`` per firm-event, pandas event-time
       frames, pairwise residual correlations for Kolari-Pynnonen r-bar, a statsmodels portfolio
       regression. Where the engine draws an r-bar subsample (more than
       ``engine.KP_MAX_PAIRS`` overlapping pairs), the reference gets the same rows
       (``kp_rows=run.kp_rows["ALL"]``).

   It then checks that they agree: the largest relative difference
   ``|a - b| / max(|a|, |b|)`` over every CAR (all firm-events and windows), every test
   statistic and every p-value (13 tests x 5 windows), and the number of places where exactly
   one side is NaN. The whole-process time of the naive path is the comparison child's wall time
   minus both engine calls and the agreement check: start-up, imports and reading the files,
   plus (b).
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
TESTS_DIR = Path(__file__).resolve().parent.parent / "tests"
"""The statsmodels oracle lives with the tests (``tests/scale/reference_study.py``)."""
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

COMPARE_CHILD = textwrap.dedent(
    """
    import sys, json, time, warnings
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd
    import scipy.stats
    import statsmodels.api
    from eventstudy import engine
    from eventstudy.models.market import MarketModel
    events_path, prices_path, tests_dir = sys.argv[1:4]
    sys.path.insert(0, tests_dir)
    from scale.reference_study import TEST_NAMES, reference_study
    est, windows = (-250, -11), ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))
    stages = {"imports": time.perf_counter() - t0}
    t = time.perf_counter()
    ev = pd.read_csv(events_path)
    px = pd.read_parquet(prices_path, columns=["date", "ticker", "adj_close"])
    wide = px.pivot(index="date", columns="ticker", values="adj_close").sort_index()
    rets = wide.pct_change(fill_method=None)
    returns, market = rets.drop(columns="MKT"), rets["MKT"]
    pairs = pd.DataFrame({"event_id": [f"e{i}" for i in range(len(ev))],
                          "ticker": ev["ticker"], "day0": pd.to_datetime(ev["event_date"])})
    stages["read"] = time.perf_counter() - t
    n = len(pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        run = engine.estimate(pairs, returns, market, MarketModel(min_nobs=120), est, windows,
                              {"ALL": np.arange(n)})
        stages["engine"] = time.perf_counter() - t
        warm = []
        def warm_calls():
            # up to 5 calls (fewer once they take 10 s); before and after the reference, so
            # that a slow spell of the machine does not fall on the engine's calls alone
            spent = 0.0
            for _ in range(5):
                t = time.perf_counter()
                engine.estimate(pairs, returns, market, MarketModel(min_nobs=120), est,
                                windows, {"ALL": np.arange(n)})
                warm.append(time.perf_counter() - t)
                spent += warm[-1]
                if spent >= 10.0:
                    break
        warm_calls()
        t = time.perf_counter()
        ref = reference_study(pairs, returns, market, est, windows, min_nobs=120,
                              kp_rows=run.kp_rows["ALL"])
        stages["reference"] = time.perf_counter() - t
        warm_calls()
        stages["engine_warm"] = min(warm)
        stages["engine_warm_median"] = float(np.median(warm))
        stages["engine_warm_runs"] = len(warm)
        stages["engine_warm_total"] = sum(warm)
    t = time.perf_counter()
    def rel(a, b):
        a, b = np.ravel(np.asarray(a, float)), np.ravel(np.asarray(b, float))
        both = np.isfinite(a) & np.isfinite(b)
        scale = np.maximum(np.abs(a[both]), np.abs(b[both]))
        d = np.abs(a[both] - b[both]) / np.where(scale > 0, scale, 1.0)
        return float(d.max()) if d.size else 0.0, int((np.isfinite(a) != np.isfinite(b)).sum())
    car = [rel(run.fit.car(w)[0], ref.fit.car[w]) for w in windows]
    got = {(w, k): r for w in windows for k, r in run.results[("ALL", w)][2].items()}
    want = ref.tests.set_index(["window", "test"])
    keys = [(w, k) for w in windows for k in TEST_NAMES]
    stat = [rel(got[key].stat, want.loc[key, "statistic"]) for key in keys]
    pval = [rel(got[key].p_value, want.loc[key, "p_value"]) for key in keys]
    stages["compare"] = time.perf_counter() - t
    notes = sorted({r.reason for r in got.values() if r.reason and np.isfinite(r.stat)})
    print(json.dumps({
        "n": n, "stages": stages,
        "car_rel": max(c[0] for c in car), "stat_rel": max(x[0] for x in stat),
        "car_abs": max(float(np.nanmax(np.abs(run.fit.car(w)[0] - ref.fit.car[w])))
                       for w in windows),
        "p_rel": max(x[0] for x in pval),
        "nan_mismatch": sum(x[1] for x in car + stat + pval),
        "finite_tests": int(sum(bool(np.isfinite(r.stat)) for r in got.values())),
        "n_tests": len(keys), "notes": notes}))
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
    """Parse options, generate (or read) the data, time the runs and write the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    p.add_argument("--firms", type=int, default=1000, help="firms in the panel (500-5000)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--out", type=Path, default=Path("docs/performance.md"))
    p.add_argument(
        "--skip-naive-above",
        type=int,
        default=10000,
        help="largest size for the comparison child (engine vs reference_study)",
    )
    p.add_argument("--executor", default="local", choices=["local", "dask"])
    p.add_argument("--with-report", action="store_true", help="also time writing the report")
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="read prices.parquet and events_<size>.csv from this folder instead of generating "
        "them (e.g. files written earlier by make_panel / make_events)",
    )
    a = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="es-bench-") as tmp:
        folder = Path(tmp)
        if a.data is None:
            t = time.perf_counter()
            prices, sessions = make_panel(folder, a.firms, a.seed)
            gen = time.perf_counter() - t
            print(f"panel: {a.firms} firms x {len(sessions)} sessions in {gen:.1f} s", flush=True)
        else:
            prices = a.data / "prices.parquet"
            frame = pd.read_parquet(prices, columns=["date", "ticker"])
            sessions = pd.DatetimeIndex(frame["date"].unique()).sort_values()
            a.firms = int(frame["ticker"].nunique()) - 1  # without the benchmark MKT
        for n in a.sizes:
            if a.data is None:
                events = make_events(folder, sessions, a.firms, n, a.seed)
            else:
                events = a.data / f"events_{n}.csv"
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
                cwall, cpeak, cinfo = run_measured(
                    [sys.executable, "-c", COMPARE_CHILD, str(events), str(prices), str(TESTS_DIR)]
                )
                st = cinfo["stages"]
                row["compare"] = {
                    **cinfo,
                    "wall": cwall,
                    "peak": cpeak,
                    "naive_process": cwall - st["engine"] - st["engine_warm_total"] - st["compare"],
                }
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
    write_markdown(a, rows, len(sessions))


def write_markdown(a: argparse.Namespace, rows: list[dict], n_sessions: int) -> None:
    """The measured tables plus the machine, as Markdown."""
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
        "event). Market model, estimation [-250, -11], windows "
        "[0,0], [-1,1], [0,1], [0,5], [-5,5], all 13 registered tests.",
        "",
        "## Whole study runs",
        "",
        "One child process per size runs `load_events` + `LocalPriceProvider` + `EventStudy.run` "
        "(tests per event and pooled, daily and CAR tables, market values; no report folder). "
        "Wall time is the whole process (interpreter start, imports, reading the files, the "
        "study); peak memory is the child's `ru_maxrss`.",
        "",
        "| firm-events | wall (s) | firm-events/s | peak RSS (GiB) | stages (s) |",
        "|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        lines.append(
            f"| {r['n']:,} | {r['wall']:.1f} | {r['n'] / r['wall']:,.0f} | {r['peak']:.2f} "
            f"| {stages} |"
        )
    compared = [r for r in rows if "compare" in r]
    if compared:
        lines += [
            "",
            "## Engine against the textbook per-event study (like for like)",
            "",
            "One child process per size reads the Parquet prices and the events CSV once (pandas: "
            "adjusted closes pivoted wide, `pct_change`), imports statsmodels and scipy, then "
            "times on the same inputs (a) `engine.estimate` (market model, `min_nobs=120`, the "
            "five windows, all 13 tests, one pooled group of every firm-event): the first "
            "call in the process, which loads the compiled kernels from numba's cache, then "
            "warm calls, up to five before (b) and five after it (fewer once they have taken "
            "10 s), the best with their median in brackets; and (b) "
            "`reference_study` of `tests/scale/reference_study.py` (one statsmodels OLS per "
            "firm-event, `scipy.stats.rankdata` per firm-event, pandas event-time frames, "
            "pairwise residual correlations for r-bar, statsmodels portfolio regression; the "
            "same r-bar subsample as the engine when it draws one (more "
            "than `engine.KP_MAX_PAIRS` overlapping pairs)). Both give per-firm ARs, CARs and variances "
            "and the 13 statistics with p-values. The agreement columns are the largest "
            "`|a - b| / max(|a|, |b|)` over every CAR (all firm-events and windows), every "
            "statistic and every p-value (13 tests x 5 windows), and the count of places where "
            "exactly one side is NaN; a CAR close to 0 has a large relative difference for a tiny "
            "absolute one, shown in brackets. `naive whole process` is the child's wall time minus "
            "the engine calls and the check: start-up, imports and reading the files plus (b); `speed-up` "
            "divides it by the study's whole-process wall time above.",
            "",
            "| firm-events | (a) engine, first call (s) | (a) engine, warm: best (median) (s) "
            "| (b) reference "
            "(s) | (b) / (a) first | (b) / (a) warm | max rel. diff "
            "CARs (max abs.) | max rel. diff statistics | max rel. diff p-values | NaN mismatches | "
            "finite statistics | naive whole process (s) | speed-up (whole processes) | "
            "peak RSS (GiB) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in compared:
            c = r["compare"]
            eng, ref = c["stages"]["engine"], c["stages"]["reference"]
            warm = c["stages"]["engine_warm"]
            median = c["stages"]["engine_warm_median"]
            lines.append(
                f"| {r['n']:,} | {eng:.2f} | {warm:.3f} ({median:.3f}) | {ref:.2f} "
                f"| {ref / eng:.1f}x "
                f"| {ref / warm:.0f}x | {c['car_rel']:.1e} "
                f"({c['car_abs']:.0e}) "
                f"| {c['stat_rel']:.1e} | {c['p_rel']:.1e} | {c['nan_mismatch']} "
                f"| {c['finite_tests']} of {c['n_tests']} | {c['naive_process']:.1f} "
                f"| {c['naive_process'] / r['wall']:.2f}x | {c['peak']:.2f} |"
            )
    notes = sorted({n for r in rows for n in r["notes"]})
    notes += sorted({n for r in compared for n in r["compare"]["notes"]} - set(notes))
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
