"""Reports of a study result: CSV tables, PNG plots, ``report.md`` and ``report.html``."""

from __future__ import annotations

from pathlib import Path

from ..result import StudyResult
from .html import render_html, write_html
from .markdown import render_markdown, write_markdown
from .plots import write_plots
from .tables import write_tables


def write_report(result: StudyResult, directory: str | Path) -> list[Path]:
    """Write tables, plots, ``report.md`` and ``report.html`` into ``directory``.

    Parameters
    ----------
    result
        The study result.
    directory
        Output folder (created if needed); every file is written atomically.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    directory = Path(directory)
    files = write_tables(result, directory)
    plots = write_plots(result, directory)
    files += list(plots.values())
    files.append(write_markdown(result, directory, plots))
    files.append(write_html(result, directory, plots))
    return files


__all__ = ["render_html", "render_markdown", "write_html", "write_markdown", "write_report"]
