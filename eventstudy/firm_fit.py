"""One firm-event's estimation regression as a statsmodels result, fitted on demand.

The engine fits every firm-event at once from sufficient statistics and keeps no per-firm
regression objects (at 10^6 firm-events they would not fit in memory). :func:`firm_regression`
refits one of them with statsmodels on exactly the estimation rows the engine used (the window
counted in sessions from day 0, less the days where the return or a regressor is missing), so that
``.summary()``, ``.resid`` and ``.get_robustcov_results()`` are at hand for inspection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._types import WindowSpec
from .errors import InputError
from .models import get_model
from .models.base import LinearReturnModel
from .sample import build_sample


@dataclass(frozen=True)
class FitInputs:
    """What a study's model was fitted on, kept by reference (no copy) for refits.

    Attributes
    ----------
    returns
        Wide firm returns (index = sessions).
    market
        Benchmark returns on the same index, one column per benchmark.
    regressors
        Factor returns for the factor models, or None.
    estimation
        Estimation window relative to day 0, inclusive.
    windows
        The study's event windows.
    """

    returns: pd.DataFrame
    market: pd.DataFrame
    regressors: pd.DataFrame | None
    estimation: WindowSpec
    windows: tuple[WindowSpec, ...]


def firm_regression(model_name: str, pair: pd.DataFrame, inputs: FitInputs) -> Any:
    """Fit one firm-event's normal-return regression with statsmodels OLS.

    Parameters
    ----------
    model_name
        Registry name of the study's model (a linear model).
    pair
        One row with ``event_id``, ``ticker``, ``day0`` and ``market``.
    inputs
        The study's fit inputs.

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
        Exogenous names are the model's parameter names (``alpha``, ``beta``, ...); the index of
        ``resid`` is the estimation sessions used.

    Raises
    ------
    InputError
        If the model is not an OLS regression (market-adjusted, Scholes-Williams, Dimson) or the
        firm-event has no usable estimation rows.
    """
    import statsmodels.api as sm

    model = get_model(model_name)
    label = f"{pair['event_id'].iloc[0]}/{pair['ticker'].iloc[0]}"
    if not isinstance(model, LinearReturnModel):
        raise InputError(
            f"model {model_name!r} is not estimated by one OLS regression per firm, so there is "
            f"no statsmodels fit for {label}; read its parameters in result.model_fit.",
            field="model",
            value=model_name,
        )
    sample = build_sample(
        pair, inputs.returns, inputs.market, inputs.estimation, inputs.windows, inputs.regressors
    )
    design = model.design(sample)
    if design.x_est.shape[-1] == 0:
        raise InputError(
            f"model {model_name!r} estimates no parameters, so there is no regression for {label}.",
            field="model",
            value=model_name,
        )
    y, x = design.y_est[0], design.x_est[0]
    used = np.isfinite(y) & np.isfinite(x).all(axis=1)
    if used.sum() <= x.shape[1]:
        raise InputError(
            f"{label} has {int(used.sum())} usable estimation days; it was excluded from the "
            "study (see result.exclusions).",
            field="ticker",
            value=label,
        )
    sessions = sample.dates[sample.est_pos[0][used]]
    endog = pd.Series(y[used], index=sessions, name=str(pair["ticker"].iloc[0]))
    exog = pd.DataFrame(x[used], index=sessions, columns=list(design.param_names))
    return sm.OLS(endog, exog).fit()
