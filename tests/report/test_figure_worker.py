"""The figure worker: figures drawn in a forked process are the same files, and nothing is left.

Each test compares the folder written with a worker against one written in-process, byte for
byte (PNGs, ``report.md`` and ``report.html``, which embeds the PNG bytes), and checks that the
worker really drew them (its answer), so a silent fallback to in-process drawing fails the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from eventstudy import EventStudy, load_events
from eventstudy.report import figure_worker as fw
from eventstudy.report import write_report
from eventstudy.report.pooled import is_sample
from tests.scale import synthetic

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the worker forks on Linux only"
)


@pytest.fixture
def forkable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork even if an earlier test left an idle thread behind (dask's offload thread does)."""
    monkeypatch.setattr(fw, "can_fork", lambda: True)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def gone(pid: int) -> bool:
    """Whether ``pid`` is no longer a process (reaped, not a zombie)."""
    return not Path(f"/proc/{pid}").exists()


class Spy:
    """Records what the worker's ``collect`` answered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[object] = []
        real = fw.FigureWorker.collect

        def collect(worker, progress=None):
            answer = real(worker, progress)
            self.answers.append(answer)
            return answer

        monkeypatch.setattr(fw.FigureWorker, "collect", collect)


def write_both(result, tmp_path: Path, plots: str, monkeypatch) -> tuple[Path, Path, Spy]:
    alone, forked = tmp_path / "alone", tmp_path / "forked"
    write_report(result, alone, plots=plots)
    spy = Spy(monkeypatch)
    with fw.FigureWorker() as worker:
        pid = worker.pid
        assert pid is not None
        write_report(result, forked, plots=plots, figures=worker)
    assert gone(pid)
    return alone, forked, spy


@pytest.mark.usefixtures("forkable")
@pytest.mark.parametrize("plots", ["key", "all"])
def test_deepseek_figures_from_the_worker_are_the_same_files(
    deepseek_result, tmp_path, monkeypatch, plots
) -> None:
    alone, forked, spy = write_both(deepseek_result, tmp_path, plots, monkeypatch)
    assert len(spy.answers) == 1 and isinstance(spy.answers[0], dict)
    assert spy.answers[0], "the worker drew nothing"
    expected, got = files_of(alone), files_of(forked)
    assert sorted(got) == sorted(expected)
    assert any(name.endswith(".png") for name in got)
    for name in expected:
        assert got[name] == expected[name], name


@pytest.fixture(scope="module")
def sample_result():
    returns, market = synthetic.panel(5, n_firms=40, n_days=600, missing=0.0)
    prices = synthetic.prices_long(returns, market)
    days = returns.index[300:560:2]
    rows = [(t, d) for i, t in enumerate(returns.columns[:30]) for d in days[i % 3 :: 3]]
    csv = Path(os.environ.get("TMPDIR", "/tmp")) / f"fw-sample-{os.getpid()}.csv"
    csv.write_text(
        "ticker,event_date\n" + "".join(f"{t},{d:%Y-%m-%d}\n" for t, d in rows), encoding="utf-8"
    )
    try:
        events = load_events(csv)
    finally:
        csv.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(events, market="MKT").run(synthetic.FramePrices(prices))


@pytest.mark.usefixtures("forkable")
def test_sample_figures_from_the_worker_are_the_same_files(
    sample_result, tmp_path, monkeypatch
) -> None:
    assert is_sample(sample_result)
    payload = fw.figure_payload(sample_result)
    assert payload.daily.empty and payload.inputs is None  # the big tables stay in the parent
    alone, forked, spy = write_both(sample_result, tmp_path, "key", monkeypatch)
    assert isinstance(spy.answers[0], dict) and "car_histogram" in spy.answers[0]
    assert files_of(forked) == files_of(alone)


@pytest.mark.usefixtures("forkable")
def test_a_failure_in_the_worker_is_drawn_again_in_process(
    deepseek_result, tmp_path, monkeypatch
) -> None:
    parent = os.getpid()
    real = fw.draw_figures

    def draw_figures(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("broken in the child")
        return real(*args, **kwargs)

    monkeypatch.setattr(fw, "draw_figures", draw_figures)
    monkeypatch.setattr("eventstudy.report.draw_figures", draw_figures)
    alone, forked, spy = write_both(deepseek_result, tmp_path, "key", monkeypatch)
    assert spy.answers == [None]
    assert files_of(forked) == files_of(alone)


@pytest.mark.usefixtures("forkable")
def test_an_error_while_the_worker_draws_stops_it(deepseek_result, tmp_path, monkeypatch) -> None:
    def broken_tables(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("eventstudy.report.write_tables", broken_tables)
    with fw.FigureWorker() as worker:
        pid = worker.pid
        with pytest.raises(OSError, match="No space"):
            write_report(deepseek_result, tmp_path / "out", plots="all", figures=worker)
        assert not worker.alive and worker.pid is None  # killed and reaped inside write_report
    assert pid is not None and gone(pid)


@pytest.mark.usefixtures("forkable")
def test_an_unused_worker_is_stopped_at_once() -> None:
    started = time.perf_counter()
    with fw.FigureWorker() as worker:
        pid = worker.pid
    assert pid is not None and gone(pid)
    assert time.perf_counter() - started < 5  # killed, not waited for through its imports


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with fw.FigureWorker() as worker:
            assert not worker.alive and worker.pid is None
    finally:
        stop.set()
        other.join()


@pytest.mark.usefixtures("forkable")
def test_warnings_raised_while_drawing_reach_the_parent(deepseek_result, tmp_path, monkeypatch):
    parent = os.getpid()
    real = fw.draw_figures

    def draw_figures(*args, **kwargs):
        if os.getpid() != parent:
            warnings.warn("a figure note from the child", UserWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fw, "draw_figures", draw_figures)
    with fw.FigureWorker() as worker, pytest.warns(UserWarning, match="from the child"):
        write_report(deepseek_result, tmp_path / "out", plots="key", figures=worker)
    assert (tmp_path / "out" / "report.html").exists()


def test_the_child_dies_with_a_killed_parent(tmp_path) -> None:
    """kill -9 of the run: its figure child must not go on writing into the staging folder."""
    # the child is made to draw for a minute; the run is killed while it draws
    code = """
import os, pickle, signal, sys, time
from eventstudy.report import figure_worker as fw
fw.draw_figures = lambda *args: time.sleep(60)
with fw.FigureWorker() as worker:
    print(worker.pid, flush=True)
    worker._conn.send_bytes(pickle.dumps((None, "unused", "key")))
    time.sleep(1.0)  # the child imports matplotlib and starts drawing
    os.kill(os.getpid(), signal.SIGKILL)
"""
    # output to a file, not a pipe: a pipe would make us wait for every process holding it
    out = tmp_path / "out.txt"
    with open(out, "w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        )
        assert proc.wait(timeout=60) == -signal.SIGKILL, out.read_text()[-2000:]
    child = int(out.read_text().split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not dead(child):
        time.sleep(0.05)
    assert dead(child)


def dead(pid: int) -> bool:
    """Gone, or a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")
