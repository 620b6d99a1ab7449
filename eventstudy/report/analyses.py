"""Report sections of the analyses asked for after the estimation (``StudyResult.extras``).

Each section is a title, a short sentence on what was done and a table small enough to read:
the full tables are the CSV files. ``report.md`` and ``report.html`` render the same sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

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


def _rounded(frame: pd.DataFrame, columns: list[str], digits: int = 4) -> pd.DataFrame:
    shown = frame[[c for c in columns if c in frame.columns]].head(MAX_ROWS).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].round(digits)
    return shown


def analysis_sections(result: StudyResult) -> list[Section]:
    """The sections of the analysis tables ``result`` holds, in a fixed order."""
    extras: dict[str, Any] = result.extras
    sections = []
    if "regression" in extras:
        sections.append(
            Section(
                "Cross-sectional regressions",
                "CARs regressed on firm-event characteristics (OLS); standard errors clustered by "
                "event date when dates repeat, else heteroskedasticity-robust (HC1).",
                _rounded(
                    extras["regression"],
                    [
                        "formula",
                        "window_start",
                        "window_end",
                        "term",
                        "estimate",
                        "se",
                        "t_stat",
                        "p_value",
                        "n",
                        "n_dropped",
                        "cov_type",
                    ],
                ),  # fmt: skip
                "regression.csv",
            )
        )
    if "group_differences" in extras:
        sections.append(
            Section(
                "Group differences",
                "Difference of two groups' mean CARs: Welch's t (independent firm-events) and "
                "the clustering-robust regression t; each group's own tests are in tests.csv.",
                _rounded(
                    extras["group_differences"],
                    [
                        "window_start",
                        "window_end",
                        "group_a",
                        "group_b",
                        "n_a",
                        "n_b",
                        "difference",
                        "welch_t",
                        "welch_p_value",
                        "robust_t",
                        "robust_p_value",
                    ],
                ),  # fmt: skip
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
                _rounded(
                    pooled,
                    [
                        "event_id",
                        "window_start",
                        "window_end",
                        "n_firms",
                        "mean_cav",
                        "test",
                        "statistic",
                        "p_value",
                    ],
                ),  # fmt: skip
                "volume_tests.csv",
            )
        )
    if "long_horizon" in extras:
        sections.append(
            Section(
                "Long-horizon tests of the BHARs",
                "Conventional t, Hall's skewness-adjusted t and its bootstrap p-value (Lyon, "
                "Barber and Tsai 1999).",
                _rounded(
                    extras["long_horizon"],
                    [
                        "event_id",
                        "window_start",
                        "window_end",
                        "n_firms",
                        "mean",
                        "t_stat",
                        "skewness",
                        "skew_adjusted_t",
                        "skew_adjusted_p_value",
                        "bootstrap_p_value",
                    ],
                ),  # fmt: skip
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
                _rounded(
                    extras["calendar_time"],
                    [
                        "window_start",
                        "window_end",
                        "weighting",
                        "term",
                        "estimate",
                        "se",
                        "t_stat",
                        "p_value",
                        "n_sessions",
                        "mean_members",
                    ],
                ),  # fmt: skip
                "calendar_time.csv",
            )
        )
    if "placebo" in extras:
        sections.append(
            Section(
                "Placebo event dates",
                "The pooled CAAR against the CAARs of the same firms on seeded pseudo event "
                "dates (each real date moved with all its firms).",
                _rounded(
                    extras["placebo"],
                    [
                        "window_start",
                        "window_end",
                        "n_firms",
                        "caar",
                        "placebo_mean",
                        "placebo_sd",
                        "p_value",
                        "draws",
                    ],
                ),  # fmt: skip
                "placebo.csv",
            )
        )
    return sections
