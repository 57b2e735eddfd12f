"""Reverse (procurement) auctions: a buying coalition tenders its order to the sellers.

Each of ``R`` concurrent tenders is one row of a ``[R, S]`` bid matrix: sellers quote a unit
price (``np.inf`` where a seller does not bid), the lowest bid wins, and the buyer's reserve
price caps what it accepts. All tenders are settled at once with array operations.

References:
    W. Vickrey (1961). "Counterspeculation, auctions, and competitive sealed tenders".
    Journal of Finance 16(1):8-37 (second-price sealed bids; truthful bidding is dominant).

    V. Krishna (2010). *Auction Theory*, 2nd ed., Academic Press, ch. 2 (symmetric
    equilibrium of the first-price auction with independent private values; revenue
    equivalence), here mirrored for a procurement auction in which the lowest cost wins.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Pricing rules accepted by :func:`reverse_auction`.
AUCTION_RULES = ("second", "first")


def reverse_auction(
    bids: npt.ArrayLike,
    reserve: npt.ArrayLike,
    rule: str,
    tiebreak: npt.ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Settle ``R`` sealed-bid reverse auctions at once.

    In tender ``r`` the winner is ``w = argmin_s bids[r, s]``; equal lowest bids go to the
    seller with the smaller ``tiebreak[r, s]`` and then to the lower seller index. A sale
    happens iff the winning bid is finite and ``bids[r, w] <= reserve[r]``. The unit price is

    * ``rule="first"`` (first-price / pay-as-bid): ``price = bids[r, w]``;
    * ``rule="second"`` (Vickrey 1961): ``price = min(b_(2), reserve[r])`` where ``b_(2)`` is
      the second-lowest bid of the row (``+inf`` with a single bidder, so the reserve then
      acts as the second bid; with an infinite reserve that price is ``+inf``).

    ``NaN`` bids are treated like ``np.inf`` (no bid).

    Args:
        bids: Unit-price bids, shape ``[R, S]``; ``np.inf`` where a seller does not bid.
        reserve: Buyer's maximum acceptable unit price per tender, shape ``[R]`` (a scalar
            is broadcast).
        rule: ``"first"`` or ``"second"``.
        tiebreak: Optional ``[R, S]`` keys; among equal lowest bids the smaller key wins.

    Returns:
        ``(winner, price)``: ``winner`` ``[R]`` seller index (``-1`` where no sale) and
        ``price`` ``[R]`` unit price (``NaN`` where no sale).

    Raises:
        ValueError: On an unknown ``rule`` or mismatched shapes.
    """
    if rule not in AUCTION_RULES:
        raise ValueError(f"unknown auction rule {rule!r}; allowed rules: {AUCTION_RULES}")
    b = np.asarray(bids, dtype=np.float64)
    if b.ndim != 2:
        raise ValueError(f"bids must have shape [R, S], got {b.shape}")
    n_tenders, n_sellers = b.shape
    b = np.where(np.isnan(b), np.inf, b)
    res = np.broadcast_to(np.asarray(reserve, dtype=np.float64), (n_tenders,))
    winner = np.full(n_tenders, -1, dtype=np.intp)
    price = np.full(n_tenders, np.nan)
    if n_sellers == 0 or n_tenders == 0:
        return winner, price

    if tiebreak is None:
        # lexsort is stable, so equal bids keep the lower seller index first.
        order = np.lexsort((b,), axis=1)
    else:
        tb = np.asarray(tiebreak, dtype=np.float64)
        if tb.shape != b.shape:
            raise ValueError(f"tiebreak must have the shape of bids {b.shape}, got {tb.shape}")
        order = np.lexsort((tb, b), axis=1)
    rows = np.arange(n_tenders)
    best_idx = order[:, 0]
    best = b[rows, best_idx]
    sold = np.isfinite(best) & (best <= res)

    if rule == "first":
        paid = best
    else:
        second = b[rows, order[:, 1]] if n_sellers > 1 else np.full(n_tenders, np.inf)
        paid = np.minimum(second, res)

    winner[sold] = best_idx[sold]
    price[sold] = paid[sold]
    return winner, price


def first_price_equilibrium_bid(
    cost: npt.ArrayLike, n_bidders: int | npt.ArrayLike, cost_high: float | npt.ArrayLike
) -> FloatArray:
    """Symmetric Bayes-Nash bid in a procurement first-price auction with uniform costs.

    With ``n`` sellers whose costs are i.i.d. uniform on ``[cost_low, cost_high]``, the
    symmetric equilibrium bid is ``b(c) = c + (cost_high - c) / n`` (Krishna 2010, ch. 2,
    ``b(c) = E[min of the others' costs | min >= c]``: the procurement mirror of the
    familiar ``(n - 1)/n`` bid shading of the first-price sale auction). With ``n = 1`` the
    seller bids ``cost_high``. The bid does not depend on ``cost_low``.

    Args:
        cost: Each seller's own unit cost (broadcast with the other arguments).
        n_bidders: Number of competing sellers ``n >= 1``.
        cost_high: Upper bound of the cost distribution.

    Returns:
        The equilibrium bids.

    Raises:
        ValueError: If some ``n_bidders < 1``.
    """
    c = np.asarray(cost, dtype=np.float64)
    n = np.asarray(n_bidders, dtype=np.float64)
    if np.any(~(n >= 1)):
        raise ValueError("n_bidders must be >= 1")
    high = np.asarray(cost_high, dtype=np.float64)
    return c + (high - c) / n


def truthful_bid(cost: npt.ArrayLike) -> FloatArray:
    """Bid one's own cost: ``b(c) = c``, a weakly dominant strategy in the second-price auction.

    (Vickrey 1961; Krishna 2010, ch. 2.)

    Args:
        cost: Unit costs.

    Returns:
        A float copy of ``cost``.
    """
    return np.array(cost, dtype=np.float64)
