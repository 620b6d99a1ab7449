"""The work on one partition: fit, per-firm arrays, and the statistics' chunk steps.

Pass 1 fits the partition and hands one :class:`~eventstudy.stats.chunk.Chunk` per group layer
to the chunk step of every requested reduction; pass 2 (two-pass statistics such as GRANK)
hands the chunks to their second chunk step. No formula lives here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..stats.chunk import Chunk, estimation_start
from .fit import Job, fit_chunk, scratch
from .panel import Panel, Part, window_bounds

__all__ = ["first_pass", "second_pass"]


def first_pass(panel: Panel, job: Job, part: Part) -> dict[str, Any]:
    """Pass 1 over one partition: fit, per-firm arrays and every reduction's chunk step."""
    fit = fit_chunk(panel, job, part)
    s = fit.sample
    m = len(part.pairs)
    rows = part.start + np.arange(m)
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
        "evt_var": fit.evt_var,
        "fail_reason": fit.fail_reason,
        "evt_pos": s.evt_pos,
        "firm_evt": s.firm_evt,
        "market_evt": s.market_evt,
        "est_have": kernels.row_counts(np.ascontiguousarray(s.firm_est))[0],
        "fit_columns": fit.fit_columns(),
        "full": fit if job.keep_full else None,
        "resid": fit.est_resid if job.keep_resid else None,
    }
    valid = np.empty((len(job.windows), m), bool)
    out["cars"] = {}
    for wi, w in enumerate(job.windows):
        car, var, _ = out["cars"][w] = fit.car(w, job.missing)
        valid[wi] = np.isfinite(car) & (var > 0)
    lo, hi = window_bounds(s, job.windows)
    est_start = estimation_start(part.day0_pos, job.estimation, len(panel.dates))
    shared: dict[str, Any] = {}  # what the layers' chunks compute once
    reduced = []
    for codes, n_groups in job.layers:
        chunk = Chunk(
            rows=rows,
            resid=fit.est_resid,
            sigma2=fit.sigma2,
            ar=fit.ar,
            firm_est=s.firm_est,
            market_est=s.market_est,
            firm_evt=s.firm_evt,
            market_evt=s.market_evt,
            lo=lo,
            hi=hi,
            valid=valid,
            codes=codes[rows],
            n_groups=n_groups,
            est_start=est_start,
            needs=job.needs,
            plans=job.plans,
            shared=shared,
            # a single local chunk's arrays outlive the call: no thread scratch then
            scratch=None if job.keep_full else scratch,
        )
        reduced.append({key: stat.chunk(chunk) for key, stat in job.reducers.items()})
    out["reduced"] = reduced
    return out


def second_pass(
    panel: Panel,
    job: Job,
    part: Part,
    cuts: list[dict[str, np.ndarray]],
    cached: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[dict[str, Any]]:
    """Pass 2 over one partition for the two-pass statistics.

    ``cuts[layer][key]`` is the ``(W, m)`` input of :meth:`~eventstudy.stats.statistic.Statistic.chunk2`
    for the partition's rows. ``cached`` holds pass 1's estimation residuals and variances of
    the partition; without it the partition is fitted again.
    """
    if cached is None:
        fit = fit_chunk(panel, job, part)
        resid, sigma2 = fit.est_resid, fit.sigma2
    else:
        resid, sigma2 = cached
    m = len(part.pairs)
    rows = part.start + np.arange(m)
    none = np.empty((m, 0))
    n_w = len(job.windows)
    out = []
    for li, (codes, n_groups) in enumerate(job.layers):
        chunk = Chunk(
            rows=rows,
            resid=resid,
            sigma2=sigma2,
            ar=none,
            firm_est=none,
            market_est=none,
            firm_evt=none,
            market_evt=none,
            lo=np.zeros(n_w, np.int64),
            hi=np.zeros(n_w, np.int64),
            valid=np.zeros((n_w, m), bool),
            codes=codes[rows],
            n_groups=n_groups,
            est_start=np.full(m, -1, np.int64),
            needs=job.needs,
            plans=job.plans,
        )
        out.append({key: job.reducers[key].chunk2(chunk, cut) for key, cut in cuts[li].items()})
    return out
