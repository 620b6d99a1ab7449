"""How much the abnormal return depends on the benchmark.

Large event firms are part of their own benchmark (Nvidia and Broadcom in the S&P 500), so the
benchmark falls partly because of them and a market model absorbs part of their own loss. This
module refits the main event under several benchmarks and models, side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._types import WindowSpec
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
