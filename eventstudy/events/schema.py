"""Frozen description of an event study: events, tickers, windows and reported claims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

EventKind = Literal["event", "confounder"]

DEFAULT_ESTIMATION: tuple[int, int] = (-250, -11)
DEFAULT_WINDOWS: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))


@dataclass(frozen=True)
class Event:
    """One dated piece of news.

    Attributes
    ----------
    id
        Unique identifier, used in every output table.
    date
        Calendar date of the announcement (local to ``timezone``).
    title, description, sources
        Free text and links, carried into the report.
    time
        Time of the announcement, or ``None`` when unknown (then ``date`` is day 0 if it is a
        session, otherwise the next session).
    timezone
        IANA name of the zone of ``time`` (default ``America/New_York``).
    kind
        ``"event"`` (studied) or ``"confounder"`` (other news that may contaminate windows).
    tickers
        Firms this event applies to; ``None`` means every ticker of the study. Confounders with
        ``None`` affect every firm.
    """

    id: str
    date: dt.date
    title: str = ""
    time: dt.time | None = None
    timezone: str = "America/New_York"
    description: str = ""
    sources: tuple[str, ...] = ()
    kind: EventKind = "event"
    tickers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Claim:
    """A reported figure to compare with the computed one.

    Attributes
    ----------
    id
        Short label, e.g. ``"NVDA+AVGO 2025-01-27"``.
    tickers
        Firms whose market-value changes are summed.
    date
        Day of the reported change (a session).
    value_usd
        Reported market-value change in USD (negative for a loss).
    source
        Where it was reported (title and URL).
    window
        Session offsets around ``date`` over which the computed change is summed (default ``(0, 0)``).
    event_id
        Event the claim belongs to, when given.
    """

    id: str
    tickers: tuple[str, ...]
    date: dt.date
    value_usd: float
    source: str = ""
    window: tuple[int, int] = (0, 0)
    event_id: str | None = None


@dataclass(frozen=True)
class EventSet:
    """A whole study definition, as read from an event file.

    Attributes
    ----------
    name
        Study name; also the default output folder name (sanitised before use as a path).
    events
        Studied events and confounders.
    tickers
        Default firms of every event without its own ``tickers``.
    market
        Benchmark ticker for the market model (default ``SPY``).
    estimation
        Estimation window in sessions relative to day 0, inclusive (default ``(-250, -11)``).
    windows
        Event windows, inclusive at both ends.
    claims
        Reported figures to compare with.
    shares
        Share-count overrides ``{ticker: shares}`` taken from the event file.
    exchanges
        Calendar per ticker (exchange_calendars code, e.g. ``XTKS``); others use ``calendar``.
    calendar
        Default exchange calendar (``XNYS``).
    benchmarks
        Extra benchmarks for the sensitivity table (e.g. ``("QQQ", "SMH")``).
    benchmark_market_values
        Total market value (USD) of benchmarks ``{ticker: value}``, e.g. the S&P 500's for SPY,
        used to measure the event firms' weight in their own benchmark.
    source
        File the set was read from, for messages.
    characteristics
        Firm-event characteristics of a CSV or DataFrame sample: columns ``event_id``,
        ``ticker`` and one column per extra input column (e.g. ``surprise``, ``size``), one row
        per firm-event; ``None`` when there are none. Carried into the CAR table.
    """

    name: str
    events: tuple[Event, ...]
    tickers: tuple[str, ...] = ()
    market: str = "SPY"
    estimation: tuple[int, int] = DEFAULT_ESTIMATION
    windows: tuple[tuple[int, int], ...] = DEFAULT_WINDOWS
    claims: tuple[Claim, ...] = ()
    shares: dict[str, float] = field(default_factory=dict)
    exchanges: dict[str, str] = field(default_factory=dict)
    calendar: str = "XNYS"
    benchmarks: tuple[str, ...] = ()
    benchmark_market_values: dict[str, float] = field(default_factory=dict)
    source: str = ""
    characteristics: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    @property
    def studied(self) -> tuple[Event, ...]:
        """Events of kind ``"event"`` (not confounders)."""
        return tuple(e for e in self.events if e.kind == "event")

    @property
    def confounders(self) -> tuple[Event, ...]:
        """Events of kind ``"confounder"``."""
        return tuple(e for e in self.events if e.kind == "confounder")

    @property
    def main_event_id(self) -> str:
        """The event the claims refer to, else the first studied event."""
        for claim in self.claims:
            if claim.event_id:
                return claim.event_id
        return self.studied[0].id if self.studied else ""

    def tickers_of(self, event: Event) -> tuple[str, ...]:
        """Firms the event applies to."""
        return event.tickers if event.tickers is not None else self.tickers

    def all_tickers(self) -> tuple[str, ...]:
        """Every firm named anywhere in the set (events, study tickers, claims), in first-seen order."""
        seen: dict[str, None] = dict.fromkeys(self.tickers)
        for e in self.studied:
            seen.update(dict.fromkeys(self.tickers_of(e)))
        return tuple(seen)
