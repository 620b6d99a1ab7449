"""Prices as a DataFrame, a file or a returns table give the same study, to 1e-12."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy
from eventstudy.calendar import TradingCalendar
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.errors import InputError

FIRMS = ["AAA", "BBB", "CCC", "DDD"]
SHARES = {"AAA": 1.0e9, "BBB": 2.5e8, "CCC": 7.0e8, "DDD": 4.0e7}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Wide closes of four firms and SPY on XNYS sessions (one-factor returns, seeded)."""
    rng = np.random.default_rng(16)
    dates = TradingCalendar("XNYS").sessions("2023-01-03", "2024-12-31")
    market = rng.normal(0.0004, 0.01, len(dates))
    firm = (
        0.0002 + market[:, None] * rng.uniform(0.6, 1.4, 4) + rng.normal(0, 0.015, (len(dates), 4))
    )
    returns = np.column_stack([firm, market])
    returns[0] = 0.0
    close = 50.0 * np.cumprod(1.0 + returns, axis=0)
    return pd.DataFrame(close, index=dates.rename("date"), columns=[*FIRMS, "SPY"])


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "CCC", "DDD", "AAA", "CCC"],
            "event_date": [
                "2024-03-15",
                "2024-05-01",
                "2024-06-20",
                "2024-08-06",
                "2024-10-31",
                "2024-11-09",
            ],
            "surprise": [0.5, -1.2, 0.1, 2.0, -0.3, 0.0],
        }
    )


def long_prices(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.stack().rename("close").reset_index()
    long.columns = ["date", "ticker", "close"]
    long["adj_close"] = long["close"]
    return long


def returns_table(wide: pd.DataFrame) -> pd.DataFrame:
    """date,ticker,ret,prc,shrout computed here from the closes: ret = P_t / P_{t-1} - 1."""
    values = wide.to_numpy()
    ret = values[1:] / values[:-1] - 1.0
    frame = pd.DataFrame(ret, index=wide.index[1:], columns=wide.columns)
    long = frame.stack().rename("ret").reset_index()
    long.columns = ["date", "ticker", "ret"]
    long["prc"] = wide.stack().loc[list(zip(long["date"], long["ticker"], strict=True))].to_numpy()
    long["shrout"] = long["ticker"].map(SHARES) / 1000.0  # thousands, as CRSP
    return long


def shares_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": list(SHARES),
            "as_of": pd.Timestamp("2020-01-01"),
            "shares": list(SHARES.values()),
        }
    )


def run(study: EventStudy, *args: object, **kwargs: object):  # noqa: ANN201 - a StudyResult
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(*args, **kwargs)


def test_dataframe_file_and_returns_inputs_agree(
    panel: pd.DataFrame, events: pd.DataFrame, tmp_path: Path
) -> None:
    study = EventStudy.from_frame(events, market="SPY", estimation=(-200, -11))
    path = tmp_path / "prices.csv"
    long_prices(panel).to_csv(path, index=False)
    shares_path = tmp_path / "shares.csv"
    shares_frame().to_csv(shares_path, index=False)

    from_file = run(study, LocalPriceProvider(path), shares_path)
    results = {
        "path": run(study, str(path), shares_frame()),
        "long frame": run(study, long_prices(panel), shares_frame()),
        "wide frame": run(study, panel, shares_frame()),
        "returns": run(study, returns=returns_table(panel)),
    }
    base = from_file.to_frame()
    assert base["abnormal_return"].notna().sum() == 6 * 11  # six firm-events, [-5, 5]
    for name, result in results.items():
        got = result.to_frame()
        for column in ("return", "abnormal_return", "ar_se", "market_value_prev"):
            np.testing.assert_allclose(
                got[column], base[column], rtol=1e-12, atol=1e-12, err_msg=f"{name}: {column}"
            )
        np.testing.assert_allclose(result.car["car"], from_file.car["car"], rtol=1e-12, atol=1e-12)
    # the characteristic rides along, one column after the standard ones
    car = from_file.car
    assert car.columns[-1] == "surprise"
    assert car.columns[-2] == "confounders"
    per_pair = car.drop_duplicates(["event_id", "ticker"]).set_index("ticker")["surprise"]
    assert per_pair.loc["DDD"] == 2.0


def test_returns_path_and_log_returns(
    panel: pd.DataFrame, events: pd.DataFrame, tmp_path: Path
) -> None:
    table = returns_table(panel)
    path = tmp_path / "returns.parquet"
    table.to_parquet(path)
    study = EventStudy.from_frame(events, estimation=(-200, -11), return_kind="log")
    prices = run(study, panel)
    returns = run(study, returns=path)
    np.testing.assert_allclose(
        returns.to_frame()["abnormal_return"],
        prices.to_frame()["abnormal_return"],
        rtol=1e-12,
        atol=1e-12,
    )


def test_prices_and_returns_together_or_neither(events: pd.DataFrame, panel: pd.DataFrame) -> None:
    study = EventStudy.from_frame(events)
    with pytest.raises(InputError, match=r"pass either prices= .* not both"):
        study.run(panel, returns=returns_table(panel))
    with pytest.raises(InputError, match=r"not neither"):
        study.run()


def test_a_returns_table_holding_prices_is_refused(
    panel: pd.DataFrame, events: pd.DataFrame
) -> None:
    table = returns_table(panel)
    table["ret"] = table["prc"]  # the price column pasted where the returns go
    with pytest.raises(InputError) as info:
        EventStudy.from_frame(events).run(returns=table)
    message = str(info.value)
    assert message.startswith("returns DataFrame: column 'ret' is beyond 1 in absolute value on ")
    assert "it holds prices or percent, not decimal returns" in message
    assert info.value.field == "ret"


def test_a_benchmark_missing_from_the_returns_table(
    panel: pd.DataFrame, events: pd.DataFrame
) -> None:
    table = returns_table(panel)
    table = table[table["ticker"] != "SPY"]
    with pytest.raises(
        InputError, match=r"benchmark 'SPY' is neither a ticker in returns DataFrame"
    ):
        EventStudy.from_frame(events).run(returns=table)


def test_prices_of_the_wrong_type(events: pd.DataFrame) -> None:
    with pytest.raises(
        InputError, match=r"prices must be a DataFrame, a file path or a price provider, got int"
    ):
        EventStudy.from_frame(events).run(3)


@pytest.mark.parametrize("missing", ["ticker", "as_of", "shares"])
def test_shares_dataframe_without_a_column_is_one_sentence(
    panel: pd.DataFrame, events: pd.DataFrame, missing: str
) -> None:
    shares = shares_frame().drop(columns=missing)
    left = ", ".join(c for c in ["ticker", "as_of", "shares"] if c != missing)
    with pytest.raises(
        InputError,
        match=rf"^shares DataFrame: no '{missing}' column \(columns are {left}\); a share-count "
        r"file or DataFrame needs ticker, as_of, shares and optionally source\.$",
    ):
        run(EventStudy.from_frame(events), panel, shares)


def test_characteristics_follow_their_firm_event_in_any_row_order(panel: pd.DataFrame) -> None:
    # rows of event "m" are interleaved with "n": the firm-events come out grouped by event
    events = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "CCC", "DDD"],
            "event_date": ["2024-05-01", "2024-08-06", "2024-05-01", "2024-08-06"],
            "event_id": ["m", "n", "m", "n"],
            "deal": ["cash", "stock", "mixed", "cash"],
        }
    )
    result = run(EventStudy.from_frame(events, estimation=(-200, -11)), panel)
    car = result.car
    assert car[["event_id", "ticker"]].drop_duplicates().values.tolist() == [
        ["m", "AAA"],
        ["m", "CCC"],
        ["n", "BBB"],
        ["n", "DDD"],
    ]
    got = car.drop_duplicates(["event_id", "ticker"]).set_index("ticker")["deal"].to_dict()
    assert got == {"AAA": "cash", "BBB": "stock", "CCC": "mixed", "DDD": "cash"}
    assert (car.groupby("ticker")["deal"].nunique() == 1).all()


def test_wide_returns_frame(panel: pd.DataFrame, events: pd.DataFrame) -> None:
    values = panel.to_numpy()
    wide = pd.DataFrame(
        values[1:] / values[:-1] - 1.0, index=panel.index[1:], columns=panel.columns
    )
    study = EventStudy.from_frame(events, estimation=(-200, -11))
    from_prices = run(study, panel)
    from_wide = run(study, returns=wide)
    np.testing.assert_allclose(
        from_wide.to_frame()["abnormal_return"],
        from_prices.to_frame()["abnormal_return"],
        rtol=1e-12,
        atol=1e-12,
    )
    assert from_wide.to_frame()["market_value_prev"].isna().all()  # no prices, no market value
    wide.iloc[3:40, 1] = 130.0  # a price pasted into one ticker's column
    with pytest.raises(InputError, match=r"returns DataFrame: column 'BBB' is beyond 1"):
        study.run(returns=wide)


def test_returns_on_the_datas_own_days() -> None:
    # a market open every day of the week (e.g. crypto): calendar="data" takes the benchmark's
    # days, so a Saturday is a session and a Saturday event is its own day 0
    rng = np.random.default_rng(7)
    days = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    market = rng.normal(0, 0.02, len(days))
    firm = 1.1 * market + rng.normal(0, 0.02, len(days))
    table = pd.DataFrame({"date": days, "ticker": "COIN1", "ret": firm, "mkt": market})
    events = pd.DataFrame({"ticker": ["COIN1"], "event_date": ["2024-11-02"]})  # a Saturday
    study = EventStudy.from_frame(events, calendar="data", market="mkt", estimation=(-200, -11))
    daily = run(study, returns=table).to_frame().set_index("rel_day")
    assert daily.loc[0, "date"] == pd.Timestamp("2024-11-02")
    assert daily.loc[1, "date"] == pd.Timestamp("2024-11-03")
    assert daily.loc[0, "return"] == firm[days.get_loc("2024-11-02")]
