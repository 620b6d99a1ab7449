"""The Dask executor gives the in-process numbers (LocalCluster, two worker processes)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy.study import EventStudy

from .synthetic import FramePrices, event_set, panel, prices_long

pytest.importorskip("dask.distributed")


@pytest.mark.dask
def test_dask_executor_matches_local_run() -> None:
    returns, market = panel(42, n_firms=40)
    events = event_set(42, returns, n_events=5, per_event=12)
    provider = FramePrices(prices_long(returns, market))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = EventStudy(events).run(provider)
        remote = EventStudy(events, executor="dask", chunk_size=13).run(provider)
    num = ["car", "se", "t_stat", "p_value", "bhar"]
    np.testing.assert_allclose(local.car[num], remote.car[num], rtol=0, atol=1e-10)
    pd.testing.assert_frame_equal(
        local.car.drop(columns=num), remote.car.drop(columns=num), check_exact=True
    )
    cols = ["n_firms", "caar", "statistic", "p_value"]
    np.testing.assert_allclose(local.tests[cols], remote.tests[cols], rtol=0, atol=1e-10)
    assert list(local.tests["test"]) == list(remote.tests["test"])
    np.testing.assert_allclose(
        local.daily["abnormal_return"], remote.daily["abnormal_return"], rtol=0, atol=1e-10
    )
    np.testing.assert_allclose(
        local.aar[["aar", "caar_se"]], remote.aar[["aar", "caar_se"]], rtol=0, atol=1e-10
    )
