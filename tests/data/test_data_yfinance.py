"""YFinanceProvider against frames shaped exactly like yfinance 1.x output (never the network)."""

from __future__ import annotations

import datetime as dt
import socket
import warnings

import numpy as np
import pandas as pd
import pytest
import requests
from curl_cffi.requests import exceptions as curl_exc
from yfinance.exceptions import YFRateLimitError

from eventstudy.data.base import PRICE_COLUMNS, PriceProvider
from eventstudy.data.cache import ParquetCache
from eventstudy.data.yfinance import YFinanceProvider
from eventstudy.errors import DataQualityWarning, DataUnavailableError, InputError

START, END = dt.date(2025, 1, 24), dt.date(2025, 1, 28)
NVDA = (["2025-01-24", "2025-01-27", "2025-01-28"], [142.62, 118.42, 128.99])
AVGO = (["2025-01-24", "2025-01-27", "2025-01-28"], [244.70, 202.13, 207.00])


@pytest.fixture
def shapes(yf_shapes):
    return yf_shapes


@pytest.fixture
def two(shapes):
    h = shapes["history"]
    return shapes["download"]({"NVDA": h(*NVDA), "AVGO": h(*AVGO)})


def provider(tmp_path, fake, **kw):
    sleeps: list[float] = []
    p = YFinanceProvider(
        cache=kw.pop("cache", ParquetCache(tmp_path / "cache")),
        sleep=sleeps.append,
        download=fake,
        **kw,
    )
    return p, sleeps


def test_protocol_and_name(tmp_path):
    p = YFinanceProvider(cache=None)
    assert isinstance(p, PriceProvider)
    assert p.name == "yfinance"


def test_happy_path_exact_call_and_frame(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, sleeps = provider(tmp_path, fake)
    got = p.get_prices(["NVDA", "AVGO"], START, END)
    assert fake.calls == [
        (
            ["NVDA", "AVGO"],
            {
                "start": "2025-01-24",
                "end": "2025-01-29",  # yfinance's end is exclusive: one day past ours
                "auto_adjust": False,
                "actions": False,
                "group_by": "column",
                "progress": False,
                "threads": True,
            },
        )
    ]
    assert sleeps == []
    assert tuple(got.columns) == PRICE_COLUMNS
    assert str(got["date"].dtype) == "datetime64[ns]"
    assert list(got["ticker"]) == ["AVGO"] * 3 + ["NVDA"] * 3
    nvda = got[got["ticker"] == "NVDA"]
    assert nvda["close"].tolist() == [142.62, 118.42, 128.99]
    np.testing.assert_allclose(nvda["adj_close"], np.array([142.62, 118.42, 128.99]) * 0.99)
    assert nvda["volume"].tolist() == [1000.0, 2000.0, 3000.0]
    assert list(nvda["date"]) == list(pd.to_datetime(NVDA[0]))


def test_end_is_inclusive_and_rows_outside_range_dropped(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, _ = provider(tmp_path, fake)
    got = p.get_prices(["NVDA", "AVGO"], dt.date(2025, 1, 27), dt.date(2025, 1, 27))
    assert got["date"].unique().tolist() == [pd.Timestamp("2025-01-27")]


def test_second_run_makes_no_call(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, _ = provider(tmp_path, fake)
    first = p.get_prices(["NVDA", "AVGO"], START, END)
    second = p.get_prices(["NVDA", "AVGO"], START, END)
    assert len(fake.calls) == 1
    pd.testing.assert_frame_equal(first, second)
    # A sub-range is served from the cache too.
    p.get_prices(["AVGO"], dt.date(2025, 1, 27), END)
    assert len(fake.calls) == 1


def test_only_misses_are_downloaded(tmp_path, shapes):
    h = shapes["history"]
    fake = shapes["fake"](
        [shapes["download"]({"NVDA": h(*NVDA)}), shapes["download"]({"AVGO": h(*AVGO)})]
    )
    p, _ = provider(tmp_path, fake)
    p.get_prices(["NVDA"], START, END)
    got = p.get_prices(["NVDA", "AVGO"], START, END)
    assert [c[0] for c in fake.calls] == [["NVDA"], ["AVGO"]]
    assert sorted(got["ticker"].unique()) == ["AVGO", "NVDA"]


def test_wider_range_is_a_miss(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, _ = provider(tmp_path, fake)
    p.get_prices(["NVDA"], START, END)
    p.get_prices(["NVDA"], START - dt.timedelta(days=3), END)
    assert len(fake.calls) == 2


def test_no_cache_calls_every_time(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, _ = provider(tmp_path, fake, cache=None)
    p.get_prices(["NVDA"], START, END)
    p.get_prices(["NVDA"], START, END)
    assert len(fake.calls) == 2


def test_default_cache_root_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "c"))
    assert YFinanceProvider().cache.root == tmp_path / "c"


def test_empty_frame_offline(tmp_path, shapes):
    # Exactly what yf.download returns offline: no rows, MultiIndex columns of empty_df frames.
    offline = shapes["download"]({"NVDA": shapes["empty"](), "AVGO": shapes["empty"]()})
    assert offline.empty and offline.columns.names == ["Price", "Ticker"]
    fake = shapes["fake"]([offline])
    p, sleeps = provider(tmp_path, fake)
    with pytest.raises(
        DataUnavailableError,
        match=r"yfinance returned no prices for NVDA, AVGO \(Yahoo unreachable from this "
        r"machine, or unknown tickers\); check the tickers or run from local files with "
        r"--prices FILE\.",
    ) as info:
        p.get_prices(["NVDA", "AVGO"], START, END)
    assert info.value.value == ["NVDA", "AVGO"]
    assert len(fake.calls) == 1 and sleeps == []  # offline: retrying cannot help


def test_none_and_columnless_frames_are_empty(tmp_path, shapes):
    for outcome in (None, pd.DataFrame()):
        fake = shapes["fake"]([outcome])
        p, _ = provider(tmp_path, fake)
        with pytest.raises(DataUnavailableError, match="NVDA.*--prices FILE"):
            p.get_prices(["NVDA"], START, END)


def test_partial_download_retries_then_names_missing(tmp_path, shapes):
    h = shapes["history"]
    partial = shapes["download"]({"NVDA": h(*NVDA), "AVGO": shapes["empty"]()})
    still = shapes["download"]({"AVGO": shapes["empty"]()})
    fake = shapes["fake"]([partial, still])
    p, sleeps = provider(tmp_path, fake, retries=3, backoff=1.0)
    with pytest.raises(
        DataUnavailableError,
        match=r"no prices for AVGO \(no rows while other tickers downloaded, after 4 "
        r"attempt\(s\).*--prices FILE",
    ):
        p.get_prices(["NVDA", "AVGO"], START, END)
    assert [c[0] for c in fake.calls] == [["NVDA", "AVGO"], ["AVGO"], ["AVGO"], ["AVGO"]]
    assert sleeps == [1.0, 2.0, 4.0]
    # NVDA was good and is cached: asking for it alone makes no call.
    p.get_prices(["NVDA"], START, END)
    assert len(fake.calls) == 4


def test_partial_download_recovers_on_retry(tmp_path, shapes):
    h = shapes["history"]
    partial = shapes["download"]({"NVDA": h(*NVDA), "AVGO": shapes["empty"]()})
    fake = shapes["fake"]([partial, shapes["download"]({"AVGO": h(*AVGO)})])
    p, sleeps = provider(tmp_path, fake, backoff=0.5)
    got = p.get_prices(["NVDA", "AVGO"], START, END)
    assert sleeps == [0.5]
    assert sorted(got["ticker"].unique()) == ["AVGO", "NVDA"]


@pytest.mark.parametrize(
    "error, words",
    [
        (YFRateLimitError(), "rate limited by Yahoo"),
        (requests.exceptions.Timeout("read timed out"), "Timeout: read timed out"),
        (curl_exc.Timeout("curl: (28) Operation timed out"), "Timeout: curl: \\(28\\)"),
        (requests.exceptions.ConnectionError("reset"), "ConnectionError: reset"),
    ],
)
def test_transient_errors_back_off_then_fail(tmp_path, shapes, error, words):
    fake = shapes["fake"]([error])
    p, sleeps = provider(tmp_path, fake, retries=3, backoff=1.0)
    with pytest.raises(
        DataUnavailableError,
        match=rf"no prices for NVDA \({words}.*still failing after 4 attempt\(s\)\).*--prices",
    ):
        p.get_prices(["NVDA"], START, END)
    assert len(fake.calls) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_rate_limit_then_success(tmp_path, shapes, two):
    fake = shapes["fake"]([YFRateLimitError(), YFRateLimitError(), two])
    p, sleeps = provider(tmp_path, fake, backoff=2.0)
    got = p.get_prices(["NVDA", "AVGO"], START, END)
    assert sleeps == [2.0, 4.0]
    assert len(got) == 6


def test_other_exceptions_propagate(tmp_path, shapes):
    fake = shapes["fake"]([KeyError("bug")])
    p, sleeps = provider(tmp_path, fake)
    with pytest.raises(KeyError):
        p.get_prices(["NVDA"], START, END)
    assert sleeps == []


def test_tz_aware_index_gives_naive_local_dates(tmp_path, shapes):
    h = shapes["history"]
    # ignore_tz=False keeps the exchange zone; Tokyo midnight must stay on its Tokyo date.
    frame = shapes["download"](
        {"7203.T": h(["2025-01-27", "2025-01-28"], [2800.0, 2850.0], tz="Asia/Tokyo")},
        ignore_tz=False,
    )
    assert str(frame.index.tz) == "Asia/Tokyo"
    fake = shapes["fake"]([frame])
    p, _ = provider(tmp_path, fake)
    got = p.get_prices(["7203.T"], dt.date(2025, 1, 27), dt.date(2025, 1, 28))
    assert got["date"].dt.tz is None
    assert list(got["date"]) == [pd.Timestamp("2025-01-27"), pd.Timestamp("2025-01-28")]


def test_new_york_tz_aware_index(tmp_path, shapes):
    h = shapes["history"]
    frame = shapes["download"]({"NVDA": h(*NVDA)}, ignore_tz=False)
    fake = shapes["fake"]([frame])
    p, _ = provider(tmp_path, fake)
    got = p.get_prices(["NVDA"], START, END)
    assert list(got["date"]) == list(pd.to_datetime(NVDA[0]))


def test_auto_adjusted_frame_without_adj_close_warns(tmp_path, shapes):
    h = shapes["history"]
    frame = shapes["download"]({"NVDA": h(*NVDA, auto_adjust=True)})
    assert "Adj Close" not in frame.columns.get_level_values("Price")
    fake = shapes["fake"]([frame])
    p, _ = provider(tmp_path, fake)
    with pytest.warns(DataQualityWarning, match="returns then come from the auto-adjusted close"):
        got = p.get_prices(["NVDA"], START, END)
    assert got["adj_close"].tolist() == got["close"].tolist() == NVDA[1]


def test_single_ticker_multiindex_and_flat(tmp_path, shapes):
    h = shapes["history"]
    multi = shapes["download"]({"NVDA": h(*NVDA)})
    assert isinstance(multi.columns, pd.MultiIndex)
    flat = shapes["download"]({"NVDA": h(*NVDA)}, multi_level_index=False)
    assert not isinstance(flat.columns, pd.MultiIndex)
    for frame in (multi, flat):
        fake = shapes["fake"]([frame])
        p, _ = provider(tmp_path, fake, cache=None)
        got = p.get_prices(["NVDA"], START, END)
        assert got["close"].tolist() == NVDA[1]


def test_lower_case_request_matches_upper_case_column(tmp_path, shapes):
    h = shapes["history"]
    fake = shapes["fake"]([shapes["download"]({"brk-b": h(*NVDA)})])
    p, _ = provider(tmp_path, fake)
    got = p.get_prices(["brk-b"], START, END)
    assert got["ticker"].unique().tolist() == ["brk-b"]


def test_batches_and_progress(tmp_path, shapes):
    h = shapes["history"]
    tickers = ["A", "B", "C", "D", "E"]

    def answer(batch):
        return shapes["download"]({t: h(*NVDA) for t in batch})

    fake = shapes["fake"]([answer])
    p, _ = provider(tmp_path, fake, batch_size=2)
    seen: list[tuple[int, int]] = []
    p.get_prices(tickers, START, END, progress=lambda d, t: seen.append((d, t)))
    assert [c[0] for c in fake.calls] == [["A", "B"], ["C", "D"], ["E"]]
    assert seen == [(2, 5), (4, 5), (5, 5)]
    seen.clear()
    p.get_prices(tickers, START, END, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(5, 5)]  # all from the cache, reported once


def test_failures_across_batches_are_named_together(tmp_path, shapes):
    h = shapes["history"]

    def answer(batch):
        return shapes["download"](
            {t: (h(*NVDA) if t in ("A", "C") else shapes["empty"]()) for t in batch}
        )

    fake = shapes["fake"]([answer])
    p, _ = provider(tmp_path, fake, batch_size=2, retries=0)
    with pytest.raises(DataUnavailableError, match=r"no prices for B, D \(no rows") as info:
        p.get_prices(["A", "B", "C", "D"], START, END)
    assert info.value.value == ["B", "D"]


def test_corrupt_cache_is_reported_ignored_and_refetched(tmp_path, shapes, two):
    fake = shapes["fake"]([two])
    p, _ = provider(tmp_path, fake)
    p.get_prices(["NVDA"], START, END)
    path = p.cache.path("yfinance", "NVDA")
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with pytest.warns(DataQualityWarning, match=rf"cache file {path}.*corrupt"):
        got = p.get_prices(["NVDA"], START, END)
    assert len(fake.calls) == 2
    assert got["close"].tolist() == NVDA[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p.get_prices(["NVDA"], START, END)  # rewritten, good again
    assert len(fake.calls) == 2


def test_bad_options():
    with pytest.raises(InputError, match=r"batch_size=0 must be a whole number >= 1"):
        YFinanceProvider(cache=None, batch_size=0)
    with pytest.raises(InputError, match=r"retries=-1 must be a whole number >= 0"):
        YFinanceProvider(cache=None, retries=-1)
    with pytest.raises(InputError, match=r"backoff=-1"):
        YFinanceProvider(cache=None, backoff=-1)
    with pytest.raises(InputError, match="start 2025-01-28 is after end 2025-01-24"):
        YFinanceProvider(cache=None).get_prices(["NVDA"], END, START)


# -- through the real yf.download, with Ticker.history patched and sockets blocked ------------


@pytest.fixture
def real_download(monkeypatch, shapes):
    import yfinance as yf

    def no_network(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    frames: dict[str, object] = {}

    def history(self, **kwargs):
        outcome = frames.get(self.ticker)
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is None:
            return shapes["empty"]()
        return outcome.copy()

    monkeypatch.setattr(yf.Ticker, "history", history)
    return frames


def test_real_download_shape_and_swallowed_rate_limit(tmp_path, shapes, real_download):
    import yfinance as yf

    h = shapes["history"]
    real_download["NVDA"] = h(*NVDA)
    real_download["AVGO"] = YFRateLimitError()  # yfinance catches this and only logs it
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            real_download["AVGO"] = h(*AVGO)
        return yf.download(*args, **kwargs)

    p, sleeps = provider(tmp_path, counting)
    got = p.get_prices(["NVDA", "AVGO"], START, END)
    assert calls == [["NVDA", "AVGO"], ["AVGO"]]
    assert sleeps == [1.0]
    assert sorted(got["ticker"].unique()) == ["AVGO", "NVDA"]


def test_real_download_all_rate_limited_is_retried(tmp_path, shapes, real_download):
    import yfinance as yf

    real_download["NVDA"] = YFRateLimitError()
    p, sleeps = provider(tmp_path, yf.download, retries=2)
    with pytest.raises(DataUnavailableError, match=r"NVDA \(rate limited by Yahoo"):
        p.get_prices(["NVDA"], START, END)
    assert sleeps == [1.0, 2.0]


def test_today_is_never_cached_as_complete(tmp_path, shapes):
    today = dt.date.today()
    days = [str(today - dt.timedelta(days=1)), str(today)]
    frame = shapes["download"]({"NVDA": shapes["history"](days, [1.0, 2.0])})
    fake = shapes["fake"]([frame])
    p, _ = provider(tmp_path, fake)
    p.get_prices(["NVDA"], today - dt.timedelta(days=1), today)
    assert p.cache.coverage("yfinance", "NVDA") == (today - dt.timedelta(days=1),) * 2
    p.get_prices(["NVDA"], today - dt.timedelta(days=1), today)
    assert len(fake.calls) == 2  # today's prices may still change: asked again
