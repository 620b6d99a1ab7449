"""Loading TOML event files: the DeepSeek study, defaults, errors for missing/odd files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from eventstudy.errors import EventFileError, InputError
from eventstudy.events import Claim, Event, EventSet, describe_events, load_events, safe_name

REPO = Path(__file__).resolve().parents[2]
DEEPSEEK = REPO / "events" / "deepseek_2025.toml"


@pytest.fixture(scope="module")
def deepseek() -> EventSet:
    return load_events(DEEPSEEK)


def test_deepseek_study_fields(deepseek: EventSet) -> None:
    assert deepseek.name == "deepseek-2025"
    assert deepseek.tickers == (
        "NVDA", "AVGO", "TSM", "ASML", "AMD", "MRVL", "MU", "ARM", "SMCI", "ORCL",
        "MSFT", "GOOGL", "AMZN", "META", "AAPL", "VST", "CEG", "INTC", "QCOM",
    )  # fmt: skip
    assert deepseek.market == "SPY"
    assert deepseek.calendar == "XNYS"
    assert deepseek.benchmarks == ("QQQ", "SMH", "SOXX")
    assert deepseek.estimation == (-250, -11)
    assert deepseek.windows == ((0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5))
    assert deepseek.shares == {}
    assert deepseek.source == str(DEEPSEEK)
    assert [e.id for e in deepseek.studied] == ["v3", "r1", "app-no1", "selloff"]
    assert [e.id for e in deepseek.confounders] == [
        "stargate", "asml-q4", "msft-q2", "meta-q4", "aapl-q1",
    ]  # fmt: skip
    assert all(e.title and e.description and e.sources for e in deepseek.events)


def test_deepseek_events_as_written(deepseek: EventSet) -> None:
    by_id = {e.id: e for e in deepseek.events}
    assert by_id["r1"].date == dt.date(2025, 1, 20)
    assert by_id["app-no1"].date == dt.date(2025, 1, 26)
    assert by_id["stargate"].tickers is None
    assert by_id["msft-q2"] == Event(
        id="msft-q2",
        date=dt.date(2025, 1, 29),
        title=by_id["msft-q2"].title,
        time=dt.time(16, 5),
        timezone="America/New_York",
        description=by_id["msft-q2"].description,
        sources=by_id["msft-q2"].sources,
        kind="confounder",
        tickers=("MSFT",),
    )
    assert by_id["meta-q4"].time == dt.time(16, 5) and by_id["meta-q4"].tickers == ("META",)
    assert by_id["asml-q4"].tickers == ("ASML",)
    assert by_id["aapl-q1"].tickers == ("AAPL",)


def test_deepseek_claims(deepseek: EventSet) -> None:
    values = [(c.tickers, c.value_usd, c.window, c.event_id, c.date) for c in deepseek.claims]
    day = dt.date(2025, 1, 27)
    assert values == [
        (("NVDA",), -589e9, (0, 0), "selloff", day),
        (("NVDA",), -592.7e9, (0, 0), "selloff", day),
        (("AVGO",), -200e9, (0, 0), "selloff", day),
        (("NVDA", "AVGO"), -800e9, (0, 0), "selloff", day),
    ]
    assert "Bloomberg" in deepseek.claims[0].source
    assert "LSEG" in deepseek.claims[1].source
    combined = deepseek.claims[3].source
    assert "no single source" in combined and "589 + 200 = 789" in combined
    assert all(isinstance(c, Claim) for c in deepseek.claims)


@pytest.mark.snapshot
def test_deepseek_claims_match_the_snapshot(deepseek: EventSet, snapshot_dir: Path) -> None:
    figures = pd.read_csv(snapshot_dir / "reported_figures.csv")
    mv = figures[figures["metric"] == "market_value_change"]
    reported = {(t, float(v) * 1e9) for t, v in zip(mv["tickers"], mv["value"], strict=True)}
    for claim in deepseek.claims[:3]:
        assert (claim.tickers[0], claim.value_usd) in reported


def test_deepseek_aligned_sessions(deepseek: EventSet) -> None:
    table = describe_events(deepseek).set_index("id")
    expected = {
        "v3": "2024-12-26",  # a Thursday session
        "r1": "2025-01-21",  # Monday 2025-01-20 is Martin Luther King Jr. Day
        "app-no1": "2025-01-27",  # Sunday
        "selloff": "2025-01-27",
        "stargate": "2025-01-21",
        "asml-q4": "2025-01-29",  # 07:00 Amsterdam = 01:00 New York, before the open
        "msft-q2": "2025-01-30",  # 16:05 ET, after the close
        "meta-q4": "2025-01-30",
        "aapl-q1": "2025-01-31",
    }
    assert {k: f"{v:%Y-%m-%d}" for k, v in table["day0"].items()} == expected
    assert table.loc["stargate", "tickers"] == "all"
    assert table.loc["stargate", "n_tickers"] == 19
    assert table.loc["msft-q2", "time"] == "16:05"
    assert list(table.reset_index().columns[:9]) == [
        "id", "kind", "title", "date", "time", "timezone", "tickers", "n_tickers", "day0",
    ]  # fmt: skip


def test_describe_events_own_exchange(tmp_path: Path) -> None:
    path = tmp_path / "tokyo.toml"
    path.write_text(
        """
[study]
name = "tokyo"
tickers = ["NVDA", "8035.T"]
[study.exchanges]
"8035.T" = "XTKS"
[[events]]
id = "news"
date = 2025-01-27
time = "09:00"
[[events]]
id = "us-only"
date = 2025-01-27
tickers = ["NVDA"]
""",
        encoding="utf-8",
    )
    table = describe_events(load_events(path)).set_index("id")
    assert table.loc["news", "day0"] == pd.Timestamp("2025-01-27")
    # 09:00 New York = 23:00 Tokyo: the Tokyo session of the 27th has closed.
    assert table.loc["news", "day0_8035.T"] == pd.Timestamp("2025-01-28")
    assert pd.isna(table.loc["us-only", "day0_8035.T"])


def test_defaults_and_string_dates(tmp_path: Path) -> None:
    path = tmp_path / "min.toml"
    path.write_text(
        '[study]\nname = "m"\ntickers = ["AAA"]\n[[events]]\nid = "e"\ndate = "2025-01-27"\n'
        'time = "9:30"\n',
        encoding="utf-8",
    )
    ev = load_events(str(path))
    assert ev == EventSet(
        name="m",
        events=(Event(id="e", date=dt.date(2025, 1, 27), time=dt.time(9, 30)),),
        tickers=("AAA",),
        source=str(path),
    )
    assert ev.market == "SPY" and ev.calendar == "XNYS" and ev.estimation == (-250, -11)
    assert ev.events[0].timezone == "America/New_York" and ev.events[0].kind == "event"


def test_toml_local_time_accepted(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        '[study]\nname = "m"\ntickers = ["AAA"]\n[[events]]\nid = "e"\ndate = 2025-01-27\n'
        "time = 16:05:00\n",
        encoding="utf-8",
    )
    assert load_events(path).events[0].time == dt.time(16, 5)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(InputError, match=f"event file {missing} does not exist") as info:
        load_events(missing)
    assert not isinstance(info.value, EventFileError)


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_events(tmp_path)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("study: {}\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"has suffix '\.yaml'; use a \.toml study file or a \.csv"
    ):
        load_events(path)


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "E.TOML"
    path.write_text(
        '[study]\nname = "m"\ntickers = ["A"]\n[[events]]\nid = "e"\ndate = 2025-01-27\n'
    )
    assert load_events(path).name == "m"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("deepseek-2025", "deepseek-2025"),
        ("../../x", "x"),
        ("a/b", "a-b"),
        ("a\\b c", "a-b-c"),
        ("", "study"),
        (".", "study"),
        ("..", "study"),
        ("/", "study"),
        (".hidden", "hidden"),
        ("CON", "study-CON"),
        ("Ünïcode name!", "n-code-name"),
    ],
)
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["../../x", "../..", "a/../../b", "/etc/passwd", "~/x", "x" * 500])
def test_safe_name_stays_inside(tmp_path: Path, name: str) -> None:
    out = safe_name(name)
    target = (tmp_path / out).resolve()
    assert target.parent == tmp_path.resolve()
    assert out not in ("", ".", "..") and "/" not in out and "\\" not in out
    assert len(out) <= 100


def test_describe_events_on_the_data_calendar_leaves_day0_open(tmp_path: Path) -> None:
    # the benchmark's days are known only when a study reads its prices; an exchange of its own
    # is still a real calendar (Saturday 2025-01-04 -> Monday 2025-01-06 on XBOM)
    path = tmp_path / "data.toml"
    path.write_text(
        '[study]\nname = "synthetic"\ntickers = ["AAA", "BBB"]\nmarket = "MKT"\n'
        'calendar = "data"\n[study.exchanges]\nBBB = "XBOM"\n'
        '[[events]]\nid = "launch"\ndate = 2025-01-04\n',
        encoding="utf-8",
    )
    table = describe_events(load_events(path))
    assert table["id"].tolist() == ["launch"]
    assert table["day0"].isna().all() and str(table["day0"].dtype) == "datetime64[ns]"
    assert table["day0_BBB"].tolist() == [pd.Timestamp("2025-01-06")]
