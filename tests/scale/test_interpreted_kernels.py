"""A study small enough runs its kernels as Python: the same numbers, and numba is never loaded.

The kernels are one set of Python functions (``eventstudy.kernels``); numba compiles them for any
study bigger than :data:`~eventstudy.kernels.INTERPRET_MAX_WORK`. Here one small study is run both
ways. The values agree to the last bits only up to the reassociation numba is allowed in the
pair-correlation sums (``fastmath``), hence a relative tolerance of 1e-12. Against independent
oracles the interpreted path is checked by every small-study test of the suite, which now runs it
(``tests/scale/test_reference.py`` and the statistics tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, kernels, load_events
from tests.scale import synthetic

WINDOWS = [(-1, 1), (0, 0)]


def small_study(tmp_path: Path, firms: int = 8):
    returns, market = synthetic.panel(3, n_firms=firms, n_days=400, missing=0.02)
    prices = synthetic.prices_long(returns, market)
    csv = tmp_path / "events.csv"
    day = returns.index[330]
    csv.write_text(
        "ticker,event_date\n" + "".join(f"{t},{day:%Y-%m-%d}\n" for t in returns.columns),
        encoding="utf-8",
    )
    study = EventStudy(load_events(csv), market="MKT", windows=WINDOWS)
    return study, synthetic.FramePrices(prices)


def run(study, prices):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(prices)


def test_the_threshold_counts_firm_events_days_and_windows() -> None:
    limit = kernels.INTERPRET_MAX_WORK
    assert kernels.interpret_is_faster(1, 240, 2)
    assert kernels.interpret_is_faster(limit // (240 * 3), 240, 2)
    assert not kernels.interpret_is_faster(limit // (240 * 3) + 1, 240, 2)
    # the DeepSeek study (76 firm-events, 5 windows) stays compiled: its CSVs are byte-identical
    assert not kernels.interpret_is_faster(76, 240, 5)


def test_interpreted_and_compiled_studies_agree(tmp_path, monkeypatch) -> None:
    study, prices = small_study(tmp_path)
    assert kernels.interpret_is_faster(8, 240, len(WINDOWS))
    seen: list[bool] = []
    real = kernels.interpreted

    def spy(on: bool = True):
        seen.append(on)
        return real(on)

    monkeypatch.setattr(kernels, "interpreted", spy)
    interp = run(study, prices)
    monkeypatch.setattr(kernels, "INTERPRET_MAX_WORK", 0)
    compiled = run(study, prices)
    assert seen == [True, False]

    pd.testing.assert_frame_equal(interp.car, compiled.car, rtol=1e-12, atol=1e-15)
    a = interp.tests.set_index(["event_id", "window_start", "window_end", "test"]).sort_index()
    b = compiled.tests.set_index(["event_id", "window_start", "window_end", "test"]).sort_index()
    assert list(a.index) == list(b.index)
    for col in ("statistic", "p_value"):
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=1e-12, atol=1e-14, err_msg=col)
    assert np.isfinite(a["statistic"]).sum() >= 20  # the comparison covered real numbers


def test_a_tiny_study_never_imports_numba(tmp_path) -> None:
    code = f"""
import sys, warnings, json
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from pathlib import Path
from tests.scale.test_interpreted_kernels import small_study, run
study, prices = small_study(Path({str(tmp_path)!r}), firms=4)
result = run(study, prices)
print(json.dumps(["numba" in sys.modules, int(result.tests["statistic"].notna().sum())]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    numba_loaded, finite = json.loads(out.stdout.strip().splitlines()[-1])
    assert finite > 0
    assert numba_loaded is False


@pytest.mark.parametrize("name", sorted(kernels._KERNELS))
def test_every_kernel_is_a_plain_function_and_compiles(name) -> None:
    k = kernels._KERNELS[name]
    assert callable(k.py_func) and not hasattr(k.py_func, "signatures")
    assert hasattr(kernels.compiled(name), "signatures")  # a numba dispatcher
