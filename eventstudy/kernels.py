r"""Per-firm-event loops of the chunked engine, compiled by numba (run as Python for tiny studies).

The rank and sign tests need, for every firm-event, the ranks of its estimation residuals merged
with each window's abnormal returns, and then sums of those ranks per group and event-time column.
In array form that is a dozen passes over ``(n, L)`` arrays per window; here each firm-event row is
visited once: its finite residuals are sorted, ranks with ties averaged (as
:func:`scipy.stats.rankdata`) are read off the sorted run, and each window's few abnormal returns
are merged in from their insertion points among the sorted residuals. Every sum is accumulated
straight into the group totals, in day order (branch-free loops the compiler vectorises), so no
``(n, L)`` temporary is made.

The sums are the sufficient statistics of

* Corrado (1989) rank test: :math:`U_{it} = K_{it} / (L_i + T_i + 1) - 1/2`, with :math:`K_{it}`
  the rank of day ``t`` among the firm-event's estimation residuals and window abnormal returns;
* Corrado and Zivney (1992) sign test: :math:`G_{it} = \operatorname{sign}(A_{it} - \operatorname{
  median}_i)` over the same combined sample;
* GRANK (Kolari and Pynnonen, 2011): ranks of the standardized residuals scaled by
  :math:`1/(L_i + 2)`, and in a second pass where each standardized residual stands against the
  firm-event's scaled standardized CAR;
* Brown-Warner (1985) and the portfolio regression: sums and counts of residuals and of firm and
  benchmark returns per event-time day.

Rows are accumulated per *valid pattern* (the set of windows whose cross-section contains the
firm-event) for the estimation-day sums that do not depend on the window, so each row adds its
``L`` values once, not once per window; :func:`by_window` turns pattern sums into window sums.
"""

from __future__ import annotations

import math
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import update_wrapper
from typing import Any

import numpy as np

__all__ = [
    "INTERPRET_MAX_WORK",
    "Kernel",
    "by_window",
    "interpreted",
    "interpret_is_faster",
    "numba_loaded_hooks",
    "grank_pass2",
    "market_fit",
    "missing_last",
    "pair_correlations",
    "rank_pass1",
    "row_counts",
    "shared_weighted_sum",
    "EST_KEYS",
    "WIN_EST_KEYS",
    "WIN_EVT_KEYS",
]

EST_KEYS = ("resid", "resid_n", "grank_r", "port_f", "port_fn", "port_m", "port_mn")
"""Estimation-day sums per valid pattern, group and day (first axis of ``est_sums``)."""

WIN_EST_KEYS = ("corrado_est", "cz_est")
"""Estimation-day sums that depend on the window (first axis of ``win_est``)."""

WIN_EVT_KEYS = ("ar_n", "corrado_win", "cz_win", "port_f", "port_fn", "port_m", "port_mn")
"""Event-span sums per window, group and span column (first axis of ``win_evt``)."""

# --- compiled or interpreted --------------------------------------------------------------------
#
# Each kernel below is one Python function. Compiled by numba it is what a study of any size runs;
# a study so small that its loops take less time interpreted than numba takes to start (importing
# it and loading the cached machine code, about 0.45 s) runs the same function in CPython.

INTERPRET_MAX_WORK = 20_000
"""Largest study, in firm-event estimation days x (windows + 1), that runs the kernels interpreted.

Measured (``docs/performance.md``, "Small studies run the kernels as Python"): interpreted kernel
time grows by about 6 us per unit of work, while numba's start (importing it, its scipy.linalg
check and loading the cached machine code) makes a compiled tiny study about 0.17 s slower than
an interpreted one, so the two are level near 30,000 units; the bound sits below that. The
DeepSeek study (76 firm-events, 5 windows, 240 estimation days: about 110,000 units) runs compiled.
"""

_KERNELS: dict[str, Kernel] = {}
_INTERPRETED = False
_LOCK = threading.Lock()
_COMPILED: dict[str, Any] = {}

numba_loaded_hooks: list[Callable[[], None]] = []
"""Called once each, right after the first compilation imports numba (the first-run notice)."""


class Kernel:
    """A kernel: its Python function (``py_func``), run compiled or (see :func:`interpreted`) as is.

    The numba options (``fastmath``) travel with it; every kernel is compiled with ``cache=True``
    and ``nogil=True``. Called from Python either way; inside another compiled kernel the
    compiled versions call each other directly.
    """

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        update_wrapper(self, func)
        self.py_func = func
        self.options = options

    def __call__(self, *args: Any) -> Any:
        """Run the kernel, compiled unless inside :func:`interpreted`."""
        if _INTERPRETED:
            return self.py_func(*args)
        return compiled(self.__name__)(*args)


def kernel(**options: Any) -> Callable[[Callable[..., Any]], Kernel]:
    """Register a kernel function; ``options`` are numba's (e.g. ``fastmath``)."""

    def register(func: Callable[..., Any]) -> Kernel:
        _KERNELS[func.__name__] = Kernel(func, options)
        return _KERNELS[func.__name__]

    return register


def compiled(name: str) -> Any:
    """The numba dispatcher of kernel ``name`` (numba is imported on the first call)."""
    if not _COMPILED:
        with _LOCK:
            if not _COMPILED:
                _COMPILED.update(_compile_all())
                for hook in numba_loaded_hooks:
                    hook()
    return _COMPILED[name]


def _compile_all() -> dict[str, Any]:
    from numba import njit

    # The compiled functions see each other, not the Kernel wrappers: a namespace of their own.
    space = dict(globals())
    for name, k in _KERNELS.items():
        code = k.py_func
        func = types.FunctionType(code.__code__, space, name, code.__defaults__, code.__closure__)
        space[name] = njit(cache=True, nogil=True, **k.options)(func)
    return {name: space[name] for name in _KERNELS}


@contextmanager
def interpreted(on: bool = True) -> Iterator[None]:
    """Run the kernels as Python functions (``on``) or compiled, until the block ends.

    Process-wide: the engine sets it around one study, whose partitions may run on threads.
    """
    global _INTERPRETED
    before = _INTERPRETED
    _INTERPRETED = on
    try:
        yield
    finally:
        _INTERPRETED = before


def interpret_is_faster(firm_events: int, estimation_days: int, windows: int) -> bool:
    """Whether a study this size runs its kernels interpreted (see :data:`INTERPRET_MAX_WORK`).

    The choice depends on the study alone, never on what ran before in the process, so one
    study always gives the same numbers.
    """
    return firm_events * estimation_days * (windows + 1) <= INTERPRET_MAX_WORK


@kernel()
def _average_ranks(sv: np.ndarray, n: int, out: np.ndarray) -> None:
    """1-based ranks of sorted ``sv[:n]`` with ties averaged."""
    j = 0
    while j < n:
        k = j
        while k + 1 < n and sv[k + 1] == sv[j]:
            k += 1
        r = (j + k) / 2.0 + 1.0
        for q in range(j, k + 1):
            out[q] = r
        j = k + 1


@kernel()
def _count_below(sv: np.ndarray, n: int, x: float) -> tuple[int, int]:
    """How many of sorted ``sv[:n]`` are ``< x`` and ``<= x`` (binary searches)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if sv[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    left = lo
    hi = n
    while lo < hi:
        mid = (lo + hi) // 2
        if sv[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return left, lo


@kernel()
def _merged_kth(sv: np.ndarray, n: int, sa: np.ndarray, na: int, k: int) -> float:
    """The ``k``-th (0-based) value of the merge of sorted ``sv[:n]`` and short sorted ``sa[:na]``.

    The first ``k + 1`` merged values are the first ``k + 1 - q`` of ``sv`` and the first ``q``
    of ``sa`` for the ``q`` where both cuts are consistent; trying each ``q <= na`` avoids
    walking ``sv`` (``na`` is a window's length, ``n`` an estimation window's).
    """
    for q in range(0, min(na, k + 1) + 1):
        i = k + 1 - q
        if i > n:
            continue
        if q > 0 and i < n and sa[q - 1] > sv[i]:
            continue
        if i > 0 and q < na and sv[i - 1] > sa[q]:
            continue
        if i == 0:
            return sa[q - 1]
        if q == 0:
            return sv[i - 1]
        return max(sv[i - 1], sa[q - 1])
    return np.nan


@kernel()
def rank_pass1(
    resid: np.ndarray,
    order: np.ndarray,
    ar: np.ndarray,
    firm_est: np.ndarray,
    market_est: np.ndarray,
    firm_evt: np.ndarray,
    market_evt: np.ndarray,
    win_lo: np.ndarray,
    win_hi: np.ndarray,
    valid: np.ndarray,
    codes: np.ndarray,
    pattern: np.ndarray,
    do_rank: bool,
    do_port: bool,
    est_sums: np.ndarray,
    win_est: np.ndarray,
    win_evt: np.ndarray,
) -> None:
    """Add one partition's rows to the group sums (pass 1).

    Parameters
    ----------
    resid
        Estimation residuals ``(m, L)``, non-finite where missing.
    order
        ``numpy.argsort(resid, axis=1)`` (missing values last); read only with ``do_rank``.
    ar
        Abnormal returns over the event span ``(m, S)``.
    firm_est, market_est, firm_evt, market_evt
        Returns on the estimation days and the span (read only with ``do_port``).
    win_lo, win_hi
        First and last span column of each window (inclusive), ``(W,)``.
    valid
        ``(W, m)``: the firm-event is in window ``w``'s cross-section.
    codes
        Group of each row (``-1``: not in this layer).
    pattern
        Index of each row's valid pattern (first axis of ``est_sums``).
    do_rank, do_port
        Compute the rank/sign sums; the portfolio-regression sums.
    est_sums
        ``(len(EST_KEYS), P, G, L)``, added to.
    win_est
        ``(len(WIN_EST_KEYS), W, G, L)``, added to.
    win_evt
        ``(len(WIN_EVT_KEYS), W, G, S)``, added to.
    """
    m, width = resid.shape
    n_w = win_lo.shape[0]
    sv = np.empty(width)
    col = np.empty(width, np.int64)
    rk = np.empty(width)
    rkc = np.empty(width)
    inv = np.empty(width, np.int64)
    steps = np.empty(width + 1, np.int64)
    merged = np.empty(width)
    span = ar.shape[1]
    sa = np.empty(span)
    span_left = np.zeros(span, np.int64)
    span_right = np.zeros(span, np.int64)
    for i in range(m):
        g = codes[i]
        if g < 0:
            continue
        any_valid = False
        for w in range(n_w):
            if valid[w, i]:
                any_valid = True
        if not any_valid:
            continue
        p = pattern[i]
        n = 0
        for t in range(width):
            v = resid[i, t]
            if math.isfinite(v):
                est_sums[0, p, g, t] += v
                est_sums[1, p, g, t] += 1.0
                n += 1
            if do_port:
                f = firm_est[i, t]
                if math.isfinite(f):
                    est_sums[3, p, g, t] += f
                    est_sums[4, p, g, t] += 1.0
                x = market_est[i, t]
                if math.isfinite(x):
                    est_sums[5, p, g, t] += x
                    est_sums[6, p, g, t] += 1.0
        for w in range(n_w):
            if not valid[w, i]:
                continue
            for c in range(win_lo[w], win_hi[w] + 1):
                a = ar[i, c]
                if math.isfinite(a):
                    win_evt[0, w, g, c] += 1.0
                if do_port:
                    f = firm_evt[i, c]
                    if math.isfinite(f):
                        win_evt[3, w, g, c] += f
                        win_evt[4, w, g, c] += 1.0
                    x = market_evt[i, c]
                    if math.isfinite(x):
                        win_evt[5, w, g, c] += x
                        win_evt[6, w, g, c] += 1.0
        if not do_rank:
            continue
        row = resid[i]
        for j in range(n):
            col[j] = order[i, j]
            sv[j] = row[col[j]]
        _average_ranks(sv, n, rk)
        # the ranks back in day order (0 where missing): the loops below then run over days
        # without branches, which the compiler vectorises (scattering in rank order did not)
        rkc[:] = 0.0
        inv[:] = 0
        for j in range(n):
            rkc[col[j]] = rk[j]
            inv[col[j]] = j
        w_g = 1.0 / (n + 2.0)
        grank_r = est_sums[2, p, g]
        for t in range(width):
            grank_r[t] += rkc[t] * w_g
        # where each abnormal return of the span falls among the residuals: the same for
        # every window, so searched once per row
        for c in range(span):
            a = ar[i, c]
            if math.isfinite(a):
                span_left[c], span_right[c] = _count_below(sv, n, a)
        for w in range(n_w):
            if not valid[w, i]:
                continue
            lo, hi = win_lo[w], win_hi[w]
            na = 0
            for c in range(lo, hi + 1):
                a = ar[i, c]
                if math.isfinite(a):
                    q = na  # insertion into the short sorted list
                    while q > 0 and sa[q - 1] > a:
                        sa[q] = sa[q - 1]
                        q -= 1
                    sa[q] = a
                    na += 1
            total = n + na
            denom = total + 1.0
            scale = 1.0 / denom
            med = np.nan
            if total > 0:
                lo_v = _merged_kth(sv, n, sa, na, max((total - 1) // 2, 0))
                hi_v = _merged_kth(sv, n, sa, na, max(total // 2, 0))
                med = (lo_v + hi_v) / 2.0
            corrado = win_est[0, w, g]
            signs = win_est[1, w, g]
            # Corrado: a residual's rank in the merged sample is its own rank plus the
            # window's abnormal returns below it, ties counting one half. An abnormal return
            # is below the sorted residuals from its right insertion point on and not above
            # them from its left one: steps there, summed along the sorted residuals.
            steps[: n + 1] = 0
            for c in range(lo, hi + 1):
                if math.isfinite(ar[i, c]):
                    steps[span_left[c]] += 1
                    steps[span_right[c]] += 1
            run = 0
            for j in range(n):
                run += steps[j]
                merged[j] = (rk[j] + 0.5 * run) * scale - 0.5
            for t in range(width):
                v = row[t]
                present = math.isfinite(v)
                u = merged[inv[t]]
                corrado[t] += u if present else 0.0
                sg = np.float64(v > med) - np.float64(v < med)
                signs[t] += sg if present else 0.0
            for c in range(lo, hi + 1):
                a = ar[i, c]
                if not math.isfinite(a):
                    continue
                p_left, p_right = span_left[c], span_right[c]
                less = 0
                same = 0
                for q in range(na):
                    if sa[q] < a:
                        less += 1
                    elif sa[q] == a:
                        same += 1
                rank = 0.5 * (p_left + p_right) + less + 0.5 * (same - 1) + 1.0
                win_evt[1, w, g, c] += rank / denom - 0.5
                d = a - med
                win_evt[2, w, g, c] += np.float64(d > 0.0) - np.float64(d < 0.0)


@kernel()
def missing_last(values: np.ndarray, out: np.ndarray) -> None:
    """Copy ``values`` into ``out`` with ``+inf`` where a value is missing (non-finite).

    Sorting then puts the missing values last, as NaN would, but numpy's vectorised argsort
    has no NaN in the row and keeps to its fast path.
    """
    m, width = values.shape
    for i in range(m):
        for t in range(width):
            v = values[i, t]
            out[i, t] = v if math.isfinite(v) else np.inf


@kernel()
def row_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many values exist, and how many of them are positive.

    One pass without ``(m, L)`` temporaries (``isfinite``, ``where``, ``> 0`` would make three).
    """
    m, width = values.shape
    present = np.zeros(m, np.int64)
    positive = np.zeros(m, np.int64)
    for i in range(m):
        have = 0
        above = 0
        for t in range(width):
            v = values[i, t]
            # branch-free, so the compiler vectorises it
            ok = math.isfinite(v)
            have += ok
            above += ok & (v > 0.0)
        present[i] = have
        positive[i] = above
    return present, positive


@kernel()
def grank_pass2(
    resid: np.ndarray,
    sigma2: np.ndarray,
    cut: np.ndarray,
    codes: np.ndarray,
    above: np.ndarray,
    last: np.ndarray,
) -> None:
    r"""GRANK pass 2: where each standardized residual stands against the scaled SCAR.

    Parameters
    ----------
    resid
        Estimation residuals ``(m, L)``.
    sigma2
        Residual variances ``(m,)``.
    cut
        ``(W, m)``: :math:`SCAR_i / S_{SCAR}`, NaN where the row is not in the cross-section.
    codes
        Group of each row (``-1``: not in this layer).
    above
        ``(W, G, L)``, added to: :math:`\sum_i [1(SR_{it} > c_i) + 1(SR_{it} = c_i)/2]/(L_i+2)`.
    last
        ``(W, G)``, added to: :math:`\sum_i [(\#\{SR_{it} < c_i\} + \#\{=\}/2 + 1)/(L_i+2) - 1/2]`.
    """
    m, width = resid.shape
    n_w = cut.shape[0]
    sar = np.empty(width)
    for i in range(m):
        g = codes[i]
        if g < 0:
            continue
        s = np.sqrt(sigma2[i])
        n = 0
        for t in range(width):
            sar[t] = resid[i, t] / s
            if math.isfinite(sar[t]):
                n += 1
        w_g = 1.0 / (n + 2.0)
        for w in range(n_w):
            c = cut[w, i]
            if not math.isfinite(c):
                continue
            below = 0.0
            half = 0.5 * w_g
            for t in range(width):
                v = sar[t]
                # arithmetic on the comparisons (no branches: the outcomes are random)
                eq = np.float64(v == c)
                above[w, g, t] += w_g * np.float64(v > c) + half * eq
                below += np.float64(v < c) + 0.5 * eq
            last[w, g] += (below + 1.0) * w_g - 0.5


def by_window(pattern_sums: np.ndarray, pattern_windows: np.ndarray) -> np.ndarray:
    """Window sums from valid-pattern sums.

    Parameters
    ----------
    pattern_sums
        ``(P, ...)`` sums over the rows of each valid pattern.
    pattern_windows
        ``(P, W)`` bool: which windows each pattern is valid in.

    Returns
    -------
    numpy.ndarray
        ``(W, ...)``: for each window the sum over the patterns valid in it.
    """
    flat = pattern_sums.reshape(pattern_sums.shape[0], -1) if len(pattern_sums) else None
    if flat is None:  # no rows, no pattern
        return np.zeros((pattern_windows.shape[1],) + pattern_sums.shape[1:])
    out = pattern_windows.T.astype(float) @ flat
    return out.reshape((pattern_windows.shape[1],) + pattern_sums.shape[1:])


# reassociation lets the six sums run in vector lanes (about 3x faster; the sums differ from
# a sequential loop in the last bits only); slices keep indices provably non-negative
@kernel(fastmath={"reassoc", "contract"})
def pair_correlations(
    values: np.ndarray,
    present: np.ndarray,
    start: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Pearson correlation of two firm-events' residuals over their common dates.

    Parameters
    ----------
    values
        Estimation residuals ``(n, L)`` with 0 where missing; column ``t`` of row ``i`` is on
        date position ``start[i] + t``.
    present
        ``(n, L)``: 1.0 where the residual exists, else 0.0 (products instead of branches, so
        the loop vectorises).
    start
        Date position of each row's first estimation day.
    first, second
        Row pairs ``(K,)``.

    Returns
    -------
    r, count
        Per pair :math:`r = (n S_{xy} - S_x S_y) / \sqrt{(n S_{xx} - S_x^2)(n S_{yy} - S_y^2)}`
        over the ``count`` dates where both residuals exist (NaN when undefined).
    """
    k_pairs = first.shape[0]
    width = values.shape[1]
    r = np.full(k_pairs, np.nan)
    count = np.zeros(k_pairs, np.int64)
    for k in range(k_pairs):
        i, j = first[k], second[k]
        off = start[i] - start[j]  # column t of i is column t + off of j
        t0 = max(0, -off)
        t1 = min(width, width - off)
        n = 0.0
        sx = 0.0
        sy = 0.0
        sxx = 0.0
        syy = 0.0
        sxy = 0.0
        xi = values[i, t0:t1]
        pi = present[i, t0:t1]
        yj = values[j, t0 + off : t1 + off]
        pj = present[j, t0 + off : t1 + off]
        for t in range(t1 - t0):
            both = pi[t] * pj[t]
            x = xi[t] * both
            y = yj[t] * both
            n += both
            sx += x
            sy += y
            sxx += x * x
            syy += y * y
            sxy += x * y
        count[k] = int(n)
        if n > 0:
            den = (n * sxx - sx * sx) * (n * syy - sy * sy)
            if den > 0:
                r[k] = (n * sxy - sx * sy) / np.sqrt(den)
    return r, count


@kernel()
def shared_weighted_sum(
    first: np.ndarray,
    second: np.ndarray,
    r: np.ndarray,
    inside: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    days: int,
) -> float:
    r""":math:`\sum_k r_k s_k` over the pairs whose two members are both ``inside``.

    ``s_k`` is the share of the window's ``days`` that the two members' windows ``[lo, hi]``
    (date positions) have in common, 0 when they do not meet.
    """
    total = 0.0
    for k in range(first.shape[0]):
        i, j = first[k], second[k]
        if inside[i] and inside[j]:
            common = min(hi[i], hi[j]) - max(lo[i], lo[j]) + 1
            if common > 0:
                total += r[k] * (common / days)
    return total


@kernel()
def market_fit(
    firm: np.ndarray,
    market: np.ndarray,
    day0: np.ndarray,
    firm_col: np.ndarray,
    mkt_col: np.ndarray,
    rel_est: np.ndarray,
    rel_evt: np.ndarray,
    min_nobs: int,
    est_pos: np.ndarray,
    firm_est: np.ndarray,
    market_est: np.ndarray,
    resid: np.ndarray,
) -> tuple:
    r"""Gather each firm-event's returns and fit the market model by OLS, one row at a time.

    Over the estimation days where both returns exist,
    :math:`\hat\beta = \sum (x-\bar x)\,y / \sum (x-\bar x)^2` and
    :math:`\hat\alpha = \bar y - \hat\beta\bar x`; :math:`s^2 = \sum \hat e^2 / (L_i - 2)`
    (MacKinlay 1997). Rows with fewer than ``min_nobs`` days (or a constant benchmark) are
    unusable: their residuals are NaN and ``usable`` is False.

    Parameters
    ----------
    firm, market
        Return panels ``(D, F)`` and ``(D, M)`` (column-major).
    day0
        Date position of each firm-event's day 0 (``-1``: not in the data).
    firm_col, mkt_col
        Firm and benchmark column of each firm-event (``-1``: not in the panel, all NaN).
    rel_est, rel_evt
        Estimation and event-span days relative to day 0.
    min_nobs
        Fewest estimation days for a usable fit.
    est_pos, firm_est, market_est, resid
        ``(m, L)`` arrays filled here (the caller may reuse them across partitions): date
        positions, firm and benchmark returns of the estimation days, and the residuals.

    Returns
    -------
    tuple
        ``evt_pos, firm_evt, market_evt, alpha, beta, sigma2, nobs, r2, xbar, sxx, usable``.
    """
    m = day0.shape[0]
    n_dates = firm.shape[0]
    width = rel_est.shape[0]
    span = rel_evt.shape[0]
    evt_pos = np.empty((m, span), np.int64)
    firm_evt = np.empty((m, span))
    market_evt = np.empty((m, span))
    alpha = np.full(m, np.nan)
    beta = np.full(m, np.nan)
    sigma2 = np.full(m, np.nan)
    r2 = np.full(m, np.nan)
    xbar_out = np.full(m, np.nan)
    sxx_out = np.full(m, np.nan)
    nobs = np.zeros(m, np.int64)
    usable = np.zeros(m, np.bool_)
    for i in range(m):
        d0 = day0[i]
        fc = firm_col[i]
        mc = mkt_col[i]
        for t in range(span):
            pos = d0 + rel_evt[t]
            if d0 < 0 or pos < 0 or pos >= n_dates:
                pos = -1
            evt_pos[i, t] = pos
            firm_evt[i, t] = firm[pos, fc] if pos >= 0 and fc >= 0 else np.nan
            market_evt[i, t] = market[pos, mc] if pos >= 0 and mc >= 0 else np.nan
        n = 0
        sx = 0.0
        sy = 0.0
        for t in range(width):
            pos = d0 + rel_est[t]
            if d0 < 0 or pos < 0 or pos >= n_dates:
                pos = -1
            est_pos[i, t] = pos
            y = firm[pos, fc] if pos >= 0 and fc >= 0 else np.nan
            x = market[pos, mc] if pos >= 0 and mc >= 0 else np.nan
            firm_est[i, t] = y
            market_est[i, t] = x
            if math.isfinite(y) and math.isfinite(x):
                n += 1
                sx += x
                sy += y
        nobs[i] = n
        if n == 0:
            resid[i, :] = np.nan
            continue
        xbar = sx / n
        ybar = sy / n
        sxx = 0.0
        sxy = 0.0
        for t in range(width):
            y = firm_est[i, t]
            x = market_est[i, t]
            if math.isfinite(y) and math.isfinite(x):
                xc = x - xbar
                sxx += xc * xc
                sxy += xc * y
        ok = n >= max(min_nobs, 3) and abs(n * sxx) > 1e-300
        if not ok:
            resid[i, :] = np.nan
            continue
        b = sxy / sxx
        a = ybar - b * xbar
        ssr = 0.0
        syy = 0.0
        for t in range(width):
            y = firm_est[i, t]
            x = market_est[i, t]
            if math.isfinite(y) and math.isfinite(x):
                e = y - (a + b * x)
                resid[i, t] = e
                ssr += e * e
                syy += (y - ybar) * (y - ybar)
            else:
                resid[i, t] = np.nan
        usable[i] = True
        alpha[i] = a
        beta[i] = b
        sigma2[i] = ssr / (n - 2.0)
        r2[i] = 1.0 - ssr / syy
        xbar_out[i] = xbar
        sxx_out[i] = sxx
    return (
        evt_pos,
        firm_evt,
        market_evt,
        alpha,
        beta,
        sigma2,
        nobs,
        r2,
        xbar_out,
        sxx_out,
        usable,
    )
