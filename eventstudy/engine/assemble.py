"""Assembly: one fit from the partitions' outputs, and the partitions' reductions combined."""

from __future__ import annotations

from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from ..models.base import ReturnFit
from ..sample import EventSample, span_of
from ..stats.statistic import Statistic
from .fit import Job
from .panel import Panel

__all__ = ["assemble", "combine"]


def assemble(outs: list[dict[str, Any]], pairs: pd.DataFrame, panel: Panel, job: Job) -> ReturnFit:
    """One fit from the partitions: the full fit for one local chunk, else a compact one."""
    if len(outs) == 1 and outs[0]["full"] is not None:
        return outs[0]["full"]

    def cat(key: str) -> np.ndarray:
        return np.concatenate([o[key] for o in outs])

    def cat_optional(key: str) -> np.ndarray | None:
        # a model's optional per-row arrays (conditional variances, failure reasons)
        return None if outs[0][key] is None else cat(key)

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
        evt_var=cat_optional("evt_var"),
        fail_reason=cat_optional("fail_reason"),
    )


def combine(
    parts: list[list[dict[str, Any]]], reducers: dict[str, Statistic]
) -> list[dict[str, Any]]:
    """Per layer and reduction key, the partitions' reductions combined in partition order."""
    if not parts:
        return []
    return [
        {key: reduce(reducers[key].combine, [p[li][key] for p in parts]) for key in parts[0][li]}
        for li in range(len(parts[0]))
    ]
