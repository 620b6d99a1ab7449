"""``report.md`` and ``report.html`` name the table files actually written beside them.

Before the fix a ``--format parquet`` run wrote ``car.parquet`` and the rest, while both reports
still named ``car.csv`` ... (a fixed list, which also named ``confounders.csv`` or
``benchmarks.csv`` when those empty tables were not written, and left ``contamination.csv`` out).
Every check reads the folder itself: the names are never taken from the code under test.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eventstudy import EventStudy, cli, load_events
from eventstudy.report import write_report
from tests.scale import synthetic

EVENTS = Path(__file__).resolve().parents[2] / "events" / "deepseek_2025.toml"
TABLE_NAME = re.compile(r"\b[a-z][a-z0-9_]*\.(?:csv|parquet)\b")


def named_tables(text: str) -> set[str]:
    """Every ``<name>.csv`` / ``<name>.parquet`` the report text mentions."""
    return set(TABLE_NAME.findall(text))


def check_folder(out: Path, suffix: str) -> None:
    written = {p.name for p in out.iterdir() if p.suffix in (".csv", ".parquet")}
    assert written, "no table was written"
    assert {Path(name).suffix for name in written} == {suffix}  # one format throughout
    for report in ("report.md", "report.html"):
        named = named_tables((out / report).read_text(encoding="utf-8"))
        missing = sorted(named - written)
        assert not missing, f"{report} names files that are not in the folder: {missing}"
        unnamed = sorted(written - named)
        assert not unnamed, f"{report} does not name these tables beside it: {unnamed}"


@pytest.mark.snapshot
@pytest.mark.parametrize("table_format", ["parquet", "csv"])
def test_deepseek_report_names_the_files_written(
    snapshot_dir: Path, tmp_path: Path, table_format: str
) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli.app,
        [
            "run",
            str(EVENTS),
            "--prices",
            str(snapshot_dir / "prices.csv"),
            "--shares",
            str(snapshot_dir / "shares_outstanding.csv"),
            "--format",
            table_format,
            "--plots",
            "none",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    check_folder(out, f".{table_format}")
    md = (out / "report.md").read_text(encoding="utf-8")
    # the DeepSeek study writes these (checked against the folder above)
    for stem in ("car", "tests", "market_value", "claims", "benchmarks", "contamination"):
        assert f"`{stem}.{table_format}`" in md


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory):
    """40 firm-events of a seeded one-factor panel: a sample (more than 20 events)."""
    returns, market = synthetic.panel(5, n_firms=40, n_days=420, missing=0.0)
    prices = synthetic.prices_long(returns, market)
    folder = tmp_path_factory.mktemp("sample-events")
    events = folder / "sample.csv"
    days = returns.index[300:340]
    rows = [f"{t},{d:%Y-%m-%d}" for t, d in zip(returns.columns, days, strict=True)]
    events.write_text("ticker,event_date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(load_events(events), market="MKT").run(synthetic.FramePrices(prices))


@pytest.mark.parametrize("table_format", ["parquet", "csv"])
def test_sample_report_names_the_files_written(
    sample_result, tmp_path: Path, table_format: str
) -> None:
    from eventstudy.report import pooled

    assert pooled.is_sample(sample_result)
    write_report(sample_result, tmp_path, table_format=table_format, plots="none")  # type: ignore[arg-type]
    check_folder(tmp_path, f".{table_format}")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"Every firm-event and window is in `car.{table_format}`." in md
    assert f"more (model_fit.{table_format})" in md  # 40 firms: the set-up lists the first ones
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    kind = "Parquet" if table_format == "parquet" else "CSV"
    assert f"Tables as {kind} beside this file: abnormal_returns.{table_format}," in html
