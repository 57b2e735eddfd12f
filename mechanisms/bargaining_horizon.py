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
from mechanisms.negotiation_state import FloatArray, Rule

#: Rules this path plays: offers that ignore the opponent's history.
MEMORYLESS_RULES = frozenset({Rule.TIME_DEPENDENT, Rule.RUBINSTEIN})

#: Most elements of one ``(max_rounds, chunk)`` table: bounds the temporaries (~8 MB each).
_CHUNK_ELEMENTS = 1 << 20

#: Row of the buyer and of the seller in the stacked ``(2, M)`` side arrays.
_BUYER, _SELLER = 0, 1


def play_memoryless(
    reservation: FloatArray,
    opening: FloatArray,
    low: FloatArray,
    high: FloatArray,
    discount: FloatArray,
    tactic: npt.NDArray[np.int64],
    rule: npt.NDArray[np.int64],
    alpha: FloatArray,
    tolerance: FloatArray,
    first: int,
    price: FloatArray,
    rounds: npt.NDArray[np.intp],
    offers: FloatArray | None,
) -> None:
    """Play ``M`` negotiations whose tactics are all memoryless; fills the outputs in place.

    Inputs are those of :func:`mechanisms.kernels.bargaining.run_negotiations`: side arrays
    of shape ``(2, M)`` (row 0 buyer, row 1 seller) with the opening already clamped to the
    own side of the reservation and ``[low, high]`` the own range, and per tactic its rule
    code, concession table ``(K, max_rounds)`` and tolerance. Every tactic in play must have
    a rule in :data:`MEMORYLESS_RULES`.

    Args:
        reservation: Reservation prices, ``(2, M)``.
        opening: Clamped openings, ``(2, M)``.
        low: Lower ends of the own ranges, ``(2, M)``.
        high: Upper ends of the own ranges, ``(2, M)``.
        discount: Discount factors, ``(2, M)``.
        tactic: Tactic indices, ``(2, M)``.
        rule: Rule code of each tactic, ``(K,)``.
        alpha: Concession tables, ``(K, max_rounds)``.
        tolerance: Acceptance tolerances, ``(K,)``.
        first: Row of the side that proposes at even rounds.
        price: Output, ``(M,)``, NaN on entry; the agreed price.
        rounds: Output, ``(M,)``, ``max_rounds`` on entry; offers up to the agreement.
        offers: Output ``(max_rounds, M)``, NaN on entry, to record every offer; or None.
    """
    m = reservation.shape[1]
    max_rounds = alpha.shape[1]
    step = max(1, _CHUNK_ELEMENTS // max_rounds)
    for start in range(0, m, step):
        part = slice(start, min(start + step, m))
        _play_chunk(
            reservation[:, part],
            opening[:, part],
            low[:, part],
            high[:, part],
            discount[:, part],
            tactic[:, part],
            rule,
            alpha,
            tolerance,
            first,
            price[part],
            rounds[part],
            None if offers is None else offers[:, part],
        )


def _own_offers(
    row: int,
    reservation: FloatArray,
    opening: FloatArray,
    low: FloatArray,
    high: FloatArray,
    discount: FloatArray,
    tactic: npt.NDArray[np.int64],
    rule: npt.NDArray[np.int64],
    alpha: FloatArray,
) -> FloatArray:
    """What side ``row`` would propose at every round, ``(max_rounds, M)``, clipped."""
    k = tactic[row]
    res, opn = reservation[row], opening[row]
    # TimeDependent.propose: clip(best + alpha * (worst - best)).
    table = opn + alpha[k].T * (res - opn)
    rubinstein = rule[k] == Rule.RUBINSTEIN
    if rubinstein.any():
        # Rubinstein.propose: clip(res + share * (opening - res)), the same every round.
        share, _ = rubinstein_shares(discount[row], discount[1 - row])
        table = np.where(rubinstein, res + share * (opn - res), table)
    return np.clip(table, low[row], high[row])


def _play_chunk(
    reservation: FloatArray,
    opening: FloatArray,
    low: FloatArray,
    high: FloatArray,
    discount: FloatArray,
    tactic: npt.NDArray[np.int64],
    rule: npt.NDArray[np.int64],
    alpha: FloatArray,
    tolerance: FloatArray,
    first: int,
    price: FloatArray,
    rounds: npt.NDArray[np.intp],
    offers: FloatArray | None,
) -> None:
    max_rounds = alpha.shape[1]
    args = (reservation, opening, low, high, discount, tactic, rule, alpha)
    own = (_own_offers(_BUYER, *args), _own_offers(_SELLER, *args))
    # Round t is proposed by `first` when t is even; the other side responds.
    even = (np.arange(max_rounds) % 2 == 0)[:, None]
    proposer_is_buyer = even if first == _BUYER else ~even
    made = np.where(proposer_is_buyer, own[_BUYER], own[_SELLER])
    # The responder's own proposal of round t + 1 (AC_next); none after the deadline.
    nxt = np.empty_like(made)
    nxt[:-1] = np.where(proposer_is_buyer[:-1], own[_SELLER][1:], own[_BUYER][1:])
    nxt[-1] = np.nan
    res_q = np.where(proposer_is_buyer, reservation[_SELLER], reservation[_BUYER])
    # Within the responder's reservation: buyer p <= res, seller p >= res.
    within = np.where(proposer_is_buyer, made >= res_q, made <= res_q)
    better = np.where(proposer_is_buyer, made >= nxt, made <= nxt)
    better[-1] = True
    rule_q = np.where(proposer_is_buyer, rule[tactic[_SELLER]], rule[tactic[_BUYER]])
    rubinstein = rule_q == Rule.RUBINSTEIN
    if rubinstein.any():
        by_share = _rubinstein_accepts(
            made, proposer_is_buyer, reservation, opening, discount, tactic, tolerance
        )
        accepted = np.where(rubinstein, by_share, better)
    else:
        accepted = better
    accepted &= within
    agreed = accepted.any(axis=0)
    at = accepted.argmax(axis=0)
    cols = np.flatnonzero(agreed)
    price[cols] = made[at[cols], cols]
    rounds[cols] = at[cols] + 1
    if offers is not None:
        last = np.where(agreed, at, max_rounds - 1)
        shown = np.arange(max_rounds)[:, None] <= last
        offers[shown] = made[shown]


def _rubinstein_accepts(
    made: FloatArray,
    proposer_is_buyer: npt.NDArray[np.bool_],
    reservation: FloatArray,
    opening: FloatArray,
    discount: FloatArray,
    tactic: npt.NDArray[np.int64],
    tolerance: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Rubinstein.accept for every round: own utility >= ``d_own * s - tolerance``."""
    q = np.where(proposer_is_buyer, _SELLER, _BUYER)  # (max_rounds, 1)
    cols = np.arange(made.shape[1])
    d_own = discount[q, cols]
    d_opp = discount[1 - q, cols]
    share, _ = rubinstein_shares(d_own, d_opp)
    threshold = d_own * share
    utility = linear_utility(made, reservation[q, cols], opening[q, cols], q == _BUYER)
    return utility >= threshold - tolerance[tactic[q, cols]]
