"""Repeated (firm, day 0) pairs, studied events inside other windows, and non-US calendars."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eventstudy import EventStudy, cli
from eventstudy.calendar import TradingCalendar
from eventstudy.errors import OverlapWarning


def prices(calendar: str, tickers: list[str], seed: int = 3) -> pd.DataFrame:
    """Seeded wide closes on a calendar's sessions of 2023-2024 (one-factor returns)."""
    rng = np.random.default_rng(seed)
    dates = TradingCalendar(calendar).sessions("2023-01-02", "2024-12-31")
    market = rng.normal(0.0004, 0.01, len(dates))
    firm = market[:, None] * 0.9 + rng.normal(0, 0.015, (len(dates), len(tickers)))
    close = 100.0 * np.cumprod(1.0 + np.column_stack([firm, market]), axis=0)
    return pd.DataFrame(close, index=dates.rename("date"), columns=[*tickers, "SPY"])


def run(study: EventStudy, data: pd.DataFrame) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = study.run(data)
    return result, caught


def test_a_repeated_firm_and_day0_counts_once_in_the_pool() -> None:
    events = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "AAA", "CCC"],
            "event_date": ["2024-06-03", "2024-06-03", "2024-06-03", "2024-09-10"],
            "event_id": ["a", "a", "b", "c"],
        }
    )
    study = EventStudy.from_frame(events, estimation=(-200, -11))
    result, caught = run(study, prices("XNYS", ["AAA", "BBB", "CCC"]))
    notes = [str(w.message) for w in caught if issubclass(w.category, OverlapWarning)]
    assert (
        "1 firm-event(s) repeat a firm and day 0 already in the pooled group ALL (e.g. AAA on "
        "2024-06-03: 'b' repeats 'a'); the pooled tests and AAR count each firm and day 0 once, "
        "at its first firm-event" in notes
    )
    pooled = result.tests[(result.tests["event_id"] == "ALL")]
    assert set(pooled["n_firms"]) == {3}
    # the pooled CAAR is the mean CAR of (a, AAA), (a, BBB), (c, CCC): b's AAA is left out
    car = result.car[(result.car["window_start"] == 0) & (result.car["window_end"] == 0)]
    kept = car[car["event_id"] != "b"]["car"].to_numpy()
    caar = pooled[(pooled["window_start"] == 0) & (pooled["window_end"] == 0)]["caar"].iloc[0]
    assert caar == pytest.approx(kept.sum() / 3, abs=1e-15)
    day0 = result.aar[(result.aar["event_id"] == "ALL") & (result.aar["rel_day"] == 0)]
    assert int(day0["n_firms"].iloc[0]) == 3


def test_studied_events_inside_other_windows_are_flagged() -> None:
    sessions = TradingCalendar("XNYS").sessions("2024-01-02", "2024-12-31")
    first = sessions[100]
    # three sessions later, and 40 sessions later (then the first is in its estimation window)
    events = pd.DataFrame(
        {
            "ticker": ["AAA", "AAA", "AAA", "BBB"],
            "event_date": [first, sessions[103], sessions[140], sessions[103]],
            "event_id": ["e1", "e2", "e3", "other-firm"],
        }
    )
    study = EventStudy.from_frame(events, estimation=(-60, -11))
    result, caught = run(study, prices("XNYS", ["AAA", "BBB"]))
    got = result.confounders[
        ["event_id", "ticker", "window_start", "window_end", "confounder_id", "confounder_rel_day"]
    ]
    expected = [
        ("e1", "AAA", 0, 5, "e2", 3),
        ("e1", "AAA", -5, 5, "e2", 3),
        ("e2", "AAA", -5, 5, "e1", -3),
        # one row per firm-event for its estimation window: the first event, and a count
        ("e3", "AAA", -60, -11, "e1", -40),
    ]
    assert sorted(map(tuple, got.itertuples(index=False))) == sorted(expected)
    est = result.confounders[result.confounders["window_start"] == -60]
    assert est["confounder_title"].iloc[0] == "(and 1 more studied events of the firm)"
    car = result.car[result.car["ticker"] == "AAA"]
    labels = car.set_index(["event_id", "window_start", "window_end"])["confounders"]
    assert labels.loc[("e1", 0, 5)] == "e2"
    assert labels.loc[("e1", 0, 0)] == ""
    assert labels.loc[("e3", -5, 5)] == ""  # estimation-window rows label no CAR
    assert any(
        "2 firm-event(s) hold another studied event of the same firm in an event window and 1 "
        "in the estimation window (-60, -11)" in str(w.message)
        for w in caught
    )


def test_a_sample_on_the_bombay_calendar() -> None:
    # 2024-01-26 (Republic Day) and 2024-03-08 (Mahashivratri): the exchange is closed, so day 0
    # is the next Bombay session; New York traded on both days
    events = pd.DataFrame({"ticker": ["AAA", "BBB"], "event_date": ["2024-01-26", "2024-03-08"]})
    data = prices("XBOM", ["AAA", "BBB"])
    result, _ = run(EventStudy.from_frame(events, calendar="XBOM", estimation=(-200, -11)), data)
    day0 = result.to_frame().query("rel_day == 0").set_index("ticker")["date"]
    assert day0.to_dict() == {"AAA": pd.Timestamp("2024-01-29"), "BBB": pd.Timestamp("2024-03-11")}
    on_nyse, _ = run(
        EventStudy.from_frame(events, estimation=(-200, -11)), prices("XNYS", ["AAA", "BBB"])
    )
    assert on_nyse.to_frame().query("rel_day == 0")["date"].tolist() == [
        pd.Timestamp("2024-01-26"),
        pd.Timestamp("2024-03-08"),
    ]


def test_an_exchange_column_puts_one_firm_on_its_own_calendar() -> None:
    events = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB"],
            "event_date": ["2024-01-26", "2024-01-26"],
            "exchange": ["XBOM", ""],
        }
    )
    # prices on the union of both calendars' sessions
    data = prices("XNYS", ["AAA", "BBB"]).combine_first(prices("XBOM", ["AAA", "BBB"], seed=4))
    result, _ = run(EventStudy.from_frame(events, estimation=(-200, -11)), data)
    day0 = result.to_frame().query("rel_day == 0").set_index("ticker")["date"]
    assert day0.to_dict() == {"AAA": pd.Timestamp("2024-01-29"), "BBB": pd.Timestamp("2024-01-26")}


def test_cli_passes_calendar_and_returns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def fake(events: Path, **options: Any) -> Any:
        seen.update(options, events=events)
        raise cli.InputError("stop here")

    monkeypatch.setattr(cli, "run_study", fake)
    res = CliRunner().invoke(
        cli.app, ["run", "s.csv", "--calendar", "XBOM", "--returns", "dsf.csv"]
    )
    assert res.exit_code == 2
    assert seen["calendar"] == "XBOM"
    assert seen["returns"] == Path("dsf.csv")
    assert seen["prices"] is None


def test_cli_runs_a_csv_sample_on_xbom(tmp_path: Path) -> None:
    events_csv = tmp_path / "india.csv"
    events_csv.write_text("ticker,event_date,sector\nAAA,2024-01-26,energy\nBBB,2024-03-08,banks\n")
    prices_csv = tmp_path / "prices.csv"
    prices("XBOM", ["AAA", "BBB"]).to_csv(prices_csv)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli.app,
        [
            "run",
            str(events_csv),
            "--prices",
            str(prices_csv),
            "--calendar",
            "XBOM",
            "--estimation",
            "-200",
            "-11",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    ars = pd.read_csv(out / "abnormal_returns.csv").query("rel_day == 0")
    assert ars["date"].tolist() == ["2024-01-29", "2024-03-11"]
    car = pd.read_csv(out / "car.csv")
    assert car.columns[-1] == "sector"  # the characteristic, after the standard columns
    assert car.drop_duplicates("ticker")["sector"].tolist() == ["energy", "banks"]


def test_overlap_rows_stay_linear_in_a_dense_sample() -> None:
    from eventstudy.confounders import flag_overlaps
    from eventstudy.events.schema import Event, EventSet
    from eventstudy.sample import EventSample

    # one firm with an event on each of 1,500 consecutive sessions: every estimation window
    # holds 240 others, every [-1, 1] window two (one at the ends)
    sessions = TradingCalendar("XNYS").sessions("2010-01-04", "2017-12-29")[:1500]
    n = len(sessions)
    pairs = pd.DataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "ticker": "AAA", "day0": sessions}
    )
    sample = EventSample(
        pairs=pairs, dates=sessions, estimation=(-250, -11), rel_days=np.arange(-1, 2),
        est_pos=np.empty((n, 0), np.int64), evt_pos=np.empty((n, 0), np.int64),
        firm_est=np.empty((n, 0)), firm_evt=np.empty((n, 0)),
        market_est=np.empty((n, 0)), market_evt=np.empty((n, 0)),
    )  # fmt: skip
    events = EventSet(
        name="dense",
        events=tuple(
            Event(id=f"e{i}", date=d.date(), tickers=("AAA",)) for i, d in enumerate(sessions[:1])
        ),
    )
    rows = flag_overlaps(events, sample, ((-1, 1),), max_rows=2 * n - 3)  # one below the pairs
    in_est = rows[rows["window_start"] == -250]
    assert len(in_est) == n - 11  # one row each (the first 11 have none before them)
    # more overlaps than max_rows: one row per firm-event for the span, with a count
    in_span = rows[rows["window_start"] == -1]
    assert len(in_span) == n
    middle = in_span[in_span["event_id"] == "e10"].iloc[0]
    assert middle["confounder_id"] == "e9" and middle["confounder_rel_day"] == -1
    assert middle["confounder_title"] == "(and 1 more studied events of the firm)"
    first = in_span[in_span["event_id"] == "e0"].iloc[0]
    assert first["confounder_id"] == "e1" and first["confounder_title"] == ""
    last = in_est[in_est["event_id"] == f"e{n - 1}"].iloc[0]
    assert last["confounder_title"] == "(and 239 more studied events of the firm)"
