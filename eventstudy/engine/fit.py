"""The normal-return model fitted to one partition of firm-events, and what a partition's job is."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import MissingInWindow, WindowSpec
from ..models.base import ReturnFit, ReturnModel
from ..models.market import MarketModel
from ..sample import EventSample, span_of
from ..stats.statistic import Statistic
from .panel import Panel, Part, gather

__all__ = ["Job", "chunk_sample", "fit_chunk", "fit_market_compiled", "release_scratch", "scratch"]


@dataclass(frozen=True)
class Job:
    """Everything a partition needs besides the panel and its rows.

    Attributes
    ----------
    model, estimation, windows, missing
        The fit and the event windows.
    reducers
        Reduction key -> the statistic whose chunk steps produce it (one per shared key).
    needs
        Union of the reducers' chunk inputs.
    plans
        Reduction key -> the statistic's run-level plan.
    layers
        ``(group code per firm-event or -1, number of groups)`` per layer of disjoint groups.
    keep_full
        Keep the full chunk fit (single-chunk local runs).
    keep_resid
        Return the estimation residuals (local two-pass statistics: no second fit).
    """

    model: ReturnModel
    estimation: WindowSpec
    windows: tuple[WindowSpec, ...]
    missing: MissingInWindow
    reducers: dict[str, Statistic]
    needs: frozenset[str]
    plans: dict[str, Any]
    layers: tuple[tuple[np.ndarray, int], ...]
    keep_full: bool
    keep_resid: bool = False


def chunk_sample(panel: Panel, job: Job, part: Part) -> EventSample:
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
    return _sample(
        panel,
        job,
        part,
        rel_days,
        est_pos=est_pos,
        evt_pos=evt_pos,
        firm_est=gather(panel.firm, est_pos, fc),
        firm_evt=gather(panel.firm, evt_pos, fc),
        market_est=gather(panel.market, est_pos, mc),
        market_evt=gather(panel.market, evt_pos, mc),
    )


def _sample(
    panel: Panel, job: Job, part: Part, rel_days: np.ndarray, **gathered: np.ndarray
) -> EventSample:
    """A partition's :class:`EventSample` from its gathered positions and returns."""
    return EventSample(
        pairs=part.pairs,
        dates=panel.dates,
        estimation=(int(job.estimation[0]), int(job.estimation[1])),
        rel_days=rel_days,
        regressors=panel.regressors,
        **gathered,
    )


def fit_market_compiled(panel: Panel, job: Job, part: Part) -> ReturnFit:
    r"""The market model with the gathers and the closed-form fit in one compiled pass per row.

    :math:`\hat\beta = \sum (x-\bar x) y / \sum (x-\bar x)^2`, :math:`\hat\alpha = \bar y -
    \hat\beta \bar x`, :math:`(X'X)^{-1} = \begin{pmatrix} 1/L + \bar x^2/S_{xx} & -\bar x/S_{xx}
    \\ -\bar x/S_{xx} & 1/S_{xx}\end{pmatrix}`, over the days where both returns exist (the
    same estimates as :func:`~eventstudy.models.base.fit_linear`, to rounding).
    """
    from .. import kernels

    rel_est = np.arange(job.estimation[0], job.estimation[1] + 1)
    rel_days = span_of(job.windows)
    m, width = len(part.day0_pos), len(rel_est)
    if job.keep_full:  # the fit outlives the partition: its own arrays
        est_pos = np.empty((m, width), np.int64)
        firm_est, market_est = np.empty((m, width)), np.empty((m, width))
    else:
        est_pos = scratch("est_pos", m, width, np.int64)
        firm_est, market_est = scratch("firm_est", m, width), scratch("market_est", m, width)
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
    sample = _sample(
        panel,
        job,
        part,
        rel_days,
        est_pos=est_pos,
        evt_pos=evt_pos,
        firm_est=firm_est,
        firm_evt=firm_evt,
        market_est=market_est,
        market_evt=market_evt,
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


SCRATCH = threading.local()


def scratch(name: str, m: int, width: int, dtype: type = float) -> np.ndarray:
    """A reusable ``(m, width)`` array of the calling thread, one per ``name``.

    A partition's estimation-day positions, returns and sort keys are read only while the
    partition is processed, so each thread reuses one set across partitions: fresh memory costs
    a page fault per 4 KiB, which on this kind of machine is as slow as the fit itself.
    """
    held = SCRATCH.__dict__.setdefault("arrays", {})
    array = held.get(name)
    if array is None or array.shape[0] < m or array.shape[1] != width:
        array = held[name] = np.empty((m, width), dtype)
    return array[:m]


def release_scratch() -> None:
    """Drop the calling thread's scratch arrays (after a run)."""
    SCRATCH.__dict__.pop("arrays", None)


def fit_chunk(panel: Panel, job: Job, part: Part) -> ReturnFit:
    """Fit the job's model to one partition (the market model in one compiled pass)."""
    if type(job.model) is MarketModel:
        return fit_market_compiled(panel, job, part)
    return job.model.fit(chunk_sample(panel, job, part))
