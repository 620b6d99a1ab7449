"""Price and share files written by hand or by spreadsheets (issue 14, items 7 and 9).

Before the fix: ``DD/MM/YYYY`` dates were read month-first when the first rows allowed it; a row
with an extra field in the first data row shifted every column (reported as a bad date); a
thousands separator in the ``volume`` column (which prices and returns do not use) failed the run; messages showed numpy reprs.
Expected dates are written out by hand here.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.base import normalize_price_frame
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.data.shares import LocalSharesProvider
from eventstudy.errors import DataQualityWarning, InputError


def frame(dates: list[str], **columns: list[object]) -> pd.DataFrame:
    close = columns.pop("close", list(np.arange(1.0, len(dates) + 1)))
    return pd.DataFrame({"date": dates, "ticker": "A", "close": close, **columns})


def days(result: pd.DataFrame) -> list[dt.date]:
    return [d.date() for d in result["date"]]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # day-first, proven only by the last row (pandas guesses month-first from the first)
        (["03/02/2025", "04/02/2025", "25/02/2025"], [(2025, 2, 3), (2025, 2, 4), (2025, 2, 25)]),
        # month-first, proven by the last row
        (["02/03/2025", "02/04/2025", "02/25/2025"], [(2025, 2, 3), (2025, 2, 4), (2025, 2, 25)]),
        (["03.02.2025", "25.02.2025"], [(2025, 2, 3), (2025, 2, 25)]),
        (["3-2-25", "25-2-25"], [(2025, 2, 3), (2025, 2, 25)]),
        (["01/01/2025", "02/02/2025"], [(2025, 1, 1), (2025, 2, 2)]),  # both orders agree
    ],
)
def test_day_month_order_is_decided_by_the_whole_column(dates, expected) -> None:
    out = normalize_price_frame(frame(dates), "p.csv")
    assert days(out) == [dt.date(*d) for d in expected]


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (
            ["03/02/2025", "04/02/2025", "05/02/2025"],
            r"p\.csv: column 'date' holds dates such as '03/02/2025' that read as both "
            r"day/month and month/day, .* write the dates as YYYY-MM-DD",
        ),
        (
            ["03/02/2025", "25/02/2025", "02/25/2025"],
            r"column 'date' mixes day-first dates \('25/02/2025'\) and month-first dates "
            r"\('02/25/2025'\); write every date as YYYY-MM-DD",
        ),
        (
            ["25/02/2025", "31/02/2025"],
            r"column 'date' holds '31/02/2025' in data row 2, which is not a date",
        ),
    ],
)
def test_day_month_order_that_the_data_cannot_settle(dates, message) -> None:
    with pytest.raises(InputError, match=message):
        normalize_price_frame(frame(dates), "p.csv")


def test_share_dates_follow_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("ticker,as_of,shares\nA,03/02/2025,10\nB,25/02/2025,20\n", encoding="utf-8")
    got = LocalSharesProvider(path).get_shares(["A", "B"])
    assert dict(zip(got["ticker"], days(got.rename(columns={"as_of": "date"})), strict=True)) == {
        "A": dt.date(2025, 2, 3),
        "B": dt.date(2025, 2, 25),
    }
    path.write_text("ticker,as_of,shares\nA,03/02/2025,10\nB,04/02/2025,20\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'as_of' holds dates such as '03/02/2025'"):
        LocalSharesProvider(path).get_shares(["A", "B"])


@pytest.mark.parametrize(
    ("volume", "expected", "note"),
    [
        (["1,234,567", "2_000"], [1234567.0, 2000.0], None),
        (["1 234 567", "12'345"], [1234567.0, 12345.0], None),
        (["", "7"], [np.nan, 7.0], None),  # a blank volume is simply unknown
        # unreadable volume is left blank with a note, never an error
        (["n/a", ""], [np.nan, np.nan], "holds 'n/a' in data row 1, which is not a number"),
        ([True, False], [np.nan, np.nan], "holds True in data row 1 (and 1 more), which is"),
        ([1.0, np.inf], [1.0, np.nan], "holds inf in data row 2, which is not a number"),
    ],
)
def test_volume_is_read_where_it_can_be_and_never_fails(volume, expected, note) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = normalize_price_frame(frame(["2025-01-02", "2025-01-03"], volume=volume), "p.csv")
    np.testing.assert_array_equal(out["volume"].to_numpy(), np.array(expected))
    np.testing.assert_array_equal(out["close"].to_numpy(), [1.0, 2.0])
    notes = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and f"p.csv: column 'volume' {note}" in notes[0]
        assert notes[0].endswith(
            "those volumes are left blank (prices and returns do not use volume)."
        )


def test_quoted_thousands_in_a_csv_volume_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        'date,ticker,close,volume\n2025-01-02,A,10.5,"1,234,567"\n2025-01-03,A,11,"987"\n',
        encoding="utf-8",
    )
    out = LocalPriceProvider(path).read()
    assert out["volume"].tolist() == [1234567.0, 987.0]
    assert out["close"].tolist() == [10.5, 11.0]


@pytest.mark.parametrize(
    ("rows", "line", "fields"),
    [
        ("2025-01-02,A,10,99\n2025-01-03,A,11\n", 2, 4),  # first data row: was "a bad date"
        ("2025-01-02,A,10\n2025-01-03,A,11,99\n", 3, 4),
        ("2025-01-02,A,10,\n2025-01-03,A,11,\n", 2, 4),  # a trailing comma (pandas 2.0: silent)
    ],
)
def test_price_row_with_an_extra_field_names_its_line(tmp_path: Path, rows, line, fields) -> None:
    path = tmp_path / "p.csv"
    path.write_text("date,ticker,close\n" + rows, encoding="utf-8")
    with pytest.raises(InputError) as err:
        LocalPriceProvider(path).read()
    assert str(err.value) == (
        f"price file {path}: line {line} has {fields} fields but the header has 3; remove the "
        "extra field (or quote a value that holds a comma)."
    )


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("close", [1.0, np.inf], "holds inf in data row 2"),
        ("close", [True, False], "holds True in data row 1"),
    ],
)
def test_price_messages_show_plain_values(column, values, shown) -> None:
    with pytest.raises(InputError) as err:
        normalize_price_frame(frame(["2025-01-02", "2025-01-03"], **{column: values}), "p.csv")
    assert shown in str(err.value) and "np." not in str(err.value)
