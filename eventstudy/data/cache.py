"""On-disk Parquet cache of downloaded data, one file per (provider, ticker).

Each file holds the ticker's rows plus, in the Parquet key-value metadata under
``b"eventstudy"``, the calendar range ``[start, end]`` the download covered. A request is served
from the cache only when that range covers it, so days without trading inside the range are
known to be empty rather than missing.

Files are written atomically (temporary file in the same folder, ``fsync``, ``os.replace``): an
interrupted run never leaves a half-written file under the real name. A file that cannot be
read back (bad bytes, truncation, missing metadata) is reported with a
:class:`~eventstudy.errors.DataQualityWarning`, deleted and treated as a miss.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._io import atomic_write, user_cache_root
from ..errors import DataQualityWarning

METADATA_KEY = b"eventstudy"
FORMAT_VERSION = 1
DATE_COLUMNS = ("date", "as_of")


class _Default:
    """Sentinel for "use the default cache folder" (None means no cache)."""

    def __repr__(self) -> str:
        return "DEFAULT_CACHE"


DEFAULT_CACHE: Any = _Default()


def default_cache_root() -> Path:
    """``$EVENTSTUDY_CACHE`` when set, otherwise the platform's user cache folder.

    See :func:`eventstudy._io.user_cache_root` (``~/.cache/eventstudy`` on Linux).
    """
    return user_cache_root()


def safe_file_name(name: str) -> str:
    """A file-name-safe, reversible spelling of a ticker or provider name.

    Letters, digits, ``-`` and ``_`` are kept; every other character (``^``, ``/``, ``.``,
    ``:`` ...) is percent-encoded, so ``^GSPC`` -> ``%5EGSPC`` and ``BRK/B`` -> ``BRK%2FB``.
    Distinct names always give distinct file names, and no name can climb out of the folder.

    Parameters
    ----------
    name
        Ticker or provider name.

    Returns
    -------
    str
    """
    return quote(str(name), safe="-_").replace(".", "%2E") or "%00"


def _as_date(value: dt.date | str | pd.Timestamp) -> dt.date:
    return pd.Timestamp(value).date()


class ParquetCache:
    """Per-(provider, ticker) Parquet files with the covered date range in their metadata.

    Parameters
    ----------
    root
        Cache folder; default :func:`default_cache_root`.

    Examples
    --------
    >>> cache = ParquetCache(Path("/tmp/es-cache"))  # doctest: +SKIP
    >>> cache.read("yfinance", "NVDA", dt.date(2025, 1, 2), dt.date(2025, 1, 31))  # doctest: +SKIP
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_root()

    def __repr__(self) -> str:
        return f"ParquetCache({str(self.root)!r})"

    def path(self, provider: str, ticker: str) -> Path:
        """File that holds ``ticker``'s rows from ``provider``."""
        return self.root / safe_file_name(provider) / f"{safe_file_name(ticker)}.parquet"

    def coverage(self, provider: str, ticker: str) -> tuple[dt.date, dt.date] | None:
        """The ``(start, end)`` range the cached file covers, or None when there is no good file."""
        loaded = self._load(provider, ticker)
        return None if loaded is None else loaded[1]

    def read(self, provider: str, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame | None:
        """Cached rows of ``ticker`` between ``start`` and ``end`` (inclusive).

        Parameters
        ----------
        provider
            Provider name (``"yfinance"``).
        ticker
            Symbol.
        start, end
            Range wanted.

        Returns
        -------
        pandas.DataFrame or None
            The rows inside the range (possibly none, if the ticker did not trade), or None when
            there is no usable file or it does not cover the whole range.
        """
        loaded = self._load(provider, ticker)
        if loaded is None:
            return None
        frame, (lo, hi) = loaded
        start, end = _as_date(start), _as_date(end)
        if start < lo or end > hi:
            return None
        if "date" in frame.columns:
            keep = frame["date"].between(pd.Timestamp(start), pd.Timestamp(end))
            frame = frame[keep]
        return frame.reset_index(drop=True)

    def write(
        self, provider: str, ticker: str, frame: pd.DataFrame, start: dt.date, end: dt.date
    ) -> Path:
        """Store ``frame`` as the rows of ``ticker`` covering ``[start, end]``, atomically.

        Parameters
        ----------
        provider, ticker
            Cache key.
        frame
            The ticker's rows (any columns; ``date``/``as_of`` columns are stored as dates).
        start, end
            Calendar range the rows cover (the range that was downloaded).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[METADATA_KEY] = json.dumps(
            {
                "version": FORMAT_VERSION,
                "provider": provider,
                "ticker": ticker,
                "start": _as_date(start).isoformat(),
                "end": _as_date(end).isoformat(),
                "rows": len(frame),
            }
        ).encode()
        table = table.replace_schema_metadata(meta)
        return atomic_write(self.path(provider, ticker), lambda tmp: pq.write_table(table, tmp))

    def _load(
        self, provider: str, ticker: str
    ) -> tuple[pd.DataFrame, tuple[dt.date, dt.date]] | None:
        path = self.path(provider, ticker)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[METADATA_KEY])
            if meta.get("version") != FORMAT_VERSION or meta.get("ticker") != ticker:
                raise ValueError("metadata does not match this cache entry")
            if int(meta["rows"]) != table.num_rows:
                raise ValueError("row count does not match the metadata")
            covered = (dt.date.fromisoformat(meta["start"]), dt.date.fromisoformat(meta["end"]))
            frame = table.to_pandas()
            for col in DATE_COLUMNS:
                if col in frame.columns:
                    frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        except Exception as exc:  # noqa: BLE001 - any failure to read back means a bad file
            warnings.warn(
                f"cache file {path} is corrupt or unreadable ({type(exc).__name__}: {exc}); it was "
                "deleted and the data will be fetched again.",
                DataQualityWarning,
                stacklevel=3,
            )
            path.unlink(missing_ok=True)
            return None
        return frame, covered
