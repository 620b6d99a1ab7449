"""Thousands separators in the price columns of a price file.

Before the fix every grouped price (``"1,234.50"``, ``1 234.50``, ``1_234.5``, ``1'234.5``) was
refused as "not a number", and the message named only the data row. The rule now: digits grouped
in threes by one separator used throughout, with a dot as the decimal mark, are read; a comma
needs the dot decimal part (``1,234`` could be 1234 or 1.234 and is refused, never guessed).
Expected values are written out by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from eventstudy import cli
from eventstudy.data.csv import LocalPriceProvider
from eventstudy.errors import InputError

NBSP, NNBSP = "\u00a0", "\u202f"


def price_file(tmp_path: Path, adj_close: str, close: str = "10.25") -> Path:
    """A long file: A's first row is plain, its second holds the values under test."""
    path = tmp_path / "prices.csv"
    path.write_text(
        f"date,ticker,adj_close,close\n2025-01-02,A,9.5,9.75\n2025-01-03,A,{adj_close},{close}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"1,234.50"', 1234.5),
        ('"12,345,678.125"', 12345678.125),
        ('"-1,000.5"', -1000.5),
        ("1 234.50", 1234.5),
        (f"1{NBSP}234.50", 1234.5),
        (f"1{NNBSP}234{NNBSP}567.75", 1234567.75),
        ("1 234", 1234.0),  # a space is never a decimal mark
        ("1_234.5", 1234.5),
        ("1'234.5", 1234.5),
        ("1\u2019234.5", 1234.5),  # typographic apostrophe (Swiss style)
        ("1234.5", 1234.5),  # plain numbers as before
        ("1.5e3", 1500.0),
    ],
)
def test_grouped_prices_are_read(tmp_path: Path, written: str, expected: float) -> None:
    out = LocalPriceProvider(price_file(tmp_path, written)).read()
    assert out["adj_close"].tolist() == [9.5, expected]
    assert out["close"].tolist() == [9.75, 10.25]


def test_grouped_close_column_and_wide_layout(tmp_path: Path) -> None:
    out = LocalPriceProvider(price_file(tmp_path, "2.5", close='"2,000.25"')).read()
    assert out["close"].tolist() == [9.75, 2000.25]
    wide = tmp_path / "wide.csv"
    wide.write_text(
        'date,NVDA,^GSPC\n2025-01-24,142.62,"6,101.24"\n2025-01-27,118.42,6 012.28\n',
        encoding="utf-8",
    )
    got = LocalPriceProvider(wide).read()
    gspc = got[got["ticker"] == "^GSPC"]
    assert gspc["close"].tolist() == [6101.24, 6012.28]
    assert gspc["adj_close"].tolist() == [6101.24, 6012.28]


COMMA = (
    r"whose comma could be a thousands separator or a decimal mark; write the price with a dot "
    r"as the decimal mark and any thousands commas in groups of three, e.g\. 1234\.50 or "
    r"1,234\.50\.$"
)


@pytest.mark.parametrize(
    "written",
    [
        '"1,234"',  # 1234 or 1.234: refused, never guessed
        '"12,50"',  # a decimal comma
        '"1.234,56"',  # dot thousands, comma decimals
        f'"1{NBSP}234,50"',  # space thousands, comma decimals
        '"1,234,567"',  # comma-grouped without the dot decimal part
        '"12,34.5"',  # not grouped in threes
        '"1,234 567.5"',  # two different separators
    ],
)
def test_a_comma_that_could_be_a_decimal_mark_is_refused(tmp_path: Path, written: str) -> None:
    path = price_file(tmp_path, written)
    shown = written.strip('"')
    with pytest.raises(
        InputError,
        match=rf"^{re.escape(str(path))}: column 'adj_close' holds {re.escape(repr(shown))} in "
        r"data row 2 \(A on 2025-01-03\), " + COMMA,
    ) as err:
        LocalPriceProvider(path).read()
    assert err.value.field == "adj_close" and err.value.value == shown


@pytest.mark.parametrize("written", ["abc", '"$1,234.50"', "1 2345.5", "1__234.5", "n/a"])
def test_other_text_is_not_a_number(tmp_path: Path, written: str) -> None:
    path = price_file(tmp_path, "9.0", close=written)
    shown = written.strip('"')
    with pytest.raises(
        InputError,
        match=rf"^{re.escape(str(path))}: column 'close' holds {re.escape(repr(shown))} in data "
        r"row 2 \(A on 2025-01-03\), which is not a number; fix or delete that row\.$",
    ):
        LocalPriceProvider(path).read()


def test_the_first_bad_row_is_named_with_its_ticker_and_date(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "date,ticker,close\n"
        '2025-01-03,B,"1,000.5"\n'
        "2025-01-02,B,7\n"
        '2025-01-02,A,"3,5"\n'  # data row 3: the first bad one (rows are checked as written)
        '2025-01-03,A,"4,5"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"holds '3,5' in data row 3 \(A on 2025-01-02\), whose"):
        LocalPriceProvider(path).read()


def test_wide_file_names_the_tickers_column_and_its_row(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        'date,NVDA,SPY\n2025-01-02,1,2\n2025-01-03,3,"4,5"\n', encoding="utf-8"
    )  # SPY's second row (data row 2 of the file), not row 4 of the long table built from it
    with pytest.raises(
        InputError,
        match=rf"^{re.escape(str(path))}: column 'SPY' holds '4,5' in data row 2 \(2025-01-03\), whose",
    ):
        LocalPriceProvider(path).read()


def test_parsed_prices_feed_the_returns(tmp_path: Path) -> None:
    # 1,000.00 -> 1,100.00 is a 10% return, whichever way the numbers are written
    path = tmp_path / "p.csv"
    path.write_text(
        'date,ticker,close\n2025-01-02,A,"1,000.00"\n2025-01-03,A,1 100\n', encoding="utf-8"
    )
    close = LocalPriceProvider(path).read()["close"].to_numpy()
    np.testing.assert_allclose(close[1] / close[0] - 1.0, 0.10, rtol=0, atol=1e-15)


def test_cli_exits_2_with_the_sentence(tmp_path: Path) -> None:
    events = tmp_path / "s.toml"
    events.write_text(
        '[study]\nname = "s"\ntickers = ["A"]\nmarket = "SPY"\n'
        '[[events]]\nid = "e"\ndate = 2025-01-03\n',
        encoding="utf-8",
    )
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "date,ticker,close\n"
        "2025-01-02,A,10.5\n"
        '2025-01-03,A,"1,234"\n'
        "2025-01-02,SPY,590\n"
        "2025-01-03,SPY,591\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli.app, ["run", str(events), "--prices", str(prices), "--out", str(tmp_path / "out")]
    )
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())  # the terminal may wrap the line
    assert (
        f"{prices}: column 'close' holds '1,234' in data row 2 (A on 2025-01-03), whose comma "
        "could be a thousands separator or a decimal mark; write the price with a dot as the "
        "decimal mark and any thousands commas in groups of three, e.g. 1234.50 or 1,234.50."
    ) in text
    assert "Traceback" not in res.output
    assert not (tmp_path / "out" / "car.csv").exists()
