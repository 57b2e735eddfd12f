"""One-to-many pricing: one posted price for every buyer."""

from __future__ import annotations

from dataclasses import dataclass

from agents.params import MAX_NOISE, MAX_STEPS, integer, number
from agents.pricing.base import PolicyParams, PricingPolicy


@dataclass
class PostedParams(PolicyParams):
    """Parameters of :class:`PostedPrice` (schema of ``pricing.posted``)."""

    negotiable: bool = False
    demand_based: bool = False
    update_every: int = integer(10, ge=1, le=MAX_STEPS)
    min_observations: int = integer(30, ge=1, le=MAX_STEPS)
    noise: float = number(0.15, ge=0.0, le=MAX_NOISE)


class PostedPrice(PricingPolicy):
    """Posted price, the same for any buyer and quantity.

    Cost-plus by default: ``price = max(unit_cost * (1 + markup), reservation)``. With
    ``demand_based`` the seller replaces cost-plus by the monopoly price of the demand it has
    observed (``mechanisms.demand.monopoly_price`` over the valuation signals — log-normal
    error of spread ``noise`` — of the solo buyers who asked it for a quote), re-estimated
    every ``update_every`` steps once it holds ``min_observations`` signals.
    """

    name = "posted"
    Params = PostedParams
    classifier = {
        "family": "one_to_many",
        "mechanism": "list",
        "quantity_dependent": False,
        "uses_customer_data": False,
    }

    def _price(self, base, quantity, signal, reservation):
        return base
