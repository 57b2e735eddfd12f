"""Compiled alternating offers: all rounds of ``M`` negotiations in one numba kernel.

The numpy protocol in :mod:`mechanisms.bargaining` (each tactic's ``propose``/``accept`` on
a read-only :class:`~mechanisms.negotiation_state.NegotiationState`) is the specification.
This kernel plays the same protocol for tactics that describe themselves as data (a
:class:`~mechanisms.negotiation_state.CompiledTactic`: a ``Rule`` and a per-round
concession table computed by the tactic with numpy), one negotiation at a time, which is
valid because each negotiation's outcome depends only on its own inputs.

Bit-for-bit identity with the numpy path rests on three facts: the kernel only uses
``+ - * /``, comparisons and NaN tests, which IEEE 754 defines exactly, in the same order
of operations as the numpy code (``a + b * (c - a)`` stays three rounded operations: numba
does not fuse them into an FMA without ``fastmath``); everything needing ``**``, ``exp``
or ``log`` comes in as numpy-computed tables or arrays; and clipping an offer into the
own range repeats numpy's ``np.clip`` with array bounds (NaN kept, ``x if x > low else
low`` then ``x if x < high else high``, which also decides a signed zero the same way).
The final clip of the utilities, with scalar bounds that numpy resolves differently for
a signed zero, stays in numpy. Divisions by a possible zero are guarded where numpy would
have discarded the result, so the kernel never raises numba's ``ZeroDivisionError``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from mechanisms.bargaining import BUYER
from mechanisms.kernels import kernel
from mechanisms.negotiation_state import FloatArray, Rule

# Plain ints: numba freezes module globals as compile-time constants. Any other rule
# (Rule.TIME_DEPENDENT) plays the time-dependent offer.
_RELATIVE_TIT_FOR_TAT = int(Rule.RELATIVE_TIT_FOR_TAT)
_RUBINSTEIN = int(Rule.RUBINSTEIN)


@kernel
def _clip(x: float, low: float, high: float) -> float:
    """``np.clip`` of one float between array bounds: NaN stays NaN, ties take the bound."""
    if not math.isnan(x):
        x = x if x > low else low
    if not math.isnan(x):
        x = x if x < high else high
    return x


@kernel
def _share(own_discount: float, opp_discount: float) -> float:
    """Proposer's Rubinstein share, as :func:`mechanisms.concession.rubinstein_shares`."""
    denom = 1.0 - own_discount * opp_discount
    if denom > 0.0:
        return (1.0 - opp_discount) / denom
    return 0.5


@kernel
def _raw_utility(price: float, reservation: float, opening: float, is_buyer: bool) -> float:
    """:func:`mechanisms.concession.linear_utility` before its final NaN test and clip."""
    width = reservation - opening if is_buyer else opening - reservation
    if width > 0.0:
        return (price - reservation) / (opening - reservation)
    acceptable = price <= reservation if is_buyer else price >= reservation
    return 1.0 if acceptable else 0.0


@kernel
def _utility(price: float, reservation: float, opening: float, is_buyer: bool) -> float:
    """Normalised linear utility, as :func:`mechanisms.concession.linear_utility`."""
    util = _raw_utility(price, reservation, opening, is_buyer)
    if math.isnan(util):
        return 0.0
    # Only compared with a threshold, so the sign of a zero does not matter here.
    return min(max(util, 0.0), 1.0)


@kernel
def _propose(
    rule: int,
    alpha: FloatArray,
    t: int,
    reservation: float,
    opening: float,
    low: float,
    high: float,
    own_discount: float,
    opp_discount: float,
    own_last: float,
    opp_last: float,
    opp_prev: float,
) -> float:
    """One proposal by a compiled tactic at round ``t`` (see :class:`Rule`)."""
    if rule == _RUBINSTEIN:
        offer = reservation + _share(own_discount, opp_discount) * (opening - reservation)
    elif rule == _RELATIVE_TIT_FOR_TAT and math.isnan(own_last):
        offer = opening
    else:
        # Time-dependent offer; tit-for-tat's fallback when imitation is not usable.
        offer = opening + alpha[t] * (reservation - opening)
        if rule == _RELATIVE_TIT_FOR_TAT and opp_last > 0.0:
            imitated = own_last * opp_prev / opp_last
            if math.isfinite(imitated):
                offer = imitated
    return _clip(offer, low, high)


@kernel
def _accept(
    rule: int,
    alpha: FloatArray,
    tolerance: float,
    t: int,
    deadline: int,
    is_buyer: bool,
    reservation: float,
    opening: float,
    low: float,
    high: float,
    own_discount: float,
    opp_discount: float,
    own_last: float,
    opp_last: float,
    offer: float,
) -> bool:
    """Whether a compiled tactic accepts ``offer`` at round ``t`` (see :class:`Rule`)."""
    ok = offer <= reservation if is_buyer else offer >= reservation
    if rule == _RUBINSTEIN:
        threshold = own_discount * _share(own_discount, opp_discount)
        good = _utility(offer, reservation, opening, is_buyer) >= threshold - tolerance
        return good and ok
    # AC_next: compare with the own proposal of round t + 1 after receiving the offer.
    if t >= deadline:
        return ok
    nxt = _propose(
        rule,
        alpha,
        t + 1,
        reservation,
        opening,
        low,
        high,
        own_discount,
        opp_discount,
        own_last,
        offer,
        opp_last,
    )
    better = offer <= nxt if is_buyer else offer >= nxt
    return ok and better


@kernel
def run_negotiations(
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
    rounds: npt.NDArray[np.int64],
    offers: FloatArray,
    utility: FloatArray,
) -> None:
    """Play every round of ``M`` negotiations; fills ``price``, ``rounds``, ``offers``, ``utility``.

    Side arrays have shape ``(2, M)``, row :data:`BUYER` then :data:`SELLER`; ``opening``
    is already clamped to the own side of the reservation and ``[low, high]`` is the own
    range, as the numpy protocol computes them.

    Args:
        reservation: Reservation prices, ``(2, M)``.
        opening: Openings, ``(2, M)``.
        low: Lower ends of the own ranges, ``(2, M)``.
        high: Upper ends of the own ranges, ``(2, M)``.
        discount: Discount factors, ``(2, M)``.
        tactic: Tactic indices, ``(2, M)``.
        rule: :class:`Rule` code of each tactic, ``(K,)``.
        alpha: Concession tables, ``(K, max_rounds)``.
        tolerance: Acceptance tolerances, ``(K,)``.
        first: Side that proposes at even rounds (:data:`BUYER` or :data:`SELLER`).
        price: Output, ``(M,)``, NaN on entry; the agreed price.
        rounds: Output, ``(M,)``, ``max_rounds`` on entry; offers up to the agreement.
        offers: Output, ``(max_rounds, M)`` NaN on entry to record every offer, or
            ``(0, M)`` not to record.
        utility: Output, ``(2, M)``, zeros on entry; where a deal is made, each side's
            linear utility of the price before :func:`~mechanisms.concession.linear_utility`'s
            final NaN test and clip, which the caller applies with numpy (``np.clip``'s
            handling of a signed zero at a bound is numpy's own business).
    """
    m = reservation.shape[1]
    max_rounds = alpha.shape[1]
    deadline = max_rounds - 1
    record = offers.shape[0] > 0
    for i in range(m):
        # Last and previous offer of each side (NaN: not made yet).
        last_b = np.nan
        last_s = np.nan
        prev_b = np.nan
        prev_s = np.nan
        for t in range(max_rounds):
            p = first if t % 2 == 0 else 1 - first
            q = 1 - p
            if p == BUYER:
                own_last, opp_last, opp_prev = last_b, last_s, prev_s
            else:
                own_last, opp_last, opp_prev = last_s, last_b, prev_b
            kp = tactic[p, i]
            kq = tactic[q, i]
            offer = _propose(
                rule[kp],
                alpha[kp],
                t,
                reservation[p, i],
                opening[p, i],
                low[p, i],
                high[p, i],
                discount[p, i],
                discount[q, i],
                own_last,
                opp_last,
                opp_prev,
            )
            # The protocol clips whatever the tactic proposed into the proposer's range.
            offer = _clip(offer, low[p, i], high[p, i])
            accepted = _accept(
                rule[kq],
                alpha[kq],
                tolerance[kq],
                t,
                deadline,
                q == BUYER,
                reservation[q, i],
                opening[q, i],
                low[q, i],
                high[q, i],
                discount[q, i],
                discount[p, i],
                opp_last,
                own_last,
                offer,
            )
            # ... and rejects offers outside the responder's reservation.
            if q == BUYER:
                accepted = accepted and offer <= reservation[q, i]
            else:
                accepted = accepted and offer >= reservation[q, i]
            if p == BUYER:
                prev_b, last_b = last_b, offer
            else:
                prev_s, last_s = last_s, offer
            if record:
                offers[t, i] = offer
            if accepted:
                price[i] = offer
                rounds[i] = t + 1
                for side in range(2):
                    utility[side, i] = _raw_utility(
                        offer, reservation[side, i], opening[side, i], side == BUYER
                    )
                break
