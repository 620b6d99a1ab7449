"""report.html rendered by headless Chromium: the screenshot is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_report_renders_in_headless_chromium(report_dir: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not on PATH (Debian: apt-get install chromium)")
    image = pytest.importorskip("matplotlib.image")
    shot = tmp_path / "report.png"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        (report_dir / "report.html").resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.is_file(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    pixels = image.imread(shot)[..., :3]  # floats in [0, 1]
    assert pixels.shape[:2] == (2000, 1200)
    ink = (pixels.min(axis=2) < 0.9).mean()  # share of pixels that are not (near) white
    assert ink > 0.05, f"only {ink:.1%} of the page is not white"
    assert pixels.std() > 0.1
    # the top of the page holds the heading and the first figure, not an empty band
    assert (pixels[:600].min(axis=2) < 0.9).mean() > 0.05
