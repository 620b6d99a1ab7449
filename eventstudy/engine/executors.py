"""Executors: where the partitions run (local threads or a dask.distributed cluster).

Both call the same partition functions on the same inputs, so they give the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .._types import Executor
from .panel import Panel

__all__ = ["LOCAL_THREADS", "Mapper", "mapper"]

LOCAL_THREADS = 2
"""Partitions processed at once by the local executor (threads; memory grows with it)."""


Mapper = Callable[[Callable[..., Any], Sequence[Any]], list[Any]]


@contextmanager
def mapper(executor: Executor, scheduler: str | None, panel: Panel) -> Iterator[Mapper]:
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
