r"""A chunk of firm-events as the statistics read it, and the compiled pass they share.

The engine lays out one :class:`Chunk` per partition and group layer; a cross-section held in
memory is one chunk (:meth:`Chunk.from_cross_section`). The rank, sign, Brown-Warner and
portfolio statistics all reduce the same rows: :meth:`Chunk.event_time_sums` runs the compiled
pass of :func:`eventstudy.kernels.rank_pass1` once per chunk (each firm-event row visited once)
and each statistic's ``chunk`` step takes its own sums from it. The sums are per window, group
(the chunk's ``codes``) and event-time day; they add up across chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .base import CrossSection

__all__ = ["Chunk", "day0_positions", "estimation_start", "locate", "valid_patterns"]

Scratch = Callable[..., np.ndarray]


def locate(rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions of ``wanted`` in ``rows`` (every one present; ``rows`` unique)."""
    ascending = len(rows) < 2 or bool(np.all(rows[1:] > rows[:-1]))
    if ascending and (len(rows) == 0 or rows[-1] - rows[0] == len(rows) - 1):
        return wanted - (rows[0] if len(rows) else 0)  # consecutive rows (every engine run)
    if ascending:
        return np.searchsorted(rows, wanted)
    order = np.argsort(rows, kind="stable")
    return order[np.searchsorted(rows, wanted, sorter=order)]


def valid_patterns(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's valid pattern and the ``(P, W)`` windows of each pattern.

    ``valid`` is ``(W, m)``: whether each row is in each window's cross-section. Estimation-day
    sums that do not depend on the window are accumulated per pattern, so each row adds its
    estimation days once, not once per window (:func:`eventstudy.kernels.by_window`).
    """
    bits = (valid.astype(np.int64) << np.arange(valid.shape[0])[:, None]).sum(axis=0)
    unique, index = np.unique(bits, return_inverse=True)
    windows = ((unique[:, None] >> np.arange(valid.shape[0])[None, :]) & 1).astype(bool)
    return index.astype(np.int64), windows


@dataclass
class Chunk:
    """Firm-event rows of one chunk, laid out for the statistics' ``chunk`` steps.

    Attributes
    ----------
    rows
        Row number of each firm-event in the whole sample, ``(m,)``.
    resid
        Estimation residuals ``(m, L)``, NaN where missing.
    sigma2
        Residual variances ``(m,)``.
    ar
        Abnormal returns over the event span ``(m, S)``.
    firm_est, market_est, firm_evt, market_evt
        Firm and benchmark returns on the estimation days ``(m, L)`` and the span ``(m, S)``.
    lo, hi
        First and last span column of each window, ``(W,)``.
    valid
        ``(W, m)``: the firm-event is in window ``w``'s cross-section.
    codes
        Group of each row in this layer (``-1``: none), and ``n_groups`` groups.
    est_start
        Date position of each row's first estimation day (``-1``: no estimation day in the
        data); residual column ``t`` is on date ``est_start + t``.
    needs
        Union of the requested statistics' :attr:`~eventstudy.stats.statistic.Statistic.needs`.
    plans
        Run-level plans of the statistics, by reduction key
        (:meth:`~eventstudy.stats.statistic.Statistic.plan`).
    shared
        Memo shared by the chunks of one partition (one per group layer): sort order, valid
        patterns, shares of positive residuals.
    scratch
        ``scratch(name, m, width)`` gives a reusable array of the calling thread (or ``None``:
        fresh arrays).
    day0_pos
        Date position of day 0 of every firm-event of the sample (for in-memory plans).
    """

    rows: np.ndarray
    resid: np.ndarray
    sigma2: np.ndarray
    ar: np.ndarray
    firm_est: np.ndarray
    market_est: np.ndarray
    firm_evt: np.ndarray
    market_evt: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    valid: np.ndarray
    codes: np.ndarray
    n_groups: int
    est_start: np.ndarray
    needs: frozenset[str]
    plans: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    scratch: Scratch | None = None
    day0_pos: np.ndarray | None = None
    _sums: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def m(self) -> int:
        """Rows in the chunk."""
        return len(self.rows)

    def event_time_sums(self) -> dict[str, np.ndarray]:
        r"""Sums per window, group and event-time day over the chunk's valid rows.

        Keys ``est:<k>`` for :data:`~eventstudy.kernels.EST_KEYS` (``(W, G, L)``: residuals
        and their counts, GRANK ranks, portfolio firm and benchmark returns and counts),
        ``est:corrado`` and ``est:cz`` (``(W, G, L)``: merged ranks and signs of the estimation
        days) and ``win:<k>`` for :data:`~eventstudy.kernels.WIN_EVT_KEYS` (``(W, G, S)``).
        Ranks run only when ``"ranks"`` is needed, portfolio sums when ``"portfolio"`` is.
        """
        if self._sums is None:
            self._sums = self._event_time_sums()
        return self._sums

    def _event_time_sums(self) -> dict[str, np.ndarray]:
        from .. import kernels

        ranked = "ranks" in self.needs
        port = "portfolio" in self.needs
        m, width = self.resid.shape
        n_w, span = len(self.lo), self.ar.shape[1]
        if "pass1" not in self.shared:
            if self.scratch is None:
                keys = np.empty((m, width))
            else:
                keys = self.scratch("sort_keys", m, width)
            kernels.missing_last(np.ascontiguousarray(self.resid, dtype=float), keys)
            # numpy's vectorised argsort (several times faster than a compiled per-row sort)
            # takes a slow path when a row holds NaN, hence +inf for the missing residuals
            order = np.argsort(keys, axis=1) if ranked else np.empty((m, 0), np.int64)
            self.shared["pass1"] = [keys, order] + [
                np.ascontiguousarray(a, dtype=float)
                for a in (self.ar, self.firm_est, self.market_est, self.firm_evt, self.market_evt)
            ]
            self.shared["patterns"] = valid_patterns(self.valid)
        arrays = self.shared["pass1"]
        pattern, pattern_windows = self.shared["patterns"]
        codes = np.ascontiguousarray(self.codes, dtype=np.int64)
        g = self.n_groups
        est = np.zeros((len(kernels.EST_KEYS), len(pattern_windows), g, width))
        win_est = np.zeros((len(kernels.WIN_EST_KEYS), n_w, g, width))
        win_evt = np.zeros((len(kernels.WIN_EVT_KEYS), n_w, g, span))
        kernels.rank_pass1(
            *arrays,
            self.lo,
            self.hi,
            self.valid,
            codes,
            pattern,
            ranked,
            port,
            est,
            win_est,
            win_evt,
        )
        sums = {
            f"est:{k}": kernels.by_window(est[ki], pattern_windows)
            for ki, k in enumerate(kernels.EST_KEYS)
        }
        sums["est:corrado"], sums["est:cz"] = win_est[0], win_est[1]
        sums.update({f"win:{k}": win_evt[ki] for ki, k in enumerate(kernels.WIN_EVT_KEYS)})
        return sums

    def window_slices(self, span_sums: np.ndarray) -> list[np.ndarray]:
        """Per window, the ``(G, T_w)`` columns of its days from ``(W, G, S)`` span sums."""
        return [span_sums[w][:, self.lo[w] : self.hi[w] + 1] for w in range(len(self.lo))]

    def positive_share(self) -> np.ndarray:
        """Each row's share of positive estimation residuals (NaN without residuals)."""
        if "share" not in self.shared:
            from .. import kernels

            n_have, n_pos = kernels.row_counts(np.ascontiguousarray(self.resid, dtype=float))
            with np.errstate(invalid="ignore", divide="ignore"):
                self.shared["share"] = n_pos / n_have
        return self.shared["share"]

    @classmethod
    def from_cross_section(cls, cs: CrossSection, needs: frozenset[str]) -> Chunk:
        """One chunk of an in-memory cross-section: one group, one window (its own span)."""
        sample = cs.fit.sample
        rows = np.asarray(cs.rows)
        cols = sample.window_columns(cs.window)
        n, t = len(rows), len(cols)
        day0 = day0_positions(sample.est_pos, sample.evt_pos, sample.estimation, sample.rel_days)
        n_dates = len(sample.dates)
        return cls(
            rows=rows,
            resid=cs.est_resid,
            sigma2=cs.sigma2,
            ar=cs.ar,
            firm_est=sample.firm_est[rows],
            market_est=sample.market_est[rows],
            firm_evt=sample.firm_evt[np.ix_(rows, cols)],
            market_evt=sample.market_evt[np.ix_(rows, cols)],
            lo=np.zeros(1, np.int64),
            hi=np.full(1, t - 1, np.int64),
            valid=np.ones((1, n), bool),
            codes=np.zeros(n, np.int64),
            n_groups=1,
            est_start=estimation_start(day0[rows], sample.estimation, n_dates),
            needs=frozenset(needs),
            day0_pos=day0,
        )


def estimation_start(day0: np.ndarray, estimation: tuple[int, int], n_dates: int) -> np.ndarray:
    """Date position of the first estimation day of each firm-event (``-1``: none in the data).

    It may be negative when the window starts before the data: column ``t`` of the residuals is
    on date ``start + t`` all the same.
    """
    first, last = day0 + estimation[0], day0 + estimation[1]
    inside = (day0 >= 0) & (last >= 0) & (first < n_dates)
    return np.where(inside, first, -1)


def day0_positions(
    est_pos: np.ndarray, evt_pos: np.ndarray, estimation: tuple[int, int], rel_days: np.ndarray
) -> np.ndarray:
    """Date position of each firm-event's day 0, read back from any day in the data (``-1``)."""
    rel = np.concatenate([np.arange(estimation[0], estimation[1] + 1), rel_days])
    pos = np.concatenate([est_pos, evt_pos], axis=1)
    have = pos >= 0
    first = np.argmax(have, axis=1)
    found = have[np.arange(len(pos)), first] if len(pos) else np.zeros(0, bool)
    day0 = pos[np.arange(len(pos)), first] - rel[first] if len(pos) else np.zeros(0, np.int64)
    return np.where(found, day0, -1)
