"""Negotiation state and the abstract negotiation strategy (tactic).

A strategy sees only a read-only :class:`NegotiationState` describing ``M`` concurrent
negotiations in which it plays the same side, never the model (the separation used by
NegMAS: Y. Mohammad et al., "NegMAS: a platform for automated negotiations", PRIMA 2020).
Strategies carry a ``name`` and a ``classifier`` dict of traits, as in the Axelrod library
(V. Knight et al., "An open framework for the reproducible study of the iterated
prisoner's dilemma", J. Open Research Software 4(1), 2016).

The default acceptance rule is AC_next of T. Baarslag, K. Hindriks & C. Jonker (2014),
"Effective acceptance conditions in multilateral negotiation", Decision Support
Systems 60:68-77: accept an offer at least as good as one's own next proposal.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from sim.concession import linear_utility

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_ARRAY_FIELDS = (
    "reservation",
    "opening",
    "own_discount",
    "opp_discount",
    "own_last",
    "opp_last",
    "opp_prev",
    "own_prev",
)

#: Keys every strategy's ``classifier`` must define.
REQUIRED_TRAITS = ("stochastic", "memory_depth", "uses_opponent_offers", "uses_discount", "family")


@dataclass(frozen=True)
class NegotiationState:
    """Read-only view of ``M`` concurrent negotiations from one side's perspective.

    All array fields are 1-D of the length of ``reservation`` (scalars are broadcast) and
    are read-only views (``flags.writeable`` is False), so a strategy cannot change the
    protocol's data. Offers not yet made are NaN.

    Attributes:
        round: Current round, 0-based.
        max_rounds: Number of rounds; the deadline is ``T = max_rounds - 1``.
        is_buyer: True if this strategy plays the buyer side.
        reservation: Buyer's maximum / seller's minimum acceptable price.
        opening: Own first offer (buyer's low, seller's high price).
        own_discount: Own per-round discount factor.
        opp_discount: Opponent's per-round discount factor.
        own_last: Own last offer.
        opp_last: Opponent's last offer.
        opp_prev: Opponent's offer before ``opp_last``.
        own_prev: Own offer before ``own_last``.
    """

    round: int
    max_rounds: int
    is_buyer: bool
    reservation: FloatArray
    opening: FloatArray
    own_discount: FloatArray = 1.0  # type: ignore[assignment]
    opp_discount: FloatArray = 1.0  # type: ignore[assignment]
    own_last: FloatArray = np.nan  # type: ignore[assignment]
    opp_last: FloatArray = np.nan  # type: ignore[assignment]
    opp_prev: FloatArray = np.nan  # type: ignore[assignment]
    own_prev: FloatArray = np.nan  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if int(self.max_rounds) < 1:
            raise ValueError(f"max_rounds must be >= 1, got {self.max_rounds}")
        if int(self.round) < 0:
            raise ValueError(f"round must be >= 0, got {self.round}")
        object.__setattr__(self, "round", int(self.round))
        object.__setattr__(self, "max_rounds", int(self.max_rounds))
        object.__setattr__(self, "is_buyer", bool(self.is_buyer))
        res = np.asarray(self.reservation, dtype=np.float64)
        if res.ndim != 1:
            raise ValueError(f"reservation must be 1-D, got shape {res.shape}")
        for name in _ARRAY_FIELDS:
            # broadcast_to always returns a new read-only view: zero copy, caller unaffected.
            arr = np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), res.shape)
            object.__setattr__(self, name, arr)

    @property
    def size(self) -> int:
        """Number of concurrent negotiations ``M``."""
        return int(self.reservation.shape[0])

    @property
    def deadline(self) -> int:
        """Last round index ``T = max_rounds - 1``."""
        return self.max_rounds - 1

    @property
    def low(self) -> FloatArray:
        """Lower end of the own price range, ``min(opening, reservation)``."""
        return np.minimum(self.opening, self.reservation)

    @property
    def high(self) -> FloatArray:
        """Upper end of the own price range, ``max(opening, reservation)``."""
        return np.maximum(self.opening, self.reservation)

    def clip(self, prices: npt.ArrayLike) -> FloatArray:
        """Clip prices into the own range ``[low, high]`` (NaN stays NaN)."""
        return np.clip(np.asarray(prices, dtype=np.float64), self.low, self.high)

    def within_reservation(self, prices: npt.ArrayLike) -> BoolArray:
        """Whether prices are acceptable at all: buyer ``p <= res``, seller ``p >= res``."""
        prices = np.asarray(prices, dtype=np.float64)
        if self.is_buyer:
            return prices <= self.reservation
        return prices >= self.reservation

    def utility(self, price: npt.ArrayLike) -> FloatArray:
        """Normalised linear utility in [0, 1] of a price for this side.

        Buyer ``(reservation - p) / (reservation - opening)``, seller
        ``(p - reservation) / (opening - reservation)``, clipped to [0, 1]; for a
        zero-width range, 1 if the price is within the reservation, else 0
        (see :func:`sim.concession.linear_utility`).
        """
        return linear_utility(price, self.reservation, self.opening, self.is_buyer)

    def receive(self, offer: npt.ArrayLike) -> NegotiationState:
        """State in which this side makes its next proposal after rejecting ``offer``.

        The round advances by one, ``offer`` becomes ``opp_last`` and the old
        ``opp_last`` becomes ``opp_prev``; own history is unchanged.
        """
        return dataclasses.replace(
            self, round=self.round + 1, opp_last=offer, opp_prev=self.opp_last
        )

    def subset(self, index: npt.ArrayLike) -> NegotiationState:
        """State restricted to the negotiations selected by ``index`` (mask or indices)."""
        return dataclasses.replace(
            self, **{name: getattr(self, name)[index] for name in _ARRAY_FIELDS}
        )


class Negotiator(ABC):
    """A negotiation strategy (tactic) acting on arrays of concurrent negotiations.

    Subclasses set ``name``, ``classifier`` (with at least the keys in
    :data:`REQUIRED_TRAITS`) and ``defaults`` (allowed parameters with default values),
    and implement :meth:`propose`. Instances are immutable in use, picklable, and compare
    equal when ``name`` and ``params`` are equal.

    Attributes:
        name: Registry key.
        classifier: Traits of the strategy (Axelrod-style).
        defaults: Allowed keyword parameters and their default values.
        params: This instance's parameters (defaults updated by the constructor's).
    """

    name: ClassVar[str] = ""
    classifier: ClassVar[dict[str, Any]] = {}
    defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for negotiation tactic {self.name!r}; "
                f"allowed: {sorted(self.defaults)}"
            )
        self.params: dict[str, Any] = {**self.defaults, **params}
        self._validate()

    def _validate(self) -> None:  # noqa: B027 - optional hook, intentionally empty
        """Check ``self.params``; raise ``ValueError`` on bad values (hook, default no-op)."""

    @abstractmethod
    def propose(self, state: NegotiationState) -> FloatArray:
        """Offers for every negotiation in ``state``.

        Args:
            state: Read-only state of the proposer's side at the current round.

        Returns:
            Float array of shape ``(state.size,)`` inside ``[state.low, state.high]``.
        """

    def accept(self, state: NegotiationState, offer: npt.ArrayLike) -> BoolArray:
        """Whether to accept the opponent's ``offer`` (default rule AC_next).

        Accept iff ``offer`` is within the reservation and at least as good for this side
        as the price this strategy would propose next round (``propose`` on
        ``state.receive(offer)``). At the final round there is no next proposal and the
        alternative is no deal, so any offer within the reservation is accepted.

        Args:
            state: Read-only state of the responder's side at the current round, not yet
                including ``offer`` in its history.
            offer: The opponent's offers, shape ``(state.size,)``.

        Returns:
            Bool array of shape ``(state.size,)``.
        """
        offer = np.asarray(offer, dtype=np.float64)
        ok = state.within_reservation(offer)
        if state.round >= state.deadline or state.size == 0:
            return ok
        nxt = self.propose(state.receive(offer))
        better = offer <= nxt if state.is_buyer else offer >= nxt
        return ok & better

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Negotiator):
            return NotImplemented
        return (self.name, self.params) == (other.name, other.params)

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))
