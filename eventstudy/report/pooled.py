"""What the summary and the reports of a *sample* show: the pooled result first.

A sample is a study of many firm-events (more than :data:`SAMPLE_EVENTS` events or
:data:`SAMPLE_FIRM_EVENTS` firm-events). Its summary and reports lead with the pooled CAAR per
window (N, CAAR, standard error, 95% interval), then the tests in the study's order (the
clustering-robust ones first when event dates cluster), the per-group results and the largest
movers; every row stays in the tables. Each function here is one vectorised pass over a result
table (linear in firm-events, ``N log N`` at most) and returns a bounded frame of numbers; the
renderers format them. Nothing is recomputed except the interval, read off the cross-sectional
t test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


#: More studied events than this makes a study a sample.
SAMPLE_EVENTS = 20
#: More firm-events than this makes a study a sample.
SAMPLE_FIRM_EVENTS = 100
#: Largest movers listed.
MOVERS = 10
#: Groups listed in the summary (the reports list up to :data:`REPORT_GROUPS`).
SUMMARY_GROUPS = 10
REPORT_GROUPS = 50
#: Test whose statistic gives the CAAR's standard error (``se = CAAR / t``).
SE_TEST = "cross_sectional_t"
#: Name of the pooled group of every firm-event in ``tests`` and ``aar``.
POOLED = "ALL"


def is_sample(result: StudyResult) -> bool:
    """Whether ``result`` is a sample: more than 20 events or more than 100 firm-events."""
    pairs = result.fit.sample.pairs
    if len(pairs) > SAMPLE_FIRM_EVENTS:
        return True
    return bool(pd.unique(pairs["event_id"]).size > SAMPLE_EVENTS)


def windows(result: StudyResult) -> list[tuple[int, int]]:
    """The study's event windows in their order."""
    return [(int(a), int(b)) for a, b in result.meta.get("windows", result.events.windows)]


def pooled_group(result: StudyResult) -> str | None:
    """The group holding every firm-event: ``ALL``, or the only group; None when neither."""
    groups = pd.unique(result.tests["event_id"]) if len(result.tests) else []
    if POOLED in set(groups):
        return POOLED
    return str(groups[0]) if len(groups) == 1 else None


def caar_table(result: StudyResult, groups: list[str] | None = None) -> pd.DataFrame:
    r"""N, CAAR, its standard error and 95% interval per group and window (numbers).

    The standard error is the cross-sectional one of Brown and Warner (1985),
    :math:`s_{CAR}/\sqrt{N}`, read off the ``cross_sectional_t`` row of ``tests`` as
    :math:`\overline{CAR}/t` (the same formula, in one place: :mod:`eventstudy.stats`). The
    interval is :math:`\overline{CAR} \pm t_{0.975,\,N-1}\,s_{CAR}/\sqrt{N}`. Both assume
    independent firm-events: with clustered event dates they are too narrow (the tests column
    ``clustered`` says so). NaN where the study did not run that test.

    Parameters
    ----------
    result
        The study result.
    groups
        Groups to keep (all when None), in this order.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, window_start, window_end, n, caar, se, low, high, clustered``.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """
    cols = ["group", "window_start", "window_end", "n", "caar", "se", "low", "high", "clustered"]
    t = result.tests
    if t is None or t.empty:
        return pd.DataFrame(columns=cols)
    if groups is not None:
        t = t[t["event_id"].isin(groups)]
    keys = ["event_id", "window_start", "window_end"]
    first = t.drop_duplicates(keys)[[*keys, "n_firms", "caar", "clustered"]]
    se_rows = t.loc[t["test"] == SE_TEST, [*keys, "statistic"]]
    table = first.merge(se_rows, on=keys, how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        se = (table["caar"] / table["statistic"]).abs()
    dof = table["n_firms"].to_numpy(dtype=float) - 1.0
    half = t_quantile(dof) * se.to_numpy()
    out = pd.DataFrame(
        {
            "group": table["event_id"].astype(str),
            "window_start": table["window_start"].astype(int),
            "window_end": table["window_end"].astype(int),
            "n": table["n_firms"].astype(int),
            "caar": table["caar"].astype(float),
            "se": se.astype(float),
            "low": table["caar"] - half,
            "high": table["caar"] + half,
            "clustered": table["clustered"].astype(bool),
        }
    )
    if groups is not None:
        rank = {g: k for k, g in enumerate(groups)}
        out = out.sort_values("group", key=lambda g: g.map(rank), kind="stable")
    return out.reset_index(drop=True)


def t_quantile(dof: np.ndarray, level: float = 0.975) -> np.ndarray:
    """Student-t quantile per degrees of freedom (NaN where ``dof < 1``)."""
    from scipy.special import stdtrit  # scipy.special loads fast; scipy.stats does not

    dof = np.asarray(dof, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(dof >= 1, stdtrit(np.maximum(dof, 1.0), level), np.nan)


def tests_matrix(result: StudyResult, group: str, lead: int | None = None) -> pd.DataFrame:
    """Statistic and p-value of each test (rows, study order) per window (columns), numbers.

    Returns a long frame ``test, clustering_robust, window_start, window_end, statistic,
    p_value`` of the group's tests, the first ``lead`` tests only when given.
    """
    t = result.tests
    if t is None or t.empty:
        return pd.DataFrame()
    t = t[t["event_id"] == group]
    if lead is not None:
        t = t[t["order"] < lead]
    keep = ["test", "clustering_robust", "window_start", "window_end", "statistic", "p_value"]
    return t.sort_values(["order", "window_start", "window_end"], kind="stable")[
        [*keep, "order", "reason"]
    ].reset_index(drop=True)


def group_names(result: StudyResult) -> list[str]:
    """Groups other than the pooled one, in the order of ``tests``."""
    if result.tests is None or result.tests.empty:
        return []
    pooled = pooled_group(result)
    return [str(g) for g in pd.unique(result.tests["event_id"]) if str(g) != pooled]


def movers(result: StudyResult, k: int = MOVERS) -> pd.DataFrame:
    """The ``k`` firm-events with the largest |CAR| over the first window, largest first.

    Columns ``event_id, ticker, day0, window_start, window_end, car, t_stat, p_value``;
    ``argpartition`` keeps it linear in firm-events.
    """
    car = result.car
    if car is None or car.empty:
        return pd.DataFrame()
    first = windows(result)[0] if windows(result) else (0, 0)
    part = car[(car["window_start"] == first[0]) & (car["window_end"] == first[1])]
    size = part["car"].abs().to_numpy(dtype=float)
    size = np.where(np.isfinite(size), size, -1.0)
    k = min(k, len(part))
    if k == 0:
        return pd.DataFrame()
    top = np.argpartition(-size, k - 1)[:k] if k < len(part) else np.arange(len(part))
    top = top[np.argsort(-size[top], kind="stable")]
    rows = part.iloc[top][
        ["event_id", "ticker", "window_start", "window_end", "car", "t_stat", "p_value"]
    ]
    rows = rows[np.isfinite(rows["car"].to_numpy(dtype=float))]
    pairs = result.fit.sample.pairs
    hit = pairs[pairs["event_id"].isin(set(rows["event_id"]))][["event_id", "ticker", "day0"]]
    rows = rows.merge(hit.drop_duplicates(["event_id", "ticker"]), on=["event_id", "ticker"])
    return rows[
        ["event_id", "ticker", "day0", "window_start", "window_end", "car", "t_stat", "p_value"]
    ].reset_index(drop=True)


def counts(frame: pd.DataFrame, column: str, limit: int = 20) -> pd.DataFrame:
    """Rows per value of ``column`` (most frequent first, at most ``limit`` values)."""
    if frame is None or frame.empty or column not in frame:
        return pd.DataFrame(columns=[column, "rows"])
    n = frame[column].astype(str).value_counts(sort=True)
    return pd.DataFrame({column: n.index[:limit], "rows": n.to_numpy()[:limit]})


def sample_facts(result: StudyResult) -> dict[str, object]:
    """Firm-events, events, firms and the first and last day 0 of the sample."""
    pairs = result.fit.sample.pairs
    day0 = pd.to_datetime(pairs["day0"])
    return {
        "firm_events": len(pairs),
        "events": int(pd.unique(pairs["event_id"]).size),
        "firms": int(pd.unique(pairs["ticker"]).size),
        "first_day0": day0.min(),
        "last_day0": day0.max(),
    }


# -- display frames (strings) shared by report.md and report.html ------------------------------


def _label(start: int, end: int) -> str:
    return f"[{int(start)},{int(end)}]"


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}" if value is not None and pd.notna(value) else ""


def caar_frame(result: StudyResult, group: str) -> pd.DataFrame:
    """:func:`caar_table` of one group as display strings, one row per window."""
    from .content import pct

    t = caar_table(result, [group])
    return pd.DataFrame(
        {
            "window": [
                _label(a, b) for a, b in zip(t["window_start"], t["window_end"], strict=True)
            ],
            "N": t["n"].astype(str),
            "CAAR": t["caar"].map(lambda x: pct(x, 3)),
            "SE": t["se"].map(lambda x: pct(x, 3)),
            "95% interval": [
                f"[{pct(lo, 3)}, {pct(hi, 3)}]" for lo, hi in zip(t["low"], t["high"], strict=True)
            ],
        }
    )


def tests_frame(result: StudyResult, group: str) -> pd.DataFrame:
    """Every test of the group (rows, study order) by window (columns): ``stat (p)`` strings."""
    from .content import num

    t = tests_matrix(result, group)
    if t.empty:
        return t
    t = t.assign(
        window=[_label(a, b) for a, b in zip(t["window_start"], t["window_end"], strict=True)],
        cell=[
            f"{num(s, '{:.3f}')} ({num(q, '{:.4f}')})"
            for s, q in zip(t["statistic"], t["p_value"], strict=True)
        ],
    )
    wide = t.pivot(index="test", columns="window", values="cell")
    order = list(dict.fromkeys(t["test"]))
    wins = [_label(a, b) for a, b in windows(result)]
    wide = wide.reindex(index=order, columns=[w for w in wins if w in wide.columns])
    robust = t.drop_duplicates("test").set_index("test")["clustering_robust"].reindex(order)
    out = pd.DataFrame({"test": order, "clustering-robust": robust.map({True: "yes", False: "no"})})
    for w in wide.columns:
        out[f"{w} stat (p)"] = wide[w].fillna("n/a").to_numpy()
    return out.reset_index(drop=True)


def groups_frame(result: StudyResult, limit: int = REPORT_GROUPS) -> tuple[pd.DataFrame, int]:
    """Per group: N and CAAR (with its SE) per window, for the first ``limit`` groups.

    Returns the frame and the number of groups left out.
    """
    from .content import pct

    names = group_names(result)
    shown = names[:limit]
    if not shown:
        return pd.DataFrame(), 0
    t = caar_table(result, shown)
    t["window"] = [_label(a, b) for a, b in zip(t["window_start"], t["window_end"], strict=True)]
    t["cell"] = [f"{pct(c, 3)} ({pct(e, 3)})" for c, e in zip(t["caar"], t["se"], strict=True)]
    wide = t.pivot(index="group", columns="window", values="cell").reindex(shown)
    n = t.groupby("group", sort=False)["n"].max().reindex(shown)
    out = pd.DataFrame({"group": shown, "N": n.astype("Int64").astype(str).to_numpy()})
    for a, b in windows(result):
        w = _label(a, b)
        if w in wide.columns:
            out[f"CAAR{w} (SE)"] = wide[w].fillna("n/a").to_numpy()
    return out, len(names) - len(shown)


def movers_frame(result: StudyResult) -> pd.DataFrame:
    """:func:`movers` as display strings."""
    from .content import num, pct

    top = movers(result)
    if top.empty:
        return top
    w = _label(top["window_start"].iloc[0], top["window_end"].iloc[0])
    return pd.DataFrame(
        {
            "event": top["event_id"].astype(str),
            "firm": top["ticker"].astype(str),
            "day 0": top["day0"].map(_day),
            f"CAR{w}": top["car"].map(pct),
            "t": top["t_stat"].map(num),
            "p": top["p_value"].map(lambda x: num(x, "{:.4f}")),
        }
    )


def confounder_counts(result: StudyResult, limit: int = 20) -> pd.DataFrame:
    """Per confounder: the firm-events and firm-event windows it falls inside (most first)."""
    flags = result.confounders
    if flags is None or flags.empty:
        return pd.DataFrame()
    g = flags.groupby("confounder_id", sort=False)
    firm_events = flags.drop_duplicates(["confounder_id", "event_id", "ticker"])
    out = pd.DataFrame(
        {
            "firm-events": firm_events.groupby("confounder_id", sort=False).size(),
            "windows": g.size(),
            "title": g["confounder_title"].first(),
        }
    ).sort_values("windows", ascending=False, kind="stable")
    out = out.head(limit).reset_index().rename(columns={"confounder_id": "confounder"})
    return out.astype(str)


def sample_sentence(result: StudyResult, group: str | None) -> str:
    """One sentence: the pooled CAAR of the first window with its interval and lead test."""
    from .content import num, pct

    facts = sample_facts(result)
    text = (
        f"{facts['firm_events']} firm-events ({facts['events']} events, {facts['firms']} "
        f"firms), day 0 from {_day(facts['first_day0'])} to {_day(facts['last_day0'])}."
    )
    if group is None:
        return text
    t = caar_table(result, [group])
    if t.empty:
        return text
    r = t.iloc[0]
    text += (
        f" Pooled CAAR{_label(r['window_start'], r['window_end'])}: {pct(r['caar'], 3)} "
        f"(SE {pct(r['se'], 3)}, 95% interval [{pct(r['low'], 3)}, {pct(r['high'], 3)}], "
        f"N = {r['n']})"
    )
    lead = tests_matrix(result, group, 1)
    lead = lead[
        (lead["window_start"] == r["window_start"]) & (lead["window_end"] == r["window_end"])
    ]
    if len(lead):
        x = lead.iloc[0]
        text += f"; {x['test']}: {num(x['statistic'], '{:.3f}')}, p {num(x['p_value'], '{:.4f}')}"
    return text + "."


def clustering_sentence(result: StudyResult, group: str | None) -> str:
    """What clustered event dates mean for the pooled numbers (empty when not clustered)."""
    if group is None or not result.clustered.get(group, False):
        return ""
    return (
        "Event dates cluster: firm-events share calendar days, so their abnormal returns are "
        "cross-correlated. The standard error and interval above (cross-sectional t) and the "
        "tests that assume independent firm-events over-reject; the clustering-robust tests are "
        "listed first: read them first."
    )


__all__ = [
    "MOVERS",
    "POOLED",
    "SAMPLE_EVENTS",
    "SAMPLE_FIRM_EVENTS",
    "caar_frame",
    "caar_table",
    "clustering_sentence",
    "confounder_counts",
    "counts",
    "groups_frame",
    "movers_frame",
    "sample_sentence",
    "tests_frame",
    "group_names",
    "is_sample",
    "movers",
    "pooled_group",
    "sample_facts",
    "t_quantile",
    "tests_matrix",
    "windows",
]
