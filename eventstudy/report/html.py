"""``report.html``: the whole report in one self-contained file.

Plots are embedded as base64 PNG ``data:`` URIs and the CSS is inline, so the file opens offline
and can be mailed or attached as it is. It loads nothing from the network. Every piece of text that
comes from the event file or the data is escaped with :func:`html.escape`. A sample's report
(:mod:`eventstudy.report.pooled`) leads with the pooled result and has a bounded size.

The page is f-strings over escaped cells rather than Jinja2 templates or pandas' ``Styler``:
Jinja2 is not a dependency of the package (only of the Dask extra), the layout is one fixed
page, and every cell already passes through :func:`html.escape` in :func:`html_table`.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .._io import atomic_write_text
from . import content as c
from . import pooled as pl
from .analyses import analysis_sections
from .tables import TableFiles

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; color: #222; margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 20px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 16px; margin-top: 24px; }
p, li { line-height: 1.5; font-size: 15px; }
.lede { color: #555; font-size: 16px; margin-top: 0; }
table { border-collapse: collapse; font-family: Helvetica, Arial, sans-serif; font-size: 12.5px;
        margin: 10px 0 16px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; border-bottom: 1px solid #bbb; }
td { min-width: 4em; max-width: 26em; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
.note { background: #fff6e5; border-left: 4px solid #e08214; padding: 8px 12px; margin: 12px 0;
        font-size: 14px; }
dl.setup { display: grid; grid-template-columns: 170px 1fr; gap: 4px 12px; font-size: 14px; }
dl.setup dt { font-weight: bold; } dl.setup dd { margin: 0; }
figure { margin: 18px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
.small { font-size: 12px; color: #666; }
"""

#: Plot keys in the order they appear, with their caption.
FIGURES: tuple[tuple[str, str], ...] = (
    ("waterfall", "Day-0 change in market value by firm, added up, against the reported figure."),
    ("benchmarks", "Abnormal dollar change of the headline firms under each benchmark."),
    ("day0_ar_{main}", "Event-day abnormal return by firm with 95% intervals."),
    ("car_paths_{main}", "Cumulative abnormal return by firm with 95% bands."),
    ("caar_{main}", "Average abnormal return and its running total with a 95% band."),
    ("market_value", "Raw and abnormal day-0 dollar change by firm, with the reported figures."),
)


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _is_numeric_column(name: str) -> bool:
    return name in {"t", "p", "statistic", "p-value"} or any(
        name.startswith(h) or h in name for h in ("$bn", "AR ", "CAR", "beta ", "share", "weight")
    )


def html_table(frame: pd.DataFrame, numeric: set[str] | None = None) -> str:
    """A DataFrame as an escaped HTML table (``<p>none</p>`` when empty)."""
    if frame is None or frame.empty:
        return "<p><em>none</em></p>"
    numeric = (
        numeric
        if numeric is not None
        else {col for col in frame.columns if _is_numeric_column(str(col))}
    )
    head = "".join(f"<th>{_esc(col)}</th>" for col in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="num">{_esc(v)}</td>' if col in numeric else f"<td>{_esc(v)}</td>"
            for col, v in zip(frame.columns, record, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def render_html(
    result: StudyResult, plots: dict[str, Path] | None = None, tables: TableFiles | None = None
) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    result
        The study result; nothing is recomputed.
    plots
        PNG files by key, as returned by :func:`eventstudy.report.plots.write_plots`; they are
        embedded as base64.
    tables
        The table files beside the report, named in it; when None, the CSV files
        :func:`~eventstudy.report.tables.write_tables` writes for ``result``.

    Returns
    -------
    str
        The HTML text.
    """
    plots = plots or {}
    tables = tables or TableFiles.of(result)
    if pl.is_sample(result):
        return render_sample_html(result, plots, tables)
    ev = result.events
    main = ev.main_event_id
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Event study: {_esc(ev.name)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>Event study: {_esc(ev.name)}</h1>",
        f'<p class="lede">Main event: {_esc(c.event_title(result, main))} ({_esc(main)}). '
        f"{_esc(c.source_line(result))}.</p>",
    ]
    claim = c.headline_claim(result)
    if claim is not None:
        out.append(
            f"<p><strong>Headline.</strong> Reported: {_esc(claim['claim'])}, "
            f"{_esc(c.bn(claim['reported_usd']))} billion USD. Computed from prices and share "
            f"counts: raw {_esc(c.bn(claim['computed_raw_usd']))} billion, abnormal "
            f"({_esc(result.model)} model) {_esc(c.bn(claim['computed_abnormal_usd']))} "
            "billion.</p>"
        )
    if "waterfall" in plots:
        out.append(_figure(plots["waterfall"], dict(FIGURES)["waterfall"]))

    out.append('<h2 id="setup">Study set-up</h2><dl class="setup">')
    for label, value in c.setup_items(result, tables):
        out.append(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>")
    out.append("</dl><h3>Events and their aligned sessions</h3>")
    out.append(html_table(c.events_frame(result), numeric=set()))

    out.append(f'<h2 id="summary">Summary: {_esc(c.event_title(result, main))}</h2>')
    out.append(
        "<p>Per firm: abnormal return on day 0 with its t statistic and p-value, cumulative "
        "abnormal returns (CAR) over the other windows, and the day-0 change in market value "
        "(raw and abnormal; n/a where no share count is known).</p>"
    )
    out.append(html_table(c.summary_frame(result, main)))

    claims = c.claims_frame(result)
    if not claims.empty:
        out.append('<h2 id="claims">Reported figures vs computed</h2>')
        out.append(
            html_table(
                claims,
                numeric={
                    "reported $bn",
                    "computed raw $bn",
                    "computed abnormal $bn",
                    "raw vs reported",
                },
            )
        )
        out.append(
            '<p class="small">Raw = market value on the previous close x the day\'s return; '
            "abnormal = the same market value x the abnormal return. The closes and share counts "
            "used are listed per claim.</p>"
        )

    paragraph = c.spread_paragraph(result)
    bench = c.benchmark_frame(result)
    if paragraph or not bench.empty:
        out.append('<h2 id="benchmarks">Raw, abnormal, and the choice of benchmark</h2>')
        if paragraph:
            out.append(f"<p>{_esc(paragraph)}</p>")
        out.append(html_table(bench))
        cont = c.contamination_frame(result)
        if not cont.empty:
            out.append("<h3>Event firms' weight in the benchmark</h3>")
            out.append(html_table(cont))
        if "benchmarks" in plots:
            out.append(_figure(plots["benchmarks"], dict(FIGURES)["benchmarks"]))

    out.append('<h2 id="tests">Tests of the mean abnormal return, day 0</h2>')
    note = c.clustering_note(result, main)
    if note:
        out.append(f'<p class="note">{_esc(note)}</p>')
    out.append(html_table(c.tests_frame(result, main), numeric={"statistic", "p-value"}))

    out.append('<h2 id="confounders">Confounders inside the event windows</h2>')
    out.append(
        "<p>Other news whose aligned session falls inside a firm-event window (both ends "
        "included). A flagged window mixes that news into the CAR.</p>"
    )
    out.append(html_table(c.confounder_frame(result), numeric=set()))

    out.append('<h2 id="figures">Figures</h2>')
    shown = {"waterfall"} | ({"benchmarks"} if not bench.empty else set())
    for key, caption in FIGURES:
        key = key.format(main=main)
        if key in plots and key not in shown:
            out.append(_figure(plots[key], caption))
            shown.add(key)
    others = [k for k in plots if k not in shown]
    if others:
        out.append("<h3>Other events</h3>")
        for key in others:
            out.append(_figure(plots[key], key.replace("_", " ")))

    out.append('<h2 id="data">Exclusions and data quality</h2>')
    out.append("<h3>Exclusions</h3>" + html_table(result.exclusions, numeric=set()))
    out.append("<h3>Data quality</h3>" + html_table(result.data_quality, numeric=set()))
    out += analysis_html(result, plots or {}, tables)
    out.append(_files_paragraph(tables))
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


#: Sample figures in the order they appear, with their caption.
SAMPLE_FIGURES: dict[str, str] = {
    "caar_pooled": "Pooled average abnormal return and its running total (CAAR) with a 95% band.",
    "car_histogram": "Distribution of the firm-event CARs per window, with the CAAR marked.",
    "caar_groups": "CAAR path of each group (the largest groups).",
}


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{_esc(title)}</h1>",
    ]


def _files_paragraph(tables: TableFiles) -> str:
    """The closing list of the tables beside the report: exactly the files written."""
    kind = "Parquet" if tables.table_format == "parquet" else "CSV"
    named = _esc(", ".join(tables.names()))
    return f'<p class="small">Tables as {kind} beside this file: {named}. Made with eventstudy.</p>'


def render_sample_html(
    result: StudyResult, plots: dict[str, Path] | None = None, tables: TableFiles | None = None
) -> str:
    """The report of a sample as one self-contained HTML document (pooled result first).

    Parameters
    ----------
    result
        The study result (a sample: see :func:`eventstudy.report.pooled.is_sample`).
    plots
        PNG files by key (:func:`eventstudy.report.sample_plots.write_sample_plots`).
    tables
        The table files beside the report (as for :func:`render_html`).

    Returns
    -------
    str
    """
    plots = plots or {}
    group = pl.pooled_group(result)
    out = _head(f"Event study: {result.events.name}")
    out.append(f'<p class="lede">{_esc(c.source_line(result))}.</p>')
    out.append(f"<p><strong>Sample.</strong> {_esc(pl.sample_sentence(result, group))}</p>")
    if group is not None:
        out.append(f'<h2 id="pooled">Pooled result ({_esc(group)})</h2>')
        out.append(html_table(pl.caar_frame(result, group), numeric={"N", "CAAR", "SE"}))
        out.append(
            '<p class="small">SE = cross-sectional standard error of the CARs (Brown and '
            "Warner 1985); the interval is CAAR &plusmn; t(0.975, N&minus;1) &times; SE. Both "
            "assume independent firm-events.</p>"
        )
        note = pl.clustering_sentence(result, group)
        if note:
            out.append(f'<p class="note">{_esc(note)}</p>')
        for key in ("caar_pooled", "car_histogram"):
            if key in plots:
                out.append(_figure(plots[key], SAMPLE_FIGURES[key]))
        out.append('<h2 id="tests">Tests of the pooled CAAR</h2>')
        tests = pl.tests_frame(result, group)
        out.append(html_table(tests, numeric={col for col in tests.columns if "stat" in col}))
    groups, more = pl.groups_frame(result)
    if not groups.empty:
        out.append('<h2 id="groups">Per group</h2>')
        out.append(html_table(groups, numeric={col for col in groups.columns if col != "group"}))
        if more:
            tests, aar = _esc(tables.name("tests")), _esc(tables.name("aar"))
            out.append(f'<p class="small">{more} more groups in {tests} and {aar}.</p>')
        if "caar_groups" in plots:
            out.append(_figure(plots["caar_groups"], SAMPLE_FIGURES["caar_groups"]))
    movers = pl.movers_frame(result)
    if not movers.empty:
        out.append(f'<h2 id="movers">Largest movers (top {pl.MOVERS} by |CAR|)</h2>')
        out.append(html_table(movers))
        car = _esc(tables.name("car"))
        out.append(f'<p class="small">Every firm-event and window is in {car}.</p>')
    claims = c.claims_frame(result)
    if not claims.empty:
        out.append('<h2 id="claims">Reported figures vs computed</h2>')
        out.append(html_table(claims.head(pl.REPORT_GROUPS)))
    out.append('<h2 id="setup">Study set-up</h2><dl class="setup">')
    for label, value in c.setup_items(result, tables):
        out.append(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>")
    out.append("</dl>")
    out.append('<h2 id="confounders">Confounders inside the event windows</h2>')
    out.append(html_table(pl.confounder_counts(result), numeric=set()))
    out.append('<h2 id="data">Exclusions and data quality</h2>')
    out.append("<h3>Exclusions</h3>" + html_table(pl.counts(result.exclusions, "reason")))
    out.append("<h3>Data quality</h3>" + html_table(pl.counts(result.data_quality, "check")))
    out += analysis_html(result, plots or {}, tables)
    counted = _esc(c.and_list(tables.names(["exclusions", "data_quality", "confounders"])))
    out.append(f'<p class="small">Counts only: every row is in {counted}.</p>')
    out.append(_files_paragraph(tables))
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def analysis_html(
    result: StudyResult, plots: dict[str, Path], tables: TableFiles | None = None
) -> list[str]:
    """The sections of the analysis tables (:mod:`eventstudy.report.analyses`), if any."""
    tables = tables or TableFiles.of(result)
    out: list[str] = []
    for section in analysis_sections(result, tables):
        out.append(f"<h2>{_esc(section.title)}</h2><p>{_esc(section.note)}</p>")
        out.append(html_table(section.table))
        out.append(f'<p class="small">All rows: {_esc(tables.name(section.stem))}.</p>')
        if section.stem == "volume_tests" and "volume_path" in plots:
            out.append(_figure(plots["volume_path"], "Mean abnormal log volume by event day"))
    return out


def write_html(
    result: StudyResult,
    directory: Path,
    plots: dict[str, Path],
    tables: TableFiles | None = None,
) -> Path:
    """Write ``report.html`` atomically into ``directory``; ``tables`` as in :func:`render_html`."""
    return atomic_write_text(Path(directory) / "report.html", render_html(result, plots, tables))


__all__ = ["html_table", "render_html", "render_sample_html", "write_html"]
