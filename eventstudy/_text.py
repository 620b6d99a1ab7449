"""Values in messages read as plain Python: ``inf`` and ``True``, not ``np.float64(inf)``.

numpy 2 prints its scalars with their type (``np.float64(inf)``, ``np.True_``), so a value taken
from an array and formatted with ``!r`` reads like code. :func:`show` formats a received value for
a message; :func:`plain_message` rewrites such reprs in a finished message (the package's
exceptions and warnings pass every message through it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["plain", "show", "plain_message"]

# np.float64(inf), np.int64(3), np.str_('a'), np.datetime64('2025-01-01'), ... : keep the inside
# (one level of nested parentheses allowed, e.g. np.complex128((1+2j)))
_SCALAR = re.compile(
    r"\bnp\.(?:float|int|uint|complex|str|bytes|datetime|timedelta|longdouble|clongdouble)"
    r"\w*\(((?:[^()]|\([^()]*\))*)\)"
)
_BOOL = re.compile(r"\bnp\.(True|False)_")


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays turned into Python objects, inside tuples too.

    Parameters
    ----------
    value
        Anything received from a caller.

    Returns
    -------
    object
        A numpy scalar as its Python value (``np.int64(3)`` -> ``3``), an array as a list,
        a tuple or list element by element; anything else unchanged.
    """
    # numpy is not imported here: this module is loaded by errors.py, which the CLI loads first
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()  # a scalar's tolist() is its Python value
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def show(value: Any, limit: int = 60) -> str:
    """``repr`` of :func:`plain` ``(value)``, cut to ``limit`` characters (for messages).

    Examples
    --------
    >>> import numpy as np
    >>> show(np.float64("inf")), show((np.int64(0), np.int64(1))), show(np.True_)
    ('inf', '(0, 1)', 'True')
    """
    value = plain(value)
    # dates (and pandas Timestamps) as the text a user writes: '2025-01-27'
    text = repr(value.isoformat() if isinstance(value, (dt.date, dt.time)) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain_message(text: str) -> str:
    """``text`` with numpy scalar reprs replaced by their plain values.

    Examples
    --------
    >>> plain_message("got np.float64(inf) and np.True_ in (np.int64(0), np.int64(1))")
    'got inf and True in (0, 1)'
    """
    if "np." not in text:
        return text
    return _BOOL.sub(r"\1", _SCALAR.sub(r"\1", text))
