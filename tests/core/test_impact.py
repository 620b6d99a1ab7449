"""Market value and dollar changes, worked by hand on tiny tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from eventstudy import impact
from eventstudy.events.schema import Claim

DATES = pd.DatetimeIndex(["2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28"])


def daily_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["sell"] * 4,
            "ticker": ["AAA", "AAA", "BBB", "BBB"],
            "date": pd.to_datetime(["2025-01-27", "2025-01-28", "2025-01-27", "2025-01-28"]),
            "rel_day": [0, 1, 0, 1],
            "return": [-0.10, 0.05, -0.20, 0.01],
            "abnormal_return": [-0.08, 0.04, -0.15, 0.0],
        }
    )


def closes() -> pd.DataFrame:
    return pd.DataFrame(
        {"AAA": [50.0, 100.0, 90.0, 94.5], "BBB": [10.0, 20.0, 16.0, 16.16]}, index=DATES
    )


def shares() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": ["AAA", "AAA", "BBB"],
            "as_of": pd.to_datetime(["2024-06-30", "2025-01-27", "2025-02-15"]),
            "shares": [1_000.0, 2_000.0, 500.0],
            "source": ["10-Q", "10-K", "10-Q later"],
        }
    )


def test_market_value_uses_previous_close_and_share_count_in_force() -> None:
    out = impact.attach_market_value(daily_rows(), closes(), impact.share_counts(shares()))
    a0, a1, b0, _ = out.itertuples()
    # AAA day 0: close on 2025-01-24 = 100, count as of 2024-06-30 = 1,000 (the 2025-01-27 count
    # is not yet in force on the 24th)
    assert a0.market_value_prev == pytest.approx(100.0 * 1_000)
    assert a0.raw_change_usd == pytest.approx(100_000 * -0.10)
    assert a0.abnormal_change_usd == pytest.approx(100_000 * -0.08)
    # AAA day 1: close on 2025-01-27 = 90 and the count dated 2025-01-27 is now in force
    assert a1.market_value_prev == pytest.approx(90.0 * 2_000)
    # BBB only has a later count: used, and the row says so
    assert b0.market_value_prev == pytest.approx(20.0 * 500)
    assert "after the day" in b0.shares_note


def test_missing_share_count_gives_nan_and_a_note_not_a_crash() -> None:
    out = impact.attach_market_value(daily_rows(), closes(), impact.share_counts(None))
    assert out["market_value_prev"].isna().all()
    assert (out["shares_note"] == "no share count: dollar figures not computed").all()


def test_override_replaces_file_counts() -> None:
    counts = impact.share_counts(shares(), {"AAA": 3_000})
    out = impact.attach_market_value(daily_rows(), closes(), counts)
    assert out.loc[0, "market_value_prev"] == pytest.approx(100.0 * 3_000)


def test_window_sums_and_claim_comparison() -> None:
    out = impact.attach_market_value(daily_rows(), closes(), impact.share_counts(shares()))
    win = impact.window_changes(out, ((0, 0), (0, 1)))
    aaa = win[(win["ticker"] == "AAA") & (win["window_end"] == 1)].iloc[0]
    assert aaa["raw_change_usd"] == pytest.approx(-10_000 + 180_000 * 0.05)
    claim = Claim(
        id="both",
        tickers=("AAA", "BBB"),
        date=dt.date(2025, 1, 27),
        value_usd=-12_000,
        source="press",
    )
    table = impact.compare_claims(out, (claim,))
    row = table.iloc[0]
    raw = -10_000 + 10_000 * -0.20
    abn = -8_000 + 10_000 * -0.15
    assert row["computed_raw_usd"] == pytest.approx(raw)
    assert row["computed_abnormal_usd"] == pytest.approx(abn)
    assert row["difference_pct"] == pytest.approx((raw + 12_000) / 12_000 * 100)
    assert row["missing"] == ""


def test_claim_with_a_ticker_lacking_shares_is_nan_and_names_it() -> None:
    counts = impact.share_counts(shares()[shares()["ticker"] == "AAA"])
    out = impact.attach_market_value(daily_rows(), closes(), counts)
    claim = Claim(id="both", tickers=("AAA", "BBB"), date=dt.date(2025, 1, 27), value_usd=-1.0)
    row = impact.compare_claims(out, (claim,)).iloc[0]
    assert np.isnan(row["computed_raw_usd"]) and row["missing"] == "BBB"
