"""Phase ``price``: sellers set today's prices before anyone shops.

Adaptive sellers pick today's price multiplier (a bandit arm), demand-based sellers
re-estimate their monopoly price, and the public price lists are refreshed when any quote
may have changed (learning sellers, or sellers that listen to complaints).
"""

from __future__ import annotations

from sim.state import MarketState


def set_prices(state: MarketState) -> None:
    """Adaptive and demand-based sellers set today's prices; refresh the price lists."""
    learning = state.learning
    # Setting prices does not change which sellers learn: one answer serves both checks.
    dynamic = learning.dynamic
    if dynamic:
        learning.set_prices(state.step.t, state.rng)
    if dynamic or state.community.moves_prices:
        state.refresh_prices()
