"""normalize_price_frame and LocalPriceProvider: layouts, errors, fuzzing, the real snapshot."""

from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstudy.data.base import PRICE_COLUMNS, PriceProvider, normalize_price_frame
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.errors import DataUnavailableError, InputError

D = dt.date
LONG = """Date,Ticker,Open,Close,Adj Close,Volume,Note
2025-01-27,NVDA,124.8,118.42,118.38,818830900,x
2025-01-24,NVDA,148.37,142.62,142.57,234657600,y
2025-01-24,AVGO,240.0,244.70,,1000,
2025-01-27,AVGO,230.0,202.13,,,z
"""
WIDE = """date,NVDA,^GSPC
2025-01-24,142.62,6101.24
2025-01-27,118.42,
2025-01-28,128.99,6067.70
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- normalize_price_frame ------------------------------------------------------------------


def test_normalize_names_dtypes_order():
    raw = pd.read_csv(pd.io.common.StringIO(LONG), dtype=object)
    got = normalize_price_frame(raw, "x.csv")
    assert tuple(got.columns) == PRICE_COLUMNS
    assert str(got["date"].dtype) == "datetime64[ns]"
    assert got["ticker"].tolist() == ["AVGO", "AVGO", "NVDA", "NVDA"]
    assert got["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-24", "2025-01-27"] * 2
    assert got["close"].tolist() == [244.70, 202.13, 142.62, 118.42]
    assert got["adj_close"].isna().tolist() == [True, True, False, False]
    assert got["volume"].iat[0] == 1000.0 and math.isnan(got["volume"].iat[1])
    for col in ("close", "adj_close", "volume"):
        assert got[col].dtype == np.float64


def test_normalize_only_adj_close_copies_to_close_and_only_close_leaves_adj_nan():
    only_adj = pd.DataFrame({"date": ["2025-01-24"], "ticker": ["X"], "adjclose": ["10.5"]})
    got = normalize_price_frame(only_adj, "a.csv")
    assert got["close"].tolist() == [10.5] and got["adj_close"].tolist() == [10.5]
    only_close = pd.DataFrame({"DATE": ["2025-01-24"], "Symbol": ["X"], " close ": [10.5]})
    got = normalize_price_frame(only_close, "b.csv")
    assert got["close"].tolist() == [10.5] and math.isnan(got["adj_close"].iat[0])
    assert got["volume"].isna().all()


def test_normalize_tz_aware_dates_keep_local_day():
    raw = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(["2025-01-27 00:00"]).tz_localize("Asia/Tokyo"),
            "ticker": ["7203.T"],
            "close": [2800.0],
        }
    )
    got = normalize_price_frame(raw, "t")
    assert got["date"].tolist() == [pd.Timestamp("2025-01-27")]
    assert got["date"].dt.tz is None


def test_normalize_time_of_day_is_dropped():
    raw = pd.DataFrame({"date": ["2025-01-27 16:00:00"], "ticker": ["X"], "close": ["1"]})
    assert normalize_price_frame(raw, "t")["date"].tolist() == [pd.Timestamp("2025-01-27")]


@pytest.mark.parametrize(
    "frame, pattern",
    [
        (
            pd.DataFrame({"date": ["2025-01-24", "2025-13-45"], "ticker": "X", "close": [1, 2]}),
            r"f\.csv: column 'date' holds '2025-13-45' in data row 2, which is not a date",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24", None], "ticker": "X", "close": [1, 2]}),
            r"f\.csv: column 'date' is empty in data row 2; fill in a date such as 2025-01-27",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24"] * 3, "ticker": "X", "close": ["1", "", "n/a"]}),
            r"f\.csv: column 'close' holds 'n/a' in data row 3 \(X on 2025-01-24\), which is not a "
            r"number; fix",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24"], "ticker": "X", "close": ["inf"]}),
            r"column 'close' holds 'inf' in data row 1 \(X on 2025-01-24\), which is not a finite",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24"], "ticker": [" "], "close": [1.0]}),
            r"column 'ticker' is empty in data row 1; fill in a ticker symbol or delete that row",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24"], "close": [1.0]}),
            r"f\.csv: no 'ticker' column \(columns are date, close\)",
        ),
        (
            pd.DataFrame({"ticker": ["X"], "close": [1.0]}),
            r"f\.csv: no 'date' column",
        ),
        (
            pd.DataFrame({"date": ["2025-01-24"], "ticker": ["X"], "open": [1.0]}),
            r"f\.csv: no price column \(columns are date, ticker, open\); add adj_close and/or",
        ),
        (
            pd.DataFrame(
                [["2025-01-24", "X", 1.0, 2.0]], columns=["date", "ticker", "Close", "close"]
            ),
            r"f\.csv: column 'close' appears more than once",
        ),
    ],
)
def test_normalize_errors_name_file_column_row(frame, pattern):
    with pytest.raises(InputError, match=pattern):
        normalize_price_frame(frame, "f.csv")


def test_normalize_rejects_non_frames():
    with pytest.raises(InputError, match="expected a table of prices, got list"):
        normalize_price_frame([1, 2], "f")  # type: ignore[arg-type]


def test_normalize_empty_frame():
    got = normalize_price_frame(pd.DataFrame(columns=["date", "ticker", "close"]), "f")
    assert len(got) == 0 and tuple(got.columns) == PRICE_COLUMNS
    assert str(got["date"].dtype) == "datetime64[ns]"


CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=12),
    st.sampled_from(
        ["2025-01-27", "27/01/2025", "", " ", "NVDA", "1e3", "-5", "nan", "2025-02-30"]
    ),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)
COLUMN_NAMES = st.sampled_from(
    [
        "date",
        "Date",
        "ticker",
        "Symbol",
        "close",
        "Adj Close",
        "adj_close",
        "volume",
        "open",
        "x",
        "",
    ]
)


@st.composite
def messy_frames(draw):
    names = draw(st.lists(COLUMN_NAMES, min_size=0, max_size=6))
    n = draw(st.integers(min_value=0, max_value=6))
    data = [[draw(CELLS) for _ in names] for _ in range(n)]
    return pd.DataFrame(data, columns=names) if names else pd.DataFrame(index=range(n))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=messy_frames())
def test_fuzz_normalize_frame_or_input_error(frame):
    try:
        got = normalize_price_frame(frame, "fuzz.csv")
    except InputError:
        return
    assert tuple(got.columns) == PRICE_COLUMNS
    assert str(got["date"].dtype) == "datetime64[ns]"
    for col in ("close", "adj_close", "volume"):
        assert got[col].dtype == np.float64
        assert not np.isinf(got[col]).any()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=messy_frames(), as_parquet=st.booleans())
def test_fuzz_local_provider_frame_or_input_error(tmp_path, frame, as_parquet):
    path = tmp_path / ("p.parquet" if as_parquet else "p.csv")
    try:
        if as_parquet:
            frame.columns = [str(c) or "unnamed" for c in frame.columns]
            frame.astype(str).to_parquet(path)
        else:
            frame.to_csv(path, index=False)
    except Exception:  # noqa: BLE001 - pandas could not even write it; nothing to read
        return
    provider = LocalPriceProvider(path)
    try:
        got = provider.read()
    except InputError:
        return
    assert tuple(got.columns) == PRICE_COLUMNS


# -- LocalPriceProvider ----------------------------------------------------------------------


def test_local_provider_long_csv(tmp_path):
    path = write(tmp_path, "p.csv", LONG)
    provider = LocalPriceProvider(path)
    assert isinstance(provider, PriceProvider) and provider.name == "file"
    seen = []
    got = provider.get_prices(
        ["NVDA", "AVGO"], D(2025, 1, 24), D(2025, 1, 27), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 2), (2, 2)]
    assert len(got) == 4 and tuple(got.columns) == PRICE_COLUMNS
    only = provider.get_prices(["NVDA"], D(2025, 1, 27), D(2025, 1, 27))
    assert only[["ticker", "close", "adj_close", "volume"]].values.tolist() == [
        ["NVDA", 118.42, 118.38, 818830900.0]
    ]


def test_local_provider_parquet_long(tmp_path):
    raw = pd.read_csv(pd.io.common.StringIO(LONG))
    raw.to_parquet(tmp_path / "p.parquet")
    got = LocalPriceProvider(tmp_path / "p.parquet").get_prices(
        ["AVGO"], D(2025, 1, 1), D(2025, 2, 1)
    )
    assert got["close"].tolist() == [244.70, 202.13]


def test_local_provider_wide_csv(tmp_path):
    path = write(tmp_path, "w.csv", WIDE)
    got = LocalPriceProvider(path).get_prices(["NVDA", "^GSPC"], D(2025, 1, 1), D(2025, 2, 1))
    gspc = got[got["ticker"] == "^GSPC"]
    # The blank cell is no row at all (returns code then sees the session as missing).
    assert gspc["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-24", "2025-01-28"]
    assert gspc["close"].tolist() == gspc["adj_close"].tolist() == [6101.24, 6067.70]
    assert got[got["ticker"] == "NVDA"]["close"].tolist() == [142.62, 118.42, 128.99]


def test_local_provider_wide_parquet_with_date_index(tmp_path):
    frame = pd.DataFrame(
        {"NVDA": [142.62, 118.42]},
        index=pd.DatetimeIndex(["2025-01-24", "2025-01-27"], name="Date"),
    )
    frame.to_parquet(tmp_path / "w.parquet")
    got = LocalPriceProvider(tmp_path / "w.parquet").get_prices(
        ["NVDA"], D(2025, 1, 1), D(2025, 2, 1)
    )
    assert got["adj_close"].tolist() == [142.62, 118.42]


def test_local_provider_missing_tickers_named_together(tmp_path):
    path = write(tmp_path, "p.csv", LONG)
    with pytest.raises(
        DataUnavailableError,
        match=rf"{path} has no prices for MSFT, TSLA \(it holds AVGO, NVDA\); check the spelling",
    ) as info:
        LocalPriceProvider(path).get_prices(["NVDA", "MSFT", "TSLA"], D(2025, 1, 1), D(2025, 2, 1))
    assert info.value.value == ["MSFT", "TSLA"]


def test_local_provider_file_errors(tmp_path):
    with pytest.raises(DataUnavailableError, match=r"price file .*nope\.csv does not exist"):
        LocalPriceProvider(tmp_path / "nope.csv").read()
    write(tmp_path, "empty.csv", "")
    with pytest.raises(InputError, match=r"price file .*empty\.csv is empty"):
        LocalPriceProvider(tmp_path / "empty.csv").read()
    (tmp_path / "bad.parquet").write_bytes(b"\x00\x01 not parquet")
    with pytest.raises(InputError, match=r"price file .*bad\.parquet could not be read as Parquet"):
        LocalPriceProvider(tmp_path / "bad.parquet").read()
    (tmp_path / "latin.csv").write_bytes(
        "date,ticker,close\n2025-01-24,CAF\xc9,1\n".encode("latin-1")
    )
    with pytest.raises(InputError, match=r"latin\.csv could not be read as CSV"):
        LocalPriceProvider(tmp_path / "latin.csv").read()
    write(tmp_path, "nodate.csv", "day,NVDA\n2025-01-24,1\n")
    with pytest.raises(InputError, match=r"nodate\.csv: no 'date' column"):
        LocalPriceProvider(tmp_path / "nodate.csv").read()
    write(tmp_path, "noprice.csv", "date,ticker,open\n2025-01-24,X,1\n")
    with pytest.raises(InputError, match=r"noprice\.csv: no price column"):
        LocalPriceProvider(tmp_path / "noprice.csv").read()
    write(tmp_path, "onlydate.csv", "date\n2025-01-24\n")
    with pytest.raises(InputError, match=r"onlydate\.csv: only a date column was found"):
        LocalPriceProvider(tmp_path / "onlydate.csv").read()
    write(tmp_path, "badnum.csv", "date,ticker,close\n2025-01-24,X,1\n2025-01-27,X,abc\n")
    with pytest.raises(InputError, match=r"badnum\.csv: column 'close' holds 'abc' in data row 2"):
        LocalPriceProvider(tmp_path / "badnum.csv").read()


# -- the real snapshot -----------------------------------------------------------------------


def _snapshot_value(path, ticker, date, column):
    """Read one number straight from the CSV with the csv module (independent of our reader)."""
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["ticker"] == ticker and row["date"] == date:
                return row[column]
    raise LookupError((ticker, date))


@pytest.mark.snapshot
def test_snapshot_read_directly(snapshot_dir):
    path = snapshot_dir / "prices.csv"
    provider = LocalPriceProvider(path)
    every = provider.read()
    assert len(every) == 9874
    assert every["ticker"].nunique() == 28
    got = provider.get_prices(["NVDA", "AVGO", "^IXIC"], D(2025, 1, 24), D(2025, 1, 27))
    nvda = got[got["ticker"] == "NVDA"].set_index("date")
    assert nvda.loc["2025-01-27", "close"] == 118.41999816894531
    assert nvda.loc["2025-01-24", "close"] == 142.6199951171875
    assert nvda.loc["2025-01-27", "adj_close"] == 118.38121032714844
    assert nvda.loc["2025-01-24", "adj_close"] == 142.5732879638672
    assert (
        float(_snapshot_value(path, "NVDA", "2025-01-27", "volume"))
        == nvda.loc["2025-01-27", "volume"]
    )
    ixic = got[got["ticker"] == "^IXIC"]
    assert ixic["adj_close"].isna().all() and ixic["close"].notna().all()


def test_csv_ticker_na_is_a_ticker_and_na_price_is_an_error(tmp_path):
    path = write(tmp_path, "na.csv", "date,ticker,close\n2025-01-24,NA,1.5\n2025-01-27,NA,\n")
    got = LocalPriceProvider(path).get_prices(["NA"], D(2025, 1, 1), D(2025, 2, 1))
    assert got["ticker"].tolist() == ["NA", "NA"]
    assert got["close"].iat[0] == 1.5 and math.isnan(got["close"].iat[1])
    write(tmp_path, "na.csv", "date,ticker,close\n2025-01-24,X,n/a\n")
    with pytest.raises(InputError, match=r"column 'close' holds 'n/a' in data row 1"):
        LocalPriceProvider(path).read()


# -- reading large files the fast way ---------------------------------------------------------


def test_parquet_dictionary_tickers_are_stripped_merged_and_sorted(tmp_path):
    raw = pd.DataFrame(
        {
            "Date": pd.to_datetime(["2025-01-27", "2025-01-24", "2025-01-24", "2025-01-27"]),
            "Symbol": pd.Categorical(
                ["NVDA", " AVGO", "NVDA ", "AVGO"],
                categories=["NVDA", " AVGO", "NVDA ", "AVGO", "X"],
            ),  # two spellings of each ticker and an unused category
            "Open": [1.0, 2.0, 3.0, 4.0],
            "Close": [118.42, 244.70, 142.62, 202.13],
        }
    )
    raw.to_parquet(tmp_path / "p.parquet", index=False)
    got = LocalPriceProvider(tmp_path / "p.parquet").read()
    assert tuple(got.columns) == PRICE_COLUMNS
    assert got["ticker"].tolist() == ["AVGO", "AVGO", "NVDA", "NVDA"]
    assert got["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-24", "2025-01-27"] * 2
    assert got["close"].tolist() == [244.70, 202.13, 142.62, 118.42]
    # text, not the file's categories: pandas' own dtype for text (str from pandas 3, object before)
    assert got["ticker"].dtype == pd.Series(["x"]).dtype and got["adj_close"].isna().all()


def test_parquet_dictionary_blank_ticker_names_its_row(tmp_path):
    raw = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-24", "2025-01-27"]),
            "ticker": pd.Categorical(["NVDA", " "]),
            "close": [1.0, 2.0],
        }
    )
    raw.to_parquet(tmp_path / "p.parquet", index=False)
    with pytest.raises(InputError, match=r"column 'ticker' is empty in data row 2"):
        LocalPriceProvider(tmp_path / "p.parquet").read()
    raw["ticker"] = pd.Categorical(["NVDA", "NVDA"], categories=["NVDA", " "])  # unused blank
    raw.to_parquet(tmp_path / "p.parquet", index=False)
    assert LocalPriceProvider(tmp_path / "p.parquet").read()["ticker"].tolist() == ["NVDA"] * 2


def test_get_prices_of_an_unsorted_file_keeps_tickers_and_range(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "date,ticker,close\n"
        "2025-01-28,B,3\n"
        "2025-01-24,A,1\n"
        "2025-01-27,B,2\n"
        "2025-01-27,A,1.5\n"
        "2025-01-24,C,9\n"
        "2025-01-28,A,1.7\n"
        "2025-01-24,B,1.9\n",
    )
    got = LocalPriceProvider(path).get_prices(["B", "A"], D(2025, 1, 27), D(2025, 1, 28))
    assert got.index.tolist() == [0, 1, 2, 3]
    assert got[["ticker", "close"]].values.tolist() == [
        ["A", 1.5],
        ["A", 1.7],
        ["B", 2.0],
        ["B", 3.0],
    ]
    assert got["date"].dt.day.tolist() == [27, 28, 27, 28]


def test_provider_frame_can_be_changed_without_touching_the_file_or_other_columns(tmp_path):
    path = write(tmp_path, "p.csv", "date,ticker,adj_close\n2025-01-24,A,1\n2025-01-27,A,2\n")
    provider = LocalPriceProvider(path)
    got = provider.read()  # close is a copy of adj_close
    got.loc[0, "close"] = 99.0
    assert got["adj_close"].tolist() == [1.0, 2.0]
    assert provider.read()["close"].tolist() == [1.0, 2.0]


def test_get_prices_accepts_days_outside_the_nanosecond_range(tmp_path):
    path = write(tmp_path, "p.csv", "date,ticker,close\n2025-01-24,A,1\n2025-01-27,A,2\n")
    provider = LocalPriceProvider(path)
    assert len(provider.get_prices(["A"], D(1, 1, 1), D(2400, 1, 1))) == 2
    assert provider.get_prices(["A"], D(2025, 1, 25), D(2400, 1, 1))["close"].tolist() == [2.0]
