"""LocalPriceProvider.prefetched: the file is read on a thread, and nothing else changes."""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.csv import LocalPriceProvider
from eventstudy.errors import DataUnavailableError, InputError
from eventstudy.events.schema import Event, EventSet
from eventstudy.study import EventStudy

START, END = dt.date(2024, 1, 3), dt.date(2024, 2, 20)


@pytest.fixture(params=["csv", "parquet"])
def price_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    days = pd.bdate_range("2023-12-01", "2024-03-29")
    rng = np.random.default_rng(4)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": days,
                    "ticker": t,
                    "close": 10.0 + rng.random(len(days)),
                    "adj_close": 9.0 + rng.random(len(days)),
                    "volume": 1e6,
                }
            )
            for t in ("AAA", "BBB", "SPY")
        ],
        ignore_index=True,
    )
    path = tmp_path / f"prices.{request.param}"
    if request.param == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def test_prefetched_prices_are_the_prices(price_file: Path) -> None:
    plain = LocalPriceProvider(price_file).get_prices(["AAA", "SPY"], START, END)
    provider = LocalPriceProvider(price_file)
    with provider.prefetched():
        ahead = provider.get_prices(["AAA", "SPY"], START, END)
        again = provider.get_prices(["BBB"], START, END)  # a second call reads the file again
    pd.testing.assert_frame_equal(ahead, plain, check_exact=True)
    pd.testing.assert_frame_equal(
        again, LocalPriceProvider(price_file).get_prices(["BBB"], START, END), check_exact=True
    )


@pytest.fixture
def read_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the threads that read the price file, in order."""
    threads: list[str] = []
    read = LocalPriceProvider._read

    def spy(self: LocalPriceProvider):  # noqa: ANN202
        threads.append(threading.current_thread().name)
        return read(self)

    monkeypatch.setattr(LocalPriceProvider, "_read", spy)
    return threads


def test_the_read_happens_on_another_thread(price_file: Path, read_threads: list[str]) -> None:
    provider = LocalPriceProvider(price_file)
    with provider.prefetched():
        provider.get_prices(["AAA"], START, END)
    assert read_threads == ["eventstudy-read-prices"]


def test_a_missing_file_fails_at_get_prices_as_before(tmp_path: Path) -> None:
    provider = LocalPriceProvider(tmp_path / "nope.csv")
    with provider.prefetched():  # entering the block raises nothing
        with pytest.raises(DataUnavailableError, match=r"nope\.csv does not exist"):
            provider.get_prices(["AAA"], START, END)


def test_a_bad_file_fails_with_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,ticker,close\n2024-01-03,AAA,ten\n")
    with pytest.raises(InputError) as direct:
        LocalPriceProvider(path).get_prices(["AAA"], START, END)
    provider = LocalPriceProvider(path)
    with provider.prefetched(), pytest.raises(InputError) as ahead:
        provider.get_prices(["AAA"], START, END)
    assert str(ahead.value) == str(direct.value)


def test_an_unused_read_is_dropped_when_the_block_ends(price_file: Path) -> None:
    provider = LocalPriceProvider(price_file)
    with pytest.raises(RuntimeError, match="plan failed"):
        with provider.prefetched():
            raise RuntimeError("plan failed")
    assert provider._ahead is None
    # later calls read the file as usual
    assert len(provider.get_prices(["AAA"], START, END)) > 0


class PlainProvider:
    """The same file without read-ahead (no ``prefetched``)."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.inner = LocalPriceProvider(path)

    def get_prices(self, tickers, start, end, *, progress=None):  # noqa: ANN001, ANN201
        return self.inner.get_prices(tickers, start, end, progress=progress)


def test_a_study_reads_ahead_and_gets_the_same_result(
    price_file: Path, read_threads: list[str]
) -> None:
    events = EventSet(
        name="t",
        events=(Event(id="e", date=dt.date(2024, 2, 15), tickers=("AAA", "BBB")),),
        market="SPY",
        estimation=(-30, -6),
        windows=((0, 0), (-1, 1)),
    )
    study = EventStudy(events, min_estimation_obs=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ahead = study.run(LocalPriceProvider(price_file))
        plain = study.run(PlainProvider(price_file))
    assert read_threads == ["eventstudy-read-prices", "MainThread"]
    for name in ("daily", "car", "tests", "aar"):
        pd.testing.assert_frame_equal(getattr(ahead, name), getattr(plain, name), check_exact=True)
