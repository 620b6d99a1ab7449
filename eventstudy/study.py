"""Orchestration: events -> prices -> model -> abnormal returns, tests and market value.

No formulas live here; each step calls the module that owns it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import numbers
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, is_not
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import engine, impact
from ._text import show
from ._types import (
    Executor,
    FactorsUnit,
    MissingInWindow,
    PriceField,
    ReturnKind,
    WindowSpec,
    validate_literal,
    validate_window,
)
from .calendar import DATA_CALENDAR, TradingCalendar
from .confounders import flag_confounders, flag_overlaps, label_windows
from .data.base import PriceProvider, SharesProvider
from .data.factors import factor_table
from .data.frames import price_source, shares_source
from .data.quality import ISSUE_COLUMNS, add_issues, check_benchmark, check_prices
from .data.returns_input import read_returns
from .errors import ClusteringWarning, InputError, ModelFitWarning, OverlapWarning
from .events.load import events_from_frame, load_events
from .events.schema import Event, EventSet
from .firm_fit import FitInputs
from .groups import BUILT_IN, group_labels, group_rows, parse_group_by
from .models import MarketModel, ReturnModel, get_model
from .models.base import ReturnFit, quad_form
from .result import StudyResult
from .sample import EventSample, span_of
from .sensitivity import benchmark_contamination, benchmark_sensitivity
from .stats import TESTS, car_t
from .stats.clustering import clustered_dates, ordered_tests

GroupBy = Literal["auto", "event", "pooled"]
"""How firm-events are grouped for the cross-sectional tests: per event, all pooled, or ``auto``
(per event plus a pooled ``ALL`` group when there are several events; pooled only beyond 50).
Besides these, ``group_by`` takes a characteristic of a CSV or DataFrame sample: ``"industry"``
(one group per value) or ``"size:5"`` (quantile groups), each beside ``ALL``
(:mod:`eventstudy.groups`)."""

Progress = Callable[[str, int, int], None]

POOLED = "ALL"


@dataclass(frozen=True)
class EventStudy:
    """An event study: the events plus every option, frozen.

    Parameters
    ----------
    events
        The study definition (see :func:`eventstudy.load_events`).
    model
        Normal-return model name or instance (default ``"market"``).
    estimation, windows, market
        Override the event file's estimation window, event windows and benchmark.
    calendar
        Override the event file's calendar: an exchange_calendars code, or ``"data"`` for the
        benchmark's own trading days (synthetic panels, non-exchange assets, 7-day markets).
    return_kind
        ``"simple"`` (default) or ``"log"`` returns.
    price_field
        ``"adj_close"`` (default; dividend-adjusted) or ``"close"``.
    missing
        A missing abnormal return inside a window makes the CAR NaN (``"nan"``) or is skipped.
    min_estimation_obs
        Fewest estimation returns a firm-event needs; default half the estimation window.
    group_by
        Grouping of firm-events for the cross-sectional tests: ``"auto"``, ``"event"``,
        ``"pooled"`` (see :data:`GroupBy`), or a characteristic, ``"industry"`` or ``"size:5"``
        for quantile groups (see :mod:`eventstudy.groups`).
    tests
        Names of the test statistics to run (default: all registered).
    factors
        Factor returns for factor models: a date-indexed DataFrame (decimal units unless
        ``factors_unit`` says otherwise) or the path of a factor file (percent, as Ken French
        publishes them); see :func:`eventstudy.data.factors.factor_table`.
    factors_unit
        ``"decimal"`` or ``"percent"``; overrides the default unit of ``factors``. Values that
        do not fit the unit raise an :class:`~eventstudy.errors.InputError` naming the column.
    volume
        Also measure abnormal trading volume (log volume, mean-adjusted over the estimation
        window; :mod:`eventstudy.volume`), written as ``abnormal_volume``, ``volume_path`` and
        ``volume_tests`` in :attr:`StudyResult.extras`; the prices need a ``volume`` column.
    executor
        Where the chunked engine runs: ``"local"`` (in-process, default; two chunks at a time
        on two threads) or ``"dask"`` (dask.distributed; see :mod:`eventstudy.engine`).
    scheduler
        Address of a running Dask scheduler; ``None`` starts a local cluster of two worker
        processes.
    chunk_size
        Firm-events estimated at a time (one Dask partition each; default 20,000, about
        0.4 GB of working arrays per chunk with a 240-day estimation window).

    Examples
    --------
    >>> from eventstudy import EventStudy, load_events
    >>> from eventstudy.data.csv import LocalPriceProvider
    >>> study = EventStudy(load_events("events/deepseek_2025.toml"))  # doctest: +SKIP
    >>> result = study.run(LocalPriceProvider("prices.csv"))  # doctest: +SKIP
    >>> result.car.head()  # doctest: +SKIP
    """

    events: EventSet
    model: str | ReturnModel = "market"
    estimation: WindowSpec | None = None
    windows: tuple[WindowSpec, ...] | None = None
    market: str | None = None
    calendar: str | None = None
    return_kind: ReturnKind = "simple"
    price_field: PriceField = "adj_close"
    missing: MissingInWindow = "nan"
    min_estimation_obs: int | None = None
    group_by: GroupBy | str = "auto"
    tests: tuple[str, ...] | None = None
    factors: pd.DataFrame | str | Path | None = None
    factors_unit: FactorsUnit | None = None
    executor: Executor = "local"
    scheduler: str | None = None
    chunk_size: int = 20_000
    volume: bool = False

    def __post_init__(self) -> None:
        check_events_argument(self.events)
        validate_literal(self.executor, Executor, "executor")
        if isinstance(self.chunk_size, bool) or not isinstance(self.chunk_size, int):
            raise InputError(
                f"chunk_size={show(self.chunk_size)} is not a whole number of firm-events; "
                "pass a positive integer, e.g. 50000.",
                field="chunk_size",
                value=self.chunk_size,
            )
        if self.chunk_size < 1:
            raise InputError(
                f"chunk_size={self.chunk_size} must be at least 1; pass a positive number of "
                "firm-events per chunk, e.g. 50000.",
                field="chunk_size",
                value=self.chunk_size,
            )
        validate_literal(self.return_kind, ReturnKind, "return_kind")
        validate_literal(self.price_field, PriceField, "price_field")
        validate_literal(self.missing, MissingInWindow, "missing")
        if self.group_by not in BUILT_IN:
            parse_group_by(str(self.group_by), self._characteristic_columns())
        if self.factors_unit is not None:
            validate_literal(self.factors_unit, FactorsUnit, "factors_unit")
        get_model(self.model)
        est = self.estimation_window  # validated: whole sessions, within bounds, in order
        _check_windows(self.windows or self.events.windows)
        _check_min_obs(self.min_estimation_obs, est)
        span = span_of(self.event_windows)
        if est[1] >= span[0]:
            raise InputError(
                f"estimation window {est} overlaps the event windows (earliest day {span[0]}); "
                f"end the estimation window before day {span[0]}, e.g. (-250, {span[0] - 10}).",
                field="estimation",
                value=est,
            )
        for name in self.tests or ():
            if name not in TESTS:
                raise InputError(
                    f"test {name!r} is not a known test statistic; use some of {', '.join(TESTS)}.",
                    field="tests",
                    value=name,
                )

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> EventStudy:
        """Read an event file (TOML or CSV) and build the study with ``options``.

        ``calendar=`` (an exchange_calendars code, or ``"data"``) replaces the file's calendar
        (a CSV file's is XNYS).
        """
        return cls(load_events(path), **options)

    @classmethod
    def from_frame(
        cls, events: pd.DataFrame, *, name: str = "sample", **options: Any
    ) -> EventStudy:
        """Build the study from a DataFrame of firm-events (a sample), with ``options``.

        Parameters
        ----------
        events
            One row per firm-event: ``ticker``, ``event_date``, optionally ``event_id``,
            ``time``, ``timezone``, ``exchange``; any other column is a firm-event
            characteristic carried into :attr:`StudyResult.car` (see
            :func:`eventstudy.events.load.events_from_frame`, ``docs/events.md``).
        name
            Study name (default output folder).
        **options
            Options of :class:`EventStudy` (``model``, ``market``, ``windows``, ``calendar``
            for a non-US sample (default XNYS), ...).

        Examples
        --------
        >>> import pandas as pd
        >>> sample = pd.DataFrame({"ticker": ["NVDA", "AVGO"],
        ...                        "event_date": ["2025-01-27", "2025-01-27"]})
        >>> study = EventStudy.from_frame(sample, market="SPY")
        >>> len(study.events.events)
        2
        """
        return cls(events_from_frame(events, name=name), **options)

    @property
    def estimation_window(self) -> WindowSpec:
        """The estimation window in force (two Python ints)."""
        return validate_window(self.estimation or self.events.estimation, "estimation")

    @property
    def event_windows(self) -> tuple[WindowSpec, ...]:
        """The event windows in force; the day-0 window ``(0, 0)`` is always among them.

        Reports, plots and the dollar figures are built on the day-0 abnormal return, so it is
        added first when the windows asked for do not include it.
        """
        asked: tuple[WindowSpec, ...] = tuple(
            validate_window(w, "window") for w in (self.windows or self.events.windows)
        )
        return asked if (0, 0) in asked else ((0, 0), *asked)

    @property
    def benchmark(self) -> str:
        """The market benchmark ticker in force."""
        return self.market or self.events.market

    @property
    def calendar_name(self) -> str:
        """The study's calendar in force (an exchange code, or ``"data"``)."""
        return self.calendar or self.events.calendar

    def with_options(self, **changes: Any) -> EventStudy:
        """A new study with some options changed (a study is never modified in place)."""
        return dataclasses.replace(self, **changes)

    def run(
        self,
        prices: PriceProvider | pd.DataFrame | str | Path | None = None,
        shares: SharesProvider | pd.DataFrame | str | Path | None = None,
        *,
        returns: pd.DataFrame | str | Path | None = None,
        factors: pd.DataFrame | str | Path | None = None,
        factors_unit: FactorsUnit | None = None,
        progress: Progress | None = None,
    ) -> StudyResult:
        """Run the study.

        Parameters
        ----------
        prices
            Where prices come from: a provider (yfinance, a file), the path of a price file
            (CSV/Parquet), or a DataFrame in either layout of a price file (``docs/data.md``).
        shares
            Share counts: a provider, a path or a DataFrame (``ticker, as_of, shares``); without
            them only the event file's overrides are used (and, for a returns table, its
            ``shrout``), and firms without a count get returns but no dollar figures.
        returns
            Instead of ``prices``: a returns table (path or DataFrame), ``date, ticker, ret``
            or CRSP's ``permno, date, ret, dlret, prc, shrout``
            (see :mod:`eventstudy.data.returns_input`). The benchmark (``market``) is one of its
            tickers or a column such as ``vwretd``.
        factors, factors_unit
            Factor returns for a factor model, replacing the study's ``factors`` option (a
            DataFrame, decimal by default, or a file, percent by default); see
            :func:`eventstudy.data.factors.factor_table`.
        progress
            Called as ``progress(stage, done, total)``.

        Returns
        -------
        StudyResult

        Raises
        ------
        InputError
            If both or neither of ``prices`` and ``returns`` are given, or an input is bad.
        """
        if factors is not None or factors_unit is not None:
            changes = {"factors": factors} if factors is not None else {}
            if factors_unit is not None:
                changes["factors_unit"] = factors_unit
            study = self.with_options(**changes)
            return study.run(prices, shares, returns=returns, progress=progress)
        report = progress or (lambda stage, done, total: None)
        if (prices is None) == (returns is None):
            raise InputError(
                "pass either prices= (a provider, file or DataFrame of prices) or returns= (a "
                "returns table), not "
                + ("both" if prices is not None else "neither")
                + "; e.g. study.run('prices.csv') or study.run(returns='crsp_daily.csv').",
                field="prices",
            )
        share_provider = shares_source(shares)
        if returns is not None:
            data = self._from_returns(returns, report)
        else:
            data = self._from_prices(price_source(prices), report)
        plan, returns, close = data.plan, data.returns, data.close
        data_quality = add_issues(
            data.issues,
            check_benchmark(
                returns[self.benchmark],
                plan.pairs["day0"].to_numpy(),
                self.estimation_window,
                calendar=self.calendar_name,
            ),
        )
        report("estimate", 0, 1)
        model = self._model(None)
        groups = self._groups(plan.pairs)
        factors = factor_table(self.factors, self.factors_unit)
        run = engine.estimate(
            plan.pairs,
            returns,
            returns[[self.benchmark]],
            model,
            self.estimation_window,
            self.event_windows,
            groups,
            missing=self.missing,
            tests=self.tests,
            regressors=factors,
            executor=self.executor,
            scheduler=self.scheduler,
            chunk_size=self.chunk_size,
        )
        fit = run.fit
        sample = fit.sample
        report("estimate", 1, 1)
        share_table = impact.share_counts(
            share_provider.get_shares(plan.firm_tickers)
            if share_provider is not None
            else data.shares,
            self.events.shares,
        )
        # the prediction-error variances feed both the daily table and the AAR standard errors
        ar_var = fit.ar_var()
        daily = impact.attach_market_value(
            self._daily(fit, ar_var), close, share_table, positions=self._positions(fit, close)
        )
        cars = self._car_table(fit, daily)
        clustered = {g: bool(clustered_dates(sample, rows)) for g, rows in groups.items()}
        if any(clustered.values()):
            warnings.warn(
                "firm-events share event dates in "
                + ", ".join(g for g, c in clustered.items() if c)
                + ": abnormal returns are cross-correlated, so read the clustering-robust tests "
                "(Kolari-Pynnonen, Brown-Warner, portfolio regression) first",
                ClusteringWarning,
                stacklevel=2,
            )
        tests = self._tests(run, groups, clustered, report)
        aar = self._aar(fit, groups, ar_var)
        claims = impact.compare_claims(daily, self.events.claims)
        flags = self._confounders(sample, plan)
        cars["confounders"] = label_windows(cars, flags)
        cars = _with_characteristics(cars, self.events.characteristics, sample.pairs)
        benchmarks = self._benchmarks(plan, returns, model, daily)
        contamination = self._contamination(returns, daily)
        exclusions = self._exclusions(fit, run.est_have)
        warn_model_failures(fit, sample.evt_pos)
        if not np.isfinite(fit.sigma2).any():
            first = "; ".join(
                f"{r.event_id}/{r.ticker}: {r.reason}" for r in exclusions.head(3).itertuples()
            )
            raise InputError(
                f"no firm-event could be estimated ({first}); supply prices that cover the "
                f"estimation window {self.estimation_window} or shorten it with --estimation.",
                field="estimation",
                value=self.estimation_window,
            )
        meta = {
            "source": data.source,
            "price_range": data.date_range,
            "estimation": self.estimation_window,
            "windows": self.event_windows,
            "market": self.benchmark,
            "return_kind": self.return_kind,
            "price_field": self.price_field,
            "missing": self.missing,
            "min_estimation_obs": model.min_nobs,
            "group_by": self.group_by,
        }
        return StudyResult(
            events=self.events,
            model=model.name,
            fit=fit,
            daily=daily,
            car=cars,
            tests=tests,
            aar=aar,
            claims=claims,
            model_fit=run.fit_table,
            exclusions=exclusions,
            data_quality=data_quality,
            confounders=flags,
            benchmarks=benchmarks,
            contamination=contamination,
            clustered=clustered,
            meta=meta,
            inputs=FitInputs(
                returns=returns,
                market=returns[[self.benchmark]],
                regressors=factors,
                estimation=self.estimation_window,
                windows=self.event_windows,
            ),
            extras=self._volume_tables(data, plan, groups) if self.volume else {},
        )

    def _volume_tables(
        self, data: _Inputs, plan: _Plan, groups: dict[str, np.ndarray]
    ) -> dict[str, pd.DataFrame]:
        """Abnormal volume per firm-event and window, its pooled path and its tests."""
        from .volume import abnormal_volume, pooled_path

        if data.volume is None:
            raise InputError(
                "volume=True needs prices with a 'volume' column, and a returns table has none; "
                "run the study from prices (--prices or yfinance) or drop --volume.",
                field="volume",
                value=True,
            )
        res = abnormal_volume(
            data.volume,
            plan.pairs,
            self.estimation_window,
            self.event_windows,
            groups,
            min_nobs=self._model(None).min_nobs,
        )
        return {
            "abnormal_volume": res.cumulative,
            "volume_path": pooled_path(res.daily),
            "volume_tests": res.tests,
        }

    # -- steps -------------------------------------------------------------------------------

    def _from_prices(self, prices: PriceProvider, report: Progress) -> _Inputs:
        """Prices -> checked returns and closes on the study's sessions."""
        # a provider that can read ahead (a local file) does so while the events are aligned
        ahead = getattr(prices, "prefetched", None)
        with ahead() if callable(ahead) else contextlib.nullcontext():
            if self.calendar_name == DATA_CALENDAR:
                plan, raw = self._plan_on_data(prices, report)
            else:
                plan = self._plan()
                report("download", 0, 1)
                tickers = list(
                    dict.fromkeys([*plan.firm_tickers, self.benchmark, *self.events.benchmarks])
                )
                raw = prices.get_prices(
                    tickers,
                    plan.start.date(),
                    plan.end.date(),
                    progress=lambda d, t: report("download", d, t),
                )
        self._check_coverage(
            raw, plan, str(getattr(prices, "path", getattr(prices, "name", "prices")))
        )
        quality = check_prices(
            raw,
            plan.sessions,
            protect=self._event_spans(plan),
            calendar=" or ".join(pd.unique(plan.pairs["calendar"]).astype(str)),
        )
        # the checks laid the clean prices on the sessions already: returns and closes from there
        returns, close = quality.returns_with_close(
            price_field=self.price_field, kind=self.return_kind
        )
        return _Inputs(
            plan,
            returns,
            close,
            quality.issues,
            None,
            getattr(prices, "name", type(prices).__name__),
            (str(raw["date"].min().date()), str(raw["date"].max().date())),
            _volume_panel(raw, returns) if self.volume else None,
        )

    def _from_returns(self, table: Any, report: Progress) -> _Inputs:
        """A returns table -> returns, closes (``|PRC|``) and share counts on the sessions."""
        report("download", 0, 1)
        data = read_returns(table)
        if self.calendar_name == DATA_CALENDAR:  # the benchmark's days in the table
            plan = self._plan(TradingCalendar.from_sessions(data.days_of(self.benchmark)))
        else:
            plan = self._plan()
        self._check_coverage(data.frame, plan, data.source)
        returns, close, counts = data.on_sessions(
            plan.sessions, plan.firm_tickers, [self.benchmark, *self.events.benchmarks]
        )
        if self.return_kind == "log":
            returns = np.log1p(returns)
        report("download", 1, 1)
        dates = data.frame["date"]
        return _Inputs(
            plan,
            returns,
            close,
            pd.DataFrame(columns=list(ISSUE_COLUMNS)),
            counts,
            "returns",
            (str(dates.min().date()), str(dates.max().date())),
        )

    def _model(self, sample: EventSample | None) -> ReturnModel:
        model = get_model(self.model)
        est = self.estimation_window
        need = self.min_estimation_obs or (est[1] - est[0] + 1) // 2
        return dataclasses.replace(model, min_nobs=need)  # type: ignore[type-var]

    def _event_spans(self, plan: _Plan) -> pd.DataFrame:
        """Each firm-event's event span as session dates (``ticker, first, last``)."""
        span = span_of(self.event_windows)
        sessions = plan.sessions
        at = sessions.searchsorted(plan.pairs["day0"].to_numpy())
        last = len(sessions) - 1
        return pd.DataFrame(
            {
                "ticker": plan.pairs["ticker"].to_numpy(),
                "first": sessions[np.clip(at + int(span[0]), 0, last)],
                "last": sessions[np.clip(at + int(span[-1]), 0, last)],
            }
        )

    def _plan_on_data(self, prices: PriceProvider, report: Progress) -> tuple[_Plan, pd.DataFrame]:
        """``calendar = "data"``: read a generous range, take the benchmark's days as sessions.

        The range reaches twice as many calendar days (plus two weeks) beyond the events as the
        windows need sessions, enough for any market open at least half the days.
        """
        studied = _studied(self.events)
        if not studied:
            self._plan()  # raises: no events to study
        dates = pd.to_datetime([e.date for e in studied])
        est, span = self.estimation_window, span_of(self.event_windows)
        before = 1 - int(min(est[0], span[0]))
        after = int(max(span[-1], 0))
        start = dates.min().normalize() - pd.Timedelta(days=2 * before + 14)
        end = dates.max().normalize() + pd.Timedelta(days=2 * after + 14)
        tickers = [
            *chain.from_iterable(e.tickers or self.events.tickers for e in studied),
            self.benchmark,
            *self.events.benchmarks,
        ]
        report("download", 0, 1)
        raw = prices.get_prices(
            list(dict.fromkeys(map(str, tickers))),
            start.date(),
            end.date(),
            progress=lambda d, t: report("download", d, t),
        )
        bench = raw[raw["ticker"].astype(str) == self.benchmark]
        priced = bench["close"].notna() | bench["adj_close"].notna()
        data = TradingCalendar.from_sessions(pd.DatetimeIndex(bench.loc[priced, "date"]))
        plan = self._plan(data)
        keep = ((raw["date"] >= plan.start) & (raw["date"] <= plan.end)).to_numpy()
        return plan, raw[keep].reset_index(drop=True)

    def _plan(self, data: TradingCalendar | None = None) -> _Plan:
        """Align every firm-event to its session and find the sessions the study needs.

        ``data`` is the calendar of the benchmark's days when the study's calendar is ``"data"``.
        """
        ev = self.events
        main_name = self.calendar_name
        studied = _studied(ev)
        if not studied:
            raise InputError(
                f"{ev.source or ev.name}: no events of kind 'event' to study; add at least one.",
                source=ev.source,
                field="events",
            )
        calendars: dict[str, TradingCalendar] = {}

        if data is not None:
            calendars[DATA_CALENDAR] = data

        def calendar(name: str) -> TradingCalendar:
            if name not in calendars:
                calendars[name] = TradingCalendar(name)
            return calendars[name]

        main = calendar(main_name)
        pairs = self._align_pairs(calendar, studied)
        pairs["market"] = self.benchmark
        est = self.estimation_window
        span = span_of(self.event_windows)
        first, last = pairs["day0"].min(), pairs["day0"].max()
        start = main.offset(main.align(first.date()), int(min(est[0], span[0])) - 1)
        end = main.offset(main.align(last.date()), int(max(span[-1], 0)))
        sessions = main.sessions(start, end)
        for cal_name in set(pd.unique(pairs["calendar"])) - {main_name}:
            sessions = sessions.union(calendars[cal_name].sessions(start, end))
        firm_tickers = [str(t) for t in pd.unique(pairs["ticker"])]

        def align(event: Event, cal_name: str) -> pd.Timestamp:
            return calendar(cal_name).align_event(event)

        return _Plan(pairs, sessions, start, end, firm_tickers, align)

    def _align_pairs(
        self, calendar: Callable[[str], TradingCalendar], studied: tuple[Event, ...]
    ) -> pd.DataFrame:
        """One row per firm-event with its day 0, aligned per calendar in one vectorised call.

        Date-only events go through :meth:`TradingCalendar.align_many`; events with a time of
        day are aligned one by one. Rows come per event, grouped by calendar in order of first
        appearance, tickers in event order.
        """
        ev = self.events
        main_name = self.calendar_name
        # attributes are read with C-level getters (100,000 events: no Python frame per event)
        members = list(map(attrgetter("tickers"), studied))
        if None in members:  # an event without its own firms applies to the study's tickers
            members = [ev.tickers if m is None else m for m in members]
        counts = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
        ev_idx = np.repeat(np.arange(len(studied)), counts)
        tickers = np.fromiter(chain.from_iterable(members), dtype=object, count=int(counts.sum()))
        if ev.exchanges:
            cal = np.array([ev.exchanges.get(t, main_name) for t in tickers], dtype=object)
        else:
            cal = np.full(len(tickers), main_name, dtype=object)
        day0 = np.empty(len(tickers), dtype="datetime64[ns]")
        timed = np.fromiter(
            map(is_not, map(attrgetter("time"), studied), repeat(None)),
            dtype=bool,
            count=len(studied),
        )
        every_date: list[Any] | None = None
        for cal_name in pd.unique(cal) if ev.exchanges else [main_name]:
            if ev.exchanges:
                rows = np.flatnonzero(cal == cal_name)
                used = np.unique(ev_idx[rows])
            else:  # one calendar: every row, every event
                rows = np.arange(len(tickers))
                used = np.arange(len(studied))
            when = np.empty(len(studied), dtype="datetime64[ns]")
            plain = used[~timed[used]]
            if len(plain):
                if len(plain) == len(studied):  # every event (the usual case): one C-level pass
                    every_date = every_date or list(map(attrgetter("date"), studied))
                    dates = pd.to_datetime(every_date)
                else:
                    dates = pd.to_datetime([studied[k].date for k in plain])
                when[plain] = calendar(cal_name).align_many(dates).to_numpy()
            for k in used[timed[used]]:
                when[k] = calendar(cal_name).align_event(studied[k]).to_datetime64()
            day0[rows] = when[ev_idx[rows]]
        pairs = pd.DataFrame(
            {
                "event_id": np.array(list(map(attrgetter("id"), studied)), dtype=object)[ev_idx],
                "ticker": tickers,
                "day0": day0,
                "calendar": cal,
            }
        )
        if ev.exchanges and len(pd.unique(cal)) > 1:
            pos = pd.Series(np.arange(len(pairs)))
            first = pos.groupby([ev_idx, cal]).transform("min").to_numpy()
            pairs = pairs.iloc[np.lexsort((pos.to_numpy(), first))].reset_index(drop=True)
        return pairs

    def _check_coverage(self, raw: pd.DataFrame, plan: _Plan, source: str) -> None:
        """Every studied event must fall inside the price data."""
        lo, hi = raw["date"].min(), raw["date"].max()
        if raw.empty or pd.isna(lo):
            raise InputError(
                f"{source} has no prices between {plan.start:%Y-%m-%d} and {plan.end:%Y-%m-%d}, "
                "the sessions this study needs; supply prices that cover the events' estimation "
                "and event windows.",
                source=source,
            )
        day0s = plan.pairs["day0"]
        outside = ((day0s < lo) | (day0s > hi)).to_numpy()
        for event_id, day0 in (
            plan.pairs[outside].groupby("event_id", sort=False)["day0"].first().items()
        ):
            if not (lo <= day0 <= hi):
                raise InputError(
                    f"event {event_id!r} (day 0 {day0:%Y-%m-%d}) lies outside the prices {source} "
                    f"has for this study ({lo:%Y-%m-%d} to {hi:%Y-%m-%d}); supply prices that cover "
                    f"its estimation window {self.estimation_window} and event windows.",
                    source=source,
                    field="date",
                    value=str(day0.date()),
                )

    def _confounders(self, sample: EventSample, plan: _Plan) -> pd.DataFrame:
        """Marked confounders, then studied events inside another's windows (with a warning)."""
        marked = flag_confounders(self.events, sample, self.event_windows, plan.align)
        overlaps = flag_overlaps(self.events, sample, self.event_windows)
        if overlaps.empty:
            return marked
        est = self.estimation_window
        in_est = (overlaps["window_start"] == est[0]) & (overlaps["window_end"] == est[1])
        keys = ["event_id", "ticker"]
        n_evt = len(overlaps.loc[~in_est, keys].drop_duplicates())
        n_est = len(overlaps.loc[in_est, keys].drop_duplicates())
        first = overlaps.iloc[0]
        warnings.warn(
            f"{n_evt} firm-event(s) hold another studied event of the same firm in an event "
            f"window and {n_est} in the estimation window {est} (e.g. {first['ticker']} "
            f"{first['event_id']!r} holds {first['confounder_id']!r} on day "
            f"{first['confounder_rel_day']}); they are listed in the confounders table",
            OverlapWarning,
            stacklevel=3,
        )
        if marked.empty:
            return overlaps
        return pd.concat([marked, overlaps], ignore_index=True)

    def _benchmarks(
        self, plan: _Plan, returns: pd.DataFrame, model: ReturnModel, daily: pd.DataFrame
    ) -> pd.DataFrame:
        """Main-event day-0 results under the study benchmark and the event file's others."""
        if not self.events.benchmarks:
            return pd.DataFrame()
        main = self.events.main_event_id
        pairs = plan.pairs[plan.pairs["event_id"] == main]
        day0 = daily[(daily["event_id"] == main) & (daily["rel_day"] == 0)]
        # the comparison is across benchmarks, so it always uses the market model (factor models
        # have their own market factor)
        return benchmark_sensitivity(
            pairs,
            returns,
            MarketModel(min_nobs=model.min_nobs),
            [self.benchmark, *self.events.benchmarks],
            self.estimation_window,
            self.event_windows,
            day0,
        )

    def _contamination(self, returns: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
        """Weight of the main event's firms in benchmarks of known total market value.

        The firms are those of the main event's widest claim (e.g. NVDA+AVGO), else every firm
        with a market value.
        """
        totals = self.events.benchmark_market_values
        if not totals:
            return pd.DataFrame()
        main = self.events.main_event_id
        day0 = daily[(daily["event_id"] == main) & (daily["rel_day"] == 0)]
        claims = [c for c in self.events.claims if c.event_id in (None, main)]
        if claims:
            widest = max(claims, key=lambda c: len(c.tickers))
            day0 = day0[day0["ticker"].isin(widest.tickers)]
        day0 = day0.dropna(subset=["market_value_prev"]).set_index("ticker")
        if day0.empty:
            return pd.DataFrame()
        when = day0["date"].iloc[0]
        bench = {
            b: float(returns.at[when, b])
            for b in totals
            if b in returns.columns and when in returns.index
        }
        return benchmark_contamination(
            day0["market_value_prev"],
            totals,
            firm_returns=day0["return"],
            benchmark_returns=bench or None,
        )

    def _daily(self, fit: ReturnFit, ar_var: np.ndarray | None = None) -> pd.DataFrame:
        """The long per-day table, built from the arrays in one pass.

        ``ar_var`` is ``fit.ar_var()`` when the caller has it already.
        """
        s = fit.sample
        n, w = fit.ar.shape
        # only the days inside the price data get a row: pick them before building columns
        inside = s.evt_pos >= 0
        every = bool(inside.all())
        keep = inside.ravel()
        row = np.repeat(np.arange(n), w)
        if not every:
            row = row[keep]

        def flat(values: np.ndarray, fresh: bool = False) -> np.ndarray:
            # a fresh temporary becomes the column as it is; the fit's own arrays are copied
            if every:
                return values.ravel() if fresh else values.ravel().copy()
            return values.ravel()[keep]

        se = np.sqrt(fit.ar_var() if ar_var is None else ar_var)
        frame = pd.DataFrame(
            {
                # taken from the pairs' own columns (no Python object per row)
                "event_id": s.pairs["event_id"].take(row).reset_index(drop=True),
                "ticker": s.pairs["ticker"].take(row).reset_index(drop=True),
                "date": s.dates.to_numpy()[s.evt_pos.ravel() if every else flat(s.evt_pos)],
                "rel_day": np.tile(s.rel_days, n) if every else np.tile(s.rel_days, n)[keep],
                "return": flat(s.firm_evt),
                "market_return": flat(s.market_evt),
                "normal_return": flat(fit.normal),
                "abnormal_return": flat(fit.ar),
                "ar_se": flat(se, fresh=True),
            },
            copy=False,  # every column is a new array: no need to copy them into one block
        )
        # running CAR from the first day of the span, with its exact variance (estimation
        # covariance across days included), for CAR paths with bands
        path, path_var = fit.car_path(int(s.rel_days[0]), self.missing)
        frame["car_to_date"] = flat(path, fresh=True)
        frame["car_to_date_se"] = flat(np.sqrt(path_var), fresh=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["ar_t"] = frame["abnormal_return"] / frame["ar_se"]
        return frame

    @staticmethod
    def _positions(
        fit: ReturnFit, close: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
        """Session position and ticker code of each daily row, for the market-value lookups.

        The daily rows are the firm-event days inside the price data, in firm-event order; their
        sessions are the panel's when the wide closes have the same index (else None: looked
        up by date).
        """
        s = fit.sample
        if not close.index.equals(s.dates):
            return None
        n, w = s.evt_pos.shape
        keep = (s.evt_pos >= 0).ravel()
        every = bool(keep.all())
        row = s.evt_pos.ravel() if every else s.evt_pos.ravel()[keep]
        pair_codes, names = pd.factorize(s.pairs["ticker"], use_na_sentinel=False)
        codes = np.repeat(np.asarray(pair_codes, dtype=np.intp), w)
        return row, codes if every else codes[keep], pd.Index(names)

    def _car_table(self, fit: ReturnFit, daily: pd.DataFrame) -> pd.DataFrame:
        """One row per window and firm-event (window by window), with the dollar sums."""
        s = fit.sample
        pairs = s.pairs
        windows = self.event_windows
        n = len(pairs)
        cars = [fit.car(window, self.missing) for window in windows]
        car = np.concatenate([c[0] for c in cars])
        var = np.concatenate([c[1] for c in cars])
        t, p = car_t(car, var, np.tile(fit.dof, len(windows)))
        # each window repeats the firm-events in their order
        again = np.tile(np.arange(n), len(windows))
        table = pd.DataFrame(
            {
                "event_id": pairs["event_id"].take(again).reset_index(drop=True),
                "ticker": pairs["ticker"].take(again).reset_index(drop=True),
                "window_start": np.repeat(np.array([a for a, _ in windows], dtype=np.int64), n),
                "window_end": np.repeat(np.array([b for _, b in windows], dtype=np.int64), n),
                "car": car,
                "se": np.sqrt(var),
                "t_stat": t,
                "p_value": p,
                "dof": np.tile(fit.dof, len(windows)),
                "bhar": np.concatenate([fit.bhar(window) for window in windows]),
                "n_days": np.concatenate([c[2] for c in cars]),
            },
            copy=False,
        )
        # a firm can repeat within an event only when some event has several firms
        several = pd.unique(pairs["event_id"]).size < n
        if several and pairs[["event_id", "ticker"]].duplicated().any():
            # a firm listed twice for one event: keep the join on the names
            dollars = impact.window_changes(daily, windows)
            return table.merge(
                dollars, on=["event_id", "ticker", "window_start", "window_end"], how="left"
            )
        # each firm-event is its own (event_id, ticker) group: the daily rows are laid back on
        # the (firm-event x day) grid they came from and summed window by window (the sums
        # grouping by name would give)
        inside = s.evt_pos >= 0
        has_row = None if inside.all() else inside
        for name in ("raw_change_usd", "abnormal_change_usd"):
            values = daily[name].to_numpy(dtype=float)
            if has_row is None:
                grid = values.reshape(inside.shape)
            else:
                grid = np.full(inside.shape, np.nan)
                grid[has_row] = values
            table[name] = impact.window_sums(grid, s.rel_days, windows, has_row).ravel()
        return table

    def _characteristic_columns(self) -> list[str]:
        frame = self.events.characteristics
        if frame is None:
            return []
        return [str(c) for c in frame.columns if c not in ("event_id", "ticker")]

    def _characteristic_groups(self, pairs: pd.DataFrame) -> dict[str, np.ndarray]:
        """One group per value (or quantile) of a characteristic, then ``ALL``."""
        column, quantiles = parse_group_by(str(self.group_by), self._characteristic_columns())
        pooled = _first_occurrences(pairs)
        keys = self.events.characteristics[["event_id", "ticker", column]]  # type: ignore[index]
        values = pairs.iloc[pooled][["event_id", "ticker"]].merge(
            keys, on=["event_id", "ticker"], how="left", validate="m:1"
        )[column]
        groups = group_rows(group_labels(values, column, quantiles), pooled)
        groups[POOLED] = pooled
        return groups

    def _groups(self, pairs: pd.DataFrame) -> dict[str, np.ndarray]:
        if self.group_by not in BUILT_IN:
            return self._characteristic_groups(pairs)
        # event codes in order of first appearance (hashed on the column as it is stored)
        codes, events = pd.factorize(pairs["event_id"], use_na_sentinel=False)
        mode = self.group_by
        if mode == "auto":
            mode = "pooled" if len(events) > 50 else "event"
            both = 1 < len(events) <= 50
        else:
            both = False
        groups: dict[str, np.ndarray] = {}
        if mode == "event":
            # each event's rows in increasing order
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(events) + 1))
            for k, e in enumerate(events):
                groups[str(e)] = order[bounds[k] : bounds[k + 1]]
        if mode == "pooled" or both:
            groups[POOLED] = _first_occurrences(pairs)
        return groups

    def _tests(
        self,
        run: engine.EngineRun,
        groups: dict[str, np.ndarray],
        clustered: dict[str, bool],
        report: Progress,
    ) -> pd.DataFrame:
        names = list(self.tests or TESTS)
        records = []
        total = len(groups) * len(self.event_windows)
        done = 0
        for window in self.event_windows:
            for group in groups:
                n_firms, caar, results = run.results[(group, window)]
                order = ordered_tests(clustered[group], names)
                for rank, name in enumerate(order):
                    spec = TESTS[name]
                    res = results[name]
                    records.append(
                        {
                            "event_id": group,
                            "window_start": window[0],
                            "window_end": window[1],
                            "n_firms": n_firms,
                            "caar": caar,
                            "test": res.name,
                            "statistic": res.stat,
                            "p_value": res.p_value,
                            "distribution": res.distribution,
                            "clustering_robust": spec.clustering_robust,
                            "clustered": clustered[group],
                            "order": rank,
                            "null": res.null,
                            "reason": res.reason or "",
                            "citation": res.citation,
                        }
                    )
                done += 1
                report("tests", done, total)
        return pd.DataFrame.from_records(records)

    def _aar(
        self, fit: ReturnFit, groups: dict[str, np.ndarray], ar_var: np.ndarray | None = None
    ) -> pd.DataFrame:
        r"""AAR and CAAR per group and event day, with standard errors from the model variances.

        :math:`\operatorname{Var}(AAR_t) = N^{-2}\sum_i \operatorname{Var}(AR_{it})` assumes
        independent firms (see the clustering note for shared event dates). ``ar_var`` is
        ``fit.ar_var()`` when the caller has it already.
        """
        s = fit.sample
        n = len(fit.ar)
        columns = ["event_id", "rel_day", "n_firms", "aar", "aar_se", "caar", "caar_se"]
        parts = []
        for group, rows in groups.items():
            rows = np.asarray(rows)
            # a group of every firm-event in order reads the fit's arrays as they are (no copies;
            # they are C-ordered like a row selection, so the column sums add in the same order)
            whole = (
                len(rows) == n
                and bool(np.all(rows == np.arange(n)))
                and all(a.flags.c_contiguous for a in (fit.ar, fit.x_evt, fit.xtx_inv))
            )

            def pick(values: np.ndarray, whole: bool = whole, rows: np.ndarray = rows) -> Any:
                return values if whole else values[rows]

            ar = pick(fit.ar)
            have = np.isfinite(ar)
            if not have.any():
                continue
            # each day averages the firms with an AR that day; the CAAR the firms complete so far
            # (np.cumsum carries a missing day forward as NaN)
            cum = np.cumsum(ar, axis=1)
            x = pick(fit.x_evt)
            inv = pick(fit.xtx_inv)
            if inv.shape[-1]:
                quad = quad_form(np.cumsum(x, axis=1), inv)
            else:
                quad = np.zeros(ar.shape)
            sigma2 = pick(fit.sigma2)[:, None]
            # Var(AR_t) = s^2 (1 + x_t'(X'X)^-1 x_t): the fit's AR variances when they are at hand
            if ar_var is not None:
                v = np.where(have, pick(ar_var), np.nan)
            else:
                lev = quad_form(x, inv) if inv.shape[-1] else np.zeros(ar.shape)
                v = np.where(have, sigma2 * (1.0 + lev), np.nan)
            # complete rows: Var(CAR(start, d)) = s^2 (days + c_d'(X'X)^-1 c_d), c_d = cumsum x
            finite_cum = np.isfinite(cum)
            if fit.evt_var is not None:  # conditional variances (GARCH): their running sum
                cum_var = np.cumsum(pick(fit.evt_var), axis=1)
            else:
                cum_var = sigma2 * (np.arange(1, ar.shape[1] + 1)[None, :] + quad)
            car_var = np.where(finite_cum, cum_var, np.nan)
            n_day = have.sum(axis=0)
            n_cum = finite_cum.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                parts.append(
                    pd.DataFrame(
                        {
                            "event_id": group,
                            "rel_day": s.rel_days.astype(int),
                            "n_firms": n_day,
                            "aar": np.nansum(ar, axis=0) / n_day,
                            "aar_se": np.sqrt(np.nansum(v, axis=0)) / n_day,
                            "caar": np.nansum(cum, axis=0) / n_cum,
                            "caar_se": np.sqrt(np.nansum(car_var, axis=0)) / n_cum,
                        },
                        columns=columns,
                    )
                )
        if not parts:
            return pd.DataFrame(columns=columns)
        table = pd.concat(parts, ignore_index=True)
        return table[table["n_firms"] > 0].reset_index(drop=True)

    def _exclusions(self, fit: ReturnFit, est_have: np.ndarray) -> pd.DataFrame:
        """Firm-events without an estimate or with incomplete windows, and why (vectorised)."""
        s = fit.sample
        pairs = s.pairs
        length = self.estimation_window[1] - self.estimation_window[0] + 1
        day0_col = int(np.flatnonzero(s.rel_days == 0)[0]) if 0 in s.rel_days else 0
        outside = s.evt_pos[:, day0_col] < 0
        failed = ~outside & ~np.isfinite(fit.sigma2)
        fitted = ~outside & ~failed
        # (row, order within the row, reason) so rows keep the per-firm-event order
        rows = [np.flatnonzero(outside), np.flatnonzero(failed)]
        # the model's own reason (a GARCH fit that did not converge, ...) where it gives one
        told = fit.fail_reason[failed] if fit.fail_reason is not None else np.full(failed.sum(), "")
        texts = [
            np.full(int(outside.sum()), "event day outside the price data", dtype=object),
            np.array(
                [
                    why
                    or f"estimation window has {k} of {length} returns "
                    f"(at least {self._min_obs()} needed)"
                    for k, why in zip(est_have[failed], told, strict=True)
                ],
                dtype=object,
            ),
        ]
        keys = [np.zeros(len(rows[0]), int), np.zeros(len(rows[1]), int)]
        if self.missing == "nan":
            lacking = ~np.isfinite(fit.ar)
            for k, window in enumerate(self.event_windows):
                cols = s.window_columns(window)
                if len(cols) and cols[-1] - cols[0] + 1 == len(cols):  # consecutive: a view
                    gaps = lacking[:, cols[0] : cols[-1] + 1].sum(axis=1)
                else:
                    gaps = lacking[:, cols].sum(axis=1)
                hit = np.flatnonzero(fitted & (gaps > 0))
                rows.append(hit)
                keys.append(np.full(len(hit), k))
                texts.append(
                    np.array(
                        [
                            f"{g} missing return(s) in window {window}: its CAR is NaN"
                            for g in gaps[hit]
                        ],
                        dtype=object,
                    )
                )
        row = np.concatenate(rows)
        order = np.lexsort((np.concatenate(keys), row))
        row = row[order]
        return pd.DataFrame(
            {
                # only the rows listed become Python objects
                "event_id": pairs["event_id"].take(row).to_numpy(),
                "ticker": pairs["ticker"].take(row).to_numpy(),
                "reason": np.concatenate(texts)[order],
            },
            columns=["event_id", "ticker", "reason"],
        )

    def _min_obs(self) -> int:
        est = self.estimation_window
        return self.min_estimation_obs or (est[1] - est[0] + 1) // 2


def warn_model_failures(fit: ReturnFit, evt_pos: np.ndarray) -> None:
    """One :class:`ModelFitWarning` counting the firm-events the model itself could not fit."""
    if fit.fail_reason is None:
        return
    told = (fit.fail_reason != "") & (evt_pos >= 0).any(axis=1)
    count = int(told.sum())
    if count:
        warnings.warn(
            f"the {fit.model} model could not be fitted to {count} of {fit.n} firm-events; "
            "they are excluded, each with its reason in exclusions.csv",
            ModelFitWarning,
            stacklevel=3,
        )


def check_events_argument(events: object) -> None:
    """Refuse anything but an :class:`EventSet` as the study's events, naming the right call.

    Raises
    ------
    InputError
        For a path (use :meth:`EventStudy.from_file`), a DataFrame (use
        ``EventStudy.from_frame``) or any other type.
    """
    if isinstance(events, EventSet):
        return
    kind = type(events).__name__
    if isinstance(events, (str, os.PathLike)):
        fix = f"for an event file use EventStudy.from_file({show(str(events))})"
    elif isinstance(events, pd.DataFrame):
        fix = "for a table of firm-events use EventStudy.from_frame(frame)"
    else:
        fix = "read a file with EventStudy.from_file(path) or eventstudy.load_events(path)"
    raise InputError(
        f"EventStudy(events=...) needs an EventSet, got {kind}; {fix}.",
        field="events",
        value=events,
    )


def _check_windows(windows: object) -> None:
    """Each event window valid (:func:`validate_window`) and given once."""
    if isinstance(windows, (str, bytes)) or not hasattr(windows, "__iter__"):
        raise InputError(
            f"windows={show(windows)} is not a list of event windows; pass e.g. [(0, 0), (-1, 1)].",
            field="windows",
            value=windows,
        )
    seen: set[WindowSpec] = set()
    for w in windows:
        window = validate_window(w, "window")
        if window in seen:
            raise InputError(
                f"window {window} is given twice; give each event window once.",
                field="windows",
                value=window,
            )
        seen.add(window)
    if not seen:
        raise InputError(
            "windows=[] holds no event window; pass at least one, e.g. [(0, 0), (-1, 1)].",
            field="windows",
            value=windows,
        )


def _check_min_obs(value: object, estimation: WindowSpec) -> None:
    """``min_estimation_obs`` is None or a whole number from 1 to the estimation length."""
    if value is None:
        return
    length = estimation[1] - estimation[0] + 1
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not whole or not 1 <= int(value) <= length:  # type: ignore[call-overload]
        raise InputError(
            f"min_estimation_obs={show(value)} is not a number of estimation returns; pass a "
            f"whole number from 1 to {length} (the estimation window {estimation} is {length} "
            "sessions long), or None for half of it.",
            field="min_estimation_obs",
            value=value,
        )


def _first_occurrences(pairs: pd.DataFrame) -> np.ndarray:
    """Rows of the pooled group: each (ticker, day 0) once, at its first firm-event.

    Two events of one firm on one session (e.g. two announcements the same day) are one
    observation of that firm's abnormal return: counting it twice would halve its standard
    error. A warning names the repeats.
    """
    repeat = pairs.duplicated(["ticker", "day0"]).to_numpy()
    if not repeat.any():
        return np.arange(len(pairs))
    first = pairs.drop_duplicates(["ticker", "day0"]).set_index(["ticker", "day0"])["event_id"]
    row = pairs[repeat].iloc[0]
    kept = first.loc[(row["ticker"], row["day0"])]
    warnings.warn(
        f"{int(repeat.sum())} firm-event(s) repeat a firm and day 0 already in the pooled group "
        f"{POOLED} (e.g. {row['ticker']} on {row['day0']:%Y-%m-%d}: {row['event_id']!r} repeats "
        f"{kept!r}); the pooled tests and AAR count each firm and day 0 once, at its first "
        "firm-event",
        OverlapWarning,
        stacklevel=4,
    )
    return np.flatnonzero(~repeat)


def _with_characteristics(
    cars: pd.DataFrame, characteristics: pd.DataFrame | None, pairs: pd.DataFrame
) -> pd.DataFrame:
    """The CAR table with the firm-event characteristics of a sample, after its own columns.

    The CAR table repeats the firm-events window by window; when the characteristics come in
    the firm-events' order (a sample on one calendar) they are repeated the same way, else
    joined on ``(event_id, ticker)``.
    """
    if characteristics is None or len(characteristics.columns) <= 2:
        return cars
    keys = ["event_id", "ticker"]
    same_order = len(characteristics) == len(pairs) and all(
        np.array_equal(characteristics[k].to_numpy(dtype=object), pairs[k].to_numpy(dtype=object))
        for k in keys
    )
    if not same_order or len(cars) % len(pairs):
        return cars.merge(characteristics, on=keys, how="left", validate="m:1")
    rows = np.tile(np.arange(len(pairs)), len(cars) // len(pairs))
    extra = characteristics.drop(columns=keys).take(rows).reset_index(drop=True)
    return pd.concat([cars.reset_index(drop=True), extra], axis=1)


def _studied(events: EventSet) -> tuple[Event, ...]:
    """``events.studied``: the events of kind ``"event"``.

    Read once, and without a Python loop when every event is studied (the usual case for a
    CSV of firm-events).
    """
    kinds = list(map(attrgetter("kind"), events.events))
    if kinds.count("event") == len(kinds):
        return tuple(events.events)
    return events.studied


@dataclass(frozen=True)
class _Inputs:
    """Market data on the study's sessions, whichever input it came from."""

    plan: _Plan
    returns: pd.DataFrame
    close: pd.DataFrame
    issues: pd.DataFrame
    shares: pd.DataFrame | None
    source: str
    date_range: tuple[str, str]
    volume: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Plan:
    pairs: pd.DataFrame
    sessions: pd.DatetimeIndex
    start: pd.Timestamp
    end: pd.Timestamp
    firm_tickers: list[str]
    align: Callable[[Event, str], pd.Timestamp]


def _volume_panel(raw: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Share volume on the returns' sessions and tickers (NaN where a row is missing)."""
    rows = raw[["date", "ticker", "volume"]].drop_duplicates(["ticker", "date"], keep="last")
    wide = rows.pivot(index="date", columns="ticker", values="volume")
    return wide.reindex(index=returns.index, columns=returns.columns)
