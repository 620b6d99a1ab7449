"""``report.md``: the study set-up, results, claims, benchmarks, tests, confounders and plots.

It mirrors ``report.html`` (same content from :mod:`eventstudy.report.content` and, for a
sample, :mod:`eventstudy.report.pooled`), with the plots linked as files beside it instead of
embedded. A sample's report leads with the pooled result and stays a few hundred lines whatever
the number of firm-events. The pipe tables are our own ten lines rather than
``DataFrame.to_markdown``: that needs ``tabulate`` (not a dependency) and pads every cell,
which would change the look of existing reports without adding anything.
"""

from __future__ import annotations

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


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "_none_\n"
    head = "| " + " | ".join(_cell(col) for col in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body]) + "\n"


def _img(plots: dict[str, Path], key: str, caption: str) -> list[str]:
    return [f"![{caption}]({plots[key].name})", ""] if key in plots else []


def render_markdown(
    result: StudyResult, plots: dict[str, Path] | None = None, tables: TableFiles | None = None
) -> str:
    """The report as Markdown text.

    Parameters
    ----------
    result
        The study result; nothing is recomputed.
    plots
        PNG files by key (from :func:`eventstudy.report.plots.write_plots`), linked by file name.
    tables
        The table files beside the report, named in it; when None, the CSV files
        :func:`~eventstudy.report.tables.write_tables` writes for ``result``.

    Returns
    -------
    str
    """
    plots = plots or {}
    tables = tables or TableFiles.of(result)
    if pl.is_sample(result):
        return render_sample_markdown(result, plots, tables)
    ev = result.events
    main = ev.main_event_id
    out = [f"# Event study: {ev.name}", "", f"_{c.source_line(result)}._", ""]
    claim = c.headline_claim(result)
    if claim is not None:
        out += [
            f"**Headline.** Reported: {claim['claim']}, {c.bn(claim['reported_usd'])} billion "
            f"USD. Computed: raw {c.bn(claim['computed_raw_usd'])} billion, abnormal "
            f"({result.model} model) {c.bn(claim['computed_abnormal_usd'])} billion.",
            "",
        ]
    out += _img(plots, "waterfall", "Day-0 change in market value by firm, added up")
    out += ["## Study set-up", ""]
    out += [f"- **{label}:** {value}" for label, value in c.setup_items(result, tables)]
    out += ["", "### Events and their aligned sessions", "", _table(c.events_frame(result))]
    out += [f"## Summary: {c.event_title(result, main)}", ""]
    out.append(_table(c.summary_frame(result, main)))
    out += _img(plots, f"day0_ar_{main}", "Event-day abnormal returns")
    out += _img(plots, f"car_paths_{main}", "Cumulative abnormal returns by firm")
    out += _img(plots, f"caar_{main}", "Average abnormal return")
    claims = c.claims_frame(result)
    if not claims.empty:
        out += ["## Reported figures vs computed", "", _table(claims)]
        out.append(
            "Raw change = market value on the previous close x the day's return; abnormal "
            "change = the same market value x the abnormal return.\n"
        )
        out += _img(plots, "market_value", "Raw and abnormal dollar change by firm")
    paragraph = c.spread_paragraph(result)
    bench = c.benchmark_frame(result)
    if paragraph or not bench.empty:
        out += ["## Raw, abnormal, and the choice of benchmark", ""]
        if paragraph:
            out += [paragraph, ""]
        out.append(_table(bench))
        cont = c.contamination_frame(result)
        if not cont.empty:
            out += ["### Event firms' weight in the benchmark", "", _table(cont)]
        out += _img(plots, "benchmarks", "Abnormal dollar change under each benchmark")
    out += ["## Tests of the mean abnormal return, day 0", ""]
    note = c.clustering_note(result, main)
    if note:
        out += [f"> **{note}**", ""]
    out.append(_table(c.tests_frame(result, main)))
    out += ["## Confounders inside the event windows", ""]
    out.append(_table(c.confounder_frame(result)))
    out += ["## Exclusions", "", _table(result.exclusions)]
    out += ["## Data quality", "", _table(result.data_quality)]
    out += analysis_markdown(result, plots or {}, tables)
    out.append(_files_line(tables))
    return "\n".join(out)


def _files_line(tables: TableFiles) -> str:
    """The closing list of the files beside the report: exactly the tables written."""
    named = ", ".join(f"`{name}`" for name in tables.names())
    return f"Files: `report.html` (this report, self-contained), {named}.\n"


def render_sample_markdown(
    result: StudyResult, plots: dict[str, Path] | None = None, tables: TableFiles | None = None
) -> str:
    """The report of a sample: pooled result, tests, groups, movers, then the set-up and checks.

    Parameters
    ----------
    result
        The study result (a sample: see :func:`eventstudy.report.pooled.is_sample`).
    plots
        PNG files by key (:func:`eventstudy.report.sample_plots.write_sample_plots`).
    tables
        As for :func:`render_markdown`.

    Returns
    -------
    str
    """
    plots = plots or {}
    tables = tables or TableFiles.of(result)
    group = pl.pooled_group(result)
    out = [f"# Event study: {result.events.name}", "", f"_{c.source_line(result)}._", ""]
    out += [f"**Sample.** {pl.sample_sentence(result, group)}", ""]
    if group is not None:
        out += [f"## Pooled result ({group})", "", _table(pl.caar_frame(result, group))]
        out.append(
            "SE = cross-sectional standard error of the CARs (Brown and Warner 1985); the "
            "interval is CAAR +- t(0.975, N-1) x SE. Both assume independent firm-events.\n"
        )
        note = pl.clustering_sentence(result, group)
        if note:
            out += [f"> **{note}**", ""]
        out += _img(plots, "caar_pooled", "Pooled CAAR with its 95% band")
        out += _img(plots, "car_histogram", "Distribution of CARs per window")
        out += ["## Tests of the pooled CAAR", "", _table(pl.tests_frame(result, group))]
    groups, more = pl.groups_frame(result)
    if not groups.empty:
        out += ["## Per group", "", _table(groups)]
        if more:
            tests, aar = tables.name("tests"), tables.name("aar")
            out.append(f"{more} more groups in `{tests}` and `{aar}`.\n")
        out += _img(plots, "caar_groups", "CAAR by group")
    movers = pl.movers_frame(result)
    if not movers.empty:
        out += [f"## Largest movers (top {pl.MOVERS} by |CAR|)", "", _table(movers)]
        out.append(f"Every firm-event and window is in `{tables.name('car')}`.\n")
    claims = c.claims_frame(result)
    if not claims.empty:
        out += ["## Reported figures vs computed", "", _table(claims.head(pl.REPORT_GROUPS))]
    out += ["## Study set-up", ""]
    out += [f"- **{label}:** {value}" for label, value in c.setup_items(result, tables)]
    out += ["", "## Confounders inside the event windows", ""]
    out.append(_table(pl.confounder_counts(result)))
    out += ["## Exclusions", "", _table(pl.counts(result.exclusions, "reason"))]
    out += ["## Data quality", "", _table(pl.counts(result.data_quality, "check"))]
    out += analysis_markdown(result, plots or {}, tables)
    counted = c.and_list(tables.names(["exclusions", "data_quality", "confounders"]), "`")
    out.append(f"Counts only: every row is in {counted}.\n")
    out.append(_files_line(tables))
    return "\n".join(out)


def analysis_markdown(
    result: StudyResult, plots: dict[str, Path], tables: TableFiles | None = None
) -> list[str]:
    """The sections of the analysis tables (:mod:`eventstudy.report.analyses`), if any."""
    tables = tables or TableFiles.of(result)
    out: list[str] = []
    for section in analysis_sections(result, tables):
        out += [f"## {section.title}", "", section.note, "", _table(section.table)]
        out.append(f"All rows: `{tables.name(section.stem)}`.\n")
        if section.stem == "volume_tests":
            out += _img(plots, "volume_path", "Mean abnormal log volume by event day")
    return out


def write_markdown(
    result: StudyResult,
    directory: Path,
    plots: dict[str, Path],
    tables: TableFiles | None = None,
) -> Path:
    """Write ``report.md`` atomically; ``tables`` as in :func:`render_markdown`."""
    return atomic_write_text(Path(directory) / "report.md", render_markdown(result, plots, tables))
