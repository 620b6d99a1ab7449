r"""Chunked estimation and cross-sectional test inputs for samples of any size.

:func:`estimate` fits the normal-return model and computes every per-firm quantity (abnormal
returns, CARs and their variances, BHARs) in chunks of firm-events, so that the ``(n, L)``
estimation-window arrays exist for one chunk at a time. What the cross-sectional tests need from
the estimation windows is reduced chunk by chunk to sums per group and event-time column
(sufficient statistics), which add up across chunks and across Dask partitions:

* Brown-Warner: sums and counts of estimation residuals per event-time day;
* generalized sign: each firm's share of positive residuals;
* Corrado rank and Corrado-Zivney sign: each firm's ranks (signs about its median) of the
  estimation residuals and the window's abnormal returns, summed per day. Each firm's residuals
  are sorted once per chunk; the window's abnormal returns are merged in by binary search, so
  ties get average ranks exactly as :func:`scipy.stats.rankdata`;
* GRANK: the same ranks of standardized residuals, plus a second pass over the chunks once the
  cross-sectional standard deviation of the standardized CARs is known;
* portfolio regression: sums and counts of firm and benchmark returns per day;
* Kolari-Pynnonen: the average residual cross-correlation :math:`\bar r` from every firm-event of
  a group of at most :data:`KP_MAX_FIRMS`, otherwise from a seeded random subsample of that size
  (the pair average over a random subsample is unbiased for the pair average over the group; the
  result's ``reason`` says so).

Tests that need only per-firm CARs and variances (cross-sectional t, Patell, BMP, skewness
adjusted t, Wilcoxon) run the registered functions of :mod:`eventstudy.stats` unchanged.

The partitions run in-process (``executor="local"``) or on a dask.distributed cluster
(``executor="dask"``); both give the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._types import Executor, MissingInWindow, WindowSpec, validate_literal
from .errors import InputError
from .models.base import ReturnFit, ReturnModel
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

__all__ = ["KP_MAX_FIRMS", "CAR_ONLY_TESTS", "Panel", "EngineRun", "estimate", "make_panel"]

KP_MAX_FIRMS = 2000
"""Largest group whose Kolari-Pynnonen :math:`\\bar r` uses every pair; larger groups subsample."""

CAR_ONLY_TESTS = frozenset(
    {"cross_sectional_t", "patell", "bmp", "skewness_adjusted_t", "wilcoxon"}
)
"""Tests computed by the registered functions from per-firm CARs alone."""

KP_SEED = 20100101

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
        Returns with a NaN row and a NaN column appended, shapes ``(D + 1, F + 1)`` and
        ``(D + 1, M + 1)``: position or column ``-1`` reads NaN.
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
    if "market" not in pairs.columns:
        pairs = pairs.assign(market=market.columns[0])
    day0_pos = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    firm = _pad(returns.to_numpy(dtype=float))
    mkt = _pad(market.to_numpy(dtype=float))
    firm_col = returns.columns.get_indexer(pairs["ticker"])
    mkt_col = market.columns.get_indexer(pairs["market"])
    firm_col = np.where(firm_col < 0, firm.shape[1] - 1, firm_col)
    mkt_col = np.where(mkt_col < 0, mkt.shape[1] - 1, mkt_col)
    regs = None if regressors is None else regressors.reindex(dates)
    return Panel(dates, firm, mkt, regs), pairs, day0_pos, firm_col, mkt_col


def _pad(values: np.ndarray) -> np.ndarray:
    out = np.full((values.shape[0] + 1, values.shape[1] + 1), np.nan)
    out[:-1, :-1] = values
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
        firm_est=panel.firm[est_pos, fc],
        firm_evt=panel.firm[evt_pos, fc],
        market_est=panel.market[est_pos, mc],
        market_evt=panel.market[evt_pos, mc],
        regressors=panel.regressors,
    )


# -- estimation ----------------------------------------------------------------------------------


def _fit_market(sample: EventSample, model: ReturnModel) -> ReturnFit:
    r"""Market model by the closed-form simple regression (same estimates as ``fit_linear``).

    :math:`\hat\beta = \sum (x-\bar x) y / \sum (x-\bar x)^2`, :math:`\hat\alpha = \bar y -
    \hat\beta \bar x`, :math:`(X'X)^{-1} = \begin{pmatrix} 1/L + \bar x^2/S_{xx} & -\bar x/S_{xx}
    \\ -\bar x/S_{xx} & 1/S_{xx}\end{pmatrix}`, over the days where both returns exist.
    """
    y, x = sample.firm_est, sample.market_est
    valid = np.isfinite(y) & np.isfinite(x)
    nobs = valid.sum(axis=1)
    y0 = np.where(valid, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.where(valid, x, 0.0).sum(axis=1) / nobs
        ybar = y0.sum(axis=1) / nobs
        xc = np.where(valid, x - xbar[:, None], 0.0)
        sxx = np.einsum("nl,nl->n", xc, xc)
        beta = np.einsum("nl,nl->n", xc, y0) / sxx
        alpha = ybar - beta * xbar
        # same expression as the normal return below, so equal days give equal residuals
        resid = np.where(valid, y - (alpha[:, None] + beta[:, None] * x), np.nan)
        r0 = np.where(valid, resid, 0.0)
        ssr = np.einsum("nl,nl->n", r0, r0)
        dof = (nobs - 2).astype(float)
        sigma2 = ssr / dof
        yc = np.where(valid, y - ybar[:, None], 0.0)
        r2 = 1.0 - ssr / np.einsum("nl,nl->n", yc, yc)
        usable = (nobs >= max(model.min_nobs, 3)) & (np.abs(nobs * sxx) > 1e-300)
        xtx_inv = np.empty((len(nobs), 2, 2))
        xtx_inv[:, 0, 0] = 1.0 / nobs + xbar**2 / sxx
        xtx_inv[:, 0, 1] = xtx_inv[:, 1, 0] = -xbar / sxx
        xtx_inv[:, 1, 1] = 1.0 / sxx
    params = np.column_stack([alpha, beta])
    m_evt = sample.market_evt
    normal = alpha[:, None] + beta[:, None] * m_evt
    ar = sample.firm_evt - normal
    bad = ~usable
    for arr in (params, sigma2, r2, ar, normal):
        arr[bad] = np.nan
    resid[bad] = np.nan
    xtx_inv[bad] = np.nan
    x_evt = np.stack([np.ones_like(m_evt), m_evt], axis=2)
    return ReturnFit(
        model=model.name,
        sample=sample,
        param_names=("alpha", "beta"),
        params=params,
        sigma2=sigma2,
        nobs=nobs,
        dof=dof,
        r2=r2,
        xtx_inv=xtx_inv,
        x_evt=x_evt,
        est_resid=resid,
        normal=normal,
        ar=ar,
    )


def _fit_chunk(panel: Panel, job: _Job, part: _Part) -> ReturnFit:
    sample = _chunk_sample(panel, job, part)
    if type(job.model) is MarketModel:
        return _fit_market(sample, job.model)
    return job.model.fit(sample)


# -- ranks ------------------------------------------------------------------------------------


def _sorted_ranks(sv: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties averaged) of each row's sorted finite values; NaN after."""
    m, width = sv.shape
    j = np.broadcast_to(np.arange(width), sv.shape)
    inside = j < finite[:, None]
    new = np.ones(sv.shape, bool)
    new[:, 1:] = sv[:, 1:] != sv[:, :-1]
    first = np.maximum.accumulate(np.where(new, j, 0), axis=1)
    end = np.ones(sv.shape, bool)
    end[:, :-1] = new[:, 1:]
    end |= ~np.roll(inside, -1, axis=1) | (j == width - 1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(end, j, width), axis=1), axis=1), axis=1)
    return np.where(inside, (first + last) / 2.0 + 1.0, np.nan)


def _search(sv: np.ndarray, finite: np.ndarray, a: np.ndarray, right: bool) -> np.ndarray:
    """Row-wise ``searchsorted`` of ``a`` (``(m, T)``) in the finite prefix of sorted ``sv``."""
    m, width = sv.shape
    flat_sv = np.ascontiguousarray(sv).ravel()
    base = (np.arange(m, dtype=np.int64) * width)[:, None]
    lo = np.zeros(a.shape, np.int64)
    hi = np.broadcast_to(finite[:, None], a.shape).astype(np.int64)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        val = flat_sv[base + np.minimum(mid, width - 1)]
        go_right = (val <= a) if right else (val < a)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


def _search_right(
    sv: np.ndarray, finite: np.ndarray, a: np.ndarray, left: np.ndarray
) -> np.ndarray:
    """``_search(..., right=True)`` from the left positions: step over the values equal to ``a``.

    In a sorted row the values equal to ``a`` follow its left position, so this gives the same
    positions as the binary search (usually in one step: ties are rare).
    """
    m, width = sv.shape
    flat_sv = np.ascontiguousarray(sv).ravel()
    base = (np.arange(m, dtype=np.int64) * width)[:, None]
    hi = finite[:, None]
    pos = left.copy()
    while True:
        inside = pos < hi
        step = inside & (flat_sv[base + np.minimum(pos, width - 1)] == a)
        if not step.any():
            return pos
        pos += step


def _count_le(pos: np.ndarray, width: int, pos2: np.ndarray | None = None) -> np.ndarray:
    """For each row and ``j < width``: how many of the row's ``pos`` values are ``<= j``.

    With ``pos2`` the counts of both arrays are added (one histogram, one cumulative sum).
    """
    m, t = pos.shape
    base = np.arange(m)[:, None] * (width + 1)
    flat = (base + np.minimum(pos, width)).ravel()
    if pos2 is not None:
        flat = np.concatenate([flat, (base + np.minimum(pos2, width)).ravel()])
    hist = np.bincount(flat, minlength=m * (width + 1)).reshape(m, width + 1)
    return np.cumsum(hist, axis=1)[:, :width]


# -- partition work -------------------------------------------------------------------------------


def _group_matrix(codes: np.ndarray, n_groups: int, weights: np.ndarray | None = None) -> Any:
    """Sparse ``(n_groups, m)`` matrix summing rows into their groups (rows with code -1 drop)."""
    keep = codes >= 0
    cols = np.flatnonzero(keep)
    data = np.ones(len(cols)) if weights is None else weights[keep]
    return sp.csr_matrix((data, (codes[keep], cols)), shape=(n_groups, len(codes)))


def _gsum(codes: np.ndarray, n_groups: int, values: np.ndarray, w: np.ndarray | None = None):
    """Per-group column sums of ``values`` (NaN counts as 0)."""
    mat = _group_matrix(codes, n_groups, w)
    return np.asarray(mat @ np.where(np.isfinite(values), values, 0.0))


def _partition(panel: Panel, job: _Job, part: _Part) -> dict[str, Any]:
    """Pass 1 over one partition: fit, per-firm arrays and the test sufficient statistics."""
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
        "est_have": np.isfinite(s.firm_est).sum(axis=1),
        "fit_table": fit.fit_table(),
        "full": fit if job.keep_full else None,
        "resid": resid if job.keep_resid else None,
    }
    have = np.isfinite(resid)
    n_have = have.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_pos"] = (np.where(have, resid, 0.0) > 0).sum(axis=1) / n_have
    keep = job.kp_keep[rows]
    out["kp_rows"] = rows[keep]
    out["kp_resid"] = resid[keep]
    out["kp_pos"] = s.est_pos[keep]

    valid = []
    for w in job.windows:
        car, var, _ = fit.car(w, job.missing)
        valid.append(np.isfinite(car) & (var > 0))
    need_est = names & {
        "brown_warner",
        "corrado_rank",
        "corrado_zivney_sign",
        "grank",
        "portfolio_regression",
    }
    accs: list[dict[str, Any]] = []
    if need_est:
        ranked = bool(names & {"corrado_rank", "corrado_zivney_sign", "grank"})
        if ranked:
            order = np.argsort(resid, axis=1)
            sv = np.take_along_axis(resid, order, axis=1)
            r_sorted = _sorted_ranks(sv, n_have)
            if "grank" in names:
                w_g = 1.0 / (n_have + 2.0)
                r_orig = np.empty_like(r_sorted)
                np.put_along_axis(r_orig, order, r_sorted * w_g[:, None], axis=1)
            # where each abnormal return of the span falls among the row's sorted residuals
            # (element-wise, so once for the whole span; the windows take their columns)
            ar_have = np.isfinite(fit.ar)
            span_left = _search(sv, n_have, fit.ar, right=False)
            span_right = _search_right(sv, n_have, fit.ar, span_left)
            span_left = np.where(ar_have, span_left, resid.shape[1] + 1)
            span_right = np.where(ar_have, span_right, resid.shape[1] + 1)
        n_w = len(job.windows)
        width = resid.shape[1]
        for codes_all, n_groups in job.layers:
            codes = codes_all[rows]
            acc: dict[str, Any] = {}
            # estimation-window sums that depend on the window only through which firm-events
            # are in the cross-section: one sparse product for all windows at once
            stacked = _stacked_matrix(codes, n_groups, valid)
            static = {"resid": resid, "resid_n": have.astype(float)}
            if "portfolio_regression" in names:
                static["port_f"] = s.firm_est
                static["port_fn"] = np.isfinite(s.firm_est).astype(float)
                static["port_m"] = s.market_est
                static["port_mn"] = np.isfinite(s.market_est).astype(float)
            if "grank" in names:
                static["grank_r"] = r_orig
            counts = {"resid_n", "port_fn", "port_mn"}  # 0/1 arrays: nothing to clean
            sums = {
                k: np.asarray(
                    stacked @ (v if k in counts else np.where(np.isfinite(v), v, 0.0))
                ).reshape(n_w, n_groups, -1)
                for k, v in static.items()
            }
            if ranked:
                # bin of each sorted residual: its group's row, its original column (rows
                # outside the layer go to a spare group that is dropped)
                bins = (np.where(codes >= 0, codes, n_groups)[:, None] * width + order).ravel()
            for wi, w in enumerate(job.windows):
                cols = s.window_columns(w)
                c = np.where(valid[wi], codes, -1)
                a = fit.ar[:, cols]
                acc[("resid", wi)] = sums["resid"][wi]
                acc[("resid_n", wi)] = sums["resid_n"][wi]
                a_have = np.isfinite(a)
                acc[("ar_n", wi)] = _gsum(c, n_groups, a_have.astype(float))
                if "grank" in names:
                    acc[("grank_r", wi)] = sums["grank_r"][wi]
                if "portfolio_regression" in names:
                    fe, me = s.firm_evt[:, cols], s.market_evt[:, cols]
                    for key, est, evt in (
                        ("port_f", "port_f", fe),
                        ("port_fn", "port_fn", np.isfinite(fe).astype(float)),
                        ("port_m", "port_m", me),
                        ("port_mn", "port_mn", np.isfinite(me).astype(float)),
                    ):
                        acc[(key, wi)] = np.concatenate(
                            [sums[est][wi], _gsum(c, n_groups, evt)], axis=1
                        )
                if not ranked:
                    continue
                n_a = a_have.sum(axis=1)
                total = n_have + n_a
                p_left = span_left[:, cols]
                p_right = span_right[:, cols]
                if names & {"corrado_rank"}:
                    below = 0.5 * _count_le(p_right, width, p_left)
                    u_sorted = r_sorted + below
                    u_sorted /= total[:, None] + 1.0
                    u_sorted -= 0.5
                    acc[("corrado_est", wi)] = _scatter_sum(
                        bins, valid[wi], n_groups, u_sorted, width
                    )
                    less = (a[:, None, :] < a[:, :, None]).sum(axis=2)
                    same = (a[:, None, :] == a[:, :, None]).sum(axis=2)
                    rank_a = 0.5 * (p_left + p_right) + less + 0.5 * (same - 1) + 1.0
                    u_a = np.where(a_have, rank_a / (total[:, None] + 1.0) - 0.5, np.nan)
                    acc[("corrado_win", wi)] = _gsum(c, n_groups, u_a)
                if "corrado_zivney_sign" in names:
                    med = _median_merged(sv, n_have, a, p_left, total)
                    g_est = np.where(have, np.sign(resid - med[:, None]), 0.0)
                    g_win = np.where(a_have, np.sign(a - med[:, None]), 0.0)
                    acc[("cz_est", wi)] = _gsum(c, n_groups, g_est)
                    acc[("cz_win", wi)] = _gsum(c, n_groups, g_win)
            accs.append(acc)
    out["acc"] = accs
    return out


def _stacked_matrix(codes: np.ndarray, n_groups: int, valid: list[np.ndarray]) -> Any:
    """Sparse ``(W * n_groups, m)`` matrix summing each group's rows per window cross-section.

    Row ``w * n_groups + g`` picks the rows of group ``g`` that are in window ``w``'s test.
    """
    rows, cols = [], []
    for wi, ok in enumerate(valid):
        pick = np.flatnonzero(ok & (codes >= 0))
        rows.append(wi * n_groups + codes[pick])
        cols.append(pick)
    r, c = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(valid) * n_groups, len(codes)))


def _scatter_sum(
    bins: np.ndarray, rows: np.ndarray, n_groups: int, values: np.ndarray, width: int
) -> np.ndarray:
    """Per-group sums of values given in each row's sorted order, put back on their columns.

    ``bins`` holds ``group * width + column`` per value (group ``n_groups`` is a spare that is
    dropped); only the ``rows`` marked True and finite values count. The others add 0.0, which
    leaves every sum exactly as summing the counted values alone.
    """
    weights = np.where(rows[:, None] & np.isfinite(values), values, 0.0).ravel()
    sums = np.bincount(bins, weights=weights, minlength=(n_groups + 1) * width)
    return sums[: n_groups * width].reshape(n_groups, width)


def _median_merged(
    sv: np.ndarray, n_sv: np.ndarray, a: np.ndarray, p_left: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Median of each row's finite sorted ``sv`` values together with its ``a`` values."""
    a_order = np.argsort(a, axis=1)
    a_s = np.take_along_axis(a, a_order, axis=1)
    p_s = np.take_along_axis(p_left, a_order, axis=1)
    merged_a = p_s + np.arange(a.shape[1])[None, :]  # merged index of each sorted a

    def kth(k: np.ndarray) -> np.ndarray:
        hit = merged_a == k[:, None]
        from_a = hit.any(axis=1)
        val_a = np.take_along_axis(a_s, hit.argmax(axis=1)[:, None], axis=1)[:, 0]
        n_before = (merged_a < k[:, None]).sum(axis=1)
        j = np.clip(k - n_before, 0, sv.shape[1] - 1)
        val_s = np.take_along_axis(sv, j[:, None], axis=1)[:, 0]
        return np.where(from_a, val_a, val_s)

    lo = kth(np.maximum((total - 1) // 2, 0))
    hi = kth(np.maximum(total // 2, 0))
    med = np.mean(np.stack([lo, hi]), axis=0)
    return np.where(total > 0, med, np.nan)


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
    if cached is None:
        fit = _fit_chunk(panel, job, part)
        est_resid, sigma2 = fit.est_resid, fit.sigma2
    else:
        est_resid, sigma2 = cached
    m = len(part.pairs)
    rows = part.start + np.arange(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = est_resid / np.sqrt(sigma2)[:, None]
    n_have = np.isfinite(sar).sum(axis=1)
    w_g = 1.0 / (n_have + 2.0)
    out = []
    for li, (codes_all, n_groups) in enumerate(job.layers):
        codes = codes_all[rows]
        acc: dict[Any, np.ndarray] = {}
        for wi in range(len(job.windows)):
            c_val = cut[li][wi]
            c = np.where(np.isfinite(c_val), codes, -1)
            above = (sar > c_val[:, None]).astype(float) + 0.5 * (sar == c_val[:, None])
            below = (sar < c_val[:, None]).sum(axis=1) + 0.5 * (sar == c_val[:, None]).sum(1)
            acc[("grank_above", wi)] = _gsum(c, n_groups, above * w_g[:, None])
            u_last = (below + 1.0) * w_g - 0.5
            acc[("grank_last", wi)] = _gsum(c, n_groups, u_last[:, None])[:, 0]
        out.append(acc)
    return out


# -- executors -----------------------------------------------------------------------------------


Mapper = Callable[[Callable[..., Any], Sequence[Any]], list[Any]]


@contextmanager
def _mapper(executor: Executor, scheduler: str | None, panel: Panel) -> Iterator[Mapper]:
    """A ``map(func, parts)`` that calls ``func(panel, job, part, *extra)`` on each part."""
    if executor == "local":

        def local(func: Callable[..., Any], args: Sequence[Any]) -> list[Any]:
            return [func(panel, *a) for a in args]

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
    """What :func:`estimate` returns: a compact fit, the fit table and the test results.

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
    """

    fit: ReturnFit
    fit_table: pd.DataFrame
    est_have: np.ndarray
    results: dict[tuple[str, WindowSpec], tuple[int, float, dict[str, TestResult]]] = field(
        default_factory=dict
    )


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
    chunk_size: int = 50_000,
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
    panel, pairs, day0_pos, firm_col, mkt_col = make_panel(
        returns, market_returns, pairs, regressors
    )
    n = len(pairs)
    layers, group_layer = _layers(groups, n)
    kp_keep = np.zeros(n, bool)
    rng = np.random.default_rng(KP_SEED)
    kp_sub: dict[str, np.ndarray] = {}
    for g, rows in groups.items():
        rows = np.asarray(rows)
        if len(rows) > KP_MAX_FIRMS:
            rows = np.sort(rng.choice(rows, KP_MAX_FIRMS, replace=False))
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
    est_len = int(estimation[1]) - int(estimation[0]) + 1
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
        acc = _sum_accs([o["acc"] for o in outs])
        kp_rows = np.concatenate([o["kp_rows"] for o in outs])
        kp_resid = np.concatenate([o["kp_resid"] for o in outs])
        kp_pos = np.concatenate([o["kp_pos"] for o in outs])
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
    fit_table = pd.concat([o["fit_table"] for o in outs], ignore_index=True)
    est_have = np.concatenate([o["est_have"] for o in outs])
    ctx = _Context(fit, job, cars, valid, acc, share, kp_rows, kp_resid, kp_pos, kp_sub)
    results = {}
    for g, rows in groups.items():
        li, gi = group_layer[g]
        for w in windows:
            results[(g, w)] = ctx.run_tests(g, np.asarray(rows), w, li, gi)
    return EngineRun(fit=fit, fit_table=fit_table, est_have=est_have, results=results)


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
    kp_rows: np.ndarray
    kp_resid: np.ndarray
    kp_pos: np.ndarray
    kp_sub: dict[str, np.ndarray]
    _rmat: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
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
        cols = fit.sample.window_columns(window)
        ar = fit.ar[np.ix_(rows, cols)]
        ar_var = fit.sigma2[rows, None] * (
            1.0
            + (
                np.einsum(
                    "nwk,nkj,nwj->nw",
                    fit.x_evt[np.ix_(rows, cols)],
                    fit.xtx_inv[rows],
                    fit.x_evt[np.ix_(rows, cols)],
                )
                if fit.xtx_inv.shape[-1]
                else 0.0
            )
        )
        cs = CrossSection(
            window=window,
            rows=rows,
            ar=ar,
            ar_var=ar_var,
            car=car[rows],
            car_var=var[rows],
            sigma2=fit.sigma2[rows],
            dof=fit.dof[rows],
            nobs=fit.nobs[rows],
            est_resid=np.empty((len(rows), 0)),
            est_pos=np.empty((len(rows), 0), np.int64),
            evt_pos=fit.sample.evt_pos[np.ix_(rows, cols)],
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
        group = self._group
        sub = self.kp_sub[group]
        note = None
        keep = np.intersect1d(sub, cs.rows, assume_unique=True)
        if len(sub) < self._group_n:
            note = (
                f"r-bar estimated from a random subsample of {len(keep)} of {cs.n} firm-events "
                f"(all pairs need O(N^2) memory); seed {KP_SEED}"
            )
        r, cnt = self._pair_corr(group)
        if len(keep) < 2:
            return float("nan"), note
        if len(keep) == len(sub):
            rr, cc = r, cnt  # every firm-event of the subsample is in the cross-section
        else:
            loc = np.searchsorted(sub, keep)
            rr = r[np.ix_(loc, loc)]
            cc = cnt[np.ix_(loc, loc)]
        cols = self.fit.sample.window_columns(cs.window)
        evt = self.fit.sample.evt_pos[np.ix_(keep, cols)]
        from .stats.parametric import _on_dates

        if (evt >= 0).all():
            # window sessions are consecutive date positions: the shared days are the overlap
            # of two intervals (the same count as the 0/1 product below, without the matmul)
            lo, hi = evt[:, 0], evt[:, -1]
            common = np.minimum(hi[:, None], hi[None, :]) - np.maximum(lo[:, None], lo[None, :])
            shared = np.maximum(common + 1, 0) / evt.shape[1]
        else:
            _, win = _on_dates(np.zeros(evt.shape), evt)
            shared = (win @ win.T) / evt.shape[1]
        iu = np.triu_indices(len(keep), 1)
        r_iu = rr[iu]
        rij = np.where((cc[iu] >= 30) & np.isfinite(r_iu), r_iu, 0.0)
        return float(np.mean(rij * shared[iu])), note

    def _pair_corr(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        key = id(self.kp_sub[group])
        if key not in self._rmat:
            from .stats.parametric import _on_dates

            loc = np.searchsorted(self.kp_rows, self.kp_sub[group])
            grid, mask = _on_dates(self.kp_resid[loc], self.kp_pos[loc])
            cnt = mask @ mask.T
            sx = grid @ mask.T
            sxx = (grid * grid) @ mask.T
            sxy = grid @ grid.T
            with np.errstate(invalid="ignore", divide="ignore"):
                cov = cnt * sxy - sx * sx.T
                var_i = cnt * sxx - sx * sx
                r = cov / np.sqrt(var_i * var_i.T)
            self._rmat[key] = (r, cnt)
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
