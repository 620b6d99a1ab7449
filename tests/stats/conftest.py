"""Fixtures of the statistics tests."""

from __future__ import annotations

import pandas as pd
import pytest
from stats_oracles import make_panel


@pytest.fixture()
def panel() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    return make_panel()
