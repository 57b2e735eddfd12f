"""crowdbargain simulator core: the market model, its state, phases, config and results.

``from sim import MarketModel`` is the entry point from Python. Pure mechanism maths live in
the top-level ``mechanisms`` package and agent state and decisions in ``agents``; neither
imports anything from here (see docs/ARCHITECTURE.md).
"""

from sim.model import MarketModel

__all__ = ["MarketModel"]
