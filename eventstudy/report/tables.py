"""CSV tables of a study result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .._io import atomic_write_text

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

#: CSV files written by :func:`write_tables`, and the table each comes from.
CSV_TABLES: dict[str, str] = {
    "abnormal_returns.csv": "abnormal_returns",
    "car.csv": "car",
    "tests.csv": "tests",
    "aar.csv": "aar",
    "market_value.csv": "market_value",
    "claims.csv": "claims",
    "model_fit.csv": "model_fit",
    "exclusions.csv": "exclusions",
    "data_quality.csv": "data_quality",
    "confounders.csv": "confounders",
    "benchmarks.csv": "benchmarks",
    "contamination.csv": "contamination",
    # analyses asked for after the estimation (StudyResult.extras), written when present
    "regression.csv": "regression",
    "group_differences.csv": "group_differences",
    "abnormal_volume.csv": "abnormal_volume",
    "volume_path.csv": "volume_path",
    "volume_tests.csv": "volume_tests",
    "long_horizon.csv": "long_horizon",
    "calendar_time.csv": "calendar_time",
    "placebo.csv": "placebo",
}


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
