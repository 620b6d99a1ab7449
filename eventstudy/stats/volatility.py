r"""Abnormal volatility: a test of whether the event changed the variance of returns.

A test of means assumes the event leaves the variance alone; when it does not (event-induced
variance), Patell's test over-rejects and the BMP test, which rescales by the cross-sectional
spread of the standardized CARs, is the one to read. This module tests the variance itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Cell, CrossSection, TestResult, p_t
from .parametric import standardized_car
from .statistic import Statistic

CITE_BEAVER = (
    "Beaver (1968), Journal of Accounting Research 6 (Suppl.), 67-92; "
    "Patell (1976), Journal of Accounting Research 14, 246-276"
)


class BeaverU(Statistic):
    r"""Cross-sectional t test of Beaver's U (squared standardized abnormal return) against 1.

    Notes
    -----
    Beaver (1968) measured the information content of an announcement by the ratio of the squared
    event-period residual to the firm's estimation-period residual variance. We use its
    prediction-error-standardized form: for each firm-event the squared standardized CAR of the
    window,

    .. math::

        U_i = SCAR_i^2 = \frac{CAR_i^2}{s_i^2\,(T + c_i'(X_i'X_i)^{-1}c_i)}, \qquad
        \operatorname{E}[U_i] = \frac{d_i}{d_i - 2}

    under the null of an unchanged variance and normal disturbances (:math:`SCAR_i \sim t(d_i)`,
    :math:`d_i` the residual degrees of freedom, Patell 1976). The excess
    :math:`D_i = U_i - d_i/(d_i - 2)` is tested with a cross-sectional t,

    .. math::

        t_U = \frac{\bar D}{s_D / \sqrt N} \sim t(N - 1),

    which needs no assumption on the distribution of :math:`U_i` beyond a finite variance. A
    positive statistic means event-induced variance (read BMP or Kolari-Pynnonen rather than
    Patell). With a shared event date the :math:`U_i` are correlated and the test over-rejects.

    References
    ----------
    Beaver, W. H. (1968). The information content of annual earnings announcements. *Journal of
    Accounting Research* 6 (Supplement), 67-92.

    Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior:
    empirical tests. *Journal of Accounting Research* 14, 246-276.
    """

    name = "beaver_u"
    citation = CITE_BEAVER
    null = "event-window variance = estimation-window variance (mean U = d/(d-2))"

    def finalize(self, reduced: Any, cs: CrossSection, cell: Cell) -> TestResult:
        """The statistic of one group and window (formula under Notes)."""
        usable = cs.dof > 2
        n = int(usable.sum())
        if n < 2:
            return self.invalid(f"needs at least 2 firm-events with d > 2, got {n}", n)
        u = standardized_car(cs)[usable] ** 2
        d = cs.dof[usable]
        excess = u - d / (d - 2.0)
        sd = float(excess.std(ddof=1))
        if not sd > 0:
            return self.invalid("the squared standardized CARs have zero spread", n)
        stat = float(excess.mean() / (sd / np.sqrt(n)))
        return TestResult(
            self.name,
            stat,
            p_t(stat, n - 1),
            f"t({n - 1})",
            self.null,
            n,
            self.citation,
            float(u.mean()),
        )


beaver_u = BeaverU()
