"""Price checks inside a study (issue 14 item 4): event-day crashes kept, benchmark on another
calendar flagged, ``calendar = "data"``.

Prices are simulated here with a known truth (a market model with t(3) residuals and an injected
crash), so every expected value is the simulated one, not the code's own output.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy
from eventstudy.calendar import TradingCalendar
from eventstudy.data.quality import check_prices
from eventstudy.errors import DataQualityWarning, InputError
from eventstudy.events.load import load_events
from eventstudy.events.schema import Event, EventSet

pytestmark = pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")

XNYS = TradingCalendar("XNYS").sessions("2022-01-03", "2023-12-29")


class FramePrices:
    """Price provider over an in-memory long frame."""

    name = "simulated"

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def get_prices(self, tickers, start, end, *, progress=None):  # noqa: ANN001, ANN201
        f = self.frame
        keep = f["ticker"].isin(list(tickers)) & (f["date"] >= pd.Timestamp(start))
        return f[keep & (f["date"] <= pd.Timestamp(end))].reset_index(drop=True)


def simulate(
    rng: np.random.Generator, dates: pd.DatetimeIndex, n_firms: int, crash_at: int | None = None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Close-only prices (no adjusted close) of ``MKT`` and firms ``F0..``; t(3) residuals.

    Returns the long frame, the firms' simple returns (sessions x firms) and the crash sizes.
    """
    market = rng.normal(0.0003, 0.01, len(dates))
    noise = 0.012 * rng.standard_t(3, (len(dates), n_firms))
    firm = np.clip(0.0002 + 1.1 * market[:, None] + noise, -0.35, 0.35)  # no split ratio
    crash = rng.uniform(-0.95, -0.50, n_firms)
    if crash_at is not None:
        firm[crash_at] = crash
    firm[0] = market[0] = 0.0
    level = 50.0 * np.cumprod(1.0 + np.column_stack([market, firm]), axis=0)
    tickers = ["MKT", *(f"F{i}" for i in range(n_firms))]
    frame = pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), len(tickers)),
            "ticker": np.repeat(tickers, len(dates)),
            "close": level.T.ravel(),
            "adj_close": np.nan,  # raw closes: nothing vouches for the moves
            "volume": 1e6,
        }
    )
    return frame, firm, crash


def test_monte_carlo_a_real_crash_on_the_event_day_is_kept():
    # issue 14 item 4: with t(3) residuals, 17% of panels lost a real -50%..-95% event-day crash
    rng = np.random.default_rng(20250127)
    n_panels, day0 = 400, 300
    frame, firm, crash = simulate(rng, XNYS[:320], n_panels, crash_at=day0)
    protect = pd.DataFrame(
        {
            "ticker": [f"F{i}" for i in range(n_panels)],
            "first": XNYS[day0 - 5],
            "last": XNYS[day0 + 5],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        report = check_prices(frame, XNYS[:320], protect=protect, calendar="XNYS")
    returns, _ = report.returns_with_close()
    kept = returns.iloc[day0][[f"F{i}" for i in range(n_panels)]].to_numpy()
    assert np.isfinite(kept).all()  # every panel keeps its crash day ...
    np.testing.assert_allclose(kept, crash, rtol=1e-9, atol=1e-12)  # ... at the simulated size
    # and outside the event windows almost no real return is nulled (t(3) tails are not splits)
    nulled = report.issues["action"].eq("prices set to NaN").sum()
    assert nulled <= 0.001 * n_panels * 300


def make_study(frame: pd.DataFrame, event_day: pd.Timestamp, **options) -> EventStudy:
    events = EventSet(
        name="sim",
        events=(Event(id="e", date=event_day.date(), tickers=("F0",)),),
        market="MKT",
        estimation=(-250, -11),
        windows=((0, 0), (-1, 1), (0, 10)),  # sessions after day 0 show whether a level holds
    )
    return EventStudy(events, **options)


def run_quiet(study: EventStudy, frame: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(FramePrices(frame))


def test_a_crash_matching_a_split_ratio_on_day_0_is_kept_and_flagged():
    rng = np.random.default_rng(1)
    frame, firm, _ = simulate(rng, XNYS[:320], 1)
    day0 = XNYS[300]
    crashed = (frame["ticker"] == "F0") & (frame["date"] >= day0)
    frame.loc[crashed, "close"] *= 0.5 / (1 + firm[300, 0])  # exactly -50% on day 0: "2-for-1"
    result = run_quiet(make_study(frame, day0), frame)
    dq = result.data_quality
    row = dq[dq["check"] == "suspected_split"].iloc[0]
    assert (row["ticker"], row["date"], row["action"]) == (
        "F0",
        day0,
        "kept: inside an event window",
    )
    daily = result.daily
    ar0 = daily[(daily["ticker"] == "F0") & (daily["rel_day"] == 0)]["abnormal_return"].iloc[0]
    assert ar0 < -0.45  # the crash itself, less a market-model prediction of about 1%


def test_a_benchmark_on_another_calendar_is_flagged():
    rng = np.random.default_rng(2)
    frame, _, _ = simulate(rng, XNYS[:320], 1)
    # the benchmark misses 8% of the sessions (another exchange's holidays), each costing two
    # returns: about 16% of the estimation window
    drop = XNYS[rng.choice(np.arange(40, 280), 20, replace=False)]
    frame = frame[~((frame["ticker"] == "MKT") & frame["date"].isin(drop))]
    with pytest.warns(DataQualityWarning, match=r"benchmark MKT has no return on \d+ of 240"):
        result = make_study(frame, XNYS[300]).run(FramePrices(frame))
    dq = result.data_quality
    row = dq[dq["check"] == "benchmark_calendar"].iloc[0]
    # by hand: the sessions of the window without an MKT return (the dropped day and the next)
    window = XNYS[300 - 250 : 300 - 10]
    dropped = set(drop) | {XNYS[XNYS.get_loc(d) + 1] for d in drop}
    missing = sum(d in dropped for d in window)
    assert row["ticker"] == "MKT" and row["value"] == pytest.approx(missing / 240, abs=1e-12)
    assert row["message"].startswith(
        f"benchmark MKT has no return on {missing} of 240 estimation-window sessions "
        f"({missing / 240:.0%}) of the XNYS calendar"
    )


def test_a_complete_benchmark_is_not_flagged():
    rng = np.random.default_rng(3)
    frame, _, _ = simulate(rng, XNYS[:320], 1)
    dq = run_quiet(make_study(frame, XNYS[300]), frame).data_quality
    assert "benchmark_calendar" not in set(dq["check"])


def seven_day_market(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    days = pd.date_range("2023-01-01", periods=420, freq="D")  # every day of the week
    frame, _, _ = simulate(rng, days, 1)
    return frame, days


def test_calendar_data_uses_the_benchmarks_days():
    rng = np.random.default_rng(4)
    frame, days = seven_day_market(rng)
    saturday = days[398]
    assert saturday.dayofweek == 5
    result = run_quiet(make_study(frame, saturday, calendar="data"), frame)
    fit = result.model_fit.iloc[0]
    assert fit["nobs"] == 240  # every day of the estimation window is a session
    daily = result.daily
    day0 = daily[(daily["ticker"] == "F0") & (daily["rel_day"] == 0)]["date"].iloc[0]
    assert pd.Timestamp(day0) == saturday  # a Saturday is a session of this market
    # the Sunday return is Saturday-to-Sunday: computed by hand from the prices
    f0 = frame[frame["ticker"] == "F0"].set_index("date")["close"]
    r1 = daily[(daily["ticker"] == "F0") & (daily["rel_day"] == 1)]["return"].iloc[0]
    assert r1 == pytest.approx(f0[days[399]] / f0[saturday] - 1, rel=1e-12, abs=1e-15)
    assert len(result.data_quality) == 0


def test_the_same_seven_day_market_on_xnys_stops_with_one_sentence():
    rng = np.random.default_rng(4)
    frame, days = seven_day_market(rng)
    with pytest.raises(
        InputError, match=r"on days that are not XNYS sessions .*calendar = \"data\""
    ):
        run_quiet(make_study(frame, days[398]), frame)


def test_calendar_data_from_an_event_file(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(
        '[study]\nname = "crypto"\ntickers = ["F0"]\nmarket = "MKT"\ncalendar = "data"\n'
        'estimation = [-250, -11]\nwindows = [[0, 0]]\n\n[[events]]\nid = "e"\n'
        "date = 2024-02-04\n",
        encoding="utf-8",
    )
    events = load_events(path)
    assert events.calendar == "data"
    rng = np.random.default_rng(5)
    frame, days = seven_day_market(rng)
    frame = frame.assign(date=frame["date"] + pd.Timedelta(days=30))  # 2023-01-31 onwards
    result = run_quiet(EventStudy(events), frame)
    assert result.model_fit.iloc[0]["nobs"] == 240
    assert str(result.daily["date"].iloc[0])[:10] <= "2024-02-04"


def test_a_data_calendar_is_not_built_from_its_name():
    with pytest.raises(InputError, match=r'calendar "data" takes its sessions from the benchmark'):
        TradingCalendar("data")
    cal = TradingCalendar.from_sessions(pd.to_datetime(["2024-01-06", "2024-01-07"]))
    assert cal.align("2024-01-06") == pd.Timestamp("2024-01-06")
    # a time of day: the day ends at midnight UTC
    late = cal.align("2024-01-06", dt.time(23, 0), "America/New_York")  # 04:00 UTC on the 7th
    assert late == pd.Timestamp("2024-01-07")
