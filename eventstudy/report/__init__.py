"""Reports of a study result: CSV tables, PNG plots and a Markdown report."""

from __future__ import annotations

from pathlib import Path

from ..result import StudyResult
from .markdown import write_markdown
from .plots import write_plots
from .tables import write_tables


def write_report(result: StudyResult, directory: str | Path) -> list[Path]:
    """Write tables, plots and ``report.md`` into ``directory``; returns the files written."""
    directory = Path(directory)
    files = write_tables(result, directory)
    plots = write_plots(result, directory)
    files += list(plots.values())
    files.append(write_markdown(result, directory, plots))
    return files


__all__ = ["write_report"]
