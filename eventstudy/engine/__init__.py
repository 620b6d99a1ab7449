r"""Chunked estimation and the registered statistics for samples of any size.

:func:`estimate` fits the normal-return model and computes every per-firm quantity (abnormal
returns, CARs and their variances, BHARs) in partitions of firm-events, so that the ``(n, L)``
estimation-window arrays exist for one partition at a time. Each requested statistic of
:data:`eventstudy.stats.TESTS` reduces every partition to its sufficient statistics (its
``chunk`` step), the partitions' reductions are combined (``combine``) and each group and window
becomes a :class:`~eventstudy.stats.base.TestResult` (``finalize``); the engine lays out the
partitions and runs those steps, and knows no formula. The modules, by job:

* :mod:`~eventstudy.engine.panel`: the return panel as arrays, the partitions, the group layers;
* :mod:`~eventstudy.engine.fit`: the model fit of one partition (the market model in one
  compiled pass, :func:`eventstudy.kernels.market_fit`) and the partition's job;
* :mod:`~eventstudy.engine.partition`: pass 1 (fit, per-firm arrays, chunk steps) and pass 2
  (two-pass statistics) of one partition;
* :mod:`~eventstudy.engine.executors`: local threads or a dask.distributed cluster, which give
  the same numbers;
* :mod:`~eventstudy.engine.assemble`: one fit from the partitions, and the reductions combined;
* :mod:`~eventstudy.engine.run`: :func:`estimate` itself.
"""

from __future__ import annotations

from .executors import LOCAL_THREADS
from .panel import Panel, make_panel, positions
from .run import TWO_PASS_CACHE_BYTES, EngineRun, estimate

__all__ = [
    "LOCAL_THREADS",
    "TWO_PASS_CACHE_BYTES",
    "EngineRun",
    "Panel",
    "estimate",
    "make_panel",
    "positions",
]
