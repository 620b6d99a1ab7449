"""Test statistics and their registry.

A test statistic is one :class:`~eventstudy.stats.statistic.Statistic` object: the chunk inputs it
needs, its chunk / combine / finalize steps (calling it on a :class:`CrossSection` runs them on
one chunk; the engine runs them on partitions). Adding a test means one class, one registry
line and one reference test. Tests listed as clustering-robust stay valid when firms share the
event date (their variance comes from a time series of cross-sectional means, from a
portfolio, or is scaled by the estimated cross-correlation); the size/power benchmark in
``docs/size_power.md`` shows the difference.
"""

from __future__ import annotations

from ..errors import InputError
from .base import Cell, CrossSection, TestResult
from .correlation import average_cross_correlation
from .nonparametric import corrado_rank, corrado_zivney_sign, generalized_sign, grank, wilcoxon
from .parametric import (
    bmp,
    brown_warner,
    car_t,
    cross_sectional_t,
    kolari_pynnonen,
    kolari_pynnonen_patell,
    patell,
    portfolio_regression,
    skewness_adjusted_t,
    standardized_car,
)
from .statistic import Statistic
from .volatility import beaver_u

TESTS: dict[str, Statistic] = {
    "cross_sectional_t": cross_sectional_t,
    "brown_warner": brown_warner,
    "patell": patell,
    "bmp": bmp,
    "kolari_pynnonen": kolari_pynnonen,
    "kolari_pynnonen_patell": kolari_pynnonen_patell,
    "skewness_adjusted_t": skewness_adjusted_t,
    "portfolio_regression": portfolio_regression,
    "corrado_rank": corrado_rank,
    "corrado_zivney_sign": corrado_zivney_sign,
    "generalized_sign": generalized_sign,
    "grank": grank,
    "wilcoxon": wilcoxon,
    "beaver_u": beaver_u,
}
"""Registered statistics by name (family and clustering robustness are their attributes)."""

TEST_ALIASES: dict[str, str] = {
    "t": "cross_sectional_t",
    "csect": "cross_sectional_t",
    "bw": "brown_warner",
    "crude_dependence": "brown_warner",
    "boehmer": "bmp",
    "standardized_cross_sectional": "bmp",
    "kp": "kolari_pynnonen",
    "adjusted_bmp": "kolari_pynnonen",
    "kp_patell": "kolari_pynnonen_patell",
    "adjusted_patell": "kolari_pynnonen_patell",
    "skewness": "skewness_adjusted_t",
    "hall": "skewness_adjusted_t",
    "portfolio": "portfolio_regression",
    "dummy_regression": "portfolio_regression",
    "rank": "corrado_rank",
    "corrado": "corrado_rank",
    "sign": "corrado_zivney_sign",
    "cowan": "generalized_sign",
    "gsign": "generalized_sign",
    "generalized_rank": "grank",
    "signed_rank": "wilcoxon",
    "beaver": "beaver_u",
    "volatility": "beaver_u",
    "variance": "beaver_u",
}


def get_test(name: str) -> Statistic:
    """Look up a test by name or alias; the error lists the known names."""
    key = TEST_ALIASES.get(name.lower(), name.lower())
    if key not in TESTS:
        raise InputError(
            f"test={name!r} is not a known test statistic; use one of {', '.join(TESTS)}.",
            field="tests",
            value=name,
        )
    return TESTS[key]


__all__ = [
    "TESTS",
    "TEST_ALIASES",
    "Cell",
    "CrossSection",
    "Statistic",
    "TestResult",
    "average_cross_correlation",
    "beaver_u",
    "bmp",
    "brown_warner",
    "car_t",
    "corrado_rank",
    "corrado_zivney_sign",
    "cross_sectional_t",
    "generalized_sign",
    "get_test",
    "grank",
    "kolari_pynnonen",
    "kolari_pynnonen_patell",
    "patell",
    "portfolio_regression",
    "skewness_adjusted_t",
    "standardized_car",
    "wilcoxon",
]
