"""Test statistics and their registry.

Adding a test means one function ``CrossSection -> TestResult``, one registry line and one
reference test. Tests listed as clustering-robust stay valid when firms share the event date
(their variance comes from a time series of cross-sectional means, from a portfolio, or is
scaled by the estimated cross-correlation); the size/power benchmark in ``docs/size_power.md``
shows the difference.
"""

from __future__ import annotations

from ..errors import InputError
from .base import CrossSection, TestResult, TestSpec
from .nonparametric import corrado_rank, corrado_zivney_sign, generalized_sign, grank, wilcoxon
from .parametric import (
    average_cross_correlation,
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

TESTS: dict[str, TestSpec] = {
    "cross_sectional_t": TestSpec(cross_sectional_t, "parametric", clustering_robust=False),
    "brown_warner": TestSpec(brown_warner, "parametric", clustering_robust=True),
    "patell": TestSpec(patell, "parametric", clustering_robust=False),
    "bmp": TestSpec(bmp, "parametric", clustering_robust=False),
    "kolari_pynnonen": TestSpec(kolari_pynnonen, "parametric", clustering_robust=True),
    "kolari_pynnonen_patell": TestSpec(
        kolari_pynnonen_patell, "parametric", clustering_robust=True
    ),
    "skewness_adjusted_t": TestSpec(skewness_adjusted_t, "parametric", clustering_robust=False),
    "portfolio_regression": TestSpec(portfolio_regression, "parametric", clustering_robust=True),
    "corrado_rank": TestSpec(corrado_rank, "nonparametric", clustering_robust=True),
    "corrado_zivney_sign": TestSpec(corrado_zivney_sign, "nonparametric", clustering_robust=True),
    "generalized_sign": TestSpec(generalized_sign, "nonparametric", clustering_robust=False),
    "grank": TestSpec(grank, "nonparametric", clustering_robust=True),
    "wilcoxon": TestSpec(wilcoxon, "nonparametric", clustering_robust=False),
}

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
}


def get_test(name: str) -> TestSpec:
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
    "CrossSection",
    "TestResult",
    "TestSpec",
    "average_cross_correlation",
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
