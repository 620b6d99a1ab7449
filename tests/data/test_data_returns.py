"""compute_returns / wide_prices: hand-worked values, missing prices, fallbacks, the snapshot."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.csv import LocalPriceProvider
from eventstudy.data.returns import compute_returns, returns_with_close, wide_prices
from eventstudy.errors import InputError

SESSIONS = pd.DatetimeIndex(["2025-01-22", "2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28"])


def long(rows):
    frame = pd.DataFrame(rows, columns=["date", "ticker", "close", "adj_close", "volume"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame


NAN = float("nan")
PRICES = long(
    [
        # B comes first: column order follows first appearance, not the alphabet.
        ("2025-01-22", "B", 10.0, 9.0, 1.0),
        ("2025-01-23", "B", 11.0, 9.9, 1.0),
        ("2025-01-24", "B", 12.0, NAN, 1.0),  # adj missing on one day only: no fallback
        ("2025-01-27", "B", 6.0, 5.4, 1.0),
        ("2025-01-28", "B", 6.6, 5.94, 1.0),
        ("2025-01-22", "A", 100.0, NAN, NAN),  # a price index: no adj_close at all
        ("2025-01-23", "A", 101.0, NAN, NAN),
        # 2025-01-24 missing entirely
        ("2025-01-27", "A", 99.0, NAN, NAN),
        ("2025-01-28", "A", 99.0, NAN, NAN),
        ("2025-01-25", "A", 500.0, NAN, NAN),  # a Saturday: not a session, dropped
    ]
)


def test_simple_returns_by_hand():
    r = compute_returns(PRICES, SESSIONS)
    assert list(r.columns) == ["B", "A"]
    assert list(r.index) == list(SESSIONS)
    b = r["B"].tolist()
    assert math.isnan(b[0])  # first session
    assert b[1] == pytest.approx(9.9 / 9.0 - 1)
    assert math.isnan(b[2]) and math.isnan(b[3])  # own / previous adj_close missing
    assert b[4] == pytest.approx(5.94 / 5.4 - 1)
    a = r["A"].tolist()  # adj_close absent for A: close used
    assert a[1] == pytest.approx(101.0 / 100.0 - 1)
    # 2025-01-24 missing: NaN there AND on 01-27; the two-day move 101 -> 99 is never booked.
    assert math.isnan(a[2]) and math.isnan(a[3])
    assert a[4] == 0.0


def test_log_returns_by_hand():
    r = compute_returns(PRICES, SESSIONS, kind="log")
    assert r["B"].iat[1] == pytest.approx(math.log(9.9 / 9.0))
    assert r["A"].iat[1] == pytest.approx(math.log(1.01))
    assert math.isnan(r["A"].iat[3])


def test_close_field():
    r = compute_returns(PRICES, SESSIONS, price_field="close")
    assert r["B"].tolist()[1:] == pytest.approx([11 / 10 - 1, 12 / 11 - 1, 6 / 12 - 1, 6.6 / 6 - 1])


def test_non_positive_price_gives_nan_log_return():
    frame = long([("2025-01-22", "X", 1.0, 1.0, 1.0), ("2025-01-23", "X", -1.0, -1.0, 1.0)])
    with np.errstate(all="raise"):
        r = compute_returns(frame, SESSIONS[:2], kind="log")
    assert math.isnan(r["X"].iat[1])


def test_wide_prices_layout_and_duplicates_last_wins():
    frame = pd.concat([PRICES, long([("2025-01-22", "B", 10.5, 9.5, 1.0)])], ignore_index=True)
    w = wide_prices(frame, SESSIONS, "close")
    assert w.index.name == "date" and w.columns.name == "ticker"
    assert w["B"].iat[0] == 10.5
    assert math.isnan(w["A"].iat[2])
    assert w.loc["2025-01-27", "A"] == 99.0
    adj = wide_prices(frame, SESSIONS)
    assert adj["A"].tolist()[:2] == [100.0, 101.0]  # fallback to close
    assert math.isnan(adj["B"].iat[2])


def test_tz_aware_sessions_are_accepted():
    r = compute_returns(PRICES, SESSIONS.tz_localize("UTC"))
    assert r.index.tz is None and r["B"].iat[1] == pytest.approx(0.1)


def test_options_are_validated():
    with pytest.raises(InputError, match=r"price_field='open' is not a valid choice; use one of"):
        compute_returns(PRICES, SESSIONS, price_field="open")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"kind='pct' is not a valid choice; use one of 'simple'"):
        compute_returns(PRICES, SESSIONS, kind="pct")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="price_field='volume'"):
        wide_prices(PRICES, SESSIONS, "volume")  # type: ignore[arg-type]


@pytest.mark.snapshot
def test_snapshot_deepseek_day(snapshot_dir):
    prices = LocalPriceProvider(snapshot_dir / "prices.csv").get_prices(
        ["NVDA", "AVGO", "^IXIC"], dt.date(2025, 1, 2), dt.date(2025, 1, 31)
    )
    sessions = pd.DatetimeIndex(sorted(prices["date"].unique()))
    r = compute_returns(prices, sessions)
    day = pd.Timestamp("2025-01-27")
    # Hand-worked from the two adj_close values in prices.csv.
    assert r.loc[day, "NVDA"] == pytest.approx(
        118.38121032714844 / 142.5732879638672 - 1, abs=1e-15
    )
    assert r.loc[day, "NVDA"] == pytest.approx(-0.16968, abs=5e-6)
    close = compute_returns(prices, sessions, price_field="close")
    assert close.loc[day, "AVGO"] == pytest.approx(202.1300048828125 / 244.6999969482422 - 1)
    assert close.loc[day, "AVGO"] == pytest.approx(-0.17397, abs=5e-6)
    # ^IXIC has no adj_close in the snapshot; the default field falls back to close (-3.069%).
    assert r.loc[day, "^IXIC"] == pytest.approx(19341.830078125 / 19954.30078125 - 1)
    assert r.loc[day, "^IXIC"] == pytest.approx(-0.03069, abs=5e-6)
    # 2025-01-09 (market closed) is not in the data, so 01-10's return spans 01-08 -> 01-10.
    assert pd.Timestamp("2025-01-09") not in sessions


def test_unsorted_rows_and_duplicates_last_wins():
    frame = long(
        [
            ("2025-01-24", "B", 12.0, 12.0, 1.0),
            ("2025-01-22", "A", 100.0, 100.0, 1.0),
            ("2025-01-22", "B", 10.0, 10.0, 1.0),
            ("2025-01-23", "A", 101.0, 101.0, 1.0),
            ("2025-01-22", "A", 200.0, 200.0, 1.0),  # A on 01-22 again: this one is used
            ("2025-01-23", "B", 11.0, 11.0, 1.0),
        ]
    )
    w = wide_prices(frame, SESSIONS[:3], "close")
    assert list(w.columns) == ["B", "A"]
    assert w["A"].tolist()[:2] == [200.0, 101.0] and math.isnan(w["A"].iat[2])
    assert w["B"].tolist() == [10.0, 11.0, 12.0]
    r = compute_returns(frame, SESSIONS[:3])
    assert r["A"].iat[1] == pytest.approx(101.0 / 200.0 - 1)
    assert r["B"].tolist()[1:] == pytest.approx([11 / 10 - 1, 12 / 11 - 1])


@pytest.mark.parametrize("field", ["adj_close", "close"])
def test_returns_with_close_gives_both_tables(field):
    r, close = returns_with_close(PRICES, SESSIONS, price_field=field, kind="log")
    assert list(r.columns) == list(close.columns) == ["B", "A"]
    assert close.index.name == "date" and close.columns.name == "ticker"
    # hand-worked from PRICES: B's close 10 -> 11, adj 9 -> 9.9
    assert r["B"].iat[1] == pytest.approx(math.log(11 / 10 if field == "close" else 9.9 / 9.0))
    assert r["A"].iat[1] == pytest.approx(math.log(1.01))  # A has no adj_close: close either way
    assert close["B"].tolist() == [10.0, 11.0, 12.0, 6.0, 6.6]
    assert close["A"].tolist()[:2] == [100.0, 101.0] and math.isnan(close["A"].iat[2])
    pd.testing.assert_frame_equal(
        r, compute_returns(PRICES, SESSIONS, price_field=field, kind="log")
    )
    pd.testing.assert_frame_equal(close, wide_prices(PRICES, SESSIONS, "close"))
