"""One-to-many pricing: one posted price for every buyer."""

from __future__ import annotations

import numpy as np

from agents.pricing.base import PricingPolicy
from sim.pricing import cost_plus_price


class PostedPrice(PricingPolicy):
    """Cost-plus posted price, the same for any buyer and quantity.

    ``price = max(unit_cost * (1 + markup), reservation)``.
    """

    name = "posted"
    classifier = {"family": "one_to_many", "quantity_dependent": False, "uses_customer_data": False}

    def __init__(self, markup: float = 0.3, negotiable: bool = False) -> None:
        super().__init__(negotiable=negotiable, markup=float(markup))
        self.markup = float(markup)

    def quote(
        self, unit_cost: np.ndarray, reservation: np.ndarray, quantity: np.ndarray
    ) -> np.ndarray:
        """Posted price, independent of quantity."""
        price = np.maximum(cost_plus_price(unit_cost, self.markup), reservation)
        return np.broadcast_to(price, np.broadcast(price, quantity).shape).astype(np.float64)
