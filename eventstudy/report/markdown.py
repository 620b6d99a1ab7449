"""``report.md``: the study set-up, results, claims and plots in one readable file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write_text
from ..result import StudyResult


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x * 100:.2f}%"


def _bn(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x / 1e9:,.1f}"


def _num(x: float, fmt: str = "{:.2f}") -> str:
    return "n/a" if not np.isfinite(x) else fmt.format(x)


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def render_markdown(result: StudyResult, plots: dict[str, Path] | None = None) -> str:
    """The report as Markdown text."""
    ev, meta = result.events, result.meta
    plots = plots or {}
    main = result.events.main_event_id
    out = [f"# Event study: {ev.name}", ""]
    out.append(
        f"Model **{result.model}** against **{meta.get('market')}**, estimation window "
        f"{meta.get('estimation')} sessions, event windows {list(meta.get('windows', ()))}; "
        f"{meta.get('return_kind')} returns of `{meta.get('price_field')}`; prices from "
        f"{meta.get('source')} ({meta.get('price_range', ('?', '?'))[0]} to "
        f"{meta.get('price_range', ('?', '?'))[1]})."
    )
    out += ["", "## Events", ""]
    pairs = result.fit.sample.pairs
    day0 = pairs.groupby("event_id", sort=False)["day0"].first()
    rows = []
    for e in ev.events:
        aligned = day0.get(e.id)
        rows.append(
            {
                "id": e.id,
                "kind": e.kind,
                "date": e.date.isoformat(),
                "time": e.time.strftime("%H:%M") if e.time else "",
                "day 0": aligned.date().isoformat() if aligned is not None else "",
                "title": e.title,
            }
        )
    out.append(_table(pd.DataFrame(rows)))
    for event_id, flag in result.clustered.items():
        if flag:
            out.append(
                f"> **Clustered event date ({event_id}).** The firms share day 0, so their abnormal "
                "returns are cross-correlated and tests that assume independent firms (cross-sectional "
                "t, Patell, BMP) over-reject. Read the clustering-robust tests first "
                "(Kolari-Pynnonen, Brown-Warner crude dependence, portfolio regression).\n"
            )
    out += [f"## Main event: {main}", ""]
    car = result.car[result.car["event_id"] == main]
    summary = []
    for ticker, part in car.groupby("ticker", sort=False):
        row: dict[str, str] = {"ticker": str(ticker)}
        for r in part.itertuples():
            label = f"[{r.window_start},{r.window_end}]"
            row[f"CAR{label}"] = _pct(r.car)
            if (r.window_start, r.window_end) == (0, 0):
                row["t(0)"] = _num(r.t_stat)
                row["p(0)"] = _num(r.p_value, "{:.4f}")
                row["raw $bn (0)"] = _bn(r.raw_change_usd)
                row["abnormal $bn (0)"] = _bn(r.abnormal_change_usd)
        summary.append(row)
    out.append(_table(pd.DataFrame(summary)))
    for key in (f"day0_ar_{main}", f"car_paths_{main}", "market_value", f"caar_{main}"):
        if key in plots:
            out.append(f"![{key}]({plots[key].name})\n")
    if len(result.claims):
        out += ["## Reported figures vs computed", ""]
        cl = result.claims
        out.append(
            _table(
                pd.DataFrame(
                    {
                        "claim": cl["claim"],
                        "reported $bn": cl["reported_usd"].map(_bn),
                        "raw $bn": cl["computed_raw_usd"].map(_bn),
                        "abnormal $bn": cl["computed_abnormal_usd"].map(_bn),
                        "raw vs reported": cl["difference_pct"].map(lambda x: _num(x, "{:+.2f}%")),
                        "source": cl["source"],
                    }
                )
            )
        )
        out.append(
            "Raw change = market value on the previous close x the day's return; abnormal "
            "change = the same market value x the abnormal return. Closes and share counts "
            "used are listed in `claims.csv`.\n"
        )
    out += ["## Tests", ""]
    tests = result.tests
    tests = tests[
        (tests["event_id"] == main) & (tests["window_start"] == 0) & (tests["window_end"] == 0)
    ].sort_values("order")
    out.append(
        _table(
            pd.DataFrame(
                {
                    "test": tests["test"],
                    "statistic": tests["statistic"].map(_num),
                    "p-value": tests["p_value"].map(lambda x: _num(x, "{:.4f}")),
                    "distribution": tests["distribution"],
                    "clustering-robust": tests["clustering_robust"].map({True: "yes", False: "no"}),
                    "note": tests["reason"],
                }
            )
        )
    )
    out += ["## Exclusions", "", _table(result.exclusions)]
    out += ["## Data quality", "", _table(result.data_quality)]
    out.append(
        "Files: `abnormal_returns.csv`, `car.csv`, `tests.csv`, `aar.csv`, "
        "`market_value.csv`, `claims.csv`, `model_fit.csv`, `exclusions.csv`, "
        "`data_quality.csv`.\n"
    )
    return "\n".join(out)


def write_markdown(result: StudyResult, directory: Path, plots: dict[str, Path]) -> Path:
    """Write ``report.md`` atomically."""
    return atomic_write_text(directory / "report.md", render_markdown(result, plots))
