"""Batched alternating-offers bargaining: ``M`` bilateral negotiations advanced as arrays.

The protocol is Rubinstein's (1982) alternating offers with a deadline: in round
``r = 0 .. max_rounds - 1`` one side proposes (alternating, starting with
``first_mover``) and the other accepts or rejects; an accepted offer closes the
negotiation at that price, and negotiations still open after the last round fail.

All concurrent negotiations advance together: each round loops only over the tactic
types present (each tactic's ``propose``/``accept`` is called once on the sub-arrays of
the negotiations it plays), never over negotiations. Each negotiation's outcome depends
only on its own inputs.

References:
    A. Rubinstein (1982). "Perfect equilibrium in a bargaining model". Econometrica
    50(1):97-109.

    P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
    autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mechanisms.concession import linear_utility
from mechanisms.negotiation_state import BoolArray, FloatArray, NegotiationState, Tactic

IntArray = npt.NDArray[np.intp]

#: Negotiation protocols this module runs (``negotiation.protocol``).
NEGOTIATION_PROTOCOLS = ("alternating_offers",)

#: Which side makes the first offer (``negotiation.first_mover``).
FIRST_MOVERS = ("seller", "buyer")


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Side:
    """One side (all buyers or all sellers) of ``M`` concurrent negotiations.

    Fields are broadcast to a common 1-D shape ``(M,)`` (scalars allowed), copied and made
    read-only.

    Attributes:
        reservation: Buyer's maximum / seller's minimum acceptable price (finite).
        opening: First offer: buyer's low / seller's high price (finite). An opening on the
            wrong side of the reservation is treated as the reservation by the protocol.
        discount: Per-round discount factor in (0, 1].
        tactic: Integer index into the ``tactics`` sequence of :func:`alternating_offers`.
    """

    reservation: FloatArray
    opening: FloatArray
    discount: FloatArray
    tactic: IntArray

    def __post_init__(self) -> None:
        arrays = np.broadcast_arrays(
            np.asarray(self.reservation, dtype=np.float64),
            np.asarray(self.opening, dtype=np.float64),
            np.asarray(self.discount, dtype=np.float64),
            np.asarray(self.tactic),
        )
        if arrays[0].ndim != 1:
            raise ValueError(f"Side fields must broadcast to 1-D, got shape {arrays[0].shape}")
        res, opening, discount, tactic = arrays
        if tactic.size and not np.issubdtype(tactic.dtype, np.integer):
            raise ValueError(f"Side.tactic must hold integers, got dtype {tactic.dtype}")
        if not (np.all(np.isfinite(res)) and np.all(np.isfinite(opening))):
            raise ValueError("Side.reservation and Side.opening must be finite")
        if np.any(~((discount > 0.0) & (discount <= 1.0))):
            raise ValueError("Side.discount must lie in (0, 1]")
        if np.any(tactic < 0):
            raise ValueError("Side.tactic indices must be >= 0")
        object.__setattr__(self, "reservation", _readonly(np.array(res, dtype=np.float64)))
        object.__setattr__(self, "opening", _readonly(np.array(opening, dtype=np.float64)))
        object.__setattr__(self, "discount", _readonly(np.array(discount, dtype=np.float64)))
        object.__setattr__(self, "tactic", _readonly(np.array(tactic, dtype=np.intp)))

    @property
    def size(self) -> int:
        """Number of negotiations ``M``."""
        return int(self.reservation.shape[0])


@dataclass(frozen=True)
class Outcome:
    """Result of ``M`` negotiations.

    Attributes:
        agreed: Whether each negotiation reached a deal.
        price: Agreed price, NaN where no agreement.
        rounds: Number of offers made up to and including the accepted one (the 0-based
            round of agreement + 1); ``max_rounds`` where no agreement.
        buyer_utility: ``delta_b ** r * u_b(price)`` with ``r`` the 0-based round of
            agreement (an immediate deal is undiscounted, as in Rubinstein 1982) and
            ``u_b`` the buyer's normalised linear utility; 0 where no deal.
        seller_utility: Same for the seller.
        offers: Only with ``record=True``: offers of shape ``(max_rounds, M)``, row ``r``
            holding the offer made in round ``r`` (by whichever side proposed), NaN where
            the negotiation was already closed.
    """

    agreed: BoolArray
    price: FloatArray
    rounds: IntArray
    buyer_utility: FloatArray
    seller_utility: FloatArray
    offers: FloatArray | None = None


class _Book:
    """Mutable per-side working arrays of the protocol (internal)."""

    def __init__(self, side: Side, is_buyer: bool) -> None:
        self.is_buyer = is_buyer
        self.reservation = side.reservation
        clamp = np.minimum if is_buyer else np.maximum
        self.opening = clamp(side.opening, side.reservation)
        self.discount = side.discount
        self.tactic = side.tactic
        self.low = np.minimum(self.opening, self.reservation)
        self.high = np.maximum(self.opening, self.reservation)
        self.last = np.full(side.size, np.nan)
        self.prev = np.full(side.size, np.nan)

    def state(self, other: _Book, sel: IntArray, r: int, max_rounds: int) -> NegotiationState:
        return NegotiationState(
            round=r,
            max_rounds=max_rounds,
            is_buyer=self.is_buyer,
            reservation=self.reservation[sel],
            opening=self.opening[sel],
            own_discount=self.discount[sel],
            opp_discount=other.discount[sel],
            own_last=self.last[sel],
            opp_last=other.last[sel],
            opp_prev=other.prev[sel],
            own_prev=self.prev[sel],
        )


def _groups(tactic: IntArray) -> list[tuple[int, BoolArray]]:
    """(tactic index, mask) for every tactic present in ``tactic``."""
    return [(int(k), tactic == k) for k in np.unique(tactic)]


def alternating_offers(
    buyer: Side,
    seller: Side,
    tactics: Sequence[Tactic],
    max_rounds: int,
    first_mover: str = "seller",
    *,
    record: bool = False,
) -> Outcome:
    """Run ``M`` alternating-offers negotiations with a deadline, all at once.

    In round ``r`` the proposer side (``first_mover`` at even rounds) offers via its
    tactic's ``propose`` on a :class:`NegotiationState` of the open negotiations it plays;
    the responder's tactic ``accept`` decides on those offers. The protocol itself clips
    offers into the proposer's range and rejects offers outside the responder's
    reservation, so whatever the tactics do an agreed price lies in
    ``[seller.reservation, buyer.reservation]`` and an empty zone of agreement
    (``buyer.reservation < seller.reservation``) never yields a deal.

    Args:
        buyer: Buyer side (reservation = willingness to pay).
        seller: Seller side (reservation = minimum price); same ``M`` as ``buyer``.
        tactics: Tactic instances indexed by ``Side.tactic`` (shared by both sides).
        max_rounds: Number of rounds (offers), >= 1.
        first_mover: ``"seller"`` or ``"buyer"``.
        record: Also return every offer in ``Outcome.offers``.

    Returns:
        The :class:`Outcome` of each negotiation.

    Raises:
        ValueError: on mismatched sizes, bad ``max_rounds``/``first_mover``, a tactic
            index out of range, or a tactic returning arrays of the wrong shape.
    """
    if first_mover not in FIRST_MOVERS:
        raise ValueError(f"first_mover must be one of {FIRST_MOVERS}, got {first_mover!r}")
    if int(max_rounds) != max_rounds or max_rounds < 1:
        raise ValueError(f"max_rounds must be an integer >= 1, got {max_rounds!r}")
    max_rounds = int(max_rounds)
    m = buyer.size
    if seller.size != m:
        raise ValueError(f"buyer and seller sizes differ: {m} != {seller.size}")
    for label, side in (("buyer", buyer), ("seller", seller)):
        if m and int(side.tactic.max()) >= len(tactics):
            raise ValueError(
                f"{label}.tactic index {int(side.tactic.max())} out of range for "
                f"{len(tactics)} tactics"
            )

    b, s = _Book(buyer, is_buyer=True), _Book(seller, is_buyer=False)
    is_open = np.ones(m, dtype=bool)
    price = np.full(m, np.nan)
    rounds = np.full(m, max_rounds, dtype=np.intp)
    offers_log = np.full((max_rounds, m), np.nan) if record else None

    for r in range(max_rounds):
        idx = np.flatnonzero(is_open)
        if idx.size == 0:
            break
        seller_proposes = (r % 2 == 0) == (first_mover == "seller")
        prop, resp = (s, b) if seller_proposes else (b, s)

        offers = np.empty(idx.size)
        for k, mask in _groups(prop.tactic[idx]):
            sel = idx[mask]
            out = np.asarray(tactics[k].propose(prop.state(resp, sel, r, max_rounds)), float)
            if out.shape != sel.shape:
                raise ValueError(f"{tactics[k]!r}.propose returned shape {out.shape}")
            offers[mask] = out
        offers = np.clip(offers, prop.low[idx], prop.high[idx])

        accepted = np.zeros(idx.size, dtype=bool)
        for k, mask in _groups(resp.tactic[idx]):
            sel = idx[mask]
            out = np.asarray(
                tactics[k].accept(resp.state(prop, sel, r, max_rounds), offers[mask]), bool
            )
            if out.shape != sel.shape:
                raise ValueError(f"{tactics[k]!r}.accept returned shape {out.shape}")
            accepted[mask] = out
        if resp.is_buyer:
            accepted &= offers <= resp.reservation[idx]
        else:
            accepted &= offers >= resp.reservation[idx]

        prop.prev[idx] = prop.last[idx]
        prop.last[idx] = offers
        if offers_log is not None:
            offers_log[r, idx] = offers
        done = idx[accepted]
        price[done] = offers[accepted]
        rounds[done] = r + 1
        is_open[done] = False

    agreed = ~np.isnan(price)
    lag = np.maximum(rounds - 1, 0)
    buyer_utility = np.where(
        agreed, b.discount**lag * linear_utility(price, b.reservation, b.opening, True), 0.0
    )
    seller_utility = np.where(
        agreed, s.discount**lag * linear_utility(price, s.reservation, s.opening, False), 0.0
    )
    return Outcome(
        agreed=agreed,
        price=price,
        rounds=rounds,
        buyer_utility=buyer_utility,
        seller_utility=seller_utility,
        offers=offers_log,
    )
