r"""The interface of a test statistic: inputs, chunk, combine, finalize.

A statistic is one :class:`Statistic` object: the chunk inputs it needs, how a chunk of
firm-events reduces to its sufficient statistics (:meth:`Statistic.chunk`), how two partial
reductions combine (:meth:`Statistic.combine`) and how the combined reduction becomes a
:class:`~eventstudy.stats.base.TestResult` (:meth:`Statistic.finalize`), the shape of
``dask.array.reduction``'s chunk / combine / aggregate. Calling the object on a
:class:`~eventstudy.stats.base.CrossSection` runs the three steps on one chunk; the engine runs
them on partitions, in threads or on Dask workers.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .._types import WindowSpec
from .base import Cell, CrossSection, TestResult, invalid
from .chunk import Chunk

__all__ = ["Statistic"]


class Statistic:
    r"""One test statistic: its inputs, chunk reduction, combination and final formula.

    Subclasses set the class attributes and override :meth:`finalize` (and :meth:`chunk` /
    :meth:`combine` when they need more than the per-firm CAR quantities of the
    :class:`CrossSection`). Reductions are plain dicts of arrays (or small picklable objects),
    so that Dask can ship them.

    Attributes
    ----------
    name
        Registry name.
    family
        ``"parametric"`` or ``"nonparametric"``.
    clustering_robust
        Whether it stays valid when firms share the event date (cross-correlated abnormal
        returns).
    citation, null
        The paper the formula follows and the null hypothesis in words.
    needs
        Chunk inputs beyond the per-firm CARs: ``"event_time_sums"`` (the compiled pass over
        estimation residuals and window abnormal returns, :meth:`Chunk.event_time_sums`),
        ``"ranks"`` and ``"portfolio"`` (which parts of that pass), ``"residuals"`` (each
        firm-event's estimation residuals), ``"pairs"`` (estimation residuals kept for pair
        correlations). A statistic without needs reads only the per-firm CAR quantities.
    reduction
        Statistics with the same ``reduction`` share one chunk / combine result (the engine
        runs the first one's steps only), e.g. both Kolari-Pynnonen tests share :math:`\bar r`.
    passes
        2 when the chunks are visited again after the first combination (:meth:`between`,
        :meth:`chunk2`), as GRANK needs the cross-sectional deviation of all standardized CARs;
        pass 2's reductions (dicts, combined by :meth:`combine`) join pass 1's keys.
    """

    __test__ = False  # not a pytest test class

    name: ClassVar[str] = ""
    family: ClassVar[str] = "parametric"
    clustering_robust: ClassVar[bool] = False
    citation: ClassVar[str] = ""
    null: ClassVar[str] = ""
    needs: ClassVar[frozenset[str]] = frozenset()
    passes: ClassVar[int] = 1

    @property
    def reduction(self) -> str:
        """Key of the reduction this statistic's chunk step produces (default: its name)."""
        return self.name

    def plan(self, groups: dict[str, np.ndarray], day0_pos: np.ndarray, span: WindowSpec) -> Any:
        """Run-level choices made before the chunks are laid out (default: none).

        Parameters
        ----------
        groups
            Group name -> row numbers of its firm-events.
        day0_pos
            Date position of each firm-event's day 0 (``-1`` outside the data).
        span
            First and last day of the event span, relative to day 0.
        """
        return None

    def chunk(self, chunk: Chunk) -> Any:
        """Reduce one chunk of firm-events to sufficient statistics (default: nothing)."""
        return {}

    def combine(self, a: Any, b: Any) -> Any:
        """Combine two partial reductions (default: key-wise sum of the arrays)."""
        return {k: a[k] + b[k] for k in a}

    def between(
        self,
        car: np.ndarray,
        car_var: np.ndarray,
        valid: np.ndarray,
        codes: np.ndarray,
        n_groups: int,
    ) -> np.ndarray:
        """What pass 2 needs from the combined per-firm CARs of one window (two-pass tests)."""
        raise NotImplementedError

    def chunk2(self, chunk: Chunk, cut: np.ndarray) -> Any:
        """Pass 2 over one chunk; ``cut`` is ``(W, m)`` from :meth:`between`."""
        raise NotImplementedError

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The test result of one group and window from the combined reduction."""
        raise NotImplementedError

    def invalid(self, reason: str, n: int) -> TestResult:
        """A NaN result of this statistic that says why."""
        return invalid(self.name, reason, n, self.citation, self.null)

    def __call__(self, cs: CrossSection) -> TestResult:
        """The statistic of one in-memory cross-section: the three steps on one chunk."""
        cell = Cell("", 0, 0, cs.n)
        if not self.needs:  # per-firm CAR quantities only
            return self.finalize({}, cs, cell)
        chunk = Chunk.from_cross_section(cs, self.needs)
        chunk.plans[self.reduction] = self.plan(
            {"": np.asarray(cs.rows)}, chunk.day0_pos, cs.window
        )
        reduced = self.chunk(chunk)
        if self.passes == 2:
            codes = np.zeros(cs.n, np.int64)
            cut = self.between(cs.car, cs.car_var, np.ones(cs.n, bool), codes, 1)
            reduced = {**reduced, **self.chunk2(chunk, cut[None, :])}
        return self.finalize(reduced, cs, cell)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
