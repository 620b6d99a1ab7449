"""Saving a report figure: the one way every figure of the report is written as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._io import atomic_write

DPI = 120
"""Resolution of the report's PNG files."""


def save_png(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` as PNG atomically (no software tag, so the bytes are stable).

    The figure is closed afterwards (pyplot keeps every open figure alive).
    """
    import matplotlib.pyplot as plt

    atomic_write(
        path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None})
    )
    plt.close(fig)
    return path


__all__ = ["DPI", "save_png"]
