"""Find the CSV line whose field count does not match the header (for error messages only).

pandas reports a row with one field too many in two ways: a parser error for a later row, and,
for the first data row, by silently taking the first column as the row index (every column then
shifts one place, and the dates are reported as bad). Readers pass ``index_col=False`` and turn
pandas' warning into :class:`RaggedCSV`; :func:`ragged_line` then names the line.
:func:`exact_floats` gives the ``read_csv`` option that reads every number as the nearest
double on every supported pandas.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

__all__ = ["RaggedCSV", "describe", "exact_floats", "ragged_line", "ragged_rows_raise"]

_PANDAS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class RaggedCSV(Exception):
    """A data row has more fields than the header (raised inside :func:`ragged_rows_raise`)."""


@contextlib.contextmanager
def ragged_rows_raise(path: str | Path) -> Iterator[None]:
    """Turn pandas' "loss of data with index_col=False" warning into :class:`RaggedCSV`.

    pandas 2.0 gives no warning when the first data row's extra field is empty (a trailing
    comma): the file at ``path`` is then searched for a row with too many fields, so such a
    file is refused on every supported pandas.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            yield
        except pd.errors.ParserWarning as exc:
            raise RaggedCSV(str(exc)) from None
    if _trailing_comma_is_silent() and ragged_line(path) is not None:
        raise RaggedCSV("a data row has more fields than the header")


@functools.cache
def _trailing_comma_is_silent() -> bool:
    """Whether this pandas drops an empty extra field of the first data row without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            pd.read_csv(io.StringIO("a,b\n1,2,\n"), index_col=False)
        except pd.errors.ParserWarning:
            return False
    return True


def ragged_line(path: str | Path, detail: str = "") -> tuple[int, int, int] | None:
    """``(line, fields, header fields)`` of the first row with more fields than the header.

    Parameters
    ----------
    path
        The CSV file (UTF-8; undecodable bytes are replaced, as only commas are counted).
    detail
        pandas' own message, when it names the line (``Expected 2 fields in line 3, saw 3``).

    Returns
    -------
    tuple of int or None
        Line numbers count the header as line 1; None when no such row is found.
    """
    m = _PANDAS.search(detail)
    if m:
        return int(m[2]), int(m[3]), int(m[1])
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, skipinitialspace=True)
        header = next(reader, None)
        if header is None:
            return None
        for row in reader:
            if len(row) > len(header):
                return reader.line_num, len(row), len(header)
    return None


def describe(found: tuple[int, int, int]) -> str:
    """``line 3 has 3 fields but the header has 2`` (the message's common part)."""
    line, fields, header = found
    return f"line {line} has {fields} fields but the header has {header}"


def exact_floats() -> dict[str, str]:
    """``read_csv`` keywords that read each number as the nearest double (as ``float`` does).

    Before pandas 3.1 the default C converter is off by one unit in the last place for many
    numbers written with 17 digits (``118.41999816894531`` reads as ``...533`` on pandas 2.0);
    ``float_precision="round_trip"`` reads them exactly. pandas 3.1 reads them exactly by
    default and deprecates the option, so it is passed only before 3.1.
    """
    major, minor = (int(re.match(r"\d+", part)[0]) for part in pd.__version__.split(".")[:2])
    return {"float_precision": "round_trip"} if (major, minor) < (3, 1) else {}
