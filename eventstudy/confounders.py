"""Flag firm-event windows that contain a confounding event.

A confounder (an event of kind ``"confounder"``) contaminates the window of a firm-event when it
applies to that firm (its ``tickers``, or every firm when it names none) and its aligned session
falls inside the window, both ends included.
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


def label_windows(car: pd.DataFrame, flags: pd.DataFrame) -> pd.Series:
    """For each CAR row, the confounder ids inside its window (``"; "``-joined, empty if none)."""
    if flags.empty:
        return pd.Series("", index=car.index)
    keys = ["event_id", "ticker", "window_start", "window_end"]
    joined = flags.groupby(keys)["confounder_id"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    labels = car[keys].merge(joined.reset_index(), on=keys, how="left")["confounder_id"]
    return pd.Series(labels.fillna("").to_numpy(), index=car.index)
