"""Test-statistic result type, the per-window cross-section, and the interface of a statistic.

A statistic is one :class:`Statistic` object: the chunk inputs it needs, how a chunk of
firm-events reduces to its sufficient statistics (:meth:`Statistic.chunk`), how two partial
reductions combine (:meth:`Statistic.combine`) and how the combined reduction becomes a
:class:`TestResult` (:meth:`Statistic.finalize`), the shape of ``dask.array.reduction``'s
chunk / combine / aggregate. Calling the object on a :class:`CrossSection` runs the three steps
on one chunk; the engine runs them on partitions, in threads or on Dask workers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._types import MissingInWindow, WindowSpec
from ..errors import InvalidTestStatistic
from ..models.base import ReturnFit
from ._numeric import norm_sf, t_sf

if TYPE_CHECKING:
    from .chunk import Chunk


@dataclass(frozen=True)
class TestResult:
    """Outcome of one test statistic on one group of firm-events and one window.

    Attributes
    ----------
    name
        Registry name, e.g. ``"patell"``.
    stat
        Value of the statistic (NaN when it cannot be computed).
    p_value
        Two-sided p-value under ``distribution``.
    distribution
        Reference distribution, e.g. ``"t(18)"`` or ``"N(0,1)"``.
    null
        The null hypothesis in words.
    nobs
        Firm-events that entered the statistic.
    citation
        The paper the formula follows.
    estimate
        The quantity tested where there is one (e.g. the CAAR), else NaN.
    reason
        Why the statistic is NaN, when it is.
    """

    __test__ = False  # not a pytest test class

    name: str
    stat: float
    p_value: float
    distribution: str
    null: str
    nobs: int
    citation: str
    estimate: float = float("nan")
    reason: str | None = None


def invalid(name: str, reason: str, nobs: int, citation: str, null: str = "") -> TestResult:
    """A NaN result that says why, with an :class:`~eventstudy.errors.InvalidTestStatistic` warning."""
    warnings.warn(f"{name}: {reason}", InvalidTestStatistic, stacklevel=3)
    nan = float("nan")
    return TestResult(name, nan, nan, "", null, nobs, citation, nan, reason)


@dataclass(frozen=True)
class CrossSection:
    """Inputs of the cross-sectional tests for one group of firm-events and one event window.

    Firm-events whose CAR cannot be computed (missing days, failed fit) are already dropped.

    Attributes
    ----------
    window
        ``(a, b)``, inclusive, in sessions relative to day 0.
    rows
        Row indices of these firm-events in ``fit`` (and in ``fit.sample.pairs``).
    ar, ar_var
        Abnormal returns in the window and their prediction-error variances, ``(N, T)``.
    car, car_var
        CAR over the window and its variance (sum-of-regressors leverage), ``(N,)``.
    sigma2, dof, nobs
        Residual variance, residual degrees of freedom and estimation days, ``(N,)``.
    est_resid
        Estimation-window residuals, ``(N, L)`` (NaN where unused).
    est_pos, evt_pos
        Date-axis positions of estimation days ``(N, L)`` and of window days ``(N, T)``.
    fit
        The full fit, for tests that need more.
    """

    window: WindowSpec
    rows: np.ndarray
    ar: np.ndarray
    ar_var: np.ndarray
    car: np.ndarray
    car_var: np.ndarray
    sigma2: np.ndarray
    dof: np.ndarray
    nobs: np.ndarray
    est_resid: np.ndarray
    est_pos: np.ndarray
    evt_pos: np.ndarray
    fit: ReturnFit

    @property
    def n(self) -> int:
        """Number of firm-events."""
        return len(self.rows)

    @property
    def length(self) -> int:
        """Window length T in sessions."""
        return self.window[1] - self.window[0] + 1

    @classmethod
    def from_fit(
        cls,
        fit: ReturnFit,
        rows: np.ndarray,
        window: WindowSpec,
        missing: MissingInWindow = "nan",
        car: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> CrossSection:
        """Take ``rows`` of ``fit`` over ``window``, dropping firm-events without a CAR.

        ``car`` may pass the already computed ``fit.car(window, missing)`` for all rows.
        """
        car_all, var_all, _ = car if car is not None else fit.car(window, missing)
        rows = np.asarray(rows)
        rows = rows[np.isfinite(car_all[rows]) & (var_all[rows] > 0)]
        cols = fit.sample.window_columns(window)
        return cls(
            window=window,
            rows=rows,
            ar=fit.ar[np.ix_(rows, cols)],
            ar_var=fit.ar_var()[np.ix_(rows, cols)] if len(rows) else np.empty((0, len(cols))),
            car=car_all[rows],
            car_var=var_all[rows],
            sigma2=fit.sigma2[rows],
            dof=fit.dof[rows],
            nobs=fit.nobs[rows],
            est_resid=fit.est_resid[rows],
            est_pos=fit.sample.est_pos[rows],
            evt_pos=fit.sample.evt_pos[np.ix_(rows, cols)],
            fit=fit,
        )


def p_norm(stat: float) -> float:
    """Two-sided p-value of ``stat`` under :math:`N(0,1)`."""
    return float(2.0 * norm_sf(abs(stat)))


def p_t(stat: float, dof: float) -> float:
    """Two-sided p-value of ``stat`` under Student's t with ``dof`` degrees of freedom."""
    return float(2.0 * t_sf(abs(stat), dof))


@dataclass(frozen=True)
class Cell:
    """Where :meth:`Statistic.finalize` reads a combined reduction: one group and one window.

    Attributes
    ----------
    group
        Group name (e.g. an event id or ``"ALL"``).
    window_index, group_index
        Position of the window in the run's windows and of the group in its layer (the first
        two axes of every per-day sum).
    group_size
        Firm-events in the group, before those without a CAR in the window are dropped.
    """

    group: str = ""
    window_index: int = 0
    group_index: int = 0
    group_size: int = 0


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
        from .chunk import Chunk

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
