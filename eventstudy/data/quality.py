r"""Data-quality checks run on the prices before any estimation.

:func:`check_prices` reports every problem as one row of :attr:`QualityReport.issues` and
returns the cleaned long prices in :attr:`QualityReport.clean`; :func:`check_benchmark` adds the
study-level check of the benchmark's calendar. Thresholds and actions (``docs/data.md``):

====================== ====================================================== =================
check                  what is flagged                                        action
====================== ====================================================== =================
``duplicate_date``     a (ticker, date) appears more than once                last row kept
``non_positive_price`` ``close`` or ``adj_close`` is zero or negative         prices set to NaN
``off_calendar``       rows on days that are not sessions (10% of a ticker's  left out; the next
                       rows: :class:`~eventstudy.errors.DataQualityError`)    return NaN if moved
``price_spike``        one price 4x off and back the next session             price set to NaN
``suspected_split``    a common split ratio within 1% whose level holds       prices set to NaN,
                       (:mod:`eventstudy.data.jumps`)                         kept in event
                                                                              windows
``gap``                more than ``max_gap`` sessions in a row without a      flagged (returns
                       price inside the ticker's range                        there are NaN)
``stale_price``        ``close`` unchanged for ``stale_days`` sessions or     flagged
                       more
``no_data``            a requested ticker has no price on any session         flagged
``benchmark_calendar`` the benchmark lacks returns on > 5% of the estimation  flagged
                       sessions
====================== ====================================================== =================
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import PriceField, ReturnKind, validate_literal
from ..errors import DataQualityError, DataQualityWarning, InputError
from .base import (
    PRICE_COLUMNS,
    key_runs,
    row_dates,
    session_cells,
    session_positions,
    sort_rank,
    ticker_codes,
    to_naive_dates,
)
from .jumps import SPLIT_TOLERANCE, SPLITS, find_spikes, split_candidates, split_label
from .returns import grid_returns, session_frame

ISSUE_COLUMNS = ("ticker", "check", "date", "value", "action", "message")
CHECKS = (
    "duplicate_date",
    "non_positive_price",
    "off_calendar",
    "price_spike",
    "suspected_split",
    "gap",
    "stale_price",
    "no_data",
    "benchmark_calendar",
)
OFF_CALENDAR_SHARE = 0.10
"""A ticker with this share of its rows (and at least :data:`OFF_CALENDAR_MIN`) off the
calendar stops the study: its dates are shifted or the calendar is the wrong one."""
OFF_CALENDAR_MIN = 5
BENCHMARK_MISSING = 0.05
"""Flag a benchmark without a return on more than this share of the estimation-window sessions."""


@dataclass(frozen=True)
class PriceGrids:
    """The clean prices laid out on the sessions, as :func:`check_prices` judged them.

    Attributes
    ----------
    sessions
        The sessions (grid columns), tz-naive ``datetime64[ns]``.
    tickers
        Grid rows: the tickers in first-seen order of the checked frame.
    close, adj_close
        Clean prices, shape ``(len(tickers), len(sessions))``; NaN without a price.
    has_adj
        Per ticker, whether any clean row (on a session or not) has an ``adj_close``.
    no_return
        Cells whose return is not used although both prices are there: the session after an
        off-calendar row that moved the price (the return would span two days of moves).
    """

    sessions: pd.DatetimeIndex
    tickers: pd.Index
    close: np.ndarray
    adj_close: np.ndarray
    has_adj: np.ndarray
    no_return: np.ndarray | None = None


@dataclass(frozen=True)
class QualityReport:
    """Outcome of :func:`check_prices`.

    Attributes
    ----------
    issues
        One row per problem: ``ticker, check, date, value, action, message`` (``date`` is NaT
        for checks about a whole ticker).
    clean
        The long prices after the actions (duplicates dropped, bad prices set to NaN).
    grids
        The clean prices on the sessions (see :meth:`returns_with_close`).
    """

    issues: pd.DataFrame
    clean: pd.DataFrame
    grids: PriceGrids | None = dataclasses.field(default=None, repr=False, compare=False)

    def count(self, check: str | None = None) -> int:
        """Number of issues, of one ``check`` or in total."""
        if check is None:
            return len(self.issues)
        return int((self.issues["check"] == check).sum())

    def returns_with_close(
        self, *, price_field: PriceField = "adj_close", kind: ReturnKind = "simple"
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Returns and wide closes of the clean prices, from the grids the checks laid out.

        Parameters
        ----------
        price_field, kind
            As for :func:`~eventstudy.data.returns.compute_returns`.

        Returns
        -------
        returns, close : pandas.DataFrame
            Exactly ``returns_with_close(self.clean, sessions, price_field=price_field,
            kind=kind)`` on the sessions the prices were checked on: the rows are not matched
            to tickers and sessions a second time.

        Raises
        ------
        InputError
            For an unknown ``price_field`` or ``kind``, or a report without grids.
        """
        validate_literal(price_field, PriceField, "price_field")
        validate_literal(kind, ReturnKind, "kind")
        g = self.grids
        if g is None:
            raise InputError(
                "this quality report carries no price grids; build it with check_prices() or "
                "call eventstudy.data.returns.returns_with_close(report.clean, sessions).",
                field="grids",
            )
        close, adj, has_adj, tickers = g.close, g.adj_close, g.has_adj, g.tickers
        cut = g.no_return
        # the clean frame is sorted by ticker: its tickers come in that order
        rank = sort_rank(tickers)
        if np.any(rank != np.arange(len(rank))):
            order = np.argsort(rank)
            close, adj, has_adj, tickers = close[order], adj[order], has_adj[order], tickers[order]
            cut = None if cut is None else cut[order]
        index = g.sessions.rename("date")
        tickers = tickers.rename("ticker")
        level = close
        if price_field == "adj_close":
            # a ticker without any adjusted price (a price index) falls back to its close
            level = adj if has_adj.all() else np.where(has_adj[:, None], adj, close)
        moves = grid_returns(level, kind)
        if cut is not None:
            moves[cut] = np.nan
        returns = session_frame(moves, index, tickers)
        return returns, session_frame(close, index, tickers)


def _issue(
    ticker: str, check: str, date: pd.Timestamp | None, value: float, action: str, message: str
) -> dict[str, object]:
    return {
        "ticker": ticker,
        "check": check,
        "date": pd.NaT if date is None else pd.Timestamp(date),
        "value": float(value),
        "action": action,
        "message": message,
    }


def _set_nan(
    grids: dict[str, np.ndarray],
    clean: pd.DataFrame,
    row_of: np.ndarray,
    hit: list[tuple[int, int]],
) -> None:
    """Set both prices of the grid cells ``hit`` (and of their clean rows) to NaN."""
    at = tuple(np.array(hit).T)
    for grid in grids.values():
        grid[at] = np.nan
    rows = row_of[at]
    clean.loc[rows[rows >= 0], ["close", "adj_close"]] = np.nan


def _has_adjusted_close(clean: pd.DataFrame, col: np.ndarray, n: int) -> np.ndarray:
    """Per ticker, whether it has an ``adj_close`` that differs from its ``close`` somewhere."""
    close, adj = clean["close"].to_numpy(dtype=float), clean["adj_close"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        differs = np.abs(adj / close - 1.0) > 1e-9
    return np.bincount(col, weights=differs, minlength=n) > 0


def _guarded(
    protect: pd.DataFrame | None,
    position: dict[str, int],
    index: pd.DatetimeIndex,
    shape: tuple[int, int],
) -> np.ndarray:
    """Grid cells inside the ``protect`` windows (``ticker, first, last``, dates inclusive)."""
    marks = np.zeros((shape[0], shape[1] + 1), dtype=np.int64)
    if protect is not None and len(protect):
        k = protect["ticker"].astype(str).map(position).to_numpy(dtype=float)
        known = np.isfinite(k)
        k = k[known].astype(np.intp)
        first = to_naive_dates(pd.DatetimeIndex(protect["first"]))[known]
        last = to_naive_dates(pd.DatetimeIndex(protect["last"]))[known]
        np.add.at(marks, (k, index.searchsorted(first, side="left")), 1)
        np.add.at(marks, (k, index.searchsorted(last, side="right")), -1)
    return np.cumsum(marks, axis=1)[:, : shape[1]] > 0


def _off_calendar(
    clean: pd.DataFrame,
    col: np.ndarray,
    on: np.ndarray | None,
    index: pd.DatetimeIndex,
    grids: dict[str, np.ndarray],
    order: list[str],
    calendar: str,
    issues: list[dict[str, object]],
) -> np.ndarray | None:
    """Flag priced rows between two sessions on a day that is not one; cut the return after.

    A row that moved the price from the session before it means the next session's return
    would span two days of moves, so that return is marked unused (the returned mask). A row
    that repeats the previous close (a holiday quote) changes nothing. Raises when a ticker has
    :data:`OFF_CALENDAR_SHARE` of its rows off the calendar.
    """
    if on is None or not len(index):
        return None
    day = clean["date"].to_numpy(dtype="datetime64[ns]")
    close = clean["close"].to_numpy(dtype=float)
    adj = clean["adj_close"].to_numpy(dtype=float)
    priced = np.isfinite(close) | np.isfinite(adj)
    inside = priced & (day >= index[0].to_datetime64()) & (day <= index[-1].to_datetime64())
    off = np.flatnonzero(inside & ~on)
    if not len(off):
        return None
    n = len(order)
    counts = np.bincount(col[off], minlength=n)
    rows_in = np.bincount(col[inside], minlength=n)
    worst = int(np.argmax(counts / np.maximum(rows_in, 1)))
    if counts[worst] >= max(OFF_CALENDAR_MIN, OFF_CALENDAR_SHARE * rows_in[worst]):
        dates = pd.DatetimeIndex(day[off[col[off] == worst]])
        many = int((counts >= np.maximum(OFF_CALENDAR_MIN, OFF_CALENDAR_SHARE * rows_in)).sum())
        raise DataQualityError(
            f"{order[worst]} has {counts[worst]} of {rows_in[worst]} price rows "
            f"({counts[worst] / rows_in[worst]:.0%}) on days that are not {calendar} sessions "
            f"(e.g. {', '.join(f'{d:%a %Y-%m-%d}' for d in dates[:3])}"
            + (f"; {many} tickers like this" if many > 1 else "")
            + "); the dates look shifted or the calendar is not theirs: fix the dates, set the "
            'exchange\'s calendar, or set calendar = "data".',
            field="date",
            value=order[worst],
        )
    k = col[off]
    nxt = index.searchsorted(pd.DatetimeIndex(day[off]), side="left")
    before = nxt - 1
    same = np.ones(len(off), dtype=bool)
    for field, values in (("close", close), ("adj_close", adj)):
        last = grids[field][k, before]
        here = values[off]
        same &= (here == last) | (np.isnan(here) & np.isnan(last))
    cut = np.zeros(grids["close"].shape, dtype=bool)
    cut[k[~same], nxt[~same]] = True
    for t in np.flatnonzero(counts):
        mine = col[off] == t
        dates = pd.DatetimeIndex(day[off[mine]])
        moved = int((~same[mine]).sum())
        listed = ", ".join(f"{d:%Y-%m-%d}" for d in dates[:3]) + (", ..." if len(dates) > 3 else "")
        issues.append(
            _issue(
                order[t],
                "off_calendar",
                dates[0],
                len(dates),
                f"rows left out; {moved} next-session returns set to NaN",
                f"{order[t]} has {len(dates)} rows on days that are not {calendar} sessions "
                f"({listed}); they are left out, and the return of the session after each of "
                f"the {moved} that moved the price is NaN so that no return spans two days "
                '(set calendar = "data" if these are trading days).',
            )
        )
    return cut if cut.any() else None


def _row_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of True along the rows of a 2-D ``mask``, ordered by row then start.

    Returns
    -------
    row, start, length : numpy.ndarray
        Row of each run, its first column and its number of columns.
    """
    rows, cols = mask.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)  # a False column on both ends of each row
    padded[:, 1:-1] = mask
    edges = np.flatnonzero(np.diff(padded.ravel()))
    rise, fall = edges[::2] + 1, edges[1::2] + 1
    return rise // (cols + 2), rise % (cols + 2) - 1, fall - rise


def check_prices(
    prices: pd.DataFrame,
    sessions: pd.DatetimeIndex,
    *,
    max_gap: int = 5,
    stale_days: int = 10,
    split_bound: float = 0.15,
    tickers: Sequence[str] | None = None,
    protect: pd.DataFrame | None = None,
    calendar: str = "the study's calendar",
) -> QualityReport:
    r"""Check prices for duplicates, bad values, off-calendar rows, slips, splits, gaps, stale quotes.

    Parameters
    ----------
    prices
        Canonical long frame (``date, ticker, close, adj_close, volume``).
    sessions
        The study's trading sessions; gaps, stale runs and splits are judged on them.
    max_gap
        Longest run of missing sessions inside a ticker's range that is not flagged.
    stale_days
        Flag ``close`` unchanged for this many consecutive sessions or more.
    split_bound
        Absolute simple return above which a day is tested for an unadjusted split.
    tickers
        Tickers that were requested; any without a price on a session is flagged ``no_data``.
        Tickers present in ``prices`` but without a price on any session are flagged too.
    protect
        Event windows (``ticker, first, last``, session dates inclusive): a suspected split
        inside one is flagged but kept, since a crash there is what an event study measures.
    calendar
        Name of the calendar ``sessions`` come from, for the messages (e.g. ``"XNYS"``).

    Returns
    -------
    QualityReport
        ``issues`` (see :data:`ISSUE_COLUMNS`) and the cleaned prices.

    Raises
    ------
    InputError
        If an option is out of range or ``prices`` lacks a canonical column.
    DataQualityError
        If a ticker has :data:`OFF_CALENDAR_SHARE` (10%) of its rows, and at least
        :data:`OFF_CALENDAR_MIN`, on days that are not sessions (dates shifted by a day, or
        another exchange's calendar).

    Notes
    -----
    Checks run in the order of :data:`CHECKS`; spikes and splits are judged on consecutive
    sessions (see :mod:`eventstudy.data.jumps`). A spike's price is set to NaN, so the two
    returns touching it are missing. A split is acted on only with its evidence: the price
    ratio within :data:`~eventstudy.data.jumps.SPLIT_TOLERANCE` of a common split's and the new
    level holding; a jump in ``close`` that ``adj_close`` does not share, or one inside a
    ``protect`` window, is flagged and kept. Otherwise both prices of day :math:`t` are set to
    NaN so neither that return nor the next one enters a study. An off-calendar row is left out;
    when it moved the price, the next session's return is set to NaN (it would span two days).
    """
    for label, value, low in (("max_gap", max_gap, 0), ("stale_days", stale_days, 2)):
        if not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{label}={value!r} must be a whole number >= {low}.", field=label)
    if not (isinstance(split_bound, int | float) and 0 < split_bound):
        raise InputError(
            f"split_bound={split_bound!r} must be a positive fraction such as 0.45.",
            field="split_bound",
        )
    missing = [c for c in PRICE_COLUMNS if c not in prices.columns]
    if missing:
        raise InputError(
            f"prices lack column(s) {', '.join(missing)}; pass the frame a price provider "
            "returned.",
            field=missing[0],
        )
    index = to_naive_dates(sessions)
    issues: list[dict[str, object]] = []
    frame = prices[list(PRICE_COLUMNS)]
    dates = row_dates(frame["date"])
    names = frame["ticker"].astype(str)
    # Tickers become integer codes once (first-seen order); every later step works on them.
    codes, uniques = ticker_codes(names)
    order = [str(t) for t in uniques]

    # duplicate_date: keep the last row of each (ticker, date); the kept rows come out sorted by
    # ticker, then date.
    keys = key_runs(sort_rank(uniques)[codes], dates.asi8)
    rows = keys.last_rows()
    if keys.starts is not None and rows is not None:
        sizes = keys.sizes()
        for group in np.flatnonzero(sizes > 1):
            r = int(rows[group])
            ticker, date, n = uniques[codes[r]], dates[r], sizes[group]
            if pd.isna(ticker) or pd.isna(date):  # as groupby: a missing key is not counted
                continue
            issues.append(
                _issue(
                    str(ticker),
                    "duplicate_date",
                    date,
                    n,
                    "kept last row",
                    f"{ticker} has {n} rows for {date:%Y-%m-%d}; the last one is used.",
                )
            )

    def pick(values: pd.Series | pd.Index) -> pd.Series:
        kept = values if rows is None else values.take(rows)
        return pd.Series(kept).reset_index(drop=True)

    columns = {"date": pick(dates), "ticker": pick(names)}
    columns.update({col: pick(frame[col]) for col in ("close", "adj_close", "volume")})
    clean = pd.DataFrame(columns, copy=False)  # copy-on-write keeps the input untouched
    col = codes if rows is None else codes[rows]
    day = clean["date"]

    # non_positive_price: zero or negative close/adj_close -> NaN.
    bad = (clean["close"] <= 0) | (clean["adj_close"] <= 0)
    bad_rows = np.flatnonzero(bad.to_numpy())
    if len(bad_rows):
        close_at, adj_at = clean["close"].to_numpy(), clean["adj_close"].to_numpy()
        for i in bad_rows:
            ticker, date = order[col[i]], day.iat[i]
            value = close_at[i] if close_at[i] <= 0 else adj_at[i]
            field = "close" if close_at[i] <= 0 else "adj_close"
            issues.append(
                _issue(
                    ticker,
                    "non_positive_price",
                    date,
                    value,
                    "prices set to NaN",
                    f"{ticker} has {field} {value:g} on {date:%Y-%m-%d}; prices must be "
                    "positive, so that day's prices are not used.",
                )
            )
        clean.loc[bad, ["close", "adj_close"]] = np.nan

    # Lay the prices on the sessions once: one row per ticker (first-seen order), one column per
    # session, so that each ticker's series is contiguous.
    n_days = len(index)
    cells, on = session_cells(col, session_positions(index, pd.DatetimeIndex(day)), n_days)
    shape = (len(order), n_days)
    grids = {}
    for field in ("close", "adj_close"):
        flat = np.full(shape[0] * shape[1], np.nan)
        values = clean[field].to_numpy(dtype=float)
        flat[cells] = values if on is None else values[on]
        grids[field] = flat.reshape(shape)

    row_of = np.full(shape[0] * shape[1], -1, dtype=np.int64)  # clean row of each grid cell
    row_of[cells] = np.arange(len(col)) if on is None else np.flatnonzero(on)
    row_of = row_of.reshape(shape)
    guarded = _guarded(protect, {t: k for k, t in enumerate(order)}, index, shape)

    # off_calendar: rows between the first and last session on a day that is not one of them
    no_return = _off_calendar(clean, col, on, index, grids, order, calendar, issues)

    # price_spike: one price far off both neighbours (a decimal slip) is not used
    nulled: list[tuple[int, int]] = []
    for field in ("close", "adj_close"):
        values = grids[field]
        for k, j in find_spikes(values):  # a spike in close is gone from adj_close by now
            nulled.append((int(k), int(j)))
            ticker, date, price = order[k], index[j], values[k, j]
            ratio = price / values[k, j - 1]
            where = " (inside an event window)" if guarded[k, j] else ""
            issues.append(
                _issue(
                    ticker,
                    "price_spike",
                    date,
                    ratio,
                    "price set to NaN",
                    f"{ticker} {field} {price:g} on {date:%Y-%m-%d}{where} is "
                    f"{max(ratio, 1 / ratio):.0f}x {'above' if ratio > 1 else 'below'} the "
                    f"sessions either side ({values[k, j - 1]:g}, {values[k, j + 1]:g}), a "
                    "one-day slip such as a misplaced decimal point, so that price is not used "
                    "and the two returns touching it are missing.",
                )
            )
        if nulled:
            _set_nan(grids, clean, row_of, nulled)
            nulled = []

    # suspected_split: a jump to a split ratio that holds, without an adjusted close that
    # explains it and outside the event windows (there the move is what the study measures)
    adjusted = _has_adjusted_close(clean, col, len(order))
    split_cells: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for field in ("close", "adj_close"):
        found = split_candidates(grids[field], split_bound)
        for i in np.flatnonzero(found.evident):
            k, j = int(found.row[i]), int(found.col[i])
            if (k, j) in seen:
                continue
            seen.add((k, j))
            ratio = float(found.ratio[i])
            p, q = SPLITS[found.split[i]]
            ticker, date = order[k], index[j]
            head = (
                f"{ticker} {field} moves {ratio - 1.0:+.1%} on {date:%Y-%m-%d} (price ratio "
                f"{ratio:.4f}, within {SPLIT_TOLERANCE:.0%} of a {split_label(p, q)} split, and "
                "the new level holds)"
            )
            both = np.isclose(
                grids["adj_close"][k, j] / grids["adj_close"][k, j - 1],
                grids["close"][k, j] / grids["close"][k, j - 1],
                rtol=0.02,
            )
            if adjusted[k] and both and max(p, q) < 2 * min(p, q):
                # a fractional split (3-for-2, 5-for-4, ...) looks like a news day; a ticker with
                # its own adjusted close, moving too, vouches that the move is real
                continue
            if field == "close" and adjusted[k] and not both:
                action = "kept: adj_close is adjusted"
                tail = (
                    "; adj_close does not jump, so returns from adj_close are right; with "
                    "price_field='close' supply split-adjusted prices."
                )
            elif guarded[k, j]:
                action = "kept: inside an event window"
                tail = (
                    "; it lies inside an event window, so it is kept as a real move: if it is a "
                    "split, supply split-adjusted prices."
                )
            else:
                action = "prices set to NaN"
                tail = (
                    "; the prices look unadjusted, so that day's prices are not used; supply "
                    "split-adjusted prices."
                )
                split_cells.append((k, j))
            issues.append(_issue(ticker, "suspected_split", date, ratio, action, head + tail))
    if split_cells:
        _set_nan(grids, clean, row_of, split_cells)
    has_price = np.isfinite(grids["close"]) | np.isfinite(grids["adj_close"])
    has_adj = np.zeros(len(uniques), dtype=bool)  # any adj_close at all, on a session or not
    has_adj[col[np.isfinite(clean["adj_close"].to_numpy(dtype=float))]] = True
    layout = PriceGrids(
        sessions=index,
        tickers=uniques,
        close=grids["close"],
        adj_close=grids["adj_close"],
        has_adj=has_adj,
        no_return=no_return,
    )

    # gap, stale_price, no_data on the cleaned prices, run by run over the whole grid.
    has_any = has_price.any(axis=1)
    gaps: dict[int, list[tuple[int, int]]] = {}
    if n_days and has_any.any():
        first = has_price.argmax(axis=1)[:, None]
        last = n_days - 1 - has_price[:, ::-1].argmax(axis=1)[:, None]
        at = np.arange(n_days)
        missing = ~has_price & (at >= first) & (at <= last) & has_any[:, None]
        for k, start, length in zip(*_row_runs(missing), strict=True):
            if length > max_gap:
                gaps.setdefault(int(k), []).append((int(start), int(length)))
    same = np.zeros(shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        np.equal(grids["close"][:, 1:], grids["close"][:, :-1], out=same[:, 1:])
    stale: dict[int, list[tuple[int, int]]] = {}
    for k, start, length in zip(*_row_runs(same), strict=True):
        if length + 1 >= stale_days:
            stale.setdefault(int(k), []).append((int(start), int(length)))

    present = set(order)
    position = {t: k for k, t in enumerate(order)}
    for ticker in list(tickers or []):
        if str(ticker) not in present:
            order.append(str(ticker))
    for ticker in order:
        k = position[ticker] if ticker in present else -1
        if k < 0 or not has_any[k]:
            why = (
                "is absent from the prices"
                if ticker not in present
                else ("has no price on any of the study's sessions")
            )
            issues.append(
                _issue(
                    ticker,
                    "no_data",
                    None,
                    np.nan,
                    "flagged",
                    f"{ticker} {why} ({index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}); check the "
                    "ticker and the price source.",
                )
            )
            continue
        for start, length in gaps.get(k, ()):
            date = index[start]
            issues.append(
                _issue(
                    ticker,
                    "gap",
                    date,
                    length,
                    "flagged",
                    f"{ticker} has no price for {length} sessions in a row from "
                    f"{date:%Y-%m-%d} (more than {max_gap}); returns there are NaN.",
                )
            )
        for start, length in stale.get(k, ()):
            sessions_flat = length + 1  # the first day of the run carries the price too
            date = index[start - 1]
            issues.append(
                _issue(
                    ticker,
                    "stale_price",
                    date,
                    sessions_flat,
                    "flagged",
                    f"{ticker} close stays at {grids['close'][k, start]:g} for {sessions_flat} "
                    f"sessions from {date:%Y-%m-%d} (limit {stale_days}); the quote may be "
                    "stale.",
                )
            )

    table = _issue_table(issues)
    if len(table):
        rank = {c: i for i, c in enumerate(CHECKS)}
        table = (
            table.assign(_rank=table["check"].map(rank))
            .sort_values(["_rank", "ticker", "date"], kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
        summary = table.groupby("check", sort=False).size()
        warnings.warn(
            "price data-quality checks flagged "
            + ", ".join(f"{n} {c}" for c, n in summary.items())
            + "; see the data-quality table for each ticker and date.",
            DataQualityWarning,
            stacklevel=2,
        )
    return QualityReport(issues=table, clean=clean, grids=layout)


def _issue_table(issues: list[dict[str, object]]) -> pd.DataFrame:
    """Issue records as a table with the :data:`ISSUE_COLUMNS` dtypes."""
    table = pd.DataFrame.from_records(issues, columns=list(ISSUE_COLUMNS))
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ns]")
    table["value"] = table["value"].astype(float)
    for col in ("ticker", "check", "action", "message"):
        table[col] = table[col].astype(str)
    return table


def add_issues(issues: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``issues`` followed by ``more`` (both with :data:`ISSUE_COLUMNS`), index renumbered."""
    if not len(more):
        return issues
    if not len(issues):
        return more.reset_index(drop=True)
    return pd.concat([issues, more], ignore_index=True)


def check_benchmark(
    returns: pd.Series,
    day0: np.ndarray,
    estimation: tuple[int, int],
    *,
    calendar: str,
    max_missing: float = BENCHMARK_MISSING,
) -> pd.DataFrame:
    """Flag a benchmark without returns on many estimation-window sessions (another calendar).

    A benchmark that trades on another exchange (``^N225`` in an XNYS study) has no return on
    that exchange's holidays and after each of them, and the market model loses those days.

    Parameters
    ----------
    returns
        The benchmark's returns on the study's sessions (named after the ticker).
    day0
        Day 0 of every firm-event (sessions of ``returns.index``).
    estimation
        The estimation window ``(start, end)`` in sessions relative to day 0.
    calendar
        Name of the study's calendar, for the message.
    max_missing
        Largest share of the estimation-window sessions (their union over firm-events) without
        a benchmark return that is not flagged.

    Returns
    -------
    pandas.DataFrame
        No row, or one ``benchmark_calendar`` row (value: the missing share; date: the first
        such session); a :class:`~eventstudy.errors.DataQualityWarning` says the same.
    """
    index = returns.index
    n = len(index)
    at = index.searchsorted(pd.DatetimeIndex(day0))
    marks = np.zeros(n + 1, dtype=np.int64)  # the union of every estimation window
    np.add.at(marks, np.clip(at + int(estimation[0]), 0, n), 1)
    np.add.at(marks, np.clip(at + int(estimation[1]) + 1, 0, n), -1)
    used = np.cumsum(marks)[:n] > 0
    missing = used & np.isnan(returns.to_numpy(dtype=float))
    total, lost = int(used.sum()), int(missing.sum())
    if not total or lost <= max_missing * total:
        return _issue_table([])
    ticker = str(returns.name)
    message = (
        f"benchmark {ticker} has no return on {lost} of {total} estimation-window sessions "
        f"({lost / total:.0%}) of the {calendar} calendar; it likely trades on another calendar, "
        f"which leaves the market model short of data: choose a benchmark that trades on "
        f"{calendar}, set the study's calendar to the benchmark's exchange, or set "
        'calendar = "data".'
    )
    warnings.warn(message, DataQualityWarning, stacklevel=2)
    first = index[np.argmax(missing)]
    return _issue_table(
        [_issue(ticker, "benchmark_calendar", first, lost / total, "flagged", message)]
    )
