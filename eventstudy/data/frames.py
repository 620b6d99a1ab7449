"""Data handed to a study in any form: a provider, a file path or a DataFrame.

:func:`price_source` and :func:`shares_source` turn what the user passed into a provider, so the
study reads every input through one path (files and frames share the layouts of
``docs/data.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .base import PriceProvider, SharesProvider
from .csv import FramePriceProvider, LocalPriceProvider
from .shares import LocalSharesProvider, normalize_shares_frame


class FrameSharesProvider:
    """Share counts from a DataFrame with columns ``ticker, as_of, shares[, source]``.

    Parameters
    ----------
    frame
        The counts, as in a share-count file (``docs/data.md``).
    source
        Name used in messages.
    """

    def __init__(self, frame: pd.DataFrame, source: str = "shares DataFrame") -> None:
        self.frame = frame
        self.source = source

    def __repr__(self) -> str:
        return f"FrameSharesProvider(<{len(self.frame)} rows>)"

    def get_shares(self, tickers: Sequence[str]) -> pd.DataFrame:
        """Every dated count of ``tickers`` in the frame; tickers not in it are absent.

        Raises
        ------
        InputError
            If a row is malformed (the message names the column and row).
        """
        table = normalize_shares_frame(self.frame, self.source)
        return table[table["ticker"].isin(set(map(str, tickers)))].reset_index(drop=True)


def price_source(prices: Any) -> PriceProvider:
    """A price provider from a provider, a file path (CSV/Parquet) or a DataFrame.

    Raises
    ------
    InputError
        For anything else.
    """
    if isinstance(prices, pd.DataFrame):
        return FramePriceProvider(prices)
    if isinstance(prices, (str, Path)):
        return LocalPriceProvider(prices)
    if callable(getattr(prices, "get_prices", None)):
        return prices  # type: ignore[no-any-return]
    raise InputError(
        f"prices must be a DataFrame, a file path or a price provider, got "
        f"{type(prices).__name__}; pass e.g. a long DataFrame with date,ticker,adj_close or "
        "'prices.csv'.",
        field="prices",
        value=type(prices).__name__,
    )


def shares_source(shares: Any) -> SharesProvider | None:
    """A share-count provider from None, a provider, a file path or a DataFrame.

    Raises
    ------
    InputError
        For anything else.
    """
    if shares is None:
        return None
    if isinstance(shares, pd.DataFrame):
        return FrameSharesProvider(shares)
    if isinstance(shares, (str, Path)):
        return LocalSharesProvider(shares)
    if callable(getattr(shares, "get_shares", None)):
        return shares  # type: ignore[no-any-return]
    raise InputError(
        f"shares must be a DataFrame, a file path or a shares provider, got "
        f"{type(shares).__name__}; pass e.g. a DataFrame with ticker,as_of,shares.",
        field="shares",
        value=type(shares).__name__,
    )
