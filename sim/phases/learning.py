"""Phase ``learn``: adaptive sellers score today's price multiplier by today's profit."""

from __future__ import annotations

from sim.state import MarketState


def learn(state: MarketState) -> None:
    """Update every adaptive seller's bandit with this step's profit."""
    state.learning.learn()
