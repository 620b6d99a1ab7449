"""Constant-mean and market-adjusted return models."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..sample import EventSample
from .base import LinearDesign, LinearReturnModel, ReturnFit, fit_linear


@dataclass(frozen=True)
class MeanAdjustedModel(LinearReturnModel):
    r"""Constant-mean-return model: the normal return is the estimation-window mean.

    Notes
    -----
    .. math::

        AR_{it} = R_{it} - \bar R_i, \qquad s_i^2 = \frac{1}{L_i - 1}\sum_\tau (R_{i\tau} - \bar R_i)^2,
        \qquad \operatorname{Var}(AR_{it}) = s_i^2 (1 + 1/L_i).

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """

    name: str = "mean_adjusted"
    citation: ClassVar[str] = "Brown and Warner (1985), JFE 14, 3-31"
    min_nobs: int = 30

    def design(self, sample: EventSample) -> LinearDesign:
        """A constant only."""
        return LinearDesign(
            y_est=sample.firm_est,
            x_est=np.ones(sample.firm_est.shape + (1,)),
            y_evt=sample.firm_evt,
            x_evt=np.ones(sample.firm_evt.shape + (1,)),
            offset_evt=np.zeros_like(sample.firm_evt),
            param_names=("mean",),
        )


@dataclass(frozen=True)
class MarketAdjustedModel(LinearReturnModel):
    r"""Market-adjusted returns: the normal return is the benchmark return (no parameters).

    Notes
    -----
    .. math::

        AR_{it} = R_{it} - R_{mt}, \qquad
        s_i^2 = \frac{1}{L_i - 1}\sum_\tau (AR_{i\tau} - \overline{AR}_i)^2,

    and, with nothing estimated, :math:`\operatorname{Var}(AR_{it}) = s_i^2` and
    :math:`\operatorname{Var}(CAR) = T s_i^2`.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14, 3-31.
    """

    name: str = "market_adjusted"
    citation: ClassVar[str] = "Brown and Warner (1985), JFE 14, 3-31"
    min_nobs: int = 30

    def design(self, sample: EventSample) -> LinearDesign:
        """No regressors: the benchmark return is an offset."""
        return LinearDesign(
            y_est=sample.firm_est - sample.market_est,
            x_est=np.zeros(sample.firm_est.shape + (0,)),
            y_evt=sample.firm_evt,
            x_evt=np.zeros(sample.firm_evt.shape + (0,)),
            offset_evt=sample.market_evt,
            param_names=(),
        )

    def fit(self, sample: EventSample) -> ReturnFit:
        """Abnormal returns and the demeaned estimation-window variance (divisor ``L - 1``)."""
        fit = fit_linear(self.name, sample, self.design(sample), self.min_nobs)
        resid = fit.est_resid
        centred = resid - np.nanmean(resid, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            dof = fit.nobs - 1.0
            sigma2 = np.nansum(centred**2, axis=1) / dof
        sigma2 = np.where(np.isfinite(fit.sigma2), sigma2, np.nan)
        return dataclasses.replace(fit, sigma2=sigma2, dof=dof, est_resid=centred)
