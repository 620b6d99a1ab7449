"""Factor returns for the factor models, in decimal units, whatever form and unit they came in.

Factors come as a DataFrame (decimal by default) or a file (percent by default, the unit of Ken
French's Data Library); ``factors_unit`` overrides the default. A unit that does not fit the
values (a percent frame read as decimals: betas off by 100x) is an error naming the column,
never a silent rescaling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._types import FactorsUnit, validate_literal
from ..errors import InputError
from .french import load_french_factors

# Daily factor returns in decimals beyond 25% are (almost) never seen: the worst day of the US
# market, 19 October 1987, is -17%. In percent, such values are the ordinary case.
PERCENT_LOOKING = 0.25
PERCENT_SHARE = 0.05
# The daily risk-free rate in decimals stays below 0.1% (an annual 25%); in percent it is often
# above 0.005.
RF_PERCENT_LOOKING = 0.005
# Percent factors have a median |value| of tenths of a percent; decimal ones read as percent
# (divided by 100) a hundred times less.
DECIMAL_LOOKING_MEDIAN = 5e-4
MIN_VALUES = 20


def factor_table(factors: Any, unit: FactorsUnit | None = None) -> pd.DataFrame | None:
    """Factor returns in decimal units, checked against the unit they were said to be in.

    Parameters
    ----------
    factors
        ``None``; a DataFrame indexed by date with columns such as ``Mkt-RF, SMB, HML, RF``; or
        the path of a factor file (see :func:`~eventstudy.data.french.load_french_factors`).
    unit
        ``"decimal"`` or ``"percent"``; default ``"decimal"`` for a DataFrame and
        ``"percent"`` for a file.

    Returns
    -------
    pandas.DataFrame or None
        The factors in decimal units (a DataFrame in decimals is returned as it is).

    Raises
    ------
    InputError
        If the values do not look like daily factor returns in ``unit`` (the message names the
        column and the unit that fits).
    """
    if factors is None:
        return None
    if unit is not None:
        validate_literal(unit, FactorsUnit, "factors_unit")
    if isinstance(factors, (str, Path)):
        unit = unit or "percent"
        table = load_french_factors(factors)  # the file in percent, divided by 100
        if unit == "decimal":
            table = table * 100.0
        source = f"factor file {factors}"
    elif isinstance(factors, pd.DataFrame):
        unit = unit or "decimal"
        table = factors / 100.0 if unit == "percent" else factors
        source = "factors DataFrame"
    else:
        raise InputError(
            f"factors must be a DataFrame or a file path, got {type(factors).__name__}; pass a "
            "date-indexed DataFrame of daily factor returns or a Ken French CSV.",
            field="factors",
            value=type(factors).__name__,
        )
    check_factor_units(table, unit, source)
    return table


def check_factor_units(table: pd.DataFrame, unit: FactorsUnit, source: str) -> None:
    """Raise when decimal factor returns look like percent, or like decimals read as percent.

    Parameters
    ----------
    table
        Factor returns in decimal units (after any conversion from ``unit``).
    unit
        The unit the user said the input was in.
    source
        Name used in messages.
    """
    scale = 100.0 if unit == "percent" else 1.0
    if unit == "decimal":
        too_big = (
            "the values look like percent, not decimals: pass factors_unit='percent' (Ken "
            "French's files are in percent) or divide them by 100"
        )
    else:
        too_big = "too large even for percent: check that the column holds daily factor returns"
    medians = {}
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        size = np.abs(values[np.isfinite(values)])
        if not len(size):
            continue
        if str(column).strip().lower() == "rf":
            top = float(size.max())
            if top > RF_PERCENT_LOOKING:
                raise InputError(
                    f"{source}: column {column!r} reaches {top * scale:g} ({unit}), a daily "
                    f"risk-free rate of {top:.2%}, far above any on record; {too_big}.",
                    source=source,
                    field=str(column),
                    value=top * scale,
                )
            continue
        share = float(np.mean(size > PERCENT_LOOKING))
        if len(size) >= 5 and share > PERCENT_SHARE:
            raise InputError(
                f"{source}: column {column!r} moves more than {PERCENT_LOOKING * scale:g} {unit} "
                f"(a {PERCENT_LOOKING:.0%} daily return) on {share:.0%} of its days; {too_big}.",
                source=source,
                field=str(column),
                value=share,
            )
        if len(size) >= MIN_VALUES:
            medians[column] = float(np.median(size))
    if unit == "percent" and medians and max(medians.values()) < DECIMAL_LOOKING_MEDIAN:
        column = next(iter(medians))
        raise InputError(
            f"{source}: column {column!r} has a median daily move of "
            f"{medians[column] * scale:.2g} percent ({medians[column]:.4%}), a hundred times "
            f"too small for percent factor returns; the values look like decimals: pass "
            "factors_unit='decimal' (Python), or write the file in percent for --factors.",
            source=source,
            field=str(column),
            value=medians[column] * scale,
        )
