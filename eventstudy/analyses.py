"""Analyses run after the estimation, as tables of the result (what ``eventstudy run`` asks for).

Each analysis is a method of :class:`~eventstudy.result.StudyResult` (``regress``,
``long_horizon``, ``calendar_time``, ``placebo``, ``compare_groups``); this module runs the ones
requested and keeps their tables in :attr:`StudyResult.extras`, from which the CSV files and the
report sections are written.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .result import StudyResult


def with_analyses(
    result: StudyResult,
    *,
    regress: Sequence[str] = (),
    long_horizon: bool = False,
    calendar_time: bool = False,
    placebo: int = 0,
    seed: int = 0,
    executor: str = "local",
    scheduler: str | None = None,
) -> StudyResult:
    """The result with the tables of the requested analyses added.

    Parameters
    ----------
    result
        A study result.
    regress
        Formulas of cross-sectional CAR regressions (one row per term and window in
        ``regression``; every window of the study).
    long_horizon
        Add ``long_horizon`` (BHAR tests of the longest window).
    calendar_time
        Add ``calendar_time`` (equal-weighted portfolio of the longest window on the benchmark).
    placebo
        Number of placebo draws for ``placebo`` (0: none).
    seed
        Seed of the bootstrap and the placebo draws.
    executor, scheduler
        Where the placebo studies run.

    Returns
    -------
    StudyResult
        A new result; ``result`` is unchanged.
    """
    from .second_stage import regression_table

    tables: dict[str, pd.DataFrame] = {}
    if regress:
        windows = result.inputs.windows if result.inputs is not None else result.events.windows
        fits = [result.regress(f, window=w) for f in regress for w in windows]
        tables["regression"] = regression_table(fits)
    groups = result.group_differences()
    if not groups.empty:
        tables["group_differences"] = groups
    if long_horizon:
        tables["long_horizon"] = result.long_horizon(seed=seed)
    if calendar_time:
        tables["calendar_time"] = result.calendar_time().table()
    if placebo:
        tables["placebo"] = result.placebo(
            placebo, seed=seed, executor=executor, scheduler=scheduler
        ).table
    return result.with_extras(**tables) if tables else result
