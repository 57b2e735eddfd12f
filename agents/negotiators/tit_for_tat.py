"""Relative tit-for-tat, a behaviour-dependent (imitative) tactic.

P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182, section 4.2.3
("relative Tit-For-Tat"), with imitation window ``delta = 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.negotiators.base import Negotiator
from mechanisms.concession import polynomial_alpha_unchecked, time_dependent_offer
from mechanisms.negotiation_state import CompiledTactic, FloatArray, NegotiationState, Rule

#: ``beta`` and ``kappa`` of the linear schedule, as ``polynomial_alpha`` converts them.
_LINEAR_BETA = np.asarray(1.0, dtype=np.float64)
_LINEAR_KAPPA = np.asarray(0.0, dtype=np.float64)


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

    def _linear_alpha(self, t: int, deadline: int) -> FloatArray:
        """``polynomial_alpha(t, deadline, 1.0)`` (a numpy scalar), remembered per instance."""
        return self._remembered(
            ("alpha", t, deadline),
            lambda: polynomial_alpha_unchecked(t, deadline, _LINEAR_BETA, _LINEAR_KAPPA),
        )

    def propose(self, state: NegotiationState) -> FloatArray:
        """Relative tit-for-tat offer (opening first, linear until two opponent offers)."""
        linear = time_dependent_offer(
            self._linear_alpha(state.round, state.deadline), state.opening, state.reservation
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            imitated = state.own_last * state.opp_prev / state.opp_last
        usable = np.isfinite(imitated) & (state.opp_last > 0.0)
        offer = np.where(
            np.isnan(state.own_last), state.opening, np.where(usable, imitated, linear)
        )
        return state.clip(offer)

    def compiled(self, max_rounds: int) -> CompiledTactic | None:
        """:attr:`Rule.RELATIVE_TIT_FOR_TAT` with the linear fallback schedule as table.

        None for a subclass that redefines how it proposes or accepts.
        """
        if self._overrides(TitForTat, "propose", "accept", "_linear_alpha"):
            return None
        return self._remembered(("compiled", max_rounds), lambda: self._compile(max_rounds))

    def _compile(self, max_rounds: int) -> CompiledTactic:
        # The very values propose uses at each round, so the kernel's offers are the same.
        table = [self._linear_alpha(t, max_rounds - 1) for t in range(max_rounds)]
        return CompiledTactic(Rule.RELATIVE_TIT_FOR_TAT, np.array(table, dtype=np.float64))
