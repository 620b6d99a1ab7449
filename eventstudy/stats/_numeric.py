"""Tail probabilities and ranks without importing :mod:`scipy.stats`.

``scipy.stats`` takes most of a second to import, and the tests need only two survival functions
and average ranks. The survival functions call the same :mod:`scipy.special` functions that
``scipy.stats.t.sf`` and ``scipy.stats.norm.sf`` call, so the p-values are equal to the last
bit (``tests/stats/test_numeric.py`` checks this over a grid); :mod:`scipy.special` itself is
imported on the first call, not when :mod:`eventstudy` is imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["average_ranks", "chi2_cdf", "chi2_sf", "norm_sf", "t_sf"]


def t_sf(x: Any, df: Any) -> Any:
    r"""Survival function :math:`P(T > x)` of Student's t with ``df`` degrees of freedom.

    Parameters
    ----------
    x
        Quantiles, scalar or array.
    df
        Degrees of freedom, scalar or array broadcasting against ``x``; ``inf`` gives the
        normal distribution, and ``df <= 0`` or NaN gives NaN.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The same values as ``scipy.stats.t.sf(x, df)``.

    Notes
    -----
    .. math::

        P(T > x) = F_{\nu}(-x),

    :math:`F_\nu` the t distribution function (``scipy.special.stdtr``), which is what
    ``scipy.stats.t`` evaluates for its survival function.

    Examples
    --------
    >>> float(t_sf(0.0, 5))
    0.5
    """
    from scipy import special  # imported here: scipy.special adds ~0.1 s to the import

    return special.stdtr(df, -np.asarray(x, dtype=float))


def norm_sf(x: Any) -> Any:
    r"""Survival function :math:`P(Z > x)` of the standard normal distribution.

    Parameters
    ----------
    x
        Quantiles, scalar or array.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The same values as ``scipy.stats.norm.sf(x)``.

    Notes
    -----
    .. math::

        P(Z > x) = \Phi(-x),

    :math:`\Phi` the standard normal distribution function (``scipy.special.ndtr``), which is
    what ``scipy.stats.norm`` evaluates for its survival function.

    Examples
    --------
    >>> float(norm_sf(0.0))
    0.5
    """
    from scipy import special

    return special.ndtr(-np.asarray(x, dtype=float))


def chi2_cdf(x: Any, df: Any) -> Any:
    """Distribution function :math:`P(Q <= x)` of the chi-square with ``df`` degrees of freedom.

    The regularized lower incomplete gamma function ``scipy.special.gammainc(df/2, x/2)``, which
    is what ``scipy.stats.chi2.cdf`` computes.
    """
    from scipy import special

    return special.gammainc(np.asarray(df, dtype=float) / 2.0, np.asarray(x, dtype=float) / 2.0)


def chi2_sf(x: Any, df: Any) -> Any:
    """Survival function :math:`P(Q > x)` of the chi-square (``scipy.special.gammaincc``)."""
    from scipy import special

    return special.gammaincc(np.asarray(df, dtype=float) / 2.0, np.asarray(x, dtype=float) / 2.0)


def average_ranks(x: np.ndarray) -> np.ndarray:
    r"""Ranks ``1..M`` along the last axis, ties sharing their average rank, NaN left as NaN.

    Parameters
    ----------
    x
        Values; NaNs are left out of the ranking, so the finite values of a row with
        :math:`M` of them get ranks ``1..M``.

    Returns
    -------
    numpy.ndarray
        Float ranks of the shape of ``x``, equal to
        ``scipy.stats.rankdata(x, axis=-1, nan_policy="omit")``.

    Notes
    -----
    A value whose ties occupy the sorted positions :math:`f..l` (0-based) gets the rank

    .. math::

        K = (f + 1) + \frac{l - f}{2},

    the mean of the ordinal ranks :math:`f + 1, \dots, l + 1`.

    Examples
    --------
    >>> average_ranks(np.array([3.0, 1.0, 3.0, np.nan, 2.0])).tolist()
    [3.5, 1.0, 3.5, nan, 2.0]
    """
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return np.empty(x.shape)
    width = x.shape[-1]
    order = np.argsort(x, axis=-1, kind="stable")  # NaN sort last
    ordered = np.take_along_axis(x, order, axis=-1)
    # a tie group starts where a value differs from its predecessor (NaN never equals NaN)
    starts = np.ones(x.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends = np.ones(x.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    pos = np.broadcast_to(np.arange(width), x.shape)
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, width - 1), -1), axis=-1), -1)
    sorted_ranks = (first + 1.0) + (last - first) / 2.0
    ranks = np.empty(x.shape)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    ranks[np.isnan(x)] = np.nan
    return ranks
