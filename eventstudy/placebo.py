r"""Placebo-date permutation test of the CAAR: inference without a distributional assumption.

The observed CAAR is compared with the CAARs of the same firms on pseudo event dates drawn from
their own history. Each distinct real event date is moved, as a block, to one pseudo date, so that
firms sharing a real date share its pseudo date: the cross-sectional dependence that the analytic
tests correct for (clustering, Kolari and Pynnonen 2010) is reproduced in every draw instead of
assumed away. Every pseudo study goes through the same engine and model as the real one, with the
same estimation and event windows counted in sessions.

Notes
-----
With :math:`B` draws and :math:`\overline{CAR}^{(b)}` the CAAR of draw :math:`b`, the two-sided
p-value counts the draws at least as extreme as the observed CAAR, with the observed one counted
among them so that the test is exact under exchangeability (Phipson and Smyth 2010):

.. math::

    p = \frac{1 + \#\{b : |\overline{CAR}^{(b)}| \ge |\overline{CAR}|\}}{1 + B}.

Pseudo day 0s are the sessions whose whole estimation window and event span lie in the prices,
at least one event span away from every real event date of the sample. The generator is seeded.

References
----------
Brown, S. J. and Warner, J. B. (1980). Measuring security price performance. *Journal of
Financial Economics* 8, 205-258 (placebo dates drawn from each security's history).

Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional correlation of
abnormal returns. *Review of Financial Studies* 23, 3996-4025.

Phipson, B. and Smyth, G. K. (2010). Permutation p-values should never be zero. *Statistical
Applications in Genetics and Molecular Biology* 9(1), article 39.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import engine
from ._types import Executor, WindowSpec
from .errors import InputError
from .models import ReturnModel
from .sample import span_of

#: Columns of :attr:`PlaceboResult.table` (and ``placebo.csv``).
COLUMNS = (
    "window_start",
    "window_end",
    "n_firms",
    "caar",
    "placebo_mean",
    "placebo_sd",
    "p_value",
    "draws",
    "seed",
)

MIN_CANDIDATES = 20
"""Fewest pseudo dates the prices must allow; fewer cannot give a meaningful distribution."""


@dataclass(frozen=True)
class PlaceboResult:
    """Observed CAARs against their placebo distributions, one row per window.

    Attributes
    ----------
    table
        One row per window (:data:`COLUMNS`).
    draws
        ``(B, W)`` placebo CAARs (NaN where a draw had no firm with a CAR).
    pseudo_day0
        ``(B, N)`` pseudo day 0 of each firm-event in each draw.
    """

    table: pd.DataFrame
    draws: np.ndarray
    pseudo_day0: np.ndarray


def placebo_test(
    pairs: pd.DataFrame,
    returns: pd.DataFrame,
    market: pd.DataFrame,
    model: ReturnModel,
    estimation: WindowSpec,
    windows: tuple[WindowSpec, ...],
    observed: dict[WindowSpec, tuple[int, float]],
    *,
    draws: int = 500,
    seed: int = 0,
    regressors: pd.DataFrame | None = None,
    executor: Executor = "local",
    scheduler: str | None = None,
) -> PlaceboResult:
    """Permutation test of the CAAR against placebo event dates.

    Parameters
    ----------
    pairs
        ``event_id``, ``ticker``, ``day0`` per firm-event (each held once).
    returns, market, regressors
        The study's wide returns, benchmark returns and factors (index = sessions).
    model, estimation, windows
        The study's model, estimation window and event windows.
    observed
        Window -> (N, observed CAAR).
    draws
        Number of placebo samples :math:`B`.
    seed
        Seed of the generator.
    executor, scheduler
        Where the pseudo studies run (``"dask"`` for a cluster).

    Returns
    -------
    PlaceboResult

    Raises
    ------
    InputError
        Fewer than 10 draws, or prices too short to place :data:`MIN_CANDIDATES` pseudo dates.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 10:
        raise InputError(
            f"draws={draws!r} is too few placebo samples; use at least 10 (500-1000 is usual).",
            field="draws",
            value=draws,
        )
    dates = pd.DatetimeIndex(returns.index)
    real = dates.get_indexer(pd.DatetimeIndex(pairs["day0"]))
    span = span_of(windows)
    lo, hi = -int(estimation[0]), len(dates) - 1 - int(span[-1])
    width = int(span[-1] - span[0] + 1)
    candidates = np.arange(lo, hi + 1)
    real_dates = np.unique(real[real >= 0])
    if len(candidates) and len(real_dates):
        near = np.abs(candidates[:, None] - real_dates[None, :]).min(axis=1) <= width
        candidates = candidates[~near]
    if len(candidates) < MIN_CANDIDATES:
        raise InputError(
            f"the prices allow {len(candidates)} placebo event dates (each needs the estimation "
            f"window {tuple(estimation)} and the event span before the data ends, away from the "
            f"real dates); at least {MIN_CANDIDATES} are needed: supply a longer price history.",
            field="draws",
            value=draws,
        )
    rng = np.random.default_rng(seed)
    codes, uniques = pd.factorize(real)
    # one pseudo date per real date and draw: firms sharing a date keep sharing it
    pseudo = candidates[rng.integers(0, len(candidates), (draws, len(uniques)))]
    pseudo_pos = pseudo[:, codes]
    n = len(pairs)
    fake = pd.DataFrame(
        {
            "event_id": np.repeat([f"p{b}" for b in range(draws)], n),
            "ticker": np.tile(pairs["ticker"].to_numpy(), draws),
            "day0": dates[pseudo_pos.ravel()],
        }
    )
    groups = {f"p{b}": np.arange(b * n, (b + 1) * n) for b in range(draws)}
    run = engine.estimate(
        fake,
        returns,
        market,
        model,
        estimation,
        windows,
        groups,
        tests=("cross_sectional_t",),
        regressors=regressors,
        executor=executor,
        scheduler=scheduler,
    )
    caars = np.array(
        [[run.results[(f"p{b}", w)][1] for w in windows] for b in range(draws)], dtype=float
    )
    rows = []
    for k, window in enumerate(windows):
        n_obs, caar = observed[window]
        got = caars[:, k][np.isfinite(caars[:, k])]
        extreme = int((np.abs(got) >= abs(caar)).sum())
        p = (1 + extreme) / (1 + len(got)) if len(got) and np.isfinite(caar) else np.nan
        rows.append(
            (window[0], window[1], n_obs, caar, got.mean(), got.std(ddof=1), p, len(got), seed)
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return PlaceboResult(table, caars, dates.to_numpy()[pseudo_pos])
