r"""Chunked estimation and cross-sectional test inputs for samples of any size.

:func:`estimate` fits the normal-return model and computes every per-firm quantity (abnormal
returns, CARs and their variances, BHARs) in chunks of firm-events, so that the ``(n, L)``
estimation-window arrays exist for one chunk at a time. What the cross-sectional tests need from
the estimation windows is reduced chunk by chunk to sums per group and event-time column
(sufficient statistics), which add up across chunks and across Dask partitions:

* Brown-Warner: sums and counts of estimation residuals per event-time day;
* generalized sign: each firm's share of positive residuals;
* Corrado rank and Corrado-Zivney sign: each firm's ranks (signs about its median) of the
  estimation residuals merged with the window's abnormal returns, summed per day, ties
  averaged exactly as :func:`scipy.stats.rankdata`;
* GRANK: the same ranks of standardized residuals, plus a second pass over the chunks once the
  cross-sectional standard deviation of the standardized CARs is known;
* portfolio regression: sums and counts of firm and benchmark returns per day;
* Kolari-Pynnonen: the average residual cross-correlation :math:`\bar r` over the pairs of a
  group whose overlapping pairs number at most :data:`KP_MAX_PAIRS`, otherwise of a seeded
  random subsample small enough (:func:`kp_subsample`) (the pair average over a random subsample is unbiased for the pair average over the
  group; the result's ``reason`` says so). Pairs whose windows share no day have weight zero,
  so only overlapping pairs are correlated.

The market-model fit and the per-row rank and sign sums run in compiled loops
(:mod:`eventstudy.kernels`, one visit per firm-event row); other models use their own ``fit``.
Tests that need only per-firm CARs and variances (cross-sectional t, Patell, BMP, skewness
adjusted t, Wilcoxon) run the registered functions of :mod:`eventstudy.stats` unchanged.

The partitions run in-process (``executor="local"``, :data:`LOCAL_THREADS` at a time) or on a
dask.distributed cluster (``executor="dask"``); both give the same numbers.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._gc import gc_paused
from ._types import Executor, MissingInWindow, WindowSpec, validate_literal
from .errors import InputError
from .models.base import ReturnFit, ReturnModel, fit_frame
from .models.market import MarketModel
from .sample import EventSample, span_of
from .stats import TESTS, CrossSection, TestResult
from .stats.base import invalid
from .stats.nonparametric import (
    CITE_CORRADO,
    CITE_COWAN,
    CITE_CZ,
    CITE_GRANK,
    NULL_MEDIAN,
)
from .stats.parametric import (
    CITE_BW,
    CITE_KP,
    CITE_PORT,
    NULL_CAR,
    _bmp_t,
    _p_norm,
    _p_t,
    _patell_z,
    portfolio_dummy_test,
)

__all__ = [
    "KP_MAX_PAIRS",
    "CAR_ONLY_TESTS",
    "Panel",
    "EngineRun",
    "estimate",
    "kp_subsample",
    "make_panel",
]

KP_MAX_PAIRS = 1_000_000
"""Most pairs of overlapping windows correlated for one Kolari-Pynnonen :math:`\\bar r`; a
group with more draws a seeded random subsample small enough to stay under it."""

CAR_ONLY_TESTS = frozenset(
    {"cross_sectional_t", "patell", "bmp", "skewness_adjusted_t", "wilcoxon"}
)
"""Tests computed by the registered functions from per-firm CARs alone."""

KP_SEED = 20100101

LOCAL_THREADS = 2
"""Partitions processed at once by the local executor (threads; memory grows with it)."""

GRANK_CACHE_BYTES = 2**31
"""Largest total of estimation residuals (bytes) kept from pass 1 for the local GRANK pass 2;
larger samples (and Dask runs) fit each partition again instead."""


# -- inputs ------------------------------------------------------------------------------------


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
    day0_pos = _positions(dates, pd.DatetimeIndex(pairs["day0"]))
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


def _positions(dates: pd.DatetimeIndex, days: pd.DatetimeIndex) -> np.ndarray:
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


def _gather(values: np.ndarray, pos: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``values[pos, col]`` with NaN where the position or the column is ``-1``."""
    out = values[np.maximum(pos, 0), np.maximum(col, 0)]
    out[(pos < 0) | (col < 0)] = np.nan
    return out


@dataclass(frozen=True)
class _Job:
    """Everything a partition needs besides the panel and its rows."""

    model: ReturnModel
    estimation: WindowSpec
    windows: tuple[WindowSpec, ...]
    missing: MissingInWindow
    tests: tuple[str, ...]
    layers: tuple[tuple[np.ndarray, int], ...]  # (group code per firm-event or -1, n groups)
    kp_keep: np.ndarray  # bool per firm-event: keep residuals for Kolari-Pynnonen
    keep_full: bool  # keep the full chunk fit (single-chunk local runs)
    keep_resid: bool = False  # return the estimation residuals (local GRANK second pass)


@dataclass(frozen=True)
class _Part:
    """One partition's firm-events."""

    start: int
    pairs: pd.DataFrame
    day0_pos: np.ndarray
    firm_col: np.ndarray
    mkt_col: np.ndarray


def _chunk_sample(panel: Panel, job: _Job, part: _Part) -> EventSample:
    """Gather a partition's returns exactly as :func:`~eventstudy.sample.build_sample` does."""
    rel_est = np.arange(job.estimation[0], job.estimation[1] + 1)
    rel_days = span_of(job.windows)
    n_dates = len(panel.dates)
    day0 = part.day0_pos

    def positions(rel: np.ndarray) -> np.ndarray:
        pos = day0[:, None] + rel[None, :]
        bad = (day0[:, None] < 0) | (pos < 0) | (pos >= n_dates)
        return np.where(bad, -1, pos)

    est_pos = positions(rel_est)
    evt_pos = positions(rel_days)
    fc = part.firm_col[:, None]
    mc = part.mkt_col[:, None]
    return EventSample(
        pairs=part.pairs,
        dates=panel.dates,
        estimation=(int(job.estimation[0]), int(job.estimation[1])),
        rel_days=rel_days,
        est_pos=est_pos,
        evt_pos=evt_pos,
        firm_est=_gather(panel.firm, est_pos, fc),
        firm_evt=_gather(panel.firm, evt_pos, fc),
        market_est=_gather(panel.market, est_pos, mc),
        market_evt=_gather(panel.market, evt_pos, mc),
        regressors=panel.regressors,
    )


# -- estimation ----------------------------------------------------------------------------------


def _fit_market_compiled(panel: Panel, job: _Job, part: _Part) -> ReturnFit:
    r"""The market model with the gathers and the closed-form fit in one compiled pass per row.

    :math:`\hat\beta = \sum (x-\bar x) y / \sum (x-\bar x)^2`, :math:`\hat\alpha = \bar y -
    \hat\beta \bar x`, :math:`(X'X)^{-1} = \begin{pmatrix} 1/L + \bar x^2/S_{xx} & -\bar x/S_{xx}
    \\ -\bar x/S_{xx} & 1/S_{xx}\end{pmatrix}`, over the days where both returns exist (the
    same estimates as :func:`~eventstudy.models.base.fit_linear`, to rounding).
    """
    from . import kernels

    rel_est = np.arange(job.estimation[0], job.estimation[1] + 1)
    rel_days = span_of(job.windows)
    m, width = len(part.day0_pos), len(rel_est)
    if job.keep_full:  # the fit outlives the partition: its own arrays
        est_pos = np.empty((m, width), np.int64)
        firm_est, market_est = np.empty((m, width)), np.empty((m, width))
    else:
        est_pos = _scratch("est_pos", m, width, np.int64)
        firm_est, market_est = _scratch("firm_est", m, width), _scratch("market_est", m, width)
    resid = np.empty((m, width))
    (
        evt_pos,
        firm_evt,
        market_evt,
        alpha,
        beta,
        sigma2,
        nobs,
        r2,
        xbar,
        sxx,
        usable,
    ) = kernels.market_fit(
        panel.firm,
        panel.market,
        np.asarray(part.day0_pos, np.int64),
        np.asarray(part.firm_col, np.int64),
        np.asarray(part.mkt_col, np.int64),
        rel_est,
        rel_days,
        int(job.model.min_nobs),
        est_pos,
        firm_est,
        market_est,
        resid,
    )
    sample = EventSample(
        pairs=part.pairs,
        dates=panel.dates,
        estimation=(int(job.estimation[0]), int(job.estimation[1])),
        rel_days=rel_days,
        est_pos=est_pos,
        evt_pos=evt_pos,
        firm_est=firm_est,
        firm_evt=firm_evt,
        market_est=market_est,
        market_evt=market_evt,
        regressors=panel.regressors,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        xtx_inv = np.empty((len(nobs), 2, 2))
        xtx_inv[:, 0, 0] = 1.0 / nobs + xbar**2 / sxx
        xtx_inv[:, 0, 1] = xtx_inv[:, 1, 0] = -xbar / sxx
        xtx_inv[:, 1, 1] = 1.0 / sxx
    params = np.column_stack([alpha, beta])
    normal = alpha[:, None] + beta[:, None] * market_evt
    ar = firm_evt - normal
    xtx_inv[~usable] = np.nan
    x_evt = np.stack([np.ones_like(market_evt), market_evt], axis=2)
    return ReturnFit(
        model=job.model.name,
        sample=sample,
        param_names=("alpha", "beta"),
        params=params,
        sigma2=sigma2,
        nobs=nobs,
        dof=(nobs - 2).astype(float),
        r2=r2,
        xtx_inv=xtx_inv,
        x_evt=x_evt,
        est_resid=resid,
        normal=normal,
        ar=ar,
    )


_SCRATCH = threading.local()


def _scratch(name: str, m: int, width: int, dtype: type = float) -> np.ndarray:
    """A reusable ``(m, width)`` array of the calling thread, one per ``name``.

    A partition's estimation-day positions, returns and sort keys are read only while the
    partition is processed, so each thread reuses one set across partitions: fresh memory costs
    a page fault per 4 KiB, which on this kind of machine is as slow as the fit itself.
    """
    held = _SCRATCH.__dict__.setdefault("arrays", {})
    array = held.get(name)
    if array is None or array.shape[0] < m or array.shape[1] != width:
        array = held[name] = np.empty((m, width), dtype)
    return array[:m]


def _fit_chunk(panel: Panel, job: _Job, part: _Part) -> ReturnFit:
    if type(job.model) is MarketModel:
        return _fit_market_compiled(panel, job, part)
    return job.model.fit(_chunk_sample(panel, job, part))


# -- partition work -------------------------------------------------------------------------------


def _window_bounds(sample: EventSample, windows: tuple[WindowSpec, ...]) -> tuple[np.ndarray, ...]:
    """First and last span column of each window (windows are runs of consecutive days)."""
    cols = [sample.window_columns(w) for w in windows]
    lo = np.array([c[0] for c in cols], np.int64)
    hi = np.array([c[-1] for c in cols], np.int64)
    return lo, hi


def _patterns(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's valid pattern and the ``(P, W)`` windows of each pattern."""
    bits = (valid.astype(np.int64) << np.arange(valid.shape[0])[:, None]).sum(axis=0)
    unique, index = np.unique(bits, return_inverse=True)
    windows = ((unique[:, None] >> np.arange(valid.shape[0])[None, :]) & 1).astype(bool)
    return index.astype(np.int64), windows


def _partition(panel: Panel, job: _Job, part: _Part) -> dict[str, Any]:
    """Pass 1 over one partition: fit, per-firm arrays and the test sufficient statistics."""
    from . import kernels

    fit = _fit_chunk(panel, job, part)
    s = fit.sample
    m = len(part.pairs)
    rows = part.start + np.arange(m)
    resid = fit.est_resid
    names = set(job.tests)
    out: dict[str, Any] = {
        "start": part.start,
        "model": fit.model,
        "param_names": fit.param_names,
        "notes": dict(fit.notes),
        "params": fit.params,
        "sigma2": fit.sigma2,
        "nobs": fit.nobs,
        "dof": fit.dof,
        "r2": fit.r2,
        "xtx_inv": fit.xtx_inv,
        "x_evt": fit.x_evt,
        "normal": fit.normal,
        "ar": fit.ar,
        "evt_pos": s.evt_pos,
        "firm_evt": s.firm_evt,
        "market_evt": s.market_evt,
        "est_have": kernels.row_counts(np.ascontiguousarray(s.firm_est))[0],
        "fit_columns": fit.fit_columns(),
        "full": fit if job.keep_full else None,
        "resid": resid if job.keep_resid else None,
    }
    n_have, n_pos = kernels.row_counts(np.ascontiguousarray(resid))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_pos"] = n_pos / n_have
    keep = job.kp_keep[rows]
    out["kp_rows"] = rows[keep]
    out["kp_resid"] = resid[keep]
    # date position of each kept row's first estimation day (its residual column 0), -1 when
    # no estimation day is in the data
    day0 = part.day0_pos[keep]
    first, last = day0 + job.estimation[0], day0 + job.estimation[1]
    inside = (day0 >= 0) & (last >= 0) & (first < len(panel.dates))
    out["kp_start"] = np.where(inside, first, -1)

    valid = np.empty((len(job.windows), m), bool)
    out["cars"] = {}
    for wi, w in enumerate(job.windows):
        car, var, _ = out["cars"][w] = fit.car(w, job.missing)
        valid[wi] = np.isfinite(car) & (var > 0)
    need_est = names & {
        "brown_warner",
        "corrado_rank",
        "corrado_zivney_sign",
        "grank",
        "portfolio_regression",
    }
    accs: list[dict[Any, np.ndarray]] = []
    if need_est:
        ranked = bool(names & {"corrado_rank", "corrado_zivney_sign", "grank"})
        port = "portfolio_regression" in names
        lo, hi = _window_bounds(s, job.windows)
        pattern, pattern_windows = _patterns(valid)
        n_w, width, span = len(job.windows), resid.shape[1], fit.ar.shape[1]
        keys = np.empty((m, width)) if job.keep_full else _scratch("sort_keys", m, width)
        kernels.missing_last(np.ascontiguousarray(resid, dtype=float), keys)
        # numpy's vectorised argsort (several times faster than a compiled per-row sort) takes
        # a slow path when a row holds NaN, hence +inf for the missing residuals
        order = np.argsort(keys, axis=1) if ranked else np.empty((m, 0), np.int64)
        arrays = [keys, order] + [
            np.ascontiguousarray(a, dtype=float)
            for a in (fit.ar, s.firm_est, s.market_est, s.firm_evt, s.market_evt)
        ]
        for codes_all, n_groups in job.layers:
            codes = np.ascontiguousarray(codes_all[rows], dtype=np.int64)
            est = np.zeros((len(kernels.EST_KEYS), len(pattern_windows), n_groups, width))
            win_est = np.zeros((len(kernels.WIN_EST_KEYS), n_w, n_groups, width))
            win_evt = np.zeros((len(kernels.WIN_EVT_KEYS), n_w, n_groups, span))
            kernels.rank_pass1(
                *arrays, lo, hi, valid, codes, pattern, ranked, port, est, win_est, win_evt
            )
            est_w = {
                k: kernels.by_window(est[ki], pattern_windows)
                for ki, k in enumerate(kernels.EST_KEYS)
            }
            evt_w = {k: win_evt[ki] for ki, k in enumerate(kernels.WIN_EVT_KEYS)}
            acc: dict[Any, np.ndarray] = {}
            for wi in range(n_w):
                cols = slice(lo[wi], hi[wi] + 1)
                acc[("resid", wi)] = est_w["resid"][wi]
                acc[("resid_n", wi)] = est_w["resid_n"][wi]
                acc[("ar_n", wi)] = evt_w["ar_n"][wi][:, cols]
                if "grank" in names:
                    acc[("grank_r", wi)] = est_w["grank_r"][wi]
                if port:
                    for key in ("port_f", "port_fn", "port_m", "port_mn"):
                        acc[(key, wi)] = np.concatenate(
                            [est_w[key][wi], evt_w[key][wi][:, cols]], axis=1
                        )
                if "corrado_rank" in names:
                    acc[("corrado_est", wi)] = win_est[0, wi]
                    acc[("corrado_win", wi)] = evt_w["corrado_win"][wi][:, cols]
                if "corrado_zivney_sign" in names:
                    acc[("cz_est", wi)] = win_est[1, wi]
                    acc[("cz_win", wi)] = evt_w["cz_win"][wi][:, cols]
            accs.append(acc)
    out["acc"] = accs
    return out


def _grank_partition(
    panel: Panel,
    job: _Job,
    part: _Part,
    cut: list[list[np.ndarray]],
    cached: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[dict[Any, np.ndarray]]:
    """Pass 2 (GRANK): where each standardized residual stands against the scaled SCAR.

    ``cut[layer][window]`` holds :math:`SCAR_i / S_{SCAR}` of the partition's firm-events (NaN
    where the firm-event is not in the cross-section). ``cached`` holds pass 1's estimation
    residuals and variances of the partition; without it the partition is fitted again.
    """
    from . import kernels

    if cached is None:
        fit = _fit_chunk(panel, job, part)
        est_resid, sigma2 = fit.est_resid, fit.sigma2
    else:
        est_resid, sigma2 = cached
    m = len(part.pairs)
    rows = part.start + np.arange(m)
    resid = np.ascontiguousarray(est_resid, dtype=float)
    sigma2 = np.ascontiguousarray(sigma2, dtype=float)
    out = []
    for li, (codes_all, n_groups) in enumerate(job.layers):
        codes = np.ascontiguousarray(codes_all[rows], dtype=np.int64)
        cuts = np.ascontiguousarray(np.stack(cut[li]), dtype=float)
        above = np.zeros((len(job.windows), n_groups, resid.shape[1]))
        last = np.zeros((len(job.windows), n_groups))
        kernels.grank_pass2(resid, sigma2, cuts, codes, above, last)
        acc: dict[Any, np.ndarray] = {}
        for wi in range(len(job.windows)):
            acc[("grank_above", wi)] = above[wi]
            acc[("grank_last", wi)] = last[wi]
        out.append(acc)
    return out


# -- executors -----------------------------------------------------------------------------------


Mapper = Callable[[Callable[..., Any], Sequence[Any]], list[Any]]


@contextmanager
def _mapper(executor: Executor, scheduler: str | None, panel: Panel) -> Iterator[Mapper]:
    """A ``map(func, parts)`` that calls ``func(panel, job, part, *extra)`` on each part."""
    if executor == "local":
        threads = min(LOCAL_THREADS, len(os.sched_getaffinity(0)))

        def local(func: Callable[..., Any], args: Sequence[Any]) -> list[Any]:
            if threads < 2 or len(args) < 2:
                return [func(panel, *a) for a in args]
            # the compiled kernels and numpy's sort release the GIL, so partitions overlap
            with ThreadPoolExecutor(max_workers=threads) as pool:
                return list(pool.map(lambda a: func(panel, *a), args))

        yield local
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        shared = client.scatter(panel, broadcast=True)

        def remote(func: Callable[..., Any], args: Sequence[Any]) -> list[Any]:
            futures = [client.submit(func, shared, *a, pure=False) for a in args]
            return client.gather(futures)

        yield remote
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- the run ---------------------------------------------------------------------------------------


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
    kp_rows
        Per group, the firm-events whose pairs give the Kolari-Pynnonen :math:`\bar r` (all of
        them unless :func:`kp_subsample` drew a subsample).
    """

    fit: ReturnFit
    fit_table: pd.DataFrame
    est_have: np.ndarray
    results: dict[tuple[str, WindowSpec], tuple[int, float, dict[str, TestResult]]] = field(
        default_factory=dict
    )
    kp_rows: dict[str, np.ndarray] = field(default_factory=dict)


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
    windows = tuple((int(a), int(b)) for a, b in windows)
    est_len = int(estimation[1]) - int(estimation[0]) + 1
    panel, pairs, day0_pos, firm_col, mkt_col = make_panel(
        returns, market_returns, pairs, regressors, est_len + len(span_of(windows))
    )
    n = len(pairs)
    layers, group_layer = _layers(groups, n)
    kp_keep = np.zeros(n, bool)
    rng = np.random.default_rng(KP_SEED)
    span = span_of(windows)
    kp_sub: dict[str, np.ndarray] = {}
    for g, rows in groups.items():
        rows = kp_subsample(np.asarray(rows), day0_pos, (int(span[0]), int(span[-1])), rng)
        kp_sub[g] = rows
        kp_keep[rows] = True
    bounds = list(range(0, n, chunk_size)) or [0]
    parts = [
        _Part(
            start=b,
            pairs=pairs.iloc[b : b + chunk_size].reset_index(drop=True),
            day0_pos=day0_pos[b : b + chunk_size],
            firm_col=firm_col[b : b + chunk_size],
            mkt_col=mkt_col[b : b + chunk_size],
        )
        for b in bounds
    ]
    single = len(parts) == 1 and executor == "local"
    keep_resid = executor == "local" and "grank" in names and n * est_len * 8 <= GRANK_CACHE_BYTES
    job = _Job(
        model,
        estimation,
        windows,
        missing,
        names,
        layers,
        kp_keep,
        keep_full=single,
        keep_resid=keep_resid,
    )
    with _mapper(executor, scheduler, panel) as run_map:
        outs = run_map(_partition, [(job, p) for p in parts])
        outs.sort(key=lambda o: o["start"])
        fit = _assemble(outs, pairs, panel, job)
        if len(outs) > 1:  # a single partition's fit already holds its CARs
            for w in windows:
                parts_car = [o["cars"][w] for o in outs]
                fit.seed_car(
                    w, missing, tuple(np.concatenate(c) for c in zip(*parts_car, strict=True))
                )
        acc = _sum_accs([o["acc"] for o in outs])
        kp_rows = np.concatenate([o["kp_rows"] for o in outs])
        kp_resid = [o["kp_resid"] for o in outs]  # joined once, in date order, by _pair_corr
        kp_start = np.concatenate([o["kp_start"] for o in outs])
        share = np.concatenate([o["share_pos"] for o in outs])
        cars = {w: fit.car(w, missing) for w in windows}
        valid = {w: np.isfinite(c[0]) & (c[1] > 0) for w, c in cars.items()}
        cut: list[list[np.ndarray]] | None = None
        if "grank" in names:
            cut = []
            for codes, n_groups in layers:
                per_w = []
                for w in windows:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        scar = cars[w][0] / np.sqrt(cars[w][1])
                    s = np.full(n_groups, np.nan)
                    ok = valid[w] & (codes >= 0)
                    for g in range(n_groups):
                        pick = ok & (codes == g) if n_groups > 1 else ok
                        if pick.sum() >= 2:
                            s[g] = float(np.std(scar[pick], ddof=1))
                    with np.errstate(invalid="ignore", divide="ignore"):
                        per_w.append(np.where(ok, scar / s[np.maximum(codes, 0)], np.nan))
                cut.append(per_w)
            g_outs = run_map(
                _grank_partition,
                [
                    (
                        job,
                        p,
                        [[c[p.start : p.start + len(p.pairs)] for c in lw] for lw in cut],
                        None if o["resid"] is None else (o["resid"], o["sigma2"]),
                    )
                    for p, o in zip(parts, outs, strict=True)
                ],
            )
            for o in outs:
                o["resid"] = None  # the residuals are not needed any more
            acc = _sum_accs([acc, *g_outs]) if acc else _sum_accs(g_outs)
    _SCRATCH.__dict__.pop("arrays", None)  # this thread's scratch, if it ran a partition
    fit_table = fit_frame(
        pairs,
        fit.model,
        {k: np.concatenate([o["fit_columns"][k] for o in outs]) for k in outs[0]["fit_columns"]},
    )
    est_have = np.concatenate([o["est_have"] for o in outs])
    ctx = _Context(fit, job, cars, valid, acc, share, kp_rows, kp_resid, kp_start, kp_sub)
    results = {}
    for g, rows in groups.items():
        li, gi = group_layer[g]
        for w in windows:
            results[(g, w)] = ctx.run_tests(g, np.asarray(rows), w, li, gi)
    return EngineRun(
        fit=fit, fit_table=fit_table, est_have=est_have, results=results, kp_rows=kp_sub
    )


def _layers(
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


def _sum_accs(parts: list[list[dict[Any, np.ndarray]]]) -> list[dict[Any, np.ndarray]]:
    """Add up the per-layer accumulators of several partitions (key-wise)."""
    total: list[dict[Any, np.ndarray]] = []
    for accs in parts:
        for li, acc in enumerate(accs):
            if li >= len(total):
                total.append({})
            for key, value in acc.items():
                total[li][key] = total[li][key] + value if key in total[li] else value.copy()
    return total


def _assemble(
    outs: list[dict[str, Any]], pairs: pd.DataFrame, panel: Panel, job: _Job
) -> ReturnFit:
    """One fit from the partitions: the full fit for one local chunk, else a compact one."""
    if len(outs) == 1 and outs[0]["full"] is not None:
        return outs[0]["full"]

    def cat(key: str) -> np.ndarray:
        return np.concatenate([o[key] for o in outs])

    n = len(pairs)
    empty = np.empty((n, 0))
    sample = EventSample(
        pairs=pairs,
        dates=panel.dates,
        estimation=(int(job.estimation[0]), int(job.estimation[1])),
        rel_days=span_of(job.windows),
        est_pos=np.empty((n, 0), np.int64),
        evt_pos=cat("evt_pos"),
        firm_est=empty,
        firm_evt=cat("firm_evt"),
        market_est=empty,
        market_evt=cat("market_evt"),
        regressors=panel.regressors,
    )
    notes = dict(outs[0]["notes"])
    notes["estimation_arrays"] = "dropped after chunked estimation (compact fit)"
    return ReturnFit(
        model=outs[0]["model"],
        sample=sample,
        param_names=outs[0]["param_names"],
        params=cat("params"),
        sigma2=cat("sigma2"),
        nobs=cat("nobs"),
        dof=cat("dof"),
        r2=cat("r2"),
        xtx_inv=cat("xtx_inv"),
        x_evt=cat("x_evt"),
        est_resid=empty,
        normal=cat("normal"),
        ar=cat("ar"),
        notes=notes,
    )


@dataclass
class _Context:
    fit: ReturnFit
    job: _Job
    cars: dict[WindowSpec, tuple[np.ndarray, np.ndarray, np.ndarray]]
    valid: dict[WindowSpec, np.ndarray]
    acc: list[dict[Any, np.ndarray]]
    share: np.ndarray
    kp_rows: np.ndarray  # firm-events whose residuals are kept for r-bar, ascending
    kp_resid: list[np.ndarray]  # their estimation residuals, one block per partition
    kp_start: np.ndarray  # date position of their first estimation day
    kp_sub: dict[str, np.ndarray]
    _rmat: dict[int, tuple[np.ndarray, ...]] = field(default_factory=dict)
    _rbars: dict[tuple[str, WindowSpec], tuple[float, str | None]] = field(default_factory=dict)
    _group: str = ""
    _group_n: int = 0

    def run_tests(
        self, group: str, rows: np.ndarray, window: WindowSpec, li: int, gi: int
    ) -> tuple[int, float, dict[str, TestResult]]:
        """Every requested test for one group and window."""
        self._group, self._group_n = group, len(rows)
        car, var, _ = self.cars[window]
        rows = rows[self.valid[window][rows]]
        fit = self.fit
        # the registered tests run here read only the per-firm CAR quantities (CAR_ONLY_TESTS),
        # and the others run from the sufficient statistics: no daily (N, T) arrays are taken
        none = np.empty((len(rows), 0))
        cs = CrossSection(
            window=window,
            rows=rows,
            ar=none,
            ar_var=none,
            car=car[rows],
            car_var=var[rows],
            sigma2=fit.sigma2[rows],
            dof=fit.dof[rows],
            nobs=fit.nobs[rows],
            est_resid=none,
            est_pos=np.empty((len(rows), 0), np.int64),
            evt_pos=np.empty((len(rows), 0), np.int64),
            fit=fit,
        )
        wi = self.job.windows.index(window)
        acc = self.acc[li] if li < len(self.acc) else {}
        results: dict[str, TestResult] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in self.job.tests:
                if name in CAR_ONLY_TESTS:
                    results[name] = TESTS[name].func(cs)
                else:
                    results[name] = getattr(self, f"_{name}")(cs, acc, wi, gi)
        caar = float(np.mean(cs.car)) if cs.n else float("nan")
        return cs.n, caar, results

    # -- tests from the sufficient statistics ------------------------------------------------

    def _brown_warner(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name, n = "brown_warner", cs.n
        if n < 1:
            return invalid(name, "no firm-event has a CAR in this window", n, CITE_BW, NULL_CAR)
        total, present = acc[("resid", wi)][gi], acc[("resid_n", wi)][gi]
        with np.errstate(invalid="ignore", divide="ignore"):
            aar_est = np.where(present > 0, total / present, np.nan)
        aar_est = aar_est[np.isfinite(aar_est)]
        days = len(aar_est)
        if days < 3:
            return invalid(
                name, f"needs at least 3 estimation days, got {days}", n, CITE_BW, NULL_CAR
            )
        sd = float(np.std(aar_est, ddof=1))
        if not sd > 0:
            return invalid(name, "the portfolio residuals have zero variance", n, CITE_BW, NULL_CAR)
        caar = float(cs.car.mean())
        stat = caar / (np.sqrt(cs.length) * sd)
        dof = days - 1
        return TestResult(
            name, float(stat), _p_t(stat, dof), f"t({dof})", NULL_CAR, n, CITE_BW, caar
        )

    def _generalized_sign(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name = "generalized_sign"
        null = "share of positive CARs = share of positive estimation residuals"
        n = cs.n
        if n < 1:
            return invalid(name, "no firm-event has a CAR in this window", n, CITE_COWAN, null)
        p = float(np.mean(self.share[cs.rows]))
        if not 0.0 < p < 1.0:
            return invalid(
                name, f"share of positive estimation residuals is {p}", n, CITE_COWAN, null
            )
        w = float((cs.car > 0).sum())
        stat = (w - n * p) / np.sqrt(n * p * (1.0 - p))
        return TestResult(name, float(stat), _p_norm(stat), "N(0,1)", null, n, CITE_COWAN, w / n)

    def _corrado_rank(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name, n = "corrado_rank", cs.n
        if n < 1:
            return invalid(
                name, "no firm-event has a CAR in this window", n, CITE_CORRADO, NULL_MEDIAN
            )
        total = np.concatenate([acc[("corrado_est", wi)][gi], acc[("corrado_win", wi)][gi]])
        cnt = np.concatenate([acc[("resid_n", wi)][gi], acc[("ar_n", wi)][gi]])
        with np.errstate(invalid="ignore", divide="ignore"):
            ubar = np.where(cnt > 0, total / cnt, np.nan)
        length = len(acc[("resid_n", wi)][gi])
        sd = float(np.sqrt(np.nanmean(ubar**2)))
        if not sd > 0:
            return invalid(name, "the mean ranks do not vary", n, CITE_CORRADO, NULL_MEDIAN)
        window = ubar[length:]
        stat = float(window.sum() / (np.sqrt(len(window)) * sd))
        est = float(window.mean())
        return TestResult(name, stat, _p_norm(stat), "N(0,1)", NULL_MEDIAN, n, CITE_CORRADO, est)

    def _corrado_zivney_sign(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name, n = "corrado_zivney_sign", cs.n
        if n < 1:
            return invalid(name, "no firm-event has a CAR in this window", n, CITE_CZ, NULL_MEDIAN)
        total = np.concatenate([acc[("cz_est", wi)][gi], acc[("cz_win", wi)][gi]])
        cnt = np.concatenate([acc[("resid_n", wi)][gi], acc[("ar_n", wi)][gi]])
        with np.errstate(invalid="ignore", divide="ignore"):
            gt = np.where(cnt > 0, total / np.sqrt(cnt), np.nan)
        sd = float(np.sqrt(np.nanmean(gt**2)))
        if not sd > 0:
            return invalid(name, "the signs do not vary", n, CITE_CZ, NULL_MEDIAN)
        window = gt[len(acc[("resid_n", wi)][gi]) :]
        stat = float(window.sum() / (np.sqrt(len(window)) * sd))
        est = float(np.mean(cs.car > 0))
        return TestResult(name, stat, _p_norm(stat), "N(0,1)", NULL_MEDIAN, n, CITE_CZ, est)

    def _grank(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name, n = "grank", cs.n
        if n < 2:
            return invalid(
                name, f"needs at least 2 firm-events, got {n}", n, CITE_GRANK, NULL_MEDIAN
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            scar = cs.car / np.sqrt(cs.car_var)
        s_scar = float(np.std(scar, ddof=1))
        if not s_scar > 0:
            return invalid(name, "the standardized CARs do not vary", n, CITE_GRANK, NULL_MEDIAN)
        cnt_est = acc[("resid_n", wi)][gi]
        sum_est = acc[("grank_r", wi)][gi] + acc[("grank_above", wi)][gi] - 0.5 * cnt_est
        total = np.append(sum_est, acc[("grank_last", wi)][gi])
        cnt = np.append(cnt_est, float(n))
        with np.errstate(invalid="ignore", divide="ignore"):
            ubar = np.where(cnt > 0, total / cnt, np.nan)
        used = cnt > 0
        days = int(used.sum())
        s2 = float(np.sum((cnt[used] / n) * ubar[used] ** 2) / days)
        if not s2 > 0 or days < 3:
            return invalid(name, "the mean ranks do not vary", n, CITE_GRANK, NULL_MEDIAN)
        z = float(ubar[-1] / np.sqrt(s2))
        denom = days - 1 - z**2
        if not denom > 0:
            return invalid(
                name,
                f"Z = {z:.3f} is outside the t transformation's range",
                n,
                CITE_GRANK,
                NULL_MEDIAN,
            )
        stat = z * np.sqrt((days - 2) / denom)
        p = _p_t(stat, days - 2)
        return TestResult(
            name, float(stat), p, f"t({days - 2})", NULL_MEDIAN, n, CITE_GRANK, float(ubar[-1])
        )

    def _portfolio_regression(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:

        name, n = "portfolio_regression", cs.n
        if n < 1:
            return invalid(name, "no firm-event has a CAR in this window", n, CITE_PORT, NULL_CAR)
        with np.errstate(invalid="ignore", divide="ignore"):
            fn, mn = acc[("port_fn", wi)][gi], acc[("port_mn", wi)][gi]
            port = np.where(fn > 0, acc[("port_f", wi)][gi] / fn, np.nan)
            bench = np.where(mn > 0, acc[("port_m", wi)][gi] / mn, np.nan)
        return portfolio_dummy_test(port, bench, len(port) - cs.length, cs.length, n)

    # -- Kolari-Pynnonen ----------------------------------------------------------------------

    def _rbar(self, cs: CrossSection) -> tuple[float, str | None]:
        """Average cross-correlation over the (sub)sample of the group's firm-events.

        It depends on the group and the window only (not on the test), so each pair is
        computed once and shared by both Kolari-Pynnonen tests.
        """
        key = (self._group, cs.window)
        if key not in self._rbars:
            self._rbars[key] = self._rbar_uncached(cs)
        return self._rbars[key]

    def _rbar_uncached(self, cs: CrossSection) -> tuple[float, str | None]:
        r"""Mean over all pairs :math:`i<j` of :math:`r_{ij} \cdot s_{ij}`.

        :math:`r_{ij}` is the residual correlation over the pair's common estimation days (0
        below 30 of them) and :math:`s_{ij}` the share of the window's days the two windows
        share. Only pairs whose windows overlap have :math:`s_{ij} > 0`, so only those are
        computed (the others add exact zeros); the mean still divides by every pair.
        """
        group = self._group
        sub = self.kp_sub[group]
        note = None
        keep = np.intersect1d(sub, cs.rows, assume_unique=True)
        if len(sub) < self._group_n:
            note = (
                f"r-bar estimated from a random subsample of {len(keep)} of {cs.n} firm-events "
                f"(their pairs with overlapping windows exceed {KP_MAX_PAIRS:,}); seed {KP_SEED}"
            )
        if len(keep) < 2:
            return float("nan"), note
        from . import kernels

        first, second, rij = self._pair_corr(group)  # positions in ``sub``
        inside = np.isin(sub, keep, assume_unique=True)
        cols = self.fit.sample.window_columns(cs.window)
        evt = self.fit.sample.evt_pos[np.ix_(sub, cols)]
        lo = np.where(evt >= 0, evt, 2**40).min(axis=1)
        hi = evt.max(axis=1)
        total = kernels.shared_weighted_sum(first, second, rij, inside, lo, hi, len(cols))
        n_pairs = len(keep) * (len(keep) - 1) / 2
        return float(total / n_pairs), note

    def _pair_corr(self, group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The subsample's pairs whose spans overlap, with their residual correlation.

        Pairs are positions in the group's subsample; the correlation is 0 where it rests on
        fewer than 30 common days or is undefined.
        """
        key = id(self.kp_sub[group])
        if key not in self._rmat:
            from . import kernels

            sub = self.kp_sub[group]
            loc = np.searchsorted(self.kp_rows, sub)
            start = self.kp_start[loc]
            # in date order the overlapping pairs are neighbours in memory (cache locality)
            by_date = np.argsort(start, kind="stable")
            loc, start = loc[by_date], start[by_date]
            values = _take_rows(self.kp_resid, loc)
            span = self.fit.sample.evt_pos[sub[by_date]]
            lo = np.where(span >= 0, span, 2**40).min(axis=1)
            hi = span.max(axis=1)
            i, j = _overlapping_pairs(lo, hi)
            missing = ~np.isfinite(values)
            present = (~missing).astype(float)
            values[missing] = 0.0

            def pairs_between(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
                a, b = bounds
                return kernels.pair_correlations(values, present, start, i[a:b], j[a:b])

            # the kernel releases the GIL: halves of the pair list run on two threads
            threads = LOCAL_THREADS if len(i) >= 100_000 else 1  # else not worth a pool
            cuts = np.linspace(0, len(i), threads + 1).astype(int)
            spans = list(zip(cuts[:-1], cuts[1:], strict=True))
            if threads == 1:
                parts = [pairs_between(spans[0])]
            else:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    parts = list(pool.map(pairs_between, spans))
            r = np.concatenate([p[0] for p in parts])
            cnt = np.concatenate([p[1] for p in parts])
            r = np.where((cnt >= 30) & np.isfinite(r), r, 0.0)
            self._rmat[key] = (by_date[i], by_date[j], r)
        return self._rmat[key]

    def _kp_common(
        self, cs: CrossSection, name: str
    ) -> tuple[float, str | None, TestResult | None]:
        rbar, note = self._rbar(cs)
        if not np.isfinite(rbar):
            return (
                rbar,
                note,
                invalid(
                    name, "cannot estimate the residual cross-correlation", cs.n, CITE_KP, NULL_CAR
                ),
            )
        if 1.0 + (cs.n - 1) * rbar <= 0:
            return (
                rbar,
                note,
                invalid(
                    name,
                    f"average cross-correlation {rbar:.3f} makes 1 + (N-1) r-bar non-positive",
                    cs.n,
                    CITE_KP,
                    NULL_CAR,
                ),
            )
        return rbar, note, None

    def _kolari_pynnonen(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name = "kolari_pynnonen"
        t, reason = _bmp_t(cs)
        if reason is not None:
            return invalid(name, reason, cs.n, CITE_KP, NULL_CAR)
        rbar, note, bad = self._kp_common(cs, name)
        if bad is not None:
            return bad
        stat = t * np.sqrt((1.0 - rbar) / (1.0 + (cs.n - 1) * rbar))
        dof = cs.n - 1
        caar = float(cs.car.mean())
        return TestResult(
            name, float(stat), _p_t(stat, dof), f"t({dof})", NULL_CAR, cs.n, CITE_KP, caar, note
        )

    def _kolari_pynnonen_patell(self, cs: CrossSection, acc: dict, wi: int, gi: int) -> TestResult:
        name = "kolari_pynnonen_patell"
        z, reason = _patell_z(cs)
        if reason is not None:
            return invalid(name, reason, cs.n, CITE_KP, NULL_CAR)
        if cs.n < 2:
            return invalid(
                name, f"needs at least 2 firm-events, got {cs.n}", cs.n, CITE_KP, NULL_CAR
            )
        rbar, note, bad = self._kp_common(cs, name)
        if bad is not None:
            return bad
        stat = z / np.sqrt(1.0 + (cs.n - 1) * rbar)
        caar = float(cs.car.mean())
        return TestResult(
            name, float(stat), _p_norm(stat), "N(0,1)", NULL_CAR, cs.n, CITE_KP, caar, note
        )


def _take_rows(blocks: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of the blocks stacked on top of each other, without stacking them first."""
    bounds = np.cumsum([0] + [len(b) for b in blocks])
    block = np.searchsorted(bounds, rows, side="right") - 1
    out = np.empty((len(rows), blocks[0].shape[1]))
    for b, values in enumerate(blocks):
        dest = np.flatnonzero(block == b)
        out[dest] = values[rows[dest] - bounds[b]]
    return out


def _overlapping_pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _overlap_count(lo: np.ndarray, hi: np.ndarray) -> int:
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
        Sorted row numbers.
    """
    rows = np.asarray(rows)
    d0 = day0_pos[rows]
    inside = d0 >= 0
    pairs = _overlap_count(d0[inside] + span[0], d0[inside] + span[1])
    if pairs <= KP_MAX_PAIRS:
        return rows
    size = max(2, int(len(rows) * np.sqrt(KP_MAX_PAIRS / pairs)))
    return np.sort(rng.choice(rows, size, replace=False))
