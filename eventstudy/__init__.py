"""eventstudy: measure how news moves stock prices and market value.

Examples
--------
>>> import eventstudy as es
>>> study = es.EventStudy.from_file("events/deepseek_2025.toml")  # doctest: +SKIP
>>> result = study.run(es.LocalPriceProvider("prices.csv"))  # doctest: +SKIP
>>> result.car.query("window_start == 0 and window_end == 0")  # doctest: +SKIP
"""

from __future__ import annotations

from .calendar import TradingCalendar
from .data.csv import LocalPriceProvider
from .data.shares import LocalSharesProvider
from .data.yfinance import YFinanceProvider
from .errors import (
    DataUnavailableError,
    EventFileError,
    EventStudyError,
    EventStudyWarning,
    InputError,
    InvalidTestStatistic,
)
from .events.load import load_events
from .events.schema import Claim, Event, EventSet
from .models import MODELS, ReturnFit, ReturnModel, get_model
from .result import StudyResult
from .runner import run_study
from .stats import TESTS, TestResult
from .study import EventStudy

__version__ = "0.1.0"

__all__ = [
    "MODELS",
    "TESTS",
    "Claim",
    "DataUnavailableError",
    "Event",
    "EventFileError",
    "EventSet",
    "EventStudy",
    "EventStudyError",
    "EventStudyWarning",
    "InputError",
    "InvalidTestStatistic",
    "LocalPriceProvider",
    "LocalSharesProvider",
    "ReturnFit",
    "ReturnModel",
    "StudyResult",
    "TestResult",
    "TradingCalendar",
    "YFinanceProvider",
    "get_model",
    "load_events",
    "run_study",
]
