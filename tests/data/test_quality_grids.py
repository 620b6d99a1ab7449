"""QualityReport.returns_with_close: returns and closes from the grids check_prices laid out.

They must be exactly what :func:`returns_with_close` computes from the clean long frame (which
lays the rows out again). A hand-worked case checks the numbers themselves.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.quality import check_prices
from eventstudy.data.returns import returns_with_close
from eventstudy.errors import DataQualityWarning, InputError

SESSIONS = pd.bdate_range("2024-01-01", periods=80).as_unit("ns")


def messy_prices(seed: int) -> pd.DataFrame:
    """Unsorted rows, duplicates, a split, non-positive prices, gaps, weekend rows, an index."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, ticker in enumerate(["ZZ", "AA", "MM", "^IDX", "BB"]):
        days = pd.date_range("2023-12-28", periods=120, freq="D")  # days before the sessions
        weekend = days.dayofweek >= 5
        # a few weekend rows (off the calendar), not so many that the dates look shifted
        weekend[np.flatnonzero(weekend)[rng.choice(weekend.sum(), 3, replace=False)]] = False
        days = days[(rng.random(len(days)) > 0.1) & ~weekend]
        close = 50.0 * np.cumprod(1.0 + rng.normal(0.0, 0.004, len(days)))
        if k == 2:
            close[40:] /= 3.0  # an unadjusted 3:1 split
        adj = close * 0.98
        if ticker == "^IDX":
            adj[:] = np.nan  # a price index: no adjusted close at all
        elif k == 4:
            adj[rng.random(len(days)) < 0.2] = np.nan  # some gaps in adj_close only
        frame = pd.DataFrame(
            {"date": days, "ticker": ticker, "close": close, "adj_close": adj, "volume": 1.0}
        )
        if k == 1:
            frame.loc[frame.index[5], "close"] = -1.0
            frame.loc[frame.index[9], "adj_close"] = 0.0
        parts.append(frame)
    prices = pd.concat(parts, ignore_index=True)
    prices = pd.concat([prices, prices.iloc[[3, 50, 200]]], ignore_index=True)  # duplicates
    if seed % 2:
        prices = prices.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    else:  # sorted by ticker then date, as providers return them
        prices = prices.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    prices["date"] = prices["date"].astype("datetime64[ns]")
    return prices


def check(prices: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return check_prices(prices, SESSIONS)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(
    ("field", "kind"), [("adj_close", "simple"), ("adj_close", "log"), ("close", "simple")]
)
def test_same_tables_as_laying_out_the_clean_frame_again(seed: int, field: str, kind: str) -> None:
    report = check(messy_prices(seed))
    returns, close = report.returns_with_close(price_field=field, kind=kind)
    want_returns, want_close = returns_with_close(
        report.clean, SESSIONS, price_field=field, kind=kind
    )
    # the documented rule: the session after a priced off-calendar row has no return
    clean = report.clean
    off = clean[
        ~clean["date"].isin(SESSIONS)
        & (clean["date"] > SESSIONS[0])
        & (clean["date"] < SESSIONS[-1])
        & (clean["close"].notna() | clean["adj_close"].notna())
    ]
    assert len(off) > 0
    for date, ticker in zip(off["date"], off["ticker"], strict=True):
        want_returns.loc[SESSIONS[SESSIONS > date][0], ticker] = np.nan
    pd.testing.assert_frame_equal(returns, want_returns, check_exact=True)
    pd.testing.assert_frame_equal(close, want_close, check_exact=True)
    assert returns.index.freq == want_returns.index.freq


def test_returns_by_hand() -> None:
    days = SESSIONS[:4]
    prices = pd.DataFrame(
        {
            "date": list(days) * 2,
            "ticker": ["IDX"] * 4 + ["A"] * 4,
            "close": [100.0, 110.0, 99.0, 99.0, 10.0, 11.0, 12.0, 12.0],
            "adj_close": [np.nan] * 4 + [5.0, 5.5, np.nan, 6.6],
            "volume": 1.0,
        }
    )
    returns, close = check(prices).returns_with_close()
    assert list(returns.columns) == ["A", "IDX"]  # the clean frame's (sorted) order
    assert returns.columns.name == "ticker" and returns.index.name == "date"
    # IDX has no adjusted close: its close is used; A keeps its adj_close gap as NaN
    assert returns.loc[days[1], "IDX"] == pytest.approx(0.10)
    assert returns.loc[days[2], "IDX"] == pytest.approx(-0.10)
    assert returns.loc[days[1], "A"] == pytest.approx(0.10)
    assert np.isnan(returns.loc[days[2], "A"]) and np.isnan(returns.loc[days[3], "A"])
    assert close.loc[days[2], "A"] == 12.0 and np.isnan(returns.iloc[0]).all()


def test_a_report_without_grids_says_how_to_get_returns() -> None:
    report = check(messy_prices(0))
    bare = type(report)(issues=report.issues, clean=report.clean)
    with pytest.raises(InputError, match="carries no price grids"):
        bare.returns_with_close()


def test_unknown_options_are_refused() -> None:
    report = check(messy_prices(0))
    with pytest.raises(InputError, match="price_field"):
        report.returns_with_close(price_field="open")  # type: ignore[arg-type]
