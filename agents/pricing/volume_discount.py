"""One-to-crowd pricing: a volume-discount schedule (tiers by order quantity)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.pricing.base import PricingPolicy
from sim.pricing import tier_discount


class VolumeDiscount(PricingPolicy):
    """Tiered unit price: the larger the order, the deeper the discount off the list price.

    ``price(Q) = max(list_price * (1 - d(Q)), reservation)`` with ``d(Q)`` the discount of the
    highest tier reached. ``min_quantity`` is the smallest group order the seller accepts as a
    threshold (minimum-quantity) deal.
    """

    name = "volume_discount"
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "list",
        "quantity_dependent": True,
        "uses_customer_data": False,
    }

    def __init__(
        self,
        markup: float = 0.3,
        tier_quantities: Sequence[int] = (1, 5, 10, 20, 40),
        tier_discounts: Sequence[float] = (0.0, 0.04, 0.08, 0.12, 0.16),
        min_quantity: int = 10,
        negotiable: bool = True,
        adaptive: bool = False,
    ) -> None:
        tq = tuple(int(q) for q in tier_quantities)
        td = tuple(float(d) for d in tier_discounts)
        super().__init__(
            markup=markup,
            negotiable=negotiable,
            adaptive=adaptive,
            tier_quantities=tq,
            tier_discounts=td,
            min_quantity=int(min_quantity),
        )
        self.tier_quantities = np.asarray(tq, dtype=np.int64)
        self.tier_discounts = np.asarray(td, dtype=np.float64)
        self.min_quantity = int(min_quantity)

    def _price(self, base, quantity, signal, reservation):
        return base * (1.0 - tier_discount(quantity, self.tier_quantities, self.tier_discounts))

    def min_group_quantity(self) -> int:
        """The seller's minimum quantity for a group deal."""
        return self.min_quantity
