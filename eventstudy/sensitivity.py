"""How much the abnormal return depends on the benchmark.

Large event firms are part of their own benchmark (Nvidia and Broadcom in the S&P 500), so the
benchmark falls partly because of them and a market model absorbs part of their own loss. This
module refits the main event under several benchmarks and models, side by side, and measures
how large the event firms are inside each benchmark (:func:`benchmark_contamination`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._types import WindowSpec
from .errors import BenchmarkContaminationWarning, InputError
from .models import MarketAdjustedModel, ReturnModel
from .sample import build_sample


def benchmark_sensitivity(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    model: ReturnModel,
    benchmarks: list[str],
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    day0_values: pd.DataFrame,
) -> pd.DataFrame:
    """Day-0 abnormal return and dollar change of each firm under each benchmark.

    Parameters
    ----------
    pairs
        Firm-events of the main event (``event_id, ticker, day0``).
    returns
        Wide returns holding the firms and every benchmark.
    model
        The study's model; it is refitted with each benchmark. The market-adjusted model against
        the first benchmark is added for comparison.
    benchmarks
        Benchmark tickers; those without returns are skipped.
    estimation, windows
        As in the study.
    day0_values
        ``event_id, ticker, market_value_prev, raw_change_usd`` on day 0.

    Returns
    -------
    pandas.DataFrame
        ``event_id, benchmark, model, ticker, beta, abnormal_return, abnormal_change_usd,
        raw_change_usd``.
    """
    available = [b for b in dict.fromkeys(benchmarks) if b in returns.columns]
    specs: list[tuple[str, ReturnModel]] = [(b, model) for b in available]
    if available:
        specs.append((available[0], MarketAdjustedModel(min_nobs=model.min_nobs)))
    parts = []
    for bench, spec in specs:
        sample = build_sample(
            pairs.assign(market=bench), returns, returns[[bench]], estimation, windows
        )
        fit = spec.fit(sample)
        ar0 = fit.car((0, 0))[0]
        part = pairs[["event_id", "ticker"]].copy()
        part.insert(1, "benchmark", bench)
        part.insert(2, "model", spec.name)
        beta_col = fit.param_names.index("beta") if "beta" in fit.param_names else None
        part["beta"] = fit.params[:, beta_col] if beta_col is not None else np.nan
        part["abnormal_return"] = ar0
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    table = table.merge(
        day0_values[["event_id", "ticker", "market_value_prev", "raw_change_usd"]],
        on=["event_id", "ticker"],
        how="left",
    )
    table["abnormal_change_usd"] = table["market_value_prev"] * table["abnormal_return"]
    return table.drop(columns="market_value_prev")


#: Default share of a benchmark above which the event firms are said to contaminate it.
CONTAMINATION_THRESHOLD = 0.05

CONTAMINATION_COLUMNS = [
    "benchmark",
    "benchmark_market_value",
    "firms",
    "firms_market_value",
    "weight",
    "threshold",
    "contaminated",
    "own_contribution",
    "benchmark_return",
]


def _positive(value: object, field: str, where: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not (math.isfinite(number) and number > 0):
        raise InputError(
            f"{field} for {where} is {value!r}; it must be a positive number of US dollars "
            f"(e.g. 52e12 for the S&P 500 in January 2025); fix or remove that entry.",
            field=field,
            value=value,
        )
    return number


def benchmark_contamination(
    firm_values: Mapping[str, float] | pd.Series,
    benchmark_values: Mapping[str, float],
    threshold: float = CONTAMINATION_THRESHOLD,
    *,
    firm_returns: Mapping[str, float] | pd.Series | None = None,
    benchmark_returns: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    r"""Weight of the event firms in each benchmark whose total market value is known.

    A market model regresses a firm on a benchmark that may contain the firm itself. When the event
    firms are a large share of the benchmark, the benchmark falls partly *because of them* on the
    event day, and the model's normal return absorbs part of the very move being measured. This
    function reports that share and warns when it exceeds ``threshold``.

    Parameters
    ----------
    firm_values
        Market value in US dollars of each event firm on the close before the event (e.g. day-0
        ``market_value_prev``), by ticker. Firms with a missing value are left out. Every firm
        given is assumed to be a member of every benchmark at its full market value.
    benchmark_values
        Total market value in US dollars of each benchmark (for an ETF: of the index it tracks),
        by benchmark ticker, e.g. ``{"SPY": 52e12}``.
    threshold
        Weight above which a :class:`~eventstudy.errors.BenchmarkContaminationWarning` is issued;
        strictly between 0 and 1 (default 0.05).
    firm_returns, benchmark_returns
        Optional event-day returns (decimals) of the firms and the benchmarks; with both, the
        table also gives the firms' own contribution to the benchmark's return.

    Returns
    -------
    pandas.DataFrame
        One row per benchmark, columns :data:`CONTAMINATION_COLUMNS`: ``firms`` (``+``-joined
        tickers), ``firms_market_value``, ``weight``, ``contaminated`` (``weight > threshold``),
        ``own_contribution`` and ``benchmark_return`` (NaN unless the returns are given).

    Raises
    ------
    InputError
        If ``threshold`` is not in (0, 1), a benchmark value is not a positive number, or the
        firms' total exceeds a benchmark's total (the firms cannot all be members).

    Warns
    -----
    BenchmarkContaminationWarning
        Once, naming every benchmark whose weight exceeds ``threshold``.

    Notes
    -----
    With firm market values :math:`V_i` and benchmark total :math:`B`,

    .. math::

        w = \frac{\sum_i V_i}{B}, \qquad
        c = \sum_i \frac{V_i}{B} R_i ,

    where :math:`R_i` is firm :math:`i`'s event-day return and :math:`c` its contribution (in
    return units) to a capitalisation-weighted benchmark's return. Index providers weight by
    free-float market value, so :math:`w` computed from total shares outstanding is approximate.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = benchmark_contamination({"NVDA": 3.49e12, "AVGO": 1.14e12}, {"SPY": 52e12})
    >>> round(float(table.loc[0, "weight"]), 4)
    0.089
    """
    try:
        limit = float(threshold)
    except (TypeError, ValueError):
        limit = float("nan")
    if not (0 < limit < 1):
        raise InputError(
            f"threshold={threshold!r} is not a share of the benchmark; pass a number strictly "
            "between 0 and 1 (default 0.05).",
            field="threshold",
            value=threshold,
        )
    values = pd.Series(firm_values, dtype="float64").dropna()
    returns = (
        pd.Series(firm_returns, dtype="float64").reindex(values.index)
        if firm_returns is not None
        else pd.Series(np.nan, index=values.index)
    )
    firms = "+".join(map(str, values.index))
    total = float(values.sum())
    rows = []
    for bench, raw in benchmark_values.items():
        b_value = _positive(raw, "benchmark_market_value", f"benchmark {bench!r}")
        if total > b_value:
            raise InputError(
                f"benchmark_market_value for benchmark {bench!r} is {b_value:.4g} USD, less than "
                f"the event firms' own {total:.4g} USD ({firms}); give the benchmark's total "
                "market value, not a price or a weight.",
                field="benchmark_market_value",
                value=raw,
            )
        bench_ret = (
            float(benchmark_returns.get(bench, np.nan)) if benchmark_returns else float("nan")
        )
        rows.append(
            {
                "benchmark": str(bench),
                "benchmark_market_value": b_value,
                "firms": firms,
                "firms_market_value": total,
                "weight": total / b_value,
                "threshold": limit,
                "contaminated": total / b_value > limit,
                "own_contribution": float((values / b_value * returns).sum(min_count=1))
                if firm_returns is not None
                else float("nan"),
                "benchmark_return": bench_ret,
            }
        )
    table = pd.DataFrame(rows, columns=CONTAMINATION_COLUMNS)
    hit = table[table["contaminated"]]
    if len(hit):
        listed = ", ".join(f"{r.weight:.1%} of {r.benchmark}" for r in hit.itertuples(index=False))
        warnings.warn(
            f"the event firms ({firms}) weigh {listed} (threshold {limit:.0%}): the benchmark's "
            "event-day move contains part of their own, so the market model understates their "
            "abnormal return; compare the benchmark-sensitivity table",
            BenchmarkContaminationWarning,
            stacklevel=2,
        )
    return table
