"""Shared fixtures.

Tests that need the real DeepSeek data snapshot read its folder from ``EVENTSTUDY_SNAPSHOT``: without
the variable they skip (a user's fresh machine passes); with it set but the files missing they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
