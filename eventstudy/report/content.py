"""What the reports say, as plain tables and sentences built from a :class:`StudyResult`.

``report.md`` and ``report.html`` render the same content; this module decides *what* is shown
(never recomputing a statistic), the renderers decide *how*. Every frame returned here holds
display strings, ready to be escaped and printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .tables import TableFiles

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


#: Firms named in the set-up (the rest are counted).
FIRMS_LISTED = 30

#: How a price source in ``result.meta["source"]`` is named in source lines.
SOURCE_NAMES = {"file": "local file", "yfinance": "Yahoo Finance via yfinance"}


def pct(x: Any, digits: int = 2, sign: bool = False) -> str:
    """A decimal as a percentage string (``n/a`` when missing)."""
    value = _float(x)
    if not np.isfinite(value):
        return "n/a"
    return f"{value * 100:{'+' if sign else ''}.{digits}f}%"


def bn(x: Any, sign: bool = False) -> str:
    """US dollars as billions with one decimal (``n/a`` when missing)."""
    value = _float(x)
    if not np.isfinite(value):
        return "n/a"
    return f"{value / 1e9:{'+' if sign else ''},.1f}"


def num(x: Any, fmt: str = "{:.2f}") -> str:
    """A number with ``fmt`` (``n/a`` when missing)."""
    value = _float(x)
    return "n/a" if not np.isfinite(value) else fmt.format(value)


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def window_label(start: int, end: int) -> str:
    """``[a,b]``."""
    return f"[{int(start)},{int(end)}]"


def source_line(result: StudyResult) -> str:
    """``Source: ... prices (...), eventstudy`` for plots and reports."""
    meta = result.meta
    src = str(meta.get("source", "?"))
    lo, hi = meta.get("price_range", ("?", "?"))
    return (
        f"Source: daily prices ({SOURCE_NAMES.get(src, src)}, {lo} to {hi}), eventstudy; "
        f"{result.model} model against {meta.get('market', '?')}"
    )


def event_title(result: StudyResult, event_id: str) -> str:
    """The event's title, else its id."""
    event = next((e for e in result.events.events if e.id == event_id), None)
    return (event.title or event_id) if event else event_id


def day0_of(result: StudyResult, event_id: str) -> pd.Timestamp | None:
    """The aligned session of a studied event (its day 0)."""
    pairs = result.fit.sample.pairs
    hit = pairs.loc[pairs["event_id"] == event_id, "day0"]
    return pd.Timestamp(hit.iloc[0]) if len(hit) else None


def headline_claim(result: StudyResult) -> pd.Series | None:
    """The claim on the main event with the most firms (ties: the largest reported figure)."""
    claims = result.claims
    if claims is None or claims.empty:
        return None
    main = result.events.main_event_id
    part = claims[claims["claim"].notna()].copy()
    if "window_start" in part:
        day0 = part[(part["window_start"] == 0) & (part["window_end"] == 0)]
        part = day0 if len(day0) else part
    part["_n"] = part["tickers"].astype(str).str.count(r"\+") + 1
    part["_size"] = part["reported_usd"].abs()
    ids = {c.id for c in result.events.claims if c.event_id in (main, None, "")}
    mine = part[part["claim"].isin(ids)]
    part = mine if len(mine) else part
    best = part.sort_values(["_n", "_size"], ascending=False).iloc[0]
    return best.drop(["_n", "_size"])


def headline_tickers(result: StudyResult) -> list[str]:
    """Firms of :func:`headline_claim`, else the main event's firms with dollar figures."""
    claim = headline_claim(result)
    if claim is not None:
        return [t for t in str(claim["tickers"]).split("+") if t]
    car = result.car
    main = result.events.main_event_id
    part = car[(car["event_id"] == main) & car["raw_change_usd"].notna()]
    return list(dict.fromkeys(part["ticker"]))


def events_frame(result: StudyResult) -> pd.DataFrame:
    """Studied events and confounders with their aligned day 0."""
    pairs = result.fit.sample.pairs
    # one pass over the firm-events, not one lookup per event
    day0 = pairs.drop_duplicates("event_id").set_index("event_id")["day0"].to_dict()
    rows = []
    for e in result.events.events:
        aligned = pd.Timestamp(day0[e.id]) if e.kind == "event" and e.id in day0 else None
        rows.append(
            {
                "id": e.id,
                "kind": e.kind,
                "date": e.date.isoformat(),
                "time": (e.time.strftime("%H:%M") + (f" {e.timezone}" if e.timezone else ""))
                if e.time
                else "",
                "day 0 (session)": aligned.date().isoformat() if aligned is not None else "",
                "firms": "all" if e.tickers is None else ", ".join(e.tickers),
                "title": e.title,
            }
        )
    return pd.DataFrame(rows)


def setup_items(result: StudyResult, tables: TableFiles | None = None) -> list[tuple[str, str]]:
    """Label/value pairs describing the study set-up (``tables`` names the fit table's file)."""
    meta, ev = result.meta, result.events
    lo, hi = meta.get("price_range", ("?", "?"))
    src = str(meta.get("source", "?"))
    windows = ", ".join(window_label(*w) for w in meta.get("windows", ev.windows))
    est = meta.get("estimation", ev.estimation)
    tickers = [str(t) for t in pd.unique(result.fit.sample.pairs["ticker"])[: FIRMS_LISTED + 1]]
    n_firms = int(pd.unique(result.fit.sample.pairs["ticker"]).size)
    firms = ", ".join(tickers[:FIRMS_LISTED])
    if n_firms > FIRMS_LISTED:
        fits = (tables or TableFiles("csv", ())).name("model_fit")
        firms += f" and {n_firms - FIRMS_LISTED} more ({fits})"
    items = [
        ("Study", ev.name),
        ("Firms", f"{n_firms}: {firms}"),
        ("Model", f"{result.model} model against {meta.get('market', ev.market)}"),
        ("Estimation window", f"{window_label(*est)} sessions relative to day 0"),
        ("Event windows", windows),
        (
            "Returns",
            f"{meta.get('return_kind', '?')} returns of {meta.get('price_field', '?')}",
        ),
        ("Data", f"{SOURCE_NAMES.get(src, src)} prices, {lo} to {hi}"),
    ]
    if ev.benchmarks:
        items.append(("Other benchmarks", ", ".join(ev.benchmarks)))
    return items


def summary_frame(result: StudyResult, event_id: str | None = None) -> pd.DataFrame:
    """Per firm: day-0 AR, t, p, CAR per window, raw and abnormal day-0 dollar change."""
    event_id = event_id or result.events.main_event_id
    car = result.car[result.car["event_id"] == event_id]
    rows = []
    for ticker, part in car.groupby("ticker", sort=False):
        row: dict[str, str] = {"firm": str(ticker)}
        flagged = []
        for r in part.itertuples():
            label = window_label(r.window_start, r.window_end)
            if (r.window_start, r.window_end) == (0, 0):
                row["AR day 0"] = pct(r.car)
                row["t"] = num(r.t_stat)
                row["p"] = num(r.p_value, "{:.4f}")
                row["raw $bn"] = bn(r.raw_change_usd)
                row["abnormal $bn"] = bn(r.abnormal_change_usd)
            else:
                row[f"CAR{label}"] = pct(r.car)
            conf = str(getattr(r, "confounders", "") or "")
            if conf and conf != "nan":
                flagged.append(f"{label}: {conf}")
        row["confounders"] = "; ".join(flagged)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    front = ["firm", "AR day 0", "t", "p"]
    cars = [c for c in frame.columns if c.startswith("CAR")]
    back = ["raw $bn", "abnormal $bn", "confounders"]
    return frame[[c for c in front + cars + back if c in frame.columns]]


def claims_frame(result: StudyResult) -> pd.DataFrame:
    """Reported vs computed figures with the closes and share counts used."""
    cl = result.claims
    if cl is None or cl.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "claim": cl["claim"],
            "window": [
                window_label(a, b)
                for a, b in zip(cl["window_start"], cl["window_end"], strict=True)
            ],
            "reported $bn": cl["reported_usd"].map(bn),
            "computed raw $bn": cl["computed_raw_usd"].map(bn),
            "computed abnormal $bn": cl["computed_abnormal_usd"].map(bn),
            "raw vs reported": cl["difference_pct"].map(lambda x: num(x, "{:+.2f}%")),
            "closes used": cl["closes_used"].fillna(""),
            "shares used": cl["shares_used"].fillna(""),
            "source": cl["source"].fillna(""),
        }
    )


def tests_frame(
    result: StudyResult, event_id: str | None = None, window: tuple[int, int] = (0, 0)
) -> pd.DataFrame:
    """Test statistics of one group and window in the study's order (robust first if clustered)."""
    event_id = event_id or result.events.main_event_id
    t = result.tests
    if t is None or t.empty:
        return pd.DataFrame()
    t = t[
        (t["event_id"] == event_id)
        & (t["window_start"] == window[0])
        & (t["window_end"] == window[1])
    ].sort_values("order")
    return pd.DataFrame(
        {
            "test": t["test"],
            "clustering-robust": t["clustering_robust"].map({True: "yes", False: "no"}),
            "statistic": t["statistic"].map(num),
            "p-value": t["p_value"].map(lambda x: num(x, "{:.4f}")),
            "distribution": t["distribution"],
            "note": t["reason"].fillna(""),
        }
    )


def clustering_note(result: StudyResult, event_id: str | None = None) -> str:
    """The clustering warning for a group, empty when its event dates are not shared."""
    event_id = event_id or result.events.main_event_id
    if not result.clustered.get(event_id, False):
        return ""
    return (
        f"Clustered event date ({event_id}): the firms share day 0, so their abnormal returns "
        "are cross-correlated and tests that assume independent firms (cross-sectional t, "
        "Patell, BMP) over-reject. The clustering-robust tests (Brown-Warner crude dependence, "
        "Kolari-Pynnonen, portfolio regression, rank tests) are listed first; read them first."
    )


def confounder_frame(result: StudyResult) -> pd.DataFrame:
    """Every studied event and window, with the confounders inside it and the firms affected."""
    flags = result.confounders
    n_firms = result.fit.sample.pairs.groupby("event_id", sort=False)["ticker"].nunique()
    rows = []
    windows = result.meta.get("windows", result.events.windows)
    for e in result.events.studied:
        for start, end in windows:
            found = []
            if flags is not None and not flags.empty:
                part = flags[
                    (flags["event_id"] == e.id)
                    & (flags["window_start"] == start)
                    & (flags["window_end"] == end)
                ]
                for cid, sub in part.groupby("confounder_id", sort=False):
                    firms = list(dict.fromkeys(sub["ticker"]))
                    who = (
                        f"all {len(firms)} firms"
                        if len(firms) == int(n_firms.get(e.id, -1)) and len(firms) > 1
                        else ", ".join(firms)
                    )
                    first = sub.iloc[0]
                    day = pd.Timestamp(first["confounder_day0"]).date().isoformat()
                    rel = int(first["confounder_rel_day"])
                    found.append(
                        f"{cid} ({first['confounder_title']}; {day}, day {rel:+d}): {who}".replace(
                            "day +0", "day 0"
                        )
                    )
            rows.append(
                {
                    "event": e.id,
                    "window": window_label(start, end),
                    "confounders inside the window": "; ".join(found) if found else "none",
                }
            )
    return pd.DataFrame(rows)


def benchmark_sums(result: StudyResult, tickers: list[str] | None = None) -> pd.DataFrame:
    """Per benchmark and model: the firms' betas, day-0 ARs and summed dollar changes (numbers)."""
    b = result.benchmarks
    if b is None or b.empty:
        return pd.DataFrame()
    tickers = tickers or headline_tickers(result)
    part = b[b["ticker"].isin(tickers)]
    rows = []
    for (bench, model), sub in part.groupby(["benchmark", "model"], sort=False):
        sub = sub.set_index("ticker").reindex(tickers)
        row: dict[str, Any] = {"benchmark": bench, "model": model}
        for t in tickers:
            row[f"beta {t}"] = sub.at[t, "beta"]
            row[f"AR {t}"] = sub.at[t, "abnormal_return"]
        row["abnormal_usd"] = sub["abnormal_change_usd"].sum(min_count=len(tickers))
        row["raw_usd"] = sub["raw_change_usd"].sum(min_count=len(tickers))
        rows.append(row)
    return pd.DataFrame(rows)


def benchmark_frame(result: StudyResult, tickers: list[str] | None = None) -> pd.DataFrame:
    """:func:`benchmark_sums` as display strings, with the reported figure for comparison."""
    tickers = tickers or headline_tickers(result)
    sums = benchmark_sums(result, tickers)
    if sums.empty:
        return sums
    claim = headline_claim(result)
    reported = float(claim["reported_usd"]) if claim is not None else float("nan")
    out = pd.DataFrame(
        {
            "benchmark": sums["benchmark"],
            "model": sums["model"].map(
                lambda m: "market-adjusted (beta = 1)" if m == "market_adjusted" else f"{m} model"
            ),
        }
    )
    for t in tickers:
        out[f"beta {t}"] = sums[f"beta {t}"].map(num)
        out[f"AR {t}"] = sums[f"AR {t}"].map(pct)
    joined = "+".join(tickers)
    out[f"abnormal $bn {joined}"] = sums["abnormal_usd"].map(bn)
    out["share of raw"] = (sums["abnormal_usd"] / sums["raw_usd"]).map(lambda x: pct(x, 0))
    out[f"raw $bn {joined}"] = sums["raw_usd"].map(bn)
    out["reported $bn"] = bn(reported)
    return out


def contamination_table(result: StudyResult) -> pd.DataFrame:
    """The benchmark-weight table when the study computed one (``contamination`` or meta)."""
    table = getattr(result, "contamination", None)
    if not isinstance(table, pd.DataFrame):
        table = result.meta.get("benchmark_contamination")
    return table if isinstance(table, pd.DataFrame) else pd.DataFrame()


def contamination_frame(result: StudyResult) -> pd.DataFrame:
    """:func:`contamination_table` as display strings."""
    t = contamination_table(result)
    if t.empty:
        return t
    return pd.DataFrame(
        {
            "benchmark": t["benchmark"],
            "benchmark market value $bn": t["benchmark_market_value"].map(bn),
            "firms": t["firms"],
            "firms' weight": t["weight"].map(lambda x: pct(x, 1)),
            "above threshold": [
                f"yes (> {pct(th, 0)})" if c else f"no (<= {pct(th, 0)})"
                for c, th in zip(t["contaminated"], t["threshold"], strict=True)
            ],
            "firms' own contribution": t["own_contribution"].map(lambda x: pct(x, 2)),
            "benchmark return": t["benchmark_return"].map(lambda x: pct(x, 2)),
        }
    )


def spread_paragraph(result: StudyResult) -> str:
    """One paragraph on why the abnormal dollar figure is smaller than the raw one."""
    claim = headline_claim(result)
    tickers = headline_tickers(result)
    main = result.events.main_event_id
    daily = result.daily
    day = daily[(daily["event_id"] == main) & (daily["rel_day"] == 0)].set_index("ticker")
    day = day.reindex([t for t in tickers if t in day.index])
    if day.empty or claim is None:
        return ""
    raw = float(claim["computed_raw_usd"])
    abn = float(claim["computed_abnormal_usd"])
    reported = float(claim["reported_usd"])
    market = str(result.meta.get("market", result.events.market))
    m_ret = float(day["market_return"].iloc[0]) if "market_return" in day else float("nan")
    joined = " and ".join(tickers)
    date = day0_of(result, main)
    when = date.date().isoformat() if date is not None else "day 0"
    word = "loss" if raw < 0 else "gain"
    betas = ""
    if not result.benchmarks.empty:
        b = result.benchmarks
        b = b[(b["benchmark"] == market) & (b["model"] == result.model)].set_index("ticker")
        got = [t for t in tickers if t in b.index and np.isfinite(b.at[t, "beta"])]
        if got:
            betas = " with betas of " + " and ".join(f"{num(b.at[t, 'beta'])} ({t})" for t in got)
    normals = " and ".join(f"{pct(r.normal_return)} ({t})" for t, r in day.iterrows())
    text = (
        f"Why is the abnormal {word} of {joined} {bn(abs(abn))} billion USD and not the raw "
        f"{bn(abs(raw))} billion? The raw figure is each firm's market value on the previous "
        f"close times its return on {when}; the abnormal figure uses the abnormal return "
        f"instead, the return minus what the {result.model} model expected given the benchmark. "
        f"Part of the day's move was the market's: {market} returned {pct(m_ret)} that day, "
        f"and{betas} the model expected {normals} without any firm-specific news, which "
        f"accounts for {bn(abs(raw - abn))} billion USD ({pct((raw - abn) / raw, 0)} of the raw "
        f"{word}). That deduction overstates the market's part: {joined} are themselves large "
        f"members of the index {market} tracks, "
    )
    cont = contamination_table(result)
    row = cont[cont["benchmark"] == market] if not cont.empty else cont
    if len(row):
        r = row.iloc[0]
        text += f"about {pct(r['weight'], 1)} of its value, " + (
            f"and by those weights they alone moved it by {pct(r['own_contribution'])}; "
            if np.isfinite(r["own_contribution"])
            else ""
        )
    text += (
        "so the benchmark's fall contains part of their own fall and the model subtracts a "
        "slice of the very move it measures. The benchmark-sensitivity table shows how much "
        f"the abnormal figure depends on that choice. The reported {bn(abs(reported))} billion "
        f"USD is a raw figure: compare it with the raw {bn(abs(raw))}, not with the abnormal one."
    )
    return text


def and_list(names: list[str], quote: str = "") -> str:
    """``a, b and c`` with each name inside ``quote`` (e.g. a backtick for Markdown)."""
    quoted = [f"{quote}{n}{quote}" for n in names]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"
