"""Row keys of the long price frame: ticker codes, (ticker, date) runs, row dates.

Every expectation comes from a plain-Python oracle written here (dicts, ``sorted``), never from
the functions under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.data.base import key_runs, row_dates, session_positions, sort_rank, ticker_codes

NAT = np.iinfo(np.int64).min
TICKERS = st.sampled_from(["A", "B", "BRK-B", "^IX", "nan", "Z"])


def first_seen(values: list[object]) -> tuple[list[int], list[object]]:
    """Oracle: codes in order of first appearance (NaN is one value of its own)."""
    seen: dict[object, int] = {}
    codes = []
    for v in values:
        key = "<NaN>" if isinstance(v, float) else v
        codes.append(seen.setdefault(key, len(seen)))
    return codes, [np.nan if k == "<NaN>" else k for k in seen]


@settings(max_examples=200, deadline=None)
@given(
    blocks=st.lists(st.tuples(st.one_of(TICKERS, st.just(np.nan)), st.integers(1, 4)), max_size=8),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_ticker_codes_match_first_seen_order(blocks, shuffle, seed):
    values = [t for t, n in blocks for _ in range(n)]  # contiguous blocks: the neighbour path
    if shuffle:
        np.random.default_rng(seed).shuffle(values)  # interleaved: the hashing path
    codes, uniques = ticker_codes(pd.Series(values, dtype="str"))
    want_codes, want_uniques = first_seen(values)
    assert codes.tolist() == want_codes
    assert len(uniques) == len(want_uniques)
    for got, want in zip(uniques, want_uniques, strict=True):
        assert (pd.isna(got) and pd.isna(want)) or got == want


def test_sort_rank_puts_missing_last():
    # sorted: "A" (row 2), "a" (row 3), "b" (row 0), then the missing value (row 1)
    assert sort_rank(pd.Index(["b", np.nan, "A", "a"], dtype="str")).tolist() == [2, 3, 0, 1]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.integers(0, 5), st.just(None))), max_size=12
    )
)
def test_key_runs_sort_stably_and_find_each_key(rows):
    group = np.array([g for g, _ in rows], dtype=np.intp)
    dates = np.array([NAT if d is None else d for _, d in rows], dtype=np.int64)
    runs = key_runs(group, dates)
    # oracle: Python's stable sort, NaT after every date
    want = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1] is None, rows[i][1] or 0))
    order = list(range(len(rows))) if runs.order is None else runs.order.tolist()
    assert order == want
    keys = [rows[i] for i in want]
    starts = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    if runs.starts is None:
        assert starts == list(range(len(keys)))
        assert runs.sizes().tolist() == [1] * len(keys)
    else:
        assert runs.starts.tolist() == starts
        ends = [s - 1 for s in starts[1:]] + [len(keys) - 1]
        assert runs.sizes().tolist() == [e - s + 1 for s, e in zip(starts, ends, strict=True)]
        assert runs.last_rows().tolist() == [want[e] for e in ends]


def test_key_runs_sorted_unique_rows_need_no_work():
    runs = key_runs(np.array([0, 0, 1, 1]), np.array([1, 2, 1, 5], dtype=np.int64))
    assert runs.order is None and runs.starts is None and runs.last_rows() is None


def test_row_dates_normalise_only_when_needed():
    done = pd.Series(pd.to_datetime(["2025-01-27", "2025-01-24"]).astype("datetime64[ns]"))
    assert row_dates(done).tolist() == [pd.Timestamp("2025-01-27"), pd.Timestamp("2025-01-24")]
    timed = pd.Series(pd.to_datetime(["2025-01-27 16:00", None]).astype("datetime64[us]"))
    got = row_dates(timed)
    assert str(got.dtype) == "datetime64[ns]"
    assert got[0] == pd.Timestamp("2025-01-27") and pd.isna(got[1])
    tokyo = pd.Series(pd.DatetimeIndex(["2025-01-27 00:30"]).tz_localize("Asia/Tokyo"))
    assert row_dates(tokyo).tolist() == [pd.Timestamp("2025-01-27")]


@settings(max_examples=200, deadline=None)
@given(
    days=st.sets(st.integers(0, 60), min_size=1, max_size=20),
    rows=st.lists(
        st.one_of(
            st.integers(-5, 70).map(lambda d: ("day", d)), st.just(("nat", 0)), st.just(("noon", 3))
        ),
        max_size=15,
    ),
    shuffled=st.booleans(),
)
def test_session_positions_match_a_dict_lookup(days, rows, shuffled):
    start = pd.Timestamp("2024-12-30")
    sessions = sorted(days, reverse=shuffled)  # a descending index takes the general path
    index = pd.DatetimeIndex([start + pd.Timedelta(days=d) for d in sessions]).as_unit("ns")
    stamps = [
        pd.NaT
        if kind == "nat"
        else start
        + pd.Timedelta(days=d)
        + (pd.Timedelta(hours=12) if kind == "noon" else pd.Timedelta(0))
        for kind, d in rows
    ]
    dates = pd.DatetimeIndex(stamps, dtype="datetime64[ns]")
    where = {start + pd.Timedelta(days=d): i for i, d in enumerate(sessions)}
    want = [-1 if pd.isna(t) else where.get(t, -1) for t in stamps]
    assert session_positions(index, dates).tolist() == want
