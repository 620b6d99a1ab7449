"""Plots of a study result (matplotlib, headless).

Each function takes a :class:`~eventstudy.result.StudyResult`, never recomputes statistics, and
returns the matplotlib ``Figure``; :func:`write_plots` saves them as PNG files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .._io import atomic_write  # noqa: E402
from ..result import StudyResult  # noqa: E402

SOURCE_NOTE = "Source: eventstudy; prices {source}, model {model}"
MAX_EVENTS_PLOTTED = 10


def _footer(fig: Figure, result: StudyResult) -> None:
    fig.text(
        0.01,
        0.01,
        SOURCE_NOTE.format(source=result.meta.get("source", "?"), model=result.model),
        fontsize=7,
        color="0.4",
        ha="left",
        va="bottom",
    )


def _title(result: StudyResult, event_id: str) -> str:
    event = next((e for e in result.events.events if e.id == event_id), None)
    return event.title or event_id if event else event_id


def plot_car_paths(result: StudyResult, event_id: str | None = None, top: int = 8) -> Figure:
    """Cumulative abnormal return by ticker over the event span (percent)."""
    event_id = event_id or result.events.main_event_id
    daily = result.daily[result.daily["event_id"] == event_id]
    wide = daily.pivot_table(index="rel_day", columns="ticker", values="abnormal_return")
    cum = wide.cumsum() * 100
    fig, ax = plt.subplots(figsize=(9, 5.5))
    order = cum.iloc[-1].abs().sort_values(ascending=False).index if len(cum) else []
    for i, ticker in enumerate(order):
        strong = i < top
        ax.plot(
            cum.index,
            cum[ticker],
            lw=2 if strong else 0.8,
            alpha=1 if strong else 0.35,
            color=None if strong else "0.5",
            label=ticker if strong else None,
        )
    ax.axvline(0, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("Trading day relative to the event (day 0)")
    ax.set_ylabel("Cumulative abnormal return (%)")
    ax.set_title(f"CAR paths: {_title(result, event_id)}")
    ax.legend(ncol=2, fontsize=8, frameon=False)
    _footer(fig, result)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_day0_bars(result: StudyResult, event_id: str | None = None, alpha: float = 0.05) -> Figure:
    """Day-0 abnormal return by ticker, bars coloured by significance at ``alpha``."""
    event_id = event_id or result.events.main_event_id
    car = result.car
    day0 = car[
        (car["event_id"] == event_id) & (car["window_start"] == 0) & (car["window_end"] == 0)
    ]
    day0 = day0.sort_values("car")
    fig, ax = plt.subplots(figsize=(9, max(4, 0.32 * len(day0) + 1.5)))
    colors = np.where(day0["p_value"] < alpha, "#c0392b", "#95a5a6")
    ax.barh(day0["ticker"], day0["car"] * 100, color=colors)
    ax.errorbar(
        day0["car"] * 100,
        day0["ticker"],
        xerr=1.96 * day0["se"] * 100,
        fmt="none",
        ecolor="k",
        elinewidth=0.8,
        capsize=2,
    )
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("Abnormal return on day 0 (%), bars: 95% interval")
    ax.set_title(
        f"Day-0 abnormal returns: {_title(result, event_id)}\n"
        f"red: significant at {alpha:.0%} (prediction-error t test)"
    )
    _footer(fig, result)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_market_value(result: StudyResult, event_id: str | None = None) -> Figure:
    """Raw and abnormal day-0 dollar change by ticker, with the reported figures drawn across."""
    event_id = event_id or result.events.main_event_id
    car = result.car
    day0 = car[
        (car["event_id"] == event_id) & (car["window_start"] == 0) & (car["window_end"] == 0)
    ]
    day0 = day0.dropna(subset=["raw_change_usd"]).sort_values("raw_change_usd")
    fig, ax = plt.subplots(figsize=(9, max(4, 0.45 * len(day0) + 2)))
    y = np.arange(len(day0))
    ax.barh(y - 0.2, day0["raw_change_usd"] / 1e9, height=0.4, color="#34495e", label="raw")
    ax.barh(
        y + 0.2,
        day0["abnormal_change_usd"] / 1e9,
        height=0.4,
        color="#e67e22",
        label="abnormal (model)",
    )
    ax.set_yticks(y, day0["ticker"])
    claims = result.claims
    for i, claim in enumerate(claims.itertuples()):
        if len(claim.tickers.split("+")) == 1 and claim.tickers in set(day0["ticker"]):
            row = int(np.flatnonzero(day0["ticker"].to_numpy() == claim.tickers)[0])
            ax.plot(
                [claim.reported_usd / 1e9] * 2,
                [row - 0.45, row + 0.45],
                color="#c0392b",
                lw=2,
                label="reported" if i == 0 else None,
            )
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("Market-value change on day 0 (USD billion)")
    ax.set_title(f"Market value lost or gained: {_title(result, event_id)}")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _footer(fig, result)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_caar(result: StudyResult, event_id: str | None = None) -> Figure:
    """AAR bars and CAAR line with a 95% band for one group."""
    event_id = event_id or result.events.main_event_id
    aar = result.aar[result.aar["event_id"] == event_id]
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.bar(aar["rel_day"], aar["aar"] * 100, color="#95a5a6", label="AAR")
    ax.plot(aar["rel_day"], aar["caar"] * 100, color="#2c3e50", lw=2, label="CAAR")
    ax.fill_between(
        aar["rel_day"],
        (aar["caar"] - 1.96 * aar["caar_se"]) * 100,
        (aar["caar"] + 1.96 * aar["caar_se"]) * 100,
        color="#2c3e50",
        alpha=0.15,
        label="95% band (independent firms)",
    )
    ax.axvline(0, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("Trading day relative to the event")
    ax.set_ylabel("Percent")
    ax.set_title(
        f"Average abnormal return: {_title(result, event_id)} (N = "
        f"{int(aar['n_firms'].max()) if len(aar) else 0})"
    )
    ax.legend(frameon=False, fontsize=8)
    _footer(fig, result)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def _save(fig: Figure, path: Path) -> Path:
    atomic_write(
        path, lambda tmp: fig.savefig(tmp, dpi=120, format="png", metadata={"Software": None})
    )
    plt.close(fig)
    return path


def write_plots(result: StudyResult, directory: Path) -> dict[str, Path]:
    """Save the standard plots as PNG; per event for up to 10 events, else the pooled CAAR only."""
    out: dict[str, Path] = {}
    events = [e.id for e in result.events.studied][:MAX_EVENTS_PLOTTED]
    if len(result.events.studied) > MAX_EVENTS_PLOTTED:
        events = []
    for event_id in events:
        out[f"car_paths_{event_id}"] = _save(
            plot_car_paths(result, event_id), directory / f"car_paths_{event_id}.png"
        )
        out[f"day0_ar_{event_id}"] = _save(
            plot_day0_bars(result, event_id), directory / f"day0_ar_{event_id}.png"
        )
        out[f"caar_{event_id}"] = _save(
            plot_caar(result, event_id), directory / f"caar_{event_id}.png"
        )
    if result.daily["market_value_prev"].notna().any() and events:
        event_id = result.events.main_event_id
        out["market_value"] = _save(
            plot_market_value(result, event_id), directory / "market_value.png"
        )
    groups = set(result.aar["event_id"]) if len(result.aar) else set()
    if "ALL" in groups and not events:
        out["caar_ALL"] = _save(plot_caar(result, "ALL"), directory / "caar_ALL.png")
    return out


__all__ = ["plot_caar", "plot_car_paths", "plot_day0_bars", "plot_market_value", "write_plots"]
