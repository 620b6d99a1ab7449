"""Shared fixtures.

Tests that need the real DeepSeek data snapshot read its folder from ``EVENTSTUDY_SNAPSHOT``: without
the variable they skip (a user's fresh machine passes); with it set but the files missing they fail.

Hypothesis profiles (README, "Run the test suite"):

* ``ci``: derandomized (each test draws the same examples on every run), no example database,
  no deadline. Active when the environment sets ``CI`` (``.ci/run`` does) or asks for it with
  ``HYPOTHESIS_PROFILE=ci``.
* ``explore``: random seeds and ten times each test's own number of examples, to hunt for new
  failures: ``python -m pytest tests/stats tests/events --hypothesis-profile=explore`` (README).
* ``default`` (anything else): Hypothesis' own defaults, random seeds; ``--hypothesis-seed=N``
  replays one seed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

EXPLORE_FACTOR = 10
"""How many times more examples each hypothesis test draws under the ``explore`` profile."""

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
_profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else None)
if _profile:
    settings.load_profile(_profile)

SNAPSHOT_FILES = (
    "prices.csv",
    "shares_outstanding.csv",
    "reported_figures.csv",
    "ff_factors_daily.csv",
)


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """Folder of the shared DeepSeek snapshot (``EVENTSTUDY_SNAPSHOT``)."""
    value = os.environ.get("EVENTSTUDY_SNAPSHOT")
    if not value:
        pytest.skip("EVENTSTUDY_SNAPSHOT is not set; the DeepSeek snapshot tests need it")
    path = Path(value)
    missing = [name for name in SNAPSHOT_FILES if not (path / name).is_file()]
    if missing:
        pytest.fail(f"EVENTSTUDY_SNAPSHOT={value} lacks {', '.join(missing)}")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under the ``explore`` profile, multiply each hypothesis test's own example count.

    Most tests pin ``max_examples`` to what CI can afford, and a pinned count wins over any
    profile; this hook scales the settings object Hypothesis keeps on each test. A Hypothesis
    release that stores it elsewhere leaves the counts as they are (the seeds stay random).
    """
    if getattr(settings, "_current_profile", None) != "explore":
        return
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(own, settings):
            scaled = settings(own, max_examples=own.max_examples * EXPLORE_FACTOR)
            test._hypothesis_internal_use_settings = scaled  # type: ignore[union-attr]
