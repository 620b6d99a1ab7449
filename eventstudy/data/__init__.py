"""Price and share-count data: providers, cache, returns and data-quality checks.

See ``docs/data.md`` for the file formats, the cache and the conventions.
"""

from __future__ import annotations

from .base import (
    PRICE_COLUMNS,
    SHARES_COLUMNS,
    PriceProvider,
    SharesProvider,
    normalize_price_frame,
)
from .cache import ParquetCache, default_cache_root
from .csv import LocalPriceProvider
from .quality import QualityReport, check_prices
from .returns import compute_returns, wide_prices
from .shares import LocalSharesProvider, YFinanceSharesProvider, shares_on
from .yfinance import YFinanceProvider

__all__ = [
    "PRICE_COLUMNS",
    "SHARES_COLUMNS",
    "LocalPriceProvider",
    "LocalSharesProvider",
    "ParquetCache",
    "PriceProvider",
    "QualityReport",
    "SharesProvider",
    "YFinanceProvider",
    "YFinanceSharesProvider",
    "check_prices",
    "compute_returns",
    "default_cache_root",
    "normalize_price_frame",
    "shares_on",
    "wide_prices",
]
