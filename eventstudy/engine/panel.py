"""Chunk layout: the return panel as arrays, the partitions of firm-events, the group layers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import WindowSpec
from ..sample import EventSample

__all__ = [
    "Panel",
    "Part",
    "gather",
    "layers",
    "make_panel",
    "partitions",
    "positions",
    "window_bounds",
]


@dataclass(frozen=True)
class Panel:
    """The return panel as plain arrays, shared (scattered once) by every partition.

    Attributes
    ----------
    dates
        Sessions (the date axis).
    firm, market
        Returns, shapes ``(D, F)`` and ``(D, M)``, column-major (``firm`` may have another
        layout in small studies, see :func:`make_panel`); a position or column of ``-1``
        (outside the data) reads as NaN wherever they are gathered.
    regressors
        Extra regressors on the date axis (factor models), or ``None``.
    """

    dates: pd.DatetimeIndex
    firm: np.ndarray
    market: np.ndarray
    regressors: pd.DataFrame | None = None


def make_panel(
    returns: pd.DataFrame,
    market_returns: pd.DataFrame | pd.Series,
    pairs: pd.DataFrame,
    regressors: pd.DataFrame | None = None,
    days_per_pair: int = 0,
) -> tuple[Panel, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Convert wide returns once and locate every firm-event on them.

    Parameters
    ----------
    returns
        Wide firm returns (index = sessions, one column per ticker).
    market_returns
        Benchmark returns on the same index (Series or one column per benchmark).
    pairs
        ``event_id``, ``ticker``, ``day0`` and optionally ``market`` per firm-event.
    regressors
        Extra regressors on the same index.
    days_per_pair
        Returns each firm-event reads (estimation window and event span). When all the
        firm-events together read less than a quarter of the panel, the panel is used in
        whatever layout it has: copying it to column-major would cost more than the gathers
        save.

    Returns
    -------
    panel, pairs, day0_pos, firm_col, mkt_col
        The panel, the pairs (index reset, ``market`` filled) and per firm-event the date
        position of day 0 and the firm / benchmark columns (``-1`` when absent).
    """
    dates = pd.DatetimeIndex(returns.index)
    market = market_returns.to_frame() if isinstance(market_returns, pd.Series) else market_returns
    market = market.reindex(dates)
    pairs = pairs.reset_index(drop=True)
    one_market = "market" not in pairs.columns
    if one_market:
        pairs = pairs.assign(market=market.columns[0])
    day0_pos = positions(dates, pd.DatetimeIndex(pairs["day0"]))
    # column-major: a firm-event reads one column over consecutive dates, so its gathers are
    # sequential in memory (a DataFrame's float block already is: no copy then)
    firm = returns.to_numpy(dtype=float)
    # a strided read costs about 4 times a sequential one (measured), so copying pays once the
    # firm-events read a quarter of the panel
    if 4 * len(pairs) * days_per_pair >= firm.size:
        firm = np.asfortranarray(firm)
    mkt = np.asfortranarray(market.to_numpy(dtype=float))
    firm_col = returns.columns.get_indexer(pairs["ticker"])
    if one_market:
        mkt_col = np.zeros(len(pairs), np.intp)
    else:
        mkt_col = market.columns.get_indexer(pairs["market"])
    regs = None if regressors is None else regressors.reindex(dates)
    return Panel(dates, firm, mkt, regs), pairs, day0_pos, firm_col, mkt_col


def positions(dates: pd.DatetimeIndex, days: pd.DatetimeIndex) -> np.ndarray:
    """Position of each of ``days`` in ``dates`` (``-1`` where absent).

    Sessions are sorted and unique, so a binary search finds them without the hash table
    ``get_indexer`` would build for every new index object.
    """
    if not (dates.is_monotonic_increasing and dates.is_unique and dates.tz == days.tz):
        return dates.get_indexer(days)
    keys, wanted = dates.as_unit("ns").asi8, days.as_unit("ns").asi8
    pos = np.searchsorted(keys, wanted)
    found = pos < len(keys)
    found[found] = keys[pos[found]] == wanted[found]
    return np.where(found & ~days.isna(), pos, -1)


def gather(values: np.ndarray, pos: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``values[pos, col]`` with NaN where the position or the column is ``-1``."""
    out = values[np.maximum(pos, 0), np.maximum(col, 0)]
    out[(pos < 0) | (col < 0)] = np.nan
    return out


@dataclass(frozen=True)
class Part:
    """One partition's firm-events."""

    start: int
    pairs: pd.DataFrame
    day0_pos: np.ndarray
    firm_col: np.ndarray
    mkt_col: np.ndarray


def partitions(
    pairs: pd.DataFrame,
    day0_pos: np.ndarray,
    firm_col: np.ndarray,
    mkt_col: np.ndarray,
    chunk_size: int,
) -> list[Part]:
    """Consecutive runs of ``chunk_size`` firm-events (one empty part for an empty sample)."""
    bounds = list(range(0, len(pairs), chunk_size)) or [0]
    return [
        Part(
            start=b,
            pairs=pairs.iloc[b : b + chunk_size].reset_index(drop=True),
            day0_pos=day0_pos[b : b + chunk_size],
            firm_col=firm_col[b : b + chunk_size],
            mkt_col=mkt_col[b : b + chunk_size],
        )
        for b in bounds
    ]


def layers(
    groups: dict[str, np.ndarray], n: int
) -> tuple[tuple[tuple[np.ndarray, int], ...], dict[str, tuple[int, int]]]:
    """Stack groups into layers of disjoint groups: a code per firm-event per layer."""
    codes: list[np.ndarray] = []
    counts: list[int] = []
    where: dict[str, tuple[int, int]] = {}
    for g, rows in groups.items():
        rows = np.asarray(rows, dtype=np.int64)
        for li, c in enumerate(codes):
            if (c[rows] < 0).all():
                c[rows] = counts[li]
                where[g] = (li, counts[li])
                counts[li] += 1
                break
        else:
            c = np.full(n, -1, np.int64)
            c[rows] = 0
            codes.append(c)
            counts.append(1)
            where[g] = (len(codes) - 1, 0)
    return tuple(zip(codes, counts, strict=True)), where


def window_bounds(sample: EventSample, windows: tuple[WindowSpec, ...]) -> tuple[np.ndarray, ...]:
    """First and last span column of each window (windows are runs of consecutive days)."""
    cols = [sample.window_columns(w) for w in windows]
    lo = np.array([c[0] for c in cols], np.int64)
    hi = np.array([c[-1] for c in cols], np.int64)
    return lo, hi
