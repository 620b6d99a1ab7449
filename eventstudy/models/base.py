"""Return-model specification and the fitted result shared by every model.

A model is a frozen spec. ``fit(sample)`` is pure: it estimates the normal-return model for every
firm-event of an :class:`~eventstudy.sample.EventSample` at once and returns a :class:`ReturnFit`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._types import MissingInWindow, WindowSpec, validate_literal
from ..sample import EventSample


def quad_form(x: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Quadratic forms :math:`x'Vx` per firm-event: ``x`` ``(n, ..., k)``, ``inv`` ``(n, k, k)``.

    The same sums as ``einsum("n...k,nkj,n...j->n...")``, as ``k^2`` element-wise products
    (for the market model's ``k = 2`` several times faster than einsum's generic loop).
    """
    n, k = inv.shape[0], inv.shape[-1]
    shape = (n,) + (1,) * (x.ndim - 2)
    out = np.zeros(x.shape[:-1])
    for a in range(k):
        for b in range(k):
            out += inv[:, a, b].reshape(shape) * x[..., a] * x[..., b]
    return out


@dataclass(frozen=True)
class ReturnFit:
    r"""Normal-return model fitted to ``n`` firm-events, with abnormal returns and their variances.

    Abnormal returns cover the sample's event span (``sample.rel_days``) and are NaN where the firm
    has no return. Variances carry the prediction-error correction: for a linear model with
    estimation design :math:`X` (``L x k``) and residual variance :math:`s^2`,

    .. math::

        \operatorname{Var}(AR_t) = s^2\,(1 + x_t'(X'X)^{-1}x_t), \qquad
        \operatorname{Var}(CAR_{a,b}) = s^2\,(T + c'(X'X)^{-1}c), \quad c = \sum_{t=a}^{b} x_t,

    where :math:`T = b - a + 1`. The CAR term is the square of a sum of event-day regressors, not a
    sum of squares (Campbell, Lo and MacKinlay 1997, eq. 4.4.14; for the market model
    :math:`c'(X'X)^{-1}c = T^2/L + (\sum_t (R_{mt} - \bar R_m))^2 / \sum_\tau (R_{m\tau} - \bar R_m)^2`).

    Attributes
    ----------
    model
        Model name.
    sample
        The sample the model was fitted to.
    param_names
        Names of the ``k`` parameters.
    params
        Estimated parameters, shape ``(n, k)``.
    sigma2
        Residual variance :math:`s^2 = SSR / \text{dof}`, shape ``(n,)``.
    nobs
        Estimation observations used, shape ``(n,)``.
    dof
        Residual degrees of freedom (``nobs - k``; ``L - 2`` for the market model).
    r2
        R-squared of the estimation regression.
    xtx_inv
        :math:`(X'X)^{-1}`, shape ``(n, k, k)``.
    x_evt
        Event-span regressors, shape ``(n, W, k)``.
    est_resid
        Estimation-window residuals, shape ``(n, L)``, NaN where not used.
    normal
        Normal (expected) returns over the event span, shape ``(n, W)``.
    ar
        Abnormal returns over the event span, shape ``(n, W)``.
    notes
        Free-text notes on the fit.
    evt_var
        Conditional variances of the event-span abnormal returns, shape ``(n, W)``, or None.
        When set (GARCH models) they replace the prediction-error variance: :meth:`ar_var`
        returns them and :meth:`car` / :meth:`car_path` sum them over the window's days,
        :math:`\operatorname{Var}(CAR_{a,b}) = \sum_{t=a}^{b} h_t`. Like the event-study
        literature on GARCH standardization (Savickas 2003), this ignores the error in the
        estimated parameters.
    fail_reason
        Why each firm-event could not be fitted, shape ``(n,)`` (object; ``""`` when fitted or
        when the generic too-few-returns reason applies), or None for models that report none.
    """

    model: str
    sample: EventSample
    param_names: tuple[str, ...]
    params: np.ndarray
    sigma2: np.ndarray
    nobs: np.ndarray
    dof: np.ndarray
    r2: np.ndarray
    xtx_inv: np.ndarray
    x_evt: np.ndarray
    est_resid: np.ndarray
    normal: np.ndarray
    ar: np.ndarray
    notes: dict[str, str] = field(default_factory=dict)
    evt_var: np.ndarray | None = None
    fail_reason: np.ndarray | None = None
    _car_cache: dict[Any, tuple[np.ndarray, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def n(self) -> int:
        """Number of firm-events."""
        return self.sample.n

    def leverage(self) -> np.ndarray:
        """Event-day leverages :math:`x_t'(X'X)^{-1}x_t`, shape ``(n, W)``."""
        if self.xtx_inv.shape[-1] == 0:
            return np.zeros(self.ar.shape)
        return quad_form(self.x_evt, self.xtx_inv)

    def ar_var(self) -> np.ndarray:
        """Variance of each abnormal return, shape ``(n, W)``.

        The prediction-error variance, or the conditional variances ``evt_var`` when set.
        """
        if self.evt_var is not None:
            return self.evt_var.copy()
        return self.sigma2[:, None] * (1.0 + self.leverage())

    def ar_cov(self, window: WindowSpec) -> np.ndarray:
        """Covariance matrix of the abnormal returns inside ``window``, shape ``(n, T, T)``.

        :math:`s^2 (I + X_e (X'X)^{-1} X_e')` (Campbell, Lo and MacKinlay 1997, eq. 4.4.8).
        """
        cols = self.sample.window_columns(window)
        if self.evt_var is not None:  # conditional variances: no estimation covariance
            return np.eye(len(cols))[None, :, :] * self.evt_var[:, cols, None]
        xe = self.x_evt[:, cols, :]
        cov = np.einsum("nwk,nkj,nvj->nwv", xe, self.xtx_inv, xe)
        cov = cov + np.eye(len(cols))[None, :, :]
        return self.sigma2[:, None, None] * cov

    def car(
        self, window: WindowSpec, missing: MissingInWindow = "nan"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cumulative abnormal return over an inclusive window, its variance and its day count.

        Parameters
        ----------
        window
            ``(a, b)`` in sessions relative to day 0, both ends included.
        missing
            ``"nan"`` (default): a missing abnormal return makes the CAR NaN. ``"skip"``: sum the
            available days; the variance then counts only those days.

        Returns
        -------
        car, var, days
            Arrays of shape ``(n,)``.
        """
        validate_literal(missing, MissingInWindow, "missing")
        key = ((int(window[0]), int(window[1])), missing)
        if key not in self._car_cache:
            self._car_cache[key] = self._car(window, missing)
        # copies: the cached arrays must survive callers that write into what they get
        return tuple(a.copy() for a in self._car_cache[key])  # type: ignore[return-value]

    def seed_car(
        self,
        window: WindowSpec,
        missing: MissingInWindow,
        values: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Store what :meth:`car` returns for ``(window, missing)``, computed elsewhere.

        For a fit assembled from partitions of the same firm-events: the CARs are row-wise, so
        the partitions' own ``car`` results, concatenated, are this fit's.
        """
        validate_literal(missing, MissingInWindow, "missing")
        key = ((int(window[0]), int(window[1])), missing)
        self._car_cache[key] = tuple(np.asarray(a) for a in values)

    def _car(
        self, window: WindowSpec, missing: MissingInWindow
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cols = self.sample.window_columns(window)
        ar = self.ar[:, cols]
        have = np.isfinite(ar)
        days = have.sum(axis=1)
        xe = np.where(have[:, :, None], self.x_evt[:, cols, :], 0.0)
        c = xe.sum(axis=1)
        quad = quad_form(c, self.xtx_inv) if c.shape[1] else 0.0
        car = np.where(have, ar, 0.0).sum(axis=1)
        if self.evt_var is not None:
            var = np.where(have, self.evt_var[:, cols], 0.0).sum(axis=1)
        else:
            var = self.sigma2 * (days + quad)
        if missing == "nan":
            complete = days == len(cols)
            car = np.where(complete, car, np.nan)
            var = np.where(complete, var, np.nan)
        else:
            car = np.where(days > 0, car, np.nan)
            var = np.where(days > 0, var, np.nan)
        return car, var, days

    def car_path(
        self, start: int, missing: MissingInWindow = "nan"
    ) -> tuple[np.ndarray, np.ndarray]:
        """CAR from day ``start`` to each day of the span and its variance, shape ``(n, W)``.

        Column ``j`` equals ``car((start, rel_days[j]))`` (NaN before ``start``), computed with
        running sums instead of one call per day.
        """
        validate_literal(missing, MissingInWindow, "missing")
        before = self.sample.rel_days < start
        have = np.isfinite(self.ar) & ~before[None, :]
        days = np.cumsum(have, axis=1)
        car = np.cumsum(np.where(have, self.ar, 0.0), axis=1)
        if self.xtx_inv.shape[-1]:
            c = np.cumsum(np.where(have[:, :, None], self.x_evt, 0.0), axis=1)
            quad = quad_form(c, self.xtx_inv)
        else:
            quad = 0.0
        if self.evt_var is not None:
            var = np.cumsum(np.where(have, self.evt_var, 0.0), axis=1)
        else:
            var = self.sigma2[:, None] * (days + quad)
        length = np.cumsum(~before)[None, :]
        ok = (days == length) if missing == "nan" else (days > 0)
        ok &= ~before[None, :]
        return np.where(ok, car, np.nan), np.where(ok, var, np.nan)

    def bhar(self, window: WindowSpec) -> np.ndarray:
        r"""Buy-and-hold abnormal return :math:`\prod(1+R_t) - \prod(1+\hat R_t)` over ``window``.

        (Barber and Lyon 1997.) NaN when any day of the window is missing.
        """
        cols = self.sample.window_columns(window)
        actual = np.prod(1.0 + self.sample.firm_evt[:, cols], axis=1)
        normal = np.prod(1.0 + self.normal[:, cols], axis=1)
        return actual - normal

    def fit_table(self) -> pd.DataFrame:
        """One row per firm-event: parameters, R-squared, residual sd, nobs and the window used."""
        return fit_frame(self.sample.pairs, self.model, self.fit_columns())

    def fit_columns(self) -> dict[str, np.ndarray]:
        """The columns of :meth:`fit_table` after the identifiers, as arrays."""
        used = np.isfinite(self.est_resid)
        dates = self.sample.dates.to_numpy()
        first = np.where(used.any(axis=1), used.argmax(axis=1), -1)
        last = np.where(used.any(axis=1), used.shape[1] - 1 - used[:, ::-1].argmax(axis=1), -1)
        pos_first = np.take_along_axis(self.sample.est_pos, np.maximum(first, 0)[:, None], 1)[:, 0]
        pos_last = np.take_along_axis(self.sample.est_pos, np.maximum(last, 0)[:, None], 1)[:, 0]
        columns = {name: self.params[:, j] for j, name in enumerate(self.param_names)}
        columns["r2"] = self.r2
        columns["resid_sd"] = np.sqrt(self.sigma2)
        columns["nobs"] = self.nobs
        columns["dof"] = self.dof
        columns["fit_start"] = np.where(first >= 0, dates[pos_first], np.datetime64("NaT"))
        columns["fit_stop"] = np.where(last >= 0, dates[pos_last], np.datetime64("NaT"))
        return columns


def fit_frame(pairs: pd.DataFrame, model: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The fit table: ``event_id``, ``ticker`` and ``model``, then ``columns`` (one row per pair).

    Parameters
    ----------
    pairs
        The firm-events (``event_id``, ``ticker``); the table keeps their index.
    model
        Name of the normal-return model.
    columns
        :meth:`ReturnFit.fit_columns` of a fit of ``pairs`` (or of its partitions, concatenated).
    """
    # one constructor call: column-by-column inserts cost more than the numbers at 10^3 rows
    identifiers: dict[str, Any] = {
        "event_id": pairs["event_id"].to_numpy(),
        "ticker": pairs["ticker"].to_numpy(),
        "model": np.full(len(pairs), model, dtype=object),
    }
    return pd.DataFrame(identifiers | columns, index=pairs.index)


@dataclass(frozen=True)
class LinearDesign:
    """Regression inputs of a linear normal-return model for every firm-event.

    ``y = offset + X b + e``; the normal return over the event span is ``offset + X_evt b``.
    """

    y_est: np.ndarray
    x_est: np.ndarray
    y_evt: np.ndarray
    x_evt: np.ndarray
    offset_evt: np.ndarray
    param_names: tuple[str, ...]


class ReturnModel(ABC):
    """A normal-return model: a frozen spec whose ``fit`` returns a new :class:`ReturnFit`."""

    name: str = ""
    min_nobs: int = 30
    citation: ClassVar[str] = ""
    """The paper or textbook the model follows (listed by ``eventstudy models``)."""

    @abstractmethod
    def fit(self, sample: EventSample) -> ReturnFit:
        """Estimate the model for every firm-event of ``sample``."""


class LinearReturnModel(ReturnModel):
    """Base of models estimated by OLS on a linear design (batched over firm-events)."""

    @abstractmethod
    def design(self, sample: EventSample) -> LinearDesign:
        """Regression inputs for every firm-event."""

    def fit(self, sample: EventSample) -> ReturnFit:
        """Estimate by OLS for every firm-event at once (closed-form normal equations)."""
        d = self.design(sample)
        return fit_linear(self.name, sample, d, self.min_nobs)


def fit_linear(name: str, sample: EventSample, d: LinearDesign, min_nobs: int) -> ReturnFit:
    r"""Batched OLS over firm-events with missing days.

    For each firm-event the estimation days where the return or any regressor is missing are
    dropped; :math:`\hat b = (X'X)^{-1}X'y` and :math:`s^2 = \hat e'\hat e/(L_i - k)` with
    :math:`L_i` the days used (``L - 2`` for the market model, as in Campbell, Lo and MacKinlay
    1997, eq. 4.4.6). Firm-events with fewer than ``min_nobs`` days or a singular design get NaN
    everywhere.
    """
    n, length, k = d.x_est.shape
    valid = np.isfinite(d.y_est) & np.isfinite(d.x_est).all(axis=2)
    x = np.where(valid[:, :, None], d.x_est, 0.0)
    y = np.where(valid, d.y_est, 0.0)
    nobs = valid.sum(axis=1)
    xtx = np.einsum("nlk,nlj->nkj", x, x)
    xty = np.einsum("nlk,nl->nk", x, y)
    usable = nobs >= max(min_nobs, k + 1)
    det_ok = np.abs(np.linalg.det(xtx)) > 1e-300 if k else np.ones(n, bool)
    usable &= det_ok
    eye = np.broadcast_to(np.eye(k), xtx.shape)
    xtx_safe = np.where(usable[:, None, None], xtx, eye)
    xtx_inv = np.linalg.inv(xtx_safe) if k else np.zeros((n, 0, 0))
    params = np.einsum("nkj,nj->nk", xtx_inv, xty) if k else np.zeros((n, 0))
    fitted = np.einsum("nlk,nk->nl", x, params) if k else np.zeros((n, length))
    resid = np.where(valid, y - fitted, np.nan)
    dof = (nobs - k).astype(float)
    ssr = np.nansum(resid**2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma2 = ssr / dof
        ybar = np.where(valid, d.y_est, 0.0).sum(axis=1) / nobs
        sst = np.where(valid, (d.y_est - ybar[:, None]) ** 2, 0.0).sum(axis=1)
        r2 = 1.0 - ssr / sst
    normal = d.offset_evt + (np.einsum("nwk,nk->nw", d.x_evt, params) if k else 0.0)
    ar = d.y_evt - normal
    bad = ~usable
    for arr in (params, sigma2, r2, ar, normal):
        arr[bad] = np.nan
    resid[bad] = np.nan
    xtx_inv = np.where(bad[:, None, None], np.nan, xtx_inv)
    return ReturnFit(
        model=name,
        sample=sample,
        param_names=d.param_names,
        params=params,
        sigma2=sigma2,
        nobs=nobs,
        dof=dof,
        r2=r2,
        xtx_inv=xtx_inv,
        x_evt=d.x_evt,
        est_resid=resid,
        normal=normal,
        ar=ar,
    )
