"""ParquetCache: coverage, atomic writes, corrupt files, safe names."""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from eventstudy.data.cache import ParquetCache, default_cache_root, safe_file_name
from eventstudy.errors import DataQualityWarning

D = dt.date


def rows(ticker: str = "NVDA") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-24", "2025-01-27", "2025-01-28"]).as_unit("ns"),
            "ticker": ticker,
            "close": [142.62, 118.42, 128.99],
            "adj_close": [142.5, 118.3, 128.9],
            "volume": [1.0, 2.0, float("nan")],
        }
    )


def test_round_trip_and_metadata(tmp_path):
    cache = ParquetCache(tmp_path)
    path = cache.write("yfinance", "NVDA", rows(), D(2025, 1, 20), D(2025, 1, 31))
    assert path == tmp_path / "yfinance" / "NVDA.parquet"
    meta = json.loads(pq.read_schema(path).metadata[b"eventstudy"])
    assert meta == {
        "version": 1,
        "provider": "yfinance",
        "ticker": "NVDA",
        "start": "2025-01-20",
        "end": "2025-01-31",
        "rows": 3,
    }
    got = cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 1, 31))
    pd.testing.assert_frame_equal(got, rows())
    assert str(got["date"].dtype) == "datetime64[ns]"
    assert cache.coverage("yfinance", "NVDA") == (D(2025, 1, 20), D(2025, 1, 31))


def test_sub_range_filtered_and_uncovered_is_none(tmp_path):
    cache = ParquetCache(tmp_path)
    cache.write("yfinance", "NVDA", rows(), D(2025, 1, 20), D(2025, 1, 31))
    got = cache.read("yfinance", "NVDA", D(2025, 1, 27), D(2025, 1, 27))
    assert got["close"].tolist() == [118.42]
    assert cache.read("yfinance", "NVDA", D(2025, 1, 19), D(2025, 1, 31)) is None
    assert cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 2, 1)) is None
    assert cache.read("yfinance", "AVGO", D(2025, 1, 20), D(2025, 1, 31)) is None
    assert cache.read("other", "NVDA", D(2025, 1, 20), D(2025, 1, 31)) is None


def test_no_trading_inside_covered_range_is_an_empty_hit(tmp_path):
    cache = ParquetCache(tmp_path)
    cache.write("yfinance", "NVDA", rows(), D(2025, 1, 1), D(2025, 1, 31))
    got = cache.read("yfinance", "NVDA", D(2025, 1, 1), D(2025, 1, 3))
    assert got is not None and len(got) == 0


@pytest.mark.parametrize(
    "ticker, expected",
    [
        ("^GSPC", "%5EGSPC"),
        ("BRK/B", "BRK%2FB"),
        ("BRK.B", "BRK%2EB"),
        ("BRK-B", "BRK-B"),
        ("..", "%2E%2E"),
        ("a\\b:c", "a%5Cb%3Ac"),
    ],
)
def test_safe_file_names(tmp_path, ticker, expected):
    assert safe_file_name(ticker) == expected
    cache = ParquetCache(tmp_path)
    path = cache.write("yfinance", ticker, rows(ticker), D(2025, 1, 20), D(2025, 1, 31))
    assert path.parent == tmp_path / "yfinance"
    assert path.name == f"{expected}.parquet"
    assert cache.read("yfinance", ticker, D(2025, 1, 20), D(2025, 1, 31))["ticker"].iat[0] == ticker


def test_distinct_tickers_never_share_a_file():
    names = ["BRK/B", "BRK.B", "BRK%2FB", "BRK-B", "BRK_B", "^GSPC", "%5EGSPC"]
    assert len({safe_file_name(n) for n in names}) == len(names)


def test_default_root(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "x"))
    assert default_cache_root() == tmp_path / "x"
    assert ParquetCache().root == tmp_path / "x"
    monkeypatch.delenv("EVENTSTUDY_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if sys.platform.startswith("linux"):
        assert default_cache_root() == tmp_path / "home" / ".cache" / "eventstudy"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG applies on Linux")
def test_default_root_follows_the_platform_cache_folder(monkeypatch, tmp_path):
    """platformdirs: $XDG_CACHE_HOME moves the default folder (the calendars' too)."""
    from eventstudy.calendar import _cache_file

    monkeypatch.delenv("EVENTSTUDY_CACHE", raising=False)
    monkeypatch.delenv("EVENTSTUDY_CALENDAR_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_root() == tmp_path / "xdg" / "eventstudy"
    assert _cache_file("XNYS") == tmp_path / "xdg" / "eventstudy" / "calendars" / "XNYS.npz"


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"not a parquet file at all",
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-12] + b"\x00" * 12,  # footer overwritten
        lambda b: b"",
    ],
    ids=["garbage", "truncated", "bad-footer", "empty"],
)
def test_corrupt_file_reported_deleted_and_missed(tmp_path, damage):
    cache = ParquetCache(tmp_path)
    path = cache.write("yfinance", "NVDA", rows(), D(2025, 1, 20), D(2025, 1, 31))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(DataQualityWarning, match=rf"cache file {path} is corrupt or unreadable"):
        assert cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 1, 31)) is None
    assert not path.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 1, 31)) is None


def test_parquet_without_our_metadata_is_rejected(tmp_path):
    cache = ParquetCache(tmp_path)
    path = cache.path("yfinance", "NVDA")
    path.parent.mkdir(parents=True)
    rows().to_parquet(path)
    with pytest.warns(DataQualityWarning, match="KeyError"):
        assert cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 1, 31)) is None


def test_file_of_another_ticker_is_rejected(tmp_path):
    cache = ParquetCache(tmp_path)
    path = cache.write("yfinance", "AVGO", rows("AVGO"), D(2025, 1, 20), D(2025, 1, 31))
    path.rename(cache.path("yfinance", "NVDA"))
    with pytest.warns(DataQualityWarning, match="metadata does not match"):
        assert cache.read("yfinance", "NVDA", D(2025, 1, 20), D(2025, 1, 31)) is None


def test_write_is_atomic(tmp_path, monkeypatch):
    cache = ParquetCache(tmp_path)
    path = cache.write("yfinance", "NVDA", rows(), D(2025, 1, 20), D(2025, 1, 31))
    before = path.read_bytes()

    def crash(table, where):
        Path(where).write_bytes(b"PAR1 half written")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.write("yfinance", "NVDA", rows().iloc[:1], D(2025, 1, 1), D(2025, 1, 31))
    assert path.read_bytes() == before  # the old file is untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["NVDA.parquet"]  # no temp left


def test_write_replaces_and_fsyncs(tmp_path, monkeypatch):
    import os

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    cache = ParquetCache(tmp_path)
    cache.write("yfinance", "NVDA", rows(), D(2025, 1, 20), D(2025, 1, 31))
    cache.write("yfinance", "NVDA", rows().iloc[:1], D(2025, 1, 24), D(2025, 1, 24))
    assert len(synced) == 2
    assert cache.coverage("yfinance", "NVDA") == (D(2025, 1, 24), D(2025, 1, 24))
