r"""The Kolari-Pynnonen average residual cross-correlation :math:`\bar r`, pair by pair.

.. math::

    \bar r = \frac{2}{N(N-1)} \sum_{i<j} \frac{T_{ij}}{T}\, r_{ij},

:math:`r_{ij}` the correlation of two firm-events' estimation residuals over their common dates
(0 below :data:`MIN_PAIR_DAYS` of them or when undefined) and :math:`T_{ij}/T` the share of the
window's days their windows share in calendar time, the correlation of their CARs when daily
abnormal returns are correlated only on the same date (Kolari and Pynnonen 2010). Pairs whose
windows share no day add exact zeros, so only overlapping pairs are correlated
(:func:`eventstudy.kernels.pair_correlations`). A group with more than :data:`KP_MAX_PAIRS`
overlapping pairs uses a seeded random subsample (:func:`kp_subsample`): the pair average over a
random subsample is unbiased for the group's pair average, and the result's ``reason`` says so.

References
----------
Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional correlation of
abnormal returns. *Review of Financial Studies* 23, 3996-4025.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .._types import WindowSpec
from .base import CrossSection
from .chunk import Chunk, locate

__all__ = [
    "KP_MAX_PAIRS",
    "KP_SEED",
    "MIN_PAIR_DAYS",
    "PairPlan",
    "PairResiduals",
    "average_cross_correlation",
    "kp_subsample",
    "overlap_count",
    "overlapping_pairs",
    "subsamples",
]

KP_MAX_PAIRS = 1_000_000
"""Most pairs of overlapping windows correlated for one Kolari-Pynnonen :math:`\\bar r`; a
group with more draws a seeded random subsample small enough to stay under it."""

KP_SEED = 20100101
"""Seed of the subsample draws (one generator per run, groups in order)."""

MIN_PAIR_DAYS = 30
"""Fewest common estimation days for a pair's correlation; fewer count as 0."""

PAIR_THREADS = 2
"""Threads for a long pair list (the kernel releases the GIL)."""


@dataclass(frozen=True)
class PairPlan:
    r"""Which firm-events give each group's :math:`\bar r`, chosen before the chunks run.

    Attributes
    ----------
    subsamples
        Group -> sorted-or-given row numbers (all of the group's unless subsampled).
    keep
        ``(n,)`` bool over every firm-event: in some group's subsample.
    """

    subsamples: dict[str, np.ndarray]
    keep: np.ndarray


@dataclass
class PairResiduals:
    r"""The reduction behind :math:`\bar r`: estimation residuals of the firm-events it uses.

    Chunks keep the residuals of their rows in some group's subsample; two reductions combine
    by joining their blocks (never copied into one array). :meth:`rbar` correlates the pairs
    once per group and weights them once per window, for both Kolari-Pynnonen tests.

    Attributes
    ----------
    rows
        Row numbers of the kept firm-events, ``(K,)``.
    blocks
        Their estimation residuals, one ``(k, L)`` block per chunk, in ``rows`` order.
    start
        Date position of each kept row's first estimation day (``-1``: none in the data).
    subsamples
        Group -> the rows whose pairs give its :math:`\bar r` (all of them unless subsampled).
    """

    rows: np.ndarray
    blocks: list[np.ndarray]
    start: np.ndarray
    subsamples: dict[str, np.ndarray]
    _pairs: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict, repr=False)
    _rbars: dict[tuple[str, WindowSpec], tuple[float, str | None]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of_chunk(cls, chunk: Chunk, plan: PairPlan) -> PairResiduals:
        """The chunk's rows that some group's subsample uses, with their residuals."""
        key = "pair_residuals"
        if key not in chunk.shared:  # the same for every group layer of a partition
            keep = plan.keep[chunk.rows]
            chunk.shared[key] = (chunk.rows[keep], chunk.resid[keep], chunk.est_start[keep])
        rows, resid, start = chunk.shared[key]
        return cls(rows, [resid], start, plan.subsamples)

    def join(self, other: PairResiduals) -> PairResiduals:
        """Both reductions' firm-events (``other`` after ``self``)."""
        return PairResiduals(
            np.concatenate([self.rows, other.rows]),
            self.blocks + other.blocks,
            np.concatenate([self.start, other.start]),
            self.subsamples,
        )

    def rbar(self, group: str, group_size: int, cs: CrossSection) -> tuple[float, str | None]:
        r""":math:`\bar r` of ``cs`` (one group and window) and a note when subsampled."""
        key = (group, cs.window)
        if key not in self._rbars:
            self._rbars[key] = self._rbar(group, group_size, cs)
        return self._rbars[key]

    def _rbar(self, group: str, group_size: int, cs: CrossSection) -> tuple[float, str | None]:
        from .. import kernels

        sub = self.subsamples[group]
        note = None
        keep = np.intersect1d(sub, cs.rows, assume_unique=True)
        if len(sub) < group_size:
            note = (
                f"r-bar estimated from a random subsample of {len(keep)} of {cs.n} firm-events "
                f"(their pairs with overlapping windows exceed {KP_MAX_PAIRS:,}); seed {KP_SEED}"
            )
        if len(keep) < 2:
            return float("nan"), note
        evt_pos = cs.fit.sample.evt_pos
        first, second, rij = self._pair_corr(group, evt_pos)  # positions in ``sub``
        inside = np.isin(sub, keep, assume_unique=True)
        cols = cs.fit.sample.window_columns(cs.window)
        evt = evt_pos[np.ix_(sub, cols)]
        lo = np.where(evt >= 0, evt, 2**40).min(axis=1)
        hi = evt.max(axis=1)
        total = kernels.shared_weighted_sum(first, second, rij, inside, lo, hi, len(cols))
        n_pairs = len(keep) * (len(keep) - 1) / 2
        return float(total / n_pairs), note

    def _pair_corr(
        self, group: str, evt_pos: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The subsample's pairs whose spans overlap, with their residual correlation.

        Pairs are positions in the group's subsample; the correlation is 0 where it rests on
        fewer than :data:`MIN_PAIR_DAYS` common days or is undefined.
        """
        if group not in self._pairs:
            from .. import kernels

            sub = self.subsamples[group]
            loc = locate(self.rows, sub)
            start = self.start[loc]
            # in date order the overlapping pairs are neighbours in memory (cache locality)
            by_date = np.argsort(start, kind="stable")
            loc, start = loc[by_date], start[by_date]
            values = take_rows(self.blocks, loc)
            span = evt_pos[sub[by_date]]
            lo = np.where(span >= 0, span, 2**40).min(axis=1)
            hi = span.max(axis=1)
            i, j = overlapping_pairs(lo, hi)
            missing = ~np.isfinite(values)
            present = (~missing).astype(float)
            values[missing] = 0.0

            def pairs_between(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
                a, b = bounds
                return kernels.pair_correlations(values, present, start, i[a:b], j[a:b])

            threads = PAIR_THREADS if len(i) >= 100_000 else 1  # else not worth a pool
            cuts = np.linspace(0, len(i), threads + 1).astype(int)
            spans = list(zip(cuts[:-1], cuts[1:], strict=True))
            if threads == 1:
                parts = [pairs_between(spans[0])]
            else:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    parts = list(pool.map(pairs_between, spans))
            r = np.concatenate([p[0] for p in parts])
            cnt = np.concatenate([p[1] for p in parts])
            r = np.where((cnt >= MIN_PAIR_DAYS) & np.isfinite(r), r, 0.0)
            self._pairs[group] = (by_date[i], by_date[j], r)
        return self._pairs[group]


def take_rows(blocks: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of the blocks stacked on top of each other, without stacking them first."""
    bounds = np.cumsum([0] + [len(b) for b in blocks])
    block = np.searchsorted(bounds, rows, side="right") - 1
    out = np.empty((len(rows), blocks[0].shape[1]))
    for b, values in enumerate(blocks):
        dest = np.flatnonzero(block == b)
        out[dest] = values[rows[dest] - bounds[b]]
    return out


def overlapping_pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` (in input order) of intervals ``[lo, hi]`` that overlap.

    Sorted by start, each interval meets the later-starting ones up to the first that starts
    after its end; rows without an interval (``hi < 0``) meet none.
    """
    ok = np.flatnonzero(hi >= 0)
    order = ok[np.argsort(lo[ok], kind="stable")]
    starts = lo[order]
    stop = np.searchsorted(starts, hi[order], side="right")
    counts = np.maximum(stop - np.arange(len(order)) - 1, 0)
    a = np.repeat(np.arange(len(order)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    b = a + 1 + offsets
    i, j = order[a], order[b]
    return np.minimum(i, j), np.maximum(i, j)


def overlap_count(lo: np.ndarray, hi: np.ndarray) -> int:
    """How many pairs of the intervals ``[lo, hi]`` overlap (sorted starts, one search)."""
    order = np.argsort(lo, kind="stable")
    starts = lo[order]
    stop = np.searchsorted(starts, hi[order], side="right")
    return int(np.maximum(stop - np.arange(len(order)) - 1, 0).sum())


def kp_subsample(
    rows: np.ndarray, day0_pos: np.ndarray, span: WindowSpec, rng: np.random.Generator
) -> np.ndarray:
    r"""The firm-events whose pairs give a group's Kolari-Pynnonen :math:`\bar r`.

    Only pairs whose event spans overlap have weight in :math:`\bar r`. If the group has at
    most :data:`KP_MAX_PAIRS` of them, every firm-event is used (exact). Otherwise a random
    subsample of :math:`K = \lfloor N \sqrt{P_{max} / P}\rfloor` firm-events is drawn, which
    keeps the expected number of overlapping pairs near the budget; the pair average over a
    random subsample is unbiased for the group's pair average.

    Parameters
    ----------
    rows
        The group's firm-events (row numbers).
    day0_pos
        Date position of each firm-event's day 0 (all rows of the sample).
    span
        First and last day of the event span, relative to day 0.
    rng
        Random generator (seeded by the caller).

    Returns
    -------
    numpy.ndarray
        Row numbers (sorted when subsampled).
    """
    rows = np.asarray(rows)
    d0 = day0_pos[rows]
    inside = d0 >= 0
    pairs = overlap_count(d0[inside] + span[0], d0[inside] + span[1])
    if pairs <= KP_MAX_PAIRS:
        return rows
    size = max(2, int(len(rows) * np.sqrt(KP_MAX_PAIRS / pairs)))
    return np.sort(rng.choice(rows, size, replace=False))


def subsamples(groups: dict[str, np.ndarray], day0_pos: np.ndarray, span: WindowSpec) -> PairPlan:
    """:func:`kp_subsample` of every group, drawn in group order from one seeded generator."""
    rng = np.random.default_rng(KP_SEED)
    keep = np.zeros(len(day0_pos), bool)
    chosen = {}
    for g, rows in groups.items():
        chosen[g] = kp_subsample(np.asarray(rows), day0_pos, span, rng)
        keep[chosen[g]] = True
    return PairPlan(chosen, keep)


def average_cross_correlation(cs: CrossSection) -> float:
    r"""Average pairwise residual correlation :math:`\bar r` of an in-memory cross-section.

    Residuals are placed on the calendar through ``est_pos``; each pair's correlation uses the
    dates on which both firm-events have a residual (at least :data:`MIN_PAIR_DAYS`, else 0)
    and is weighted by the share of the window's days the two windows share. When all
    firm-events share day 0 every weight is 1 and :math:`\bar r` is Kolari and Pynnonen's
    average correlation.

    Notes
    -----
    .. math::

        \bar r = \frac{2}{N(N-1)} \sum_{i<j} \frac{T_{ij}}{T}\, r_{ij}.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). *Review of Financial Studies* 23, 3996-4025.
    """
    if cs.n < 2:
        return float("nan")
    chunk = Chunk.from_cross_section(cs, frozenset({"pairs"}))
    keep = np.zeros(cs.fit.n, bool)
    keep[cs.rows] = True
    reduced = PairResiduals.of_chunk(chunk, PairPlan({"": np.asarray(cs.rows)}, keep))
    return reduced.rbar("", cs.n, cs)[0]
