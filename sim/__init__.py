"""crowdbargain simulator core: the market model, its config and its phases.

``from sim import MarketModel`` is resolved lazily so that agent modules can import the
pure maths in ``sim`` (``sim.pricing``, ``sim.concession``) without a circular import.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model import MarketModel

__all__ = ["MarketModel"]


def __getattr__(name: str) -> Any:
    if name == "MarketModel":
        from sim.model import MarketModel

        return MarketModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
