"""Prices from Yahoo Finance through ``yfinance``, cached on disk.

``yf.download`` fails quietly: offline or for unknown tickers it returns an empty frame (or
all-NaN columns for some tickers) instead of raising. :class:`YFinanceProvider` turns each of
these shapes into a :class:`~eventstudy.errors.DataUnavailableError` naming the tickers and the
way out (``--prices FILE``), retries rate limits and time-outs with exponential backoff
(``tenacity``), and serves repeated requests from a :class:`~eventstudy.data.cache.ParquetCache` without any call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, DataUnavailableError, InputError
from .base import PRICE_COLUMNS, empty_price_frame, normalize_price_frame, to_naive_dates
from .cache import DEFAULT_CACHE, ParquetCache

PROVIDER = "yfinance"
FIX = "check the tickers or run from local files with --prices FILE"


def transient_errors() -> tuple[type[BaseException], ...]:
    """Exception classes worth retrying: Yahoo rate limits and network time-outs.

    Returns
    -------
    tuple of exception classes
        ``yfinance.exceptions.YFRateLimitError``, the time-out and connection errors of
        ``requests`` and ``curl_cffi`` (whichever are installed) and :class:`TimeoutError`.
    """
    found: list[type[BaseException]] = [TimeoutError]
    with contextlib.suppress(ImportError):
        from yfinance.exceptions import YFRateLimitError

        found.append(YFRateLimitError)
    with contextlib.suppress(ImportError):
        import requests

        found += [requests.exceptions.Timeout, requests.exceptions.ConnectionError]
    with contextlib.suppress(ImportError):
        from curl_cffi.requests import exceptions as curl_exc

        found += [curl_exc.Timeout, curl_exc.ConnectionError]
    return tuple(found)


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "YFRateLimitError":
        return "rate limited by Yahoo (Too Many Requests)"
    return f"{name}: {str(exc).splitlines()[0] if str(exc) else 'time-out'}"


class _LogCapture(logging.Handler):
    """Collects yfinance's log messages (it logs per-ticker failures instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def quiet_yfinance() -> Iterator[_LogCapture]:
    """Capture (not print) yfinance's logging and silence its pandas warnings during one call."""
    logger = logging.getLogger("yfinance")
    capture = _LogCapture()
    propagate = logger.propagate
    logger.addHandler(capture)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"yfinance(\..*)?")
            yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate


_RATE_LIMIT_MARKS = ("YFRateLimitError", "Too Many Requests", "Rate limited")
_TIMEOUT_MARKS = ("Timeout", "timed out", "Timed out")


def _logged_transient(messages: Sequence[str]) -> str | None:
    """The transient failure yfinance logged (and swallowed) during a call, if any."""
    text = "\n".join(messages)
    if any(mark in text for mark in _RATE_LIMIT_MARKS):
        return "rate limited by Yahoo (Too Many Requests)"
    if any(mark in text for mark in _TIMEOUT_MARKS):
        return "Yahoo timed out"
    return None


def frame_to_long(
    frame: pd.DataFrame | None, tickers: Sequence[str]
) -> tuple[dict[str, pd.DataFrame], bool]:
    """Split a ``yf.download`` result into one canonical long frame per requested ticker.

    Handles the shapes yfinance 1.x returns: MultiIndex columns ``(Price, Ticker)`` (also for a
    single ticker), flat columns (``multi_level_index=False``), a tz-aware or naive
    ``DatetimeIndex``, and frames without ``Adj Close`` (``auto_adjust=True``).

    Parameters
    ----------
    frame
        What ``yf.download`` returned (may be None or empty).
    tickers
        The tickers requested; yfinance upper-cases symbols, so they are matched ignoring case.

    Returns
    -------
    per_ticker : dict of str to pandas.DataFrame
        Rows of each ticker that has at least one price (tickers with none are absent).
    no_adj_close : bool
        True when the frame had no ``Adj Close`` and ``Close`` was used for both fields.
    """
    if frame is None or frame.empty or len(frame.columns) == 0:
        return {}, False
    columns = frame.columns
    by_upper = {str(t).upper(): t for t in tickers}
    series: dict[str, dict[str, pd.Series]] = {}
    if isinstance(columns, pd.MultiIndex):
        names = list(columns.names)
        if "Price" in names:
            price_level = names.index("Price")
        else:
            level0 = {str(v) for v in columns.get_level_values(0)}
            price_level = 0 if level0 & {"Close", "Adj Close"} else 1
        ticker_level = 1 - price_level
        for key in columns:
            field, symbol = str(key[price_level]), str(key[ticker_level])
            series.setdefault(symbol, {})[field] = frame[key]
    else:
        if len(tickers) != 1:
            return {}, False
        series[str(tickers[0])] = {str(c): frame[c] for c in columns}
    dates = to_naive_dates(frame.index)
    out: dict[str, pd.DataFrame] = {}
    no_adj = False
    for symbol, fields in series.items():
        requested = by_upper.get(symbol.upper())
        if requested is None or "Close" not in fields and "Adj Close" not in fields:
            continue
        close = fields.get("Close", fields.get("Adj Close"))
        if "Adj Close" in fields:
            adj = fields["Adj Close"]
        else:
            adj = close
            no_adj = True
        volume = fields.get("Volume")
        long = pd.DataFrame(
            {
                "date": dates,
                "ticker": requested,
                "close": pd.to_numeric(close, errors="coerce").to_numpy(dtype=float),
                "adj_close": pd.to_numeric(adj, errors="coerce").to_numpy(dtype=float),
                "volume": (
                    np.full(len(dates), np.nan)
                    if volume is None
                    else pd.to_numeric(volume, errors="coerce").to_numpy(dtype=float)
                ),
            }
        )
        long = long[long["close"].notna() | long["adj_close"].notna()]
        if len(long):
            out[requested] = long.reset_index(drop=True)
    return out, no_adj


class YFinanceProvider:
    """Daily prices from Yahoo Finance (``yf.download``), cached per ticker in Parquet.

    Parameters
    ----------
    cache
        Where downloads are kept; default a :class:`ParquetCache` in
        :func:`~eventstudy.data.cache.default_cache_root`; None disables caching.
    batch_size
        Tickers per ``yf.download`` call.
    retries
        Extra attempts after a rate limit, a time-out, or tickers missing from a partial
        download.
    backoff
        Seconds before the first retry; doubled on each further retry.
    sleep
        Function used to wait (inject a fake in tests).
    download
        Replacement for ``yfinance.download`` (tests); called with the same arguments.

    Examples
    --------
    >>> provider = YFinanceProvider()  # doctest: +SKIP
    >>> provider.get_prices(["NVDA", "^GSPC"], dt.date(2024, 1, 2), dt.date(2025, 1, 31))  # doctest: +SKIP
    """

    name = PROVIDER

    def __init__(
        self,
        cache: ParquetCache | None = DEFAULT_CACHE,
        batch_size: int = 100,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        download: Callable[..., pd.DataFrame | None] | None = None,
    ) -> None:
        for label, value, low in (("batch_size", batch_size, 1), ("retries", retries, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InputError(
                    f"{label}={value!r} must be a whole number >= {low}.", field=label, value=value
                )
        if not backoff >= 0:
            raise InputError(
                f"backoff={backoff!r} must be a number of seconds >= 0.",
                field="backoff",
                value=backoff,
            )
        self.cache = ParquetCache() if cache is DEFAULT_CACHE else cache
        self.batch_size = batch_size
        self.retries = retries
        self.backoff = float(backoff)
        self.sleep = sleep
        self._download = download

    def __repr__(self) -> str:
        return f"YFinanceProvider(cache={self.cache!r}, batch_size={self.batch_size})"

    def get_prices(
        self,
        tickers: Sequence[str],
        start: dt.date,
        end: dt.date,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Daily prices of ``tickers`` from ``start`` to ``end`` (inclusive).

        Cached tickers are read from disk; only the others are downloaded, ``batch_size`` at a
        time. Tickers that did download are cached even when others fail.

        Parameters
        ----------
        tickers
            Yahoo symbols (``NVDA``, ``^GSPC``, ``BRK-B``).
        start, end
            First and last day (inclusive).
        progress
            Called as ``progress(done, total)`` in tickers: once for the cache hits, then after
            each batch.

        Returns
        -------
        pandas.DataFrame
            Canonical long frame (:data:`~eventstudy.data.base.PRICE_COLUMNS`).

        Raises
        ------
        DataUnavailableError
            If any ticker got no prices; the message names every such ticker, why, and the fix.
        """
        start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
        if start > end:
            raise InputError(
                f"price range start {start} is after end {end}; swap them.",
                field="start",
                value=str(start),
            )
        wanted = list(dict.fromkeys(str(t) for t in tickers))
        total = len(wanted)
        frames: dict[str, pd.DataFrame] = {}
        if self.cache is not None:
            for t in wanted:
                hit = self.cache.read(PROVIDER, t, start, end)
                if hit is not None:
                    frames[t] = hit
        misses = [t for t in wanted if t not in frames]
        done = total - len(misses)
        if progress is not None and done:
            progress(done, total)
        failures: dict[str, str] = {}
        no_adj = False
        for i in range(0, len(misses), self.batch_size):
            batch = misses[i : i + self.batch_size]
            got, failed, batch_no_adj = self._fetch(batch, start, end)
            no_adj = no_adj or batch_no_adj
            failures.update(failed)
            for t, rows in got.items():
                frames[t] = rows
                covered = _covered_end(end)
                if self.cache is not None and covered >= start:
                    self.cache.write(PROVIDER, t, rows, start, covered)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        if no_adj:
            warnings.warn(
                "yfinance returned no 'Adj Close' column (its auto_adjust default): close and "
                "adj_close are both the auto-adjusted close, so returns then come from the "
                "auto-adjusted close and market values use adjusted prices.",
                DataQualityWarning,
                stacklevel=2,
            )
        if failures:
            raise _unavailable(failures)
        if not frames:
            return empty_price_frame()
        long = pd.concat([frames[t] for t in wanted], ignore_index=True)
        return normalize_price_frame(long[list(PRICE_COLUMNS)], PROVIDER)

    # -- one batch -----------------------------------------------------------------------------

    def _call(
        self, batch: list[str], start: dt.date, end: dt.date
    ) -> tuple[pd.DataFrame | None, list[str]]:
        download = self._download
        if download is None:
            import yfinance as yf

            download = yf.download
        with quiet_yfinance() as log:
            frame = download(
                list(batch),
                start=start.isoformat(),
                end=(end + dt.timedelta(days=1)).isoformat(),
                auto_adjust=False,
                actions=False,
                group_by="column",
                progress=False,
                threads=True,
            )
        return frame, log.messages

    def _fetch(
        self, batch: list[str], start: dt.date, end: dt.date
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str], bool]:
        """Download one batch with retries; return (rows per ticker, failures, no_adj_close).

        Retried with exponential backoff: a raised rate-limit or time-out error, a rate limit or
        time-out that yfinance logged and swallowed, and tickers missing from a download that
        returned others. Not retried: a download that returned nothing and logged no transient
        failure (offline, or every ticker unknown).
        """
        from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

        retryable = transient_errors()
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        pending = list(batch)
        got: dict[str, pd.DataFrame] = {}
        no_adj = False
        reason = "Yahoo unreachable from this machine, or unknown tickers"
        attempts = 0

        def attempt() -> bool:
            """One download of the pending tickers; True when another attempt may help."""
            nonlocal pending, no_adj, reason, attempts
            attempts += 1
            try:
                frame, messages = self._call(pending, start, end)
            except retryable as exc:
                transient: str | None = _describe(exc)
                frame, messages = None, []
            else:
                transient = _logged_transient(messages)
            rows, frame_no_adj = frame_to_long(frame, pending)
            no_adj = no_adj or frame_no_adj
            new = 0
            for t, r in rows.items():
                r = r[r["date"].between(lo, hi)].reset_index(drop=True)
                if len(r):
                    got[t] = r
                    new += 1
            pending = [t for t in pending if t not in got]
            if not pending:
                return False
            if transient is not None:
                reason = f"{transient}; still failing after {attempts} attempt(s)"
            elif new == 0 and not got:
                # Nothing came back and nothing transient was reported: offline or all unknown.
                reason = "Yahoo unreachable from this machine, or unknown tickers"
                return False
            else:
                reason = (
                    f"no rows while other tickers downloaded, after {attempts} attempt(s): "
                    "unknown, delisted or not trading in the range"
                )
            return True

        # waits backoff * 2**(k-1) before attempt k+1; after the last attempt the pending
        # tickers are reported, not raised
        Retrying(
            retry=retry_if_result(bool),
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff, exp_base=2),
            sleep=self.sleep,
            retry_error_callback=lambda state: False,
        )(attempt)
        return got, {t: reason for t in pending}, no_adj


def _covered_end(end: dt.date) -> dt.date:
    """Last day a download may be cached as complete: never today or later (still trading)."""
    return min(end, dt.date.today() - dt.timedelta(days=1))


def _unavailable(failures: dict[str, str]) -> DataUnavailableError:
    """One error naming every failed ticker, grouped by reason."""
    by_reason: dict[str, list[str]] = {}
    for t, why in failures.items():
        by_reason.setdefault(why, []).append(t)
    parts = [f"{', '.join(ts)} ({why})" for why, ts in by_reason.items()]
    return DataUnavailableError(
        f"yfinance returned no prices for {'; '.join(parts)}; {FIX}.",
        source=PROVIDER,
        field="ticker",
        value=list(failures),
    )
