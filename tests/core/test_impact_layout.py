"""Dollar figures laid out on arrays: window sums on a grid and the share-count as-of join.

The oracles are written out here: pandas' grouped sum of the daily rows for the window sums, and
a plain-Python walk over each ticker's share counts for the as-of join.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy import impact
from eventstudy.errors import InputError

WINDOWS = ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))
REL = np.arange(-5, 6)


def grouped_sums(daily: pd.DataFrame, row: np.ndarray, n: int, column: str) -> np.ndarray:
    """Oracle: pandas' grouped sum per firm-event, NaN unless every day of the window is there."""
    out = np.full((len(WINDOWS), n), np.nan)
    rel = daily["rel_day"].to_numpy()
    for k, (start, end) in enumerate(WINDOWS):
        pick = (rel >= start) & (rel <= end)
        grouped = daily.loc[pick, [column]].groupby(row[pick], sort=False)[column]
        total = grouped.sum(min_count=1)
        total = total.where(grouped.count() == end - start + 1)
        out[k, total.index.to_numpy()] = total.to_numpy()
    return out


def random_daily(
    seed: int, n: int, nan: float, drop: float, inf: float = 0.0
) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    cells = n * len(REL)
    values = {
        name: rng.standard_normal(cells) * 10.0 ** rng.integers(0, 12, cells)
        for name in ("raw_change_usd", "abnormal_change_usd")
    }
    values["raw_change_usd"][rng.random(cells) < nan] = np.nan
    values["abnormal_change_usd"][rng.random(cells) < inf] = np.inf
    values["abnormal_change_usd"][rng.random(cells) < 0.02] = -0.0
    keep = rng.random(cells) >= drop
    row = np.repeat(np.arange(n), len(REL))[keep]
    daily = pd.DataFrame({"rel_day": np.tile(REL, n)[keep]})
    for name, column in values.items():  # one block per column, as the study's table has
        daily[name] = column[keep]
    return daily, row


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(
        np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
    )


def pandas_sums_by_reduceat() -> bool:
    """Whether pandas adds sorted groups without NaN by ``add.reduceat`` (pandas 3.1).

    Older pandas adds every group with Kahan; window_sums adds as pandas 3.1 does.
    """
    rng = np.random.default_rng(0)
    values = rng.standard_normal(1100) * 10.0 ** rng.integers(0, 12, 1100)
    starts = np.arange(0, 1100, 11)
    grouped = pd.Series(values).groupby(np.repeat(np.arange(100), 11)).sum().to_numpy()
    return same_bits(grouped, np.add.reduceat(values, starts))


PANDAS_SUMS_BY_REDUCEAT = pandas_sums_by_reduceat()


def same_sums(ours: np.ndarray, daily: pd.DataFrame, row: np.ndarray, n: int, column: str) -> bool:
    """Bit for bit where pandas adds as window_sums does; else to rounding (11 days: 1e-14)."""
    oracle = grouped_sums(daily, row, n, column).ravel()
    if PANDAS_SUMS_BY_REDUCEAT:
        return same_bits(ours, oracle)
    values = daily[column]
    size = grouped_sums(daily.assign(**{column: values.abs()}), row, n, column).ravel()
    # older pandas' Kahan sum turns an infinite day into NaN; window_sums keeps it (pandas 3.1)
    inf = grouped_sums(daily.assign(**{column: np.isinf(values) * 1.0}), row, n, column).ravel()
    met_inf = np.isnan(oracle) & (inf > 0)
    oracle = np.where(met_inf, ours, oracle)
    finite = np.isfinite(oracle)
    return bool(
        not np.isfinite(ours[met_inf]).any()
        and np.array_equal(ours[~finite], oracle[~finite], equal_nan=True)
        and np.all(np.abs(ours[finite] - oracle[finite]) <= 1e-14 * size[finite])
    )


@pytest.mark.parametrize(
    ("seed", "nan", "drop", "inf"),
    [
        (1, 0.0, 0.0, 0.0),  # no NaN anywhere: pandas adds with add.reduceat
        (2, 0.01, 0.0, 0.0),  # NaN in the raw column: pandas adds that column with Kahan
        (3, 0.0, 0.05, 0.001),  # days without a row and infinite values
        (4, 0.02, 0.05, 0.001),
    ],
)
def test_window_sums_match_the_grouped_sum_bit_for_bit(
    seed: int, nan: float, drop: float, inf: float
) -> None:
    n = 400
    daily, row = random_daily(seed, n, nan, drop, inf)
    raw, abnormal = impact.window_sums_by_row(daily, WINDOWS, row, n)
    assert same_sums(raw, daily, row, n, "raw_change_usd")
    assert same_sums(abnormal, daily, row, n, "abnormal_change_usd")


def test_window_sums_of_shuffled_rows_are_the_grouped_sums() -> None:
    n = 200
    daily, row = random_daily(7, n, 0.01, 0.05)
    order = np.random.default_rng(0).permutation(len(daily))
    shuffled = daily.iloc[order].reset_index(drop=True)
    raw, abnormal = impact.window_sums_by_row(shuffled, WINDOWS, row[order], n)
    assert same_bits(raw, grouped_sums(shuffled, row[order], n, "raw_change_usd").ravel())
    assert same_bits(abnormal, grouped_sums(shuffled, row[order], n, "abnormal_change_usd").ravel())


def test_window_sums_by_hand() -> None:
    # two firm-events over days -1..1; the second lacks day 1
    grid = np.array([[1.0, 2.0, 4.0], [8.0, 16.0, np.nan]])
    has_row = np.array([[True, True, True], [True, True, False]])
    sums = impact.window_sums(grid, np.array([-1, 0, 1]), ((0, 0), (-1, 1), (-1, 0)), has_row)
    expected = np.array([[2.0, 16.0], [7.0, np.nan], [3.0, 24.0]])
    assert np.array_equal(sums, expected, equal_nan=True)


def test_window_off_the_grid_is_nan() -> None:
    grid = np.ones((2, 3))
    sums = impact.window_sums(grid, np.array([-1, 0, 1]), ((0, 2), (-2, 0), (0, 1)))
    assert np.isnan(sums[:2]).all() and (sums[2] == 2.0).all()


def test_window_sums_need_consecutive_days() -> None:
    with pytest.raises(InputError, match="not consecutive event days"):
        impact.window_sums(np.ones((1, 3)), np.array([-1, 0, 2]), ((0, 0),))


# -- the share count in force: an as-of join on arrays ------------------------------------------

SESSIONS = pd.DatetimeIndex(
    ["2025-01-21", "2025-01-22", "2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28"]
).as_unit("ns")


def count_in_force(
    shares: pd.DataFrame, ticker: str, date: pd.Timestamp
) -> tuple[float, pd.Timestamp, str, str]:
    """Oracle: the count dated on or before the previous session, else the earliest one."""
    pos = SESSIONS.get_indexer([date])[0]
    key = SESSIONS[pos - 1] if pos >= 1 else pd.Timestamp("1900-01-01")
    mine = shares[shares["ticker"] == ticker].sort_values("as_of")
    before = [r for r in mine.itertuples() if r.as_of <= key]
    after = [r for r in mine.itertuples() if r.as_of >= key]
    back = before[-1] if before else None
    fwd = after[0] if after else None
    if (back is None or np.isnan(back.shares)) and fwd is not None and not np.isnan(fwd.shares):
        note = "share count dated after the day (earliest available)"
        return fwd.shares, fwd.as_of, fwd.source, note
    if back is None:
        return np.nan, pd.NaT, "", "no share count: dollar figures not computed"
    note = "no share count: dollar figures not computed" if np.isnan(back.shares) else ""
    return back.shares, back.as_of, back.source, note


def daily_table(rows: list[tuple[str, str]]) -> pd.DataFrame:
    tickers = [t for t, _ in rows]
    return pd.DataFrame(
        {
            "event_id": ["e"] * len(rows),
            "ticker": tickers,
            "date": pd.to_datetime([d for _, d in rows]).as_unit("ns"),
            "rel_day": range(len(rows)),
            "return": np.linspace(-0.05, 0.05, len(rows)),
            "abnormal_return": np.linspace(0.04, -0.04, len(rows)),
        }
    )


def closes() -> pd.DataFrame:
    values = np.arange(1.0, 1.0 + 3 * len(SESSIONS)).reshape(len(SESSIONS), 3)
    return pd.DataFrame(values, index=SESSIONS, columns=pd.Index(["AAA", "BBB", "CCC"]))


def share_table() -> pd.DataFrame:
    raw = pd.DataFrame(
        {
            "ticker": ["AAA", "AAA", "AAA", "BBB", "BBB", "DDD"],
            "as_of": pd.to_datetime(
                ["2024-12-31", "2025-01-23", "2025-01-25", "2025-01-24", "2025-02-01", "2025-01-01"]
            ),
            "shares": [100.0, 200.0, 300.0, np.nan, 50.0, 7.0],
            "source": ["10-K", "10-Q", "8-K", "blank", "later", "other"],
        }
    )
    return impact.share_counts(raw)


def test_share_counts_follow_the_as_of_rule_row_by_row() -> None:
    days = [str(d.date()) for d in SESSIONS]
    rows = [(t, d) for t in ("AAA", "BBB", "CCC", "EEE") for d in days]
    rows += [("AAA", "2025-01-25"), ("BBB", "2025-01-26")]  # days off the sessions
    daily = daily_table(rows)
    shares = share_table()
    out = impact.attach_market_value(daily, closes(), shares)
    for r in out.itertuples():
        count, as_of, source, note = count_in_force(shares, r.ticker, r.date)
        assert (np.isnan(r.shares) and np.isnan(count)) or r.shares == count
        assert (pd.isna(r.shares_as_of) and pd.isna(as_of)) or r.shares_as_of == as_of
        assert r.shares_source == source and r.shares_note == note
    # pandas' own dtype for text: str from pandas 3, object before
    text = pd.Series(["x"]).dtype
    assert out["shares_source"].dtype == text and out["shares_note"].dtype == text
    assert out["shares_as_of"].dtype == np.dtype("datetime64[ns]")


def test_previous_close_is_one_session_up() -> None:
    daily = daily_table([("AAA", "2025-01-21"), ("BBB", "2025-01-24"), ("ZZZ", "2025-01-24")])
    daily = daily.set_index(pd.Index([10, 11, 12]))
    out = impact.attach_market_value(daily, closes(), share_table())
    # row 0 is the first session: no previous close; BBB on the 4th session reads the 3rd
    assert np.isnan(out.loc[0, "close_prev"]) and np.isnan(out.loc[2, "close_prev"])
    assert out.loc[1, "close_prev"] == closes().loc["2025-01-23", "BBB"]
    assert list(out.index) == [0, 1, 2]
    assert list(daily.columns) == [
        "event_id",
        "ticker",
        "date",
        "rel_day",
        "return",
        "abnormal_return",
    ]  # the input is left as it was


def test_two_counts_on_one_day_still_give_an_answer() -> None:
    # tied dates leave the pick to the join (pandas' merge_asof), as before
    shares = pd.concat([share_table(), share_table().head(1)], ignore_index=True)
    out = impact.attach_market_value(daily_table([("AAA", "2025-01-22")]), closes(), shares)
    assert out.loc[0, "shares"] == 100.0


def test_market_value_columns_multiply_through() -> None:
    daily = daily_table([("AAA", "2025-01-27"), ("BBB", "2025-01-28")])
    out = impact.attach_market_value(daily, closes(), share_table())
    # AAA on the 27th: the previous session is the 24th, when the 2025-01-23 count is in force
    assert out.loc[0, "market_value_prev"] == closes().loc["2025-01-24", "AAA"] * 200.0
    assert out.loc[0, "raw_change_usd"] == out.loc[0, "market_value_prev"] * daily.loc[0, "return"]
    # BBB: the 2025-01-24 count is NaN, so the later one is used and the row says so
    assert out.loc[1, "shares"] == 50.0
    assert out.loc[1, "shares_note"] == "share count dated after the day (earliest available)"


def test_known_positions_give_the_same_table_as_looking_them_up() -> None:
    days = [str(d.date()) for d in SESSIONS]
    rows = [(t, d) for t in ("AAA", "BBB", "ZZZ") for d in days] + [("AAA", "2025-01-25")]
    daily = daily_table(rows)
    row = SESSIONS.get_indexer(daily["date"])
    codes, names = pd.factorize(daily["ticker"])
    looked_up = impact.attach_market_value(daily, closes(), share_table())
    given = impact.attach_market_value(
        daily, closes(), share_table(), positions=(row, np.asarray(codes), pd.Index(names))
    )
    pd.testing.assert_frame_equal(given, looked_up, check_exact=True)
