"""The output folder of a run: locked, staged beside it, swapped in, and recovered after a crash.

A run writes into a hidden staging folder beside ``--out`` and moves it into place only when
complete. Everything it creates beside ``--out`` has a name beginning ``.eventstudy-`` followed by
its role and a key derived from the folder's name (never the user's text itself), and the folders
hold a file written by the run that names their target. A later run removes a folder only when
both hold, so a user's own files beside ``--out`` are never touched. An exclusive lock
(:mod:`filelock`) on the folder is held from the first check to the final move, and a journal in
the backup folder lets the next run restore the earlier outputs if a run died between the two
final moves. The swap itself is ours: no library does a journaled directory swap.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputBusyError, OutputError, OutputExistsError, OutputRecoveredWarning

MARKER = ".eventstudy-output"
"""File in every folder eventstudy writes (JSON: run id and target); ``--force`` needs it."""

JOURNAL = ".eventstudy-swap.json"
"""File in a backup folder saying which folder its ``previous/`` came from, written before the swap."""

PREFIX = ".eventstudy-"
"""Start of the name of everything a run creates beside ``--out``."""

# what a full, read-only or forbidden disk means, in words, and what to do about it
_REASONS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ENOTDIR: "part of the path is a file, not a folder",
}
_FIXES: dict[int, str] = {
    errno.ENOSPC: "free some space on that disk, then run again",
    errno.EDQUOT: "free some space on that disk, then run again",
    errno.EACCES: "check that you may read or write it (its permissions), then run again",
    errno.EPERM: "check that you may read or write it (its permissions), then run again",
    errno.EROFS: "use a file or folder on a writable disk",
    errno.ENOENT: "check the path",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ENOTDIR: "check the path",
}
_OUT_FIXES: dict[int, str] = {
    errno.ENOSPC: "free some space on that disk or choose an --out folder on another disk",
    errno.EDQUOT: "free some space on that disk or choose an --out folder on another disk",
    errno.EACCES: "choose an --out folder you may write to, or change its permissions",
    errno.EPERM: "choose an --out folder you may write to, or change its permissions",
    errno.EROFS: "choose an --out folder on a writable disk",
    errno.ENAMETOOLONG: "choose a shorter --out path",
    errno.ENOTDIR: "choose an --out path whose parents are folders",
    errno.EEXIST: "choose an --out path whose parents are folders",
}


def describe_os_error(exc: OSError) -> str:
    """What went wrong, in words, for a file-system error (e.g. ``"the disk is full"``)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    if exc.errno == errno.EEXIST:
        # Path.mkdir(exist_ok=True) raises it when part of the path is a file
        return _REASONS[errno.ENOTDIR]
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    return reason[:1].lower() + reason[1:]


def environment_message(exc: OSError) -> str:
    """One sentence for a file-system error met outside the output folder (a price file, the cache).

    Parameters
    ----------
    exc
        The error raised by the operating system.

    Returns
    -------
    str
        E.g. ``"could not use /data/prices.csv: permission denied; check that you may read or
        write it (its permissions), then run again."``
    """
    what = (
        f"could not use {exc.filename}"
        if exc.filename
        else f"a file or network operation failed ({type(exc).__name__})"
    )
    fix = _FIXES.get(exc.errno or 0, "check the path, its disk or the network, then run again")
    return f"{what}: {describe_os_error(exc)}; {fix}."


def output_error(out: Path, exc: OSError) -> OutputError:
    """One sentence for an ``OSError`` met while using the output folder ``out``."""
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""
    fix = _OUT_FIXES.get(
        exc.errno or 0, "check the folder and its disk, or choose another --out folder"
    )
    return OutputError(
        f"cannot write the outputs to {out}: {describe_os_error(exc)}{where}; {fix}.",
        folder=str(out),
    )


@contextmanager
def os_errors_as_output_errors(out: Path) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into an :class:`OutputError` naming ``out``."""
    try:
        yield
    except OSError as exc:
        raise output_error(out, exc) from exc


def key_of(path: Path) -> str:
    """Twelve hex digits naming ``path``'s folder name in our own file names (no user text)."""
    raw = os.fsencode(path.name)
    return hashlib.sha256(raw).hexdigest()[:12]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a record whole or not at all (a kill leaves at most ``<name>.tmp``), flushed to disk."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())  # the journal must be on disk before the move it describes
    os.replace(tmp, path)


def _only_scraps(folder: Path, record: str) -> bool:
    """Whether ``folder`` holds nothing but a half-written ``record`` (a run killed while writing it)."""
    try:
        return {p.name for p in folder.iterdir()} <= {record + ".tmp"}
    except OSError:
        return False


def _ours(folder: Path, file: str, target: Path) -> dict[str, Any] | None:
    """The record ``folder/file`` when a run wrote it for ``target``, else None."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    record = _read_json(folder / file)
    if record is None or record.get("written_by") != "eventstudy":
        return None
    return record if record.get("target") == target.name else None


def _folder_mode() -> int:
    # mkdtemp makes the folder private (0700); the published folder gets the usual mode
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


@contextmanager
def _sigint_deferred() -> Iterator[Callable[[], bool]]:
    """Hold Ctrl-C back during the swap; the block asks whether one came."""
    received: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is None:
        yield lambda: False  # only the main thread can catch signals
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGINT, previous)


class OutputFolder:
    """The ``--out`` folder of one run, from the first check to the final move.

    Entering it takes the folder's lock (failing at once if another run holds it), restores an
    interrupted swap, checks that the folder may be replaced, removes this folder's leftovers of
    killed runs, and creates the staging folder (which also proves the disk can be written), all
    before any computation. :meth:`write` fills the staging folder, :meth:`commit` swaps it in.
    Leaving it removes the staging folder if it was not committed and releases the lock.

    Parameters
    ----------
    out
        The output folder as given. A symbolic link is written through: the outputs go into the
        folder it points to and the link stays.
    force
        Replace an earlier run's outputs (only in a folder holding the :data:`MARKER` file).
    """

    def __init__(self, out: str | Path, *, force: bool = False) -> None:
        self.out = Path(out)
        self.path = Path(os.path.realpath(self.out))
        self.force = force
        self.run_id = uuid.uuid4().hex
        self.staging: Path | None = None
        self._lock: Any = None
        self._key = key_of(self.path)

    @property
    def lock_path(self) -> Path:
        """The lock file beside the folder (left in place: removing it would race other runs)."""
        return self.path.parent / f"{PREFIX}lock-{self._key}"

    def __enter__(self) -> OutputFolder:
        try:
            self._open()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _open(self) -> None:
        refuse_working_folder(self.out, self.path)
        with os_errors_as_output_errors(self.out):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            self._recover()
            self._sweep()
            check_target(self.out, self.path, self.force)
            if self.path.is_dir() and not os.access(self.path, os.W_OK | os.X_OK):
                # moving a folder to another parent rewrites its '..': it must be writable
                raise PermissionError(errno.EACCES, "not writable", str(self.path))
            staging = Path(
                tempfile.mkdtemp(prefix=f"{PREFIX}staging-{self._key}-", dir=self.path.parent)
            )
            self.staging = staging
            _write_json(staging / MARKER, self._record())

    def _record(self) -> dict[str, Any]:
        return {"written_by": "eventstudy", "run": self.run_id, "target": self.path.name}

    def _take_lock(self) -> None:
        from filelock import FileLock, Timeout

        lock = FileLock(self.lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise OutputBusyError(
                f"another eventstudy run is writing to {self.out} (it holds {self.lock_path}); "
                "wait until it has finished, or choose another --out folder.",
                folder=str(self.out),
            ) from None
        self._lock = lock

    def _close(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _ours_beside(self, role: str) -> Iterator[Path]:
        """Folders beside the target named as this target's ``role`` folders (no glob on user text)."""
        start = f"{PREFIX}{role}-{self._key}-"
        with os.scandir(self.path.parent) as entries:
            names = [e.name for e in entries if e.name.startswith(start)]
        for name in sorted(names):
            yield self.path.parent / name

    def _recover(self) -> None:
        """Finish or undo the swap of a run that died between its two final moves."""
        for backup in self._ours_beside("backup"):
            journal = _ours(backup, JOURNAL, self.path)
            if journal is None:
                if _only_scraps(backup, JOURNAL):
                    shutil.rmtree(backup)
                continue
            previous = backup / "previous"
            if not previous.exists():
                shutil.rmtree(backup)  # the journal only: the swap never started or was undone
                continue
            if not self.path.exists() and not self.path.is_symlink():
                os.replace(previous, self.path)
                shutil.rmtree(backup)
                warnings.warn(
                    OutputRecoveredWarning(
                        f"an earlier run was interrupted while replacing {self.out}; its previous "
                        f"outputs were restored from {backup.name} and are in {self.out} again."
                    ),
                    stacklevel=4,
                )
                continue
            placed = _read_json(self.path / MARKER) or {}
            if placed.get("run") == journal.get("run"):
                shutil.rmtree(backup)  # the swap finished; only its clean-up was cut short
                continue
            warnings.warn(
                OutputRecoveredWarning(
                    f"{backup} holds earlier outputs of {self.out} from an interrupted run, but "
                    f"{self.out} was recreated since; they were left there: move back what you "
                    "need and delete the folder."
                ),
                stacklevel=4,
            )

    def _sweep(self) -> None:
        """Remove the staging folders that killed runs left for this target (ours, marked)."""
        for staging in self._ours_beside("staging"):
            if _ours(staging, MARKER, self.path) is not None or _only_scraps(staging, MARKER):
                shutil.rmtree(staging)

    def write(self, writer: Callable[[Path], object]) -> None:
        """Call ``writer(staging_folder)``; a file-system error becomes an :class:`OutputError`."""
        if self.staging is None:
            raise RuntimeError("OutputFolder.write needs an entered, uncommitted OutputFolder")
        with os_errors_as_output_errors(self.out):
            writer(self.staging)

    def commit(self) -> None:
        """Move the staging folder into place, keeping the earlier outputs until it is there.

        The earlier folder first moves into a backup folder whose journal (written before the
        move) names it, so a run killed between the two moves is undone by the next run. A
        Ctrl-C during the moves is held back: before the second move it undoes the first and
        stops the run; after it, the run completes (the new outputs are in place).
        """
        staging = self.staging
        if staging is None:
            raise RuntimeError("OutputFolder.commit needs an entered, uncommitted OutputFolder")
        with os_errors_as_output_errors(self.out):
            os.chmod(staging, _folder_mode())
            if not self.path.exists():
                os.replace(staging, self.path)
                self.staging = None
                return
            backup = Path(
                tempfile.mkdtemp(prefix=f"{PREFIX}backup-{self._key}-", dir=self.path.parent)
            )
            try:
                _write_json(backup / JOURNAL, {**self._record(), "staging": staging.name})
            except BaseException:
                shutil.rmtree(backup, ignore_errors=True)  # nothing moved yet
                raise
            self._swap(staging, backup)

    def _swap(self, staging: Path, backup: Path) -> None:
        previous = backup / "previous"
        with _sigint_deferred() as interrupted:
            try:
                os.replace(self.path, previous)
                if interrupted():
                    raise KeyboardInterrupt
                os.replace(staging, self.path)
            except BaseException:
                self._undo(previous, backup)
                raise
            self.staging = None
            shutil.rmtree(backup, ignore_errors=True)

    def _undo(self, previous: Path, backup: Path) -> None:
        """Put the earlier outputs back after a failed or interrupted swap."""
        if previous.exists() and not self.path.exists():
            try:
                os.replace(previous, self.path)
            except OSError as exc:
                raise OutputError(
                    f"the earlier outputs of {self.out} could not be moved back from "
                    f"{previous} ({describe_os_error(exc)}); the next run into {self.out} "
                    "restores them, or move them back by hand.",
                    folder=str(self.out),
                ) from exc
        if not previous.exists():
            shutil.rmtree(backup, ignore_errors=True)


def refuse_working_folder(out: Path, path: Path) -> None:
    """Refuse an ``--out`` that is the current folder or holds it (the run replaces it whole)."""
    cwd = Path(os.path.realpath(os.getcwd()))
    if path == cwd or path in cwd.parents:
        raise OutputError(
            f"--out {out} is the current folder or one of its parents, and a run replaces its "
            "--out folder whole; choose a new folder for the outputs, e.g. --out outputs/study.",
            folder=str(out),
        )


def check_target(out: Path, path: Path, force: bool) -> None:
    """Refuse to write over an earlier run without ``force``, and over other files at all.

    ``--force`` replaces a folder only when eventstudy wrote it (it holds the marker file), so a
    mistyped ``--out`` can never delete someone's own files.

    Parameters
    ----------
    out
        The folder as the user gave it (named in messages).
    path
        The folder itself (``out`` with symbolic links resolved).
    force
        Whether an earlier run's outputs may be replaced.
    """
    if path.exists() and not path.is_dir():
        raise OutputExistsError(
            f"--out {out} is a file, not a folder; choose a folder for the outputs.",
            field="out",
            value=str(out),
        )
    if not path.exists() or not any(path.iterdir()):
        return
    if not (path / MARKER).exists():
        raise OutputExistsError(
            f"{out} is not empty and was not written by eventstudy (no {MARKER} file); "
            "choose a new or empty --out folder (--force only replaces earlier eventstudy outputs).",
            field="out",
            value=str(out),
        )
    if not force:
        raise OutputExistsError(
            f"{out} already holds outputs of an earlier run; pass --force to replace them or "
            "choose another --out folder.",
            field="out",
            value=str(out),
        )
