"""Flag firm-event windows that contain a confounding event.

A confounder (an event of kind ``"confounder"``) contaminates the window of a firm-event when it
applies to that firm (its ``tickers``, or every firm when it names none) and its aligned session
falls inside the window, both ends included.

A studied event is flagged the same way when its day 0 falls inside the event window or the
estimation window of another studied event of the same firm (:func:`flag_overlaps`): its news
moves the other event's abnormal returns, or its normal-return estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._types import WindowSpec
from .events.schema import Event, EventSet
from .sample import EventSample

COLUMNS = [
    "event_id",
    "ticker",
    "window_start",
    "window_end",
    "confounder_id",
    "confounder_title",
    "confounder_day0",
    "confounder_rel_day",
]


def flag_confounders(
    events: EventSet,
    sample: EventSample,
    windows: tuple[WindowSpec, ...],
    align: Callable[[Event, str], pd.Timestamp],
) -> pd.DataFrame:
    """One row per firm-event window that contains a confounder.

    Parameters
    ----------
    events
        The study definition; its confounders are checked.
    sample
        The firm-events (``pairs`` with ``calendar``) and their event-span positions.
    windows
        Event windows to check.
    align
        ``align(event, calendar_name) -> session``: day 0 of a confounder on a calendar.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``confounder_rel_day`` is the confounder's session relative to the
        firm-event's day 0.
    """
    confounders = events.confounders
    if not confounders:
        return pd.DataFrame(columns=COLUMNS)
    pairs = sample.pairs
    dates = np.append(sample.dates.to_numpy(), np.datetime64("NaT"))
    span_dates = dates[sample.evt_pos]  # (n, W)
    records = []
    calendars = (
        pairs["calendar"] if "calendar" in pairs else pd.Series(events.calendar, pairs.index)
    )
    for conf in confounders:
        applies = (
            np.ones(len(pairs), bool)
            if conf.tickers is None
            else pairs["ticker"].isin(conf.tickers).to_numpy()
        )
        for cal in pd.unique(calendars[applies]):
            day = np.datetime64(align(conf, str(cal)))
            rows = np.flatnonzero(applies & (calendars.to_numpy() == cal))
            hit = span_dates[rows] == day  # where in the span the confounder sits
            for i, row in enumerate(rows):
                cols = np.flatnonzero(hit[i])
                if not len(cols):
                    continue
                rel = int(sample.rel_days[cols[0]])
                for start, end in windows:
                    if start <= rel <= end:
                        records.append(
                            (
                                pairs.at[row, "event_id"],
                                pairs.at[row, "ticker"],
                                start,
                                end,
                                conf.id,
                                conf.title,
                                pd.Timestamp(day),
                                rel,
                            )
                        )
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def flag_overlaps(
    events: EventSet,
    sample: EventSample,
    windows: tuple[WindowSpec, ...],
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Firm-event windows (event or estimation) holding another studied event of the same firm.

    Another firm-event of the same ticker whose day 0 lies inside a firm-event's event window is
    listed like a marked confounder, one row each, while such overlaps number at most
    ``max_rows``; in a denser sample (e.g. many random dates per firm) each firm-event gets one
    row for its whole event span instead, naming the first other event and how many more. Inside the estimation window only one row per
    firm-event is written, naming the first such event and, in its title, how many more there
    are (the row carries the estimation window's bounds as ``window_start``/``window_end``): in
    a dense sample every estimation window holds dozens, and a row per pair would grow faster
    than the sample. Found by sorting the firm-events on (ticker, day-0 session) and binary
    searches: linear in firm-events plus the event-window overlaps found.

    Parameters
    ----------
    events
        The study definition (for the events' titles).
    sample
        The firm-events (``pairs``) and the panel's sessions (``dates``); day-0 offsets are
        counted on those sessions, as the windows are.
    windows
        Event windows to check, beside ``sample.estimation``.
    max_rows
        Most event-window rows written one per overlap (default: twice the firm-events, at least
        100,000); beyond it each firm-event gets one row for its event span.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.
    """
    pairs = sample.pairs
    n = len(pairs)
    pos = sample.dates.get_indexer(pd.DatetimeIndex(pairs["day0"])).astype(np.int64)
    codes, _ = pd.factorize(pairs["ticker"])
    placed = np.flatnonzero(pos >= 0)
    if len(placed) < 2:
        return pd.DataFrame(columns=COLUMNS)
    width = len(sample.dates) + 1
    key = codes[placed].astype(np.int64) * width + pos[placed]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    est = sample.estimation
    # event windows: one row per overlap while they are few; in a denser sample one row per
    # firm-event for the whole event span, with a count
    lo_rel, hi_rel = min(w[0] for w in windows), max(w[1] for w in windows)
    span_left = np.searchsorted(sorted_key, key + lo_rel, side="left")
    span_count = np.searchsorted(sorted_key, key + hi_rel, side="right") - span_left
    span_count -= int(lo_rel <= 0 <= hi_rel)  # the firm-event itself
    if int(span_count.sum()) <= (max_rows if max_rows is not None else max(2 * n, 100_000)):
        mine, other, starts_, ends = _window_overlaps(sorted_key, order, key, placed, pos, windows)
        span_more = np.zeros(len(mine), np.int64)
    else:
        mine, other, span_more = _first_others(order, placed, span_left, span_count, lo_rel, hi_rel)
        starts_ = np.full(len(mine), lo_rel, np.int64)
        ends = np.full(len(mine), hi_rel, np.int64)
    # estimation window: one row per firm-event, naming the first other event and the count
    # (in a dense sample each window holds dozens, and a row per pair would not be linear)
    left = np.searchsorted(sorted_key, key + est[0], side="left")
    count = np.searchsorted(sorted_key, key + est[1], side="right") - left
    held = np.flatnonzero(count > 0)
    e_mine, e_other = placed[held], placed[order[left[held]]]
    i = np.concatenate([e_mine, mine])
    if not len(i):
        return pd.DataFrame(columns=COLUMNS)
    j = np.concatenate([e_other, other])
    starts_ = np.concatenate([np.full(len(held), est[0]), starts_])
    ends = np.concatenate([np.full(len(held), est[1]), ends])
    more = np.concatenate([count[held] - 1, span_more])
    # firm-event by firm-event (a stable sort keeps the estimation window first, then the
    # windows in order)
    order = np.argsort(i, kind="stable")
    i, j, starts_, ends, more = i[order], j[order], starts_[order], ends[order], more[order]
    titles = {e.id: e.title for e in events.studied if e.title}
    # the id and ticker columns are taken from the pairs' own (no Python object per row)
    other_ids = pairs["event_id"].take(j).reset_index(drop=True)
    title = other_ids.map(titles).fillna("") if titles else pd.Series("", index=other_ids.index)
    if (more > 0).any():
        extra = pd.Series(more).map(lambda k: f" (and {k} more studied events of the firm)")
        title = title.where(more == 0, title + extra.where(more > 0, ""))
    return pd.DataFrame(
        {
            "event_id": pairs["event_id"].take(i).reset_index(drop=True),
            "ticker": pairs["ticker"].take(i).reset_index(drop=True),
            "window_start": starts_.astype(np.int64),
            "window_end": ends.astype(np.int64),
            "confounder_id": other_ids,
            "confounder_title": title.str.strip() if (more > 0).any() else title,
            "confounder_day0": pd.DatetimeIndex(pairs["day0"]).take(j),
            "confounder_rel_day": (pos[j] - pos[i]).astype(np.int64),
        },
        columns=COLUMNS,
    )


def _first_others(
    order: np.ndarray,
    placed: np.ndarray,
    left: np.ndarray,
    count: np.ndarray,
    lo_rel: int,
    hi_rel: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(firm-event, first other event in the span, how many more) for each firm-event with any."""
    held = np.flatnonzero(count > 0)
    first = left[held]
    if lo_rel <= 0 <= hi_rel:
        # the firm-event itself is in its own span: skip it when it comes first
        first = first + (order[first] == held)
    return placed[held], placed[order[first]], count[held] - 1


def _window_overlaps(
    sorted_key: np.ndarray,
    order: np.ndarray,
    key: np.ndarray,
    placed: np.ndarray,
    pos: np.ndarray,
    windows: tuple[WindowSpec, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(firm-event, other, window start, window end) for each other event in an event window."""
    lo_rel = min(w[0] for w in windows)
    hi_rel = max(w[1] for w in windows)
    left = np.searchsorted(sorted_key, key + lo_rel, side="left")
    counts = np.searchsorted(sorted_key, key + hi_rel, side="right") - left
    total = int(counts.sum())
    empty = np.empty(0, np.int64)
    if total <= len(placed):  # each firm-event finds only itself
        return empty, empty, empty, empty
    mine = np.repeat(np.arange(len(placed)), counts)
    starts = np.cumsum(counts) - counts
    other = order[np.repeat(left, counts) + np.arange(total) - np.repeat(starts, counts)]
    keep = other != mine
    mine, other = placed[mine[keep]], placed[other[keep]]
    rel = pos[other] - pos[mine]
    parts = [((a, b), (rel >= a) & (rel <= b)) for a, b in windows]
    return (
        np.concatenate([mine[m] for _, m in parts]),
        np.concatenate([other[m] for _, m in parts]),
        np.concatenate([np.full(int(m.sum()), w[0], np.int64) for w, m in parts]),
        np.concatenate([np.full(int(m.sum()), w[1], np.int64) for w, m in parts]),
    )


def label_windows(car: pd.DataFrame, flags: pd.DataFrame) -> pd.Series:
    """For each CAR row, the confounder ids inside its window (``"; "``-joined, empty if none)."""
    if not flags.empty:
        # only rows of the CAR windows can label a CAR (estimation-window rows cannot)
        windows = car[["window_start", "window_end"]].drop_duplicates()
        flags = flags.merge(windows, on=["window_start", "window_end"], how="inner")
    if flags.empty:
        return pd.Series("", index=car.index)
    keys = ["event_id", "ticker", "window_start", "window_end"]
    joined = flags.groupby(keys)["confounder_id"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    labels = car[keys].merge(joined.reset_index(), on=keys, how="left")["confounder_id"]
    return pd.Series(labels.fillna("").to_numpy(), index=car.index)
