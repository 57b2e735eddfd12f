"""One-to-crowd pricing: a volume-discount schedule (tiers by order quantity)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.pricing.base import PricingPolicy
from sim.pricing import cost_plus_price, volume_discount_price


class VolumeDiscount(PricingPolicy):
    """Tiered unit price: the larger the order, the deeper the discount off the list price.

    ``price(Q) = max(unit_cost * (1 + markup) * (1 - d(Q)), reservation)`` with ``d(Q)`` the
    discount of the highest tier reached. ``min_quantity`` is the smallest group order the
    seller accepts as a threshold (minimum-quantity) deal.
    """

    name = "volume_discount"
    classifier = {"family": "one_to_crowd", "quantity_dependent": True, "uses_customer_data": False}

    def __init__(
        self,
        markup: float = 0.3,
        tier_quantities: Sequence[int] = (1, 5, 10, 20, 40),
        tier_discounts: Sequence[float] = (0.0, 0.04, 0.08, 0.12, 0.16),
        min_quantity: int = 10,
        negotiable: bool = True,
    ) -> None:
        tq = tuple(int(q) for q in tier_quantities)
        td = tuple(float(d) for d in tier_discounts)
        super().__init__(
            negotiable=negotiable,
            markup=float(markup),
            tier_quantities=tq,
            tier_discounts=td,
            min_quantity=int(min_quantity),
        )
        self.markup = float(markup)
        self.tier_quantities = np.asarray(tq, dtype=np.int64)
        self.tier_discounts = np.asarray(td, dtype=np.float64)
        self.min_quantity = int(min_quantity)

    def quote(
        self, unit_cost: np.ndarray, reservation: np.ndarray, quantity: np.ndarray
    ) -> np.ndarray:
        """Schedule price for each order quantity."""
        return volume_discount_price(
            cost_plus_price(unit_cost, self.markup),
            quantity,
            self.tier_quantities,
            self.tier_discounts,
            reservation,
        )

    def min_group_quantity(self) -> int:
        """The seller's minimum quantity for a group deal."""
        return self.min_quantity
