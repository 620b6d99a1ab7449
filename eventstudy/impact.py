r"""Dollar market-value effect of abnormal returns, per firm-event day, window and claim.

Conventions
-----------
* Market value before day t is the previous session's close times the share count in force then:
  :math:`MV_{i,t-1} = P_{i,t-1} \cdot S_i`. ``close`` is the split-adjusted (not dividend-adjusted)
  close, so the level is the traded one.
* Raw dollar change :math:`MV_{i,t-1} R_{it}`; abnormal dollar change :math:`MV_{i,t-1} AR_{it}`.
  Window and claim figures are sums of daily changes (each day on its own previous close).
* The share count is the latest one dated on or before day t-1; when only later counts exist the
  earliest is used and the row says so in ``shares_note``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data.base import session_positions
from .errors import InputError
from .events.schema import Claim


def share_counts(
    shares: pd.DataFrame | None, overrides: dict[str, float] | None = None
) -> pd.DataFrame:
    """Normalise share counts to ``ticker, as_of, shares, source``, overrides first.

    Overrides from the event file carry no date and apply at all times.
    """
    frames = []
    if shares is not None and len(shares):
        frame = shares[["ticker", "as_of", "shares"]].copy()
        frame["source"] = shares["source"] if "source" in shares else ""
        frame["as_of"] = pd.to_datetime(frame["as_of"])
        frames.append(frame)
    for ticker, count in (overrides or {}).items():
        frames = [f[f["ticker"] != ticker] for f in frames]
        frames.append(
            pd.DataFrame(
                {
                    "ticker": [ticker],
                    "as_of": [pd.Timestamp("1900-01-01")],
                    "shares": [float(count)],
                    "source": ["event file override"],
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "ticker": pd.Series([], dtype=str),
                "as_of": pd.Series([], dtype="datetime64[ns]"),
                "shares": pd.Series([], dtype=float),
                "source": pd.Series([], dtype=str),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out["as_of"] = out["as_of"].astype("datetime64[ns]")
    return out.sort_values(["ticker", "as_of"]).reset_index(drop=True)


def attach_market_value(
    daily: pd.DataFrame,
    close: pd.DataFrame,
    shares: pd.DataFrame,
    *,
    positions: tuple[np.ndarray, np.ndarray, pd.Index] | None = None,
) -> pd.DataFrame:
    """Add market value and dollar changes to a daily abnormal-return table.

    Parameters
    ----------
    daily
        Columns ``event_id, ticker, date, rel_day, return, abnormal_return`` (one row per firm-event
        day).
    close
        Wide closes (index = the panel's sessions, columns = tickers).
    shares
        Output of :func:`share_counts`.
    positions
        ``(row, codes, names)`` when the caller knows them: each daily row's position in
        ``close.index`` (-1 when its date is not there) and its ticker as a code into the
        distinct tickers ``names``. They are otherwise looked up from ``date`` and ``ticker``.

    Returns
    -------
    pandas.DataFrame
        ``daily`` (with a fresh default index) plus ``close_prev``, ``shares``, ``shares_as_of``,
        ``shares_source``, ``shares_note``, ``market_value_prev``, ``raw_change_usd`` and
        ``abnormal_change_usd``.
    """
    out = daily.copy(deep=False).reset_index(drop=True)  # copy-on-write: ``daily`` untouched
    if positions is None:
        codes, names = _run_codes(out["ticker"])
        row = _row_positions(close.index, out["date"])
    else:
        row, codes, names = positions
    col = close.columns.get_indexer(names)[codes] if len(names) else np.zeros(0, np.intp)
    # the previous session's close: one row up the wide table (none before the first session)
    ok = (col >= 0) & (row >= 1)
    prev = np.full(len(out), np.nan)
    prev[ok] = close.to_numpy(dtype=float)[row[ok] - 1, col[ok]]
    out["close_prev"] = prev
    out = _merge_shares(out, shares, close.index, row, codes, names)
    out["market_value_prev"] = out["close_prev"] * out["shares"]
    out["raw_change_usd"] = out["market_value_prev"] * out["return"]
    out["abnormal_change_usd"] = out["market_value_prev"] * out["abnormal_return"]
    return out


def _run_codes(tickers: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Code of each row's ticker into the distinct tickers (a missing ticker is one of them).

    The daily table repeats each firm-event's ticker on consecutive rows, so the tickers are
    looked up once per run of equal neighbours rather than once per row.
    """
    n = len(tickers)
    values = tickers.array
    if n > 1 and isinstance(tickers.dtype, pd.StringDtype) and tickers.dtype.na_value is np.nan:
        change = np.asarray(values[1:] != values[:-1], dtype=bool)  # NaN differs from all
        starts = np.append(0, np.flatnonzero(change) + 1)
        head_codes, names = pd.factorize(values.take(starts), use_na_sentinel=False)
        codes = np.repeat(np.asarray(head_codes, dtype=np.intp), np.diff(np.append(starts, n)))
        return codes, pd.Index(names)
    codes, names = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(names)


def _row_positions(index: pd.Index, dates: pd.Series) -> np.ndarray:
    """Position of each row's date in the wide table's index (-1 when absent), as get_indexer."""
    days = pd.DatetimeIndex(dates)
    if isinstance(index, pd.DatetimeIndex):
        return session_positions(index, days)
    return np.asarray(index.get_indexer(days), dtype=np.intp)


_NO_COUNT = "no share count: dollar figures not computed"
_LATER_COUNT = "share count dated after the day (earliest available)"
_BEFORE_ALL = pd.Timestamp("1900-01-01")


def _merge_shares(
    out: pd.DataFrame,
    shares: pd.DataFrame,
    index: pd.Index,
    row: np.ndarray,
    codes: np.ndarray,
    names: pd.Index,
) -> pd.DataFrame:
    """Attach the share count in force on the previous session (as-of join per ticker).

    ``row`` is each row's position in ``index`` (the sessions) and ``codes``/``names`` its
    ticker. The count is the latest one dated on or before the previous session (1900-01-01
    for the first session or a day off the index), else the earliest later one.
    """
    n = len(out)
    if shares.empty:
        # no share count at all: the as-of joins would find nothing, so skip them
        out["shares"] = np.full(n, np.nan)
        out["shares_as_of"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        # scalars broadcast to string columns without an (n,) array of Python/NumPy strings
        out["shares_source"] = pd.Series("", index=out.index, dtype=str)
        out["shares_note"] = pd.Series(_NO_COUNT, index=out.index, dtype=str)
        return out
    found = None
    if "ticker" in shares and out["ticker"].dtype == shares["ticker"].dtype:
        # (the join refuses to match tickers of unlike dtypes: left to it to say so)
        found = _asof_rows(shares, index, row, codes, names)
    if found is None:
        return _merge_shares_asof(out, shares, index, row)
    back, fwd, table = found
    # each table column gets one more entry, the value of "no count", which row -1 picks
    count = np.append(table["shares"].to_numpy(), np.nan)
    back_count, fwd_count = count[back], count[fwd]
    use_fwd = np.isnan(back_count) & ~np.isnan(fwd_count)
    pick = np.where(use_fwd, fwd, back)
    out["shares"] = count[pick]
    as_of = table["as_of"].to_numpy()
    out["shares_as_of"] = np.append(as_of, np.array("NaT", dtype=as_of.dtype))[pick]
    # the source of each row's count, "" without one (a missing source reads "" too)
    source = pd.concat([table["source"], pd.Series([""])], ignore_index=True).fillna("")
    source = source.take(pick)
    # a str column is kept as it is; anything else is handed over as values (as a join would)
    str_dtype = isinstance(source.dtype, pd.StringDtype) and source.dtype.na_value is np.nan
    out["shares_source"] = source.array if str_dtype else source.to_numpy()
    note = use_fwd.astype(np.intp)
    note[np.isnan(count[pick])] = 2
    out["shares_note"] = pd.array(["", _LATER_COUNT, _NO_COUNT], dtype=str).take(note)
    return out


def _asof_rows(
    shares: pd.DataFrame,
    index: pd.Index,
    row: np.ndarray,
    codes: np.ndarray,
    names: pd.Index,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame] | None:
    """Rows of the share table found by the backward and forward as-of joins (-1: none).

    Searches sorted integer keys instead of joining frames. Returns None when the join has
    ties or inputs it cannot order unambiguously (the caller then joins the frames); the third
    item is the share table the row numbers refer to.
    """
    needed = {"ticker", "as_of", "shares", "source"}
    if not needed <= set(shares.columns) or not isinstance(index, pd.DatetimeIndex):
        return None
    as_of = shares["as_of"]
    try:  # the join compares the sessions as nanoseconds
        sessions = index.as_unit("ns").asi8
    except (ValueError, OverflowError):
        return None
    if (
        as_of.dtype != np.dtype("datetime64[ns]")
        or index.tz is not None
        or shares["shares"].dtype != np.dtype(float)
        or not pd.api.types.is_string_dtype(shares["ticker"].dtype)
        or as_of.isna().any()
        or shares["ticker"].isna().any()
        or index.hasnans
        or (len(sessions) and sessions[0] <= _BEFORE_ALL.value)
        or not (len(sessions) < 2 or np.all(sessions[1:] > sessions[:-1]))
    ):
        return None
    # each row's as-of key is a position on the sessions with 1900-01-01 in front: the previous
    # session of session r (r >= 1) is keys[r]; the first session and days off the index get
    # the 1900-01-01 key at position 0
    keys = np.append(_BEFORE_ALL.value, sessions)
    owner = names.get_indexer(shares["ticker"])  # -1: a ticker no row has
    table = shares.iloc[np.flatnonzero(owner >= 0)].reset_index(drop=True)
    owner = owner[owner >= 0]
    when = table["as_of"].to_numpy().view(np.int64)
    order = np.lexsort((when, owner))
    owner, when = owner[order], when[order]
    if np.any((owner[1:] == owner[:-1]) & (when[1:] == when[:-1])):
        return None  # two counts of one ticker on one day: the join's pick is arbitrary
    table = table.take(order).reset_index(drop=True)
    if not len(table):
        none = np.full(len(row), -1, dtype=np.intp)
        return none, none.copy(), table
    at = np.maximum(row, 0).astype(np.int64)
    width = len(keys) + 2
    # backward: the last count of the ticker with as_of <= keys[at], i.e. with fewer than at + 1
    # keys before it; forward: the first with as_of >= keys[at], i.e. with more than at keys up
    # to and including it
    below = owner * width + np.searchsorted(keys, when, side="left")
    upto = owner * width + np.searchsorted(keys, when, side="right")
    mine = codes.astype(np.int64) * width
    back = np.searchsorted(below, mine + at, side="right") - 1
    back[(back < 0) | (owner[np.maximum(back, 0)] != codes)] = -1
    fwd = np.searchsorted(upto, mine + at + 1, side="left")
    inside = fwd < len(owner)
    fwd[~inside] = -1
    fwd[inside & (owner[np.minimum(fwd, len(owner) - 1)] != codes)] = -1
    return back, fwd, table


def _merge_shares_asof(
    out: pd.DataFrame, shares: pd.DataFrame, index: pd.Index, row: np.ndarray
) -> pd.DataFrame:
    """:func:`_merge_shares` by two :func:`pandas.merge_asof` joins (any share table)."""
    prev_date = pd.Series(index, index=index).shift(1)
    prev_dates = np.where(row >= 0, prev_date.to_numpy()[np.maximum(row, 0)], np.datetime64("NaT"))
    out["_row"] = np.arange(len(out))
    left = out[["_row", "ticker"]].copy()
    left["_key"] = pd.to_datetime(prev_dates)
    left["_key"] = left["_key"].fillna(_BEFORE_ALL).astype("datetime64[ns]")
    left = left.sort_values("_key")
    right = shares.rename(columns={"as_of": "_key"}).sort_values("_key")
    right["shares_as_of"] = right["_key"]
    back = pd.merge_asof(left, right, on="_key", by="ticker", direction="backward")
    fwd = pd.merge_asof(left, right, on="_key", by="ticker", direction="forward")
    back = back.set_index("_row").sort_index()
    fwd = fwd.set_index("_row").sort_index()
    use_fwd = back["shares"].isna() & fwd["shares"].notna()
    out["shares"] = back["shares"].where(~use_fwd, fwd["shares"]).to_numpy()
    out["shares_as_of"] = back["shares_as_of"].where(~use_fwd, fwd["shares_as_of"]).to_numpy()
    out["shares_source"] = back["source"].where(~use_fwd, fwd["source"]).fillna("").to_numpy()
    note = np.where(use_fwd.to_numpy(), _LATER_COUNT, "")
    note = np.where(out["shares"].isna(), _NO_COUNT, note)
    out["shares_note"] = note
    return out.drop(columns="_row")


def window_changes(daily: pd.DataFrame, windows: tuple[tuple[int, int], ...]) -> pd.DataFrame:
    """Sum the daily dollar changes of each firm-event over each inclusive window.

    A window with any day lacking a dollar figure sums to NaN (no silent partial totals).
    """
    rows = []
    for start, end in windows:
        part = daily[(daily["rel_day"] >= start) & (daily["rel_day"] <= end)]
        grouped = part.groupby(["event_id", "ticker"], sort=False)
        summed = grouped[["raw_change_usd", "abnormal_change_usd"]].sum(min_count=1)
        complete = grouped[["raw_change_usd", "abnormal_change_usd"]].count() == (end - start + 1)
        summed = summed.where(complete)
        summed["window_start"], summed["window_end"] = start, end
        rows.append(summed.reset_index())
    return pd.concat(rows, ignore_index=True)


def window_sums_by_row(
    daily: pd.DataFrame, windows: tuple[tuple[int, int], ...], row: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`window_changes` keyed by firm-event number instead of ``event_id, ticker``.

    Parameters
    ----------
    daily
        Output of :func:`attach_market_value`.
    windows
        Inclusive event windows.
    row
        The firm-event (``0 .. n-1``) of each row of ``daily``.
    n
        Number of firm-events.

    Returns
    -------
    raw, abnormal
        Raw and abnormal dollar changes, shape ``(len(windows) * n,)``: window by window, each
        in firm-event order; NaN where a window lacks a dollar figure on any of its days.

    Notes
    -----
    Rows that come firm-event by firm-event and day by day (as the study builds them) are laid
    on a grid and summed by :func:`window_sums`; any other order is summed by grouping them.
    """
    if not windows or not len(daily):
        return np.full(len(windows) * n, np.nan), np.full(len(windows) * n, np.nan)
    rel = daily["rel_day"].to_numpy()
    if rel.dtype.kind not in "iu":
        return _window_sums_grouped(daily, windows, row, n)
    lo = min(int(a) for a, _ in windows)
    width = max(int(b) for _, b in windows) - lo + 1
    rel = rel.astype(np.int64) - lo
    inside = (rel >= 0) & (rel < width)  # a day outside every window is never summed
    every = bool(inside.all())
    firm = np.asarray(row, dtype=np.int64)
    cells = firm * width + rel if every else (firm * width + rel)[inside]
    in_order = len(cells) > 0 and bool(np.all(cells[1:] > cells[:-1]))
    if not in_order or cells[0] < 0 or cells[-1] >= n * width:
        return _window_sums_grouped(daily, windows, row, n)
    # strictly increasing and in range: len == n * width means every cell, in grid order
    has_row = None
    if len(cells) < n * width:
        has_row = np.zeros(n * width, dtype=bool)
        has_row[cells] = True
        has_row = has_row.reshape(n, width)
    rel_days = np.arange(lo, lo + width)
    out = []
    for name in ("raw_change_usd", "abnormal_change_usd"):
        values = daily[name].to_numpy(dtype=float)
        values = values if every else values[inside]
        if has_row is None:
            grid = values.reshape(n, width)
        else:
            grid = np.full((n, width), np.nan)
            grid[has_row] = values
        out.append(window_sums(grid, rel_days, windows, has_row).ravel())
    return out[0], out[1]


def window_sums(
    grid: np.ndarray,
    rel_days: np.ndarray,
    windows: tuple[tuple[int, int], ...],
    has_row: np.ndarray | None = None,
) -> np.ndarray:
    """Sum daily dollar changes laid out on a (firm-event x day) grid over each window.

    Parameters
    ----------
    grid
        Daily changes, shape ``(n, W)``; column ``j`` is event day ``rel_days[j]``.
    rel_days
        Consecutive event days of the columns.
    windows
        Inclusive event windows.
    has_row
        Which cells hold a day of the daily table (shape ``(n, W)``); None when all do. A cell
        without a row is NaN in ``grid``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(windows), n)``; NaN where a window has a NaN or missing day.

    Notes
    -----
    The sums are those pandas' grouped sum of the daily rows makes (:func:`window_changes`),
    bit for bit: a compensated (Kahan) sum day by day when the column holds a NaN on some row
    inside the window, else NumPy's ``add.reduceat`` over each firm-event's days. That is
    pandas 3.1; older pandas adds with Kahan throughout (and a window holding an infinite day
    sums to NaN), so on it the two agree to rounding only.
    """
    n, width = grid.shape
    first = int(rel_days[0]) if width else 0
    if width and np.any(np.asarray(rel_days) != np.arange(first, first + width)):
        raise InputError(
            f"rel_days {list(rel_days)} are not consecutive event days; give one column per "
            f"day from {first} to {first + width - 1}.",
            field="rel_days",
        )
    sums = np.full((len(windows), n), np.nan)
    for k, (start, end) in enumerate(windows):
        if int(start) < first or int(end) >= first + width:
            continue  # a day of the window is off the grid: no complete sum
        cols = slice(int(start) - first, int(end) - first + 1)
        block = grid[:, cols]
        missing = np.isnan(block)
        # only rows are values to pandas: a NaN cell without a row does not count
        seen = missing if has_row is None else missing & has_row[:, cols]
        add = _kahan_rows if seen.any() else _reduceat_rows
        # each firm-event's sum is its own: only complete ones are summed
        complete = ~missing.any(axis=1)
        if complete.all():
            sums[k] = add(block)
        elif complete.any():
            sums[k, complete] = add(block[complete])
    return sums


def _kahan_rows(block: np.ndarray) -> np.ndarray:
    """Compensated sum along each row, column by column (pandas' grouped sum with NaN present).

    A compensation that turns NaN (an infinite value) is reset to zero, as pandas does.
    """
    total = np.zeros(block.shape[0])
    comp = np.zeros(block.shape[0])
    with np.errstate(invalid="ignore", over="ignore"):
        for j in range(block.shape[1]):
            y = block[:, j] - comp
            t = total + y
            comp = t - total
            comp -= y
            comp[np.isnan(comp)] = 0.0
            total = t
    return total


def _reduceat_rows(block: np.ndarray) -> np.ndarray:
    """Sum of each row by ``add.reduceat`` over the rows laid end to end (pandas without NaN)."""
    rows, width = block.shape
    flat = np.ascontiguousarray(block).reshape(1, rows * width)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.add.reduceat(flat, np.arange(0, rows * width, width), axis=1)[0]


def _window_sums_grouped(
    daily: pd.DataFrame, windows: tuple[tuple[int, int], ...], row: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`window_sums_by_row` by grouping the rows (any row order)."""
    rel = daily["rel_day"].to_numpy()
    values = daily[["raw_change_usd", "abnormal_change_usd"]]
    raw = np.full((len(windows), n), np.nan)
    abnormal = np.full((len(windows), n), np.nan)
    for k, (start, end) in enumerate(windows):
        pick = (rel >= start) & (rel <= end)
        grouped = values[pick].groupby(row[pick], sort=False)
        summed = grouped.sum(min_count=1)
        complete = grouped.count() == (end - start + 1)
        summed = summed.where(complete)
        at = summed.index.to_numpy()
        raw[k, at] = summed["raw_change_usd"].to_numpy()
        abnormal[k, at] = summed["abnormal_change_usd"].to_numpy()
    return raw.ravel(), abnormal.ravel()


def compare_claims(daily: pd.DataFrame, claims: tuple[Claim, ...]) -> pd.DataFrame:
    """Put each reported figure beside the raw and abnormal dollar changes computed for it.

    ``difference_pct`` is ``(computed_raw - reported) / |reported| * 100``; the abnormal figure
    gets its own ``abnormal_difference_pct``.
    """
    records = []
    for claim in claims:
        day = pd.Timestamp(claim.date)
        part = daily[daily["ticker"].isin(claim.tickers)]
        if claim.event_id is not None:
            part = part[part["event_id"] == claim.event_id]
        # the claim's window is counted around the row whose date is the claim date
        anchor = part[part["date"] == day][["event_id", "ticker", "rel_day"]]
        anchor = anchor.drop_duplicates(["ticker"])
        merged = part.merge(anchor, on=["event_id", "ticker"], suffixes=("", "_anchor"))
        offset = merged["rel_day"] - merged["rel_day_anchor"]
        inside = merged[(offset >= claim.window[0]) & (offset <= claim.window[1])]
        found = set(inside["ticker"])
        missing = [
            t
            for t in claim.tickers
            if t not in found or inside.loc[inside["ticker"] == t, "raw_change_usd"].isna().any()
        ]
        raw = np.nan if missing else float(inside["raw_change_usd"].sum())
        abn = np.nan if missing else float(inside["abnormal_change_usd"].sum())
        reported = float(claim.value_usd)
        first = inside.sort_values("rel_day").drop_duplicates("ticker")
        closes = "; ".join(
            f"{r.ticker} close {r.close_prev:.2f} on the session before {r.date:%Y-%m-%d}"
            for r in first.itertuples()
        )
        counts = "; ".join(
            f"{r.ticker} {r.shares:,.0f} as of {r.shares_as_of:%Y-%m-%d}"
            for r in first.itertuples()
            if np.isfinite(r.shares)
        )
        records.append(
            {
                "claim": claim.id,
                "tickers": "+".join(claim.tickers),
                "date": day,
                "window_start": claim.window[0],
                "window_end": claim.window[1],
                "reported_usd": reported,
                "computed_raw_usd": raw,
                "computed_abnormal_usd": abn,
                "difference_pct": (raw - reported) / abs(reported) * 100.0,
                "abnormal_difference_pct": (abn - reported) / abs(reported) * 100.0,
                "closes_used": closes,
                "shares_used": counts,
                "missing": ", ".join(missing),
                "source": claim.source,
            }
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "claim",
            "tickers",
            "date",
            "window_start",
            "window_end",
            "reported_usd",
            "computed_raw_usd",
            "computed_abnormal_usd",
            "difference_pct",
            "abnormal_difference_pct",
            "closes_used",
            "shares_used",
            "missing",
            "source",
        ],
    )
