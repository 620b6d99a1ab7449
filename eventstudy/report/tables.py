"""CSV tables of a study result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._io import atomic_write_text
from ..result import CSV_TABLES, StudyResult


def to_csv_text(frame: pd.DataFrame) -> str:
    r"""Deterministic CSV: 12 significant digits, ISO dates, ``\\n`` line ends."""
    return frame.to_csv(
        index=False, float_format="%.12g", date_format="%Y-%m-%d", lineterminator="\n"
    )


def write_tables(result: StudyResult, directory: Path) -> list[Path]:
    """Write every non-empty table of ``result`` to ``directory`` (each file atomically)."""
    written = []
    for filename, attr in CSV_TABLES.items():
        frame = result.table(attr)
        if attr in ("abnormal_returns", "market_value"):
            frame = getattr(result, attr)
        if frame.empty and attr not in ("exclusions", "data_quality", "claims"):
            continue
        written.append(atomic_write_text(directory / filename, to_csv_text(frame)))
    return written
