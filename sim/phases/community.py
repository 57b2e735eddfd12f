"""Phase ``community`` (only with ``community.enabled``): customers talk, sellers respond.

The community's rules run on this step's purchases (experience, prices seen, reviews,
outrage and boycotts; :class:`sim.community.ActiveCommunity`); what sellers do about it comes
back as a record that this phase applies to the sellers: boycotted sellers that price from
customer data reform to a posted price (and stop adaptive price pushing), and listening
sellers set their complaint-driven price multiplier.
"""

from __future__ import annotations

from sim.community import ActiveCommunity
from sim.state import MarketState


class CommunityPhase:
    """The ``community`` phase of a run with an active community.

    Args:
        community: The run's community (also ``state.community``).
    """

    def __init__(self, community: ActiveCommunity) -> None:
        self.community = community

    def __call__(self, state: MarketState) -> None:
        """Run the community's rules on this step's purchases and apply sellers' responses."""
        t = state.step.t
        responses = self.community.after_trade(
            t, state.step.deals, state.graph, state.customers.product, state.rng
        )
        reformed = [s for s in responses.reform if state.sellers.reform(int(s), t)]
        for s in reformed:
            state.learning.stop_adapting(int(s))
        if reformed:
            state.refresh_prices()
        state.sellers.response[:] = responses.price_response
