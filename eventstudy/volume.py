r"""Abnormal trading volume: the event study of log volume instead of returns.

News that moves prices also moves trading. Following Campbell and Wasley (1996), volume is
measured in logs, which makes its distribution close enough to normal for the usual tests, and its
normal level is estimated over the same estimation window as the return model:

.. math::

    v_{it} = \log(1 + V_{it}) \quad\text{(share volume)}, \qquad
    v_{it} = \log(1 + 100\,V_{it}/S_{it}) \quad\text{(turnover, percent of shares outstanding)},

    AV_{it} = v_{it} - \bar v_i \quad\text{(mean-adjusted)}, \qquad
    AV_{it} = v_{it} - \hat\alpha_i - \hat\beta_i v_{mt} \quad\text{(market model of log volume)},

with :math:`v_{mt}` the log volume of the benchmark. Abnormal volume cumulates over a window like
abnormal returns (:math:`CAV_i = \sum_t AV_{it}`), and its significance comes from the same test
statistics: Campbell and Wasley's parametric test (the cross-sectional mean standardized by its
estimation-period time-series standard deviation, our Brown-Warner statistic), the cross-sectional
t, and the Corrado (1989) rank test, which they find best specified for volume. Nothing is
re-implemented: the log-volume panel goes through the same engine, models and registered tests
as returns.

Days with zero volume are kept (:math:`\log 1 = 0`); a firm-event with zero volume on more than
half its estimation days is excluded with that reason, because its "normal" volume is then mostly
the absence of trading.

References
----------
Campbell, C. J. and Wasley, C. E. (1996). Measuring abnormal daily trading volume for samples of
NYSE/ASE and NASDAQ securities using parametric and nonparametric test statistics. *Review of
Quantitative Finance and Accounting* 6, 309-326.

Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in event
studies. *Journal of Financial Economics* 23, 385-395.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from . import engine
from ._types import WindowSpec, validate_literal
from .errors import InputError
from .models import MarketModel, MeanAdjustedModel

VolumeModel = Literal["mean_adjusted", "market"]
"""Normal log volume: the estimation-window mean, or a market model on the benchmark's log volume."""

VolumeMeasure = Literal["volume", "turnover"]
"""Share volume, or turnover (percent of shares outstanding; needs share counts)."""

#: The tests Campbell and Wasley (1996) study, in our registry's names.
VOLUME_TESTS = ("brown_warner", "cross_sectional_t", "corrado_rank")


@dataclass(frozen=True)
class VolumeResult:
    """Abnormal volume of every firm-event, cumulated over windows, with its tests.

    Attributes
    ----------
    daily
        One row per firm-event and event-span day: ``log_volume``, ``normal_log_volume``,
        ``abnormal_volume``.
    cumulative
        One row per firm-event and window: ``cav`` (sum of abnormal log volume), ``n_days``.
    tests
        One row per group, window and test: ``n_firms``, ``mean_cav``, ``statistic``,
        ``p_value``, ``distribution``, ``reason``, ``citation``.
    model, measure
        What was computed.
    """

    daily: pd.DataFrame
    cumulative: pd.DataFrame
    tests: pd.DataFrame
    model: str
    measure: str


def log_volume(
    volume: pd.DataFrame, measure: VolumeMeasure = "volume", shares: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The log-volume panel: ``log(1 + V)`` or ``log(1 + 100 V / S)``; negative volume is missing.

    Parameters
    ----------
    volume
        Wide share volume (index = sessions, one column per ticker).
    measure
        ``"volume"`` or ``"turnover"``.
    shares
        Shares outstanding on the same grid (turnover only).
    """
    measure = validate_literal(measure, VolumeMeasure, "volume_measure")
    values = volume.to_numpy(dtype=float, copy=True)
    values[values < 0] = np.nan
    if measure == "turnover":
        if shares is None:
            raise InputError(
                "volume_measure='turnover' needs shares outstanding for every firm; pass a share "
                "file (--shares) or use volume_measure='volume'.",
                field="volume_measure",
                value=measure,
            )
        count = shares.reindex(index=volume.index, columns=volume.columns).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = 100.0 * values / np.where(count > 0, count, np.nan)
    return pd.DataFrame(np.log1p(values), index=volume.index, columns=volume.columns)


def abnormal_volume(
    volume: pd.DataFrame,
    pairs: pd.DataFrame,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    groups: dict[str, np.ndarray],
    *,
    benchmark: str | None = None,
    model: VolumeModel = "mean_adjusted",
    measure: VolumeMeasure = "volume",
    shares: pd.DataFrame | None = None,
    min_nobs: int = 30,
    tests: tuple[str, ...] = VOLUME_TESTS,
) -> VolumeResult:
    """Abnormal log volume per firm-event, cumulated over windows and tested per group.

    Parameters
    ----------
    volume
        Wide share volume on the study's sessions (benchmark column included for ``"market"``).
    pairs
        ``event_id``, ``ticker``, ``day0`` per firm-event.
    estimation, windows
        As in the return study (inclusive session offsets).
    groups
        Group name -> row indices of ``pairs``.
    benchmark
        Column of ``volume`` whose log volume is the market factor (``model="market"``).
    model
        ``"mean_adjusted"`` (default) or ``"market"``.
    measure
        ``"volume"`` (default) or ``"turnover"``.
    shares
        Wide shares outstanding (turnover).
    min_nobs
        Fewest estimation days with volume a firm-event needs.
    tests
        Registered test names (default: Campbell and Wasley's three).

    Returns
    -------
    VolumeResult

    Raises
    ------
    InputError
        No volume at all, an unknown option, or ``"market"`` without the benchmark's volume.
    """
    model = validate_literal(model, VolumeModel, "volume_model")
    if volume.empty or not np.isfinite(volume.to_numpy(dtype=float)).any():
        raise InputError(
            "abnormal volume needs a 'volume' column with values, and the prices have none; "
            "supply prices with volume (yfinance or a file with a volume column) or drop the "
            "volume measure.",
            field="volume",
            value=None,
        )
    logv = log_volume(volume, measure, shares)
    if model == "market":
        if benchmark is None or benchmark not in logv.columns or logv[benchmark].isna().all():
            raise InputError(
                f"volume_model='market' needs the benchmark's volume ({benchmark}), which the "
                "prices lack; use volume_model='mean_adjusted'.",
                field="volume_model",
                value=model,
            )
        market = logv[[benchmark]]
        spec = dataclasses.replace(MarketModel(), min_nobs=min_nobs)
    else:
        # the mean-adjusted model ignores the market series; any column of the right shape does
        market = logv.iloc[:, :1]
        spec = dataclasses.replace(MeanAdjustedModel(), min_nobs=min_nobs)
    excluded = _mostly_zero(volume, pairs, estimation)
    kept = pairs.loc[~excluded].drop(columns=["market"], errors="ignore").reset_index(drop=True)
    # group rows renumbered onto the kept firm-events
    renumber = np.cumsum(~excluded) - 1
    kept_groups = {g: renumber[rows[~excluded[rows]]] for g, rows in groups.items()}
    run = engine.estimate(kept, logv, market, spec, estimation, windows, kept_groups, tests=tests)
    fit = run.fit
    ar, rel, p = fit.ar, fit.sample.rel_days, fit.sample.pairs
    n, width = ar.shape
    dates, pos = fit.sample.dates, fit.sample.evt_pos
    daily = pd.DataFrame(
        {
            "event_id": np.repeat(p["event_id"].to_numpy(), width),
            "ticker": np.repeat(p["ticker"].to_numpy(), width),
            "date": dates.to_numpy()[np.clip(pos, 0, len(dates) - 1)].ravel(),
            "rel_day": np.tile(rel, n),
            "log_volume": fit.sample.firm_evt.ravel(),
            "normal_log_volume": fit.normal.ravel(),
            "abnormal_volume": ar.ravel(),
        }
    )
    daily.loc[(pos < 0).ravel(), "date"] = pd.NaT
    cumulative = _cumulative(p, ar, rel, windows)
    if excluded.any():
        dropped = pairs.loc[excluded, ["event_id", "ticker"]].reset_index(drop=True)
        reason = "zero volume on more than half the estimation days"
        extra = [
            dropped.assign(window_start=a, window_end=b, cav=np.nan, n_days=0, reason=reason)
            for a, b in windows
        ]
        cumulative = pd.concat([cumulative, *extra], ignore_index=True)
    table = _tests_table(run, kept_groups, windows, tests)
    return VolumeResult(daily, cumulative, table, model, measure)


def _mostly_zero(volume: pd.DataFrame, pairs: pd.DataFrame, estimation: WindowSpec) -> np.ndarray:
    """Firm-events with zero volume on more than half their estimation days."""
    zero = volume.eq(0).to_numpy()
    dates = pd.DatetimeIndex(volume.index)
    day0 = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    col = volume.columns.get_indexer(pairs["ticker"])
    offsets = np.arange(estimation[0], estimation[1] + 1)
    pos = day0[:, None] + offsets[None, :]
    ok = (pos >= 0) & (pos < len(dates)) & (day0[:, None] >= 0) & (col[:, None] >= 0)
    hits = np.zeros(pos.shape, bool)
    hits[ok] = zero[pos[ok], np.broadcast_to(col[:, None], pos.shape)[ok]]
    return hits.sum(axis=1) > len(offsets) / 2


def _cumulative(
    pairs: pd.DataFrame, ar: np.ndarray, rel: np.ndarray, windows: tuple[WindowSpec, ...]
) -> pd.DataFrame:
    frames = []
    for start, end in windows:
        cols = (rel >= start) & (rel <= end)
        block = ar[:, cols]
        frames.append(
            pd.DataFrame(
                {
                    "event_id": pairs["event_id"].to_numpy(),
                    "ticker": pairs["ticker"].to_numpy(),
                    "window_start": start,
                    "window_end": end,
                    "cav": block.sum(axis=1),  # NaN if a day is missing, as CARs
                    "n_days": np.isfinite(block).sum(axis=1),
                    "reason": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _tests_table(
    run: engine.EngineRun,
    groups: dict[str, np.ndarray],
    windows: tuple[WindowSpec, ...],
    tests: tuple[str, ...],
) -> pd.DataFrame:
    rows = []
    for window in windows:
        for group in groups:
            n_firms, mean, results = run.results[(group, window)]
            for name in tests:
                res = results[name]
                rows.append(
                    (
                        group,
                        window[0],
                        window[1],
                        n_firms,
                        mean,
                        res.name,
                        res.stat,
                        res.p_value,
                        res.distribution,
                        res.reason or "",
                        res.citation,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "window_start",
            "window_end",
            "n_firms",
            "mean_cav",
            "test",
            "statistic",
            "p_value",
            "distribution",
            "reason",
            "citation",
        ],
    )


def pooled_path(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean abnormal log volume per event day over all firm-events (each ticker and day 0 once).

    Columns ``rel_day``, ``n_firms``, ``mean_abnormal_volume`` and its cumulation
    ``cumulative_abnormal_volume``; one row per event day.
    """
    first = daily.drop_duplicates(["ticker", "date", "rel_day"])
    grouped = first.groupby("rel_day")["abnormal_volume"]
    out = pd.DataFrame(
        {"n_firms": grouped.count(), "mean_abnormal_volume": grouped.mean()}
    ).reset_index()
    out["cumulative_abnormal_volume"] = out["mean_abnormal_volume"].cumsum()
    return out
