r"""Market model: :math:`R_{it} = \alpha_i + \beta_i R_{mt} + \varepsilon_{it}` by OLS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..sample import EventSample
from .base import LinearDesign, LinearReturnModel


@dataclass(frozen=True)
class MarketModel(LinearReturnModel):
    r"""Market model estimated by OLS over the estimation window.

    Notes
    -----
    .. math::

        R_{it} = \alpha_i + \beta_i R_{mt} + \varepsilon_{it}, \qquad
        AR_{it} = R_{it} - \hat\alpha_i - \hat\beta_i R_{mt},

    with residual variance :math:`s_i^2 = \sum \hat\varepsilon^2 / (L_i - 2)` and the
    prediction-error variance of :class:`~eventstudy.models.base.ReturnFit`.

    References
    ----------
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of Financial
    Markets*, ch. 4. Princeton University Press.

    Examples
    --------
    >>> from eventstudy.models import MarketModel
    >>> MarketModel().name
    'market'
    """

    name: str = "market"
    citation: ClassVar[str] = (
        "Campbell, Lo and MacKinlay (1997), The Econometrics of Financial Markets, ch. 4"
    )
    min_nobs: int = 30

    def design(self, sample: EventSample) -> LinearDesign:
        """Constant and benchmark return."""
        ones_e = np.ones_like(sample.market_est)
        ones_v = np.ones_like(sample.market_evt)
        return LinearDesign(
            y_est=sample.firm_est,
            x_est=np.stack([ones_e, sample.market_est], axis=2),
            y_evt=sample.firm_evt,
            x_evt=np.stack([ones_v, sample.market_evt], axis=2),
            offset_evt=np.zeros_like(sample.firm_evt),
            param_names=("alpha", "beta"),
        )
