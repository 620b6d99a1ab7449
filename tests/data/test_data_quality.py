"""check_prices: each check produces exactly the expected issue row and clean-frame action."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.base import PRICE_COLUMNS
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.data.quality import ISSUE_COLUMNS, QualityReport, check_prices
from eventstudy.errors import DataQualityError, DataQualityWarning, InputError

SESSIONS = pd.bdate_range("2025-01-01", periods=30)  # weekdays; a stand-in calendar
T = SESSIONS


def series(ticker, closes, adj=None, dates=None):
    dates = T[: len(closes)] if dates is None else pd.DatetimeIndex(dates)
    adj = closes if adj is None else adj
    return pd.DataFrame(
        {
            "date": dates.astype("datetime64[ns]"),
            "ticker": ticker,
            "close": np.asarray(closes, dtype=float),
            "adj_close": np.asarray(adj, dtype=float),
            "volume": 1.0,
        }
    )


def walk(n=30, start=100.0):
    """A price path with no repeats and small moves (nothing to flag)."""
    return list(start * np.cumprod(1 + 0.01 * np.sin(np.arange(n) + 0.5)))


def only_row(report: QualityReport) -> dict:
    assert len(report.issues) == 1, report.issues
    return report.issues.iloc[0].to_dict()


def run(prices, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return check_prices(prices, SESSIONS, **kw)


def test_clean_data_has_no_issues_and_no_warning():
    prices = pd.concat([series("A", walk()), series("B", walk(start=50.0))], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_prices(prices, SESSIONS)
    assert list(report.issues.columns) == list(ISSUE_COLUMNS)
    assert len(report.issues) == 0
    pd.testing.assert_frame_equal(report.clean, prices[list(PRICE_COLUMNS)])


def test_duplicate_date_keeps_last():
    prices = series("A", walk())
    dup = series("A", [123.0], dates=[T[3]])
    report = run(pd.concat([prices, dup], ignore_index=True))
    assert only_row(report) == {
        "ticker": "A",
        "check": "duplicate_date",
        "date": T[3],
        "value": 2.0,
        "action": "kept last row",
        "message": "A has 2 rows for 2025-01-06; the last one is used.",
    }
    clean = report.clean
    assert len(clean) == 30
    assert clean.loc[clean["date"] == T[3], "close"].tolist() == [123.0]


def test_non_positive_price_set_nan():
    closes = walk()
    closes[5] = 0.0
    report = run(series("A", closes))
    assert only_row(report) == {
        "ticker": "A",
        "check": "non_positive_price",
        "date": T[5],
        "value": 0.0,
        "action": "prices set to NaN",
        "message": "A has close 0 on 2025-01-08; prices must be positive, so that day's prices "
        "are not used.",
    }
    row = report.clean.iloc[5]
    assert math.isnan(row["close"]) and math.isnan(row["adj_close"])


def test_negative_adj_close_flagged():
    adj = walk()
    adj[7] = -1.5
    row = only_row(run(series("A", walk(), adj=adj)))
    assert (row["check"], row["date"], row["value"]) == ("non_positive_price", T[7], -1.5)
    assert row["message"].startswith("A has adj_close -1.5 on 2025-01-10")


def test_gap_longer_than_max_gap():
    keep = [i for i in range(30) if not 10 <= i <= 15]  # 6 sessions missing
    prices = series("A", [walk()[i] for i in keep], dates=T[keep])
    assert only_row(run(prices, max_gap=5)) == {
        "ticker": "A",
        "check": "gap",
        "date": T[10],
        "value": 6.0,
        "action": "flagged",
        "message": "A has no price for 6 sessions in a row from 2025-01-15 (more than 5); "
        "returns there are NaN.",
    }
    assert len(run(prices, max_gap=6).issues) == 0


def test_missing_before_first_or_after_last_price_is_not_a_gap():
    prices = series("A", walk()[10:20], dates=T[10:20])
    assert len(run(prices).issues) == 0


def test_stale_price():
    closes = walk()
    for i in range(4, 14):
        closes[i] = 97.0  # 10 sessions at the same close (a small step: not a split)
    assert only_row(run(series("A", closes), stale_days=10)) == {
        "ticker": "A",
        "check": "stale_price",
        "date": T[4],
        "value": 10.0,
        "action": "flagged",
        "message": "A close stays at 97 for 10 sessions from 2025-01-07 (limit 10); the quote "
        "may be stale.",
    }
    assert len(run(series("A", closes), stale_days=11).issues) == 0


@pytest.mark.parametrize(
    "ratio, split",
    [
        (0.1, "10-for-1"),
        (1 / 3 * 1.005, "3-for-1"),
        (2.0, "1-for-2 reverse"),
        (1 / 20, "20-for-1"),
        # issue 14 item 4: only k-for-1 splits with integer k were caught
        (2 / 3, "3-for-2"),
        (3 / 2, "2-for-3 reverse"),
        (4 / 5, "5-for-4"),
        (10.0, "1-for-10 reverse"),
    ],
)
def test_suspected_split(ratio, split):
    closes = walk()
    closes = closes[:12] + [c * ratio for c in closes[12:]]
    report = run(series("A", closes))
    row = only_row(report)
    expected_ratio = closes[12] / closes[11]
    assert row["check"] == "suspected_split"
    assert row["date"] == T[12]
    assert row["value"] == pytest.approx(expected_ratio)
    assert row["action"] == "prices set to NaN"
    assert row["message"] == (
        f"A close moves {expected_ratio - 1:+.1%} on 2025-01-17 (price ratio "
        f"{expected_ratio:.4f}, within 1% of a {split} split, and the new level holds); the "
        "prices look unadjusted, so that day's prices are not used; supply split-adjusted prices."
    )
    clean = report.clean.set_index("date")
    assert math.isnan(clean.loc[T[12], "close"]) and math.isnan(clean.loc[T[12], "adj_close"])
    assert clean.loc[T[11], "close"] == closes[11] and clean.loc[T[13], "close"] == closes[13]


def test_big_move_not_near_a_split_ratio_is_kept():
    closes = walk()
    closes = closes[:12] + [c * 0.45 for c in closes[12:]]  # -55%: 10% from 1/2, 12% from 2/5
    assert len(run(series("A", closes)).issues) == 0


def test_a_split_ratio_that_does_not_hold_is_not_a_split():
    # -50% exactly, then back up within three sessions: a crash that recovers, not a split
    closes = walk()
    recovery = [0.5, 0.7, 0.85]  # none of the steps back up is within 1% of a split ratio
    closes = (
        closes[:12] + [c * f for c, f in zip(closes[12:15], recovery, strict=True)] + closes[15:]
    )
    assert run(series("A", closes)).count("suspected_split") == 0


def test_a_split_too_close_to_the_end_to_confirm_is_not_acted_on():
    closes = walk()
    closes = closes[:28] + [c / 2 for c in closes[28:]]  # two sessions after: too few
    assert run(series("A", closes)).count("suspected_split") == 0


def test_split_in_close_only_with_an_adjusted_close_is_kept():
    closes = walk()
    adj = [c * 0.99 for c in closes]  # a real adjusted series: it does not jump
    closes = closes[:12] + [c / 2 for c in closes[12:]]
    report = run(series("A", closes, adj=adj))
    row = only_row(report)
    assert row["check"] == "suspected_split" and row["action"] == "kept: adj_close is adjusted"
    assert report.clean["close"].notna().all()


def test_split_in_an_event_window_is_flagged_and_kept():
    closes = walk()
    closes = closes[:12] + [c / 2 for c in closes[12:]]
    protect = pd.DataFrame({"ticker": ["A"], "first": [T[11]], "last": [T[13]]})
    report = run(series("A", closes), protect=protect)
    row = only_row(report)
    assert row["check"] == "suspected_split" and row["action"] == "kept: inside an event window"
    assert row["message"].endswith(
        "it lies inside an event window, so it is kept as a real move: if it is a split, supply "
        "split-adjusted prices."
    )
    assert report.clean["close"].notna().all()
    # another ticker's window protects nothing here
    other = pd.DataFrame({"ticker": ["B"], "first": [T[11]], "last": [T[13]]})
    assert only_row(run(series("A", closes), protect=other))["action"] == "prices set to NaN"


def test_split_only_in_adj_close_is_caught():
    adj = walk()
    adj = adj[:12] + [a / 4 for a in adj[12:]]
    row = only_row(run(series("A", walk(), adj=adj)))
    assert row["check"] == "suspected_split" and row["message"].startswith("A adj_close moves")


def test_no_data():
    report = run(series("A", walk()), tickers=["A", "ZZZ"])
    row = only_row(report)
    assert pd.isna(row.pop("date")) and math.isnan(row.pop("value"))
    assert row == {
        "ticker": "ZZZ",
        "check": "no_data",
        "action": "flagged",
        "message": "ZZZ is absent from the prices (2025-01-01 to 2025-02-11); check the ticker "
        "and the price source.",
    }


def test_ticker_without_prices_on_sessions_is_no_data():
    prices = series("OLD", [5.0, 6.0], dates=["2024-01-02", "2024-01-03"])
    row = only_row(run(prices))
    assert row["check"] == "no_data"
    assert "OLD has no price on any of the study's sessions" in row["message"]


def test_summary_warning_and_order():
    closes = walk()
    closes[5] = -2.0
    prices = pd.concat(
        [series("B", closes), series("A", walk()), series("A", [1.0], dates=[T[0]])],
        ignore_index=True,
    )
    with pytest.warns(
        DataQualityWarning,
        match=r"price data-quality checks flagged 1 duplicate_date, 1 non_positive_price",
    ):
        report = check_prices(prices, SESSIONS)
    assert report.issues["check"].tolist() == ["duplicate_date", "non_positive_price"]
    assert report.count() == 2 and report.count("gap") == 0


def test_bad_options():
    with pytest.raises(InputError, match=r"max_gap=-1 must be a whole number >= 0"):
        check_prices(series("A", walk()), SESSIONS, max_gap=-1)
    with pytest.raises(InputError, match=r"stale_days=1 must be a whole number >= 2"):
        check_prices(series("A", walk()), SESSIONS, stale_days=1)
    with pytest.raises(InputError, match=r"split_bound=0 must be a positive fraction"):
        check_prices(series("A", walk()), SESSIONS, split_bound=0)
    with pytest.raises(InputError, match=r"prices lack column\(s\) volume"):
        check_prices(series("A", walk()).drop(columns="volume"), SESSIONS)


@pytest.mark.snapshot
def test_snapshot_has_no_false_alarms(snapshot_dir):
    provider = LocalPriceProvider(snapshot_dir / "prices.csv")
    prices = provider.read()
    us = prices[prices["ticker"] != "^N225"]
    # NYSE sessions 2023-11-01..2025-03-31 as weekdays minus the closures (SOURCES.md: every US
    # ticker has exactly these 353 days; 2025-01-09 was the national day of mourning).
    closed = [
        "2023-11-23",
        "2023-12-25",
        "2024-01-01",
        "2024-01-15",
        "2024-02-19",
        "2024-03-29",
        "2024-05-27",
        "2024-06-19",
        "2024-07-04",
        "2024-09-02",
        "2024-11-28",
        "2024-12-25",
        "2025-01-01",
        "2025-01-09",
        "2025-01-20",
        "2025-02-17",
    ]
    sessions = pd.bdate_range("2023-11-01", "2025-03-31").difference(pd.DatetimeIndex(closed))
    assert len(sessions) == 353
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_prices(us, sessions, tickers=sorted(us["ticker"].unique()))
    # Split-adjusted series (NVDA 10:1, AVGO 10:1, SOXX 3:1) must not look like splits.
    assert len(report.issues) == 0, report.issues
    assert len(report.clean) == len(us)


def test_unsorted_rows_with_duplicates_in_two_tickers():
    rows = pd.concat(
        [
            series("B", [50.0, 51.0, 52.0], dates=T[:3]),
            series("A", [10.0], dates=[T[1]]),
            series("A", [11.0, 12.0, 13.0], dates=T[:3]),  # A on T[1] again: this row is kept
            series("B", [50.5], dates=[T[0]]),  # B on T[0] again: this row is kept
        ],
        ignore_index=True,
    )
    report = run(rows)
    issues = report.issues
    assert issues[["ticker", "check", "value"]].values.tolist() == [
        ["A", "duplicate_date", 2.0],
        ["B", "duplicate_date", 2.0],
    ]
    assert issues["date"].tolist() == [T[1], T[0]]
    clean = report.clean
    assert clean["ticker"].tolist() == ["A"] * 3 + ["B"] * 3
    assert clean["date"].tolist() == list(T[:3]) * 2
    assert clean["close"].tolist() == [11.0, 12.0, 13.0, 50.5, 51.0, 52.0]


def test_split_in_both_prices_is_reported_once_from_close():
    closes = walk()
    closes = closes[:12] + [c / 2 for c in closes[12:]]
    report = run(series("A", closes))  # adj_close = close: both move -50% on T[12]
    row = only_row(report)
    assert row["check"] == "suspected_split" and row["message"].startswith("A close moves -50.0%")


def test_check_prices_leaves_its_input_alone():
    closes = walk()
    closes[5] = -1.0
    closes = closes[:12] + [c / 10 for c in closes[12:]]
    prices = pd.concat([series("A", closes), series("A", [7.0], dates=[T[2]])], ignore_index=True)
    before = prices.copy(deep=True)
    report = run(prices)
    # the duplicate, the negative price, the split, and the kept duplicate row (7.0 between
    # prices near 100) is a one-day slip
    assert report.issues["check"].tolist() == [
        "duplicate_date",
        "non_positive_price",
        "price_spike",
        "suspected_split",
    ]
    pd.testing.assert_frame_equal(prices, before)


# -- issue 14 item 4: bad prices that were accepted silently ------------------------------------


def test_a_decimal_slip_is_a_spike_and_its_two_returns_are_missing():
    closes = walk()
    closes[12] = closes[12] / 100  # one close typed 100x too small, right the next day
    report = run(series("A", closes))
    row = only_row(report)
    ratio = closes[12] / closes[11]
    assert (row["check"], row["date"], row["action"]) == ("price_spike", T[12], "price set to NaN")
    assert row["value"] == pytest.approx(ratio)
    assert row["message"] == (
        f"A close {closes[12]:g} on 2025-01-17 is 100x below the sessions either side "
        f"({closes[11]:g}, {closes[13]:g}), a one-day slip such as a misplaced decimal point, so "
        "that price is not used and the two returns touching it are missing."
    )
    returns, _ = report.returns_with_close()
    assert returns["A"].iloc[12:14].isna().all()
    # the return over the next session is computed by hand from the prices either side
    assert returns["A"].iloc[14] == pytest.approx(closes[14] / closes[13] - 1, abs=1e-15)


def test_a_slip_upwards_is_a_spike_too():
    closes = walk()
    closes[20] = closes[20] * 10
    row = only_row(run(series("A", closes)))
    assert row["check"] == "price_spike" and "10x above" in row["message"]


def test_a_crash_that_persists_is_neither_spike_nor_split():
    closes = walk()
    closes = closes[:12] + [c * 0.27 for c in closes[12:]]  # -73%: 8% from 1/4, 10% from 3/10
    report = run(series("A", closes))
    assert len(report.issues) == 0
    returns, _ = report.returns_with_close()
    assert returns["A"].iloc[12] == pytest.approx(closes[12] / closes[11] - 1, abs=1e-15)


def test_a_row_off_the_calendar_that_moved_cuts_the_next_return():
    # T[2] is Friday 2025-01-03, T[3] Monday 2025-01-06; a row on Saturday moved the price 10%
    closes = walk()
    sat = pd.Timestamp("2025-01-04")
    extra = series("A", [closes[2] * 1.10], dates=[sat])
    report = run(pd.concat([series("A", closes), extra], ignore_index=True))
    row = only_row(report)
    assert row == {
        "ticker": "A",
        "check": "off_calendar",
        "date": sat,
        "value": 1.0,
        "action": "rows left out; 1 next-session returns set to NaN",
        "message": "A has 1 rows on days that are not the study's calendar sessions "
        "(2025-01-04); they are left out, and the return of the session after each of the 1 "
        "that moved the price is NaN so that no return spans two days "
        '(set calendar = "data" if these are trading days).',
    }
    returns, _ = report.returns_with_close()
    assert np.isnan(returns["A"].iloc[3])
    assert returns["A"].iloc[4] == pytest.approx(closes[4] / closes[3] - 1, abs=1e-15)


def test_a_holiday_row_repeating_the_close_is_flagged_but_cuts_nothing():
    closes = walk()
    extra = series("A", [closes[2]], dates=["2025-01-04"])
    report = run(pd.concat([series("A", closes), extra], ignore_index=True))
    row = only_row(report)
    assert row["check"] == "off_calendar"
    assert row["action"] == "rows left out; 0 next-session returns set to NaN"
    returns, _ = report.returns_with_close()
    assert returns["A"].iloc[3] == pytest.approx(closes[3] / closes[2] - 1, abs=1e-15)


def test_xnys_study_with_a_row_on_independence_day():
    # the issue's case: one extra row on 2024-07-04 rising 10%; 2024-07-05 read +11.3%
    from eventstudy.calendar import TradingCalendar

    sessions = TradingCalendar("XNYS").sessions("2024-06-03", "2024-07-31")
    closes = list(100 * np.cumprod(1 + 0.001 * np.cos(np.arange(len(sessions)))))
    rows = series("A", closes, dates=sessions)
    at = sessions.get_loc(pd.Timestamp("2024-07-03"))
    holiday = series("A", [closes[at] * 1.10], dates=["2024-07-04"])
    with pytest.warns(DataQualityWarning, match="1 off_calendar"):
        report = check_prices(
            pd.concat([rows, holiday], ignore_index=True), sessions, calendar="XNYS"
        )
    assert (
        "A has 1 rows on days that are not XNYS sessions (2024-07-04)"
        in only_row(report)["message"]
    )
    returns, _ = report.returns_with_close()
    assert np.isnan(returns.loc["2024-07-05", "A"])


def test_dates_shifted_by_a_day_stop_the_study():
    # every row one day late: Friday's price lands on Saturday
    closes = walk()
    late = series("A", closes, dates=T[: len(closes)] + pd.Timedelta(days=1))
    with pytest.raises(DataQualityError) as info:
        check_prices(late, SESSIONS, calendar="XNYS")
    message = str(info.value)
    assert message.startswith("A has 6 of 29 price rows (21%) on days that are not XNYS sessions")
    assert "(e.g. Sat 2025-01-04, Sat 2025-01-11, Sat 2025-01-18)" in message
    assert message.endswith(
        "the dates look shifted or the calendar is not theirs: fix the dates, set the "
        'exchange\'s calendar, or set calendar = "data".'
    )
    assert isinstance(info.value, InputError) and info.value.value == "A"
