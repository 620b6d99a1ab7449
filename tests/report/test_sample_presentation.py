"""A sample (many firm-events) is presented by its pooled result, in bounded, linear work.

The studies are seeded one-factor panels (``tests/scale/synthetic.py``) with one row per
firm-event, as a CSV of ``ticker,event_date`` gives them. Work is counted as Python function
calls (``cProfile``), not timed: a per-event loop or lookup doubles the count when the sample
doubles, a vectorised pass does not.
"""

from __future__ import annotations

import cProfile
import pstats
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from eventstudy import EventStudy, cli, load_events
from eventstudy.report import pooled, render_html, render_markdown, tables
from eventstudy.report.sample_plots import write_sample_plots
from tests.scale import synthetic

N = 5_000  # and 2N = 10^4 firm-events


def sample_csv(folder: Path, returns: pd.DataFrame, n: int, seed: int) -> Path:
    """``n`` distinct (ticker, day 0) rows with a full estimation window."""
    rng = np.random.default_rng(seed)
    usable = returns.index[260:-8]
    grid = rng.choice(len(returns.columns) * len(usable), n, replace=False)
    firm, day = np.divmod(grid, len(usable))
    frame = pd.DataFrame(
        {"ticker": returns.columns[firm], "event_date": usable[day].strftime("%Y-%m-%d")}
    )
    path = folder / f"sample_{n}.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def panel():
    returns, market = synthetic.panel(11, n_firms=60, n_days=700, missing=0.0)
    return returns, synthetic.prices_long(returns, market)


def run_sample(folder: Path, panel, n: int, seed: int = 1, **options):
    returns, prices = panel
    events = load_events(sample_csv(folder, returns, n, seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(events, market="MKT", **options).run(synthetic.FramePrices(prices))


@pytest.fixture(scope="module")
def samples(panel, tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    return {n: run_sample(folder, panel, n) for n in (N, 2 * N)}


def calls(func, *args) -> int:
    profile = cProfile.Profile()
    profile.enable()
    func(*args)
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "step",
    ["summary", "markdown", "html", "plots"],
)
def test_presentation_work_does_not_grow_with_the_sample(samples, step, tmp_path) -> None:
    def work(result, out: Path) -> None:
        if step == "summary":
            result.summary()
        elif step == "markdown":
            render_markdown(result, {})
        elif step == "html":
            render_html(result, {})
        else:
            write_sample_plots(result, out)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    work(samples[N], tmp_path / "a")  # imports and caches out of the count
    small = calls(work, samples[N], tmp_path / "a")
    large = calls(work, samples[2 * N], tmp_path / "b")
    # vectorised passes: the same calls for N and 2N (a per-event step would double them)
    assert large <= 1.25 * small + 200, (small, large)


def test_table_writing_is_at_most_linear(samples, tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small = calls(tables.write_tables, samples[N], tmp_path / "a")
    large = calls(tables.write_tables, samples[2 * N], tmp_path / "b")
    assert large <= 2.2 * small, (small, large)  # batches of rows: linear, never quadratic


def test_report_size_is_bounded(samples) -> None:
    small, large = (render_markdown(samples[n], {}) for n in (N, 2 * N))
    assert len(large) <= 1.05 * len(small) + 500
    assert len(large.splitlines()) < 150
    html_large = render_html(samples[2 * N], {})
    assert len(html_large) < 100_000


def test_pooled_caar_matches_the_cars(samples) -> None:
    result = samples[N]
    table = pooled.caar_table(result, ["ALL"])
    car = result.car
    for row in table.itertuples():
        part = car[
            (car["window_start"] == row.window_start) & (car["window_end"] == row.window_end)
        ]
        x = part["car"].dropna().to_numpy()
        se = x.std(ddof=1) / np.sqrt(len(x))
        half = stats.t.ppf(0.975, len(x) - 1) * se
        assert row.n == len(x)
        assert row.caar == pytest.approx(x.mean(), rel=1e-10, abs=1e-15)
        assert row.se == pytest.approx(se, rel=1e-9, abs=1e-15)
        assert row.low == pytest.approx(x.mean() - half, rel=1e-9, abs=1e-15)
        assert row.high == pytest.approx(x.mean() + half, rel=1e-9, abs=1e-15)


def test_movers_are_the_largest_absolute_cars(samples) -> None:
    result = samples[N]
    got = pooled.movers(result)
    first = result.car[(result.car["window_start"] == 0) & (result.car["window_end"] == 0)]
    expected = first.loc[first["car"].abs().sort_values(ascending=False).index[:10]]
    assert list(got["event_id"]) == list(expected["event_id"])
    assert np.allclose(got["car"], expected["car"], rtol=0, atol=0)
    pairs = result.fit.sample.pairs.set_index("event_id")["day0"]
    assert list(got["day0"]) == list(pairs.loc[got["event_id"]])


def test_sample_threshold(samples, panel, tmp_path) -> None:
    assert pooled.is_sample(samples[N])
    few = run_sample(tmp_path, panel, pooled.SAMPLE_EVENTS)
    assert not pooled.is_sample(few)
    assert pooled.is_sample(run_sample(tmp_path, panel, pooled.SAMPLE_EVENTS + 1))
    assert "Pooled CAAR" not in few.summary()  # few events keep one block per event


def test_stdout_of_a_sample_is_a_screenful_starting_with_the_pooled_caar(panel, tmp_path) -> None:
    returns, prices = panel
    prices_path = tmp_path / "prices.parquet"
    prices.to_parquet(prices_path)
    events = sample_csv(tmp_path, returns, 2_000, seed=5)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli.app,
        ["run", str(events), "--prices", str(prices_path), "--market", "MKT", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) <= 60
    assert lines[0].startswith("Event study")
    assert lines[3].startswith("Pooled CAAR (ALL")
    assert lines[5].split()[:2] == ["[0,0]", "2000"]
    tests = pd.read_csv(out / "tests.csv")
    caar = tests[(tests["event_id"] == "ALL") & (tests["window_end"] == 0)]["caar"].iloc[0]
    assert lines[5].split()[2] == f"{caar * 100:.3f}%"
    # no per-event figures or blocks: pooled figures only
    assert sorted(p.name for p in out.glob("*.png")) == ["caar_pooled.png", "car_histogram.png"]
    md = (out / "report.md").read_text()
    assert (
        md.index("## Pooled result") < md.index("## Largest movers") < md.index("## Study set-up")
    )


def test_groups_are_shown_after_the_pool(panel, tmp_path) -> None:
    returns, prices = panel
    events = synthetic.event_set(4, returns, n_events=30, per_event=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = EventStudy(events, market="MKT").run(synthetic.FramePrices(prices))
    assert pooled.is_sample(result)
    text = result.summary()
    assert text.index("Pooled CAAR (ALL") < text.index("Per group") < text.index("Largest movers")
    assert "... 20 more groups in tests.csv" in text
    assert len(text.splitlines()) <= 60
    groups, more = pooled.groups_frame(result)
    assert len(groups) == 30 and more == 0
    t = result.tests
    ev0 = t[(t["event_id"] == "ev0") & (t["window_start"] == 0) & (t["window_end"] == 0)]
    assert groups.loc[0, "CAAR[0,0] (SE)"].startswith(f"{ev0['caar'].iloc[0] * 100:.3f}%")
    files = write_sample_plots(result, tmp_path)
    assert set(files) == {"caar_pooled", "car_histogram", "caar_groups"}


def test_sample_summary_names_the_tables_in_the_format_written(samples) -> None:
    text = samples[N].summary(table_format="parquet")
    assert "car.parquet" in text and ".csv" not in text
    assert samples[N].summary().replace("car.csv", "car.parquet") == text
