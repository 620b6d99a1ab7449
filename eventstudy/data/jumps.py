r"""Price jumps on a (ticker x session) grid: one-day slips that revert, and unadjusted splits.

Both are judged on consecutive sessions, vectorised over every ticker at once; only the candidate
cells (a handful per thousand) are examined further. :func:`~eventstudy.data.quality.check_prices`
decides what to do with what is found here.

A **spike** (a decimal slip: one close typed 100x too small) is a price at least
:data:`SPIKE_FACTOR` times away from the previous session's that comes back next session:

.. math::

    \frac{P_t}{P_{t-1}} \ge F \ \text{or}\ \le \frac{1}{F}, \qquad
    \left|\frac{P_{t+1}}{P_{t-1}} - 1\right| \le \text{SPIKE\_REVERT}.

A real crash persists, so it never matches.

An **unadjusted split** shows as a price ratio :math:`P_t / P_{t-1}` within
:data:`SPLIT_TOLERANCE` of :math:`q/p` for a common ``p:q`` split (:data:`SPLITS`), after which
the price *stays* at the new level: each of the next :data:`SPLIT_PERSIST` prices (at least
:data:`SPLIT_MIN_AFTER` of them present) is closer to :math:`P_t` than to :math:`P_{t-1}`
in logs, and the jump is at least :data:`SPLIT_SIGMAS` robust standard deviations of the
ticker's daily log returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPIKE_FACTOR = 4.0
"""A one-day price move of this factor or more (up or down) is tested for a spike."""
SPIKE_REVERT = 0.10
"""The next price must come back within this fraction of the price before the spike."""

_FORWARD = (*range(2, 11), 12, 15, 20, 25, 30, 40, 50)
_FRACTIONAL = ((3, 2), (4, 3), (5, 4), (5, 2), (5, 3))
SPLITS: tuple[tuple[int, int], ...] = tuple(
    sorted(
        {(k, 1) for k in _FORWARD}
        | {(1, k) for k in _FORWARD}
        | set(_FRACTIONAL)
        | {(q, p) for p, q in _FRACTIONAL}
    )
)
"""Common splits ``(p, q)``: ``p`` new shares for ``q`` old ones, so the price moves by ``q/p``
(``(3, 2)`` a 3-for-2 split, ``(1, 10)`` a 1-for-10 reverse split)."""
SPLIT_TOLERANCE = 0.01
"""Largest relative distance of the price ratio from ``q/p`` (the day's own move hides in it)."""
SPLIT_PERSIST = 5
"""Sessions after the jump that must stay at the new level."""
SPLIT_MIN_AFTER = 3
"""Fewest priced sessions among those that confirm the new level."""
SPLIT_SIGMAS = 8.0
"""A split moves the price by at least this many robust standard deviations of the ticker's
daily log returns (1.4826 x their median absolute deviation): ordinary news days of a volatile
stock that happen to land near 4/5 or 5/4 are not splits."""

_TARGETS = np.array([q / p for p, q in SPLITS])


def split_label(p: int, q: int) -> str:
    """``"3-for-2"`` or ``"1-for-10 reverse"``."""
    return f"{p}-for-{q}" + (" reverse" if p < q else "")


def find_spikes(grid: np.ndarray) -> np.ndarray:
    """Cells ``(row, column)`` of one-session spikes in a (ticker x session) price grid."""
    if grid.shape[1] < 3:
        return np.zeros((0, 2), dtype=np.intp)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = grid[:, 1:-1] / grid[:, :-2]
        rows, cols = np.nonzero((jump >= SPIKE_FACTOR) | (jump <= 1.0 / SPIKE_FACTOR))
        back = grid[rows, cols + 2] / grid[rows, cols]
    keep = np.abs(back - 1.0) <= SPIKE_REVERT
    return np.column_stack([rows[keep], cols[keep] + 1]).astype(np.intp)


@dataclass(frozen=True)
class SplitCandidates:
    """Jumps beyond the bound on one price grid, with the evidence for a split.

    Attributes
    ----------
    row, col
        Grid cell of the price after the jump.
    ratio
        :math:`P_t / P_{t-1}`.
    split
        Index into :data:`SPLITS` of the nearest split ratio.
    matches
        The ratio is within :data:`SPLIT_TOLERANCE` of that split's.
    persists
        The new level holds over the next sessions (see the module notes).
    large
        The jump is at least :data:`SPLIT_SIGMAS` robust standard deviations of the ticker's
        daily log returns (judged only where ``matches & persists``; False elsewhere).
    """

    row: np.ndarray
    col: np.ndarray
    ratio: np.ndarray
    split: np.ndarray
    matches: np.ndarray
    persists: np.ndarray
    large: np.ndarray

    @property
    def evident(self) -> np.ndarray:
        """Every piece of a split's evidence the prices alone can give."""
        return self.matches & self.persists & self.large


def _robust_scale(moved: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """1.4826 x the median absolute deviation of the daily log returns of ``rows``."""
    if not len(rows):
        return np.zeros(0)
    which = np.unique(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(moved[which])
    logs[~np.isfinite(logs)] = np.nan
    scale = np.full(moved.shape[0], np.nan)
    if logs.shape[1]:
        centre = np.nanmedian(logs, axis=1, keepdims=True)
        scale[which] = 1.4826 * np.nanmedian(np.abs(logs - centre), axis=1)
    return scale[rows]


def split_candidates(grid: np.ndarray, bound: float) -> SplitCandidates:
    """Every session-to-session move with ``|P_t/P_{t-1} - 1| > bound`` and its split evidence."""
    n = grid.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = grid[:, 1:] / grid[:, :-1]
        rows, cols = np.nonzero(np.abs(moved - 1.0) > bound)
        ratio = moved[rows, cols]
    col = cols + 1
    distance = np.abs(ratio[:, None] / _TARGETS[None, :] - 1.0)
    split = distance.argmin(axis=1) if len(ratio) else np.zeros(0, dtype=np.intp)
    matches = distance[np.arange(len(ratio)), split] <= SPLIT_TOLERANCE
    after = col[:, None] + np.arange(1, SPLIT_PERSIST + 1)[None, :]
    inside = after < n
    later = grid[rows[:, None], np.minimum(after, n - 1)]
    priced = inside & np.isfinite(later)
    with np.errstate(divide="ignore", invalid="ignore"):
        drift = np.abs(np.log(later / grid[rows, col][:, None]))
    stays = drift < np.abs(np.log(ratio))[:, None] / 2.0
    persists = (priced.sum(axis=1) >= SPLIT_MIN_AFTER) & np.all(stays | ~priced, axis=1)
    # the scale costs a median per ticker: only where the other evidence is there
    large = np.zeros(len(ratio), dtype=bool)
    maybe = np.flatnonzero(matches & persists)
    large[maybe] = ~(
        np.abs(np.log(ratio[maybe])) < SPLIT_SIGMAS * _robust_scale(moved, rows[maybe])
    )
    return SplitCandidates(rows, col, ratio, split, matches, persists, large)
