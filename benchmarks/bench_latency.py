"""Latency benchmark: how long whole ``eventstudy`` processes take, against the PyPI peer.

Every case is a child process timed from start to exit (wall time, and its user+sys CPU time from
``os.wait4``), run several times after one untimed warm-up run; the table shows the median and
the spread. The machine is shared, so the load average is recorded beside each case and CPU time
(which load inflates much less than wall time) is shown beside wall time::

    python benchmarks/bench_latency.py --runs 5 --out docs/performance.md

Cases:

1. ``eventstudy --help``.
2. ``eventstudy events list events/deepseek_2025.toml``.
3. The DeepSeek study, warm (numba's cache filled), default figures (``--plots key``) and
   ``--plots all``: ``eventstudy run events/deepseek_2025.toml --prices ... --shares ... --out``.
4. The DeepSeek study as the *first run after install*: a fresh virtual environment
   (``python -m venv --system-site-packages`` and ``pip install --no-deps .``, so the package's
   own files are fresh and numba's cache beside them is empty; dependencies come from the
   environment running this script), then the study; before each repeat the numba cache of that
   install is deleted again.
5. A 20-firm, one-date study (20 DeepSeek-snapshot tickers on 2025-01-27, ``ticker,event_date``
   CSV, market SPY, estimation [-250, -11], windows [-5, 5] and [0, 0]) with every output
   (``--plots all``), against the PyPI ``eventstudy`` package's market-model CAAR t test on the
   same prices and events (``benchmarks/peer_eventstudy.py``: its own venv and process), run in
   alternation in the same benchmark run.

Every case of ours runs the package *installed* from this checkout into a fresh virtual
environment (``pip install --no-deps .``, as the README's command installs it), from a folder
outside the checkout and without ``PYTHONPATH``. A development checkout run through
``PYTHONPATH`` (or an editable install, whose import hook is loaded at start-up) takes about
0.07 s longer per process; ``--checkout`` measures that way instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_eventstudy import run_peer_ttest, timed_child  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(os.environ.get("EVENTSTUDY_SNAPSHOT", "/work/shared/data/deepseek-2025"))
TICKERS_20 = [
    "NVDA", "AVGO", "TSM", "ASML", "AMD", "MRVL", "MU", "ARM", "SMCI", "ORCL",
    "MSFT", "GOOGL", "AMZN", "META", "AAPL", "VST", "CEG", "INTC", "QCOM", "QQQ",
]  # fmt: skip
BEGIN = "<!-- latency table: written by benchmarks/bench_latency.py -->"
END = "<!-- end of latency table -->"


@dataclass
class Case:
    """Timings of one case: wall and CPU seconds per run, load average before each run."""

    name: str
    target: str = ""
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def our_env(pythonpath: Path | None) -> dict[str, str]:
    # without PYTHONDONTWRITEBYTECODE (some sandboxes set it): bytecode is cached as anywhere
    dropped = ("PYTHONPATH", "NUMBA_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["MPLBACKEND"] = "Agg"
    env["COLUMNS"] = "100"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def repeat(case: Case, runs: int, once: Callable[[int], tuple[float, float]]) -> Case:
    once(-1)  # warm-up: OS file cache, .pyc files, numba cache; not counted
    for i in range(runs):
        case.load.append(os.getloadavg()[0])
        case.add(*once(i))
    print(f"{case.name}: wall {fmt(case.wall)}, cpu {fmt(case.cpu)}", file=sys.stderr, flush=True)
    return case


def run_cmd(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    here = Path.cwd()
    os.chdir(cwd)
    try:
        wall, cpu, _ = timed_child(argv, env=env)
    finally:
        os.chdir(here)
    return wall, cpu


def study_argv(python: str, events: Path, out: Path, *extra: str) -> list[str]:
    return [
        python,
        "-m",
        "eventstudy",
        "run",
        str(events),
        "--prices",
        str(SNAPSHOT / "prices.csv"),
        "--out",
        str(out),
        "--force",
        *extra,
    ]


def fresh_venv(folder: Path) -> Path:
    """A venv seeing this interpreter's packages, with this checkout installed (not editable)."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(folder)], check=True
    )
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        check=True,
        env=our_env(None),
    )
    return python


def clear_numba_cache(python: Path) -> int:
    """Delete the numba cache files of the package installed for ``python``; return how many."""
    where = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import eventstudy, os; print(os.path.dirname(eventstudy.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=our_env(None),
    ).stdout.strip()
    files = [p for p in Path(where).rglob("__pycache__/*") if p.suffix in (".nbi", ".nbc")]
    for p in files:
        p.unlink()
    return len(files)


def fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--first-runs", type=int, default=3, help="repeats of the fresh-venv case")
    p.add_argument("--out", type=Path, default=None, help="docs/performance.md to update")
    p.add_argument("--skip-first-run", action="store_true")
    p.add_argument(
        "--checkout",
        action="store_true",
        help="run this checkout through PYTHONPATH instead of an installed copy",
    )
    a = p.parse_args()

    deepseek = ROOT / "events" / "deepseek_2025.toml"
    shares = ["--shares", str(SNAPSHOT / "shares_outstanding.csv")]
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp_name:
        tmp = Path(tmp_name)
        # the installed package, run from outside the checkout (``python -m`` would import
        # ./eventstudy from the current folder otherwise)
        outside = tmp / "cwd"
        outside.mkdir()
        if a.checkout:
            py, env, here = sys.executable, our_env(ROOT), ROOT
        else:
            py, env, here = str(fresh_venv(tmp / "venv")), our_env(None), outside
        events20 = tmp / "events20.csv"
        events20.write_text(
            "ticker,event_date\n" + "".join(f"{t},2025-01-27\n" for t in TICKERS_20),
            encoding="utf-8",
        )

        cases.append(
            repeat(
                Case("`eventstudy --help`", "< 0.5 s"),
                a.runs,
                lambda i: run_cmd([py, "-m", "eventstudy", "--help"], env, here),
            )
        )
        cases.append(
            repeat(
                Case("`eventstudy events list events/deepseek_2025.toml`"),
                a.runs,
                lambda i: run_cmd(
                    [py, "-m", "eventstudy", "events", "list", str(deepseek)], env, here
                ),
            )
        )
        cases.append(
            repeat(
                Case("DeepSeek study, warm, `--plots key` (default; 3 figures)", "< 3 s"),
                a.runs,
                lambda i: run_cmd(study_argv(py, deepseek, tmp / "ds-key", *shares), env, here),
            )
        )
        cases.append(
            repeat(
                Case("DeepSeek study, warm, `--plots all` (15 figures)"),
                a.runs,
                lambda i: run_cmd(
                    study_argv(py, deepseek, tmp / "ds-all", *shares, "--plots", "all"), env, here
                ),
            )
        )

        # 20 firms, one date: ours with every output, and the peer's t test, alternately
        ours20 = Case("20 firms, one date, all outputs (`--plots all`): eventstudy")
        peer20 = Case("20 firms, one date: PyPI `eventstudy` 0.1a12 market-model t test")
        argv20 = study_argv(
            py,
            events20,
            tmp / "twenty",
            "--market",
            "SPY",
            "--estimation",
            "-250",
            "-11",
            "--window",
            "-5,5",
            "--window",
            "0,0",
            "--plots",
            "all",
        )
        peer_kw = dict(market="SPY", estimation=(-250, -11), event_window=(-5, 5))
        run_cmd(argv20, env, here)
        peer = run_peer_ttest(SNAPSHOT / "prices.csv", events20, **peer_kw)
        for _ in range(a.runs):
            ours20.load.append(os.getloadavg()[0])
            ours20.add(*run_cmd(argv20, env, here))
            peer20.load.append(os.getloadavg()[0])
            peer = run_peer_ttest(SNAPSHOT / "prices.csv", events20, **peer_kw)
            peer20.add(peer.wall_s, peer.cpu_s)
        cases += [ours20, peer20]
        agreement = caar_agreement(tmp / "twenty" / "aar.csv", peer.caar)

        if not a.skip_first_run:
            python = fresh_venv(tmp / "venv-first")
            first = Case(
                "DeepSeek study, first run after `pip install .` (numba cache empty)", "< 8 s"
            )
            second = Case("DeepSeek study, second run in that venv (cache filled)")
            venv_env = our_env(None)
            for i in range(a.first_runs):
                clear_numba_cache(python)
                first.load.append(os.getloadavg()[0])
                first.add(
                    *run_cmd(
                        study_argv(str(python), deepseek, tmp / f"fresh{i}", *shares),
                        venv_env,
                        cwd=outside,
                    )
                )
                second.load.append(os.getloadavg()[0])
                second.add(
                    *run_cmd(
                        study_argv(str(python), deepseek, tmp / f"fresh{i}", *shares),
                        venv_env,
                        cwd=outside,
                    )
                )
            cases += [first, second]

    ratio = peer20.median / ours20.median
    ratio_cpu = statistics.median(peer20.cpu) / statistics.median(ours20.cpu)
    lines = [
        BEGIN,
        "",
        f"Measured by `python benchmarks/bench_latency.py --runs {a.runs}` on "
        f"{dt.date.today().isoformat()}: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        + (
            "this checkout through PYTHONPATH. "
            if a.checkout
            else "the package installed from this checkout into a fresh venv "
            "(`pip install --no-deps .`, as the README installs it), run from outside the "
            "checkout. "
        )
        + "Each case is a whole child process (start to exit), "
        "after one untimed warm-up run; wall and CPU (user+sys of the child, from `wait4`) are "
        "the median with the range of the runs in brackets; *load* is the 1-minute load average "
        "before the runs (median), from other work on this shared machine.",
        "",
        "| case | runs | wall (s) | CPU (s) | load | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for c in cases:
        lines.append(
            f"| {c.name} | {len(c.wall)} | {fmt(c.wall)} | {fmt(c.cpu)} | "
            f"{statistics.median(c.load):.1f} | {c.target} |"
        )
    lines += [
        "",
        f"20 firms, one date: the peer's t test takes {ratio:.2f}x our whole study's wall time "
        f"(median against median; {ratio_cpu:.2f}x in CPU time); target: at least 1.5x. "
        f"Pooled CAAR over [-5, 5], ours against the peer's: {agreement}.",
        "",
        END,
    ]
    table = "\n".join(lines)
    print(table)
    if a.out is not None:
        text = a.out.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + table + rest.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n## Latency\n\n" + table + "\n"
        a.out.write_text(text, encoding="utf-8")


def caar_agreement(aar_csv: Path, peer_caar: dict[int, float]) -> str:
    """Our pooled CAAR at each day of [-5, 5] against the peer's: the largest absolute gap."""
    import pandas as pd

    aar = pd.read_csv(aar_csv)
    pooled = aar[aar["event_id"] == "ALL"].set_index("rel_day")["caar"]
    gaps = {d: abs(pooled.get(d, float("nan")) - v) for d, v in peer_caar.items()}
    worst = max(gaps, key=lambda d: gaps[d])
    return (
        f"day 0 {pooled.get(0, float('nan')):+.4f} vs {peer_caar[0]:+.4f}, day +5 "
        f"{pooled.get(5, float('nan')):+.4f} vs {peer_caar[5]:+.4f}; largest gap "
        f"{gaps[worst]:.1e} (day {worst:+d})"
    )


if __name__ == "__main__":
    main()
