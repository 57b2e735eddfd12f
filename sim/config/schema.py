"""Typed configuration schemas: one dataclass per config node, bounds declared on the fields.

The model constructor takes exactly these nodes as keywords (``MarketModel(customers=...,
network=...)``), so a Hydra config, a notebook call and ``mesa.batch_run`` share one
parameter surface. Each pricing policy's node is the policy's own parameter dataclass
(``agents.pricing``); every choice list is imported from the module that implements the
choices; every default is the field default here (the YAML files of ``configs/`` hold only
what makes an option different). ``sim.config.validate`` reads the bounds declared with
:mod:`agents.params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.customer import WTP_DISTRIBUTIONS
from agents.learning import AdaptiveParams
from agents.negotiators.registry import NEGOTIATORS
from agents.params import (
    MAX_FACTOR,
    MAX_PRICE,
    MAX_STEPS,
    choice,
    fail,
    integer,
    mix,
    names,
    number,
    probability,
)
from agents.pricing.archetypes import CustomerFirstParams, ShortTermParams
from agents.pricing.crowd import (
    CrowdfundingParams,
    NegotiatedParams,
    ReverseAuctionParams,
    ThresholdParams,
)
from agents.pricing.offer import OfferParams
from agents.pricing.personalised import PersonalisedParams
from agents.pricing.posted import PostedParams
from agents.pricing.registry import POLICIES
from agents.pricing.volume_discount import VolumeDiscountParams
from mechanisms.bargaining import FIRST_MOVERS, NEGOTIATION_PROTOCOLS
from mechanisms.discovery import DISCOVERY_MODES
from mechanisms.division import DIVISION_RULES
from sim.community import SELLER_RESPONSES
from sim.network import GRAPH_KINDS, MAX_FILE_MB
from sim.phases.formation import FORMATIONS

#: Most customers: node ids are ``int32`` (whether a run fits in memory is
#: ``sim.config.memory``'s question).
MAX_CUSTOMERS = 2 * 10**9
#: Most units one customer wants: a coalition's order (``max_size * quantity_max``) stays
#: an ``int32`` and the price lists hold one column per unit of the largest order.
MAX_QUANTITY = 10**4
#: Most members of a coalition (see :data:`MAX_QUANTITY`).
MAX_COALITION = 10**5


@dataclass
class CustomersConfig:
    """Customer population (one bot per customer)."""

    n: int = integer(1000, ge=1, le=MAX_CUSTOMERS)
    wtp_dist: str = choice("lognormal", WTP_DISTRIBUTIONS)
    wtp_mean: float = number(1.5, gt=0.0, le=MAX_FACTOR)
    wtp_sd: float = number(0.3, ge=0.0, le=MAX_FACTOR)
    quantity_max: int = integer(3, ge=1, le=MAX_QUANTITY)
    arrival_rate: float = probability(0.05)
    initially_active: float = probability(0.1)
    patience_mean: float = number(25.0, ge=1.0, le=MAX_STEPS)
    discount: float = number(0.95, gt=0.0, le=1.0)
    loner_share: float = probability(0.15)
    solo_after: int = integer(12, ge=0, le=MAX_STEPS)
    interest_homophily: float = probability(0.8)
    repeat_rate: float = probability(0.0)


@dataclass
class ProductsConfig:
    """Products on the market; each has a base unit cost."""

    n: int = integer(4, ge=1, le=10**4)
    base_cost: float = number(10.0, gt=0.0, le=MAX_PRICE)
    cost_spread: float = number(0.5, ge=0.0, le=0.99)


@dataclass
class SellersConfig:
    """Seller population."""

    # One Mesa agent and one policy entry each, made in a Python loop.
    n: int = integer(6, ge=1, le=10**5)
    products_per_seller: int = integer(2, ge=1, le=10**4)
    cost_spread: float = number(0.1, ge=0.0, le=0.99)
    min_margin: float = number(0.05, ge=0.0, le=MAX_FACTOR)
    capacity: int = integer(400, ge=1, le=10**12)
    discount: float = number(0.95, gt=0.0, le=1.0)


@dataclass
class NetworkConfig:
    """Social graph the bots search and gossip over."""

    kind: str = choice("small_world", GRAPH_KINDS)
    avg_degree: float = number(8.0, ge=0.0, le=10**5)
    rewire_p: float = probability(0.1)
    blocks: int = integer(8, ge=1, le=10**6)
    mixing: float = probability(0.1)
    path: str | None = None
    max_file_mb: float = number(MAX_FILE_MB, gt=0.0)

    @staticmethod
    def checks(node: Any, key: str) -> None:
        """A file graph needs its path."""
        if node.kind == "file" and not node.path:
            fail(
                f"{key}.path",
                node.path,
                "a path to an edge list (.txt/.csv/.edgelist) or .graphml file",
            )


@dataclass
class PricingConfig:
    """Which pricing policies sellers run (shares of sellers) and their parameters.

    One node per policy: the policy's own parameter dataclass.
    """

    mix: list[str] = mix(lambda: ["posted:0.5", "volume_discount:0.5"], POLICIES)
    posted: PostedParams = field(default_factory=PostedParams)
    personalised: PersonalisedParams = field(default_factory=PersonalisedParams)
    volume_discount: VolumeDiscountParams = field(default_factory=VolumeDiscountParams)
    threshold: ThresholdParams = field(default_factory=ThresholdParams)
    crowdfunding: CrowdfundingParams = field(default_factory=CrowdfundingParams)
    negotiated: NegotiatedParams = field(default_factory=NegotiatedParams)
    reverse_auction: ReverseAuctionParams = field(default_factory=ReverseAuctionParams)
    customer_first: CustomerFirstParams = field(default_factory=CustomerFirstParams)
    short_term: ShortTermParams = field(default_factory=ShortTermParams)
    offer: OfferParams = field(default_factory=OfferParams)
    adaptive: AdaptiveParams = field(default_factory=AdaptiveParams)


@dataclass
class CoalitionConfig:
    """Coalition formation and payoff division."""

    algorithm: str = choice("greedy_merge", FORMATIONS)
    max_size: int = integer(40, ge=2, le=MAX_COALITION)
    coordination_cost: float = number(0.1, ge=0.0, le=MAX_PRICE)
    leader_prob: float = probability(0.02)
    formation_steps: int = integer(10, ge=1, le=MAX_STEPS)
    pledge_window: int = integer(10, ge=1, le=MAX_STEPS)
    invite_hops: int = integer(5, ge=1, le=10**4)  # int16 per customer
    forward_p: float = probability(0.8)
    discovery: str = choice("cascade", DISCOVERY_MODES)
    division: str = choice("uniform", DIVISION_RULES)
    shapley_samples: int = integer(256, ge=1, le=10**5)


@dataclass
class NegotiationConfig:
    """Bilateral negotiation protocol and the tactics in play."""

    protocol: str = choice("alternating_offers", NEGOTIATION_PROTOCOLS)
    max_rounds: int = integer(20, ge=1, le=10**4)
    first_mover: str = choice("seller", FIRST_MOVERS)
    buyer_opening: float = probability(0.7)
    buyer_tactics: list[str] = mix(
        lambda: ["boulware:0.3", "linear:0.4", "conceder:0.3"], NEGOTIATORS
    )
    seller_tactics: list[str] = mix(lambda: ["boulware:0.5", "linear:0.5"], NEGOTIATORS)


@dataclass
class CommunityConfig:
    """Reviews, fairness, two-dimensional reputation, outrage and boycotts (off by default)."""

    enabled: bool = False
    expected_share: float = probability(0.15)
    review_prob: float = probability(0.3)
    read_p: float = probability(0.3)
    review_hops: int = integer(2, ge=1, le=100)
    learning_rate: float = probability(0.3)
    word_of_mouth_weight: float = probability(0.5)
    price_visibility: float = probability(0.0)
    fairness_tolerance: float = probability(0.05)
    fairness_weight: float = number(3.0, ge=0.0, le=MAX_FACTOR)
    grievance_threshold: float = number(0.5, gt=0.0, le=MAX_FACTOR)
    grievance_decay: float = probability(0.9)
    # A zero threshold would outrage everyone with a neighbour at once.
    contagion_threshold: float = number(0.25, gt=0.0, le=1.0)
    boycott_steps: int = integer(20, ge=1, le=MAX_STEPS)
    reputation_weight: float = probability(0.5)
    seller_response: str = choice("none", SELLER_RESPONSES)
    response_threshold: float = probability(0.05)
    hosting: list[str] = names(list, POLICIES)
    host_rate: float = probability(0.2)


@dataclass
class OutputConfig:
    """What a run writes besides its data tables (not part of a run's identity).

    Attributes:
        figures: Draw ``price_surplus.png``: ``true`` or ``false``; ``null`` (the default)
            is automatic: drawn for a single run, not in a multirun (``-m``), where the
            figure would more than double the time of every job.
        quiet: Print nothing after a run (no summary).
    """

    figures: bool | None = None
    quiet: bool = False


@dataclass
class Config:
    """The whole experiment: one node per axis, mirrored 1:1 by MarketModel keywords."""

    seed: int = integer(0, ge=0)
    steps: int = integer(100, ge=1, le=MAX_STEPS)
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    products: ProductsConfig = field(default_factory=ProductsConfig)
    sellers: SellersConfig = field(default_factory=SellersConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)
    coalition: CoalitionConfig = field(default_factory=CoalitionConfig)
    negotiation: NegotiationConfig = field(default_factory=NegotiationConfig)
    community: CommunityConfig = field(default_factory=CommunityConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    tags: list[str] = field(default_factory=list)


#: The nodes the model takes as keywords, in the order of :class:`Config`.
NODE_SCHEMAS: dict[str, type] = {
    "customers": CustomersConfig,
    "products": ProductsConfig,
    "sellers": SellersConfig,
    "network": NetworkConfig,
    "pricing": PricingConfig,
    "coalition": CoalitionConfig,
    "negotiation": NegotiationConfig,
    "community": CommunityConfig,
}
MODEL_NODES = tuple(NODE_SCHEMAS)
