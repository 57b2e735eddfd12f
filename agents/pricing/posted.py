"""One-to-many pricing: one posted price for every buyer."""

from __future__ import annotations

from agents.pricing.base import PricingPolicy


class PostedPrice(PricingPolicy):
    """Posted price, the same for any buyer and quantity.

    Cost-plus by default: ``price = max(unit_cost * (1 + markup), reservation)``. With
    ``demand_based`` the seller replaces cost-plus by the monopoly price of the demand it has
    observed (``sim.demand.monopoly_price`` over the valuation signals — log-normal error of
    spread ``noise`` — of the solo buyers who asked it for a quote), re-estimated every
    ``update_every`` steps once it holds ``min_observations`` signals.
    """

    name = "posted"
    classifier = {
        "family": "one_to_many",
        "mechanism": "list",
        "quantity_dependent": False,
        "uses_customer_data": False,
    }

    def __init__(
        self,
        markup: float = 0.3,
        negotiable: bool = False,
        adaptive: bool = False,
        demand_based: bool = False,
        update_every: int = 10,
        min_observations: int = 30,
        noise: float = 0.15,
    ) -> None:
        super().__init__(
            markup=markup,
            negotiable=negotiable,
            adaptive=adaptive,
            demand_based=bool(demand_based),
            update_every=int(update_every),
            min_observations=int(min_observations),
            noise=float(noise),
        )
        self.noise = float(noise)
        self.demand_based = bool(demand_based)
        self.update_every = int(update_every)
        self.min_observations = int(min_observations)

    def _price(self, base, quantity, signal, reservation):
        return base
