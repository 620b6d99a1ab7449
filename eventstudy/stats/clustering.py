"""Event-date clustering: detect it and order the tests so that robust ones come first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sample import EventSample


@dataclass(frozen=True)
class Clustering:
    """How much the firm-events of a group overlap in calendar time.

    Attributes
    ----------
    n
        Firm-events in the group.
    share_same_day0
        Share of firm-events whose day 0 is also another firm-event's day 0.
    share_overlapping
        Share of firm-events whose event span overlaps another firm-event's span in calendar
        time (same day 0 included).
    threshold
        Share above which the group counts as clustered.
    """

    n: int
    share_same_day0: float
    share_overlapping: float
    threshold: float = 0.5

    @property
    def clustered(self) -> bool:
        """Whether at least ``threshold`` of the firm-events overlap another one."""
        return self.n >= 2 and self.share_overlapping >= self.threshold

    def __bool__(self) -> bool:
        return self.clustered


def clustered_dates(sample: EventSample, rows: np.ndarray, threshold: float = 0.5) -> Clustering:
    """Measure event-date clustering among ``rows`` of ``sample``.

    Parameters
    ----------
    sample
        The stacked sample.
    rows
        Row indices of the group's firm-events.
    threshold
        Share of overlapping firm-events from which the group counts as clustered.

    Returns
    -------
    Clustering
        Truthy when clustered. Abnormal returns of firm-events whose windows share calendar
        days are cross-correlated, and tests that assume independence over-reject (Kolari and
        Pynnonen 2010).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from eventstudy.sample import build_sample
    >>> idx = pd.bdate_range("2024-01-01", periods=40)
    >>> r = pd.DataFrame({"A": 0.0, "B": 0.0}, index=idx)
    >>> pairs = pd.DataFrame({"event_id": ["e", "e"], "ticker": ["A", "B"], "day0": idx[[30, 30]]})
    >>> s = build_sample(pairs, r, r["A"], (-20, -5), ((-1, 1),))
    >>> bool(clustered_dates(s, np.arange(2)))
    True
    """
    rows = np.asarray(rows)
    n = len(rows)
    if n < 2:
        return Clustering(n, 0.0, 0.0, threshold)
    zero = np.flatnonzero(sample.rel_days == 0)
    col = int(zero[0]) if len(zero) else 0
    day0 = sample.evt_pos[rows, col]
    _, inverse, counts = np.unique(day0, return_inverse=True, return_counts=True)
    same = float(np.mean((counts[inverse] > 1) & (day0 >= 0)))
    # A span overlaps another that starts no later when the largest end among the spans sorted
    # before it reaches its start, and one that starts no earlier when the next sorted span
    # starts before it ends: O(N log N), so it runs for a million firm-events.
    pos = sample.evt_pos[rows]
    ok = (pos >= 0).any(axis=1)
    first = np.where(pos >= 0, pos, np.iinfo(np.int64).max).min(axis=1)[ok]
    last = pos.max(axis=1)[ok]
    order = np.argsort(first, kind="stable")
    fs, ls = first[order], last[order]
    prev_max = np.maximum.accumulate(np.concatenate([[np.iinfo(np.int64).min], ls[:-1]]))
    reach = np.searchsorted(fs, ls, side="right")
    hit_sorted = (prev_max >= fs) | (reach > np.arange(len(fs)) + 1)
    hit = np.zeros(n, bool)
    hit[np.flatnonzero(ok)[order]] = hit_sorted
    return Clustering(n, same, float(np.mean(hit)), threshold)


def ordered_tests(clustered: bool, names: list[str] | None = None) -> list[str]:
    """Registered test names, clustering-robust ones first when ``clustered``.

    Parameters
    ----------
    clustered
        Whether the group's event dates cluster.
    names
        Test names to order (default: every registered test, in registry order).

    Examples
    --------
    >>> ordered_tests(True)[0]
    'brown_warner'
    """
    from . import TESTS

    names = list(TESTS) if names is None else list(names)
    if not clustered:
        return names
    return sorted(names, key=lambda name: not TESTS[name].clustering_robust)
