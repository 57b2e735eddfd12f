"""Alternating offers of memoryless tactics, every round at once: ``(max_rounds, M)`` arrays.

A tactic whose offers depend only on the round and its own inputs (the rules
:attr:`~mechanisms.negotiation_state.Rule.TIME_DEPENDENT` and
:attr:`~mechanisms.negotiation_state.Rule.RUBINSTEIN`, never on the opponent's offers)
makes the same offer at round ``t`` whether or not the negotiation is still open. So every
offer and every acceptance of a negotiation can be computed for all rounds in one pass,
and the outcome is the first accepted round. That is a few dozen numpy calls per call
instead of a few dozen per round, which is what a small model needs: at the default size a
step bargains over a handful of orders, where the per-round loop of
:func:`mechanisms.bargaining.alternating_offers` costs far more in Python calls than in
arithmetic.

The numpy protocol (round by round, through the tactics' ``propose``/``accept``) remains
the specification; this path repeats its arithmetic element for element (``+ - * /``,
comparisons and ``np.clip`` with array bounds, all exact in IEEE 754 whatever the array
shape), so outcomes are bit-identical (checked by ``tests/mechanisms/test_bargaining_kernel.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mechanisms.concession import linear_utility, rubinstein_shares
from mechanisms.negotiation_state import FloatArray, Rule, StackedSides

#: Rules this path plays: offers that ignore the opponent's history.
MEMORYLESS_RULES = frozenset({Rule.TIME_DEPENDENT, Rule.RUBINSTEIN})

#: Most elements of one ``(max_rounds, chunk)`` table: bounds the temporaries (~8 MB each).
_CHUNK_ELEMENTS = 1 << 20

#: Row of the buyer and of the seller in :class:`StackedSides`.
_BUYER, _SELLER = 0, 1

#: Rule codes, concession tables ``(K, max_rounds)`` and tolerances of the tactics.
Packed = tuple[npt.NDArray[np.int64], FloatArray, FloatArray]


def play_memoryless(
    sides: StackedSides,
    packed: Packed,
    first: int,
    price: FloatArray,
    rounds: npt.NDArray[np.intp],
    offers: FloatArray | None,
) -> None:
    """Play ``M`` negotiations whose tactics are all memoryless; fills the outputs in place.

    Args:
        sides: Both sides, as the protocol stacks them.
        packed: Rule code, concession table and tolerance of each tactic (every tactic in
            play must have a rule of :data:`MEMORYLESS_RULES`).
        first: Row of the side that proposes at even rounds.
        price: Output, ``(M,)``, NaN on entry; the agreed price.
        rounds: Output, ``(M,)``, ``max_rounds`` on entry; offers up to the agreement.
        offers: Output ``(max_rounds, M)``, NaN on entry, to record every offer; or None.
    """
    m = sides.reservation.shape[1]
    max_rounds = packed[1].shape[1]
    step = max(1, _CHUNK_ELEMENTS // max_rounds)
    for start in range(0, m, step):
        part = slice(start, min(start + step, m))
        made, accepted = _offers_and_answers(sides.columns(part), packed, first)
        agreed = accepted.any(axis=0)
        at = accepted.argmax(axis=0)
        cols = np.flatnonzero(agreed)
        price[part][cols] = made[at[cols], cols]
        rounds[part][cols] = at[cols] + 1
        if offers is not None:
            last = np.where(agreed, at, max_rounds - 1)
            shown = np.arange(max_rounds)[:, None] <= last
            offers[:, part][shown] = made[shown]


def _own_offers(sides: StackedSides, packed: Packed, row: int) -> FloatArray:
    """What side ``row`` would propose at every round, ``(max_rounds, M)``, clipped."""
    rule, alpha, _ = packed
    k = sides.tactic[row]
    res, opn = sides.reservation[row], sides.opening[row]
    # TimeDependent.propose: clip(best + alpha * (worst - best)).
    table = opn + alpha[k].T * (res - opn)
    rubinstein = rule[k] == Rule.RUBINSTEIN
    if rubinstein.any():
        # Rubinstein.propose: clip(res + share * (opening - res)), the same every round.
        share, _ = rubinstein_shares(sides.discount[row], sides.discount[1 - row])
        table = np.where(rubinstein, res + share * (opn - res), table)
    return np.clip(table, sides.low[row], sides.high[row])


def _offers_and_answers(
    sides: StackedSides, packed: Packed, first: int
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The offer made at every round and whether the responder accepts it, ``(rounds, M)``."""
    rule, alpha, tolerance = packed
    max_rounds = alpha.shape[1]
    buyer, seller = _own_offers(sides, packed, _BUYER), _own_offers(sides, packed, _SELLER)
    # Round t is proposed by `first` when t is even; the other side responds.
    even = (np.arange(max_rounds) % 2 == 0)[:, None]
    buyer_proposes = even if first == _BUYER else ~even
    made = np.where(buyer_proposes, buyer, seller)
    # AC_next: accept what is at least as good as the own proposal of round t + 1; at the
    # deadline, anything within the reservation.
    better = np.ones_like(made, dtype=bool)
    nxt = np.where(buyer_proposes[:-1], seller[1:], buyer[1:])
    better[:-1] = np.where(buyer_proposes[:-1], made[:-1] >= nxt, made[:-1] <= nxt)
    reservation = np.where(buyer_proposes, sides.reservation[_SELLER], sides.reservation[_BUYER])
    within = np.where(buyer_proposes, made >= reservation, made <= reservation)
    answer = np.where(buyer_proposes, rule[sides.tactic[_SELLER]], rule[sides.tactic[_BUYER]])
    rubinstein = answer == Rule.RUBINSTEIN
    if rubinstein.any():
        # Rubinstein.accept: own utility of the offer >= d_own * s - tolerance.
        q = np.where(buyer_proposes, _SELLER, _BUYER)
        cols = np.arange(made.shape[1])
        d_own, d_opp = sides.discount[q, cols], sides.discount[1 - q, cols]
        share, _ = rubinstein_shares(d_own, d_opp)
        utility = linear_utility(made, reservation, sides.opening[q, cols], q == _BUYER)
        good = utility >= d_own * share - tolerance[sides.tactic[q, cols]]
        better = np.where(rubinstein, good, better)
    return made, better & within
