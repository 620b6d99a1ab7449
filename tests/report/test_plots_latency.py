"""Figures drawn once with a fixed geometry, chosen with ``--plots``, rendered with progress.

The geometry is checked against matplotlib's own ``tight_layout`` (the layout the figures had
before, and the oracle here): every axes of every DeepSeek figure must sit where tight_layout
would put it, to a fraction of a pixel.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from eventstudy.errors import InputError
from eventstudy.report import plots as P
from eventstudy.report import write_report

pytestmark = pytest.mark.snapshot

DPI = 120  # the PNGs' resolution

# The band each figure leaves between its title block and its source line (figure fractions),
# as the figures were specified when they were laid out with tight_layout(rect=...).
BANDS = {"waterfall": (0.06, 0.86)}
DEFAULT_BAND = (0.06, 0.88)


def band(key: str, fig: Figure) -> tuple[float, float]:
    if key.startswith("car_paths"):
        nrows = fig.axes[0].get_subplotspec().get_gridspec().get_geometry()[0]
        return (0.05, 0.90) if nrows > 2 else (0.07, 0.85)
    return BANDS.get(key, DEFAULT_BAND)


def test_every_figure_sits_where_tight_layout_puts_it(deepseek_result) -> None:
    jobs = P.plot_jobs(deepseek_result, "all")
    assert len(jobs) == 15
    for job in jobs:
        fig = job.draw(deepseek_result)
        ours = np.array([ax.get_position().bounds for ax in fig.axes])
        below, top = band(job.key, fig)
        fig.tight_layout(rect=(0, below, 1, top))
        oracle = np.array([ax.get_position().bounds for ax in fig.axes])
        inches = np.tile(fig.get_size_inches(), 2)
        off_px = np.abs(ours - oracle) * inches * DPI
        assert off_px.max() < 0.5, f"{job.key}: axes off by {off_px.max():.2f} px"
        matplotlib.pyplot.close(fig)


def test_each_figure_is_drawn_once(deepseek_result, tmp_path: Path, monkeypatch) -> None:
    draws: list[int] = []
    original = Figure.draw

    def counting(self, renderer):  # type: ignore[no-untyped-def]
        draws.append(id(self))
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting)
    written = P.write_plots(deepseek_result, tmp_path, which="all", workers=1)
    assert len(written) == 15
    assert len(draws) == 15 and len(set(draws)) == 15


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("key", {"waterfall", "caar_selloff", "day0_ar_selloff"}),
        ("none", set()),
    ],
)
def test_plot_sets(deepseek_result, which: str, expected: set[str]) -> None:
    assert {job.key for job in P.plot_jobs(deepseek_result, which)} == expected


def test_unknown_plot_set_names_the_choices(deepseek_result) -> None:
    with pytest.raises(InputError, match=r"plots='some' is not a valid choice; use one of 'all'"):
        P.plot_jobs(deepseek_result, "some")


def test_two_processes_write_the_same_bytes(deepseek_result, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    seen: list[tuple[int, int]] = []
    first = P.write_plots(deepseek_result, one, which="all", workers=1)
    second = P.write_plots(
        deepseek_result,
        two,
        which="all",
        workers=2,
        progress=lambda stage, done, total: seen.append((done, total)),
    )
    assert first.keys() == second.keys()
    for key in first:
        assert first[key].read_bytes() == second[key].read_bytes(), key
    assert seen[0] == (0, 15) and seen[-1] == (15, 15)
    assert [d for d, _ in seen] == list(range(16))


def test_report_progress_reaches_the_last_file(deepseek_result, tmp_path: Path) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    files = write_report(
        deepseek_result,
        tmp_path,
        plots="key",
        progress=lambda stage, done, total: seen.setdefault(stage, []).append((done, total)),
    )
    assert seen["figures"][-1] == (3, 3)
    assert seen["report"][-1] == (3, 3)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "caar_selloff.png",
        "day0_ar_selloff.png",
        "waterfall.png",
    ]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3
    assert tmp_path / "report.html" in files


def test_no_plots_writes_no_figure_and_no_image(deepseek_result, tmp_path: Path) -> None:
    write_report(deepseek_result, tmp_path, plots="none")
    assert not list(tmp_path.glob("*.png"))
    assert "data:image/png" not in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "report.md").is_file() and (tmp_path / "car.csv").is_file()
