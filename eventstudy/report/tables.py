"""The tables of a study result as CSV or Parquet files, written in column batches by pyarrow.

CSV keeps the values the pandas writer gave: floats rounded to 12 significant digits (so two
runs write byte-identical files), dates as ``YYYY-MM-DD``, missing values empty. Text cells that
a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return, and not a plain number) get a leading apostrophe in CSV only; Parquet keeps every value
as it is, floats unrounded.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._io import atomic_write
from .._types import TableFormat, validate_literal

if TYPE_CHECKING:  # report reads the result types; result imports report lazily
    from ..result import StudyResult

#: Tables written by :func:`write_tables` (as ``<stem>.csv`` or ``<stem>.parquet``), and the
#: table each comes from.
CSV_TABLES: dict[str, str] = {
    "abnormal_returns.csv": "abnormal_returns",
    "car.csv": "car",
    "tests.csv": "tests",
    "aar.csv": "aar",
    "market_value.csv": "market_value",
    "claims.csv": "claims",
    "model_fit.csv": "model_fit",
    "exclusions.csv": "exclusions",
    "data_quality.csv": "data_quality",
    "confounders.csv": "confounders",
    "benchmarks.csv": "benchmarks",
    "contamination.csv": "contamination",
    # analyses asked for after the estimation (StudyResult.extras), written when present
    "regression.csv": "regression",
    "group_differences.csv": "group_differences",
    "abnormal_volume.csv": "abnormal_volume",
    "volume_path.csv": "volume_path",
    "volume_tests.csv": "volume_tests",
    "long_horizon.csv": "long_horizon",
    "calendar_time.csv": "calendar_time",
    "placebo.csv": "placebo",
}

#: Rows converted to Arrow at a time: bounds the extra memory of a 10^7-row table.
BATCH_ROWS = 100_000

#: Threads formatting the columns of a batch.
WORKERS = min(4, os.cpu_count() or 1)

#: Significant digits of floats in CSV.
DIGITS = 12

#: Tables written even when empty (their header tells the reader the check ran).
ALWAYS_WRITTEN = ("exclusions", "data_quality", "claims")

_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def round_significant(values: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """Floats rounded to ``digits`` significant digits, each the double nearest that decimal.

    ``float(f"{x:.12g}")`` for every ``x``, vectorised: ``k = rint(x * 10**d)`` is the decimal
    significand and ``k / 10**d`` (one correctly rounded IEEE division of exact operands) the
    nearest double to it while ``10**d`` is exact (``0 <= d <= 22``). Values outside that range
    and those whose product could have flipped a tie are formatted by Python instead, so every
    value equals the ``%.12g`` text the pandas writer gave.
    """
    x = np.asarray(values, dtype=float)
    out = x.copy()
    finite = np.isfinite(x) & (x != 0)
    if not finite.any():
        return out
    v = x[finite]
    # decimal exponent from the binary one (np.frexp, much faster than log10); the estimate can
    # be one too small, which leaves the scaled value one digit too long: fixed just below
    _, e2 = np.frexp(v)
    d = (digits - 1) - np.floor((e2 - 1) * np.log10(2.0)).astype(np.int64)
    exact = (d >= 0) & (d <= 22)  # 10**d is an exact double; |x| >= 1e12 or tiny go to Python
    d = np.where(exact, d, 0)
    scaled = v * _POW10[d]
    long = np.flatnonzero(np.abs(scaled) >= 10.0**digits)
    d[long] -= 1
    exact[long] &= d[long] >= 0
    scaled[long] = v[long] * _POW10[np.maximum(d[long], 0)]
    k = np.rint(scaled)
    rounded = k / _POW10[np.maximum(d, 0)]
    # the product's own rounding could flip a tie: those values go to Python too
    unsure = ~exact | (np.abs(np.abs(scaled - k) - 0.5) < 1e-3)
    if unsure.any():
        rounded[unsure] = [float(f"{t:.{digits}g}") for t in v[unsure]]
    out[finite] = rounded
    return out


#: Powers of ten that are exact doubles.
_POW10 = 10.0 ** np.arange(23)


def defuse_formulas(cells: object) -> object:
    """Prefix text cells a spreadsheet would run as a formula with an apostrophe (``'=1+1``).

    A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed unless it
    is a plain number such as ``-0.5`` (OWASP, "CSV Injection"). Takes and returns an Arrow
    string array; missing values stay missing.
    """
    import pyarrow.compute as pc

    risky = pc.and_(
        pc.match_substring_regex(cells, _FORMULA_START),
        pc.invert(pc.match_substring_regex(cells, _PLAIN_NUMBER)),
    )
    return pc.if_else(risky, pc.binary_join_element_wise("'", cells, ""), cells)


def float_text(values: np.ndarray) -> object:
    """Floats as the ``%.12g`` text of the pandas writer (missing: empty), as an Arrow array.

    Arrow's own float-to-text writes the shortest text of the rounded value, which is the
    ``%.12g`` text except for exponents -9 to -5 and 10 to 11 (Arrow writes ``0.000015`` and
    ``1.5e+10`` where ``%g`` writes ``1.5e-05`` and ``15000000000``): those are formatted by
    Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    y = round_significant(values)
    text = pc.cast(pa.array(y, from_pandas=True), pa.string())
    size = np.abs(y)
    other = ((size >= 1e-9) & (size < 1e-4)) | ((size >= 1e10) & (size < 1e12))
    if other.any():
        fixed = text.to_numpy(zero_copy_only=False)
        fixed[other] = [f"{v:.{DIGITS}g}" for v in y[other]]
        text = pa.array(fixed, type=pa.string())
    return pc.fill_null(text, "")


def _text_column(values: pd.Series) -> object:
    """One column as the CSV text of each cell (no quoting yet; missing values empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.dtype.kind
    if kind == "f":
        return float_text(values.to_numpy(dtype=float, na_value=np.nan))
    if kind in "iu":
        return pc.fill_null(pc.cast(pa.array(values, from_pandas=True), pa.string()), "")
    if kind == "b":
        flags = pa.array(values, type=pa.bool_(), from_pandas=True)
        return pc.fill_null(pc.if_else(flags, "True", "False"), "")
    if kind == "M":
        days = _days(values)
        return pc.fill_null(pc.cast(days, pa.string()), "")
    if not _is_text(values):
        values = values.astype(str).where(values.notna(), None)
    # ids and tickers repeat on every day of a firm-event: each distinct cell is checked and
    # quoted once, then laid back on the rows
    text = pa.array(values, type=pa.string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):  # pandas' Arrow-backed strings
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    return pc.fill_null(pc.take(_csv_cells(encoded.dictionary), encoded.indices), "")


def _csv_cells(text: object) -> object:
    """Distinct text cells defused and quoted as the csv module quotes (QUOTE_MINIMAL)."""
    import pyarrow.compute as pc

    cells = defuse_formulas(text)
    needs = pc.match_substring_regex(cells, r'[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, cells)


def _days(values: pd.Series) -> object:
    """Datetimes as Arrow dates (the local calendar day for time-zone-aware ones)."""
    import pyarrow as pa

    local = values.dt.tz_localize(None) if values.dt.tz is not None else values
    days = local.to_numpy().astype("datetime64[D]")
    return pa.array(days, mask=local.isna().to_numpy(), type=pa.date32())


def _arrow_column(values: pd.Series) -> object:
    """One column as an Arrow array of its own type (Parquet); text as strings."""
    import pyarrow as pa

    kind = values.dtype.kind
    if kind in "fiub" and isinstance(values.dtype, np.dtype):
        return pa.array(values.to_numpy())  # NaN stays NaN: the value as computed
    if kind in "fiubM":
        return pa.array(values, from_pandas=True)
    if not _is_text(values):
        values = values.astype(str).where(values.notna(), None)
    text = pa.array(values, type=pa.string(), from_pandas=True)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _is_text(values: pd.Series) -> bool:
    """Whether a column holds only strings and missing values (no Python loop)."""
    if isinstance(values.dtype, pd.StringDtype):
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    )


def _slices(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), BATCH_ROWS):
        yield frame.iloc[start : start + BATCH_ROWS]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV rows of ``frame`` (no header) as UTF-8 bytes, each line ending in a newline."""
    import pyarrow.compute as pc

    if frame.empty:
        return b""
    # Arrow's kernels and numpy release the GIL: columns are formatted side by side
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        columns = list(pool.map(_text_column, (frame[c] for c in frame.columns)))
    # the line end joins the (short) last column, not the whole line
    columns[-1] = pc.binary_join_element_wise(columns[-1], "\n", "")
    lines = pc.binary_join_element_wise(*columns, ",")
    # the rows lie back to back in the array's data buffer: that buffer is the file's text
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return lines.buffers()[2].slice(start, end - start).to_pybytes()


def csv_header(frame: pd.DataFrame) -> str:
    """The header line as the csv module quotes it (names are quoted only when they must be)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([str(c) for c in frame.columns])
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV atomically, in batches of :data:`BATCH_ROWS` rows."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(csv_header(frame).encode("utf-8"))
            for part in _slices(frame):
                handle.write(csv_bytes(part))

    return atomic_write(path, write)


def to_csv_text(frame: pd.DataFrame) -> str:
    """The CSV text :func:`write_csv` writes for ``frame``."""
    body = b"".join(csv_bytes(part) for part in _slices(frame))
    return csv_header(frame) + body.decode("utf-8")


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as Parquet atomically, in row groups of :data:`BATCH_ROWS` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write(tmp: Path) -> None:
        if frame.empty:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
            return
        schema = _table(frame.iloc[:1]).schema
        # dictionary pages for the text columns only: floats rarely repeat, and trying costs
        text = [f.name for f in schema if pa.types.is_string(f.type)]
        with pq.ParquetWriter(tmp, schema, use_dictionary=text) as writer:
            for part in _slices(frame):
                writer.write_table(_table(part))

    return atomic_write(path, write)


def _table(part: pd.DataFrame) -> object:
    import pyarrow as pa

    arrays = [_arrow_column(part[c]) for c in part.columns]
    return pa.Table.from_arrays(arrays, names=[str(c) for c in part.columns])


#: Tables built from the daily table (properties that copy it): empty when it has no rows.
_DAILY = ("abnormal_returns", "market_value")


def _is_written(result: StudyResult, attr: str) -> bool:
    """Whether :func:`write_tables` writes table ``attr`` (without building a daily copy)."""
    if attr in ALWAYS_WRITTEN:
        return True
    if attr in _DAILY:
        return not result.daily.empty
    return not result.table(attr).empty


def table_frames(result: StudyResult) -> Iterator[tuple[str, pd.DataFrame]]:
    """``(file stem, frame)`` for every table written (empty ones only where always written)."""
    for filename, attr in CSV_TABLES.items():
        if _is_written(result, attr):
            frame = getattr(result, attr) if attr in _DAILY else result.table(attr)
            yield filename.removesuffix(".csv"), frame


@dataclass(frozen=True)
class TableFiles:
    """The table files beside a report: their format and which tables were written.

    ``report.md`` and ``report.html`` name every table through this, so a Parquet run names
    ``car.parquet`` and an empty table that was not written is not listed.

    Attributes
    ----------
    table_format
        ``"csv"`` or ``"parquet"``: the suffix of every table file.
    written
        File stems of the tables written, in the order written.
    """

    table_format: TableFormat
    written: tuple[str, ...]

    @classmethod
    def of(cls, result: StudyResult, table_format: TableFormat = "csv") -> TableFiles:
        """The files :func:`write_tables` writes for ``result`` in ``table_format``."""
        validate_literal(table_format, TableFormat, "table_format")
        stems = tuple(
            name.removesuffix(".csv")
            for name, attr in CSV_TABLES.items()
            if _is_written(result, attr)
        )
        return cls(table_format, stems)

    @classmethod
    def from_paths(cls, table_format: TableFormat, paths: Iterable[Path]) -> TableFiles:
        """The tables written to ``paths`` (as returned by :func:`write_tables`)."""
        return cls(table_format, tuple(Path(p).stem for p in paths))

    def name(self, stem: str) -> str:
        """File name of table ``stem`` (``"car"`` -> ``"car.parquet"``)."""
        return f"{stem}.{self.table_format}"

    def names(self, stems: Iterable[str] | None = None) -> list[str]:
        """File names of those of ``stems`` that were written (every table written when None)."""
        chosen = self.written if stems is None else [s for s in stems if s in self.written]
        return [self.name(s) for s in chosen]


def write_tables(
    result: StudyResult, directory: Path, table_format: TableFormat = "csv"
) -> list[Path]:
    """Write every table of ``result`` into ``directory`` as CSV or Parquet (each atomically).

    Parameters
    ----------
    result
        The study result.
    directory
        Output folder (created if needed).
    table_format
        ``"csv"`` or ``"parquet"``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    validate_literal(table_format, TableFormat, "table_format")
    directory = Path(directory)
    writer = write_csv if table_format == "csv" else write_parquet
    return [
        writer(frame, directory / f"{stem}.{table_format}") for stem, frame in table_frames(result)
    ]


__all__ = [
    "TableFiles",
    "TableFormat",
    "defuse_formulas",
    "round_significant",
    "to_csv_text",
    "write_csv",
    "write_parquet",
    "write_tables",
]
