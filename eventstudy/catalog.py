"""What the registries hold, one line each: ``eventstudy models`` and ``eventstudy tests``."""

from __future__ import annotations

import re

import pandas as pd


def _summary(obj: object) -> str:
    """First docstring line, without reST markup."""
    line = (obj.__doc__ or "").strip().splitlines()[0] if obj.__doc__ else ""
    line = re.sub(r":math:`[^`]*`", "", line)
    line = re.sub(r":\w+:`~?([^`]*)`", r"\1", line).replace("``", "")
    return re.sub(r"\s+", " ", line).strip().rstrip(".:")


def model_catalog() -> pd.DataFrame:
    """One row per registered return model: ``name``, ``aliases``, ``summary``, ``citation``."""
    from .models import MODEL_ALIASES, MODELS

    return pd.DataFrame(
        [
            (
                name,
                ", ".join(sorted(a for a, n in MODEL_ALIASES.items() if n == name)),
                _summary(cls),
                cls.citation,
            )
            for name, cls in MODELS.items()
        ],
        columns=["name", "aliases", "summary", "citation"],
    )


def test_catalog() -> pd.DataFrame:
    """One row per registered statistic: name, aliases, family, robustness, null, citation."""
    from .stats import TEST_ALIASES, TESTS

    return pd.DataFrame(
        [
            (
                name,
                ", ".join(sorted(a for a, n in TEST_ALIASES.items() if n == name)),
                stat.family,
                bool(stat.clustering_robust),
                _summary(type(stat)),
                stat.null,
                stat.citation,
            )
            for name, stat in TESTS.items()
        ],
        columns=[
            "name", "aliases", "family", "clustering_robust", "summary", "null", "citation",
        ],
    )  # fmt: skip


test_catalog.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
