"""docs/errors.md documents every exception and warning class of eventstudy.errors."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from eventstudy import errors

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def _exception_classes() -> list[str]:
    """Names of the exception (and warning) classes defined in eventstudy/errors.py itself."""
    return sorted(
        name
        for name, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__ == errors.__name__
    )


def test_module_defines_exception_classes() -> None:
    # Guards the parametrized test below against passing vacuously.
    assert len(_exception_classes()) >= 2


@pytest.mark.parametrize("name", _exception_classes())
def test_class_is_documented(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert re.search(rf"\b{re.escape(name)}\b", text), f"{name} is not mentioned in {DOC}"
