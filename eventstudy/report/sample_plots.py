"""Plots of a sample (many firm-events): pooled figures only, never one figure per event.

Three figures, each drawn from a table of bounded size or one vectorised pass over the CARs:

- ``caar_pooled.png``: the pooled AAR per event day and its running total (CAAR) with a 95%
  band, from ``aar`` (one row per event day);
- ``car_histogram.png``: the distribution of the firm-event CARs, one panel per window (up to
  :data:`MAX_WINDOWS`), one ``numpy.histogram`` pass each, with the CAAR marked;
- ``caar_groups.png``: the CAAR path of the :data:`MAX_GROUPS` largest groups when the study
  has groups besides the pooled one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import pooled as pl  # noqa: E402
from .content import source_line  # noqa: E402
from .png import save_png  # noqa: E402
from .pooled import is_sample  # noqa: E402

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

#: Windows drawn as histogram panels; groups drawn as CAAR paths.
MAX_WINDOWS = 6
MAX_GROUPS = 8
#: Histogram bins; CARs beyond the 0.5th and 99.5th percentiles are counted, not drawn.
BINS = 60
CLIP = (0.5, 99.5)

INK, GAIN, LOSS = "#222222", "#2166ac", "#b2182b"
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


def _frame(fig: Figure, result: StudyResult, title: str, subtitle: str) -> None:
    fig.text(0.012, 0.985, title, fontsize=13, weight="bold", color=INK, va="top")
    fig.text(0.012, 0.94, subtitle, fontsize=9.5, color="#555555", va="top")
    fig.text(0.012, 0.012, source_line(result), fontsize=7.5, color="#777777")
    fig.tight_layout(rect=(0, 0.05, 1, 0.88))


def plot_pooled_caar(result: StudyResult, group: str | None = None) -> Figure:
    """Pooled AAR bars and the CAAR line with its 95% band (``aar``, ``caar_se``)."""
    group = group or pl.pooled_group(result) or pl.POOLED
    aar = result.aar[result.aar["event_id"] == group]
    clustered = bool(result.clustered.get(group, False))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 5.2))
        x = aar["rel_day"].to_numpy()
        caar = aar["caar"].to_numpy() * 100
        band = 1.96 * aar["caar_se"].to_numpy() * 100
        ax.bar(
            x,
            aar["aar"] * 100,
            color=np.where(aar["aar"] < 0, LOSS, GAIN),
            alpha=0.45,
            width=0.6,
            label="AAR (daily)",
        )
        ax.fill_between(
            x,
            caar - band,
            caar + band,
            color=INK,
            alpha=0.12,
            lw=0,
            label="CAAR 95% band" + (" (assumes independent firms)" if clustered else ""),
        )
        ax.plot(x, caar, color=INK, lw=2, marker="o", ms=3.5, label="CAAR")
        ax.axvline(0, color="#888888", lw=0.8, ls=":")
        ax.axhline(0, color="#333333", lw=0.8)
        ax.set_xticks(x)
        ax.set_xlabel("Trading day relative to the event (0 = event day)")
        ax.set_ylabel("Average abnormal return, percent")
        ax.legend(loc="best")
        n = int(aar["n_firms"].max()) if len(aar) else 0
        sub = f"Average over {n:,} firm-events ({group}) and its running total."
        if clustered:
            sub += " Event dates cluster: the band is too narrow."
        _frame(fig, result, "Pooled cumulative average abnormal return", sub)
    return fig


def plot_car_histogram(result: StudyResult) -> Figure:
    """Histogram of the firm-event CARs per window, the CAAR and zero marked."""
    wins = pl.windows(result)[:MAX_WINDOWS]
    car = result.car
    cols = min(3, max(len(wins), 1))
    rows = -(-max(len(wins), 1) // cols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows, cols, figsize=(3.4 * cols + 1, 2.8 * rows + 1.3), squeeze=False
        )
        for ax in axes.ravel()[len(wins) :]:
            ax.set_visible(False)
        # one pass: the CARs sorted by window, each window a slice
        key = car["window_start"].to_numpy() * 100_000 + car["window_end"].to_numpy()
        values = car["car"].to_numpy(dtype=float)
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
        for ax, (a, b) in zip(axes.ravel(), wins, strict=False):
            lo, hi = np.searchsorted(key, [a * 100_000 + b, a * 100_000 + b + 1])
            v = values[lo:hi]
            v = v[np.isfinite(v)] * 100
            ax.set_title(f"CAR[{a},{b}], N = {len(v):,}")
            if not len(v):
                continue
            left, right = np.percentile(v, CLIP)
            if not right > left:
                left, right = left - 1.0, right + 1.0
            inside = v[(v >= left) & (v <= right)]
            counts, edges = np.histogram(inside, bins=BINS, range=(left, right))
            ax.stairs(counts, edges, fill=True, color=GAIN, alpha=0.55)
            ax.axvline(0, color="#333333", lw=0.8)
            ax.axvline(float(v.mean()), color=LOSS, lw=1.4, ls="--", label="CAAR")
            ax.set_xlabel("CAR, percent")
            if len(v) > len(inside):
                ax.text(
                    0.98,
                    0.95,
                    f"{len(v) - len(inside):,} outside",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8,
                    color="#555555",
                )
        axes.ravel()[0].legend(loc="upper left")
        _frame(
            fig,
            result,
            "Distribution of cumulative abnormal returns",
            "Firm-event CARs per window; dashed: their mean (CAAR). The 0.5% tails on each "
            "side are counted, not drawn.",
        )
    return fig


def plot_group_caar(result: StudyResult, groups: list[str] | None = None) -> Figure | None:
    """CAAR path per group (the :data:`MAX_GROUPS` with most firm-events); None without groups."""
    names = groups if groups is not None else pl.group_names(result)
    aar = result.aar[result.aar["event_id"].isin(set(names))]
    if aar.empty:
        return None
    size = aar.groupby("event_id", sort=False)["n_firms"].max().sort_values(ascending=False)
    keep = list(size.index[:MAX_GROUPS])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 5.2))
        for name, part in aar[aar["event_id"].isin(keep)].groupby("event_id", sort=False):
            ax.plot(
                part["rel_day"],
                part["caar"] * 100,
                lw=1.6,
                marker="o",
                ms=2.5,
                label=f"{name} (N = {int(part['n_firms'].max()):,})",
            )
        ax.axvline(0, color="#888888", lw=0.8, ls=":")
        ax.axhline(0, color="#333333", lw=0.8)
        ax.set_xlabel("Trading day relative to the event (0 = event day)")
        ax.set_ylabel("CAAR, percent")
        ax.legend(loc="best")
        more = len(size) - len(keep)
        sub = "Running total of the average abnormal return per group"
        sub += f"; {more} smaller groups in the aar table." if more > 0 else "."
        _frame(fig, result, "Cumulative average abnormal return by group", sub)
    return fig


def write_sample_plots(result: StudyResult, directory: Path) -> dict[str, Path]:
    """Save the sample figures as PNG and return them by key.

    Keys: ``caar_pooled`` (when a pooled group exists), ``car_histogram``, ``caar_groups``
    (when the study has groups besides the pooled one).
    """
    directory = Path(directory)
    out: dict[str, Path] = {}
    if pl.pooled_group(result) is not None and len(result.aar):
        out["caar_pooled"] = save_png(plot_pooled_caar(result), directory / "caar_pooled.png")
    if len(result.car):
        out["car_histogram"] = save_png(plot_car_histogram(result), directory / "car_histogram.png")
    groups = plot_group_caar(result)
    if groups is not None:
        out["caar_groups"] = save_png(groups, directory / "caar_groups.png")
    return out


__all__ = [
    "is_sample",
    "plot_car_histogram",
    "plot_group_caar",
    "plot_pooled_caar",
    "write_sample_plots",
]
