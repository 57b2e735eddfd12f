"""Relative tit-for-tat, a behaviour-dependent (imitative) tactic.

P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182, section 4.2.3
("relative Tit-For-Tat"), with imitation window ``delta = 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.negotiators.base import Negotiator
from mechanisms.concession import polynomial_alpha, time_dependent_offer
from mechanisms.negotiation_state import FloatArray, NegotiationState


class TitForTat(Negotiator):
    """Reproduce, in percentage terms, the opponent's last concession.

    With ``delta = 1`` Faratin et al.'s relative tit-for-tat proposes::

        next = clip(own_last * opp_prev / opp_last, low, high)

    where ``opp_prev`` and ``opp_last`` are the opponent's previous and last offers and
    ``[low, high]`` is the own range between opening and reservation. The same formula
    holds for both sides: if a seller concedes 100 -> 95 the buyer raises its price by
    100/95; if a buyer concedes 50 -> 55 the seller lowers its price by 50/55. An opponent
    that retracts is imitated too.

    Before that formula applies: the first own offer (``own_last`` is NaN) is the opening;
    while fewer than two opponent offers exist (or the ratio is undefined, e.g. a
    non-positive ``opp_last``) the offer follows the linear time-dependent schedule
    ``opening + t / T * (reservation - opening)``. Note that an ``own_last`` of 0 stays 0
    (a property of the relative formula). Acceptance is the default AC_next.
    """

    name = "tit_for_tat"
    classifier: dict[str, Any] = {
        "stochastic": False,
        "memory_depth": 2,
        "uses_opponent_offers": True,
        "uses_discount": False,
        "uses_deadline": False,
        "family": "behaviour_dependent",
    }
    defaults: dict[str, Any] = {}

    def propose(self, state: NegotiationState) -> FloatArray:
        """Relative tit-for-tat offer (opening first, linear until two opponent offers)."""
        linear = time_dependent_offer(
            polynomial_alpha(state.round, state.deadline, 1.0), state.opening, state.reservation
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            imitated = state.own_last * state.opp_prev / state.opp_last
        usable = np.isfinite(imitated) & (state.opp_last > 0.0)
        offer = np.where(
            np.isnan(state.own_last), state.opening, np.where(usable, imitated, linear)
        )
        return state.clip(offer)
