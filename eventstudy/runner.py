"""One call from an event file to a folder of results (what ``eventstudy run`` does)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._types import PlotSet, validate_literal
from .analyses import with_analyses
from .events.load import safe_name
from .publish import MARKER, OutputFolder
from .report import FigureWorker, TableFormat, write_report
from .result import StudyResult
from .study import EventStudy, Progress

__all__ = ["MARKER", "default_out", "make_providers", "publish", "run_study"]


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
    returns: str | Path | None = None,
    calendar: str | None = None,
    analyses: dict[str, Any] | None = None,
    progress: Progress | None = None,
    on_written: Callable[[Path], None] | None = None,
    table_format: TableFormat = "csv",
    plots: str = "key",
    figures: FigureWorker | None = None,
    **options: Any,
) -> tuple[StudyResult, Path]:
    """Run the study defined in ``events`` and write every output into one folder.

    Before any computation the output folder is locked, checked and proved writable (see
    :class:`~eventstudy.publish.OutputFolder`); the outputs are written to a staging folder beside
    it and moved into place only when complete, so an interrupted run leaves an earlier run's
    outputs intact.

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
    returns
        A returns table (``date,ticker,ret`` or CRSP daily) used instead of prices.
    calendar
        Exchange calendar replacing the event file's (a CSV file's is XNYS).
    analyses
        Analyses after the estimation, as keyword arguments of
        :func:`eventstudy.analyses.with_analyses` (``regress``, ``long_horizon``,
        ``calendar_time``, ``placebo``, ``seed``).
    progress
        Progress callback ``(stage, done, total)``.
    on_written
        Called with the output folder once it is in place.
    table_format
        Tables as ``"csv"`` (default) or ``"parquet"``.
    plots
        Figures to draw: ``key`` (default: waterfall, pooled CAAR, day-0 bars), ``all`` or
        ``none``.
    figures
        A figure worker forked before the study (what ``eventstudy run`` passes); the figures are
        drawn in this process without one.
    **options
        Options of :class:`~eventstudy.study.EventStudy` (``model``, ``estimation``, ``windows``,
        ``market``, ...).

    Returns
    -------
    result, folder

    Raises
    ------
    OutputExistsError
        ``out`` holds an earlier run's outputs and ``force`` is False, or holds other files.
    OutputError
        ``out`` cannot be written (read-only, no permission, a full disk, the current folder);
        :class:`~eventstudy.errors.OutputBusyError` when another run is writing to it.
    """
    validate_literal(table_format, TableFormat, "table_format")
    validate_literal(plots, PlotSet, "plots")
    if factors is not None:
        options["factors"] = Path(factors)  # a file: percent unless factors_unit says otherwise
    study = EventStudy.from_file(events, calendar=calendar, **options)
    target = Path(out) if out is not None else default_out(study.events.name)
    with OutputFolder(target, force=force) as folder:
        if returns is not None:
            # a returns table carries its own data: only a share file is read beside it
            result = study.run(prices, shares, returns=returns, progress=progress)
        else:
            price_provider, share_provider = make_providers(prices, shares, cache_dir)
            result = study.run(price_provider, share_provider, progress=progress)
        result = with_analyses(
            result,
            executor=study.executor,
            scheduler=study.scheduler,
            **(analyses or {}),
        )
        publish(
            result,
            folder,
            table_format=table_format,
            plots=plots,
            progress=progress,
            figures=figures,
        )
    if on_written is not None:
        on_written(target)
    return result, target


def publish(
    result: StudyResult,
    target: str | Path | OutputFolder,
    *,
    force: bool = True,
    table_format: TableFormat = "csv",
    plots: str = "key",
    progress: Progress | None = None,
    figures: FigureWorker | None = None,
) -> Path:
    """Write the report of ``result`` into ``target`` the way ``eventstudy run`` does.

    Parameters
    ----------
    result
        The study result.
    target
        Output folder; or an entered :class:`~eventstudy.publish.OutputFolder` (what
        :func:`run_study` passes, its lock held since before the computation).
    force
        Replace an earlier eventstudy output in a folder given as a path (never a folder
        eventstudy did not write).
    table_format
        Tables as ``"csv"`` (default) or ``"parquet"``.
    plots
        Figures to draw: ``key`` (default), ``all`` or ``none``.
    progress
        Progress callback ``(stage, done, total)``.
    figures
        A figure worker forked before the study, to draw the figures beside the tables.

    Returns
    -------
    pathlib.Path
        The output folder as given.
    """
    options: dict[str, Any] = {
        "table_format": table_format,
        "plots": plots,
        "progress": progress,
        "figures": figures,
    }
    if isinstance(target, OutputFolder):
        target.write(lambda staging: write_report(result, staging, **options))
        target.commit()
        return target.out
    with OutputFolder(target, force=force) as folder:
        return publish(result, folder, **options)
