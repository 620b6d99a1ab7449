"""Draw a study's figures in a process forked before the study runs.

Importing matplotlib and drawing the figures is about a third of a small study's run. A process
forked at the start imports matplotlib while the study is estimated, receives the result (pickled:
about 1 MB for the DeepSeek study) and draws the figures while the tables and reports are written.
The figures are the same calls as in-process (:func:`draw_figures`), so the PNG bytes are too.

The fork is taken only where it is safe and pays: on Linux (macOS's system libraries are not
fork-safe), in a process with no other thread (a lock held by another thread at the fork would
stay locked in the child), and for results small enough that pickling them costs less than
drawing. Anything else, including a failure in the child, falls back to drawing in-process.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._process import die_with_parent

if TYPE_CHECKING:
    from types import TracebackType

    from ..result import StudyResult

Progress = Callable[[str, int, int], None]

MAX_FIRM_EVENTS = 200_000
"""Larger results are drawn in-process: pickling their tables would cost more than it saves."""


@dataclass(frozen=True)
class _SampleOnly:
    """What a sample's figures read of the fit: which firm-events were studied."""

    sample: Any


def figure_payload(result: StudyResult) -> StudyResult:
    """The result as the child needs it for the figures.

    A sample's figures read the pooled tables, the CARs and the list of firm-events, not the
    daily table, the fitted arrays or the model's inputs (together about 90% of the pickle: 140 MB
    of 150 at 10^4 firm-events), so those stay here. A few events are sent whole.
    """
    from .pooled import is_sample

    if not is_sample(result):
        return result
    return replace(
        result,
        fit=_SampleOnly(result.fit.sample),  # type: ignore[arg-type]
        daily=result.daily.iloc[:0],
        inputs=None,
    )


def draw_figures(
    result: StudyResult, directory: Path, which: str, progress: Progress | None = None
) -> dict[str, Path]:
    """Write the figures of ``which`` and the analysis figures; return the PNG files by key."""
    from .analysis_plots import write_analysis_plots
    from .plots import write_plots  # imported here: matplotlib is slow to import

    drawn = write_plots(result, directory, which=which, progress=progress)  # type: ignore[arg-type]
    drawn.update(write_analysis_plots(result, directory))
    return drawn


def can_fork() -> bool:
    """Whether a figure worker may be forked here: Linux and no other thread running."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class FigureWorker:
    """A forked process that draws one result's figures on request.

    Use as a context manager around the study: :meth:`submit` hands the child the result,
    :meth:`collect` waits for its figures. On leaving, the child is killed unless it has finished
    (an unused worker, an error or Ctrl-C in the parent) and reaped, so it never outlives the run.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self._conn: Connection | None = None
        self._done = False

    def __enter__(self) -> FigureWorker:
        if not can_fork():
            return self
        parent, child = Pipe()
        parent_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
            parent.close()
            _serve(child, parent_pid)
        child.close()
        self.pid, self._conn = pid, parent
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether a child is there to draw."""
        return self._conn is not None

    def submit(self, result: StudyResult, directory: Path, which: str) -> bool:
        """Send the child a result to draw into ``directory``; False when it cannot take it."""
        if self._conn is None or len(result.fit.sample.pairs) > MAX_FIRM_EVENTS:
            return False
        try:
            payload = (figure_payload(result), Path(directory), which)
            self._conn.send_bytes(pickle.dumps(payload, protocol=5))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            self.close(kill=True)
            return False
        return True

    def collect(self, progress: Progress | None = None) -> dict[str, Path] | None:
        """Wait for the figures sent with :meth:`submit`; None if the child failed.

        ``progress`` gets the child's ``("figures", done, total)`` steps; warnings the child
        caught while drawing are issued again here.
        """
        if self._conn is None:
            return None
        try:
            while True:
                kind, payload = self._conn.recv()
                if kind == "progress" and progress is not None:
                    progress(*payload)
                elif kind == "warning":
                    category, message = payload
                    warnings.warn(message, category, stacklevel=2)
                elif kind == "done":
                    self._done = True
                    self.close()
                    return dict(payload)
                elif kind == "failed":
                    break
        except (EOFError, OSError):
            pass
        self.close(kill=True)
        return None

    def close(self, kill: bool = False) -> None:
        """Stop the child and reap it: killed unless it has finished drawing (or ``kill``)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            if (kill or not self._done) and self.pid is not None:
                _kill(self.pid)  # no wait for an import or a figure nobody will read
            try:
                conn.close()  # the child reads EOF and leaves
            except OSError:
                pass
        if self.pid is not None:
            pid, self.pid = self.pid, None
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _serve(conn: Connection, parent_pid: int) -> None:  # pragma: no cover - the child's life
    """Import matplotlib, wait for one result, draw it, report back, and exit."""
    code = 0
    try:
        die_with_parent(parent_pid)
        # Ctrl-C reaches the whole process group: the parent handles it and stops this child
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from . import analysis_plots, plots  # noqa: F401 - the import is the point

        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        result, directory, which = pickle.loads(data)

        def progress(stage: str, done: int, total: int) -> None:
            conn.send(("progress", (stage, done, total)))

        # recorded under the filters inherited from the parent, and issued again there
        with warnings.catch_warnings(record=True) as caught:
            try:
                drawn = draw_figures(result, directory, which, progress)
            except BaseException:  # the parent draws again in-process and shows the error
                conn.send(("failed", None))
                return
        for w in caught:
            conn.send(("warning", (w.category, str(w.message))))
        conn.send(("done", {key: Path(path) for key, path in drawn.items()}))
    except BaseException:
        code = 1
    finally:
        try:
            conn.close()
        finally:
            os._exit(code)


__all__ = [
    "MAX_FIRM_EVENTS",
    "FigureWorker",
    "can_fork",
    "draw_figures",
    "figure_payload",
]
