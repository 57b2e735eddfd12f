"""One scalar negotiation between two named tactics: a convenience over the batched protocol."""

from __future__ import annotations

import numpy as np

from agents.negotiators.base import Negotiator
from agents.negotiators.registry import make_negotiator
from mechanisms.bargaining import Side, alternating_offers


def bilateral_price(
    buyer_reservation: float,
    buyer_opening: float,
    seller_reservation: float,
    seller_opening: float,
    buyer_tactic: str | Negotiator = "linear",
    seller_tactic: str | Negotiator = "linear",
    *,
    buyer_discount: float = 1.0,
    seller_discount: float = 1.0,
    max_rounds: int = 20,
    first_mover: str = "seller",
) -> float:
    """Agreed price of one scalar negotiation (NaN if none); wraps :func:`alternating_offers`.

    Args:
        buyer_reservation: Buyer's maximum acceptable price.
        buyer_opening: Buyer's first (low) offer.
        seller_reservation: Seller's minimum acceptable price.
        seller_opening: Seller's first (high) offer.
        buyer_tactic: Registered tactic name or a :class:`Negotiator` instance.
        seller_tactic: Registered tactic name or a :class:`Negotiator` instance.
        buyer_discount: Buyer's per-round discount factor in (0, 1].
        seller_discount: Seller's per-round discount factor in (0, 1].
        max_rounds: Number of rounds, >= 1.
        first_mover: ``"seller"`` or ``"buyer"``.

    Returns:
        The agreed price, or NaN if the negotiation failed.

    Example:
        >>> round(bilateral_price(1.0, 0.0, 0.0, 1.0, "rubinstein", "rubinstein",
        ...                       buyer_discount=0.9, seller_discount=0.9), 4)
        0.5263
    """
    tactics = [
        t if isinstance(t, Negotiator) else make_negotiator(t)
        for t in (buyer_tactic, seller_tactic)
    ]
    out = alternating_offers(
        Side(np.array([buyer_reservation]), buyer_opening, buyer_discount, 0),
        Side(np.array([seller_reservation]), seller_opening, seller_discount, 1),
        tactics,
        max_rounds,
        first_mover,
    )
    return float(out.price[0])
