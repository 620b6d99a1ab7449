"""Plots of the analyses asked for after the estimation: the pooled abnormal-volume path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult


def plot_volume_path(result: StudyResult) -> Any:
    """Mean abnormal log volume per event day (bars) and its cumulation (line).

    Abnormal log volume 0.69 is twice the normal volume (``exp(0.69) = 2``); the right axis
    reads the cumulation.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    path = result.extras["volume_path"]
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    colors = ["#b2182b" if v > 0 else "#2166ac" for v in path["mean_abnormal_volume"]]
    ax.bar(path["rel_day"], path["mean_abnormal_volume"], color=colors, width=0.7)
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.axvline(0, color="#999", linewidth=0.8, linestyle=":")
    ax.set_xlabel("session relative to day 0")
    ax.set_ylabel("mean abnormal log volume")
    twin = ax.twinx()
    twin.plot(path["rel_day"], path["cumulative_abnormal_volume"], color="#333", marker="o")
    twin.set_ylabel("cumulative")
    n = int(path["n_firms"].max()) if len(path) else 0
    fig.suptitle(
        f"Abnormal trading volume around day 0 ({n} firm-events; log volume less its "
        "estimation-window mean)",
        fontsize=10,
    )
    return fig


def write_analysis_plots(result: StudyResult, directory: Path) -> dict[str, Path]:
    """PNG files of the analysis plots ``result`` has data for (each written atomically)."""
    from .._io import atomic_write_bytes

    written: dict[str, Path] = {}
    if "volume_path" in result.extras and len(result.extras["volume_path"]):
        import io

        fig = plot_volume_path(result)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        written["volume_path"] = atomic_write_bytes(
            directory / "volume_path.png", buffer.getvalue()
        )
    return written
