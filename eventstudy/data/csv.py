"""Prices from a local CSV or Parquet file (``--prices FILE``).

Two layouts are read:

* **long**: one row per ticker and day, columns ``date, ticker`` plus ``adj_close`` and/or
  ``close`` and optionally ``volume`` (other columns such as ``open`` are ignored);
* **wide**: a ``date`` column and one column per ticker; each value is taken as both ``close``
  and ``adj_close``.

A file is long when it has a ``ticker`` (or ``symbol``) column, wide otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._csvfields import RaggedCSV, describe, exact_floats, ragged_line, ragged_rows_raise
from ..errors import DataUnavailableError, InputError
from .base import (
    PRICE_COLUMNS,
    SortedPrices,
    canonical_column,
    normalize_price_frame,
    sorted_prices,
    ticker_codes,
)

PARQUET_SUFFIXES = (".parquet", ".pq")


def read_table(
    path: Path,
    what: str = "price",
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a frame, turning every read failure into one sentence.

    Parameters
    ----------
    path
        File to read; ``.parquet``/``.pq`` are read as Parquet, anything else as CSV.
    what
        What the file holds (``"price"``, ``"share-count"``), used in messages.
    columns
        For Parquet, read only these columns (and the stored index); all columns when None.
    categorical
        For Parquet, string columns to read as categoricals (one value per distinct string).

    Returns
    -------
    pandas.DataFrame
        The raw table (strings left unparsed for CSV).

    Raises
    ------
    DataUnavailableError
        If the file does not exist.
    InputError
        If it cannot be read (not CSV/Parquet, bad encoding, no header).
    """
    path = Path(path)
    if not path.is_file():
        raise DataUnavailableError(
            f"{what} file {path} does not exist; check the path (or omit it to download from "
            "yfinance).",
            source=str(path),
        )
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            options = {"read_dictionary": list(categorical)} if categorical else {}
            frame = pd.read_parquet(
                path, columns=None if columns is None else list(columns), **options
            )
        else:
            # Only empty cells are missing: "NA" may be a ticker, "n/a" in a price column is an
            # error to report rather than a silent NaN.
            # index_col=False: a first row with an extra field is an error, not a row index
            with ragged_rows_raise(path):
                frame = pd.read_csv(
                    path,
                    skipinitialspace=True,
                    keep_default_na=False,
                    na_values=[""],
                    index_col=False,
                    **exact_floats(),
                )
    except (RaggedCSV, pd.errors.ParserError) as exc:
        found = ragged_line(path, str(exc))
        if found is None:
            raise _unreadable(path, what, exc) from None
        raise InputError(
            f"{what} file {path}: {describe(found)}; remove the extra field (or quote a value "
            "that holds a comma).",
            source=str(path),
            field=f"line {found[0]}",
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{what} file {path} is empty; it needs a header row and data rows.",
            source=str(path),
        ) from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, what, exc) from None
    return frame


def _unreadable(path: Path, what: str, exc: Exception) -> InputError:
    kind = "Parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "CSV"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        f"{what} file {path} could not be read as {kind} ({detail}); save it as UTF-8 CSV "
        "with a header row, or as Parquet.",
        source=str(path),
    )


def table_to_long(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Turn a raw long or wide price table into the canonical long frame.

    Parameters
    ----------
    frame
        Table as read from the file.
    source
        File name, used in messages.

    Returns
    -------
    pandas.DataFrame
        Canonical long frame (see :func:`eventstudy.data.base.normalize_price_frame`).

    Raises
    ------
    InputError
        If the table has no date column, no price column, or unparseable values.
    """
    long = _to_long(frame, source)
    return long.frame() if isinstance(long, SortedPrices) else long


def _to_long(frame: pd.DataFrame, source: str) -> SortedPrices | pd.DataFrame:
    """:func:`table_to_long`, leaving a long table as :class:`SortedPrices` (not yet laid out)."""
    names = [canonical_column(c) for c in frame.columns]
    if "date" not in names and frame.index.name is not None:
        if canonical_column(frame.index.name) == "date":  # e.g. Parquet saved with a date index
            frame = frame.reset_index()
            names = [canonical_column(c) for c in frame.columns]
    if "ticker" in names or "date" not in names:
        return sorted_prices(frame, source)
    # Wide: a date column and one column per ticker.
    date_pos = names.index("date")
    value_pos = [i for i, n in enumerate(names) if n != "date"]
    if not value_pos:
        raise InputError(
            f"{source}: only a date column was found; add a ticker column (long layout) or one "
            "price column per ticker (wide layout).",
            source=source,
            field="ticker",
        )
    tickers = [str(frame.columns[i]).strip() for i in value_pos]
    # ticker by ticker, each over every date (one block of columns, no per-ticker frames)
    values = frame.iloc[:, value_pos].to_numpy().T.ravel()
    long = pd.DataFrame(
        {
            "date": np.tile(frame.iloc[:, date_pos].to_numpy(), len(tickers)),
            "ticker": np.repeat(np.array(tickers, dtype=object), len(frame)),
            "adj_close": values,
            "close": values,
        }
    )
    normal = normalize_price_frame(long, source, wide_rows=len(frame))
    # A wide file has blanks where a ticker has no price that day: drop them rather than keep rows.
    return normal[normal["close"].notna()].reset_index(drop=True)


def _long_parquet_columns(path: Path) -> tuple[list[str] | None, list[str]]:
    """The columns of a long Parquet price file that :func:`normalize_price_frame` uses.

    None (read everything) unless the file has a date, a ticker and a price column and no stored
    index; then leaving the other columns unread cannot change the result or any message. The
    second item names the string ticker column, read as a categorical (its values are repeated
    on every row).
    """
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        return None, []
    # only for Parquet files, which pandas reads with pyarrow anyway
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        meta = schema.pandas_metadata or {}
    except Exception:  # noqa: BLE001 - read_table reports an unreadable file
        return None, []
    if any(isinstance(c, str) for c in meta.get("index_columns", ())):
        return None, []
    keep = [name for name in schema.names if canonical_column(name) in PRICE_COLUMNS]
    found = [canonical_column(name) for name in keep]
    if not ({"date", "ticker"} <= set(found) and {"close", "adj_close"} & set(found)):
        return None, []
    if len(found) != len(set(found)):  # a duplicated column is an error: report it as before
        return None, []
    ticker = keep[found.index("ticker")]
    kind = schema.field(ticker).type
    strings = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    return keep, [ticker] if strings else []


class LocalPriceProvider:
    """Prices from a local CSV or Parquet file (long or wide layout).

    Parameters
    ----------
    path
        The price file.

    Examples
    --------
    >>> from eventstudy.data.csv import LocalPriceProvider
    >>> provider = LocalPriceProvider("prices.csv")  # doctest: +SKIP
    >>> provider.get_prices(["NVDA"], dt.date(2025, 1, 2), dt.date(2025, 1, 31))  # doctest: +SKIP
    """

    name = "file"

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise InputError(
                f"LocalPriceProvider(path=...) needs the path of a CSV or Parquet price file, got "
                f"{type(path).__name__}; pass e.g. LocalPriceProvider('prices.csv').",
                field="path",
                value=path,
            )
        self.path = Path(path)
        self._ahead: tuple[threading.Thread, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"LocalPriceProvider({str(self.path)!r})"

    def read(self) -> pd.DataFrame:
        """Every row of the file as the canonical long frame.

        Raises
        ------
        DataUnavailableError
            If the file does not exist.
        InputError
            If it cannot be read or parsed.
        """
        long = self._read()
        return long.frame() if isinstance(long, SortedPrices) else long

    def _read(self) -> SortedPrices | pd.DataFrame:
        columns, categorical = _long_parquet_columns(self.path)
        frame = read_table(self.path, columns=columns, categorical=categorical)
        return _to_long(frame, str(self.path))

    @contextlib.contextmanager
    def prefetched(self) -> Iterator[None]:
        """Read the file on a background thread while the block runs, for its next get_prices.

        Reading and parsing run mostly outside the GIL (Parquet decoding, array work), so a
        caller can do other work meanwhile (the study aligns its events). The first
        :meth:`get_prices` inside the block waits for the read and raises what it raised; a
        read no call used is dropped when the block ends.

        Examples
        --------
        >>> provider = LocalPriceProvider("prices.parquet")  # doctest: +SKIP
        >>> with provider.prefetched():  # doctest: +SKIP
        ...     plan = make_plan()  # meanwhile, the file is read
        ...     prices = provider.get_prices(["NVDA"], start, end)
        """
        box: dict[str, Any] = {}

        def read() -> None:
            try:
                box["value"] = self._read()
            except BaseException as exc:  # noqa: BLE001 - handed to get_prices to raise
                box["error"] = exc

        thread = threading.Thread(target=read, name="eventstudy-read-prices", daemon=True)
        self._ahead = (thread, box)
        thread.start()
        try:
            yield
        finally:
            self._ahead = None

    def _take_read(self) -> SortedPrices | pd.DataFrame:
        """The prefetched read when one is pending, else a read now."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return self._read()
        thread, box = ahead
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    def get_prices(
        self,
        tickers: Sequence[str],
        start: dt.date,
        end: dt.date,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Rows of ``tickers`` from ``start`` to ``end`` (inclusive).

        Parameters
        ----------
        tickers
            Symbols wanted (matched exactly, case-sensitive).
        start, end
            First and last day (inclusive).
        progress
            Called once per ticker as ``progress(done, total)``.

        Returns
        -------
        pandas.DataFrame
            Canonical long frame (:data:`~eventstudy.data.base.PRICE_COLUMNS`).

        Raises
        ------
        DataUnavailableError
            If the file is missing or a ticker has no row in the file at all.
        InputError
            If the file cannot be read or parsed.
        """
        wanted = list(dict.fromkeys(str(t) for t in tickers))
        long = self._take_read()
        if isinstance(long, SortedPrices):
            codes, uniques, dates = long.codes, long.tickers, long.dates
        else:
            codes, uniques = ticker_codes(long["ticker"])
            dates = pd.DatetimeIndex(long["date"])
        present = set(uniques)
        missing = [t for t in wanted if t not in present]
        if missing:
            known = sorted(present)
            shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise DataUnavailableError(
                f"{self.path} has no prices for {', '.join(missing)} (it holds {shown or 'none'}); "
                "check the spelling or add those tickers to the file.",
                source=str(self.path),
                field="ticker",
                value=missing,
            )
        keep = np.asarray((dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end)))
        if len(present) > len(wanted):
            keep &= uniques.isin(wanted)[codes]
        rows = None if keep.all() else np.flatnonzero(keep)
        if isinstance(long, SortedPrices):
            out = long.frame(rows)
        else:
            out = long if rows is None else long.take(rows).reset_index(drop=True)
        if progress is not None:
            for i in range(len(wanted)):
                progress(i + 1, len(wanted))
        return out[list(PRICE_COLUMNS)]


class FramePriceProvider(LocalPriceProvider):
    """Prices from a DataFrame in memory, in either layout of a price file.

    Parameters
    ----------
    frame
        **Long** (columns ``date, ticker`` and ``adj_close`` and/or ``close``, optionally
        ``volume``) or **wide** (a ``date`` column, or a ``DatetimeIndex``, and one column per
        ticker), exactly as the file layouts; see ``docs/data.md``.
    source
        Name used in messages.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"NVDA": [142.62, 118.42]},
    ...                     index=pd.to_datetime(["2025-01-24", "2025-01-27"]))
    >>> FramePriceProvider(wide).read()["close"].tolist()
    [142.62, 118.42]
    """

    name = "DataFrame"

    def __init__(self, frame: pd.DataFrame, source: str = "prices DataFrame") -> None:
        super().__init__(source)
        names = {canonical_column(c) for c in frame.columns}
        if "date" not in names and isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.rename_axis("date").reset_index()  # a wide frame indexed by date
        self._frame = frame

    def __repr__(self) -> str:
        return f"FramePriceProvider(<{len(self._frame)} rows>)"

    def _read(self) -> SortedPrices | pd.DataFrame:
        return _to_long(self._frame, str(self.path))
