"""The frozen result of an event study: pandas tables plus a text summary."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._types import TableFormat, validate_literal
from .events.schema import EventSet
from .models.base import ReturnFit


class SummaryMixin:
    """``__str__`` and ``_repr_html_`` from one ``summary()`` (as in linearmodels)."""

    def summary(self) -> str:  # pragma: no cover - overridden
        """Plain-text summary."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


@dataclass(frozen=True)
class StudyResult(SummaryMixin):
    """Everything an event study computed, as pandas tables.

    Attributes
    ----------
    events
        The study definition.
    model
        Name of the normal-return model.
    fit
        The fitted model (arrays over firm-events).
    daily
        The canonical long table: one row per firm-event and event-span day with returns, normal
        and abnormal returns, their standard errors and the market-value columns. ``to_frame()``
        returns it; ``abnormal_returns`` and ``market_value`` are views of it.
    car
        One row per firm-event and window: CAR, its standard error, t statistic, p-value, BHAR and
        the dollar changes over the window.
    tests
        One row per group (event or ``ALL``), window and test statistic.
    aar
        Average abnormal return and its cumulation per group and event day.
    claims
        Reported figures beside the computed ones.
    model_fit
        Parameters and fit of the normal-return model per firm-event.
    exclusions
        Firm-events left out, with the reason.
    data_quality
        Findings of the price-data checks.
    confounders
        Firm-event windows that contain a confounding event.
    benchmarks
        Main-event abnormal returns and dollar changes under other benchmarks.
    contamination
        Weight of the main event's firms in benchmarks of known total market value.
    clustered
        Per group, whether its firm-events share event dates.
    meta
        Run facts: data source, price range, options.
    extras
        Tables of the analyses asked for after the estimation, by name: ``regression``,
        ``group_differences``, ``abnormal_volume``, ``volume_path``, ``volume_tests``,
        ``long_horizon``, ``calendar_time``, ``placebo`` (see :meth:`with_extras`).
    inputs
        What the model was fitted on (:class:`eventstudy.firm_fit.FitInputs`), kept by reference
        so that :meth:`fit_of` can refit one firm-event; None when unknown.
    """

    events: EventSet
    model: str
    fit: ReturnFit
    daily: pd.DataFrame
    car: pd.DataFrame
    tests: pd.DataFrame
    aar: pd.DataFrame
    claims: pd.DataFrame
    model_fit: pd.DataFrame
    exclusions: pd.DataFrame
    data_quality: pd.DataFrame
    confounders: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    contamination: pd.DataFrame = field(default_factory=pd.DataFrame)
    clustered: dict[str, bool] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    inputs: Any = field(default=None, repr=False, compare=False)
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The canonical long table (one row per firm-event day); a copy."""
        return self.daily.copy()

    @property
    def abnormal_returns(self) -> pd.DataFrame:
        """Daily returns, normal and abnormal returns, their standard errors and the running CAR."""
        cols = [
            "event_id",
            "ticker",
            "date",
            "rel_day",
            "return",
            "normal_return",
            "abnormal_return",
            "ar_se",
            "ar_t",
            "car_to_date",
            "car_to_date_se",
        ]
        return self.daily[cols].copy()

    @property
    def market_value(self) -> pd.DataFrame:
        """Daily market value on the previous close and the raw and abnormal dollar changes."""
        cols = [
            "event_id",
            "ticker",
            "date",
            "rel_day",
            "close_prev",
            "shares",
            "shares_as_of",
            "market_value_prev",
            "return",
            "abnormal_return",
            "raw_change_usd",
            "abnormal_change_usd",
            "shares_note",
        ]
        return self.daily[cols].copy()

    def table(self, name: str) -> pd.DataFrame:
        """A table by attribute name (``"car"``, ``"tests"``, ...) or extra table name."""
        if name in self.extras:
            return self.extras[name]
        value = getattr(self, name, None)
        return value if isinstance(value, pd.DataFrame) else pd.DataFrame()

    def fit_inputs(self) -> Any:
        """What the model was fitted on (:class:`eventstudy.firm_fit.FitInputs`).

        Raises
        ------
        InputError
            If the result keeps none (it was not made by :meth:`EventStudy.run`).
        """
        from .errors import InputError

        if self.inputs is None:
            raise InputError(
                "this result keeps no returns or fit inputs (it was not made by EventStudy.run); "
                "rerun the study.",
                field="inputs",
                value=None,
            )
        return self.inputs

    def with_extras(self, **tables: pd.DataFrame) -> StudyResult:
        """A new result with more analysis tables (written as ``<name>.csv`` and reported)."""
        import dataclasses

        return dataclasses.replace(self, extras={**self.extras, **tables})

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write every table as CSV into ``directory`` (atomically, file by file).

        Returns the paths written. Floats are written with 12 significant digits so that a second
        run writes byte-identical files; text cells that a spreadsheet would run as a formula get
        a leading apostrophe (see :mod:`eventstudy.report.tables`).
        """
        from .report.tables import write_tables

        return write_tables(self, Path(directory), "csv")

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Write every table as Parquet into ``directory`` (atomically, file by file).

        Returns the paths written. Values are kept as computed (floats unrounded, text as is).
        """
        from .report.tables import write_tables

        return write_tables(self, Path(directory), "parquet")

    def summary(self, movers: int = 5, tests: int = 4, table_format: TableFormat = "csv") -> str:
        """The pooled result first for a sample; else per event: movers, lead tests, claims.

        A sample (more than 20 events or 100 firm-events, see
        :mod:`eventstudy.report.pooled`) gets one screenful: the pooled CAAR per window with
        its standard error and 95% interval, the lead tests, the groups and the 10 largest
        movers. Fewer events get a block per event: day 0, the ``movers`` largest day-0
        abnormal returns, the first ``tests`` tests; then the claims. The tables are named in
        ``table_format`` (``csv`` or ``parquet``), as written beside the summary.
        """
        from .report.pooled import is_sample

        validate_literal(table_format, TableFormat, "table_format")
        if is_sample(self):
            from .report.text import sample_summary

            return sample_summary(self, lead=tests, table_format=table_format)
        lines = [
            f"Event study {self.events.name!r}: model {self.model} vs {self.meta.get('market')}, "
            f"{len(self.fit.sample.pairs)} firm-events"
        ]
        pairs = self.fit.sample.pairs
        day0_of = dict(zip(pairs["event_id"][::-1], pairs["day0"][::-1], strict=True))
        # one pass over each table (up to 20 events here), not a pandas lookup per event
        car = self.car
        at0 = car[(car["window_start"] == 0) & (car["window_end"] == 0)]
        movers_of: dict[str, list[tuple[str, float, float, float]]] = {}
        columns = (at0["event_id"], at0["ticker"], at0["car"], at0["t_stat"], at0["p_value"])
        for row in zip(*columns, strict=True):
            movers_of.setdefault(row[0], []).append(row[1:])
        tests0 = self.tests[(self.tests["window_start"] == 0) & (self.tests["window_end"] == 0)]
        tests_of: dict[str, list[tuple[int, float, str, float, float]]] = {}
        for event_id, *rest in zip(
            tests0["event_id"],
            tests0["order"],
            tests0["caar"],
            tests0["test"],
            tests0["statistic"],
            tests0["p_value"],
            strict=True,
        ):
            tests_of.setdefault(event_id, []).append(tuple(rest))  # type: ignore[arg-type]
        for event_id in dict.fromkeys(car["event_id"]):
            firms = movers_of.get(event_id, [])
            # largest |AR(0)| first, missing ones last
            top = sorted(firms, key=lambda r: (r[1] != r[1], -abs(r[1]) if r[1] == r[1] else 0))
            when = day0_of.get(event_id)
            lines += ["", f"event {event_id} (day 0 {when:%Y-%m-%d}, {len(firms)} firms)"]
            lines += [
                f"  {ticker:<6} AR(0) {ar * 100:8.2f}%  t {t:7.2f}  p {p:.4f}"
                for ticker, ar, t, p in top[:movers]
            ]
            if len(firms) > movers:
                lines.append(f"  ... {len(firms) - movers} more in car.{table_format}")
            rows = sorted(tests_of.get(event_id, []), key=lambda r: r[0])
            if rows:
                lines.append(
                    f"  CAAR(0) {rows[0][1] * 100:.2f}%; tests (robust first when clustered):"
                )
                lines += [
                    f"    {test:<24} {stat:9.3f}  p {p:.4f}" for _, _, test, stat, p in rows[:tests]
                ]
        if len(self.claims):
            lines += ["", "claims (reported vs computed, USD bn)"]
            lines += [
                f"  {r.claim:<28} reported {r.reported_usd / 1e9:8.1f}  raw "
                f"{r.computed_raw_usd / 1e9:8.1f}  abnormal {r.computed_abnormal_usd / 1e9:8.1f}"
                f"  diff {r.difference_pct:6.2f}%"
                for r in self.claims.itertuples()
            ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        n = len(self.fit.sample.pairs)
        return f"StudyResult(name={self.events.name!r}, model={self.model!r}, firm_events={n})"

    def plot_car(self, event_id: str | None = None, **kwargs: Any) -> Any:
        """CAR paths by ticker around day 0 (see :func:`eventstudy.report.plots.plot_car_paths`)."""
        from .report.plots import plot_car_paths

        return plot_car_paths(self, event_id=event_id, **kwargs)

    def plot_abnormal_returns(self, event_id: str | None = None, **kwargs: Any) -> Any:
        """Event-day abnormal returns as bars (see :func:`eventstudy.report.plots.plot_day0_bars`)."""
        from .report.plots import plot_day0_bars

        return plot_day0_bars(self, event_id=event_id, **kwargs)

    def plot_market_value(self, event_id: str | None = None, **kwargs: Any) -> Any:
        """Dollar change by ticker against the reported figure."""
        from .report.plots import plot_market_value

        return plot_market_value(self, event_id=event_id, **kwargs)

    def plot_waterfall(self, event_id: str | None = None, **kwargs: Any) -> Any:
        """Day-0 dollar change by firm as a waterfall, with the reported figure across it."""
        from .report.plots import plot_waterfall

        return plot_waterfall(self, event_id=event_id, **kwargs)

    def plot_benchmark_sensitivity(self, **kwargs: Any) -> Any:
        """Abnormal dollar change of the claim's firms under each benchmark."""
        from .report.plots import plot_benchmark_sensitivity

        return plot_benchmark_sensitivity(self, **kwargs)

    def regress(
        self,
        formula: str,
        window: tuple[int, int] | None = None,
        *,
        characteristics: pd.DataFrame | None = None,
        cov_type: str = "auto",
        weighting: str = "ols",
    ) -> Any:
        """Regress one window's CARs on firm-event characteristics (statsmodels formula API).

        Parameters
        ----------
        formula
            E.g. ``"car ~ surprise + np.log(mcap)"``; ``scar`` (CAR / its standard error) may be
            the dependent variable. Columns come from :attr:`car` (characteristics carried in from
            the event table included), ``day0``, and ``characteristics``.
        window
            The event window (default: the study's first).
        characteristics
            Extra columns, keyed by ``event_id`` and ``ticker`` (or by ``ticker`` alone).
        cov_type, weighting
            See :func:`eventstudy.second_stage.regress`: by default clustered by event date when
            dates repeat, else HC1; OLS, or WLS with weights 1/Var(CAR).

        Returns
        -------
        eventstudy.second_stage.Regression
            ``.results`` is the statsmodels results object; ``.describe()`` says what was done.
        """
        from .second_stage import regress

        chosen = window if window is not None else self.events.windows[0]
        return regress(
            self.second_stage_frame(characteristics),
            formula,
            window=chosen,
            cov_type=cov_type,  # type: ignore[arg-type]
            weighting=weighting,  # type: ignore[arg-type]
        )

    def second_stage_frame(self, characteristics: pd.DataFrame | None = None) -> pd.DataFrame:
        """:attr:`car` with each firm-event's ``day0`` and the given characteristics joined."""
        from .second_stage import join_characteristics

        pairs = self.fit.sample.pairs[["event_id", "ticker", "day0"]]
        table = self.car.merge(pairs, on=["event_id", "ticker"], how="left", validate="m:1")
        return join_characteristics(table, characteristics)

    def fit_of(self, event_id: str, ticker: str) -> Any:
        """One firm-event's estimation regression as a statsmodels result, fitted on demand.

        It is fitted on exactly the estimation rows the study used, so its parameters and
        residual variance (``.params``, ``.scale``) equal the study's (``model_fit``).

        Parameters
        ----------
        event_id, ticker
            The firm-event.

        Returns
        -------
        statsmodels.regression.linear_model.RegressionResultsWrapper
            With ``.summary()``, ``.resid``, ``.get_robustcov_results()``.

        Raises
        ------
        InputError
            If the firm-event is not in the study, or the model is not one OLS regression.
        """
        from .errors import InputError
        from .firm_fit import firm_regression

        pairs = self.fit.sample.pairs
        row = pairs[(pairs["event_id"] == event_id) & (pairs["ticker"] == ticker)].head(1)
        inputs = self.fit_inputs()
        if row.empty:
            raise InputError(
                f"no firm-event {event_id}/{ticker} in this study; pick an event_id and ticker "
                "from result.car.",
                field="ticker",
                value=f"{event_id}/{ticker}",
            )
        return firm_regression(self.model, row, inputs)

    def calendar_time(
        self,
        window: tuple[int, int] | None = None,
        *,
        weighting: str = "equal",
        factors: tuple[str, ...] | None = None,
        hac_lags: int | None = None,
    ) -> Any:
        """Calendar-time portfolio regression of the firms inside their event window.

        See :func:`eventstudy.calendar_time.calendar_time_portfolio` (Jaffe 1974; Fama 1998;
        Mitchell and Stafford 2000). Each (ticker, day 0) is held once.

        Parameters
        ----------
        window
            Holding window in sessions from day 0 (default: the study's longest window); it must
            lie inside the study's event span, which the prices cover.
        weighting
            ``"equal"`` or ``"value"`` (market value on the session before day 0).
        factors
            Factor columns of the study's factor frame (e.g. ``("Mkt-RF", "SMB", "HML")``);
            None regresses on the study's benchmark.
        hac_lags
            Newey-West lags (default by the Newey-West 1994 rule).

        Returns
        -------
        eventstudy.calendar_time.CalendarTimeResult
        """
        from .calendar_time import calendar_time_portfolio
        from .errors import InputError

        inputs = self.fit_inputs()
        windows = inputs.windows
        chosen = window or max(windows, key=lambda w: (w[1] - w[0], -w[0]))
        span = (min(w[0] for w in windows), max(w[1] for w in windows))
        if chosen[0] < span[0] or chosen[1] > span[1]:
            raise InputError(
                f"calendar-time window {tuple(chosen)} reaches beyond the study's event span "
                f"{span}, which its prices cover; rerun the study with --window "
                f"{chosen[0]},{chosen[1]}.",
                field="window",
                value=str(tuple(chosen)),
            )
        pairs = self.fit.sample.pairs.drop_duplicates(["ticker", "day0"])
        market_values = None
        if weighting == "value":
            day0 = self.daily[self.daily["rel_day"] == 0]
            mv = day0.drop_duplicates(["event_id", "ticker"]).set_index(["event_id", "ticker"])
            keys = pd.MultiIndex.from_frame(pairs[["event_id", "ticker"]])
            market_values = mv["market_value_prev"].reindex(keys).to_numpy(dtype=float)
        regressors = inputs.regressors
        if factors is not None and regressors is None:
            raise InputError(
                "factors= needs the study's factor returns, and this study has none; run it "
                "with factors (--factors FILE) or leave factors=None to use the benchmark.",
                field="factors",
                value=", ".join(factors),
            )
        return calendar_time_portfolio(
            inputs.returns,
            pairs,
            inputs.market.iloc[:, 0],
            window=tuple(chosen),  # type: ignore[arg-type]
            weighting=weighting,  # type: ignore[arg-type]
            market_values=market_values,
            factors=regressors if factors is not None else None,
            factor_names=tuple(factors or ("Mkt-RF",)),
            hac_lags=hac_lags,
        )

    def placebo(
        self,
        draws: int = 500,
        *,
        seed: int = 0,
        executor: str = "local",
        scheduler: str | None = None,
    ) -> Any:
        """Placebo-date permutation test of the pooled CAAR in every window.

        Each distinct event date moves, with all its firms, to a pseudo date drawn from the
        prices' history; the pooled CAAR (each ticker and day 0 once) is compared with the
        ``draws`` placebo CAARs (:mod:`eventstudy.placebo`). Seeded; ``executor="dask"`` runs the
        pseudo studies on a cluster.

        Returns
        -------
        eventstudy.placebo.PlaceboResult
        """
        import dataclasses

        from .models import get_model
        from .placebo import placebo_test

        inputs = self.fit_inputs()
        pairs = self.fit.sample.pairs.drop_duplicates(["ticker", "day0"])
        keys = pairs[["event_id", "ticker"]]
        observed = {}
        for window in inputs.windows:
            rows = self.car[
                (self.car["window_start"] == window[0]) & (self.car["window_end"] == window[1])
            ].merge(keys, on=["event_id", "ticker"])
            cars = rows["car"].to_numpy(dtype=float)
            cars = cars[np.isfinite(cars)]
            observed[window] = (len(cars), float(cars.mean()) if len(cars) else float("nan"))
        model = get_model(self.model)
        min_obs = self.meta.get("min_estimation_obs")
        if min_obs:
            model = dataclasses.replace(model, min_nobs=int(min_obs))  # type: ignore[type-var]
        return placebo_test(
            pairs[["event_id", "ticker", "day0"]],
            inputs.returns,
            inputs.market,
            model,
            inputs.estimation,
            inputs.windows,
            observed,
            draws=draws,
            seed=seed,
            regressors=inputs.regressors,
            executor=executor,  # type: ignore[arg-type]
            scheduler=scheduler,
        )

    def long_horizon(
        self,
        window: tuple[int, int] | None = None,
        *,
        measure: str = "bhar",
        resamples: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Long-horizon tests of the mean BHAR (or CAR) per event and pooled.

        The conventional t, Hall's skewness-adjusted t and its bootstrap (Lyon, Barber and Tsai
        1999; :mod:`eventstudy.stats.long_horizon`). ``ALL`` pools every firm-event once per
        (ticker, day 0); per-event rows come first when there are at most 50 events.

        Parameters
        ----------
        window
            The window (default: the study's longest).
        measure
            ``"bhar"`` (default) or ``"car"``.
        resamples, seed
            Bootstrap resamples and the generator's seed.

        Returns
        -------
        pandas.DataFrame
            One row per group (:data:`eventstudy.stats.long_horizon.COLUMNS`).
        """
        from .errors import InputError
        from .second_stage import window_rows
        from .stats.long_horizon import long_horizon_tests

        if measure not in ("bhar", "car"):
            raise InputError(
                f"measure={measure!r} is not a valid choice; use 'bhar' or 'car'.",
                field="measure",
                value=measure,
            )
        if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 99:
            raise InputError(
                f"resamples={resamples!r} is too few for a bootstrap p-value; use at least 99 "
                "(1000 is the usual choice).",
                field="resamples",
                value=resamples,
            )
        windows = self.meta.get("windows") or self.events.windows
        chosen = window or max(windows, key=lambda w: (w[1] - w[0], -w[0]))
        rows = window_rows(self.car, chosen)
        pairs = self.fit.sample.pairs[["event_id", "ticker", "day0"]]
        keyed = rows.merge(pairs, on=["event_id", "ticker"], how="left")
        pooled = keyed.drop_duplicates(["ticker", "day0"]).assign(event_id="ALL")
        # per event only when the events are few (a sample's events are one firm each)
        few = keyed["event_id"].nunique() <= 50
        both = pd.concat([keyed, pooled], ignore_index=True) if few else pooled
        return long_horizon_tests(both, measure, tuple(chosen), resamples=resamples, seed=seed)

    def group_differences(self) -> pd.DataFrame:
        """Tests of the difference between each pair of characteristic groups' mean CARs.

        Empty unless the study grouped by a characteristic (``group_by="size:5"``); then, per
        window and pair of groups, Welch's t and the clustering-robust regression t
        (:func:`eventstudy.groups.group_differences`). Groups are formed exactly as for the
        tests: each ticker and day 0 once, quantiles over those firm-events.
        """
        from .groups import BUILT_IN, group_differences, group_labels, parse_group_by

        spec = self.meta.get("group_by", "auto")
        if spec in BUILT_IN:
            return pd.DataFrame()
        columns = [c for c in self.car.columns if c not in ("event_id", "ticker")]
        column, quantiles = parse_group_by(str(spec), columns)
        pairs = self.fit.sample.pairs[["event_id", "ticker", "day0"]]
        firms = pairs.drop_duplicates(["ticker", "day0"])
        first = self.car.drop_duplicates(["event_id", "ticker"])[["event_id", "ticker", column]]
        values = firms.merge(first, on=["event_id", "ticker"], how="left")
        firms = firms.assign(group=group_labels(values[column], column, quantiles).to_numpy())
        table = self.car[["event_id", "ticker", "window_start", "window_end", "car"]].merge(
            firms, on=["event_id", "ticker"], how="inner"
        )
        return group_differences(table, "group")
