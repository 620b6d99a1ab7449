"""Command line: ``eventstudy run``, ``eventstudy events validate|list``.

Each command parses its options, makes one library call and prints the outcome. Errors the user
can fix print one sentence and exit 2; anything else exits 1 and points to ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from .errors import EventFileError, EventStudyError, EventStudyWarning, InputError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

# The library (pandas, the engine, the report) is imported inside the commands, so that
# ``eventstudy --help`` and option errors answer without loading it.

app = typer.Typer(
    help="Measure how news moves stock prices and market value (event studies).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
events_app = typer.Typer(help="Check and list event files.", no_args_is_help=True)
app.add_typer(events_app, name="events")

err = Console(stderr=True)
out = Console()

F = TypeVar("F", bound=Callable[..., Any])


def say(console: Console, text: object, label: str = "", style: str = "") -> None:
    """Print ``label`` in ``style``, then ``text`` exactly as it is.

    ``text`` (ids, tickers, paths, notes, messages) is never read as rich markup, so a ``[/]`` or
    ``[study]`` in it is printed as written instead of crashing or vanishing.
    """
    line = Text(f"{label} " if label else "", style=style)
    line.append(str(text), style="")
    console.print(line, highlight=False, soft_wrap=True)


#: The registered return models (eventstudy.models.MODELS), named here so that --help needs no
#: import of the library; a test keeps the two equal.
MODEL_NAMES = (
    "market", "mean_adjusted", "market_adjusted", "capm", "ff3", "ff5", "carhart",
    "scholes_williams", "dimson", "garch",
)  # fmt: skip

DebugOption = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]


def run_study(events: Path, **options: Any) -> Any:
    """:func:`eventstudy.runner.run_study`, imported on first use (what ``run`` calls)."""
    from .runner import run_study as run_study_impl

    return run_study_impl(events, **options)


@contextlib.contextmanager
def figure_worker(plots: str) -> Iterator[Any]:
    """A :class:`~eventstudy.report.FigureWorker` forked now (None with ``--plots none``).

    The library is imported first, so the child starts with it loaded and only adds matplotlib.
    """
    from .report import FigureWorker
    from .runner import run_study as _loaded  # noqa: F401 - loaded before the fork

    if plots == "none":
        yield None
        return
    with FigureWorker() as worker:
        yield worker


def _window(text: str) -> tuple[int, int]:
    """Parse ``-1,1`` into ``(-1, 1)``; a single ``0`` means ``(0, 0)``."""
    parts = [p.strip() for p in text.replace(":", ",").split(",")]
    try:
        if len(parts) == 1:
            return (int(parts[0]), int(parts[0]))
        if len(parts) == 2:
            return (int(parts[0]), int(parts[1]))
    except ValueError:
        pass
    raise InputError(
        f"--window {text!r} is not two session offsets; write it as START,END, e.g. --window -1,1.",
        field="--window",
        value=text,
    )


# True however far the run got: outputs only ever change by one complete swap (eventstudy.publish)
INTERRUPTED = (
    "interrupted: nothing was left half-written; --out holds its earlier outputs unless this "
    "run had already moved its complete outputs in, and the cache is intact."
)


def handle_errors(func: F) -> F:
    """Turn errors into one sentence and an exit code (2: fix your input or machine; 1: a bug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (InputError, EventStudyError) as exc:
            if debug:
                raise
            say(err, exc, "error:", "bold red")
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            err.print(INTERRUPTED, highlight=False, soft_wrap=True)
            raise typer.Exit(code=130) from None
        except OSError as exc:
            # a full disk, a read-only folder, a permission: the machine's state, not a bug
            if debug:
                raise
            from .publish import environment_message

            say(err, environment_message(exc), "error:", "bold red")
            raise typer.Exit(code=2) from None
        except Exception as exc:  # noqa: BLE001 - last line of defence for users
            if debug:
                raise
            say(
                err,
                f"{type(exc).__name__}: {exc}. This is a bug in eventstudy; run again with "
                "--debug for the traceback and report it.",
                "internal error:",
                "bold red",
            )
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]


class _Bars:
    """Rich progress bars keyed by stage name (the report's stages show what they count)."""

    LABELS = {"figures": ("report", "figures"), "report": ("report", "files")}

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            label, unit = self.LABELS.get(stage, (stage, ""))
            self.tasks[stage] = self.progress.add_task(label, total=max(total, 1), unit=unit)
        self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))


@app.command()
@handle_errors
def run(
    events: Annotated[Path, typer.Argument(help="Event file (TOML) or CSV of ticker,event_date.")],
    prices: Annotated[
        Path | None,
        typer.Option(help="Local prices (CSV/Parquet, long or wide) instead of yfinance."),
    ] = None,
    shares: Annotated[
        Path | None, typer.Option(help="Share counts: CSV with ticker,as_of,shares.")
    ] = None,
    market: Annotated[
        str | None, typer.Option(help="Benchmark ticker (default: event file, SPY).")
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            help=f"Normal-return model: {', '.join(MODEL_NAMES)} (see eventstudy models)."
        ),
    ] = "market",
    estimation: Annotated[
        tuple[int, int] | None,
        typer.Option(help="Estimation window in sessions, e.g. --estimation -250 -11."),
    ] = None,
    window: Annotated[
        list[str] | None,
        typer.Option(
            help="Event window START,END in sessions; repeat for several, e.g. --window -1,1."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default outputs/<study name>).")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace outputs of an earlier run in --out.")
    ] = False,
    return_kind: Annotated[str, typer.Option(help="simple or log returns.")] = "simple",
    cache_dir: Annotated[Path | None, typer.Option(help="Price cache folder for yfinance.")] = None,
    executor: Annotated[
        str, typer.Option(help="Where the estimation runs: local (in-process) or dask.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (default: a local cluster of 2 processes)."),
    ] = None,
    factors: Annotated[
        Path | None,
        typer.Option(help="Daily factor file (Ken French CSV, percent) for capm/ff3/ff5/carhart."),
    ] = None,
    returns: Annotated[
        Path | None,
        typer.Option(
            help="Daily returns instead of prices: date,ticker,ret[,prc,shrout] or CRSP "
            "permno,date,ret,dlret,prc,shrout (CSV/Parquet)."
        ),
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option(
            help="Exchange calendar of the study, e.g. XBOM (any exchange_calendars code, or "
            "'data'); default: the event file's, XNYS for CSV."
        ),
    ] = None,
    tests: Annotated[
        list[str] | None,
        typer.Option(
            "--tests",
            help="Test statistic to run; repeat for several (default all; see eventstudy tests).",
        ),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            help="Groups for the tests: auto, event, pooled, or a characteristic column of a "
            "CSV sample (industry), or its quantiles (size:5)."
        ),
    ] = None,
    min_estimation_obs: Annotated[
        int | None,
        typer.Option(
            help="Fewest estimation returns a firm-event needs (default: half the window)."
        ),
    ] = None,
    price_field: Annotated[
        str, typer.Option(help="Price the returns come from: adj_close or close.")
    ] = "adj_close",
    missing: Annotated[
        str, typer.Option(help="A missing abnormal return in a window: nan (CAR missing) or skip.")
    ] = "nan",
    chunk_size: Annotated[
        int | None, typer.Option(help="Firm-events estimated at a time (default 20000).")
    ] = None,
    regress: Annotated[
        list[str] | None,
        typer.Option(
            help='Cross-sectional regression of CARs, e.g. "car ~ surprise + np.log(size)"; '
            "repeat for several (writes regression.csv)."
        ),
    ] = None,
    volume: Annotated[
        bool, typer.Option(help="Also measure abnormal trading volume (abnormal_volume.csv).")
    ] = False,
    long_horizon: Annotated[
        bool,
        typer.Option(help="Skewness-adjusted and bootstrap tests of the BHARs (long_horizon.csv)."),
    ] = False,
    calendar_time: Annotated[
        bool,
        typer.Option(help="Calendar-time portfolio regression of the longest window."),
    ] = False,
    placebo: Annotated[
        int, typer.Option(help="Placebo-date permutation test with this many draws (0: none).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and placebo draws.")] = 0,
    table_format: Annotated[
        str,
        typer.Option("--format", help="Tables as csv (default) or parquet (large studies)."),
    ] = "csv",
    plots: Annotated[
        str,
        typer.Option(
            help="Figures to draw: key (waterfall, pooled CAAR, day-0 bars), all, or none."
        ),
    ] = "key",
    debug: DebugOption = False,
) -> None:
    """Run an event study and write tables, plots and a report."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ._types import PlotSet, validate_literal
    from .compile_notice import notify_compilation

    validate_literal(plots, PlotSet, "--plots")
    if prices is not None and returns is not None:
        raise InputError(
            f"--prices {prices} and --returns {returns} are two sources of the same returns; "
            "give one of them.",
            field="--returns",
            value=str(returns),
        )
    options: dict[str, Any] = {"model": model, "return_kind": return_kind, "plots": plots}
    if executor != "local" or scheduler is not None:
        options["executor"] = executor
    if scheduler is not None:
        options["scheduler"] = scheduler
    if market:
        options["market"] = market
    if estimation:
        options["estimation"] = tuple(estimation)
    if window:
        options["windows"] = tuple(_window(w) for w in window)
    if returns is not None:
        options["returns"] = returns
    if calendar is not None:
        options["calendar"] = calendar
    if tests:
        options["tests"] = tuple(tests)
    if group_by is not None:
        options["group_by"] = group_by
    if min_estimation_obs is not None:
        options["min_estimation_obs"] = min_estimation_obs
    if price_field != "adj_close":
        options["price_field"] = price_field
    if missing != "nan":
        options["missing"] = missing
    if chunk_size is not None:
        options["chunk_size"] = chunk_size
    if volume:
        options["volume"] = True
    analyses: dict[str, Any] = {}
    if regress:
        analyses["regress"] = tuple(regress)
    if long_horizon:
        analyses["long_horizon"] = True
    if calendar_time:
        analyses["calendar_time"] = True
    if placebo:
        analyses["placebo"] = placebo
    if analyses:
        analyses["seed"] = seed
        options["analyses"] = analyses
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
        TimeElapsedColumn(),
    )
    notice = _OnceNotice()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EventStudyWarning)
        with (
            # forked first, while this process has one thread: it imports matplotlib while the
            # study runs and draws the figures while the tables are written
            figure_worker(plots) as figures,
            Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar,
            notify_compilation(notice),
        ):
            result, folder = run_study(
                events,
                prices=prices,
                shares=shares,
                out=out_dir,
                force=force,
                cache_dir=cache_dir,
                factors=factors,
                table_format=table_format,
                progress=_Bars(bar),
                figures=figures,
                **options,
            )
    # in the order they were raised (a set's order changes from run to run)
    notes = [str(w.message) for w in caught if issubclass(w.category, EventStudyWarning)]
    for note in dict.fromkeys(notes):
        say(err, note, "note:", "yellow")
    say(out, result.summary(table_format=table_format))
    kind = "Parquet" if table_format == "parquet" else "CSV"
    drawn = "" if plots == "none" else ", plots"
    say(out, f"\nwrote {folder}/ (report.html, report.md, {kind} tables{drawn})")


@app.command("models")
@handle_errors
def list_models(debug: DebugOption = False) -> None:
    """List the normal-return models, one line each with its citation."""
    from .catalog import model_catalog

    for row in model_catalog().itertuples():
        say(out, f"{row.name:<18} {row.summary}. {row.citation}")


@app.command("tests")
@handle_errors
def list_tests(debug: DebugOption = False) -> None:
    """List the test statistics, one line each with its citation."""
    from .catalog import test_catalog

    for row in test_catalog().itertuples():
        robust = "clustering-robust" if row.clustering_robust else "independent firms"
        say(out, f"{row.name:<24} {row.summary} ({robust}). {row.citation}")


class _OnceNotice:
    """Say once per run that the compiled kernels are being prepared (first run only)."""

    def __init__(self) -> None:
        self.said = False

    def __call__(self) -> None:
        if not self.said:
            self.said = True
            err.print(
                "preparing compiled kernels (first run after installing; a few seconds, cached "
                "afterwards)",
                highlight=False,
                soft_wrap=True,
            )


@events_app.command("validate")
@handle_errors
def validate(
    file: Annotated[Path, typer.Argument(help="Event file to check.")],
    debug: DebugOption = False,
) -> None:
    """Check an event file and list every problem found (exit 2 if any)."""
    from .events.load import load_events

    try:
        events = load_events(file)
    except EventFileError as exc:
        for problem in exc.problems:
            say(err, problem, "-", "red")
        say(err, f"{len(exc.problems)} problem(s) in {file}")
        raise typer.Exit(code=2) from None
    say(
        out,
        f"{file}: OK ({len(events.studied)} events, {len(events.confounders)} confounders, "
        f"{len(events.all_tickers())} tickers, {len(events.claims)} claims)",
    )


@events_app.command("list")
@handle_errors
def list_events(
    file: Annotated[Path, typer.Argument(help="Event file to list.")],
    debug: DebugOption = False,
) -> None:
    """Show each event with the session it is aligned to (day 0).

    With ``calendar = "data"`` day 0 is shown as ``-`` and a footnote says it is aligned to the
    benchmark's own trading days when the study runs (this command reads no prices).
    """
    import pandas as pd
    from rich.table import Table

    from .calendar import DATA_CALENDAR
    from .events.load import describe_events, load_events

    events = load_events(file)
    frame = describe_events(events)
    table = Table(title=Text(str(file)), title_justify="left")
    for name in ("id", "kind", "announced", "day 0"):
        table.add_column(name, no_wrap=True)
    table.add_column("tickers", max_width=18)
    table.add_column("title", ratio=1)
    for row in frame.itertuples(index=False):
        announced = f"{pd.Timestamp(row.date):%Y-%m-%d}"
        if row.time:
            announced += f" {row.time} {row.timezone}"
        day0 = f"{pd.Timestamp(row.day0):%a %Y-%m-%d}" if pd.notna(row.day0) else "-"
        tickers = row.tickers if isinstance(row.tickers, str) else ", ".join(row.tickers)
        cells = (row.id, row.kind, announced, day0, tickers, row.title)
        table.add_row(*(Text(str(cell)) for cell in cells))  # cells are data, never markup
    out.print(table)
    if events.calendar.strip() == DATA_CALENDAR:
        say(
            out,
            "day 0: aligned to the benchmark's own trading days when the study runs "
            f'(calendar = "{DATA_CALENDAR}")',
        )


def main() -> None:  # pragma: no cover - console entry
    """Entry point of the ``eventstudy`` command and ``python -m eventstudy``."""
    # A short-lived process: the imports alone (about 200,000 objects) set off 200 young and a full
    # collection with the default thresholds (700, 10, 10); fewer, larger ones cost a third less.
    # Only this command's process is tuned, never a program that imports the library.
    gc.set_threshold(50_000, 20, 100)
    try:
        app(prog_name="eventstudy")
    finally:
        # The process ends here. Its objects (about 200,000 once pandas and numba are loaded) need
        # no more collecting, but the interpreter's shutdown would traverse them all in several
        # full collections, about 0.3 s of a 2 s run; frozen, they are skipped.
        gc.freeze()
