"""Test-statistic result type, the per-window cross-section, and where a result is read."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._types import MissingInWindow, WindowSpec
from ..errors import InvalidTestStatistic
from ..models.base import ReturnFit
from ._numeric import norm_sf, t_sf


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
