"""The run: lay out the partitions, fit, run the statistics' steps, combine, finalize."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import kernels
from .._gc import gc_paused
from .._types import Executor, MissingInWindow, WindowSpec, validate_literal
from ..errors import InputError
from ..models.base import ReturnFit, ReturnModel, fit_frame
from ..sample import span_of
from ..stats import TESTS
from ..stats.base import Cell, CrossSection, TestResult
from ..stats.correlation import PairPlan
from ..stats.statistic import Statistic
from .assemble import assemble, combine
from .executors import mapper
from .fit import Job, release_scratch
from .panel import layers, make_panel, partitions
from .partition import first_pass, second_pass

__all__ = ["TWO_PASS_CACHE_BYTES", "EngineRun", "estimate"]

TWO_PASS_CACHE_BYTES = 2**31
"""Largest total of estimation residuals (bytes) kept from pass 1 for a local second pass
(GRANK); larger samples (and Dask runs) fit each partition again instead."""


@dataclass(frozen=True)
class EngineRun:
    r"""What :func:`estimate` returns: a compact fit, the fit table and the test results.

    Attributes
    ----------
    fit
        The fitted model. With several chunks (or Dask) it is compact: the estimation-window
        arrays (``sample.firm_est``, ``est_resid``, ...) have zero columns; every event-span
        array and per-firm estimate is there.
    fit_table
        One row per firm-event (:meth:`~eventstudy.models.base.ReturnFit.fit_table`).
    est_have
        Firm returns present in each estimation window.
    results
        ``(group, window) -> (n_firms, caar, {test name: TestResult})``.
    plans
        Reduction key -> the run-level plan of the statistics sharing it
        (:meth:`~eventstudy.stats.statistic.Statistic.plan`).
    """

    fit: ReturnFit
    fit_table: pd.DataFrame
    est_have: np.ndarray
    results: dict[tuple[str, WindowSpec], tuple[int, float, dict[str, TestResult]]] = field(
        default_factory=dict
    )
    plans: dict[str, Any] = field(default_factory=dict)

    @property
    def kp_rows(self) -> dict[str, np.ndarray]:
        r"""Per group, the firm-events whose pairs give the Kolari-Pynnonen :math:`\bar r`.

        All of them unless :func:`~eventstudy.stats.correlation.kp_subsample` drew a subsample;
        empty when no Kolari-Pynnonen test ran.
        """
        for plan in self.plans.values():
            if isinstance(plan, PairPlan):
                return plan.subsamples
        return {}


@gc_paused()  # a full collection costs about 0.1 s with pandas and numba loaded
def estimate(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market_returns: pd.DataFrame | pd.Series,
    model: ReturnModel,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    groups: dict[str, np.ndarray],
    *,
    missing: MissingInWindow = "nan",
    tests: Sequence[str] | None = None,
    regressors: pd.DataFrame | None = None,
    executor: Executor = "local",
    scheduler: str | None = None,
    chunk_size: int = 20_000,
) -> EngineRun:
    """Fit ``model`` to every firm-event in chunks and run the cross-sectional tests per group.

    Parameters
    ----------
    pairs
        ``event_id``, ``ticker``, ``day0`` (and optionally ``market``) per firm-event.
    returns, market_returns
        Wide firm and benchmark returns on the session index.
    model
        A normal-return model (its ``min_nobs`` in force).
    estimation, windows
        Estimation window and event windows, relative to day 0, inclusive.
    groups
        Group name -> row indices of ``pairs`` (e.g. one per event and ``"ALL"``).
    missing
        How a missing abnormal return inside a window is handled (see
        :meth:`~eventstudy.models.base.ReturnFit.car`).
    tests
        Registered test names (default: all).
    regressors
        Extra regressors (factor models).
    executor
        ``"local"`` (in-process) or ``"dask"`` (dask.distributed).
    scheduler
        Address of a running Dask scheduler; ``None`` starts a LocalCluster with two worker
        processes of one thread each.
    chunk_size
        Firm-events per partition.

    Returns
    -------
    EngineRun

    Raises
    ------
    InputError
        For an unknown executor, a non-positive ``chunk_size`` or an unknown test name.
    """
    validate_literal(executor, Executor, "executor")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(
            f"chunk_size={chunk_size!r} must be a positive whole number of firm-events, "
            "e.g. 50000.",
            field="chunk_size",
            value=chunk_size,
        )
    names = tuple(tests or TESTS)
    for name in names:
        if name not in TESTS:
            raise InputError(
                f"test {name!r} is not a known test statistic; use some of {', '.join(TESTS)}.",
                field="tests",
                value=name,
            )
    stats = {name: TESTS[name] for name in names}
    # one chunk step per reduction key (statistics may share one), none for CAR-only ones
    reducers: dict[str, Statistic] = {}
    for stat in stats.values():
        if stat.needs:
            reducers.setdefault(stat.reduction, stat)
    windows = tuple((int(a), int(b)) for a, b in windows)
    est_len = int(estimation[1]) - int(estimation[0]) + 1
    # a tiny study runs the kernels as Python: less time than numba takes to start
    with kernels.interpreted(kernels.interpret_is_faster(len(pairs), est_len, len(windows))):
        return _estimate(
            pairs,
            returns,
            market_returns,
            model,
            estimation,
            windows,
            groups,
            stats,
            reducers,
            missing=missing,
            regressors=regressors,
            executor=executor,
            scheduler=scheduler,
            chunk_size=chunk_size,
        )


def _estimate(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market_returns: pd.DataFrame | pd.Series,
    model: ReturnModel,
    estimation: WindowSpec,
    windows: tuple[tuple[int, int], ...],
    groups: dict[str, np.ndarray],
    stats: dict[str, Statistic],
    reducers: dict[str, Statistic],
    *,
    missing: MissingInWindow,
    regressors: pd.DataFrame | None,
    executor: Executor,
    scheduler: str | None,
    chunk_size: int,
) -> EngineRun:
    """:func:`estimate` after its checks: the partitions, the passes and the tests."""
    est_len = int(estimation[1]) - int(estimation[0]) + 1
    span = span_of(windows)
    panel, pairs, day0_pos, firm_col, mkt_col = make_panel(
        returns, market_returns, pairs, regressors, est_len + len(span)
    )
    n = len(pairs)
    group_layers, group_layer = layers(groups, n)
    bounds = (int(span[0]), int(span[-1]))
    plans = {key: stat.plan(groups, day0_pos, bounds) for key, stat in reducers.items()}
    parts = partitions(pairs, day0_pos, firm_col, mkt_col, chunk_size)
    two_pass = {key: s for key, s in reducers.items() if s.passes == 2}
    job = Job(
        model,
        estimation,
        windows,
        missing,
        reducers,
        frozenset().union(*(s.needs for s in reducers.values())),
        plans,
        group_layers,
        keep_full=len(parts) == 1 and executor == "local",
        keep_resid=executor == "local"
        and bool(two_pass)
        and n * est_len * 8 <= TWO_PASS_CACHE_BYTES,
    )
    with mapper(executor, scheduler, panel) as run_map:
        outs = run_map(first_pass, [(job, p) for p in parts])
        outs.sort(key=lambda o: o["start"])
        fit = assemble(outs, pairs, panel, job)
        if len(outs) > 1:  # a single partition's fit already holds its CARs
            for w in windows:
                parts_car = [o["cars"][w] for o in outs]
                fit.seed_car(
                    w, missing, tuple(np.concatenate(c) for c in zip(*parts_car, strict=True))
                )
        reduced = combine([o["reduced"] for o in outs], reducers)
        cars = {w: fit.car(w, missing) for w in windows}
        valid = {w: np.isfinite(c[0]) & (c[1] > 0) for w, c in cars.items()}
        if two_pass:
            # what pass 2 needs from every firm-event's CAR, per layer, statistic and window
            cut = [
                {
                    key: np.stack(
                        [stat.between(*cars[w][:2], valid[w], codes, n_groups) for w in windows]
                    )
                    for key, stat in two_pass.items()
                }
                for codes, n_groups in group_layers
            ]
            second = run_map(
                second_pass,
                [
                    (
                        job,
                        p,
                        [
                            {k: c[:, p.start : p.start + len(p.pairs)] for k, c in lc.items()}
                            for lc in cut
                        ],
                        None if o["resid"] is None else (o["resid"], o["sigma2"]),
                    )
                    for p, o in zip(parts, outs, strict=True)
                ],
            )
            for o in outs:
                o["resid"] = None  # the residuals are not needed any more
            for li, layer in enumerate(combine(second, reducers)):
                for key, more in layer.items():
                    reduced[li][key] = {**reduced[li][key], **more}
    release_scratch()  # this thread's scratch, if it ran a partition
    fit_table = fit_frame(
        pairs,
        fit.model,
        {k: np.concatenate([o["fit_columns"][k] for o in outs]) for k in outs[0]["fit_columns"]},
    )
    est_have = np.concatenate([o["est_have"] for o in outs])
    results = {}
    for g, rows in groups.items():
        li, gi = group_layer[g]
        rows = np.asarray(rows)
        for wi, w in enumerate(windows):
            cell = Cell(g, wi, gi, len(rows))
            layer = reduced[li] if li < len(reduced) else {}
            results[(g, w)] = _finalize(fit, cars[w], rows[valid[w][rows]], w, stats, layer, cell)
    return EngineRun(fit=fit, fit_table=fit_table, est_have=est_have, results=results, plans=plans)


def _finalize(
    fit: ReturnFit,
    car: tuple[np.ndarray, np.ndarray, np.ndarray],
    rows: np.ndarray,
    window: WindowSpec,
    stats: dict[str, Statistic],
    reduced: dict[str, Any],
    cell: Cell,
) -> tuple[int, float, dict[str, TestResult]]:
    """Every requested statistic of one group and window from the combined reductions."""
    # the per-firm CAR quantities of the cross-section; the daily arrays are in the reductions
    none = np.empty((len(rows), 0))
    cs = CrossSection(
        window=window,
        rows=rows,
        ar=none,
        ar_var=none,
        car=car[0][rows],
        car_var=car[1][rows],
        sigma2=fit.sigma2[rows],
        dof=fit.dof[rows],
        nobs=fit.nobs[rows],
        est_resid=none,
        est_pos=np.empty((len(rows), 0), np.int64),
        evt_pos=np.empty((len(rows), 0), np.int64),
        fit=fit,
    )
    results: dict[str, TestResult] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, stat in stats.items():
            results[name] = stat.finalize(reduced.get(stat.reduction, {}), cs, cell)
    caar = float(np.mean(cs.car)) if cs.n else float("nan")
    return cs.n, caar, results
