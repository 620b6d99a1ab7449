"""Reports of a study result: CSV tables, PNG plots, ``report.md`` and ``report.html``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .html import render_html, write_html
from .markdown import render_markdown, write_markdown
from .tables import TableFormat, write_tables

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


def write_report(
    result: StudyResult, directory: str | Path, table_format: TableFormat = "csv"
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

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from .analysis_plots import write_analysis_plots
    from .plots import write_plots  # imported here: matplotlib is slow to import

    directory = Path(directory)
    files = write_tables(result, directory, table_format)
    plots = write_plots(result, directory)
    plots.update(write_analysis_plots(result, directory))
    files += list(plots.values())
    files.append(write_markdown(result, directory, plots))
    files.append(write_html(result, directory, plots))
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
