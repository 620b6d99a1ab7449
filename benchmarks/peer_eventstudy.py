"""Run the PyPI ``eventstudy`` package (the "peer") on our inputs, in its own venv and process.

Our package and the peer share the import name ``eventstudy``, so the peer lives in a separate
virtual environment (created here on first use with ``python -m venv`` and ``pip install``) and runs
in a child process started with ``python -I`` and no ``PYTHONPATH``: nothing of ours can shadow it.

The peer's API (``eventstudy`` 0.1a12, read from its installed source):

* ``Single.import_returns(path)`` reads a *wide* CSV of returns (a ``date`` column, one column
  per ticker). With ``is_price=True, log_return=False`` it would turn prices into returns itself,
  but as ``(P_t - P_{t-1}) / P_t`` (divided by today's price, not yesterday's: NVDA's -16.97% on
  2025-01-27 becomes -20.4%), so the adapter hands it simple returns ``P_t / P_{t-1} - 1``;
* ``Multiple.from_csv(path, Single.market_model, event_window, estimation_size, buffer_size,
  date_format=...)`` reads one row per event with the keyword arguments of ``Single.market_model``
  (``security_ticker``, ``market_ticker``, ``event_date``), fits an OLS market model per event over
  ``estimation_size`` rows ending ``buffer_size`` rows before the event window, and pools them into
  a CAAR with MacKinlay's (1997) t test (``Multiple.CAAR``, ``.tstat``, ``.pvalue``, one value per
  day of the event window).

So the adapter converts our long price panel (``date, ticker, ..., adj_close``) into wide simple
returns, and our ``ticker,event_date`` events CSV into the peer's, *before* the timed child starts
(the conversion is ours, not the peer's work, and leaving it out of the peer's time favours it),
then times the whole child process: interpreter start, imports, reading, the fits and the test.

Usage::

    from peer_eventstudy import run_peer_ttest
    run = run_peer_ttest("prices.csv", "events.csv", market="SPY", estimation=(-250, -11),
                         event_window=(-5, 5))
    run.wall_s, run.cpu_s, run.caar[0]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PEER_REQUIREMENT = "eventstudy==0.1a12"

# Runs inside the peer's venv: everything from reading the files to the pooled t test.
_CHILD = r"""
import json, sys
import numpy as np
from eventstudy import Multiple, Single

returns_csv, events_csv, w0, w1, est_size, buffer_size = sys.argv[1:7]
Single.import_returns(returns_csv, is_price=False, date_format="%Y-%m-%d")
agg = Multiple.from_csv(
    events_csv, Single.market_model, (int(w0), int(w1)), int(est_size), int(buffer_size),
    date_format="%Y-%m-%d", ignore_errors=False,
)
table = agg.results(asterisks=False, decimals=None)
json.dump({
    "relative_day": [int(i) for i in table.index],
    "caar": [float(v) for v in np.asarray(agg.CAAR)],
    "tstat": [float(v) for v in np.asarray(agg.tstat)],
    "pvalue": [float(v) for v in np.asarray(agg.pvalue)],
    "n_events": len(agg.sample),
}, sys.stdout)
"""


@dataclass(frozen=True)
class PeerRun:
    """One timed run of the peer's market-model t test.

    ``wall_s`` is the child's whole-process wall time; ``cpu_s`` its user+sys CPU time (from
    ``wait4``), so a loaded machine shows up as wall >> cpu. ``caar``, ``tstat`` and ``pvalue`` map
    the event-window day (relative to day 0) to the peer's pooled value.
    """

    wall_s: float
    cpu_s: float
    caar: dict[int, float]
    tstat: dict[int, float]
    pvalue: dict[int, float]
    n_events: int


def default_venv() -> Path:
    """The peer venv's folder: ``$TMPDIR/eventstudy-peer-venv`` (``/tmp`` when unset)."""
    return Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "eventstudy-peer-venv"


def ensure_peer_venv(venv: Path | None = None) -> Path:
    """Create the peer's venv and install it from PyPI if needed; return its python executable."""
    venv = Path(venv) if venv is not None else default_venv()
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = [
        str(python),
        "-I",
        "-c",
        "import eventstudy, sys; sys.exit(eventstudy.__version__ != '0.1a12')",
    ]
    if subprocess.run(probe, env=_child_env(), capture_output=True).returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", PEER_REQUIREMENT],
            check=True,
            env=_child_env(),
        )
    return python


def write_peer_inputs(
    prices: str | Path,
    events: str | Path,
    market: str,
    folder: str | Path,
    price_field: str = "adj_close",
) -> tuple[Path, Path]:
    """Write the peer's wide returns CSV and events CSV into ``folder``; return both paths.

    ``prices`` is our long panel (``date, ticker`` and ``price_field``); ``events`` has
    ``ticker,event_date`` rows. Only the event tickers and the market are kept, on the dates where
    the market has a price (the peer counts windows in rows of this file); returns are simple,
    ``P_t / P_{t-1} - 1`` between consecutive rows.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ev = pd.read_csv(events, dtype={"ticker": str})
    panel = pd.read_csv(prices, usecols=["date", "ticker", price_field], dtype={"ticker": str})
    keep = sorted(set(ev["ticker"])) + [market]
    wide = panel[panel["ticker"].isin(keep)].pivot(
        index="date", columns="ticker", values=price_field
    )
    wide = wide.loc[wide[market].notna(), keep].sort_index()
    returns = wide.pct_change(fill_method=None).iloc[1:]
    prices_out, events_out = folder / "peer_returns.csv", folder / "peer_events.csv"
    returns.rename_axis("date").reset_index().to_csv(prices_out, index=False)
    pd.DataFrame(
        {
            "security_ticker": ev["ticker"],
            "market_ticker": market,
            "event_date": pd.to_datetime(ev["event_date"]).dt.strftime("%Y-%m-%d"),
        }
    ).to_csv(events_out, index=False)
    return prices_out, events_out


def peer_windows(estimation: tuple[int, int], event_window: tuple[int, int]) -> tuple[int, int]:
    """Our estimation window in sessions -> the peer's ``(estimation_size, buffer_size)``.

    The peer's estimation rows end ``buffer_size`` rows before the event window's first day, so
    ``[-250, -11]`` with window ``(-5, 5)`` is ``estimation_size=240, buffer_size=5``.
    """
    start, end = estimation
    if end >= event_window[0]:
        raise ValueError(f"estimation {estimation} must end before the event window {event_window}")
    return end - start + 1, event_window[0] - end - 1


def timed_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, bytes]:
    """Run ``argv`` to completion; return (wall seconds, user+sys CPU seconds, stdout).

    CPU time comes from ``os.wait4`` on the child alone (not on every child of this process).
    Raises ``RuntimeError`` with the child's stderr if it fails.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        # wait4 (not proc.wait) so the rusage is this child's alone; output goes to files, so the
        # child never blocks on a full pipe.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{argv[0]} exited {proc.returncode}: {stderr.decode(errors='replace')[-2000:]}"
        )
    return wall, usage.ru_utime + usage.ru_stime, stdout


def run_peer_ttest(
    prices: str | Path,
    events: str | Path,
    *,
    market: str = "SPY",
    estimation: tuple[int, int] = (-250, -11),
    event_window: tuple[int, int] = (-5, 5),
    price_field: str = "adj_close",
    venv: Path | None = None,
    workdir: str | Path | None = None,
) -> PeerRun:
    """Time the peer's market-model CAAR t test on our long price panel and events CSV.

    The input conversion (:func:`write_peer_inputs`) runs here, untimed; the child process that is
    timed reads the converted files and runs the peer from import to the pooled test.
    """
    python = ensure_peer_venv(venv)
    est_size, buffer_size = peer_windows(estimation, event_window)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        returns_csv, events_csv = write_peer_inputs(prices, events, market, tmp, price_field)
        argv = [str(python), "-I", "-c", _CHILD, str(returns_csv), str(events_csv)]
        argv += [str(event_window[0]), str(event_window[1]), str(est_size), str(buffer_size)]
        wall, cpu, out = timed_child(argv, env=_child_env())
    res = json.loads(out)
    days = res["relative_day"]
    return PeerRun(
        wall_s=wall,
        cpu_s=cpu,
        caar=dict(zip(days, res["caar"], strict=True)),
        tstat=dict(zip(days, res["tstat"], strict=True)),
        pvalue=dict(zip(days, res["pvalue"], strict=True)),
        n_events=res["n_events"],
    )


def _child_env() -> dict[str, str]:
    # No PYTHONPATH (ours would shadow the peer); a headless matplotlib backend (the peer imports
    # pyplot when imported).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    return env


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prices")
    parser.add_argument("events")
    parser.add_argument("--market", default="SPY")
    args = parser.parse_args()
    print(run_peer_ttest(args.prices, args.events, market=args.market))
