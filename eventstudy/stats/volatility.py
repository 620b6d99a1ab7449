r"""Abnormal volatility: a test of whether the event changed the variance of returns.

A test of means assumes the event leaves the variance alone; when it does not (event-induced
variance), Patell's test over-rejects and the BMP test, which rescales by the cross-sectional
spread of the standardized CARs, is the one to read. This module tests the variance itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numeric import chi2_cdf, chi2_sf
from .base import Cell, CrossSection, TestResult
from .parametric import standardized_car
from .statistic import Statistic

CITE_BEAVER = (
    "Beaver (1968), Journal of Accounting Research 6 (Suppl.), 67-92; "
    "Patell (1976), Journal of Accounting Research 14, 246-276"
)


class BeaverU(Statistic):
    r"""Chi-square test of Beaver's U (squared standardized abnormal returns) against its null mean.

    Notes
    -----
    Beaver (1968) measured the information content of an announcement by the ratio of the squared
    event-period residual to the firm's estimation-period residual variance. We use its
    prediction-error-standardized form: for each firm-event the squared standardized CAR of the
    window,

    .. math::

        U_i = SCAR_i^2 = \frac{CAR_i^2}{s_i^2\,(T + c_i'(X_i'X_i)^{-1}c_i)}
        \sim F(1, d_i), \qquad \operatorname{E}[U_i] = \frac{d_i}{d_i - 2},

    under the null of an unchanged variance and normal disturbances (:math:`SCAR_i \sim t(d_i)`,
    :math:`d_i` the residual degrees of freedom; Patell 1976). Scaled to mean one, the terms are
    close to :math:`\chi^2_1` and independent across firm-events, so

    .. math::

        Q = \sum_{i=1}^N \frac{d_i - 2}{d_i}\, U_i \;\dot\sim\; \chi^2_N,

    with the two-sided p-value :math:`2\min\{P(\chi^2_N \le Q), P(\chi^2_N \ge Q)\}`. A large
    :math:`Q` means event-induced variance (read BMP or Kolari-Pynnonen rather than Patell).
    The estimate is the mean :math:`U`. A cross-sectional t test of :math:`U_i - d_i/(d_i-2)`
    would need no normality but is badly sized for so skewed a variable (about 8% at a nominal
    5% with 50 firm-events in ``docs/size_power.md``'s design); this form holds its size under
    normal disturbances. With a shared event date the :math:`U_i` are correlated and the test
    over-rejects.

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
        if n < 1:
            return self.invalid("needs at least 1 firm-event with d > 2, got 0", n)
        u = standardized_car(cs)[usable] ** 2
        d = cs.dof[usable]
        q = float(np.sum(u * (d - 2.0) / d))
        p = float(min(1.0, 2.0 * min(chi2_cdf(q, n), chi2_sf(q, n))))
        return TestResult(
            self.name, q, p, f"chi2({n})", self.null, n, self.citation, float(u.mean())
        )


beaver_u = BeaverU()
