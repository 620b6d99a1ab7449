"""eventstudy: measure how news moves stock prices and market value.

Examples
--------
>>> import eventstudy as es
>>> study = es.EventStudy.from_file("events/deepseek_2025.toml")  # doctest: +SKIP
>>> result = study.run(es.LocalPriceProvider("prices.csv"))  # doctest: +SKIP
>>> result.car.query("window_start == 0 and window_end == 0")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names and the module each lives in; imported on first use so that
# ``import eventstudy`` stays fast for the CLI.
_EXPORTS: dict[str, str] = {
    "TradingCalendar": "calendar",
    "LocalPriceProvider": "data.csv",
    "LocalSharesProvider": "data.shares",
    "YFinanceProvider": "data.yfinance",
    "DataUnavailableError": "errors",
    "EventFileError": "errors",
    "EventStudyError": "errors",
    "EventStudyWarning": "errors",
    "InputError": "errors",
    "InvalidTestStatistic": "errors",
    "load_events": "events.load",
    "events_from_frame": "events.load",
    "read_returns": "data.returns_input",
    "Claim": "events.schema",
    "Event": "events.schema",
    "EventSet": "events.schema",
    "MODELS": "models",
    "ReturnFit": "models",
    "ReturnModel": "models",
    "get_model": "models",
    "StudyResult": "result",
    "run_study": "runner",
    "TESTS": "stats",
    "TestResult": "stats",
    "EventStudy": "study",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'eventstudy' has no attribute {name!r}")


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
    "events_from_frame",
    "read_returns",
    "StudyResult",
    "TestResult",
    "TradingCalendar",
    "YFinanceProvider",
    "get_model",
    "load_events",
    "run_study",
]
