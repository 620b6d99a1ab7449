"""Option sets (``Literal`` aliases) and their runtime validation.

Each option set is declared once here and validated at runtime against the same alias, so the
error message can list the allowed values.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar, get_args

import pandas as pd

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
            f"{name}={value!r} is not a valid choice; use one of {choices}.",
            field=name,
            value=value,
        )
    return str(value)


def validate_window(window: object, name: str = "window") -> WindowSpec:
    """Return ``window`` as an ``(start, end)`` pair of ints with ``start <= end``.

    Window ends are inclusive and counted in trading sessions relative to the event day (day 0).

    Raises
    ------
    InputError
        If the window is not two integers or starts after it ends.
    """
    try:
        start, end = window  # type: ignore[misc]
        start_i, end_i = int(start), int(end)  # type: ignore[has-type]
    except (TypeError, ValueError):
        raise InputError(
            f"{name}={window!r} is not a pair of session offsets; write it as e.g. (-1, 1).",
            field=name,
            value=window,
        ) from None
    if start_i != start or end_i != end:  # type: ignore[has-type]
        raise InputError(f"{name}={window!r} must hold whole sessions, e.g. (-1, 1).", field=name)
    if start_i > end_i:
        raise InputError(
            f"{name}={window!r} starts after it ends; give the earlier session first, e.g. "
            f"({end_i}, {start_i}).",
            field=name,
            value=window,
        )
    return (start_i, end_i)
