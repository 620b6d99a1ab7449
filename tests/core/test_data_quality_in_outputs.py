"""A data fault in the price file reaches data_quality.csv and the report, and is not used."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.runner import run_study

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"


@pytest.fixture(scope="module")
def unadjusted_run(snapshot_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """AVGO's prices before its 2024-07-15 10-for-1 split left unadjusted, as raw feeds show them."""
    folder = tmp_path_factory.mktemp("dq")
    prices = pd.read_csv(snapshot_dir / "prices.csv")
    before = (prices["ticker"] == "AVGO") & (prices["date"] < "2024-07-15")
    prices.loc[before, ["close", "adj_close"]] *= 10
    path = folder / "prices_unadjusted.csv"
    prices.to_csv(path, index=False)
    with pytest.warns(Warning):
        result, out = run_study(EVENTS, prices=path, out=folder / "out")
    return result, out


def test_split_is_flagged_with_the_exact_row(unadjusted_run) -> None:
    _, out = unadjusted_run
    dq = pd.read_csv(out / "data_quality.csv")
    row = dq[(dq["check"] == "suspected_split") & (dq["ticker"] == "AVGO")]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["date"] == "2024-07-15"
    assert row["action"] == "prices set to NaN"
    assert row["value"] == pytest.approx(0.1, rel=0.05)  # price ratio near 1:10
    assert "within 1% of a 10-for-1 split, and the new level holds" in row["message"]
    assert re.match(
        r"AVGO close moves -(89|90)\.\d% on 2024-07-15 \(price ratio 0\.1\d+", row["message"]
    )
    assert "suspected_split" in (out / "report.md").read_text()


def test_split_day_is_not_used_in_estimation(unadjusted_run) -> None:
    result, _ = unadjusted_run
    fit = result.model_fit
    avgo = fit[(fit["ticker"] == "AVGO") & (fit["event_id"] == "selloff")].iloc[0]
    nvda = fit[(fit["ticker"] == "NVDA") & (fit["event_id"] == "selloff")].iloc[0]
    # the split day's price is dropped, so two returns (that day and the next) are missing
    assert nvda["nobs"] - avgo["nobs"] == 2
    # and the beta is a sane equity beta, not one distorted by a -90% "return"
    assert 0.5 < avgo["beta"] < 4
    ar = result.abnormal_returns
    day0 = ar[(ar["ticker"] == "AVGO") & (ar["event_id"] == "selloff") & (ar["rel_day"] == 0)]
    assert np.isfinite(day0["abnormal_return"].iloc[0])
