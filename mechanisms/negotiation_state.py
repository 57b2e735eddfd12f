"""The read-only negotiation state and the tactic interface the bargaining protocol calls.

A tactic sees only a :class:`NegotiationState` describing ``M`` concurrent negotiations in
which it plays the same side, never the model (the separation used by NegMAS: Y. Mohammad
et al., "NegMAS: a platform for automated negotiations", PRIMA 2020). The protocol
(:mod:`mechanisms.bargaining`) needs nothing of a tactic but :class:`Tactic`'s two
questions: what do I propose, and do I accept this offer. The strategy library lives in
``agents.negotiators``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from mechanisms.concession import linear_utility

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

    @classmethod
    def unchecked(
        cls,
        round: int,
        max_rounds: int,
        is_buyer: bool,
        reservation: FloatArray,
        opening: FloatArray,
        own_discount: FloatArray,
        opp_discount: FloatArray,
        own_last: FloatArray,
        opp_last: FloatArray,
        opp_prev: FloatArray,
        own_prev: FloatArray,
    ) -> NegotiationState:
        """Build a state without conversion or checks, for the protocol's own hot loop.

        The caller guarantees what ``__post_init__`` would establish: ``round`` and
        ``max_rounds`` are ints with ``0 <= round`` and ``max_rounds >= 1``, ``is_buyer`` a
        bool, and every array field a 1-D float64 array of one length that is read-only
        (``flags.writeable`` False) and that nobody else writes to while the state is in
        use. Building a checked state costs ~8 ``np.broadcast_to`` calls; the protocol
        builds several per round.
        """
        state = object.__new__(cls)
        # A frozen dataclass only forbids ``setattr``; filling ``__dict__`` directly is
        # what ``object.__setattr__`` would do, in one call.
        state.__dict__.update(
            round=round,
            max_rounds=max_rounds,
            is_buyer=is_buyer,
            reservation=reservation,
            opening=opening,
            own_discount=own_discount,
            opp_discount=opp_discount,
            own_last=own_last,
            opp_last=opp_last,
            opp_prev=opp_prev,
            own_prev=own_prev,
        )
        return state

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
        (see :func:`mechanisms.concession.linear_utility`).
        """
        return linear_utility(price, self.reservation, self.opening, self.is_buyer)

    def receive(self, offer: npt.ArrayLike) -> NegotiationState:
        """State in which this side makes its next proposal after rejecting ``offer``.

        The round advances by one, ``offer`` becomes ``opp_last`` and the old
        ``opp_last`` becomes ``opp_prev``; own history is unchanged.
        """
        offer = np.asarray(offer, dtype=np.float64)
        if offer.shape == self.reservation.shape:
            # A read-only view, as ``np.broadcast_to`` gives, without its overhead.
            offer = offer.view()
            offer.flags.writeable = False
        else:
            offer = np.broadcast_to(offer, self.reservation.shape)
        # The other fields are already checked read-only arrays: no need to re-validate.
        return type(self).unchecked(
            self.round + 1,
            self.max_rounds,
            self.is_buyer,
            self.reservation,
            self.opening,
            self.own_discount,
            self.opp_discount,
            self.own_last,
            offer,
            self.opp_last,
            self.own_prev,
        )

    def subset(self, index: npt.ArrayLike) -> NegotiationState:
        """State restricted to the negotiations selected by ``index`` (mask or indices)."""
        return dataclasses.replace(
            self, **{name: getattr(self, name)[index] for name in _ARRAY_FIELDS}
        )


class Rule(IntEnum):
    """Tactic rules the compiled protocol (:mod:`mechanisms.kernels.bargaining`) can play.

    Each rule is the exact arithmetic of one tactic's ``propose`` and ``accept``, written
    once more in the kernel with only ``+ - * /``, comparisons, min/max and NaN tests (all
    IEEE-exact, so identical to numpy); anything needing ``**``, ``exp`` or ``log`` is
    tabulated per round by the tactic with numpy (:attr:`CompiledTactic.alpha`). Let ``o``
    be the own opening, ``v`` the reservation, ``t`` the round and ``clip`` the own range.

    Attributes:
        TIME_DEPENDENT: Propose ``clip(o + alpha[t] * (v - o))``; accept by AC_next (the
            offer is within the reservation and at least as good as the own proposal of
            round ``t + 1``; at the deadline, any offer within the reservation).
        RELATIVE_TIT_FOR_TAT: Propose ``o`` first, then
            ``clip(own_last * opp_prev / opp_last)`` when that is finite and
            ``opp_last > 0``, else ``clip(o + alpha[t] * (v - o))``; accept by AC_next.
        RUBINSTEIN: Propose ``clip(v + s * (o - v))`` with the proposer's subgame-perfect
            share ``s = (1 - d_opp) / (1 - d_own * d_opp)`` (0.5 when the denominator is
            not positive); accept an offer within the reservation whose own normalised
            linear utility is at least ``d_own * s - tolerance``.
    """

    TIME_DEPENDENT = 0
    RELATIVE_TIT_FOR_TAT = 1
    RUBINSTEIN = 2


@dataclass(frozen=True)
class CompiledTactic:
    """A tactic expressed as data, for the compiled protocol.

    Attributes:
        rule: Which formula the kernel plays (:class:`Rule`).
        alpha: Concession table of shape ``(max_rounds,)``: ``alpha[t]`` is the fraction
            of the range conceded at round ``t``, computed by the tactic itself with numpy
            so the kernel never evaluates ``**``/``exp``/``log``. Unused by
            :attr:`Rule.RUBINSTEIN` (zeros).
        tolerance: Acceptance tolerance of :attr:`Rule.RUBINSTEIN` (0 otherwise).
    """

    rule: Rule
    alpha: FloatArray
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        alpha = np.array(self.alpha, dtype=np.float64)
        if alpha.ndim != 1:
            raise ValueError(f"CompiledTactic.alpha must be 1-D, got shape {alpha.shape}")
        alpha.flags.writeable = False
        object.__setattr__(self, "rule", Rule(self.rule))
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "tolerance", float(self.tolerance))


class Tactic(Protocol):
    """What the bargaining protocol asks of a negotiation strategy.

    A tactic may also offer ``compiled(max_rounds) -> CompiledTactic | None``: its exact
    behaviour as data, which lets :func:`mechanisms.bargaining.alternating_offers` run the
    compiled kernel. It is looked up with ``getattr`` (optional, so not a member here); a
    tactic without it, or returning None, is always played through ``propose``/``accept``.
    """

    def propose(self, state: NegotiationState) -> FloatArray:
        """Offers for every negotiation in ``state`` (shape ``(state.size,)``)."""
        ...

    def accept(self, state: NegotiationState, offer: npt.ArrayLike) -> BoolArray:
        """Whether to accept each of the opponent's ``offer`` (shape ``(state.size,)``)."""
        ...


def compiled_form(tactic: Tactic, max_rounds: int) -> CompiledTactic | None:
    """The tactic's :class:`CompiledTactic` for ``max_rounds``, or None if it has none."""
    compiled = getattr(tactic, "compiled", None)
    return None if compiled is None else compiled(max_rounds)


class StackedSides(NamedTuple):
    """Both sides of ``M`` negotiations as ``(2, M)`` arrays: row 0 buyer, row 1 seller.

    What the protocol derives from its inputs once and every way of playing it reads: the
    opening clamped to the own side of the reservation, and the own range ``[low, high]``.

    Attributes:
        reservation: Reservation prices.
        opening: Openings, clamped to the own side of the reservation.
        low: Lower ends of the own ranges, ``min(opening, reservation)``.
        high: Upper ends of the own ranges, ``max(opening, reservation)``.
        discount: Per-round discount factors.
        tactic: Tactic indices (int64).
    """

    reservation: FloatArray
    opening: FloatArray
    low: FloatArray
    high: FloatArray
    discount: FloatArray
    tactic: npt.NDArray[np.int64]

    def columns(self, part: slice) -> StackedSides:
        """The negotiations ``part`` (views, no copy)."""
        return StackedSides(*(a[:, part] for a in self))
