"""Test statistics and their registry.

Adding a test means one function ``CrossSection -> TestResult``, one registry line and one
reference test. Tests listed as clustering-robust stay valid when firms share the event date.
"""

from __future__ import annotations

from ..errors import InputError
from .base import CrossSection, TestResult, TestSpec
from .parametric import car_t, cross_sectional_t

TESTS: dict[str, TestSpec] = {
    "cross_sectional_t": TestSpec(cross_sectional_t, "parametric", clustering_robust=False),
}

TEST_ALIASES: dict[str, str] = {"t": "cross_sectional_t", "csect": "cross_sectional_t"}


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


__all__ = ["TESTS", "CrossSection", "TestResult", "TestSpec", "car_t", "cross_sectional_t", "get_test"]
