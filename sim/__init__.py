"""crowdbargain simulator core: the market model, its config and its phases."""

from sim.model import MarketModel

__all__ = ["MarketModel"]
