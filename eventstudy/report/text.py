"""The plain-text summary of a sample (what ``eventstudy run`` prints): one screenful.

It starts with the pooled CAAR per window, then the lead tests, the groups and the largest
movers, and ends by naming the files that hold every row. Its length does not grow with the
number of firm-events (at most about 60 lines for five windows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .._types import TableFormat
from . import pooled as p
from .content import num, pct

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

#: Tests shown per window in the summary (the study's order: robust first when clustered).
LEAD_TESTS = 4


def _day(value: object) -> str:
    stamp = pd.Timestamp(value) if value is not None and pd.notna(value) else None
    return f"{stamp:%Y-%m-%d}" if stamp is not None else "n/a"


def _label(start: int, end: int) -> str:
    return f"[{start},{end}]"


def sample_summary(
    result: StudyResult, lead: int = LEAD_TESTS, table_format: TableFormat = "csv"
) -> str:
    """The summary of a sample: pooled CAAR first, a bounded number of lines.

    Parameters
    ----------
    result
        The study result (a sample, see :func:`eventstudy.report.pooled.is_sample`).
    lead
        Tests shown per window.
    table_format
        The format the tables were written in (``csv`` or ``parquet``): the files named.

    Returns
    -------
    str
    """
    facts = p.sample_facts(result)
    lines = [
        f"Event study {result.events.name!r}: model {result.model} vs "
        f"{result.meta.get('market')}, {facts['firm_events']} firm-events",
        f"  ({facts['events']} events, {facts['firms']} firms, day 0 from "
        f"{_day(facts['first_day0'])} to {_day(facts['last_day0'])})",
    ]
    group = p.pooled_group(result)
    if group is not None:
        lines += _pooled_lines(result, group, lead)
    groups = p.group_names(result)
    if groups:
        lines += _group_lines(result, groups, table_format)
    lines += _mover_lines(result, table_format)
    lines += ["", _files_line(result)]
    return "\n".join(lines)


def _pooled_lines(result: StudyResult, group: str, lead: int) -> list[str]:
    table = p.caar_table(result, [group])
    clustered = bool(table["clustered"].any()) if len(table) else False
    head = f"Pooled CAAR ({group}"
    head += ", event dates cluster: clustering-robust tests first)" if clustered else ")"
    lines = ["", head, f"  {'window':<9}{'N':>8}{'CAAR':>10}{'SE':>9}   95% interval"]
    for r in table.itertuples():
        lines.append(
            f"  {_label(r.window_start, r.window_end):<9}{r.n:>8}{pct(r.caar, 3):>10}"
            f"{pct(r.se, 3):>9}   [{pct(r.low, 3)}, {pct(r.high, 3)}]"
        )
    lines.append(
        "  (SE and interval: cross-sectional t, independent firm-events"
        + ("; too narrow when dates cluster)" if clustered else ")")
    )
    tests = p.tests_matrix(result, group, lead)
    if not tests.empty:
        names = list(dict.fromkeys(tests["test"]))
        lines += ["", "Tests, statistic (p-value)"]
        lines.append(f"  {'window':<9}" + "".join(f"{n[:22]:>24}" for n in names))
        cells = {
            (r.test, r.window_start, r.window_end): f"{num(r.statistic, '{:.3f}')} "
            f"({num(r.p_value, '{:.4f}')})"
            for r in tests.itertuples()
        }
        for start, end in p.windows(result):
            lines.append(
                f"  {_label(start, end):<9}"
                + "".join(f"{cells.get((n, start, end), 'n/a'):>24}" for n in names)
            )
    return lines


def _group_lines(result: StudyResult, groups: list[str], table_format: str) -> list[str]:
    shown = groups[: p.SUMMARY_GROUPS]
    table = p.caar_table(result, shown)
    wins = p.windows(result)
    lines = ["", f"Per group: N and CAAR by window ({len(groups)} groups)"]
    lines.append(f"  {'group':<22}{'N':>7}" + "".join(f"{_label(a, b):>10}" for a, b in wins))
    by_group = {g: part for g, part in table.groupby("group", sort=False)}
    for g in shown:
        part = by_group.get(g)
        if part is None:
            continue
        caar = {(r.window_start, r.window_end): r.caar for r in part.itertuples()}
        lines.append(
            f"  {g[:21]:<22}{int(part['n'].max()):>7}"
            + "".join(f"{pct(caar.get(w), 3):>10}" for w in wins)
        )
    if len(groups) > len(shown):
        lines.append(f"  ... {len(groups) - len(shown)} more groups in tests.{table_format}")
    return lines


def _mover_lines(result: StudyResult, table_format: str) -> list[str]:
    top = p.movers(result)
    if top.empty:
        return []
    start, end = int(top["window_start"].iloc[0]), int(top["window_end"].iloc[0])
    lines = [
        "",
        f"Largest movers by |CAR{_label(start, end)}| (all firm-events in car.{table_format})",
    ]
    lines.append(f"  {'event':<24}{'ticker':<9}{'day 0':<12}{'CAR':>9}{'t':>8}{'p':>8}")
    for r in top.itertuples():
        lines.append(
            f"  {str(r.event_id)[:23]:<24}{str(r.ticker)[:8]:<9}{_day(r.day0):<12}"
            f"{pct(r.car):>9}{num(r.t_stat):>8}{num(r.p_value, '{:.4f}'):>8}"
        )
    return lines


def _files_line(result: StudyResult) -> str:
    parts = []
    if len(result.exclusions):
        parts.append(f"{len(result.exclusions)} firm-events excluded or incomplete (exclusions)")
    if len(result.data_quality):
        parts.append(f"{len(result.data_quality)} data-quality findings (data_quality)")
    if result.confounders is not None and len(result.confounders):
        parts.append(f"{len(result.confounders)} windows with a confounder (confounders)")
    if len(result.claims):
        parts.append(f"{len(result.claims)} reported figures checked (claims)")
    return "; ".join(parts + ["every row is in the tables and report.md"])


__all__ = ["LEAD_TESTS", "sample_summary"]
