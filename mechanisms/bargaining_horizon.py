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
comparisons, and the clip into the own range as ``np.maximum`` then ``np.minimum``, which
gives ``np.clip``'s bits; all exact in IEEE 754 whatever the array shape), so outcomes are
bit-identical (checked by ``tests/mechanisms/test_bargaining_kernel.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mechanisms.concession import linear_utility, rubinstein_shares
from mechanisms.negotiation_state import FloatArray, Rule, StackedSides

#: Rules this path plays: offers that ignore the opponent's history.
MEMORYLESS_RULES = frozenset({Rule.TIME_DEPENDENT, Rule.RUBINSTEIN})

#: Most elements of one ``(max_rounds, chunk)`` table: bounds the temporaries (~8 MB each,
#: twice that for the ``(max_rounds, 2, chunk)`` offers of both sides).
_CHUNK_ELEMENTS = 1 << 20

#: Row of the buyer and of the seller in :class:`StackedSides`.
_BUYER, _SELLER = 0, 1

#: Rule codes, concession tables ``(K, max_rounds)`` and tolerances of the tactics.
Packed = tuple[npt.NDArray[np.int64], FloatArray, FloatArray]

IntArray = npt.NDArray[np.intp]


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
    turns = _turns(max_rounds, first)
    # Whether any tactic (in play or not) is Rubinstein's: else its branches are skipped.
    rubinstein = Rule.RUBINSTEIN in packed[0].tolist()
    for start in range(0, m, step):
        # A small market is one chunk: the sides as they are, without slicing them.
        whole = start == 0 and m <= step
        part = slice(start, min(start + step, m))
        chunk = sides if whole else sides.columns(part)
        made, accepted = _offers_and_answers(chunk, packed, turns, rubinstein)
        agreed = accepted.any(axis=0)
        at = accepted.argmax(axis=0)
        cols = agreed.nonzero()[0]
        row = at[cols]
        if whole:
            price[cols] = made[row, cols]
            rounds[cols] = row + 1
        else:
            price[part][cols] = made[row, cols]
            rounds[part][cols] = row + 1
        if offers is not None:
            last = np.where(agreed, at, max_rounds - 1)
            shown = np.arange(max_rounds)[:, None] <= last
            offers[:, part][shown] = made[shown]


#: Who plays each round, by ``(max_rounds, first)``: see :func:`_turns`.
_TURNS: dict[tuple[int, int], tuple[IntArray, IntArray, FloatArray, IntArray]] = {}


def _turns(max_rounds: int, first: int) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Who plays each round: ``(proposer, responder, orientation, pick)``.

    The proposing and the responding side of each round, ``(max_rounds,)``; the responder's
    orientation ``(max_rounds, 1)`` (+1 seller, -1 buyer); ``pick``, the row of each round's
    proposer in a ``(max_rounds, 2, M)`` table of both sides' offers flattened to
    ``(2 * max_rounds, M)``. The same few ``(max_rounds, first)`` pairs recur call after
    call, so each is built once.
    """
    key = (max_rounds, first)
    hit = _TURNS.get(key)
    if hit is None:
        t = np.arange(max_rounds)
        proposer = np.where(t % 2 == 0, first, 1 - first)
        responder = 1 - proposer
        orient = np.where(responder == _SELLER, 1.0, -1.0)[:, None]
        hit = (proposer, responder, orient, 2 * t + proposer)
        for a in hit:
            a.flags.writeable = False
        _TURNS[key] = hit
    return hit


#: Concession tables by round, ``(max_rounds, K)`` (contiguous), by id of the packed
#: ``(K, max_rounds)`` table, which is kept alive with it so that its id is not reused.
_BY_ROUND: dict[int, tuple[FloatArray, FloatArray]] = {}
_BY_ROUND_MAX = 256


def _by_round(alpha: FloatArray) -> FloatArray:
    """``alpha`` transposed to ``(max_rounds, K)`` and made contiguous, once per table.

    ``take`` along an axis of a contiguous array costs half a fancy index or a gather from
    the transposed view, and the packed tables are themselves built once per tactic list.
    """
    hit = _BY_ROUND.get(id(alpha))
    if hit is None or hit[0] is not alpha:
        if len(_BY_ROUND) >= _BY_ROUND_MAX:
            _BY_ROUND.clear()
        hit = _BY_ROUND[id(alpha)] = (alpha, np.ascontiguousarray(alpha.T))
    return hit[1]


def _offers_and_answers(
    sides: StackedSides,
    packed: Packed,
    turns: tuple[IntArray, IntArray, FloatArray, IntArray],
    rubinstein: bool,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The offer made at every round and whether the responder accepts it, ``(rounds, M)``.

    Only the proposer's offer of a round is ever read (the responder's own proposal of round
    ``t + 1`` is the offer made at ``t + 1``). Both sides' offers are computed for every
    round (twice the elements, but at a few negotiations a call the numpy calls cost, not
    the elements) and the proposer's are gathered once.

    Args:
        sides: Both sides, as the protocol stacks them.
        packed: Rule code, concession table and tolerance of each tactic.
        turns: :func:`_turns` of the call.
        rubinstein: Whether any tactic of ``packed`` is :attr:`Rule.RUBINSTEIN`.
    """
    rule, alpha, tolerance = packed
    proposer, responder, orient, pick = turns
    res, opn, tactic = sides.reservation, sides.opening, sides.tactic
    # Each side's offer at every round, ``(rounds, 2, M)`` (the side arrays broadcast as they
    # are), of which each round's proposer row is read: the same element operations as
    # gathering the proposers first, with one gather at the end instead of one per operand.
    # TimeDependent.propose: clip(best + alpha * (worst - best)).
    offer = opn + _by_round(alpha).take(tactic, axis=1) * (res - opn)
    if rubinstein:
        propose_rub = rule[tactic] == Rule.RUBINSTEIN
        if propose_rub.any():
            # Rubinstein.propose: clip(res + share * (opening - res)), the same every round.
            # Each side proposes against the other, whose discount is the other row.
            share, _ = rubinstein_shares(sides.discount, sides.discount[::-1])
            offer = np.where(propose_rub, res + share * (opn - res), offer)
    # The clip as maximum then minimum: the same bits as np.clip (NaN and signed zeros
    # included, numpy 2.5), without its Python wrapper.
    offer = np.minimum(np.maximum(offer, sides.low), sides.high)
    made = offer.reshape(2 * offer.shape[0], -1).take(pick, axis=0)
    # Oriented to the responder (times +-1, exact), every test is ``>=``: a seller wants
    # more, a buyer less.
    signed = made * orient
    reservation = res.take(responder, axis=0)
    within = signed >= reservation * orient
    # AC_next: accept what is at least as good as the own proposal of round t + 1 (the
    # offer made then); at the deadline, anything within the reservation.
    next_ok = signed[:-1] >= made[1:] * orient[:-1]
    if rubinstein:
        answer_rub = rule[tactic[responder]] == Rule.RUBINSTEIN
        if answer_rub.any():
            # Rubinstein.accept: own utility of the offer >= d_own * s - tolerance.
            d_own = sides.discount[responder]
            share, _ = rubinstein_shares(d_own, sides.discount[proposer])
            is_buyer = (responder == _BUYER)[:, None]
            utility = linear_utility(made, reservation, opn[responder], is_buyer)
            good = utility >= d_own * share - tolerance[tactic[responder]]
            better = np.ones(made.shape, dtype=bool)
            better[:-1] = next_ok
            return made, np.where(answer_rub, good, better) & within
    within[:-1] &= next_ok
    return made, within
