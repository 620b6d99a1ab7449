"""Ken French factor loader: percent -> decimal, the Data Library format, cache and offline errors."""

from __future__ import annotations

import io
import urllib.error
import zipfile

import pandas as pd
import pytest

from eventstudy.data.french import FRENCH_FILES, load_french_factors
from eventstudy.errors import DataUnavailableError, InputError

FIVE = """This file was created using the 202501 CRSP database.
The 1-month TBill return is from Ibbotson and Associates Inc.

,Mkt-RF,SMB,HML,RMW,CMA,RF
20250124,  -0.29,   0.47,   0.35,  -0.30,   0.15,  0.017
20250127,  -1.49,   0.32,   2.52,  -0.13,  -1.70,  0.017

Copyright 2025 Eugene F. Fama and Kenneth R. French
"""
MOM = "\n".join(
    [
        "This file was created by CMPT_ME_PRIOR_RETS_DAILY using the 202501 CRSP database.",
        "",
        "Missing data are indicated by -99.99.",
        "",
        ",Mom   ",  # the Data Library pads the header with spaces
        "20250124,   0.50",
        "20250127,  -3.28",
        "",
        "Copyright 2025 Kenneth R. French",
    ]
)


def zipped(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name.replace("_CSV.zip", ".csv"), text)
    return buf.getvalue()


def fake_download(calls):
    def download(url: str) -> bytes:
        calls.append(url)
        name = url.rsplit("/", 1)[1]
        return zipped(name, FIVE if "5_Factors" in name else MOM)

    return download


def test_local_percent_csv_becomes_decimal(tmp_path):
    p = tmp_path / "ff.csv"
    p.write_text(
        "date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom\n2025-01-27,-1.49,0.32,2.52,-0.13,-1.70,0.02,-3.28\n"
    )
    f = load_french_factors(p)
    row = f.loc[pd.Timestamp("2025-01-27")]
    assert row["Mkt-RF"] == pytest.approx(-0.0149)
    assert row["RF"] == pytest.approx(0.0002)
    assert row["Mom"] == pytest.approx(-0.0328)
    assert list(f.columns) == ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom"]


@pytest.mark.snapshot
def test_snapshot_file(snapshot_dir):
    f = load_french_factors(snapshot_dir / "ff_factors_daily.csv")
    raw = pd.read_csv(snapshot_dir / "ff_factors_daily.csv", index_col="date", parse_dates=True)
    pd.testing.assert_frame_equal(f, raw / 100.0, check_names=False, check_freq=False)
    assert len(f) == 353


def test_download_parses_the_data_library_format_and_caches(tmp_path):
    calls: list[str] = []
    f = load_french_factors(cache_dir=tmp_path, download=fake_download(calls))
    assert len(calls) == 2 and all(c.startswith("https://") for c in calls)
    assert f.loc["2025-01-27", "HML"] == pytest.approx(0.0252)
    assert f.loc["2025-01-27", "Mom"] == pytest.approx(-0.0328)
    assert f.loc["2025-01-24", "RF"] == pytest.approx(0.00017)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FRENCH_FILES)  # no temp files left
    again = load_french_factors(cache_dir=tmp_path, download=fake_download(calls))
    assert len(calls) == 2  # served from the cache
    pd.testing.assert_frame_equal(f, again)


def test_local_zip_in_french_format(tmp_path):
    p = tmp_path / "five.zip"
    p.write_bytes(zipped(FRENCH_FILES[0], FIVE))
    f = load_french_factors(p)
    assert list(f.index.strftime("%Y-%m-%d")) == ["2025-01-24", "2025-01-27"]
    assert f.loc["2025-01-27", "Mkt-RF"] == pytest.approx(-0.0149)


def test_offline_raises_data_unavailable(tmp_path):
    def offline(url: str) -> bytes:
        raise urllib.error.URLError("no network")

    with pytest.raises(DataUnavailableError, match="pass a local factor file"):
        load_french_factors(cache_dir=tmp_path, download=offline)
    assert list(tmp_path.iterdir()) == []


def test_missing_file_and_bad_columns(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_french_factors(tmp_path / "nope.csv")
    p = tmp_path / "bad.csv"
    p.write_text("date,foo\n2025-01-27,1\n")
    with pytest.raises(InputError, match="none of the factor columns"):
        load_french_factors(p)


def test_bad_date_is_an_input_error_naming_file_and_value(tmp_path) -> None:
    from eventstudy.data.french import load_french_factors
    from eventstudy.errors import InputError

    path = tmp_path / "ff.csv"
    path.write_text("date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom\n2025-13-45,1,1,1,1,1,0.01,1\n")
    with pytest.raises(InputError, match=r"ff\.csv.*'2025-13-45'.*YYYY-MM-DD"):
        load_french_factors(path)
