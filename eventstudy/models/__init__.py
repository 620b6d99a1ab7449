"""Normal-return models and their registry.

Adding a model means one class, one registry line and one reference test.
"""

from __future__ import annotations

from ..errors import InputError
from .base import LinearDesign, LinearReturnModel, ReturnFit, ReturnModel
from .factor import CAPMModel, CarhartModel, FactorModel, FamaFrench3Model, FamaFrench5Model
from .garch import GarchMarketModel
from .market import MarketModel
from .mean_adjusted import MarketAdjustedModel, MeanAdjustedModel
from .nonsync import DimsonModel, ScholesWilliamsModel

MODELS: dict[str, type[ReturnModel]] = {
    "market": MarketModel,
    "mean_adjusted": MeanAdjustedModel,
    "market_adjusted": MarketAdjustedModel,
    "capm": CAPMModel,
    "ff3": FamaFrench3Model,
    "ff5": FamaFrench5Model,
    "carhart": CarhartModel,
    "scholes_williams": ScholesWilliamsModel,
    "dimson": DimsonModel,
    "garch": GarchMarketModel,
}

MODEL_ALIASES: dict[str, str] = {
    "market_model": "market",
    "mm": "market",
    "constant_mean": "mean_adjusted",
    "mean": "mean_adjusted",
    "raw": "market_adjusted",
    "sharpe": "capm",
    "fama_french_3": "ff3",
    "fama_french": "ff3",
    "famafrench3": "ff3",
    "fama_french_5": "ff5",
    "famafrench5": "ff5",
    "ff4": "carhart",
    "four_factor": "carhart",
    "sw": "scholes_williams",
    "scholes-williams": "scholes_williams",
    "scholeswilliams": "scholes_williams",
    "garch11": "garch",
    "garch_market": "garch",
}


def get_model(name: str | ReturnModel) -> ReturnModel:
    """Look up a model by name or alias (a model instance passes through).

    Raises
    ------
    InputError
        If the name is unknown; the message lists the known names.
    """
    if isinstance(name, ReturnModel):
        return name
    key = MODEL_ALIASES.get(str(name).lower(), str(name).lower())
    if key not in MODELS:
        known = ", ".join(sorted(MODELS))
        raise InputError(
            f"model={name!r} is not a known return model; use one of {known}.",
            field="model",
            value=name,
        )
    return MODELS[key]()


__all__ = [
    "MODELS",
    "MODEL_ALIASES",
    "CAPMModel",
    "CarhartModel",
    "DimsonModel",
    "FactorModel",
    "FamaFrench3Model",
    "FamaFrench5Model",
    "GarchMarketModel",
    "ScholesWilliamsModel",
    "LinearDesign",
    "LinearReturnModel",
    "MarketAdjustedModel",
    "MarketModel",
    "MeanAdjustedModel",
    "ReturnFit",
    "ReturnModel",
    "get_model",
]
