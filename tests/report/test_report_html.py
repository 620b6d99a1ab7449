"""report.html and report.md on the DeepSeek snapshot: self-contained, complete, escaped; PNGs valid."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from eventstudy.report import render_html, render_markdown

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page(report_dir: Path) -> str:
    return (report_dir / "report.html").read_text(encoding="utf-8")


def table_rows(page: str, section_id: str) -> list[list[str]]:
    """Cells of the first table after the heading with ``id=section_id`` (unescaped)."""
    start = page.index(f'id="{section_id}"')
    body = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)]
        for r in rows
    ]


def test_written_beside_report_md(report_dir: Path) -> None:
    assert (report_dir / "report.md").is_file()
    assert (report_dir / "report.html").is_file()
    assert not list(report_dir.glob(".*.tmp"))


def test_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, flags=re.I)
    assert "@import" not in page and "<link" not in page.lower() and "<script" not in page.lower()
    images = re.findall(r'<img [^>]*src="([^"]*)"', page)
    assert len(images) >= 6
    assert all(src.startswith("data:image/png;base64,") for src in images)


def test_sections_present(page: str) -> None:
    for section in ("setup", "summary", "claims", "benchmarks", "tests", "confounders"):
        assert f'id="{section}"' in page
    # set-up: aligned sessions (R1 on the MLK holiday moves to the 21st), model, data range
    events = {r[0]: r for r in table_rows(page, "setup")[1:]}
    assert events["r1"][2:5] == ["2025-01-20", "", "2025-01-21"]
    assert events["app-no1"][4] == "2025-01-27"
    assert "market model against SPY" in page
    assert "2023-12-27 to 2025-02-03" in page
    assert "NVDA, AVGO, TSM" in page


def test_summary_table(page: str) -> None:
    rows = table_rows(page, "summary")
    head, body = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert head[:4] == ["firm", "AR day 0", "t", "p"]
    for w in ("CAR[-1,1]", "CAR[0,1]", "CAR[0,5]", "CAR[-5,5]", "raw $bn", "abnormal $bn"):
        assert w in head
    assert len(body) == 19
    assert body["NVDA"]["raw $bn"] == "-592.7"
    assert body["AVGO"]["raw $bn"] == "-198.8"
    assert body["TSM"]["raw $bn"] == "n/a"


def test_claims_name_closes_and_share_counts(page: str) -> None:
    rows = table_rows(page, "claims")
    claims = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    both = claims["NVDA+AVGO (about $800B)"]
    assert both["reported $bn"] == "-800.0"
    assert both["computed raw $bn"] == "-791.5"
    assert "NVDA close 142.62" in both["closes used"]
    assert "AVGO close 244.70" in both["closes used"]
    assert "AVGO 4,670,576,083 as of 2024-08-30" in both["shares used"]
    # hand check: 24.49e9 x 142.62 x (118.42/142.62 - 1) = 24.49e9 x (118.42 - 142.62)
    assert float(claims["NVDA (Reuters/LSEG)"]["computed raw $bn"]) == pytest.approx(
        24.49e9 * (118.42 - 142.62) / 1e9, abs=0.2
    )


def test_benchmark_sensitivity_table_and_paragraph(page: str, deepseek_result) -> None:
    rows = table_rows(page, "benchmarks")
    head = rows[0]
    col = head.index("abnormal $bn NVDA+AVGO")
    values = [float(r[col].replace(",", "")) for r in rows[1:]]
    assert {r[0] for r in rows[1:]} >= {"SPY", "QQQ", "SMH", "SOXX"}
    assert len({round(v) for v in values}) >= 3
    # every abnormal figure is smaller in size than the raw loss of 791.5bn
    assert all(-791.5 < v < 0 for v in values)
    b = deepseek_result.benchmarks
    b = b[b["ticker"].isin(["NVDA", "AVGO"])]
    sums = b.groupby(["benchmark", "model"], sort=False)["abnormal_change_usd"].sum() / 1e9
    assert values == pytest.approx(list(sums.round(1)), abs=0.051)
    # one paragraph explains the spread, with SPY's day-0 return from the prices
    match = re.search(r"<p>(Why is the abnormal loss.*?)</p>", page, flags=re.S)
    assert match is not None
    text = html.unescape(match.group(1))
    spy = -0.014145469544892042  # SPY adj_close 2025-01-27 / 2025-01-24 - 1 in prices.csv
    assert f"SPY returned {spy * 100:.2f}%" in text
    assert "791.5" in text and "623.7" in text
    assert "members of the index SPY tracks" in text


def test_robust_tests_first_with_the_clustering_note(page: str) -> None:
    assert "Clustered event date (selloff)" in page
    rows = table_rows(page, "tests")
    robust = [r[1] for r in rows[1:]]
    assert robust.count("yes") >= 3 and robust.count("no") >= 3
    assert robust == sorted(robust, key=lambda x: x != "yes")
    assert rows[1][0] == "brown_warner"


def test_confounders_stargate_in_r1_not_in_the_selloff_day(page: str) -> None:
    rows = {(r[0], r[1]): r[2] for r in table_rows(page, "confounders")[1:]}
    for window in ("[0,0]", "[-1,1]", "[0,1]", "[0,5]", "[-5,5]"):
        assert "Stargate" in rows[("r1", window)]
        assert "all 19 firms" in rows[("r1", window)]
    # app-no1 (Sunday 26 January) is studied on the same session as the sell-off: it sits in
    # every selloff window and is listed there, like a marked confounder
    assert "Stargate" not in rows[("selloff", "[0,0]")]
    assert "app-no1" in rows[("selloff", "[0,0]")]
    assert "Stargate" not in rows[("selloff", "[0,1]")]
    assert "Stargate" in rows[("selloff", "[-5,5]")]
    assert "asml-q4" in rows[("selloff", "[0,5]")]


def test_text_from_the_event_file_is_escaped(deepseek_result) -> None:
    events = deepseek_result.events
    evil = tuple(
        dataclasses.replace(e, title='<script>alert("x")</script> & <b>bold</b>')
        if e.id == "selloff"
        else e
        for e in events.events
    )
    result = dataclasses.replace(
        deepseek_result, events=dataclasses.replace(events, name="<i>name</i>", events=evil)
    )
    text = render_html(result, {})
    assert "<script" not in text and "<b>bold" not in text and "<i>name" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold" in text


def test_markdown_mirrors_the_sections(report_dir: Path) -> None:
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    for heading in (
        "## Study set-up",
        "## Summary: DeepSeek sell-off",
        "## Reported figures vs computed",
        "## Raw, abnormal, and the choice of benchmark",
        "## Tests of the mean abnormal return, day 0",
        "## Confounders inside the event windows",
    ):
        assert heading in md
    assert "| v3 | [0,0] | none |" in md
    assert (
        "| selloff | [0,0] | app-no1 (DeepSeek app reaches #1 in the US App Store; 2025-01-27, day 0)"
        in md
    )
    assert "AVGO 4,670,576,083 as of 2024-08-30" in md
    assert "![" in md and "waterfall.png" in md


def test_render_without_plots_or_claims(deepseek_result) -> None:
    bare = dataclasses.replace(deepseek_result, claims=pd.DataFrame(), benchmarks=pd.DataFrame())
    text = render_html(bare, None)
    assert 'id="claims"' not in text and 'id="benchmarks"' not in text
    assert 'id="confounders"' in text
    assert "## Reported figures" not in render_markdown(bare, None)


def test_every_plot_is_a_valid_png(report_dir: Path) -> None:
    pngs = sorted(report_dir.glob("*.png"))
    names = {p.name for p in pngs}
    assert {"waterfall.png", "benchmarks.png", "market_value.png"} <= names
    for event in ("v3", "r1", "app-no1", "selloff"):
        assert {f"car_paths_{event}.png", f"day0_ar_{event}.png", f"caar_{event}.png"} <= names
    for path in pngs:
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE, path.name
        assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND", path.name
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert 600 <= width <= 2000 and 400 <= height <= 2000, (path.name, width, height)
