"""Reports of a study result: CSV tables, PNG plots, ``report.md`` and ``report.html``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .html import render_html, write_html
from .markdown import render_markdown, write_markdown
from .tables import TableFormat, write_tables

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


def write_report(
    result: StudyResult,
    directory: str | Path,
    table_format: TableFormat = "csv",
    plots: str = "all",
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """Write tables, plots, ``report.md`` and ``report.html`` into ``directory``.

    Parameters
    ----------
    result
        The study result.
    directory
        Output folder (created if needed); every file is written atomically.
    table_format
        Tables as ``"csv"`` (default) or ``"parquet"``.
    plots
        Which figures: ``all`` (default), ``key`` (waterfall, pooled CAAR, day-0 bars) or ``none``.
        ``report.html`` embeds the PNG files written.
    progress
        Called as ``progress(stage, done, total)`` for the stages ``figures`` (one step per
        figure) and ``report`` (tables, ``report.md``, ``report.html``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from .._types import PlotSet, validate_literal

    validate_literal(plots, PlotSet, "plots")
    report = progress or (lambda stage, done, total: None)
    directory = Path(directory)
    report("report", 0, 3)
    files = write_tables(result, directory, table_format)
    report("report", 1, 3)
    drawn: dict[str, Path] = {}
    if plots != "none":
        from .analysis_plots import write_analysis_plots
        from .plots import write_plots  # imported here: matplotlib is slow to import

        drawn = write_plots(result, directory, which=plots, progress=progress)  # type: ignore[arg-type]
        drawn.update(write_analysis_plots(result, directory))
    files += list(drawn.values())
    files.append(write_markdown(result, directory, drawn))
    report("report", 2, 3)
    files.append(write_html(result, directory, drawn))
    report("report", 3, 3)
    return files


def __getattr__(name: str) -> Any:
    # ``write_plots`` is still importable from here, without importing matplotlib eagerly.
    if name == "write_plots":
        from .plots import write_plots

        return write_plots
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TableFormat",
    "render_html",
    "render_markdown",
    "write_html",
    "write_markdown",
    "write_report",
]
