"""One call from an event file to a folder of results (what ``eventstudy run`` does)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import OutputExistsError
from .events.load import load_events, safe_name
from .report import write_report
from .result import StudyResult
from .study import EventStudy, Progress

MARKER = ".eventstudy-output"


def default_out(study_name: str, root: Path = Path("outputs")) -> Path:
    """``outputs/<study name>``, the name made safe as one path component."""
    return root / safe_name(study_name)


def make_providers(
    prices: str | Path | None, shares: str | Path | None, cache_dir: str | Path | None = None
) -> tuple[Any, Any]:
    """Price and share providers: local files when given, yfinance (cached) otherwise.

    With local prices and no share file, no share counts are looked up (dollar figures then come
    only from the event file's overrides).
    """
    from .data.cache import ParquetCache
    from .data.csv import LocalPriceProvider
    from .data.shares import LocalSharesProvider, YFinanceSharesProvider
    from .data.yfinance import YFinanceProvider

    cache = ParquetCache(Path(cache_dir)) if cache_dir else None
    if prices is not None:
        price_provider: Any = LocalPriceProvider(Path(prices))
    else:
        price_provider = YFinanceProvider(cache=cache) if cache else YFinanceProvider()
    if shares is not None:
        share_provider: Any = LocalSharesProvider(Path(shares))
    elif prices is None:
        share_provider = YFinanceSharesProvider(cache=cache) if cache else YFinanceSharesProvider()
    else:
        share_provider = None
    return price_provider, share_provider


def run_study(
    events: str | Path,
    *,
    prices: str | Path | None = None,
    shares: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    cache_dir: str | Path | None = None,
    factors: str | Path | None = None,
    progress: Progress | None = None,
    on_written: Callable[[Path], None] | None = None,
    **options: Any,
) -> tuple[StudyResult, Path]:
    """Run the study defined in ``events`` and write every output into one folder.

    The outputs are written to a temporary folder beside the target and moved into place only
    when complete, so an interrupted run leaves an earlier run's outputs intact.

    Parameters
    ----------
    events
        Event file (TOML or CSV).
    prices, shares
        Local price / share-count files; yfinance when ``prices`` is None.
    out
        Output folder (default ``outputs/<study name>``).
    force
        Replace the outputs of an earlier run in ``out``.
    cache_dir
        Price cache folder for yfinance.
    factors
        Daily factor file (Ken French layout, percent) for the factor models.
    progress
        Progress callback ``(stage, done, total)``.
    on_written
        Called with the output folder once it is in place.
    **options
        Options of :class:`~eventstudy.study.EventStudy` (``model``, ``estimation``, ``windows``,
        ``market``, ...).

    Returns
    -------
    result, folder
    """
    if factors is not None:
        from .data.french import load_french_factors

        options["factors"] = load_french_factors(factors)
    study = EventStudy(load_events(events), **options)
    target = Path(out) if out is not None else default_out(study.events.name)
    check_target(target, force)
    price_provider, share_provider = make_providers(prices, shares, cache_dir)
    result = study.run(price_provider, share_provider, progress=progress)
    publish(result, target)
    if on_written is not None:
        on_written(target)
    return result, target


def check_target(target: Path, force: bool) -> None:
    """Refuse to write over an earlier run without ``force``, and over other files at all.

    ``--force`` replaces a folder only when eventstudy wrote it (it holds the marker file), so a
    mistyped ``--out`` can never delete someone's own files.
    """
    if target.exists() and not target.is_dir():
        raise OutputExistsError(
            f"--out {target} is a file, not a folder; choose a folder for the outputs.",
            field="out",
            value=str(target),
        )
    if not target.exists() or not any(target.iterdir()):
        return
    if not (target / MARKER).exists():
        raise OutputExistsError(
            f"{target} is not empty and was not written by eventstudy (no {MARKER} file); "
            "choose a new or empty --out folder (--force only replaces earlier eventstudy outputs).",
            field="out",
            value=str(target),
        )
    if not force:
        raise OutputExistsError(
            f"{target} already holds outputs of an earlier run; pass --force to replace them or "
            "choose another --out folder.",
            field="out",
            value=str(target),
        )


def publish(result: StudyResult, target: Path) -> None:
    """Write the report into a temporary sibling folder, then swap it into ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*"):
        # left behind by an interrupted run (killed before it could clean up)
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_report(result, staging)
        (staging / MARKER).write_text("written by eventstudy\n", encoding="utf-8")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "previous")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
