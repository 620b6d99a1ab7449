"""Option sets (``Literal`` aliases) and their runtime validation.

Each option set is declared once here and validated at runtime against the same alias, so the
error message can list the allowed values.
"""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Literal, TypeVar, get_args

import pandas as pd

from ._text import show
from .errors import InputError

DateLike = str | dt.date | dt.datetime | pd.Timestamp
Ticker = str
WindowSpec = tuple[int, int]

ReturnKind = Literal["simple", "log"]
"""How returns are computed from prices: ``simple`` = P_t/P_{t-1} - 1 (default), ``log`` = ln(P_t/P_{t-1})."""

PriceField = Literal["adj_close", "close"]
"""Which price returns come from: dividend-adjusted close (default, when present) or close."""

MissingInWindow = Literal["nan", "skip"]
"""A missing abnormal return inside an event window makes the CAR NaN (``nan``, default) or is skipped."""

Executor = Literal["local", "dask"]

RegressionCov = Literal["auto", "cluster", "hc1", "nonrobust"]
"""Covariance of a cross-sectional CAR regression: ``auto`` clusters by event date when dates repeat, else HC1."""

RegressionWeighting = Literal["ols", "wls"]
"""Cross-sectional regression by OLS or by WLS with weights 1/Var(CAR)."""

MAX_OFFSET = 10_000
"""Largest window offset, in sessions from day 0 either way (about 40 years; the calendars hold
sessions from 1990 to next year, so no study can use more)."""


FactorsUnit = Literal["decimal", "percent"]
"""Units of factor returns: ``0.012`` (decimal) or ``1.2`` (percent, Ken French's files)."""

TableFormat = Literal["csv", "parquet"]
"""How the tables of a run are written: ``csv`` (default) or ``parquet`` (large studies)."""

PlotSet = Literal["all", "key", "none"]
"""Which figures a report draws: every figure, the key ones (waterfall, pooled CAAR, day-0 bars;
the command line's default) or none."""

T = TypeVar("T", bound=str)


def validate_literal(value: object, alias: object, name: str) -> str:
    """Check that ``value`` is one of the strings allowed by the ``Literal`` ``alias``.

    Parameters
    ----------
    value
        The value received.
    alias
        A ``typing.Literal`` alias, e.g. :data:`ReturnKind`.
    name
        Parameter name, used in the message.

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    InputError
        If ``value`` is not allowed; the message lists the allowed values.
    """
    allowed = get_args(alias)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise InputError(
            f"{name}={show(value)} is not a valid choice; use one of {choices}.",
            field=name,
            value=value,
        )
    return str(value)


def validate_window(window: object, name: str = "window") -> WindowSpec:
    """Return ``window`` as an ``(start, end)`` pair of Python ints with ``start <= end``.

    Window ends are inclusive and counted in trading sessions relative to the event day (day 0).
    Whole numbers of any numeric type are accepted (``2``, ``numpy.int64(2)``, ``2.0``); a
    fraction is refused rather than rounded, since offsets count whole sessions.

    Raises
    ------
    InputError
        If the window is not two numbers, holds a fraction, reaches beyond
        :data:`MAX_OFFSET` sessions from day 0, or starts after it ends.
    """
    try:
        start, end = window  # type: ignore[misc]
    except (TypeError, ValueError):
        start = end = None
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (start, end)):
        raise InputError(
            f"{name}={show(window)} is not a pair of session offsets; write it as e.g. (-1, 1).",
            field=name,
            value=window,
        )
    if not all(float(v) == float(v) // 1 for v in (start, end)):  # NaN and inf fail too
        raise InputError(
            f"{name}={show(window)} must hold whole sessions (offsets count trading days), "
            "e.g. (-1, 1).",
            field=name,
            value=window,
        )
    start_i, end_i = int(start), int(end)  # type: ignore[arg-type]
    if not (-MAX_OFFSET <= start_i <= MAX_OFFSET and -MAX_OFFSET <= end_i <= MAX_OFFSET):
        raise InputError(
            f"{name}={show(window)} reaches beyond {MAX_OFFSET} sessions from day 0; keep both "
            f"offsets between {-MAX_OFFSET} and {MAX_OFFSET}, e.g. (-1, 1).",
            field=name,
            value=window,
        )
    if start_i > end_i:
        raise InputError(
            f"{name}={show(window)} starts after it ends; give the earlier session first, e.g. "
            f"({end_i}, {start_i}).",
            field=name,
            value=window,
        )
    return (start_i, end_i)
