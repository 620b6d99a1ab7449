r"""Subgroups of firm-events by a characteristic, and the test of a difference between two groups.

``group_by="industry"`` makes one group per value of a categorical characteristic;
``group_by="size:5"`` cuts a numeric one into 5 quantile groups (``size:Q1`` smallest ...
``size:Q5``). Every test statistic runs per group, as on a study of that group alone, beside the
pooled ``ALL``; firm-events whose characteristic is missing are in ``ALL`` only.

Notes
-----
The difference between two groups' mean CARs, :math:`\bar x_a - \bar x_b`, is tested twice:

* Welch's t, :math:`t = (\bar x_a - \bar x_b)/\sqrt{s_a^2/n_a + s_b^2/n_b}` with the
  Welch-Satterthwaite degrees of freedom
  :math:`\nu = (s_a^2/n_a + s_b^2/n_b)^2 / \big(\tfrac{(s_a^2/n_a)^2}{n_a-1} +
  \tfrac{(s_b^2/n_b)^2}{n_b-1}\big)` (Welch 1947), which assumes independent firm-events;
* the slope of :math:`CAR_i = c + d\,\mathbb 1[i \in a] + u_i` with standard errors clustered by
  event date when dates repeat (else HC1), from :func:`eventstudy.second_stage.regress`: robust
  to the cross-correlation of firm-events that share a date (Petersen 2009).

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several different population
variances are involved. *Biometrika* 34, 28-35.

Petersen, M. A. (2009). Estimating standard errors in finance panel data sets: comparing
approaches. *Review of Financial Studies* 22, 435-480.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd

from .errors import InputError, RowsDroppedWarning
from .stats.base import p_t

BUILT_IN = ("auto", "event", "pooled")
"""Groupings that need no characteristic."""

#: Columns of :func:`group_differences` (``group_differences.csv``).
COLUMNS = (
    "window_start",
    "window_end",
    "group_a",
    "group_b",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "difference",
    "welch_t",
    "welch_df",
    "welch_p_value",
    "robust_t",
    "robust_p_value",
    "robust_cov_type",
)


def parse_group_by(spec: str, columns: list[str]) -> tuple[str, int | None]:
    """``"size:5"`` -> ``("size", 5)``; ``"industry"`` -> ``("industry", None)``.

    Raises
    ------
    InputError
        An unknown column (the message lists the characteristics) or a bad number of quantiles.
    """
    column, _, count = str(spec).partition(":")
    if column not in columns:
        listed = ", ".join(columns) or "none (a CSV or DataFrame sample's extra columns)"
        raise InputError(
            f"group_by={spec!r} is neither one of {', '.join(BUILT_IN)} nor a characteristic of "
            f"the events; the characteristics are: {listed}.",
            field="group_by",
            value=spec,
        )
    if not count:
        return column, None
    if not count.isdigit() or not 2 <= int(count) <= 20:
        raise InputError(
            f"group_by={spec!r} asks for {count!r} quantile groups; use a whole number from 2 "
            f"to 20, e.g. {column}:5.",
            field="group_by",
            value=spec,
        )
    return column, int(count)


def group_labels(values: pd.Series, column: str, quantiles: int | None) -> pd.Series:
    """Each firm-event's group label (NaN where the characteristic is missing).

    Categories keep their order of first appearance; quantile groups are ``<column>:Q1`` (lowest)
    to ``<column>:Q<q>``, cut with :func:`pandas.qcut` (ties at a cut point may merge groups).
    """
    if quantiles is None:
        # one label per distinct value, then mapped through the codes (no Python call per row)
        codes, uniques = pd.factorize(values)
        names = np.array([f"{column}={v}" for v in uniques] + [np.nan], dtype=object)
        return pd.Series(names[codes], index=values.index, dtype=object)
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() < quantiles:
        raise InputError(
            f"group_by={column}:{quantiles} needs at least {quantiles} numeric values of "
            f"{column!r}, got {int(numeric.notna().sum())}; use fewer groups or a numeric column.",
            field="group_by",
            value=f"{column}:{quantiles}",
        )
    codes = pd.qcut(numeric, quantiles, labels=False, duplicates="drop")
    names = np.array([f"{column}:Q{k + 1}" for k in range(quantiles)] + [np.nan], dtype=object)
    position = np.where(codes.notna(), codes.fillna(0), -1).astype(np.int64)
    return pd.Series(names[position], index=values.index, dtype=object)


def group_rows(labels: pd.Series, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of each labelled group; ``labels`` holds one label per entry of ``rows``."""
    codes, names = pd.factorize(labels)
    order = sorted(range(len(names)), key=lambda k: _label_key(str(names[k])))
    return {str(names[k]): rows[codes == k] for k in order}


def _label_key(label: str) -> tuple[int, str]:
    head, _, tail = label.rpartition(":Q")
    return (int(tail), head) if head and tail.isdigit() else (0, label)


def group_differences(
    car: pd.DataFrame, labels_column: str, date_column: str = "day0"
) -> pd.DataFrame:
    """Welch and clustering-robust tests of each pair of groups' mean CAR, per window.

    Parameters
    ----------
    car
        One row per firm-event and window with ``car``, the group label in ``labels_column``
        and the event date in ``date_column`` (each firm-event once).
    labels_column
        Column of group labels (NaN: in no group).
    date_column
        Event date, for clustering.

    Returns
    -------
    pandas.DataFrame
        One row per window and pair of groups (:data:`COLUMNS`).
    """
    from .second_stage import regress

    rows = []
    labelled = car[car[labels_column].notna() & np.isfinite(car["car"].to_numpy(dtype=float))]
    for (start, end), part in labelled.groupby(["window_start", "window_end"], sort=False):
        names = sorted(part[labels_column].unique(), key=lambda s: _label_key(str(s)))
        for a, b in combinations(names, 2):
            xa = part.loc[part[labels_column] == a, "car"].to_numpy(dtype=float)
            xb = part.loc[part[labels_column] == b, "car"].to_numpy(dtype=float)
            welch = _welch(xa, xb)
            both = part[part[labels_column].isin([a, b])].assign(
                in_a=lambda f, a=a: (f[labels_column] == a).astype(float)
            )
            robust_t = robust_p = np.nan
            cov = ""
            if len(xa) >= 2 and len(xb) >= 2:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RowsDroppedWarning)
                    fit = regress(both, "car ~ in_a", window=(start, end), date_column=date_column)
                robust_t = float(fit.results.tvalues["in_a"])
                robust_p = float(fit.results.pvalues["in_a"])
                cov = fit.cov_type
            rows.append(
                (start, end, a, b, len(xa), len(xb), _mean(xa), _mean(xb),
                 _mean(xa) - _mean(xb), *welch, robust_t, robust_p, cov)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _welch(xa: np.ndarray, xb: np.ndarray) -> tuple[float, float, float]:
    """Welch's t, its degrees of freedom and two-sided p-value (NaN below two per group)."""
    if len(xa) < 2 or len(xb) < 2:
        return float("nan"), float("nan"), float("nan")
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    if not va + vb > 0:
        return float("nan"), float("nan"), float("nan")
    t = (xa.mean() - xb.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    return float(t), float(df), p_t(float(t), float(df))
