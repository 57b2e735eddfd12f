"""A game's rules, set by the teacher when opening a room, and the market they describe."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from agents.stand_ins import STAND_INS

#: The one product's unit cost: every seller faces the same cost, so prices compare directly.
UNIT_COST = 10.0
#: Sellers keep at least this margin (their reservation price is cost times 1 + margin).
MIN_MARGIN = 0.05
#: Share of the customers that start shopping each step.
ARRIVAL_RATE = 0.05


@dataclass(frozen=True)
class GameRules:
    """What the teacher chooses for a room.

    Attributes:
        rounds: Rounds in the game.
        steps_per_round: Market steps (days) each round runs.
        round_seconds: Seconds students have per round; 0: the teacher ends each round.
        customers: Bot customers in the market.
        seed: Seed of the market (customers, graph, every draw).
        allow_personalised: Whether students may switch personalised pricing on.
        price_visibility: Chance a customer sees what a neighbour paid (outrage at unfair
            prices; ``community.price_visibility``).
        stand_in: The bot policy that plays for a student who does not submit in time
            (``agents.stand_ins``).
        bot_sellers: Bot sellers in the market besides the students.
        capacity: Units each seller can sell per step; 0 (the default) gives each seller
            room for 1.5 times its even share of the expected demand, so the cheapest seller
            sells out and rivals still sell (Bertrand-Edgeworth rather than winner takes all).
    """

    rounds: int = 8
    steps_per_round: int = 5
    round_seconds: float = 0.0
    customers: int = 400
    seed: int = 0
    allow_personalised: bool = True
    price_visibility: float = 0.5
    stand_in: str = "repeat_last"
    bot_sellers: int = 0
    capacity: int = 0

    @property
    def floor(self) -> float:
        """The lowest price a seller may post (its reservation price)."""
        return round(UNIT_COST * (1 + MIN_MARGIN), 2)

    @property
    def ceiling(self) -> float:
        """The highest price a seller may post (ten times the unit cost)."""
        return 10 * UNIT_COST

    def seller_capacity(self, n_sellers: int) -> int:
        """Units each seller can sell per step (see ``capacity``)."""
        if self.capacity:
            return self.capacity
        # Expected units asked per step: arrivals (5% of customers a step) times 2 units each.
        demand = self.customers * ARRIVAL_RATE * 2
        return max(5, math.ceil(1.5 * demand / n_sellers))

    def market(self, n_sellers: int) -> dict[str, Any]:
        """The model's config (``sim.config`` nodes) for ``n_sellers`` sellers."""
        return {
            "seed": self.seed,
            "steps": self.rounds * self.steps_per_round,
            "customers": {
                "n": self.customers,
                "arrival_rate": ARRIVAL_RATE,
                "quantity_max": 3,
                "repeat_rate": 0.05,
            },
            "products": {"n": 1, "base_cost": UNIT_COST, "cost_spread": 0.0},
            "sellers": {
                "n": n_sellers,
                "products_per_seller": 1,
                "cost_spread": 0.0,
                "min_margin": MIN_MARGIN,
                "capacity": self.seller_capacity(n_sellers),
            },
            "pricing": {"mix": ["offer"]},
            "community": {"enabled": True, "price_visibility": self.price_visibility},
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for the game's record)."""
        return asdict(self)


#: Allowed values of each rule, as (low, high) bounds or a tuple of choices.
RULE_BOUNDS: dict[str, Any] = {
    "rounds": (1, 50),
    "steps_per_round": (1, 50),
    "round_seconds": (0, 600),
    "customers": (10, 20_000),
    "seed": (0, 2**31 - 1),
    "price_visibility": (0.0, 1.0),
    "stand_in": tuple(STAND_INS),
    "bot_sellers": (0, 20),
    "capacity": (0, 100_000),
}
