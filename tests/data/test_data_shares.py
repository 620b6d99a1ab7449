"""Share counts: local file, Yahoo (faked Ticker.get_shares_full), shares_on."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eventstudy.data.base import SharesProvider
from eventstudy.data.cache import ParquetCache
from eventstudy.data.frames import FrameSharesProvider
from eventstudy.data.shares import (
    YAHOO_SOURCE,
    LocalSharesProvider,
    YFinanceSharesProvider,
    shares_on,
)
from eventstudy.errors import DataQualityWarning, DataUnavailableError, InputError


def test_local_file_and_missing_tickers_absent(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "Ticker,As Of,Shares,Source\nNVDA,2024-11-15,24490000000,10-Q\n"
        "NVDA,2024-08-20,24530000000,\nAVGO,2024-08-30,4670576083,10-Q\n",
        encoding="utf-8",
    )
    provider = LocalSharesProvider(path)
    assert isinstance(provider, SharesProvider)
    got = provider.get_shares(["NVDA", "MSFT"])
    assert list(got.columns) == ["ticker", "as_of", "shares", "source"]
    assert str(got["as_of"].dtype) == "datetime64[ns]" and got["shares"].dtype == float
    assert got["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2024-08-20", "2024-11-15"]
    assert got["shares"].tolist() == [24.53e9, 24.49e9]
    assert got["source"].tolist() == [str(path), "10-Q"]  # blank source: the file


def test_local_file_errors(tmp_path):
    with pytest.raises(DataUnavailableError, match=r"share-count file .*none\.csv does not exist"):
        LocalSharesProvider(tmp_path / "none.csv").get_shares(["NVDA"])
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,shares\nNVDA,1\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"bad\.csv: no 'as_of' column \(columns are ticker, shares"
    ):
        LocalSharesProvider(bad).get_shares(["NVDA"])
    bad.write_text("ticker,as_of,shares\nNVDA,2024-11-15,-5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv: data row 1 has no positive share count"):
        LocalSharesProvider(bad).get_shares(["NVDA"])
    bad.write_text("ticker,as_of,shares\nNVDA,someday,5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"data row 1 has no valid as_of date \(as_of='someday'\)"):
        LocalSharesProvider(bad).get_shares(["NVDA"])


@pytest.mark.parametrize(
    ("path", "shown"),
    [(123, "int"), (None, "NoneType"), (["s.csv"], "list"), (12.5, "float")],
)
def test_local_provider_needs_a_path(path: object, shown: str) -> None:
    # before: Path(123) raised a bare TypeError ("expected str, bytes or os.PathLike object")
    with pytest.raises(
        InputError,
        match=rf"^LocalSharesProvider\(path=\.\.\.\) needs the path of a CSV or Parquet "
        rf"share-count file, got {shown}; pass e\.g\. LocalSharesProvider\('shares\.csv'\)\.$",
    ) as err:
        LocalSharesProvider(path)  # type: ignore[arg-type]
    assert err.value.field == "path" and err.value.value == path


def test_local_provider_given_a_dataframe_points_to_run() -> None:
    frame = pd.DataFrame({"ticker": ["NVDA"], "as_of": ["2024-11-15"], "shares": [24.49e9]})
    with pytest.raises(
        InputError,
        match=r"got DataFrame; pass e\.g\. LocalSharesProvider\('shares\.csv'\); pass a "
        r"DataFrame of counts to EventStudy\.run\(prices, shares\) directly\.$",
    ) as err:
        LocalSharesProvider(frame)  # type: ignore[arg-type]
    assert err.value.field == "path"


def test_local_provider_missing_file_given_as_text(tmp_path):
    missing = str(tmp_path / "nowhere" / "shares.csv")
    provider = LocalSharesProvider(missing)  # the file is read (and checked) when used
    with pytest.raises(
        DataUnavailableError, match=r"share-count file .*shares\.csv does not exist"
    ):
        provider.get_shares(["NVDA"])


def test_dataframe_with_a_missing_column_names_it() -> None:
    frame = pd.DataFrame({"ticker": ["NVDA"], "date": ["2024-11-15"], "shares": [24.49e9]})
    with pytest.raises(
        InputError,
        match=r"^shares DataFrame: no 'as_of' column \(columns are ticker, date, shares\); a "
        r"share-count file or DataFrame needs ticker, as_of, shares and optionally source\.$",
    ) as err:
        FrameSharesProvider(frame).get_shares(["NVDA"])
    assert err.value.field == "as_of"


@pytest.mark.snapshot
def test_snapshot_shares(snapshot_dir):
    got = LocalSharesProvider(snapshot_dir / "shares_outstanding.csv").get_shares(
        ["NVDA", "AVGO", "TSM"]
    )
    assert sorted(got["ticker"]) == ["AVGO", "NVDA"]
    found = shares_on(got, "NVDA", "2025-01-27")
    assert found is not None
    shares, as_of, source = found
    assert shares == 24_490_000_000.0 and as_of == pd.Timestamp("2024-11-15")
    assert source.startswith("NVIDIA Corp. Form 10-Q")
    # Market-value change by hand: 24.49e9 x (118.42 - 142.62) = -592.7 bn (SOURCES.md).
    assert shares * (118.41999816894531 - 142.6199951171875) / 1e9 == pytest.approx(
        -592.66, abs=0.01
    )


FRAME = pd.DataFrame(
    {
        "ticker": ["A", "A", "A", "B"],
        "as_of": pd.to_datetime(["2024-01-10", "2024-06-10", "2024-12-10", "2025-03-01"]),
        "shares": [100.0, 110.0, 120.0, 5.0],
        "source": ["q1", "q2", "q4", "b"],
    }
)


@pytest.mark.parametrize(
    "ticker, date, expected",
    [
        ("A", "2024-07-01", (110.0, "2024-06-10", "q2")),
        ("A", "2024-06-10", (110.0, "2024-06-10", "q2")),  # as_of == date counts
        ("A", "2030-01-01", (120.0, "2024-12-10", "q4")),
        ("A", "2023-01-01", (100.0, "2024-01-10", "q1")),  # all later: earliest, anyway
        ("B", dt.date(2025, 1, 27), (5.0, "2025-03-01", "b")),
    ],
)
def test_shares_on(ticker, date, expected):
    shares, as_of, source = shares_on(FRAME.sample(frac=1, random_state=1), ticker, date)
    assert (shares, as_of, source) == (expected[0], pd.Timestamp(expected[1]), expected[2])


def test_shares_on_absent():
    assert shares_on(FRAME, "ZZZ", "2025-01-27") is None


# -- Yahoo -------------------------------------------------------------------------------------


class FakeTicker:
    """``yf.Ticker`` stand-in whose ``get_shares_full`` replays a scripted answer."""

    answers: dict[str, object] = {}
    calls: list[tuple[str, dict]] = []

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker

    def get_shares_full(self, **kwargs):
        FakeTicker.calls.append((self.ticker, kwargs))
        answer = FakeTicker.answers.get(self.ticker)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def yahoo_series(values, stamps, tz="America/New_York"):
    """Shaped as get_shares_full builds it: values indexed by tz-aware timestamps."""
    idx = pd.to_datetime(stamps).tz_localize(tz)
    return pd.Series(values, index=idx).sort_index()


@pytest.fixture
def fake_yahoo():
    FakeTicker.answers = {}
    FakeTicker.calls = []
    return FakeTicker


def test_yahoo_shares_and_cache(tmp_path, fake_yahoo):
    fake_yahoo.answers = {
        "NVDA": yahoo_series(
            [24_500_000_000, 24_490_000_000, 24_480_000_000],
            ["2024-11-15 09:30", "2024-11-15 16:00", "2025-01-10 00:00"],
        ),
        "OFF": None,
        "ERR": ConnectionError("offline"),
        "EMPTY": pd.Series([], dtype=float),
    }
    cache = ParquetCache(tmp_path)
    provider = YFinanceSharesProvider(
        cache=cache, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 31), ticker_factory=fake_yahoo
    )
    with pytest.warns(
        DataQualityWarning, match=r"Yahoo returned no share counts for OFF, ERR, EMPTY"
    ):
        got = provider.get_shares(["NVDA", "OFF", "ERR", "EMPTY"])
    assert fake_yahoo.calls[0] == ("NVDA", {"start": "2024-01-01", "end": "2025-02-01"})
    assert got["ticker"].tolist() == ["NVDA", "NVDA"]
    assert got["as_of"].tolist() == [pd.Timestamp("2024-11-15"), pd.Timestamp("2025-01-10")]
    assert got["shares"].tolist() == [24_490_000_000.0, 24_480_000_000.0]  # last of the day
    assert set(got["source"]) == {YAHOO_SOURCE}
    n = len(fake_yahoo.calls)
    with pytest.warns(DataQualityWarning):
        again = provider.get_shares(["NVDA", "OFF"])
    assert [c[0] for c in fake_yahoo.calls[n:]] == ["OFF"]  # NVDA from the cache
    pd.testing.assert_frame_equal(again, got)


def test_yahoo_shares_no_cache_all_absent(fake_yahoo):
    provider = YFinanceSharesProvider(cache=None, ticker_factory=fake_yahoo)
    with pytest.warns(DataQualityWarning, match="no share counts for X"):
        got = provider.get_shares(["X"])
    assert len(got) == 0 and list(got.columns) == ["ticker", "as_of", "shares", "source"]


def test_two_different_counts_for_one_ticker_and_day_are_an_error(tmp_path):
    # issue 14 item 4: the last of two counts differing 10x won silently
    path = tmp_path / "s.csv"
    path.write_text(
        "ticker,as_of,shares\nNVDA,2024-11-15,24490000000\nAVGO,2024-08-30,4670576083\n"
        "NVDA,2024-11-15,2449000000\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError,
        match=r"s\.csv: NVDA has two different share counts on 2024-11-15 "
        r"\(2,449,000,000 and 24,490,000,000\); keep one row per ticker and date\.",
    ) as info:
        LocalSharesProvider(path).get_shares(["NVDA"])
    assert info.value.field == "shares" and info.value.value == "NVDA"


def test_identical_repeated_counts_are_kept_once(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "ticker,as_of,shares\nNVDA,2024-11-15,24490000000\nNVDA,2024-11-15,24490000000\n",
        encoding="utf-8",
    )
    got = LocalSharesProvider(path).get_shares(["NVDA"])
    assert got["shares"].tolist() == [24.49e9]
