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
) -> pd.DataFrame:
    """One row per firm-event window (event or estimation) holding another studied event.

    Another firm-event of the same ticker whose day 0 lies inside a firm-event's event window,
    or inside its estimation window, is listed like a marked confounder (the estimation window's
    rows carry its bounds as ``window_start``/``window_end``). Found by sorting the firm-events
    on (ticker, day-0 session) and a binary search per firm-event: linear in firm-events plus
    the overlaps found.

    Parameters
    ----------
    events
        The study definition (for the events' titles).
    sample
        The firm-events (``pairs``) and the panel's sessions (``dates``); day-0 offsets are
        counted on those sessions, as the windows are.
    windows
        Event windows to check, beside ``sample.estimation``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.
    """
    pairs = sample.pairs
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
    lo_rel = min(est[0], *(w[0] for w in windows))
    hi_rel = max(est[1], *(w[1] for w in windows))
    left = np.searchsorted(sorted_key, key + lo_rel, side="left")
    right = np.searchsorted(sorted_key, key + hi_rel, side="right")
    counts = right - left
    total = int(counts.sum())
    if total <= len(placed):  # each firm-event finds only itself
        return pd.DataFrame(columns=COLUMNS)
    mine = np.repeat(np.arange(len(placed)), counts)
    starts = np.cumsum(counts) - counts
    other = order[np.repeat(left, counts) + np.arange(total) - np.repeat(starts, counts)]
    keep = other != mine
    mine, other = placed[mine[keep]], placed[other[keep]]
    rel = pos[other] - pos[mine]
    parts = [(est, (rel >= est[0]) & (rel <= est[1]))]
    parts += [((a, b), (rel >= a) & (rel <= b)) for a, b in windows]
    i = np.concatenate([mine[m] for _, m in parts])
    if not len(i):
        return pd.DataFrame(columns=COLUMNS)
    j = np.concatenate([other[m] for _, m in parts])
    starts_ = np.concatenate([np.full(int(m.sum()), w[0]) for w, m in parts])
    ends = np.concatenate([np.full(int(m.sum()), w[1]) for w, m in parts])
    # firm-event by firm-event (a stable sort keeps the estimation window first, then the
    # windows in order)
    order = np.argsort(i, kind="stable")
    i, j, starts_, ends = i[order], j[order], starts_[order], ends[order]
    titles = {e.id: e.title for e in events.studied if e.title}
    # the id and ticker columns are taken from the pairs' own (no Python object per row)
    other_ids = pairs["event_id"].take(j).reset_index(drop=True)
    return pd.DataFrame(
        {
            "event_id": pairs["event_id"].take(i).reset_index(drop=True),
            "ticker": pairs["ticker"].take(i).reset_index(drop=True),
            "window_start": starts_.astype(np.int64),
            "window_end": ends.astype(np.int64),
            "confounder_id": other_ids,
            "confounder_title": other_ids.map(titles).fillna("") if titles else "",
            "confounder_day0": pd.DatetimeIndex(pairs["day0"]).take(j),
            "confounder_rel_day": (pos[j] - pos[i]).astype(np.int64),
        },
        columns=COLUMNS,
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
