r"""Second stage: what explains the abnormal returns (cross-sectional regressions of CARs).

After testing whether the mean CAR is zero, a study asks what drives it: firm size, the size of the
surprise, the industry. :func:`regress` fits the CARs of one window on firm-event characteristics
with statsmodels' formula API and returns the statsmodels results object, with a covariance that
respects how event samples are built:

- firm-events that share an event date have cross-correlated abnormal returns, so plain OLS
  standard errors understate the uncertainty (Sefcik and Thompson 1986); the default clusters by
  event date whenever dates repeat (Petersen 2009);
- otherwise the default is White's heteroskedasticity-robust covariance (HC1), since CAR variances
  differ across firms by construction.

Notes
-----
With ``weighting="wls"`` each CAR is weighted by :math:`1/\widehat{\operatorname{Var}}(CAR_i)`,
the prediction-error variance of the first stage, so that noisy firms count less. Regressing the
standardized CAR (``scar ~ ...``, :math:`SCAR_i = CAR_i / \widehat{\operatorname{se}}(CAR_i)`) is
the same idea applied to the left-hand side only.

The clustered covariance is the sandwich

.. math::

    \hat V = c\,(X'WX)^{-1} \Big(\sum_g X_g' W_g \hat u_g \hat u_g' W_g X_g\Big) (X'WX)^{-1},
    \qquad c = \frac{G}{G-1}\,\frac{N-1}{N-K},

with :math:`G` event dates, and :math:`t` statistics are read against :math:`t_{G-1}`
(Cameron and Miller 2015). statsmodels computes it; the tests check it against numpy.

References
----------
Sefcik, S. E. and Thompson, R. (1986). An approach to statistical inference in cross-sectional
models with security abnormal returns as dependent variable. *Journal of Accounting Research*
24(2), 316-334.

Petersen, M. A. (2009). Estimating standard errors in finance panel data sets: comparing
approaches. *Review of Financial Studies* 22(1), 435-480.

Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources* 50(2), 317-372.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._types import RegressionCov, RegressionWeighting, validate_literal
from .errors import InputError, RowsDroppedWarning

#: Columns of :func:`regression_table` (and of ``regression.csv``).
TABLE_COLUMNS = (
    "formula",
    "window_start",
    "window_end",
    "term",
    "estimate",
    "se",
    "t_stat",
    "p_value",
    "n",
    "n_dropped",
    "r2",
    "cov_type",
    "weighting",
)


@dataclass(frozen=True)
class Regression:
    r"""A fitted cross-sectional regression and how it was fitted.

    Attributes
    ----------
    results
        The statsmodels results object (``.summary()``, ``.params``, ``.bse``, ...).
    formula
        The formula as given.
    window
        The event window whose CARs are the dependent variable.
    cov_type
        The covariance actually used: ``"cluster"`` (by event date), ``"hc1"`` or ``"nonrobust"``.
    weighting
        ``"ols"`` or ``"wls"`` (weights :math:`1/\widehat{\operatorname{Var}}(CAR)`).
    n_dropped
        Rows left out because a variable of the formula is missing for them.
    clusters
        Number of distinct event dates among the rows used.
    """

    results: Any
    formula: str
    window: tuple[int, int]
    cov_type: str
    weighting: str
    n_dropped: int
    clusters: int

    def describe(self) -> str:
        """One line: formula, window, rows used and dropped, covariance."""
        cov = {
            "cluster": f"clustered by event date ({self.clusters} dates)",
            "hc1": "heteroskedasticity-robust (HC1)",
            "nonrobust": "classical OLS",
        }[self.cov_type]
        return (
            f"{self.formula} on CAR[{self.window[0]},{self.window[1]}]: "
            f"n={int(self.results.nobs)} ({self.n_dropped} dropped for missing values), "
            f"{self.weighting.upper()}, standard errors {cov}"
        )


def regress(
    table: pd.DataFrame,
    formula: str,
    *,
    window: tuple[int, int] = (0, 0),
    cov_type: RegressionCov = "auto",
    weighting: RegressionWeighting = "ols",
    date_column: str = "day0",
) -> Regression:
    r"""Regress the CARs of one window on firm-event characteristics.

    Parameters
    ----------
    table
        One row per firm-event and window, as :attr:`StudyResult.car`, with the columns the formula
        names; ``window_start``/``window_end`` select the window, ``se`` gives the CAR's standard
        error, ``date_column`` the event date used for clustering.
    formula
        A statsmodels (patsy) formula, e.g. ``"car ~ surprise + np.log(mcap)"``. ``scar`` (the
        standardized CAR, ``car / se``) may be used on the left.
    window
        ``(start, end)`` of the event window, ends included.
    cov_type
        ``"auto"`` (default): clustered by event date when dates repeat, else ``"hc1"``;
        ``"cluster"``, ``"hc1"`` or ``"nonrobust"`` force a choice.
    weighting
        ``"ols"`` (default) or ``"wls"`` with weights :math:`1/se^2`.
    date_column
        Column holding each firm-event's event date (day 0).

    Returns
    -------
    Regression
        The statsmodels results and the choices made.

    Raises
    ------
    InputError
        An unknown option, a window not in the table, a formula naming a missing column, or fewer
        usable rows than parameters.

    Warns
    -----
    RowsDroppedWarning
        When rows are left out because a variable is missing for them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> t = pd.DataFrame({"window_start": 0, "window_end": 0, "se": 0.02,
    ...                   "day0": pd.to_datetime("2024-01-02") + pd.to_timedelta(np.arange(40), "D"),
    ...                   "size": rng.normal(size=40)})
    >>> t["car"] = 0.01 - 0.005 * t["size"] + rng.normal(scale=0.001, size=40)
    >>> round(float(regress(t, "car ~ size").results.params["size"]), 3)
    -0.005
    """
    cov_type = validate_literal(cov_type, RegressionCov, "cov_type")
    weighting = validate_literal(weighting, RegressionWeighting, "weighting")
    data = window_rows(table, window)
    if "se" in data.columns:
        data = data.assign(scar=data["car"] / data["se"])
    model = _build("ols", formula, data)
    used = data.loc[model.data.row_labels]
    if weighting == "wls":
        weights = 1.0 / used["se"].to_numpy(dtype=float) ** 2
        keep = np.isfinite(weights)
        used = used[keep]
        model = _build("wls", formula, used, weights=weights[keep])
    elif len(used) != len(data):
        model = _build("ols", formula, used)
    n_dropped = len(data) - len(used)
    if n_dropped:
        warnings.warn(
            f"{n_dropped} of {len(data)} firm-events left out of {formula!r} on "
            f"CAR[{window[0]},{window[1]}]: a variable of the formula is missing for them",
            RowsDroppedWarning,
            stacklevel=2,
        )
    k = model.exog.shape[1]
    if len(used) <= k:
        raise InputError(
            f"regression {formula!r} on CAR[{window[0]},{window[1]}] has {len(used)} usable "
            f"firm-events for {k} parameters; use fewer variables or a larger sample.",
            field="formula",
            value=formula,
        )
    dates = pd.to_datetime(used[date_column]) if date_column in used.columns else None
    clusters = int(dates.nunique()) if dates is not None else len(used)
    chosen = cov_type
    if cov_type == "auto":
        chosen = "cluster" if dates is not None and clusters < len(used) else "hc1"
    if chosen == "cluster":
        if dates is None:
            raise InputError(
                f"cov_type='cluster' needs the event dates in column {date_column!r}; "
                "pass date_column= or use cov_type='hc1'.",
                field="date_column",
                value=date_column,
            )
        groups = pd.factorize(dates)[0]
        results = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    elif chosen == "hc1":
        results = model.fit(cov_type="HC1", use_t=True)
    else:
        results = model.fit()
    return Regression(
        results=results,
        formula=formula,
        window=(int(window[0]), int(window[1])),
        cov_type=chosen,
        weighting=weighting,
        n_dropped=n_dropped,
        clusters=clusters,
    )


def coefficients(results: Any) -> list[tuple[str, float, float, float, float]]:
    """``(term, estimate, se, t, p)`` of each coefficient of a statsmodels result."""
    return [
        (
            str(term),
            float(results.params[term]),
            float(results.bse[term]),
            float(results.tvalues[term]),
            float(results.pvalues[term]),
        )
        for term in results.params.index
    ]


def regression_table(fits: list[Regression]) -> pd.DataFrame:
    """One row per fitted term: estimate, standard error, t, p and the fit's facts."""
    rows = [
        (
            fit.formula,
            fit.window[0],
            fit.window[1],
            *coef,
            int(fit.results.nobs),
            fit.n_dropped,
            float(fit.results.rsquared),
            fit.cov_type,
            fit.weighting,
        )
        for fit in fits
        for coef in coefficients(fit.results)
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def window_rows(table: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    """The rows of one window, with a fresh 0..n-1 index; an absent window is one sentence."""
    try:
        start, end = (int(window[0]), int(window[1]))
    except (TypeError, ValueError, IndexError):
        raise InputError(
            f"window={window!r} is not two session offsets; pass e.g. window=(-1, 1).",
            field="window",
            value=str(window),
        ) from None
    mask = (table["window_start"] == start) & (table["window_end"] == end)
    if not mask.any():
        have = sorted(set(zip(table["window_start"], table["window_end"], strict=True)))
        listed = ", ".join(f"({int(a)}, {int(b)})" for a, b in have) or "none"
        raise InputError(
            f"window=({start}, {end}) is not among the study's windows ({listed}); "
            "pick one of them or rerun the study with that window.",
            field="window",
            value=f"({start}, {end})",
        )
    return table.loc[mask].reset_index(drop=True)


def _build(kind: str, formula: str, data: pd.DataFrame, **kwargs: Any) -> Any:
    """A statsmodels formula model; an unknown column is one sentence listing the columns."""
    import statsmodels.formula.api as smf

    maker = smf.wls if kind == "wls" else smf.ols
    try:
        return maker(formula, data, missing="drop", **kwargs)
    except Exception as exc:  # patsy/formulaic raise their own error types
        columns = ", ".join(str(c) for c in data.columns)
        raise InputError(
            f"regression formula {formula!r} cannot be evaluated ({_first_line(exc)}); "
            f"the columns available are: {columns}.",
            field="formula",
            value=formula,
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def join_characteristics(table: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    """Join ``extra`` onto ``table`` by ``event_id`` and ``ticker`` (or ``ticker`` alone)."""
    if extra is None:
        return table
    if not isinstance(extra, pd.DataFrame) or "ticker" not in extra.columns:
        raise InputError(
            "characteristics must be a DataFrame with a 'ticker' column (and optionally "
            "'event_id'); add the column naming each firm.",
            field="characteristics",
            value=type(extra).__name__,
        )
    keys = ["event_id", "ticker"] if "event_id" in extra.columns else ["ticker"]
    if extra.duplicated(keys).any():
        raise InputError(
            f"characteristics repeat a ({', '.join(keys)}) key; keep one row per key.",
            field="characteristics",
            value=", ".join(keys),
        )
    clash = [c for c in extra.columns if c in table.columns and c not in keys]
    if clash:
        raise InputError(
            f"characteristics column(s) {', '.join(map(str, clash))} already exist in the CAR "
            "table; rename them.",
            field="characteristics",
            value=", ".join(map(str, clash)),
        )
    return table.merge(extra, on=keys, how="left", validate="m:1")
