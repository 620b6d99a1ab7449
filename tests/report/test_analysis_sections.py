"""The analysis tables become bounded report sections and a volume plot."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.analyses import with_analyses
from eventstudy.report.analyses import MAX_ROWS, analysis_sections
from eventstudy.report.analysis_plots import write_analysis_plots
from eventstudy.study import EventStudy
from tests.scale import synthetic


@pytest.fixture(scope="module")
def result():
    returns, market = synthetic.panel(81, n_firms=25, n_days=700)
    rng = np.random.default_rng(82)
    events = pd.DataFrame(
        {
            "ticker": rng.choice(returns.columns, 80),
            "event_date": returns.index[rng.integers(300, 690, 80)].strftime("%Y-%m-%d"),
            "size": rng.normal(10, 2, 80),
        }
    ).drop_duplicates(["ticker", "event_date"])
    prices = synthetic.FramePrices(synthetic.prices_long(returns, market))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = EventStudy.from_frame(
            events, market="MKT", windows=((0, 0), (-1, 1)), group_by="size:3", volume=True
        )
        res = study.run(prices)
        return with_analyses(
            res, regress=("car ~ size",), long_horizon=True, calendar_time=True, placebo=20
        )


def test_every_analysis_table_has_a_bounded_section(result) -> None:
    sections = analysis_sections(result)
    assert [s.csv for s in sections] == [
        "regression.csv", "group_differences.csv", "volume_tests.csv", "long_horizon.csv",
        "calendar_time.csv", "placebo.csv",
    ]  # fmt: skip
    for section in sections:
        assert 0 < len(section.table) <= MAX_ROWS and section.note
    # group differences: 3 pairs of terciles per window
    assert len(result.extras["group_differences"]) == 3 * 2


def test_volume_plot_is_written(result, tmp_path: Path) -> None:
    written = write_analysis_plots(result, tmp_path)
    assert written["volume_path"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_result_without_analyses_has_no_sections(result) -> None:
    from dataclasses import replace

    assert analysis_sections(replace(result, extras={})) == []


def test_report_files_carry_the_sections_and_the_volume_plot(result, tmp_path: Path) -> None:
    from eventstudy.report import write_report

    write_report(result, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for section in analysis_sections(result):
        assert md.count(f"## {section.title}") == 1
        assert html.count(f"<h2>{section.title}</h2>") == 1
        assert (tmp_path / section.csv).is_file()
    assert "volume_path.png" in md and (tmp_path / "volume_path.png").is_file()
