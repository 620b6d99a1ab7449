"""The output folder under hostile use (issue 14, defects 1, 2, 3 and 6).

A run removes only what it created itself, two runs into one folder cannot both write it, an
interrupted swap is restored by the next run, a symbolic link is written through, and a full,
read-only or forbidden disk is one sentence (exit 2) found before the computation. File-system
faults are injected by monkeypatching; concurrency and kills use real processes. The study is a
small synthetic panel (3 firms, 18 months of NYSE sessions), so nothing here needs the snapshot.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import eventstudy
from eventstudy.cli import app

runner = CliRunner()
CODE = Path(eventstudy.__file__).resolve().parents[1]  # the checkout under test, for subprocesses


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prices.csv (AAA, BBB, CCC and the market MKT on XNYS sessions) and events.csv."""
    import exchange_calendars as xc

    folder = tmp_path_factory.mktemp("panel")
    rng = np.random.default_rng(7)
    dates = xc.get_calendar("XNYS").sessions_in_range("2023-01-03", "2024-06-28")
    market = rng.normal(0.0003, 0.01, len(dates))
    returns = {"MKT": market}
    for i, name in enumerate(["AAA", "BBB", "CCC"]):
        returns[name] = 0.0002 + market * (0.8 + 0.2 * i) + rng.normal(0, 0.015, len(dates))
    level = 100.0 * (1.0 + pd.DataFrame(returns, index=dates)).cumprod()
    long = level.stack().rename("close").reset_index()
    long.columns = ["date", "ticker", "close"]
    long["adj_close"] = long["close"]
    long.to_csv(folder / "prices.csv", index=False)
    (folder / "events.csv").write_text(
        "ticker,event_date\nAAA,2024-03-12\nBBB,2024-03-12\nCCC,2024-04-16\n"
    )
    return folder


def args(panel: Path, out: Path | str, *extra: str) -> list[str]:
    return [
        "run",
        str(panel / "events.csv"),
        "--prices",
        str(panel / "prices.csv"),
        "--market",
        "MKT",
        "--out",
        str(out),
        *extra,
    ]


def cli(panel: Path, out: Path | str, *extra: str):
    return runner.invoke(app, args(panel, out, *extra))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """Our work folders beside the outputs (the lock file is meant to stay)."""
    return sorted(
        p.name
        for p in parent.iterdir()
        if p.name.startswith((".eventstudy-staging-", ".eventstudy-backup-"))
    )


def one_sentence(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "This is a bug" not in output and "Traceback" not in output
    return lines[0]


@pytest.fixture()
def earlier(panel: Path, tmp_path: Path) -> Path:
    """An earlier run's outputs in tmp_path/out, made with windows the later runs do not use."""
    out = tmp_path / "out"
    res = cli(panel, out, "--window", "0,1")
    assert res.exit_code == 0, res.output
    return out


def python(script: str, cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``script`` in a fresh interpreter that imports this checkout's eventstudy."""
    env = {**os.environ, "PYTHONPATH": str(CODE), "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, proc: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process ended before {path.name}: {out.decode()} {err.decode()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


# ---------------------------------------------------------------- defect 1: data outside --out


@pytest.mark.parametrize("name", ["out", "*"])
def test_a_users_hidden_folders_beside_out_survive(panel: Path, tmp_path: Path, name: str) -> None:
    # Both used to match the '.<name>.*' glob a run deleted before writing.
    out = tmp_path / name
    assert cli(panel, out).exit_code == 0
    mine = {
        ".out.backup-2025": "backup of last year",
        ".my.project-notes": "notes",
        ".out.old.x1y2": "looks like an old leftover, but is mine",
        ".eventstudy-staging-notreally": "named like ours, no record of ours",
    }
    for folder, text in mine.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "keep.txt").write_text(text)
    res = cli(panel, out, "--force")
    assert res.exit_code == 0, res.output
    for folder, text in mine.items():
        assert (tmp_path / folder / "keep.txt").read_text() == text, folder
    assert leftovers(tmp_path) == [".eventstudy-staging-notreally"]


# folder names a user may have: dots, glob characters, names like ours, any script
NAMES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=24),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from([".", "*", "?", "[", "]", "out", "-", ".eventstudy-", "staging-"])
        ),
    ),
).filter(lambda name: name not in {"", ".", ".."})


@settings(max_examples=60, deadline=None)
@given(out_name=NAMES, others=st.lists(NAMES, max_size=6, unique=True))
def test_publishing_touches_nothing_but_its_own_folder(out_name: str, others: list[str]) -> None:
    from eventstudy.publish import OutputFolder

    others = [name for name in others if name != out_name]
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        for name in others:
            (parent / name).mkdir()
            (parent / name / "keep.txt").write_bytes(name.encode())
        for run, force in enumerate((False, True, True)):
            with OutputFolder(parent / out_name, force=force) as folder:
                folder.write(lambda staging, run=run: (staging / "a.csv").write_text(str(run)))
                folder.commit()
            assert (parent / out_name / "a.csv").read_text() == str(run)
        for name in others:
            assert (parent / name / "keep.txt").read_bytes() == name.encode()
        ours = {p.name for p in parent.iterdir()} - set(others) - {out_name}
        assert len(ours) == 1 and ours.pop().startswith(".eventstudy-lock-")


def test_a_killed_runs_staging_is_removed_only_for_its_own_folder(
    panel: Path, tmp_path: Path
) -> None:
    # two runs killed while computing: one into 'out', one into its sibling 'other'
    for name in ("out", "other"):
        killed = python(
            f"""
            import os, signal
            from eventstudy.publish import OutputFolder
            OutputFolder({str(tmp_path / name)!r}).__enter__()
            os.kill(os.getpid(), signal.SIGKILL)
            """,
            cwd=tmp_path,
        )
        killed.communicate(timeout=300)
        assert killed.returncode == -signal.SIGKILL
    assert len(leftovers(tmp_path)) == 2
    res = cli(panel, tmp_path / "out")
    assert res.exit_code == 0, res.output
    (kept,) = leftovers(tmp_path)
    assert '"target": "other"' in (tmp_path / kept / ".eventstudy-output").read_text()


def test_scraps_of_a_run_killed_while_writing_its_record_are_removed(tmp_path: Path) -> None:
    from eventstudy.publish import OutputFolder, key_of

    out = tmp_path / "out"
    key = key_of(out)
    assert len(key) == 12 and int(key, 16) >= 0
    half = tmp_path / f".eventstudy-staging-{key}-dead1"
    half.mkdir()
    (half / ".eventstudy-output.tmp").write_text('{"writ')
    empty = tmp_path / f".eventstudy-backup-{key}-dead2"
    empty.mkdir()
    mine = tmp_path / f".eventstudy-staging-{key}-mine"  # our name, the user's data
    mine.mkdir()
    (mine / "data.csv").write_text("mine")
    with OutputFolder(out) as folder:
        folder.write(lambda staging: (staging / "a.csv").write_text("x"))
        folder.commit()
    assert not half.exists() and not empty.exists()
    assert (mine / "data.csv").read_text() == "mine"
    assert (out / "a.csv").read_text() == "x"


# ---------------------------------------------------------------- defect 2: concurrent runs

HOLD = """
import sys, time
from pathlib import Path
import eventstudy.study as study

real = study.EventStudy.run

def held(self, *a, **k):
    Path("started").touch()
    while not Path("go").exists():
        time.sleep(0.05)
    return real(self, *a, **k)

study.EventStudy.run = held
from eventstudy.cli import app
app({args!r}, prog_name="eventstudy")
"""


def test_a_second_run_into_the_same_folder_fails_at_once(panel: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = python(HOLD.format(args=args(panel, out)), cwd=tmp_path)
    try:
        wait_for(tmp_path / "started", first)  # the first run is computing, lock held
        # the first run is held until 'go': a second run that waited for the lock would time out
        second = subprocess.run(
            [sys.executable, "-m", "eventstudy", *args(panel, out, "--force")],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(CODE), "MPLBACKEND": "Agg"},
            timeout=300,
        )
    finally:
        (tmp_path / "go").touch()
        stdout, stderr = first.communicate(timeout=300)
    assert second.returncode == 2, second.stdout + second.stderr
    line = one_sentence(second.stderr)
    assert f"another eventstudy run is writing to {out}" in line
    assert first.returncode == 0, stderr.decode()
    names = set(os.listdir(out))
    assert {"car.csv", "tests.csv", "abnormal_returns.csv", ".eventstudy-output"} <= names
    assert leftovers(tmp_path) == []


def test_the_lock_is_held_from_the_first_check_and_released_after(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock, Timeout

    import eventstudy.study as study
    from eventstudy.publish import OutputFolder

    out = tmp_path / "out"
    lock = OutputFolder(out).lock_path
    seen: list[bool] = []
    real = study.EventStudy.run

    def probe(self, *a, **k):
        try:
            FileLock(lock, timeout=0).acquire()
            seen.append(False)
        except Timeout:
            seen.append(True)
        return real(self, *a, **k)

    monkeypatch.setattr(study.EventStudy, "run", probe)
    assert cli(panel, out).exit_code == 0
    assert seen == [True]
    after = FileLock(lock, timeout=0)
    after.acquire()  # released when the run ended
    after.release()


# ---------------------------------------------------------------- defect 3: the swap window


def moving_into(out: Path, action):
    """An ``os.replace`` that calls ``action`` instead of the first move into ``out`` while it is gone."""
    real = os.replace
    done: list[bool] = []

    def replace(src, dst, *a, **k):
        if Path(dst) == out and not os.path.lexists(out) and not done:
            done.append(True)
            return action(real, src, dst)
        return real(src, dst, *a, **k)

    return replace


def test_ctrl_c_between_the_two_moves_keeps_the_earlier_outputs(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(earlier)

    def interrupt(real, src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", moving_into(earlier, interrupt))
    res = cli(panel, earlier, "--force")
    assert res.exit_code == 130
    assert "--out holds its earlier outputs" in res.output
    assert files_of(earlier) == before
    assert leftovers(earlier.parent) == []


def test_a_failing_second_move_puts_the_earlier_outputs_back(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(earlier)

    def fail(real, src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(src), None, str(dst))

    monkeypatch.setattr(os, "replace", moving_into(earlier, fail))
    res = cli(panel, earlier, "--force")
    assert res.exit_code == 2, res.output
    assert f"cannot write the outputs to {earlier}: permission denied" in one_sentence(res.output)
    assert files_of(earlier) == before
    assert leftovers(earlier.parent) == []


@pytest.mark.parametrize("when", ["after_first_move", "during_second_move"])
def test_a_real_sigint_during_the_swap(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    before = files_of(earlier)
    real = os.replace

    def replace(src, dst, *a, **k):
        moving_out = Path(src) == earlier and Path(dst).name == "previous"
        moving_in = Path(dst) == earlier
        real(src, dst, *a, **k)
        if (when == "after_first_move" and moving_out) or (
            when == "during_second_move" and moving_in
        ):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace)
    res = cli(panel, earlier, "--force")
    if when == "after_first_move":  # the new outputs were not in place: undo and stop
        assert res.exit_code == 130
        assert files_of(earlier) == before
    else:  # the new outputs were in place: the run completes, its report is true
        assert res.exit_code == 0, res.output
        assert f"wrote {earlier}/" in res.output
        assert files_of(earlier)["car.csv"] != before["car.csv"]  # other windows
    assert leftovers(earlier.parent) == []


KILL_BETWEEN_MOVES = """
import os, signal
from pathlib import Path

out = Path({out!r})
real = os.replace

def replace(src, dst, *a, **k):
    if Path(dst) == out and not os.path.lexists(out):
        os.kill(os.getpid(), signal.SIGKILL)  # killed between the two moves
    return real(src, dst, *a, **k)

os.replace = replace
from eventstudy.cli import app
app({args!r}, prog_name="eventstudy")
"""


def kill_between_the_moves(panel: Path, out: Path) -> None:
    proc = python(
        KILL_BETWEEN_MOVES.format(out=str(out), args=args(panel, out, "--force")), out.parent
    )
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # the window the issue describes: the earlier outputs are hidden


def test_the_next_plain_run_restores_a_swap_killed_between_the_moves(
    panel: Path, earlier: Path
) -> None:
    before = files_of(earlier)
    kill_between_the_moves(panel, earlier)
    res = cli(panel, earlier)  # no --force: the "next plain run" deleted them
    assert res.exit_code == 2, res.output
    assert "already holds outputs of an earlier run" in res.output
    assert files_of(earlier) == before
    assert leftovers(earlier.parent) == []


def test_a_restored_swap_is_reported(panel: Path, earlier: Path) -> None:
    kill_between_the_moves(panel, earlier)
    res = cli(panel, earlier, "--force")
    assert res.exit_code == 0, res.output
    assert f"an earlier run was interrupted while replacing {earlier}" in res.output
    assert "restored" in res.output
    assert leftovers(earlier.parent) == []


def test_a_finished_swap_whose_clean_up_was_cut_short_keeps_the_new_outputs(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import eventstudy.publish as publish

    # the process died after the second move, before removing the backup folder
    real_rmtree = shutil.rmtree
    monkeypatch.setattr(publish.shutil, "rmtree", lambda *a, **k: None)
    assert cli(panel, earlier, "--force").exit_code == 0
    monkeypatch.setattr(publish.shutil, "rmtree", real_rmtree)
    new = files_of(earlier)
    assert len(leftovers(earlier.parent)) == 1
    res = cli(panel, earlier, "--window", "0,1")  # refused: but the leftover is cleared
    assert res.exit_code == 2
    assert files_of(earlier) == new
    assert leftovers(earlier.parent) == []


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlinked_out_is_written_through(panel: Path, tmp_path: Path, dangling: bool) -> None:
    real = tmp_path / "store" / "deepseek"
    link = tmp_path / "latest"
    real.parent.mkdir()
    link.symlink_to(real, target_is_directory=True)
    if not dangling:
        assert cli(panel, real, "--window", "0,1").exit_code == 0
        before = files_of(real)
    res = cli(panel, link, "--force")
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert (real / "car.csv").is_file()
    if not dangling:
        assert files_of(real)["car.csv"] != before["car.csv"]
    assert leftovers(real.parent) == [] and leftovers(tmp_path) == []


# ---------------------------------------------------------------- defect 6: environment errors


@pytest.fixture()
def no_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if the study is computed: these errors must come before it."""
    import eventstudy.study as study

    def computed(*a, **k):
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(study.EventStudy, "run", computed)


def failing_mkdir(monkeypatch: pytest.MonkeyPatch, under: Path, code: int) -> None:
    real = os.mkdir

    def mkdir(path, *a, **k):
        if Path(path).is_relative_to(under):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "the file system is read-only"), (errno.EACCES, "permission denied")],
)
def test_an_unwritable_parent_is_one_sentence_before_computing(
    panel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_computation: None,
    code: int,
    words: str,
) -> None:
    (tmp_path / "disk").mkdir()
    failing_mkdir(monkeypatch, tmp_path / "disk", code)
    out = tmp_path / "disk" / "out"
    res = cli(panel, out)
    assert res.exit_code == 2, res.output
    line = one_sentence(res.output)
    assert f"cannot write the outputs to {out}: {words}" in line
    assert "--out" in line.split(";")[-1]


def test_an_unwritable_earlier_output_folder_is_found_before_computing(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, no_computation: None
) -> None:
    real_access, real_replace = os.access, os.replace

    def access(path, mode, *a, **k):  # chmod a-w, as root would still be allowed
        if Path(path) == earlier and mode & os.W_OK:
            return False
        return real_access(path, mode, *a, **k)

    def replace(src, dst, *a, **k):  # what moving a read-only folder elsewhere then does
        if Path(src) == earlier:
            raise PermissionError(errno.EACCES, "Permission denied", str(src))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "replace", replace)
    res = cli(panel, earlier, "--force")
    assert res.exit_code == 2, res.output
    assert "permission denied" in one_sentence(res.output)


def test_out_under_a_file_is_one_sentence_before_computing(
    panel: Path, tmp_path: Path, no_computation: None
) -> None:
    (tmp_path / "notes.txt").write_text("a file")
    out = tmp_path / "notes.txt" / "out"
    res = cli(panel, out)
    assert res.exit_code == 2, res.output
    assert "part of the path is a file, not a folder" in one_sentence(res.output)
    assert (tmp_path / "notes.txt").read_text() == "a file"


@pytest.mark.parametrize("out", [".", "..", "{cwd}"])
def test_out_holding_the_current_folder_is_refused(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_computation: None, out: str
) -> None:
    cwd = tmp_path / "project" / "work"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    res = cli(panel, out.format(cwd=cwd))
    assert res.exit_code == 2, res.output
    assert "is the current folder or one of its parents" in one_sentence(res.output)
    assert cwd.is_dir() and list(cwd.iterdir()) == []


def test_a_full_disk_while_writing_is_one_sentence_and_keeps_the_earlier_outputs(
    panel: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventstudy.runner as runner_module

    before = files_of(earlier)
    real_write = runner_module.write_report
    written: list[int] = []

    def full_disk(fd: int) -> None:
        written.append(fd)
        if len(written) >= 3:  # a few files fit, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

    def write_report(result, folder, **options):
        monkeypatch.setattr(os, "fsync", full_disk)
        return real_write(result, folder, **options)

    monkeypatch.setattr(runner_module, "write_report", write_report)
    res = cli(panel, earlier, "--force")
    assert res.exit_code == 2, res.output
    line = one_sentence(res.output)
    assert f"cannot write the outputs to {earlier}: the disk is full" in line
    assert "free some space" in line
    assert files_of(earlier) == before
    assert leftovers(earlier.parent) == []


def test_an_os_error_elsewhere_is_an_environment_sentence_not_a_bug(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventstudy.data.csv import LocalPriceProvider

    def unreadable(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(panel / "prices.csv"))

    monkeypatch.setattr(LocalPriceProvider, "get_prices", unreadable)
    res = cli(panel, tmp_path / "out")
    assert res.exit_code == 2, res.output
    line = one_sentence(res.output)
    assert f"could not use {panel / 'prices.csv'}: permission denied" in line
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_the_published_folder_has_the_usual_mode(panel: Path, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        assert cli(panel, tmp_path / "out").exit_code == 0
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
