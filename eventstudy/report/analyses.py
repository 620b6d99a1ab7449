"""Report sections of the analyses asked for after the estimation (``StudyResult.extras``).

Each section is a title, a short sentence on what was done and a table small enough to read:
the full tables are the CSV files. ``report.md`` and ``report.html`` render the same sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .tables import TableFiles

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

#: Rows shown per section at most (the CSV holds them all).
MAX_ROWS = 30


@dataclass(frozen=True)
class Section:
    """One report section: title, what it shows, the table and the CSV it comes from."""

    title: str
    note: str
    table: pd.DataFrame
    csv: str

    @property
    def stem(self) -> str:
        """The table's file stem (``"regression"``), named as CSV or Parquet by the report."""
        return self.csv.removesuffix(".csv")


def _rounded(frame: pd.DataFrame, drop: tuple[str, ...], digits: int = 4) -> pd.DataFrame:
    """The table's first rows without the ``drop`` columns (kept in the CSV), rounded."""
    shown = frame[[c for c in frame.columns if c not in drop]].head(MAX_ROWS).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].round(digits)
    return shown


def analysis_sections(result: StudyResult, tables: TableFiles | None = None) -> list[Section]:
    """The sections of the analysis tables ``result`` holds, in a fixed order.

    ``tables`` names the table files in the notes (CSV when None).
    """
    tables = tables or TableFiles("csv", ())
    extras: dict[str, Any] = result.extras
    sections = []
    if "regression" in extras:
        sections.append(
            Section(
                "Cross-sectional regressions",
                "CARs regressed on firm-event characteristics (OLS); standard errors clustered by "
                "event date when dates repeat, else heteroskedasticity-robust (HC1).",
                _rounded(extras["regression"], ("r2", "weighting")),
                "regression.csv",
            )
        )
    if "group_differences" in extras:
        sections.append(
            Section(
                "Group differences",
                "Difference of two groups' mean CARs: Welch's t (independent firm-events) and "
                "the clustering-robust regression t; each group's own tests are in "
                f"{tables.name('tests')}.",
                _rounded(
                    extras["group_differences"], ("mean_a", "mean_b", "welch_df", "robust_cov_type")
                ),
                "group_differences.csv",
            )
        )
    if "volume_tests" in extras:
        tests = extras["volume_tests"]
        pooled = tests[tests["event_id"] == "ALL"] if (tests["event_id"] == "ALL").any() else tests
        sections.append(
            Section(
                "Abnormal trading volume",
                "Cumulative abnormal log volume against the estimation-window mean (Campbell and "
                "Wasley 1996), tested with their parametric statistic (brown_warner), the "
                "cross-sectional t and the Corrado rank test.",
                _rounded(pooled, ("distribution", "reason", "citation")),
                "volume_tests.csv",
            )
        )
    if "long_horizon" in extras:
        sections.append(
            Section(
                "Long-horizon tests of the BHARs",
                "Conventional t, Hall's skewness-adjusted t and its bootstrap p-value (Lyon, "
                "Barber and Tsai 1999).",
                _rounded(extras["long_horizon"], ("measure", "t_p_value", "resamples", "seed")),
                "long_horizon.csv",
            )
        )
    if "calendar_time" in extras:
        sections.append(
            Section(
                "Calendar-time portfolio",
                "Each session's portfolio of firms inside their window, regressed on the "
                "benchmark; the intercept (const) is the average daily abnormal return, with "
                "Newey-West standard errors.",
                _rounded(extras["calendar_time"], ("factors", "hac_lags")),
                "calendar_time.csv",
            )
        )
    if "placebo" in extras:
        sections.append(
            Section(
                "Placebo event dates",
                "The pooled CAAR against the CAARs of the same firms on seeded pseudo event "
                "dates (each real date moved with all its firms).",
                _rounded(extras["placebo"], ("seed",)),
                "placebo.csv",
            )
        )
    return sections
