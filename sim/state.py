"""The one market state every phase reads and writes, and the scratch record of a step.

:class:`MarketState` holds the populations (customers, sellers, coalitions as numpy
columns), the social graph, the public price lists, the random generator, the resolved
config and the community's narrow interface (a no-op object when the community is off).
Phases are functions or small objects called as ``phase(state)``; nothing in a phase
reaches the Mesa model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.coalition import CoalitionTable
from agents.customer import CustomerPopulation
from agents.learning import SellerLearning
from agents.negotiators.base import Negotiator
from agents.seller import SellerBook
from sim.community import Community
from sim.network import Graph
from sim.records import DealChunk
from sim.settings import Settings


@dataclass
class PriceLists:
    """The public price lists buyers judge groups and solo purchases by.

    Attributes:
        group: ``[P, max_order + 1]`` lowest price a group expects at each quantity
            (``PricingPolicy.expected_quote``); column 0 unused.
        solo: ``[P, max_order + 1]`` lowest list quote a solo buyer faces.
        max_order: Largest order a coalition can place (``max_size * quantity_max``).
    """

    group: np.ndarray
    solo: np.ndarray
    max_order: int

    @classmethod
    def of(cls, sellers: SellerBook, max_order: int) -> PriceLists:
        """The lists as the sellers quote now."""
        return cls(
            group=sellers.best_price_table(max_order),
            solo=sellers.best_price_table(max_order, expected=False),
            max_order=max_order,
        )


@dataclass
class StepRecord:
    """What the phases of step ``t`` note for later phases and for the metrics.

    Attributes:
        t: The step (0-based).
        sellers_before: Sellers' ``(units_sold, revenue, cost)`` totals at the step's start.
        active_buyers: Customers shopping when trading started.
        urgent: Per coalition: a member is in its last step of patience (greedy groups).
        rounds: Rounds of this step's bargained orders that were served.
        deals: This step's purchases (None if nobody bought).
        figures: The step's time-series row (filled by the ``collect`` phase).
    """

    t: int
    sellers_before: tuple[np.ndarray, np.ndarray, np.ndarray]
    active_buyers: int = 0
    urgent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    rounds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    deals: DealChunk | None = None
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class MarketState:
    """Everything one run's phases work on.

    Attributes:
        cfg: The resolved config (the model's keyword nodes plus ``seed`` and ``steps``),
            read-only plain values (:class:`~sim.settings.Settings`).
        rng: The run's random generator (the Mesa model's ``rng``): every draw of a step.
        graph: The social graph (CSR).
        customers: Customer columns.
        sellers: Seller tables and policies.
        coalitions: Every coalition ever founded.
        learning: What sellers learn (adaptive multipliers, demand-based prices).
        tactics: Negotiation tactic instances, indexed by the tactic columns.
        tactic_names: Registry names of ``tactics``.
        base_cost: Base unit cost per product.
        prices: The public price lists.
        community: What other phases may ask of the community (a no-op when it is off).
        step: The current step's record.
        deal_log: Every step's purchases.
        seller_log: Per step, one row per seller (the sellers' table).
        escrow_in: Money ever paid into crowdfunding escrow.
    """

    cfg: Settings
    rng: np.random.Generator
    graph: Graph
    customers: CustomerPopulation
    sellers: SellerBook
    coalitions: CoalitionTable
    learning: SellerLearning
    tactics: list[Negotiator]
    tactic_names: list[str]
    base_cost: np.ndarray
    prices: PriceLists
    community: Community
    step: StepRecord = field(init=False)
    deal_log: list[DealChunk] = field(default_factory=list)
    seller_log: list[dict[str, np.ndarray]] = field(default_factory=list)
    escrow_in: float = 0.0

    def __post_init__(self) -> None:
        self.begin_step(-1)

    def begin_step(self, t: int) -> None:
        """Open the record of step ``t``."""
        b = self.sellers
        self.step = StepRecord(
            t=t, sellers_before=(b.units_sold.copy(), b.revenue.copy(), b.cost.copy())
        )

    def refresh_prices(self) -> None:
        """Recompute the public price lists after sellers changed prices or policies."""
        self.prices = PriceLists.of(self.sellers, self.prices.max_order)
