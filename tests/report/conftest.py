"""A DeepSeek study result on the snapshot and its written report, shared by the report tests."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from eventstudy import EventStudy, load_events
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.data.shares import LocalSharesProvider
from eventstudy.report import write_report

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"


@pytest.fixture(scope="session")
def deepseek_result(snapshot_dir: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(load_events(EVENTS)).run(
            LocalPriceProvider(snapshot_dir / "prices.csv"),
            LocalSharesProvider(snapshot_dir / "shares_outstanding.csv"),
        )


@pytest.fixture(scope="session")
def report_dir(deepseek_result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deepseek-report")
    write_report(deepseek_result, out)
    return out
