"""Rubinstein's subgame-perfect stationary strategy on the perceived pie.

A. Rubinstein (1982). "Perfect equilibrium in a bargaining model". Econometrica
50(1):97-109. See also M. J. Osborne & A. Rubinstein (1990), "Bargaining and Markets",
Academic Press, chapter 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from agents.negotiators.base import Negotiator
from mechanisms.concession import rubinstein_shares
from mechanisms.negotiation_state import (
    BoolArray,
    CompiledTactic,
    FloatArray,
    NegotiationState,
    Rule,
)

#: Absolute tolerance on shares when comparing with the acceptance threshold: in
#: equilibrium the offered share equals the threshold exactly, up to rounding.
SHARE_TOLERANCE = 1e-9


class Rubinstein(Negotiator):
    """Stationary subgame-perfect strategy of the infinite-horizon alternating-offers game.

    Each side perceives the pie as its own range: a buyer ``[opening, reservation]``, a
    seller ``[reservation, opening]``, and assumes complete information on discounts
    (``state.own_discount``, ``state.opp_discount``). With
    ``s = (1 - d_opp) / (1 - d_own * d_opp)`` (the proposer's equilibrium share,
    :func:`mechanisms.concession.rubinstein_shares`):

    * as proposer it keeps share ``s``: a seller proposes
      ``reservation + s * (opening - reservation)``, a buyer
      ``reservation - s * (reservation - opening)``;
    * as responder it accepts iff the offer is within its reservation and its own share of
      its perceived pie (:meth:`NegotiationState.utility`) is at least ``d_own * s``, the
      discounted value of making the equilibrium proposal next round (with a tolerance of
      :data:`SHARE_TOLERANCE`).

    The strategy is stationary: it ignores the round and the deadline.
    """

    name = "rubinstein"
    classifier: dict[str, Any] = {
        "stochastic": False,
        "memory_depth": 0,
        "uses_opponent_offers": False,
        "uses_discount": True,
        "uses_deadline": False,
        "family": "game_theoretic",
    }
    defaults: dict[str, Any] = {}

    @staticmethod
    def proposer_share(state: NegotiationState) -> FloatArray:
        """Equilibrium share of the own perceived pie kept when proposing."""
        share, _ = rubinstein_shares(state.own_discount, state.opp_discount)
        return share

    def propose(self, state: NegotiationState) -> FloatArray:
        """Keep the proposer's equilibrium share of the own perceived pie."""
        share = self.proposer_share(state)
        return state.clip(state.reservation + share * (state.opening - state.reservation))

    def accept(self, state: NegotiationState, offer: npt.ArrayLike) -> BoolArray:
        """Accept iff own share of the offer >= ``d_own * s`` and within reservation."""
        offer = np.asarray(offer, dtype=np.float64)
        threshold = state.own_discount * self.proposer_share(state)
        good = state.utility(offer) >= threshold - SHARE_TOLERANCE
        return good & state.within_reservation(offer)

    def compiled(self, max_rounds: int) -> CompiledTactic | None:
        """:attr:`Rule.RUBINSTEIN` with tolerance :data:`SHARE_TOLERANCE` (no table).

        None for a subclass that redefines how it proposes or accepts.
        """
        if self._overrides(Rubinstein, "propose", "accept", "proposer_share"):
            return None
        return self._remembered(
            ("compiled", max_rounds),
            lambda: CompiledTactic(Rule.RUBINSTEIN, np.zeros(max_rounds), SHARE_TOLERANCE),
        )
