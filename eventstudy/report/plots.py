"""Plots of a study result (matplotlib, headless), drawn to be printable as they are.

Each function takes a :class:`~eventstudy.result.StudyResult`, never recomputes statistics, and
returns the matplotlib ``Figure``; :func:`write_plots` saves them as PNG files. Every figure has
a title, a subtitle saying what is drawn and in which unit, labelled axes and a source line.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .._process import die_with_parent  # noqa: E402
from .._types import PlotSet, validate_literal  # noqa: E402
from ..events.load import safe_name  # noqa: E402
from .content import (  # noqa: E402
    benchmark_sums,
    day0_of,
    event_title,
    headline_claim,
    headline_tickers,
    source_line,
)
from .png import save_png  # noqa: E402

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

Progress = Callable[[str, int, int], None]

MAX_EVENTS_PLOTTED = 10
MAX_PANELS = 20

#: Colours: losses, gains, not significant, text, reference lines.
LOSS, GAIN, MUTED, INK, ABNORMAL = "#b2182b", "#2166ac", "#a6a6a6", "#222222", "#e08214"
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    # a fixed title height: matplotlib otherwise re-lays out every y axis of a panel for each of
    # its titles on every draw, to dodge tick labels on top that these figures never have
    "axes.titley": 1.0,
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


# Fixed geometry instead of ``tight_layout``: tight_layout lays every tick out twice (and leaves a
# placeholder engine that makes ``savefig`` draw the figure once more before drawing it for real).
# Here the margins come from the sizes of the texts themselves: tick labels are formatted (not
# drawn) and measured with one renderer, so each figure is drawn once, by ``savefig``.
_PAD = 1.08 * 10 / 72
"""tight_layout's default padding, 1.08 font sizes (10 pt), in inches."""
_TICK = (3.5 + 3.5) / 72
"""Major tick length plus tick-label pad (matplotlib defaults), in inches."""
_LABELPAD = 4 / 72


class _Ruler:
    """Sizes in inches of texts and of an axes' decorations, measured without drawing."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def text(self, artist: Any) -> tuple[float, float]:
        """Width and height of a text artist (empty or hidden: zero)."""
        if not artist.get_visible() or not artist.get_text():
            return 0.0, 0.0
        box = artist.get_window_extent(self.renderer)
        return box.width / self.fig.dpi, box.height / self.fig.dpi

    def ticks(self, axis: Any, last: bool = False) -> tuple[float, float]:
        """Widest and tallest major tick label of ``axis`` in its view (formatted, not drawn).

        With ``last``, the size of the label of the highest tick in view only.
        """
        if not axis._major_tick_kw.get("label1On", True):
            return 0.0, 0.0
        locs = np.asarray(axis.get_majorticklocs(), dtype=float)
        labels = axis.get_major_formatter().format_ticks(locs)
        lo, hi = sorted(axis.get_view_interval())
        tol = 1e-9 * max(hi - lo, 1.0)
        kept = [t for v, t in zip(locs, labels, strict=True) if lo - tol <= v <= hi + tol and t]
        if not kept:
            return 0.0, 0.0
        if last:
            kept = (
                kept[-1:]
                if axis.get_view_interval()[1] >= axis.get_view_interval()[0]
                else kept[:1]
            )
        # the first tick's label carries the size set by tick_params or set_ticks(..., fontsize=)
        probe = self.fig.text(
            0, 0, "", fontproperties=axis.majorTicks[0].label1.get_fontproperties()
        )
        widths = []
        for label in kept:
            probe.set_text(label)
            widths.append(self.text(probe))
        probe.remove()
        return max(w for w, _ in widths), max(h for _, h in widths)

    def left(self, ax: Any) -> float:
        """Room left of ``ax``: tick labels, ticks and the y label."""
        # tick marks are not part of tight_layout's boxes; labels sit a tick length plus a pad out
        room = self.ticks(ax.yaxis)[0]
        room += _TICK if room else 0.0
        w = self.text(ax.yaxis.label)[0]
        return room + (w + _LABELPAD if w else 0.0)

    def bottom(self, ax: Any) -> float:
        """Room below ``ax``: tick labels, ticks and the x label."""
        room = self.ticks(ax.xaxis)[1]
        room += _TICK if room else 0.0
        h = self.text(ax.xaxis.label)[1]
        return room + (h + _LABELPAD if h else 0.0)

    def top(self, ax: Any) -> float:
        """Room above ``ax``: how far its titles reach above it (zero without one)."""
        titles = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        if not titles:
            return 0.0
        # titles already sit a title pad above the axes (baseline), so measure from the axes top
        reach = max(t.get_window_extent(self.renderer).y1 for t in titles) - ax.bbox.y1
        return max(reach, 0.0) / self.fig.dpi


def _place(
    fig: Figure,
    *,
    left: float,
    bottom: float,
    top_room: float = 0.0,
    right: float = 0.0,
    top: float = 0.88,
    below: float = 0.06,
    wgap: float = 0.0,
    hgap: float = 0.0,
) -> None:
    """Place the subplot grid: decorations of ``left``/``bottom``/... inches inside the band.

    The band is ``(0, below, 1, top)`` in figure fractions (title above, source line below), as
    tight_layout's ``rect``; each margin is the decoration plus tight_layout's padding, and
    ``wgap``/``hgap`` are the decorations between neighbouring panels.
    """
    width, height = fig.get_size_inches()
    gs = fig.axes[0].get_subplotspec().get_gridspec()
    nrows, ncols = gs.get_geometry()
    x0, x1 = (left + _PAD) / width, 1 - (right + _PAD) / width
    y0, y1 = below + (bottom + _PAD) / height, top - (top_room + _PAD) / height
    wspace, hspace = (wgap + _PAD) / width, (hgap + _PAD) / height
    axes_w = (x1 - x0 - wspace * (ncols - 1)) / ncols
    axes_h = (y1 - y0 - hspace * (nrows - 1)) / nrows
    fig.subplots_adjust(
        left=x0, right=x1, bottom=y0, top=y1, wspace=wspace / axes_w, hspace=hspace / axes_h
    )


def _layout(fig: Figure, top: float = 0.88, bottom: float = 0.06) -> None:
    """Fixed geometry for a one-axes figure (legend above the axes counted as a title)."""
    ax = fig.axes[0]
    ruler = _Ruler(fig)
    room_top = ruler.top(ax)
    legend = ax.get_legend()
    if legend is not None and legend.get_bbox_to_anchor().y0 >= ax.bbox.y1 - 1:
        pad = legend.borderaxespad * legend.prop.get_size_in_points() / 72
        room_top = max(room_top, legend.get_window_extent(ruler.renderer).height / fig.dpi + pad)
    _place(
        fig,
        left=ruler.left(ax),
        bottom=ruler.bottom(ax),
        top_room=room_top,
        right=_overhang(ruler, ax),
        top=top,
        below=bottom,
    )


def _overhang(ruler: _Ruler, ax: Any) -> float:
    """How far the last x tick label sticks out right of the axes (half its width at most)."""
    lo, hi = sorted(ax.get_xlim())
    locs = [v for v in ax.xaxis.get_majorticklocs() if lo <= v <= hi]
    if not locs:
        return 0.0
    axes_w = ax.get_position().width * ruler.fig.get_size_inches()[0]
    inside = (hi - max(locs)) / (hi - lo) * axes_w if hi > lo else 0.0
    return max(ruler.ticks(ax.xaxis, last=True)[0] / 2 - inside, 0.0)


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
        ruler = _Ruler(fig)
        head = max(ruler.top(ax) for ax in axes.ravel()[:n])
        _place(
            fig,
            left=ruler.left(axes[0, 0]),
            bottom=ruler.bottom(axes[-1, 0]),
            top_room=head,
            right=_overhang(ruler, axes[-1, 0]),
            top=0.90 if nrows > 2 else 0.85,
            below=0.05 if nrows > 2 else 0.07,
            wgap=3.5 / 72,  # inner panels show tick marks only (shared axes)
            hgap=head + 3.5 / 72,
        )
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


def file_stem(event_id: str) -> str:
    """A file-name part for an event id that cannot leave the output folder.

    Ids that are not already safe get a short hash so that two of them never collide.
    """
    safe = safe_name(event_id)
    if safe == event_id:
        return safe
    return f"{safe}-{hashlib.sha1(event_id.encode()).hexdigest()[:6]}"


PARALLEL_MIN_FIGURES = 6
"""Render in two processes from this many figures on (fewer: a fork costs more than it saves)."""


@dataclass(frozen=True)
class PlotJob:
    """One figure to write: its key in :func:`write_plots`' answer, file name and drawing call."""

    key: str
    filename: str
    draw: Callable[[StudyResult], Figure]


def plot_jobs(result: StudyResult, which: PlotSet = "all") -> list[PlotJob]:
    """The figures :func:`write_plots` writes for ``which`` (``all``, ``key`` or ``none``), in order.

    Per event (up to 10 events; beyond that only the pooled CAAR): ``car_paths_<id>``,
    ``day0_ar_<id>``, ``caar_<id>``. For the main event, when dollar figures exist:
    ``market_value``, ``waterfall``, and ``benchmarks`` when the sensitivity table exists.
    ``key`` keeps the waterfall and the main event's CAAR and day-0 bars (or the pooled
    ``caar_ALL`` when no event is drawn on its own).
    """
    validate_literal(which, PlotSet, "plots")
    if which == "none":
        return []
    jobs: list[PlotJob] = []
    events = [e.id for e in result.events.studied][:MAX_EVENTS_PLOTTED]
    if len(result.events.studied) > MAX_EVENTS_PLOTTED:
        events = []
    for event_id in events:
        stem = file_stem(event_id)
        jobs += [
            PlotJob(
                f"car_paths_{event_id}",
                f"car_paths_{stem}.png",
                partial(plot_car_paths, event_id=event_id),
            ),
            PlotJob(
                f"day0_ar_{event_id}",
                f"day0_ar_{stem}.png",
                partial(plot_day0_bars, event_id=event_id),
            ),
            PlotJob(f"caar_{event_id}", f"caar_{stem}.png", partial(plot_caar, event_id=event_id)),
        ]
    main = result.events.main_event_id
    if result.daily["market_value_prev"].notna().any() and events:
        jobs.append(
            PlotJob("market_value", "market_value.png", partial(plot_market_value, event_id=main))
        )
        jobs.append(PlotJob("waterfall", "waterfall.png", partial(plot_waterfall, event_id=main)))
        if not benchmark_sums(result).empty:
            jobs.append(PlotJob("benchmarks", "benchmarks.png", plot_benchmark_sensitivity))
    groups = set(result.aar["event_id"]) if len(result.aar) else set()
    if "ALL" in groups and not events:
        jobs.append(PlotJob("caar_ALL", "caar_ALL.png", partial(plot_caar, event_id="ALL")))
    if which == "key":
        keep = {"waterfall", f"caar_{main}", f"day0_ar_{main}", "caar_ALL"}
        jobs = [job for job in jobs if job.key in keep]
    return jobs


# What a forked worker renders: set just before the pool forks, so the children inherit the result
# instead of receiving it pickled.
_FORKED: tuple[StudyResult, list[PlotJob], Path] | None = None


def _render(index: int) -> int:
    result, jobs, directory = _FORKED  # type: ignore[misc]
    job = jobs[index]
    save_png(job.draw(result), directory / job.filename)
    return index


def write_plots(
    result: StudyResult,
    directory: Path,
    which: PlotSet = "all",
    progress: Progress | None = None,
    workers: int | None = None,
) -> dict[str, Path]:
    """Save the plots of ``which`` as PNG and return them by key (see :func:`plot_jobs`).

    Parameters
    ----------
    result
        The study result.
    directory
        Output folder; each file is written atomically.
    which
        ``all``, ``key`` (waterfall, pooled CAAR, day-0 bars) or ``none``.
    progress
        Called as ``progress("figures", done, total)`` after each figure.
    workers
        Processes to render in; default two when there are at least
        :data:`PARALLEL_MIN_FIGURES` figures, two cores, and ``fork`` (POSIX) in a process with
        no other thread running; else one.
    """
    global _FORKED
    from .sample_plots import is_sample, write_sample_plots  # many firm-events: pooled figures

    validate_literal(which, PlotSet, "plots")
    report = progress or (lambda stage, done, total: None)
    directory = Path(directory)
    if which != "none" and is_sample(result):
        report("figures", 0, 1)
        drawn = write_sample_plots(result, directory)
        report("figures", 1, 1)
        return drawn
    jobs = plot_jobs(result, which)
    n = len(jobs)
    if workers is None:
        # fork only a single-threaded process: a lock held by another thread at the fork (as in
        # a notebook kernel) would stay locked forever in the child
        forkable = (
            "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        )
        workers = 2 if n >= PARALLEL_MIN_FIGURES and (os.cpu_count() or 1) >= 2 and forkable else 1
    report("figures", 0, n)
    if workers <= 1 or n < 2:
        for done, job in enumerate(jobs, 1):
            save_png(job.draw(result), directory / job.filename)
            report("figures", done, n)
    else:
        _FORKED = (result, jobs, directory)
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                max_workers=min(workers, n),
                mp_context=context,
                initializer=die_with_parent,  # never an orphan writing on after a kill -9
                initargs=(os.getpid(),),
            ) as pool:
                # largest first (the small-multiple panels), so the two workers end together
                order = sorted(range(n), key=lambda i: not jobs[i].key.startswith("car_paths"))
                for done, _ in enumerate(as_completed([pool.submit(_render, i) for i in order]), 1):
                    _.result()
                    report("figures", done, n)
        finally:
            _FORKED = None
    return {job.key: directory / job.filename for job in jobs}


__all__ = [
    "PlotJob",
    "plot_jobs",
    "plot_benchmark_sensitivity",
    "plot_caar",
    "plot_car_paths",
    "plot_day0_bars",
    "plot_market_value",
    "plot_waterfall",
    "write_plots",
]
