"""The compiled loops and their index helpers against brute-force computations written here.

Every kernel test runs twice: compiled by numba and as the plain Python function (what a study
small enough to skip numba's start runs, :func:`eventstudy.kernels.interpret_is_faster`).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy import kernels
from eventstudy.models.base import quad_form
from eventstudy.stats.chunk import valid_patterns as _patterns
from eventstudy.stats.correlation import overlapping_pairs as _overlapping_pairs


@pytest.fixture(autouse=True, params=["compiled", "interpreted"])
def kernel_mode(request):
    with kernels.interpreted(request.param == "interpreted"):
        yield request.param


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 40), st.integers(0, 6)), min_size=0, max_size=30))
def test_overlapping_pairs_are_every_pair_of_meeting_intervals(spec) -> None:
    lo = np.array([a for a, _ in spec], np.int64)
    hi = np.array([a + w if a >= 0 else -1 for a, w in spec], np.int64)
    lo = np.where(hi >= 0, lo, 2**40)
    i, j = _overlapping_pairs(lo, hi)
    got = sorted(zip(i.tolist(), j.tolist(), strict=True))
    want = sorted(
        (a, b)
        for a in range(len(spec))
        for b in range(a + 1, len(spec))
        if hi[a] >= 0 and hi[b] >= 0 and max(lo[a], lo[b]) <= min(hi[a], hi[b])
    )
    assert got == want


def test_pair_correlations_equal_numpy_on_the_common_dates() -> None:
    rng = np.random.default_rng(7)
    n, width = 12, 60
    resid = rng.normal(size=(n, width))
    resid[rng.random((n, width)) < 0.1] = np.nan
    start = rng.integers(0, 40, n)
    first, second = np.triu_indices(n, 1)
    have = np.isfinite(resid)
    r, count = kernels.pair_correlations(
        np.where(have, resid, 0.0), have.astype(float), start, first, second
    )
    for k, (a, b) in enumerate(zip(first, second, strict=True)):
        x = np.full(100, np.nan)
        y = np.full(100, np.nan)
        x[start[a] : start[a] + width] = resid[a]
        y[start[b] : start[b] + width] = resid[b]
        both = np.isfinite(x) & np.isfinite(y)
        assert count[k] == both.sum()
        if both.sum() >= 3:
            want = np.corrcoef(x[both], y[both])[0, 1]
            np.testing.assert_allclose(r[k], want, rtol=1e-12, atol=1e-14)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=0, max_size=12),
    st.lists(st.integers(-3, 3), min_size=0, max_size=5),
)
def test_merged_median_is_the_median_of_the_union(left, right) -> None:
    sv = np.sort(np.array(left, float))
    sa = np.sort(np.array(right, float))
    total = len(sv) + len(sa)
    if total == 0:
        return
    lo = kernels._merged_kth(sv, len(sv), sa, len(sa), (total - 1) // 2)
    hi = kernels._merged_kth(sv, len(sv), sa, len(sa), total // 2)
    assert (lo + hi) / 2.0 == np.median(np.concatenate([sv, sa]))


def test_patterns_group_rows_by_the_windows_they_are_valid_in() -> None:
    valid = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]], bool)
    index, windows = _patterns(valid)
    for row in range(valid.shape[1]):
        assert (windows[index[row]] == valid[:, row]).all()
    values = np.arange(4.0)[:, None] * np.ones((4, 3))
    sums = np.zeros((len(windows), 3))
    np.add.at(sums, index, values)
    by_window = kernels.by_window(sums, windows)
    np.testing.assert_array_equal(by_window, valid.astype(float) @ values)


def test_quad_form_equals_the_matrix_product_per_firm_event() -> None:
    rng = np.random.default_rng(3)
    for k in (1, 2, 5):
        x = rng.normal(size=(20, 6, k))
        inv = rng.normal(size=(20, k, k))
        want = np.array([[x[i, w] @ inv[i] @ x[i, w] for w in range(6)] for i in range(20)])
        np.testing.assert_allclose(quad_form(x, inv), want, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(quad_form(x[:, 0], inv), want[:, 0], rtol=1e-13, atol=1e-14)


def test_shared_weighted_sum_weights_each_inside_pair_by_its_shared_days() -> None:
    rng = np.random.default_rng(11)
    n, days = 30, 5
    lo = rng.integers(0, 40, n)
    hi = lo + days - 1
    first, second = np.triu_indices(n, 1)
    r = rng.uniform(-1, 1, len(first))
    inside = rng.random(n) < 0.7
    want = 0.0
    for k, (a, b) in enumerate(zip(first, second, strict=True)):
        if inside[a] and inside[b]:
            shared = len(set(range(lo[a], hi[a] + 1)) & set(range(lo[b], hi[b] + 1)))
            want += r[k] * shared / days
    got = kernels.shared_weighted_sum(first, second, r, inside, lo, hi, days)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def test_row_counts_and_missing_last_against_numpy() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(size=(40, 25))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[0, :3] = [np.inf, -np.inf, 0.0]
    present, positive = kernels.row_counts(values)
    np.testing.assert_array_equal(present, np.isfinite(values).sum(axis=1))
    np.testing.assert_array_equal(positive, (np.isfinite(values) & (values > 0)).sum(axis=1))
    out = np.empty_like(values)
    kernels.missing_last(values, out)
    np.testing.assert_array_equal(out, np.where(np.isfinite(values), values, np.inf))
    # sorting puts the same finite values first, in the same order, as with NaN last
    finite = np.isfinite(values)
    for i in range(len(values)):
        np.testing.assert_array_equal(
            np.sort(out[i])[: finite[i].sum()], np.sort(values[i][finite[i]])
        )
