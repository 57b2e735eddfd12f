"""Batched alternating-offers bargaining: ``M`` bilateral negotiations advanced as arrays.

The protocol is Rubinstein's (1982) alternating offers with a deadline: in round
``r = 0 .. max_rounds - 1`` one side proposes (alternating, starting with
``first_mover``) and the other accepts or rejects; an accepted offer closes the
negotiation at that price, and negotiations still open after the last round fail.

All concurrent negotiations advance together: each round loops only over the tactic
types present (each tactic's ``propose``/``accept`` is called once on the sub-arrays of
the negotiations it plays), never over negotiations. Each negotiation's outcome depends
only on its own inputs.

That numpy protocol is the specification. When every tactic in play can describe itself
as data (``compiled``, see :class:`~mechanisms.negotiation_state.CompiledTactic`) and the
JIT serves the call (:func:`mechanisms.jit.use_kernels`), the rounds run instead in the numba kernel
of :mod:`mechanisms.kernels.bargaining`. Without the kernel, tactics whose offers ignore
the opponent (time-dependent, Rubinstein) are played for every round at once in numpy by
:mod:`mechanisms.bargaining_horizon`. All paths give bit-identical outcomes (checked by
``tests/mechanisms/test_bargaining_kernel.py``).

References:
    A. Rubinstein (1982). "Perfect equilibrium in a bargaining model". Econometrica
    50(1):97-109.

    P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
    autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from mechanisms.arrays import filled
from mechanisms.bargaining_horizon import MEMORYLESS_RULES, Packed, play_memoryless
from mechanisms.concession import linear_utility
from mechanisms.jit import lazy_kernel, use_kernels
from mechanisms.negotiation_state import (
    BoolArray,
    FloatArray,
    NegotiationState,
    Rule,
    StackedSides,
    Tactic,
    compiled_form,
)

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
        arrays = [
            np.asarray(self.reservation, dtype=np.float64),
            np.asarray(self.opening, dtype=np.float64),
            np.asarray(self.discount, dtype=np.float64),
            np.asarray(self.tactic),
        ]
        shape = arrays[0].shape
        if any(a.shape != shape for a in arrays):  # broadcasting is slow: only when needed
            arrays = np.broadcast_arrays(*arrays)
        if arrays[0].ndim != 1:
            raise ValueError(f"Side fields must broadcast to 1-D, got shape {arrays[0].shape}")
        res, opening, discount, tactic = arrays
        if tactic.size and not np.issubdtype(tactic.dtype, np.integer):
            raise ValueError(f"Side.tactic must hold integers, got dtype {tactic.dtype}")
        if not (np.isfinite(res).all() and np.isfinite(opening).all()):
            raise ValueError("Side.reservation and Side.opening must be finite")
        if not ((discount > 0.0) & (discount <= 1.0)).all():
            raise ValueError("Side.discount must lie in (0, 1]")
        if (tactic < 0).any():
            raise ValueError("Side.tactic indices must be >= 0")
        object.__setattr__(self, "reservation", _readonly(np.array(res, dtype=np.float64)))
        object.__setattr__(self, "opening", _readonly(np.array(opening, dtype=np.float64)))
        object.__setattr__(self, "discount", _readonly(np.array(discount, dtype=np.float64)))
        object.__setattr__(self, "tactic", _readonly(np.array(tactic, dtype=np.intp)))

    @classmethod
    def trusted(
        cls, reservation: FloatArray, opening: FloatArray, discount: FloatArray, tactic: IntArray
    ) -> Side:
        """A side from fields its caller has already made valid: no checks, no copies.

        The constructor's checks and copies cost more than the bargaining itself when a
        caller (the ``trade`` phase) bargains over a handful of orders every step. Only for
        callers that guarantee what the constructor would enforce: 1-D arrays of one length,
        ``float64`` finite reservation and opening, ``float64`` discount in (0, 1], ``intp``
        tactic indices >= 0. The arrays become read-only and must not be written elsewhere.
        """
        side = object.__new__(cls)
        # The flags set inline: four helper calls cost more than the rest of this method.
        reservation.flags.writeable = False
        opening.flags.writeable = False
        discount.flags.writeable = False
        tactic.flags.writeable = False
        # A frozen dataclass refuses attribute assignment; its __dict__ is the bypass.
        side.__dict__.update(
            reservation=reservation, opening=opening, discount=discount, tactic=tactic
        )
        return side

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
            ``u_b`` the buyer's normalised linear utility; 0 where no deal. None when the
            caller asked for no utilities.
        seller_utility: Same for the seller.
        offers: Only with ``record=True``: offers of shape ``(max_rounds, M)``, row ``r``
            holding the offer made in round ``r`` (by whichever side proposed), NaN where
            the negotiation was already closed.
    """

    agreed: BoolArray
    price: FloatArray
    rounds: IntArray
    buyer_utility: FloatArray | None
    seller_utility: FloatArray | None
    offers: FloatArray | None = None


#: Packed compiled forms by ``(max_rounds, *ids of the tactics)``: the tactics (kept alive),
#: the packed tables and which tactics have a form (None: all).
_PACKED: dict[tuple[int, ...], tuple[tuple[Tactic, ...], Packed, npt.NDArray[np.bool_] | None]] = {}
_PACKED_MAX = 256

#: Row of the buyer and of the seller in the stacked ``(2, M)`` side arrays.
BUYER = 0
SELLER = 1

_run_negotiations = lazy_kernel("mechanisms.kernels.bargaining", "run_negotiations")

#: ``is_buyer`` of the rows of the stacked side arrays (:data:`BUYER`, :data:`SELLER`).
_IS_BUYER = np.array([[True], [False]])


def _stack(buyer: Side, seller: Side) -> StackedSides:
    """Both sides stacked, row :data:`BUYER` then :data:`SELLER`."""
    reservation = np.array((buyer.reservation, seller.reservation))
    opening = np.array(
        (
            np.minimum(buyer.opening, buyer.reservation),
            np.maximum(seller.opening, seller.reservation),
        )
    )
    return StackedSides(
        reservation=reservation,
        opening=opening,
        low=np.minimum(opening, reservation),
        high=np.maximum(opening, reservation),
        discount=np.array((buyer.discount, seller.discount)),
        tactic=np.array((buyer.tactic, seller.tactic), dtype=np.int64),
    )


class _Book:
    """Per-side working arrays of the numpy protocol (internal)."""

    def __init__(self, sides: StackedSides, row: int) -> None:
        self.is_buyer = row == BUYER
        self.reservation = sides.reservation[row]
        self.opening = sides.opening[row]
        self.discount = sides.discount[row]
        self.tactic = sides.tactic[row]
        self.low = sides.low[row]
        self.high = sides.high[row]
        m = self.reservation.shape[0]
        self.last = np.full(m, np.nan)
        self.prev = np.full(m, np.nan)
        # Per tactic: the round-independent fields of its last state, reused while the
        # selection keeps its size (open negotiations only close, so same size = same set).
        self._fixed: dict[int, tuple[int, FloatArray, FloatArray, FloatArray, FloatArray]] = {}

    @cached_property
    def groups(self) -> list[tuple[int, IntArray]]:
        """(tactic, the negotiations it plays in ascending order): found once per call."""
        return [(int(k), np.flatnonzero(self.tactic == k)) for k in np.unique(self.tactic)]

    def state(
        self, other: _Book, k: int, sel: IntArray, r: int, max_rounds: int
    ) -> NegotiationState:
        """The read-only state of negotiations ``sel`` (all played by tactic ``k``)."""
        fixed = self._fixed.get(k)
        if fixed is None or fixed[0] != sel.size:
            fixed = (
                sel.size,
                _readonly(self.reservation[sel]),
                _readonly(self.opening[sel]),
                _readonly(self.discount[sel]),
                _readonly(other.discount[sel]),
            )
            self._fixed[k] = fixed
        # Fancy indexing copies, so the read-only arrays are the tactic's own.
        return NegotiationState.unchecked(
            r,
            max_rounds,
            self.is_buyer,
            fixed[1],
            fixed[2],
            fixed[3],
            fixed[4],
            _readonly(self.last[sel]),
            _readonly(other.last[sel]),
            _readonly(other.prev[sel]),
            _readonly(self.prev[sel]),
        )


def alternating_offers(
    buyer: Side,
    seller: Side,
    tactics: Sequence[Tactic],
    max_rounds: int,
    first_mover: str = "seller",
    *,
    record: bool = False,
    jit: bool | None = None,
    reference: bool = False,
    utilities: bool = True,
) -> Outcome:
    """Run ``M`` alternating-offers negotiations with a deadline, all at once.

    In round ``r`` the proposer side (``first_mover`` at even rounds) offers via its
    tactic's ``propose`` on a :class:`NegotiationState` of the open negotiations it plays;
    the responder's tactic ``accept`` decides on those offers. The protocol itself clips
    offers into the proposer's range and rejects offers outside the responder's
    reservation, so whatever the tactics do an agreed price lies in
    ``[seller.reservation, buyer.reservation]`` and an empty zone of agreement
    (``buyer.reservation < seller.reservation``) never yields a deal.

    When every tactic in play has a compiled form (``compiled(max_rounds)``, see
    :class:`~mechanisms.negotiation_state.Tactic`) and the JIT is on, the rounds run in
    the kernel :func:`mechanisms.kernels.bargaining.run_negotiations`, which gives the same
    outcome bit for bit. Otherwise (and always with ``CROWDBARGAIN_JIT=0``) they run in
    numpy: all rounds at once (:func:`mechanisms.bargaining_horizon.play_memoryless`) when
    every tactic in play is memoryless, else round by round.

    Args:
        buyer: Buyer side (reservation = willingness to pay).
        seller: Seller side (reservation = minimum price); same ``M`` as ``buyer``.
        tactics: Tactic instances indexed by ``Side.tactic`` (shared by both sides).
        max_rounds: Number of rounds (offers), >= 1.
        first_mover: ``"seller"`` or ``"buyer"``.
        record: Also return every offer in ``Outcome.offers``.
        jit: Use the compiled kernel when the tactics allow it; None (the default) follows
            :func:`mechanisms.jit.use_kernels` for ``M``, False never uses it.
        reference: Play round by round through the tactics' ``propose``/``accept`` (the
            specification) even where a faster path gives the same outcome.
        utilities: Also compute ``Outcome.buyer_utility`` and ``seller_utility`` (else
            None: a caller reading only agreements, prices and rounds skips their cost).

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

    sides = _stack(buyer, seller)
    # Both sides' indices in one reduction; the side at fault is looked up only on error.
    if m and int(sides.tactic.max()) >= len(tactics):
        for label, side in (("buyer", buyer), ("seller", seller)):
            if int(side.tactic.max()) >= len(tactics):
                raise ValueError(
                    f"{label}.tactic index {int(side.tactic.max())} out of range for "
                    f"{len(tactics)} tactics"
                )
    price = filled(m, np.nan)
    rounds = filled(m, max_rounds, dtype=np.intp)
    offers_log = np.full((max_rounds, m), np.nan) if record else None
    compiled = None if reference or not m else _compiled_tactics(tactics, sides.tactic, max_rounds)
    kernel = compiled is not None and (use_kernels(m) if jit is None else jit)
    first = BUYER if first_mover == "buyer" else SELLER
    if kernel:
        raw_utility = np.zeros((2, m))
        _run_negotiations(
            *sides,
            *compiled,
            first,
            price,
            rounds,
            offers_log if offers_log is not None else np.empty((0, m)),
            raw_utility,
        )
        # The last step of linear_utility, on the kernel's values (it costs ~10 numpy calls).
        utility = (
            np.where(np.isnan(raw_utility), 0.0, np.clip(raw_utility, 0.0, 1.0))
            if utilities
            else None
        )
    else:
        if compiled is not None and _memoryless(compiled[0], sides.tactic):
            play_memoryless(sides, compiled, first, price, rounds, offers_log)
        else:
            b, s = _Book(sides, BUYER), _Book(sides, SELLER)
            _play(b, s, tactics, max_rounds, first_mover, price, rounds, offers_log)
        utility = (
            linear_utility(price, sides.reservation, sides.opening, _IS_BUYER)
            if utilities
            else None
        )

    agreed = price == price  # not NaN, in one call rather than two
    if utility is None:
        return Outcome(agreed, price, rounds, None, None, offers_log)
    lag = np.maximum(rounds - 1, 0)
    # Both sides in one pass: row BUYER, row SELLER (the same operations per element).
    utility = np.where(agreed, sides.discount**lag * utility, 0.0)
    return Outcome(
        agreed=agreed,
        price=price,
        rounds=rounds,
        buyer_utility=utility[BUYER],
        seller_utility=utility[SELLER],
        offers=offers_log,
    )


#: Whether each rule code is memoryless, indexed by code; the last entry (read by code -1,
#: a tactic without compiled form) is False.
_IS_MEMORYLESS = np.array([Rule(c) in MEMORYLESS_RULES for c in range(max(Rule) + 1)] + [False])


def _memoryless(rule: npt.NDArray[np.int64], tactic: npt.NDArray[np.int64]) -> bool:
    """Whether every tactic in play has a rule of :data:`MEMORYLESS_RULES`."""
    ok = _IS_MEMORYLESS[rule]
    return bool(ok.all() or ok[tactic].all())


def _compiled_tactics(
    tactics: Sequence[Tactic], tactic: npt.NDArray[np.int64], max_rounds: int
) -> Packed | None:
    """Rule codes, concession tables and tolerances of the tactics, for the kernel.

    Returns None if a tactic in play (an index in ``tactic``) has no compiled form; a
    tactic not in play without one gets rule -1 and is never read.
    """
    # A tactic's form depends only on its parameters and ``max_rounds`` (tactics remember
    # theirs), so the tables are packed once per list of tactics. The cache keeps the
    # tactics alive, so their ids cannot be reused while cached.
    key = (max_rounds, *map(id, tactics))
    hit = _PACKED.get(key)
    if hit is None:
        hit = _PACKED[key] = _pack_tactics(tactics, max_rounds)
    packed, has_form = hit[1], hit[2]
    if has_form is not None and not has_form[tactic].all():
        return None
    return packed


def _pack_tactics(
    tactics: Sequence[Tactic], max_rounds: int
) -> tuple[tuple[Tactic, ...], Packed, npt.NDArray[np.bool_] | None]:
    """The packed forms of ``tactics`` and which have one (None: all of them)."""
    forms = tuple(compiled_form(t, max_rounds) for t in tactics)
    n = len(tactics)
    rule = np.full(n, -1, dtype=np.int64)
    alpha = np.zeros((n, max_rounds))
    tolerance = np.zeros(n)
    for k, form in enumerate(forms):
        if form is None:
            continue
        if form.alpha.shape != (max_rounds,):
            raise ValueError(
                f"{tactics[k]!r}.compiled({max_rounds}) has alpha of shape {form.alpha.shape}"
            )
        rule[k] = form.rule
        alpha[k] = form.alpha
        tolerance[k] = form.tolerance
    if len(_PACKED) >= _PACKED_MAX:
        _PACKED.clear()
    has_form = np.array([form is not None for form in forms])
    return tuple(tactics), (rule, alpha, tolerance), None if has_form.all() else has_form


def _play(
    b: _Book,
    s: _Book,
    tactics: Sequence[Tactic],
    max_rounds: int,
    first_mover: str,
    price: FloatArray,
    rounds: IntArray,
    offers_log: FloatArray | None,
) -> None:
    """The numpy protocol (the specification): fills ``price``, ``rounds``, ``offers_log``.

    Each round calls each tactic in play once on the open negotiations it plays.
    """
    m = price.size
    is_open = np.ones(m, dtype=bool)
    # Whole-length buffers, written at the indices of the open negotiations.
    offer_buf = np.empty(m)
    accept_buf = np.zeros(m, dtype=bool)
    for r in range(max_rounds):
        idx = np.flatnonzero(is_open)
        if idx.size == 0:
            break
        seller_proposes = (r % 2 == 0) == (first_mover == "seller")
        prop, resp = (s, b) if seller_proposes else (b, s)

        for k, members in prop.groups:
            sel = members[is_open[members]]
            if sel.size == 0:
                continue
            out = np.asarray(tactics[k].propose(prop.state(resp, k, sel, r, max_rounds)), float)
            if out.shape != sel.shape:
                raise ValueError(f"{tactics[k]!r}.propose returned shape {out.shape}")
            offer_buf[sel] = out
        offers = np.clip(offer_buf[idx], prop.low[idx], prop.high[idx])
        offer_buf[idx] = offers

        for k, members in resp.groups:
            sel = members[is_open[members]]
            if sel.size == 0:
                continue
            out = np.asarray(
                tactics[k].accept(resp.state(prop, k, sel, r, max_rounds), offer_buf[sel]), bool
            )
            if out.shape != sel.shape:
                raise ValueError(f"{tactics[k]!r}.accept returned shape {out.shape}")
            accept_buf[sel] = out
        accepted = accept_buf[idx]
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
