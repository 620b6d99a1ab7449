"""Factor models: CAPM, Fama-French three and five factors, Carhart four factors.

Every factor model regresses the firm's excess return :math:`R_{it} - R_{ft}` on a constant and
factor returns taken from ``sample.regressors`` (a date-indexed frame in decimal units, e.g. from
:func:`eventstudy.data.french.load_french_factors`), by OLS over the estimation window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import InputError
from ..sample import EventSample
from .base import LinearDesign, LinearReturnModel

FACTOR_COLUMNS = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom")
"""Column names a factor frame may hold (Ken French's spelling)."""


@dataclass(frozen=True)
class FactorModel(LinearReturnModel):
    r"""Linear factor model of excess returns, estimated by OLS over the estimation window.

    Parameters
    ----------
    name
        Registry name.
    factors
        Factor columns of ``sample.regressors`` used as regressors (besides the constant).
    min_nobs
        Fewest estimation days a firm-event needs.

    Notes
    -----
    .. math::

        R_{it} - R_{ft} = \\alpha_i + \\sum_{j} b_{ij} F_{jt} + \\varepsilon_{it}, \\qquad
        AR_{it} = R_{it} - R_{ft} - \\hat\\alpha_i - \\sum_j \\hat b_{ij} F_{jt},

    with :math:`s_i^2 = \\hat\\varepsilon'\\hat\\varepsilon / (L_i - k)`, :math:`k` the number of
    parameters including the constant, and the prediction-error variance
    :math:`s_i^2 (1 + x_t'(X'X)^{-1}x_t)` of :class:`~eventstudy.models.base.ReturnFit`. The
    risk-free rate enters as an offset, so the normal return is
    :math:`R_{ft} + \\hat\\alpha_i + \\sum_j \\hat b_{ij} F_{jt}`.

    References
    ----------
    Fama, E. F. and French, K. R. (1993). Common risk factors in the returns on stocks and bonds.
    *Journal of Financial Economics* 33, 3-56.

    Fama, E. F. and French, K. R. (2015). A five-factor asset pricing model. *Journal of
    Financial Economics* 116, 1-22.

    Carhart, M. M. (1997). On persistence in mutual fund performance. *Journal of Finance* 52,
    57-82.

    Examples
    --------
    >>> from eventstudy.models.factor import FamaFrench3Model
    >>> FamaFrench3Model().factors
    ('Mkt-RF', 'SMB', 'HML')
    """

    name: str = "factor"
    citation: ClassVar[str] = "Fama and French (1993), JFE 33, 3-56"
    factors: tuple[str, ...] = ("Mkt-RF",)
    min_nobs: int = 30

    def design(self, sample: EventSample) -> LinearDesign:
        """Constant and factor returns; excess returns as the response, RF as the offset."""
        frame = sample.regressors
        needed = (*self.factors, "RF")
        if frame is None:
            raise InputError(
                f"model={self.name!r} needs factor returns ({', '.join(needed)}) but the sample "
                "has none; pass them with factors= (Python) or --factors FILE (CLI), e.g. from "
                "eventstudy.data.french.load_french_factors.",
                field="factors",
                value=None,
            )
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(
                f"model={self.name!r} needs factor column(s) {', '.join(missing)} that the factor "
                f"frame lacks (it has {', '.join(map(str, frame.columns))}); pass a factor file "
                "holding them with factors= or --factors FILE.",
                field="factors",
                value=missing,
            )
        values = frame[list(self.factors)].to_numpy(dtype=float)
        rf = frame["RF"].to_numpy(dtype=float)
        f_est, f_evt = sample.gather(values)
        rf_est, rf_evt = sample.gather(rf)
        return LinearDesign(
            y_est=sample.firm_est - rf_est,
            x_est=np.concatenate([np.ones(f_est.shape[:2] + (1,)), f_est], axis=2),
            y_evt=sample.firm_evt,
            x_evt=np.concatenate([np.ones(f_evt.shape[:2] + (1,)), f_evt], axis=2),
            offset_evt=rf_evt,
            param_names=("alpha", *(_param_name(f) for f in self.factors)),
        )


def _param_name(factor: str) -> str:
    """``Mkt-RF`` -> ``beta_mkt``, ``SMB`` -> ``beta_smb``."""
    return "beta_" + factor.split("-")[0].lower()


@dataclass(frozen=True)
class CAPMModel(FactorModel):
    r"""CAPM: the firm's excess return on the market's excess return, by OLS.

    :math:`R_{it} - R_{ft} = \\alpha_i + \\beta_i (R_{mt} - R_{ft}) + \\varepsilon_{it}`. The
    market excess return is the factor frame's ``Mkt-RF``; see :class:`FactorModel`.

    References
    ----------
    Sharpe, W. F. (1964). Capital asset prices. *Journal of Finance* 19, 425-442.
    """

    name: str = "capm"
    citation: ClassVar[str] = "Sharpe (1964), Journal of Finance 19, 425-442"
    factors: tuple[str, ...] = ("Mkt-RF",)


@dataclass(frozen=True)
class FamaFrench3Model(FactorModel):
    """Fama-French three-factor model (``Mkt-RF``, ``SMB``, ``HML``); see :class:`FactorModel`.

    References
    ----------
    Fama, E. F. and French, K. R. (1993). *Journal of Financial Economics* 33, 3-56.
    """

    name: str = "ff3"
    citation: ClassVar[str] = "Fama and French (1993), JFE 33, 3-56"
    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML")


@dataclass(frozen=True)
class FamaFrench5Model(FactorModel):
    """Fama-French five-factor model (adds ``RMW``, ``CMA``); see :class:`FactorModel`.

    References
    ----------
    Fama, E. F. and French, K. R. (2015). *Journal of Financial Economics* 116, 1-22.
    """

    name: str = "ff5"
    citation: ClassVar[str] = "Fama and French (2015), JFE 116, 1-22"
    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "RMW", "CMA")


@dataclass(frozen=True)
class CarhartModel(FactorModel):
    """Carhart four-factor model (FF3 plus momentum ``Mom``); see :class:`FactorModel`.

    References
    ----------
    Carhart, M. M. (1997). *Journal of Finance* 52, 57-82.
    """

    name: str = "carhart"
    citation: ClassVar[str] = "Carhart (1997), Journal of Finance 52, 57-82"
    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "Mom")
