"""docs/sample-study.md runs as written, and its study recovers the effect put into the data."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "sample-study.md"


def test_the_sample_study_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 7
    monkeypatch.chdir(tmp_path)  # the last block writes sample.csv and prices.csv
    namespace: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for code in blocks:
            exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    car = namespace["car"]
    # 1% per unit of surprise was injected on day 0; the least-squares slope (computed here,
    # independently of the page) recovers it within its sampling error (noise sd 1.8%, about
    # 1,000 events: standard error about 0.0006)
    slope = np.polyfit(car["surprise"], car["car"], 1)[0]  # type: ignore[index]
    assert abs(slope - 0.01) < 0.003
    # the halves differ by about the slope times the gap between the halves' mean surprises
    diff = namespace["diff"].iloc[0]  # type: ignore[attr-defined]
    assert diff["difference"] < 0 and diff["robust_t"] < -5
    result, from_file = namespace["result"], namespace["from_file"]
    np.testing.assert_allclose(
        from_file.car["car"],
        result.car["car"],
        rtol=1e-12,
        atol=1e-12,  # type: ignore[attr-defined]
    )
