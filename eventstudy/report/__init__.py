"""Reports of a study result: CSV tables, PNG plots, ``report.md`` and ``report.html``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .figure_worker import FigureWorker, draw_figures
from .html import render_html, write_html
from .markdown import render_markdown, write_markdown
from .tables import TableFiles, TableFormat, write_tables

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


def write_report(
    result: StudyResult,
    directory: str | Path,
    table_format: TableFormat = "csv",
    plots: str = "all",
    progress: Callable[[str, int, int], None] | None = None,
    figures: FigureWorker | None = None,
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
    figures
        A :class:`~eventstudy.report.figure_worker.FigureWorker` forked before the study: it draws
        the figures while the tables are written here. Without one (or if it cannot take the
        result) the figures are drawn in this process; the files are the same either way.

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
    forked = plots != "none" and figures is not None and figures.submit(result, directory, plots)
    try:
        files = write_tables(result, directory, table_format)
        report("report", 1, 3)
        drawn = figures.collect(progress) if forked and figures is not None else None
    except BaseException:
        if figures is not None:
            figures.close(kill=True)  # never leave a child writing into a folder being removed
        raise
    if drawn is None:
        drawn = draw_figures(result, directory, plots, progress) if plots != "none" else {}
    tables = TableFiles.from_paths(table_format, files)  # the report names exactly these
    files += list(drawn.values())
    files.append(write_markdown(result, directory, drawn, tables))
    report("report", 2, 3)
    files.append(write_html(result, directory, drawn, tables))
    report("report", 3, 3)
    return files


def __getattr__(name: str) -> Any:
    # ``write_plots`` is still importable from here, without importing matplotlib eagerly.
    if name == "write_plots":
        from .plots import write_plots

        return write_plots
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FigureWorker",
    "TableFiles",
    "TableFormat",
    "render_html",
    "render_markdown",
    "write_html",
    "write_markdown",
    "write_report",
]
