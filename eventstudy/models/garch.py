r"""Market model with GARCH(1,1) disturbances, fitted per firm-event with the ``arch`` package.

The fit is one maximum-likelihood optimisation per firm-event (no closed form to batch), so it
loops over the rows; ``arch`` is imported only when this model is fitted.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..sample import EventSample
from .base import ReturnFit, ReturnModel

#: Returns are multiplied by this before the optimisation (arch's optimiser is tuned for
#: percentage returns); parameters and variances are rescaled to decimals afterwards.
SCALE = 100.0

#: Fewest estimation returns for which a GARCH(1,1) fit is attempted, whatever ``min_nobs``.
GARCH_MIN_NOBS = 30

PARAM_NAMES = ("alpha", "beta", "omega", "arch1", "garch1")

#: arch's ``fit`` edits the process-wide warning filters (``warnings.catch_warnings`` is not
#: thread-safe), so the local executor's threads take turns: fits in threads could otherwise
#: leave a filter behind. Dask workers are processes and fit in parallel.
ARCH_LOCK = threading.Lock()


@dataclass(frozen=True)
class GarchMarketModel(ReturnModel):
    r"""Market model whose disturbances follow a GARCH(1,1) process with normal innovations.

    Notes
    -----
    On the estimation window (the days where the firm and benchmark returns both exist)

    .. math::

        R_{it} = a_i + b_i R_{mt} + \varepsilon_{it}, \qquad
        \varepsilon_{it} = \sqrt{h_{it}}\, z_{it},\ z_{it} \sim N(0, 1), \qquad
        h_{it} = \omega_i + \alpha_i \varepsilon_{i,t-1}^2 + \beta_i h_{i,t-1},

    estimated jointly by maximum likelihood
    (``arch.arch_model(100 y, x=100 R_m, mean="LS", vol="GARCH", p=1, q=1, dist="normal")``
    with arch's default optimiser settings; the returns are scaled by 100 for the optimiser and
    :math:`a, \omega` and the variances rescaled to decimals). Abnormal returns are
    :math:`AR_{it} = R_{it} - \hat a_i - \hat b_i R_{mt}`. Their variances are the GARCH
    forecasts from the last estimation day :math:`T`:

    .. math::

        h_{T+1} = \hat\omega + \hat\alpha\,\hat\varepsilon_T^2 + \hat\beta\,h_T, \qquad
        h_{T+k} = \hat\omega + (\hat\alpha + \hat\beta)\,h_{T+k-1},

    with :math:`k` counted in sessions from :math:`T` (the last estimation day with both
    returns) to the event day, :math:`h_T` and :math:`\hat\varepsilon_T` being the fitted
    values the likelihood used (``res.conditional_volatility``, ``res.resid``). (``arch``'s own
    ``forecast`` reruns the in-sample filter with variance bounds taken from the final
    residuals, so it can differ slightly, by up to about 1e-3 relative in our tests.) They
    replace the
    prediction-error variance (:attr:`~eventstudy.models.base.ReturnFit.evt_var`), so the
    standardized abnormal returns of Patell and BMP divide by :math:`\sqrt{h_{T+k}}` and
    :math:`\operatorname{Var}(CAR) = \sum_t h_t`, ignoring parameter-estimation error as
    Savickas (2003) does. ``sigma2`` is the mean-equation residual variance
    :math:`\sum\hat\varepsilon^2/(L_i - 2)` (the fit table's ``resid_sd``) and the degrees of
    freedom are :math:`L_i - 5`.

    A firm-event whose fit raises, does not converge (arch's ``convergence_flag != 0``), gives
    non-positive or non-finite variances, or has constant returns gets NaN everywhere and a
    reason in :attr:`~eventstudy.models.base.ReturnFit.fail_reason`.

    References
    ----------
    Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity. *Journal
    of Econometrics* 31, 307-327.

    Savickas, R. (2003). Event-induced volatility and tests for abnormal performance. *Journal
    of Financial Research* 26, 165-178.

    Examples
    --------
    >>> from eventstudy.models import GarchMarketModel
    >>> GarchMarketModel().name
    'garch'
    """

    name: str = "garch"
    citation: ClassVar[str] = (
        "Bollerslev (1986), J. Econometrics 31, 307-327; Savickas (2003), JFR 26, 165-178"
    )
    min_nobs: int = 30

    def fit(self, sample: EventSample) -> ReturnFit:
        """Fit the GARCH(1,1) market model to every firm-event (one ML fit per row)."""
        n, length = sample.firm_est.shape
        width = len(sample.rel_days)
        params = np.full((n, len(PARAM_NAMES)), np.nan)
        sigma2 = np.full(n, np.nan)
        r2 = np.full(n, np.nan)
        resid = np.full((n, length), np.nan)
        evt_var = np.full((n, width), np.nan)
        reason = np.full(n, "", dtype=object)
        valid = np.isfinite(sample.firm_est) & np.isfinite(sample.market_est)
        nobs = valid.sum(axis=1)
        rel_est = np.arange(sample.estimation[0], sample.estimation[1] + 1)
        need = max(int(self.min_nobs), GARCH_MIN_NOBS)
        rows = np.flatnonzero(nobs >= need)
        few = (nobs < need) & (nobs >= self.min_nobs)
        reason[few] = [
            f"GARCH(1,1) needs at least {need} estimation returns, got {k}" for k in nobs[few]
        ]
        for i in rows:
            used = valid[i]
            y, x = sample.firm_est[i, used], sample.market_est[i, used]
            steps = sample.rel_days - rel_est[used][-1]
            # arch warns per fit (convergence, scale): failures are reported as reasons instead
            with ARCH_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fit_one(y, x, steps)
            if isinstance(out, str):
                reason[i] = out
                continue
            params[i], h_evt, e = out
            evt_var[i] = h_evt
            resid[i, used] = e
            ssr = float(e @ e)
            sigma2[i] = ssr / (len(y) - 2)
            r2[i] = 1.0 - ssr / float(((y - y.mean()) ** 2).sum())
        ok = np.isfinite(sigma2)
        normal = params[:, :1] + params[:, 1:2] * sample.market_evt
        ar = np.where(ok[:, None], sample.firm_evt - normal, np.nan)
        return ReturnFit(
            model=self.name,
            sample=sample,
            param_names=PARAM_NAMES,
            params=params,
            sigma2=sigma2,
            nobs=nobs,
            dof=(nobs - len(PARAM_NAMES)).astype(float),
            r2=r2,
            xtx_inv=np.zeros((n, 0, 0)),
            x_evt=np.zeros((n, width, 0)),
            est_resid=resid,
            normal=normal,
            ar=ar,
            evt_var=evt_var,
            fail_reason=reason,
        )


def fit_one(
    y: np.ndarray, x: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str:
    """One firm-event's GARCH(1,1) market model, or the reason it could not be fitted.

    Parameters
    ----------
    y, x
        Firm and benchmark returns on the estimation days used (decimals, no NaN).
    steps
        Sessions from the last estimation day to each event-span day.

    Returns
    -------
    params, h_evt, resid or str
        Decimal parameters ``(a, b, omega, alpha, beta)``, the event-span conditional variances
        and the estimation residuals; a reason string when the fit failed.
    """
    from arch import arch_model

    if np.ptp(y) == 0 or np.ptp(x) == 0:
        which = "firm" if np.ptp(y) == 0 else "benchmark"
        return f"constant {which} returns in the estimation window: no GARCH(1,1) fit"
    if steps.min() < 1:
        return "the event span overlaps the estimation window: no GARCH(1,1) forecast"
    try:
        res: Any = arch_model(
            y * SCALE, x=x[:, None] * SCALE, mean="LS", vol="GARCH", p=1, q=1, dist="normal"
        ).fit(disp="off", show_warning=False)
    except Exception as exc:  # arch raises assorted numerical errors; each is one exclusion
        return f"GARCH(1,1) fit failed ({type(exc).__name__})"
    if res.convergence_flag != 0:
        return f"GARCH(1,1) fit did not converge (optimizer flag {int(res.convergence_flag)})"
    const, slope, omega, alpha, beta = np.asarray(res.params, dtype=float)
    e = np.asarray(res.resid, dtype=float) / SCALE
    omega /= SCALE**2
    # the variance path the likelihood was evaluated on, in decimals
    h_last = float(np.asarray(res.conditional_volatility, dtype=float)[-1] / SCALE) ** 2
    h_evt = garch_forecast(omega, alpha, beta, float(e[-1]), h_last, steps)
    if not (np.all(np.isfinite(h_evt)) and np.all(h_evt > 0) and np.isfinite(e).all()):
        return "GARCH(1,1) fit gave non-positive or non-finite conditional variances"
    return np.array([const / SCALE, slope, omega, alpha, beta]), h_evt, e


def garch_forecast(
    omega: float, alpha: float, beta: float, e_last: float, h_last: float, steps: np.ndarray
) -> np.ndarray:
    r"""GARCH(1,1) variance forecasts ``steps`` (>= 1) sessions after the last fitted day ``T``.

    :math:`h_{T+1} = \omega + \alpha e_T^2 + \beta h_T`, then
    :math:`h_{T+k} = \omega + (\alpha + \beta) h_{T+k-1}` (Bollerslev 1986).
    """
    horizon = int(steps.max())
    path = np.empty(horizon)
    path[0] = omega + alpha * e_last**2 + beta * h_last
    for k in range(1, horizon):
        path[k] = omega + (alpha + beta) * path[k - 1]
    return path[np.asarray(steps, dtype=np.int64) - 1]
