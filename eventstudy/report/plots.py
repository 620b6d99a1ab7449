"""Plots of a study result (matplotlib, headless), drawn to be printable as they are.

Each function takes a :class:`~eventstudy.result.StudyResult`, never recomputes statistics, and
returns the matplotlib ``Figure``; :func:`write_plots` saves them as PNG files. Every figure has
a title, a subtitle saying what is drawn and in which unit, labelled axes and a source line.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .._io import atomic_write  # noqa: E402
from ..events.load import safe_name
from .content import (  # noqa: E402
    benchmark_sums,
    day0_of,
    event_title,
    headline_claim,
    headline_tickers,
    source_line,
)

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

MAX_EVENTS_PLOTTED = 10
MAX_PANELS = 20

#: Colours: losses, gains, not significant, text, reference lines.
LOSS, GAIN, MUTED, INK, ABNORMAL = "#b2182b", "#2166ac", "#a6a6a6", "#222222", "#e08214"
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextmanager
def _style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def _frame(fig: Figure, result: StudyResult, title: str, subtitle: str) -> None:
    """Title and subtitle at the top left, source line at the bottom left."""
    fig.text(0.012, 0.985, title, fontsize=13, weight="bold", color=INK, va="top", ha="left")
    fig.text(0.012, 0.945, subtitle, fontsize=9.5, color="#555555", va="top", ha="left")
    fig.text(0.012, 0.012, source_line(result), fontsize=7.5, color="#777777", ha="left")


def _layout(fig: Figure, top: float = 0.88, bottom: float = 0.06) -> None:
    fig.tight_layout(rect=(0, bottom, 1, top))


def _day0_rows(result: StudyResult, event_id: str) -> pd.DataFrame:
    car = result.car
    return car[
        (car["event_id"] == event_id) & (car["window_start"] == 0) & (car["window_end"] == 0)
    ]


def _when(result: StudyResult, event_id: str) -> str:
    day = day0_of(result, event_id)
    return day.strftime("%d %b %Y").lstrip("0") if day is not None else "day 0"


def plot_car_paths(
    result: StudyResult, event_id: str | None = None, max_panels: int = MAX_PANELS
) -> Figure:
    r"""Cumulative abnormal return of each firm over the event span, one small panel per firm.

    The shaded band is the pointwise 95% interval :math:`\pm 1.96\,\mathrm{se}(CAR_{a,t})` of the
    running CAR from the first day of the span, with the prediction-error variance the result
    holds (``car_to_date_se``, estimation covariance between days included). Panels are
    ordered by the day-0 abnormal return, most negative first; beyond ``max_panels`` firms the
    ones with the smallest day-0 moves are left out (named in the subtitle).
    """
    event_id = event_id or result.events.main_event_id
    daily = result.daily[result.daily["event_id"] == event_id]
    ar = daily.pivot_table(
        index="rel_day", columns="ticker", values="abnormal_return", dropna=False
    )
    running = daily.pivot_table(
        index="rel_day", columns="ticker", values="car_to_date", dropna=False
    )
    se = daily.pivot_table(index="rel_day", columns="ticker", values="car_to_date_se", dropna=False)
    cum = running.reindex(columns=ar.columns) * 100
    band = se.reindex(columns=ar.columns) * 1.96 * 100
    day0 = _day0_rows(result, event_id).set_index("ticker")
    order = list(day0["car"].sort_values().index.intersection(cum.columns, sort=False))
    order += [t for t in cum.columns if t not in order]
    left_out = sorted(order, key=lambda t: -abs(day0["car"].get(t, 0.0)))[max_panels:]
    order = [t for t in order if t not in left_out]
    span = f"[{int(cum.index.min())},{int(cum.index.max())}]" if len(cum) else ""
    n = max(len(order), 1)
    ncols = min(5, n)
    nrows = math.ceil(n / ncols)
    with _style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(2.3 * ncols + 0.6, 2.0 * nrows + 1.5),
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        for ax, ticker in zip(axes.ravel(), order, strict=False):
            y, b = cum[ticker], band[ticker]
            final = y.dropna().iloc[-1] if y.notna().any() else np.nan
            ar0, p0 = day0["car"].get(ticker, np.nan), day0["p_value"].get(ticker, np.nan)
            color = (LOSS if ar0 < 0 else GAIN) if p0 < 0.05 else "#555555"
            ax.fill_between(y.index, y - b, y + b, color=color, alpha=0.15, lw=0)
            ax.plot(y.index, y, color=color, lw=1.8)
            ax.axhline(0, color="#888888", lw=0.6)
            ax.axvline(0, color="#888888", lw=0.6, ls=":")
            ax.set_title(ticker, loc="left", fontsize=10, weight="bold")
            ax.set_title(
                f"day 0 {ar0 * 100:+.1f}%, {span} {final:+.1f}%",
                loc="right",
                fontsize=7.5,
                color="#555555",
            )
            ax.tick_params(labelsize=8)
        for ax in axes[-1]:
            ax.set_xlabel("Trading day (0 = event)", fontsize=8.5)
        for ax in axes[:, 0]:
            ax.set_ylabel("CAR, %", fontsize=8.5)
        sub = (
            f"Cumulative abnormal return over {span} trading days around {_when(result, event_id)},"
            " percent; shaded: 95% band. Red/blue: day-0 fall/rise significant at 5%."
        )
        if left_out:
            sub += f" Not shown: {', '.join(left_out)}."
        _frame(fig, result, f"Cumulative abnormal returns: {event_title(result, event_id)}", sub)
        _layout(fig, top=0.90 if nrows > 2 else 0.85, bottom=0.05 if nrows > 2 else 0.07)
    return fig


def plot_day0_bars(result: StudyResult, event_id: str | None = None, alpha: float = 0.05) -> Figure:
    """Day-0 abnormal return by firm with 95% intervals, coloured by significance at ``alpha``."""
    event_id = event_id or result.events.main_event_id
    day0 = _day0_rows(result, event_id).sort_values("car", ascending=False)
    with _style():
        fig, ax = plt.subplots(figsize=(9, max(4.0, 0.3 * len(day0) + 2.0)))
        sig = day0["p_value"] < alpha
        colors = np.where(sig, np.where(day0["car"] < 0, LOSS, GAIN), MUTED)
        y = np.arange(len(day0))
        x = day0["car"].to_numpy() * 100
        half = 1.96 * day0["se"].to_numpy() * 100
        ax.barh(y, x, color=colors, height=0.7)
        ax.errorbar(x, y, xerr=half, fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
        ax.set_yticks(y, day0["ticker"])
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color="#333333", lw=0.8)
        ends = np.concatenate([x - half, x + half])
        ends = ends[np.isfinite(ends)]
        # every day-0 return may be missing (a benchmark without that day's return)
        lo, hi = (ends.min(), ends.max()) if len(ends) else (-1.0, 1.0)
        pad = 0.12 * (hi - lo)
        ax.set_xlim(lo - pad, hi + pad)
        for yi, xi, h in zip(y, x, half, strict=True):
            if np.isfinite(xi):
                edge = xi - h if xi < 0 else xi + h
                ax.text(
                    edge + (-0.3 if xi < 0 else 0.3),
                    yi,
                    f"{xi:+.1f}%",
                    va="center",
                    ha="right" if xi < 0 else "left",
                    fontsize=8,
                    color=INK,
                )
        ax.set_xlabel("Abnormal return on day 0, percent (whiskers: 95% interval)")
        ax.legend(
            handles=[
                Patch(color=LOSS, label=f"significant fall (p < {alpha:g})"),
                Patch(color=GAIN, label=f"significant rise (p < {alpha:g})"),
                Patch(color=MUTED, label="not significant"),
            ],
            loc="lower left",
        )
        _frame(
            fig,
            result,
            f"Event-day abnormal returns: {event_title(result, event_id)}",
            f"Day 0 = {_when(result, event_id)}; return beyond what the {result.model} model "
            f"predicts from {result.meta.get('market', '?')}; per-firm t test of the prediction "
            "error.",
        )
        _layout(fig)
    return fig


def plot_market_value(result: StudyResult, event_id: str | None = None) -> Figure:
    """Raw and abnormal day-0 dollar change by firm, with each firm's reported figures marked."""
    event_id = event_id or result.events.main_event_id
    day0 = _day0_rows(result, event_id).dropna(subset=["raw_change_usd"])
    day0 = day0.sort_values("raw_change_usd", ascending=False)
    with _style():
        fig, ax = plt.subplots(figsize=(9, max(4.0, 0.6 * len(day0) + 2.2)))
        y = np.arange(len(day0))
        ax.barh(y + 0.2, day0["raw_change_usd"] / 1e9, height=0.38, color=INK, label="raw")
        ax.barh(
            y - 0.2,
            day0["abnormal_change_usd"] / 1e9,
            height=0.38,
            color=ABNORMAL,
            label="abnormal (model)",
        )
        ax.set_yticks(y, day0["ticker"])
        ax.grid(axis="y", visible=False)
        tickers = day0["ticker"].to_numpy()
        labelled = False
        for claim in result.claims.itertuples():
            if "+" in str(claim.tickers) or claim.tickers not in set(tickers):
                continue
            row = int(np.flatnonzero(tickers == claim.tickers)[0])
            ax.plot(
                [claim.reported_usd / 1e9] * 2,
                [row - 0.45, row + 0.45],
                color=LOSS,
                lw=2,
                label=None if labelled else "reported",
            )
            labelled = True
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_xlabel("Change in market value on day 0, billion USD")
        ax.legend(loc="lower left")
        _frame(
            fig,
            result,
            f"Market value lost or gained: {event_title(result, event_id)}",
            f"Day 0 = {_when(result, event_id)}; firms with a share count. Raw: previous-close "
            "value x return; abnormal: x abnormal return.",
        )
        _layout(fig)
    return fig


def plot_waterfall(result: StudyResult, event_id: str | None = None) -> Figure:
    """Waterfall of the day-0 dollar change by firm (raw and abnormal) against the reported total.

    The firms of the headline claim (the main-event claim with the most firms) come first, then
    their subtotal, then the other firms with a share count and the overall total. The reported
    figure of the headline claim is drawn across the chart.
    """
    event_id = event_id or result.events.main_event_id
    day0 = _day0_rows(result, event_id).dropna(subset=["raw_change_usd"]).set_index("ticker")
    claim = headline_claim(result) if event_id == result.events.main_event_id else None
    first = [t for t in headline_tickers(result) if t in day0.index] if claim is not None else []
    rest = list(day0.drop(index=first).sort_values("raw_change_usd").index)
    steps: list[tuple[str, str | None]] = [(t, t) for t in first]
    if len(first) > 1:
        steps.append(("+".join(first), None))
    steps += [(t, t) for t in rest]
    if rest and len(day0) > 1:
        steps.append(("All firms\nwith a share count", None))
    bars: list[tuple[int, float, float, str, bool]] = []  # x, bottom, top, colour, subtotal
    low = high = 0.0
    with _style():
        fig, ax = plt.subplots(figsize=(10, 6.2))
        series = (
            ("raw_change_usd", INK, "raw change", -0.2),
            ("abnormal_change_usd", ABNORMAL, "abnormal change", 0.2),
        )
        for col, color, label, dx in series:
            level = 0.0
            for i, (_, ticker) in enumerate(steps):
                if ticker is None:
                    bottom, top = 0.0, level
                else:
                    bottom, top = level, level + float(day0.at[ticker, col]) / 1e9
                    level = top
                ax.bar(
                    i + dx,
                    top - bottom,
                    bottom=bottom,
                    width=0.38,
                    color=color,
                    alpha=0.6 if ticker is None else 1.0,
                    hatch="///" if ticker is None else None,
                    edgecolor="white",
                    lw=0,
                    label=label if i == 0 else None,
                )
                if i + 1 < len(steps):
                    ax.plot(
                        [i + dx + 0.19, i + 1 + dx - 0.19], [level, level], color="#999999", lw=0.7
                    )
                bars.append((i, bottom, top, color, ticker is None))
                low, high = min(low, bottom, top), max(high, bottom, top)
        claim_y = float(claim["reported_usd"]) / 1e9 if claim is not None else None
        if claim_y is not None:
            low = min(low, claim_y)
        span = (high - low) or 1.0
        for k, (i, bottom, top, color, subtotal) in enumerate(bars):
            dx = -0.2 if k < len(steps) else 0.2
            value = top - bottom
            text = f"{value:+,.0f}"
            ink = "white" if color == INK else INK
            if abs(value) > 0.07 * span:
                ax.text(
                    i + dx,
                    (bottom + top) / 2,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=INK if subtotal else ink,
                    weight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5}
                    if subtotal
                    else None,
                )
            else:
                end = max(bottom, top)
                ax.text(
                    i + dx, end + 0.01 * span, text, ha="center", va="bottom", fontsize=8, color=INK
                )
        if claim_y is not None:
            ax.axhline(claim_y, color=LOSS, lw=1.4, ls="--")
            ax.text(
                len(steps) - 0.45,
                claim_y - 0.015 * span,
                f"reported: {claim['claim']}, {claim_y:+,.0f}",
                color=LOSS,
                ha="right",
                va="top",
                fontsize=9,
            )
        ax.set_xticks(range(len(steps)), [name for name, _ in steps])
        ax.set_xlim(-0.6, len(steps) - 0.4)
        ax.set_ylim(low - 0.1 * span, high + 0.05 * span)
        ax.axhline(0, color="#333333", lw=0.8)
        ax.grid(axis="x", visible=False)
        ax.set_ylabel("Cumulative change in market value, billion USD")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)
        _frame(
            fig,
            result,
            f"Where the market value went on {_when(result, event_id)}",
            "Day-0 change by firm, added up left to right, billion USD; hatched bars: running "
            "totals.\nRaw: previous-close market value x return; abnormal: x abnormal return.",
        )
        _layout(fig, top=0.86)
    return fig


def plot_caar(result: StudyResult, event_id: str | None = None) -> Figure:
    """AAR bars and the CAAR line with its 95% band for one group (``aar_se``/``caar_se``)."""
    event_id = event_id or result.events.main_event_id
    aar = result.aar[result.aar["event_id"] == event_id]
    clustered = result.clustered.get(event_id, False)
    with _style():
        fig, ax = plt.subplots(figsize=(9, 5.2))
        x = aar["rel_day"].to_numpy()
        colors = np.where(aar["aar"] < 0, LOSS, GAIN)
        ax.bar(x, aar["aar"] * 100, color=colors, alpha=0.45, width=0.6, label="AAR (daily)")
        ax.fill_between(
            x,
            (aar["caar"] - 1.96 * aar["caar_se"]) * 100,
            (aar["caar"] + 1.96 * aar["caar_se"]) * 100,
            color=INK,
            alpha=0.12,
            lw=0,
            label="CAAR 95% band" + (" (assumes independent firms)" if clustered else ""),
        )
        ax.plot(x, aar["caar"] * 100, color=INK, lw=2, marker="o", ms=3.5, label="CAAR")
        ax.axvline(0, color="#888888", lw=0.8, ls=":")
        ax.axhline(0, color="#333333", lw=0.8)
        ax.set_xticks(x)
        ax.set_xlabel("Trading day relative to the event (0 = event day)")
        ax.set_ylabel("Average abnormal return, percent")
        ax.legend(loc="lower left")
        n = int(aar["n_firms"].max()) if len(aar) else 0
        sub = (
            f"Average over {n} firms (AAR) and its running total (CAAR); "
            f"day 0 = {_when(result, event_id)}."
            if event_id in {e.id for e in result.events.studied}
            else f"Average over {n} firm-events (AAR) and its running total (CAAR)."
        )
        if clustered:
            sub += " Shared event date: the band is too narrow."
        _frame(fig, result, f"Average abnormal return: {event_title(result, event_id)}", sub)
        _layout(fig)
    return fig


def plot_benchmark_sensitivity(result: StudyResult, tickers: list[str] | None = None) -> Figure:
    """Summed day-0 abnormal dollar change of the headline firms under each benchmark.

    Bars come from ``result.benchmarks``; the raw change and the reported figure are drawn as
    vertical lines.
    """
    tickers = tickers or headline_tickers(result)
    sums = benchmark_sums(result, tickers)
    claim = headline_claim(result)
    joined = "+".join(tickers)
    with _style():
        fig, ax = plt.subplots(figsize=(9.5, max(4.0, 0.55 * len(sums) + 2.6)))
        labels = []
        for row in sums.to_dict("records"):
            if row["model"] == "market_adjusted":
                labels.append(f"{row['benchmark']}, market-adjusted\n(beta = 1)")
            else:
                betas = ", ".join(f"{row[f'beta {t}']:.2f}" for t in tickers)
                labels.append(f"{row['benchmark']}, {row['model']} model\n(beta {betas})")
        y = np.arange(len(sums))[::-1]
        values = sums["abnormal_usd"].to_numpy() / 1e9
        ax.barh(y, values, color=ABNORMAL, height=0.6)
        ax.set_yticks(y, labels, fontsize=8.5)
        ax.grid(axis="y", visible=False)
        for yi, v in zip(y, values, strict=True):
            ax.text(v + 8, yi, f"{v:,.0f}", va="center", ha="left", fontsize=9, color=INK)
        raw = float(sums["raw_usd"].iloc[0]) / 1e9 if len(sums) else np.nan
        refs = [(raw, INK, "-", f"raw change {raw:,.1f}")]
        if claim is not None:
            rep = float(claim["reported_usd"]) / 1e9
            refs.append((rep, LOSS, "--", f"reported {rep:,.0f}"))
        top = len(sums) - 0.35
        for k, (v, color, ls, text) in enumerate(refs):
            ax.axvline(v, color=color, lw=1.4, ls=ls)
            ax.text(
                v + (8 if k == 0 else -8),
                top + 0.05,
                text,
                color=color,
                fontsize=9,
                ha="left" if k == 0 else "right",
                va="bottom",
            )
        finite = [x for x in [*values, *(r[0] for r in refs)] if np.isfinite(x)]
        lo = min([*finite, 0.0])
        ax.set_xlim(lo * 1.12, max(0.0, max(finite, default=0.0)) + abs(lo) * 0.02)
        ax.set_ylim(-0.6, len(sums) + 0.1)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_xlabel(f"Abnormal change in market value of {joined} on day 0, billion USD")
        main = result.events.main_event_id
        _frame(
            fig,
            result,
            f"How much of the {joined} loss is abnormal depends on the benchmark",
            f"Day 0 = {_when(result, main)}. Each bar refits the model against another "
            "benchmark; the market-adjusted model subtracts the benchmark's return.",
        )
        _layout(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    atomic_write(
        path, lambda tmp: fig.savefig(tmp, dpi=120, format="png", metadata={"Software": None})
    )
    plt.close(fig)
    return path


def file_stem(event_id: str) -> str:
    """A file-name part for an event id that cannot leave the output folder.

    Ids that are not already safe get a short hash so that two of them never collide.
    """
    safe = safe_name(event_id)
    if safe == event_id:
        return safe
    return f"{safe}-{hashlib.sha1(event_id.encode()).hexdigest()[:6]}"


def write_plots(result: StudyResult, directory: Path) -> dict[str, Path]:
    """Save the standard plots as PNG and return them by key.

    Per event (up to 10 events; beyond that only the pooled CAAR): ``car_paths_<id>``,
    ``day0_ar_<id>``, ``caar_<id>``. For the main event, when dollar figures exist:
    ``market_value``, ``waterfall``, and ``benchmarks`` when the sensitivity table exists.
    """
    from .sample_plots import is_sample, write_sample_plots  # many firm-events: pooled figures

    if is_sample(result):
        return write_sample_plots(result, directory)
    out: dict[str, Path] = {}
    events = [e.id for e in result.events.studied][:MAX_EVENTS_PLOTTED]
    if len(result.events.studied) > MAX_EVENTS_PLOTTED:
        events = []
    for event_id in events:
        stem = file_stem(event_id)
        out[f"car_paths_{event_id}"] = _save(
            plot_car_paths(result, event_id), directory / f"car_paths_{stem}.png"
        )
        out[f"day0_ar_{event_id}"] = _save(
            plot_day0_bars(result, event_id), directory / f"day0_ar_{stem}.png"
        )
        out[f"caar_{event_id}"] = _save(plot_caar(result, event_id), directory / f"caar_{stem}.png")
    main = result.events.main_event_id
    if result.daily["market_value_prev"].notna().any() and events:
        out["market_value"] = _save(plot_market_value(result, main), directory / "market_value.png")
        out["waterfall"] = _save(plot_waterfall(result, main), directory / "waterfall.png")
        if not benchmark_sums(result).empty:
            out["benchmarks"] = _save(
                plot_benchmark_sensitivity(result), directory / "benchmarks.png"
            )
    groups = set(result.aar["event_id"]) if len(result.aar) else set()
    if "ALL" in groups and not events:
        out["caar_ALL"] = _save(plot_caar(result, "ALL"), directory / "caar_ALL.png")
    return out


__all__ = [
    "plot_benchmark_sensitivity",
    "plot_caar",
    "plot_car_paths",
    "plot_day0_bars",
    "plot_market_value",
    "plot_waterfall",
    "write_plots",
]
