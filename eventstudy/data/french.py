"""Ken French's daily factor returns (Fama-French five factors and momentum).

The Data Library publishes factor returns in **percent**; :func:`load_french_factors` returns
them in **decimal** units (divided by 100), the units of the returns the models use.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .._csvfields import exact_floats
from .._io import atomic_write_bytes
from ..errors import DataUnavailableError, InputError

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
FRENCH_FILES = (
    "F-F_Research_Data_5_Factors_2x3_daily_CSV.zip",
    "F-F_Momentum_Factor_daily_CSV.zip",
)
COLUMNS = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom")

Downloader = Callable[[str], bytes]


def _urlopen(url: str) -> bytes:
    """Fetch ``url`` (default downloader)."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - fixed https URL
        return bytes(response.read())


def load_french_factors(
    path: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    download: Downloader | None = None,
) -> pd.DataFrame:
    r"""Daily Fama-French five factors, the risk-free rate and momentum, in decimal units.

    Parameters
    ----------
    path
        A local file: a CSV with a ``date`` column and factor columns in percent (e.g.
        ``date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom``), or one of Ken French's daily CSV files, zipped
        or not (``YYYYMMDD`` dates, a few lines of text above the header). ``None`` downloads
        the five-factor and momentum files from the Data Library.
    cache_dir
        Where downloaded zip files are kept (written to a temporary file, then renamed); a cached
        file is used instead of downloading again.
    download
        ``url -> bytes``; defaults to :func:`urllib.request.urlopen`. Tests inject a fake.

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (sessions, sorted), columns among ``Mkt-RF, SMB, HML, RMW, CMA, RF, Mom``,
        values in decimal units (the published percent divided by 100).

    Raises
    ------
    InputError
        If the file does not exist or has no recognisable factor columns.
    DataUnavailableError
        If the download fails (e.g. offline); pass a local file instead.

    Examples
    --------
    >>> import io, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ff.csv"
    >>> _ = p.write_text("date,Mkt-RF,RF\n2025-01-27,-1.5,0.02\n")
    >>> load_french_factors(p).loc["2025-01-27", "Mkt-RF"]
    np.float64(-0.015)
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError(
                f"factors file {str(p)!r} does not exist; pass the path of a daily factor CSV "
                "(date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom in percent) or a Ken French zip.",
                source=str(p),
                field="factors",
            )
        return _parse_bytes(p.read_bytes(), str(p))
    fetch = download or _urlopen
    frames = []
    for name in FRENCH_FILES:
        frames.append(_parse_bytes(_fetch_cached(name, fetch, cache_dir), name))
    out = frames[0].join(frames[1], how="left")
    return out


def _fetch_cached(name: str, fetch: Downloader, cache_dir: str | Path | None) -> bytes:
    """Bytes of a Data Library file, from the cache when present, else downloaded and cached."""
    cached = Path(cache_dir) / name if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    url = FRENCH_URL + name
    try:
        data = fetch(url)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DataUnavailableError(
            f"could not download {url} ({exc}); pass a local factor file instead "
            "(factors= path or --factors FILE).",
            source=url,
            field="factors",
        ) from exc
    if cached is not None:
        atomic_write_bytes(cached, data)
    return data


def _parse_bytes(data: bytes, source: str) -> pd.DataFrame:
    """Parse a plain CSV or a (zipped) Ken French CSV into decimal units."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inner = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not inner:
                raise InputError(
                    f"factors file {source!r} is a zip without a CSV inside; pass Ken French's "
                    "daily CSV zip or a plain CSV.",
                    source=source,
                    field="factors",
                )
            data = zf.read(inner[0])
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    header_at = _french_header(lines)
    if header_at is None:
        frame = pd.read_csv(io.StringIO(text), **exact_floats())
        frame.columns = [str(c).strip() for c in frame.columns]
        date_col = next((c for c in frame.columns if c.lower() == "date"), None)
        if date_col is None:
            raise InputError(
                f"factors file {source!r} has no 'date' column (columns: "
                f"{', '.join(frame.columns)}); use date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom in percent.",
                source=source,
                field="date",
            )
        frame = frame.set_index(date_col)
        frame.index = _dates(frame.index, source, None)
    else:
        body = [lines[header_at]]
        for line in lines[header_at + 1 :]:
            first = line.split(",", 1)[0].strip()
            if not (first.isdigit() and len(first) == 8):
                break  # the daily block ends (annual block or copyright line)
            body.append(line)
        frame = pd.read_csv(io.StringIO("\n".join(body)), index_col=0, **exact_floats())
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.index = _dates(frame.index.astype(str).str.strip(), source, "%Y%m%d")
    keep = [c for c in COLUMNS if c in frame.columns]
    if not keep:
        raise InputError(
            f"factors file {source!r} has none of the factor columns {', '.join(COLUMNS)}; "
            "use Ken French's column names.",
            source=source,
            field="factors",
        )
    out = frame[keep].apply(pd.to_numeric, errors="coerce").astype(float) / 100.0
    out.index.name = "date"
    return out.sort_index()


def _dates(values: pd.Index, source: str, fmt: str | None) -> pd.DatetimeIndex:
    """Parse the date column; a bad value is an InputError naming the file and the value."""
    parsed = pd.to_datetime(values, format=fmt or "ISO8601", errors="coerce")
    bad = values[pd.isna(parsed)]
    if len(bad):
        raise InputError(
            f"factors file {source!r} has a date that cannot be read: {str(bad[0])!r}; write "
            f"dates as {'YYYYMMDD' if fmt else 'YYYY-MM-DD'}.",
            source=source,
            field="date",
            value=str(bad[0]),
        )
    return pd.DatetimeIndex(parsed)


def _french_header(lines: list[str]) -> int | None:
    """Line number of a Ken French header (first cell empty, next a factor name), if any."""
    for i, line in enumerate(lines[:50]):
        cells = [c.strip() for c in line.split(",")]
        if len(cells) >= 2 and cells[0] == "" and cells[1] in COLUMNS:
            return i
    return None
