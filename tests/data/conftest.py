"""Builders of frames shaped exactly as ``yfinance.download`` (1.x) returns them.

The shapes follow ``yfinance/multi.py`` (``_download_impl``): every ticker's history frame has
columns Open, High, Low, Close, Adj Close, Volume (no Adj Close with ``auto_adjust=True``) and a
``DatetimeIndex`` named ``Date`` in the exchange time zone; for daily data ``ignore_tz`` is True
and the zone is dropped; the frames are reindexed to the union of dates, concatenated with
``keys=tickers, names=["Ticker", "Price"]``, the levels swapped for ``group_by="column"`` and the
columns sorted. A failed ticker contributes an all-NaN frame (``utils.empty_df``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest

FIELDS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")


def history_frame(
    dates: Sequence[str],
    close: Sequence[float],
    *,
    tz: str | None = "America/New_York",
    auto_adjust: bool = False,
    adj_factor: float = 0.99,
) -> pd.DataFrame:
    """One ticker's ``Ticker.history`` frame (tz-aware index named ``Date``)."""
    idx = pd.DatetimeIndex(pd.to_datetime(list(dates)), name="Date")
    if tz is not None:
        idx = idx.tz_localize(tz)
    c = np.asarray(close, dtype=float)
    data = {
        "Open": c * 1.01,
        "High": c * 1.02,
        "Low": c * 0.98,
        "Close": c,
        "Volume": np.arange(1, len(c) + 1, dtype=np.int64) * 1000,
    }
    if not auto_adjust:
        data["Adj Close"] = c * adj_factor
    frame = pd.DataFrame(data, index=idx)
    cols = [f for f in FIELDS if f in frame.columns]
    return frame[cols]


def empty_history(auto_adjust: bool = False) -> pd.DataFrame:
    """``yfinance.utils.empty_df()``: what a failed ticker contributes."""
    cols = {f: np.nan for f in FIELDS if auto_adjust is False or f != "Adj Close"}
    frame = pd.DataFrame(index=[], data=cols)
    frame.index.name = "Date"
    return frame


def download_frame(
    per_ticker: dict[str, pd.DataFrame], *, ignore_tz: bool = True, multi_level_index: bool = True
) -> pd.DataFrame:
    """Combine per-ticker frames the way ``yf.download(..., group_by="column")`` does."""
    dfs = {t.upper(): f.copy() for t, f in per_ticker.items()}
    if ignore_tz:
        for f in dfs.values():
            if len(f) and f.index.tz is not None:
                f.index = f.index.tz_localize(None)
    idx = None
    for f in dfs.values():
        if len(f):
            idx = f.index if idx is None else idx.union(f.index)
    if idx is None:
        idx = pd.DatetimeIndex([])
    dfs = {t: f.reindex(idx) for t, f in dfs.items()}
    data = pd.concat(dfs.values(), axis=1, sort=True, keys=dfs.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    data = data.sort_index(level=0, axis=1)
    if not multi_level_index and len(dfs) == 1:
        data = data.droplevel(1, axis=1).rename_axis(None, axis=1)
    return data


class FakeDownload:
    """Stands in for ``yf.download``: records every call and replays scripted outcomes."""

    def __init__(self, outcomes: Sequence[object]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[list[str], dict[str, object]]] = []

    def __call__(self, tickers: list[str], **kwargs: object) -> pd.DataFrame:
        self.calls.append((list(tickers), kwargs))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        if callable(outcome):
            return outcome(tickers)
        return outcome  # type: ignore[return-value]


@pytest.fixture
def yf_shapes() -> dict[str, Callable[..., object]]:
    """The builders above, as a fixture (tests/ has no packages to import from)."""
    return {
        "history": history_frame,
        "empty": empty_history,
        "download": download_frame,
        "fake": FakeDownload,
    }
