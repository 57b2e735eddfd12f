"""Typed configuration schemas (Hydra ConfigStore) and their value checks.

One dataclass per config group. The model constructor takes exactly these nodes as
keywords (``MarketModel(customers=..., network=...)``), so a Hydra config, a notebook
call and ``mesa.batch_run`` share one parameter surface and one validation path.

Hydra/OmegaConf check *types* when overrides are merged; :func:`validate` checks
*values* (ranges, names) and raises :class:`ConfigError` with a one-line message that
names the key and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf

NETWORK_KINDS = ("erdos_renyi", "small_world", "scale_free", "communities", "file")
WTP_DISTRIBUTIONS = ("lognormal", "uniform", "normal")
COALITION_ALGORITHMS = ("greedy_merge", "threshold_pledge", "none")
DIVISION_RULES = ("uniform", "equal_surplus", "proportional", "shapley")
PROTOCOLS = ("alternating_offers",)
FIRST_MOVERS = ("seller", "buyer")


class ConfigError(ValueError):
    """A configuration value is outside what the model accepts."""


@dataclass
class CustomersConfig:
    """Customer population (one bot per customer)."""

    n: int = 1000
    wtp_dist: str = "lognormal"
    wtp_mean: float = 1.5
    wtp_sd: float = 0.3
    quantity_max: int = 3
    arrival_rate: float = 0.05
    initially_active: float = 0.1
    patience_mean: float = 25.0
    discount: float = 0.95
    loner_share: float = 0.15
    solo_after: int = 12
    interest_homophily: float = 0.8
    repeat_rate: float = 0.0


@dataclass
class ProductsConfig:
    """Products on the market; each has a base unit cost."""

    n: int = 4
    base_cost: float = 10.0
    cost_spread: float = 0.5


@dataclass
class SellersConfig:
    """Seller population."""

    n: int = 6
    products_per_seller: int = 2
    cost_spread: float = 0.1
    min_margin: float = 0.05
    capacity: int = 400
    discount: float = 0.95


@dataclass
class NetworkConfig:
    """Social graph the bots search and gossip over."""

    kind: str = "small_world"
    avg_degree: float = 8.0
    rewire_p: float = 0.1
    blocks: int = 8
    mixing: float = 0.1
    path: str | None = None


@dataclass
class PostedConfig:
    """One-to-many posted price: cost-plus, or the monopoly price of observed demand."""

    markup: float = 0.3
    negotiable: bool = False
    adaptive: bool = False
    demand_based: bool = False
    update_every: int = 10
    min_observations: int = 30
    noise: float = 0.15


@dataclass
class PersonalisedConfig:
    """One-to-one price: a share of each buyer's estimated willingness to pay."""

    markup: float = 0.3
    capture: float = 0.85
    noise: float = 0.1
    privacy_share: float = 0.2
    negotiable: bool = False
    adaptive: bool = False


@dataclass
class VolumeDiscountConfig:
    """One-to-crowd volume discount schedule (tiers by order quantity)."""

    markup: float = 0.3
    tier_quantities: list[int] = field(default_factory=lambda: [1, 5, 10, 20, 40])
    tier_discounts: list[float] = field(default_factory=lambda: [0.0, 0.04, 0.08, 0.12, 0.16])
    min_quantity: int = 10
    negotiable: bool = True
    adaptive: bool = False


@dataclass
class ThresholdConfig:
    """One-to-crowd threshold deal: a group price from a minimum quantity."""

    markup: float = 0.3
    deal_discount: float = 0.15
    min_quantity: int = 20
    negotiable: bool = False
    adaptive: bool = False


@dataclass
class CrowdfundingConfig:
    """One-to-crowd all-or-nothing campaign, paid up front, refunded if short of the goal."""

    markup: float = 0.3
    deal_discount: float = 0.18
    goal_units: int = 30
    adaptive: bool = False


@dataclass
class NegotiatedConfig:
    """One-to-crowd negotiated deal: coalitions bargain for their aggregate demand."""

    markup: float = 0.3
    negotiate_solo: bool = False
    adaptive: bool = False


@dataclass
class ReverseAuctionConfig:
    """One-to-crowd reverse auction: coalitions tender, sellers bid (first or second price)."""

    markup: float = 0.3
    format: str = "second"
    adaptive: bool = False


@dataclass
class CustomerFirstConfig:
    """Archetype: fair margins, honest volume discounts, open bargaining."""

    markup: float = 0.15
    tier_quantities: list[int] = field(default_factory=lambda: [1, 5, 10, 20, 40])
    tier_discounts: list[float] = field(default_factory=lambda: [0.0, 0.02, 0.04, 0.06, 0.08])
    min_quantity: int = 10
    negotiable: bool = True
    adaptive: bool = False


@dataclass
class ShortTermConfig:
    """Archetype: high markup, personalised prices, adaptive price pushing."""

    markup: float = 0.5
    capture: float = 0.92
    noise: float = 0.1
    privacy_share: float = 0.2
    negotiable: bool = False
    adaptive: bool = True


@dataclass
class AdaptiveConfig:
    """Price learning: each adaptive seller picks a price multiplier (an arm) every step."""

    enabled: bool = False
    rule: str = "ucb1"
    arms: list[float] = field(default_factory=lambda: [0.85, 0.925, 1.0, 1.075, 1.15])
    epsilon: float = 0.1
    c: float = 2.0


@dataclass
class PricingConfig:
    """Which pricing policies sellers run (shares of sellers) and their parameters."""

    mix: list[str] = field(default_factory=list)
    posted: PostedConfig = field(default_factory=PostedConfig)
    personalised: PersonalisedConfig = field(default_factory=PersonalisedConfig)
    volume_discount: VolumeDiscountConfig = field(default_factory=VolumeDiscountConfig)
    threshold: ThresholdConfig = field(default_factory=ThresholdConfig)
    crowdfunding: CrowdfundingConfig = field(default_factory=CrowdfundingConfig)
    negotiated: NegotiatedConfig = field(default_factory=NegotiatedConfig)
    reverse_auction: ReverseAuctionConfig = field(default_factory=ReverseAuctionConfig)
    customer_first: CustomerFirstConfig = field(default_factory=CustomerFirstConfig)
    short_term: ShortTermConfig = field(default_factory=ShortTermConfig)
    adaptive: AdaptiveConfig = field(default_factory=AdaptiveConfig)


@dataclass
class CoalitionConfig:
    """Coalition formation and payoff division."""

    algorithm: str = "greedy_merge"
    max_size: int = 40
    coordination_cost: float = 0.1
    leader_prob: float = 0.02
    formation_steps: int = 10
    pledge_window: int = 10
    invite_hops: int = 5
    forward_p: float = 0.8
    division: str = "uniform"
    shapley_samples: int = 256


@dataclass
class NegotiationConfig:
    """Bilateral negotiation protocol and the tactics in play."""

    protocol: str = "alternating_offers"
    max_rounds: int = 20
    first_mover: str = "seller"
    buyer_opening: float = 0.7
    buyer_tactics: list[str] = field(default_factory=list)
    seller_tactics: list[str] = field(default_factory=list)


@dataclass
class CommunityConfig:
    """Reviews, fairness, two-dimensional reputation, outrage and boycotts (off by default)."""

    enabled: bool = False
    expected_share: float = 0.15
    review_prob: float = 0.3
    read_p: float = 0.3
    review_hops: int = 2
    learning_rate: float = 0.3
    word_of_mouth_weight: float = 0.5
    price_visibility: float = 0.0
    fairness_tolerance: float = 0.05
    fairness_weight: float = 3.0
    grievance_threshold: float = 0.5
    grievance_decay: float = 0.9
    contagion_threshold: float = 0.25
    boycott_steps: int = 20
    reputation_weight: float = 0.5
    seller_response: str = "none"
    response_threshold: float = 0.05
    hosting: list[str] = field(default_factory=list)
    host_rate: float = 0.2


@dataclass
class OutputConfig:
    """What a run writes besides its data tables."""

    figures: bool = True
    quiet: bool = False


@dataclass
class Config:
    """The whole experiment: one node per axis, mirrored 1:1 by MarketModel keywords."""

    seed: int = 0
    steps: int = 100
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


MODEL_NODES = (
    "customers",
    "products",
    "sellers",
    "network",
    "pricing",
    "coalition",
    "negotiation",
    "community",
)
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

DEFAULT_PRICING_MIX = ["posted:0.5", "volume_discount:0.5"]
DEFAULT_BUYER_TACTICS = ["boulware:0.3", "linear:0.4", "conceder:0.3"]
DEFAULT_SELLER_TACTICS = ["boulware:0.5", "linear:0.5"]
MIX_KEYS = {"pricing": ("mix",), "negotiation": ("buyer_tactics", "seller_tactics")}


def parse_mix(items: Any, key: str = "mix") -> dict[str, float]:
    """Read a mix written as ``["name", "name:share", ...]`` (a missing share means 1).

    A mix is a list so that a command-line override replaces it whole, e.g.
    ``negotiation.buyer_tactics=[rubinstein]`` or ``pricing.mix=[posted:1,volume_discount:3]``.

    Raises:
        ConfigError: on a malformed entry, a negative share or a repeated name.
    """
    if isinstance(items, Mapping):
        return {str(k): float(v) for k, v in items.items()}
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, share = str(item).partition(":")
        try:
            value = float(share) if sep else 1.0
        except ValueError:
            value = math.nan
        if not name or not math.isfinite(value) or value < 0 or name in out:
            _fail(key, list(items), "a list of distinct name or name:share entries, shares >= 0")
        out[name] = value
    return out


def mix_to_list(mix: Mapping[str, float]) -> list[str]:
    """Write a ``{name: share}`` mapping as the list form of :func:`parse_mix`."""
    return [f"{k}:{float(v):g}" for k, v in mix.items()]


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)


def to_node(name: str, value: Any) -> DictConfig:
    """Merge a user value (dict, DictConfig, dataclass or None) onto a node's schema.

    Raises:
        ConfigError: if the value has an unknown key or a value of the wrong type.
    """
    schema = OmegaConf.structured(NODE_SCHEMAS[name])
    if value is None:
        return schema
    if isinstance(value, Mapping) and not isinstance(value, DictConfig):
        value = {
            k: mix_to_list(v) if k in MIX_KEYS.get(name, ()) and isinstance(v, Mapping) else v
            for k, v in value.items()
        }
    try:
        if not isinstance(value, DictConfig):
            value = OmegaConf.create(
                value if isinstance(value, dict) else OmegaConf.structured(value)
            )
        return OmegaConf.merge(schema, value)
    except Exception as exc:  # OmegaConf raises several types; report them uniformly
        raise ConfigError(f"{name}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _fail(key: str, got: Any, allowed: str) -> None:
    raise ConfigError(f"{key}={got!r} is invalid; allowed: {allowed}")


def _int_at_least(key: str, v: Any, lo: int) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        _fail(key, v, f"an integer >= {lo}")


def _real(key: str, v: Any, lo: float, hi: float = math.inf, lo_open: bool = False) -> None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ok = ok and (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        left = "(" if lo_open else "["
        right = "inf)" if hi == math.inf else f"{hi}]"
        _fail(key, v, f"a number in {left}{lo}, {right}")


def _prob(key: str, v: Any) -> None:
    _real(key, v, 0.0, 1.0)


def _choice(key: str, v: Any, allowed: tuple[str, ...] | list[str]) -> None:
    if v not in allowed:
        _fail(key, v, " | ".join(allowed))


def _mix(key: str, items: Any, allowed: list[str]) -> None:
    mix = parse_mix(items, key)
    if not mix:
        _fail(
            key,
            dict(mix) if mix is not None else None,
            f"a non-empty map of {' | '.join(allowed)} to shares",
        )
    for name, share in mix.items():
        _choice(f"{key}.{name}", name, allowed)
        _real(f"{key}.{name}", share, 0.0)
    if sum(mix.values()) <= 0:
        _fail(key, dict(mix), "shares that sum to more than 0")


LEARNING_RULES = ("ucb1", "epsilon_greedy")
AUCTION_FORMATS = ("second", "first")


def _tiers(key: str, tq: list[int], td: list[float]) -> None:
    if not tq or len(tq) != len(td):
        _fail(f"{key}.tier_quantities", tq, "a non-empty list as long as tier_discounts")
    if tq[0] != 1 or any(b <= a for a, b in zip(tq, tq[1:], strict=False)):
        _fail(f"{key}.tier_quantities", tq, "strictly increasing integers starting at 1")
    if any(not (0 <= d < 1) for d in td) or any(b < a for a, b in zip(td, td[1:], strict=False)):
        _fail(f"{key}.tier_discounts", td, "non-decreasing numbers in [0, 1)")


def _validate_pricing(pr: Any) -> None:
    from agents.pricing.registry import POLICIES

    _mix("pricing.mix", pr.mix, sorted(POLICIES))
    for name in POLICIES:
        node = pr.get(name)
        if node is None:
            continue
        key = f"pricing.{name}"
        _real(f"{key}.markup", node.markup, 0.0)
        if "tier_quantities" in node:
            _tiers(key, list(node.tier_quantities), list(node.tier_discounts))
        for k in ("capture", "noise"):
            if k in node:
                _real(f"{key}.{k}", node[k], 0.0)
        for k in ("privacy_share", "deal_discount"):
            if k in node:
                _real(f"{key}.{k}", node[k], 0.0, 1.0)
        for k in ("min_quantity", "goal_units", "update_every", "min_observations"):
            if k in node:
                _int_at_least(f"{key}.{k}", node[k], 1)
        if "format" in node:
            _choice(f"{key}.format", node.format, AUCTION_FORMATS)
    ad = pr.adaptive
    _choice("pricing.adaptive.rule", ad.rule, LEARNING_RULES)
    if not ad.arms or any(not (isinstance(a, int | float) and a > 0) for a in ad.arms):
        _fail("pricing.adaptive.arms", list(ad.arms), "a non-empty list of positive multipliers")
    _prob("pricing.adaptive.epsilon", ad.epsilon)
    _real("pricing.adaptive.c", ad.c, 0.0)


SELLER_RESPONSES = ("none", "apologise", "reform", "listen")


def _validate_community(cm: Any) -> None:
    from agents.pricing.registry import POLICIES

    for k in (
        "expected_share",
        "review_prob",
        "read_p",
        "learning_rate",
        "word_of_mouth_weight",
        "price_visibility",
        "fairness_tolerance",
        "grievance_decay",
        "reputation_weight",
        "response_threshold",
        "host_rate",
    ):
        _prob(f"community.{k}", cm[k])
    # A zero threshold would outrage everyone with a neighbour at once.
    _real("community.contagion_threshold", cm.contagion_threshold, 0.0, 1.0, lo_open=True)
    _int_at_least("community.review_hops", cm.review_hops, 1)
    if cm.review_hops > 100:
        _fail("community.review_hops", cm.review_hops, "an integer in [1, 100]")
    _int_at_least("community.boycott_steps", cm.boycott_steps, 1)
    _real("community.fairness_weight", cm.fairness_weight, 0.0)
    _real("community.grievance_threshold", cm.grievance_threshold, 0.0, lo_open=True)
    _choice("community.seller_response", cm.seller_response, SELLER_RESPONSES)
    for name in cm.hosting:
        _choice("community.hosting", name, sorted(POLICIES))


def validate(cfg: Any) -> None:
    """Check every value of a composed config (or of the model nodes) against its allowed range.

    Args:
        cfg: A DictConfig/dict with the nodes of :class:`Config` (missing nodes are skipped).

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    from agents.negotiators.registry import NEGOTIATORS

    get = cfg.get
    if get("seed") is not None:
        _int_at_least("seed", get("seed"), 0)
    if get("steps") is not None:
        _int_at_least("steps", get("steps"), 1)

    c = get("customers")
    if c is not None:
        _int_at_least("customers.n", c.n, 1)
        _choice("customers.wtp_dist", c.wtp_dist, WTP_DISTRIBUTIONS)
        _real("customers.wtp_mean", c.wtp_mean, 0.0, lo_open=True)
        _real("customers.wtp_sd", c.wtp_sd, 0.0)
        _int_at_least("customers.quantity_max", c.quantity_max, 1)
        _prob("customers.arrival_rate", c.arrival_rate)
        _prob("customers.initially_active", c.initially_active)
        _real("customers.patience_mean", c.patience_mean, 1.0)
        _real("customers.discount", c.discount, 0.0, 1.0, lo_open=True)
        _prob("customers.loner_share", c.loner_share)
        _int_at_least("customers.solo_after", c.solo_after, 0)
        _prob("customers.interest_homophily", c.interest_homophily)
        _prob("customers.repeat_rate", c.repeat_rate)

    p = get("products")
    if p is not None:
        _int_at_least("products.n", p.n, 1)
        _real("products.base_cost", p.base_cost, 0.0, lo_open=True)
        _real("products.cost_spread", p.cost_spread, 0.0, 0.99)

    s = get("sellers")
    if s is not None:
        _int_at_least("sellers.n", s.n, 1)
        _int_at_least("sellers.products_per_seller", s.products_per_seller, 1)
        if p is not None and s.products_per_seller > p.n:
            _fail(
                "sellers.products_per_seller",
                s.products_per_seller,
                f"an integer in [1, products.n={p.n}]",
            )
        _real("sellers.cost_spread", s.cost_spread, 0.0, 0.99)
        _real("sellers.min_margin", s.min_margin, 0.0)
        _int_at_least("sellers.capacity", s.capacity, 1)
        _real("sellers.discount", s.discount, 0.0, 1.0, lo_open=True)

    net = get("network")
    if net is not None:
        _choice("network.kind", net.kind, NETWORK_KINDS)
        _real("network.avg_degree", net.avg_degree, 0.0)
        _prob("network.rewire_p", net.rewire_p)
        _int_at_least("network.blocks", net.blocks, 1)
        _prob("network.mixing", net.mixing)
        if net.kind == "file" and not net.path:
            _fail(
                "network.path",
                net.path,
                "a path to an edge list (.txt/.csv/.edgelist) or .graphml file",
            )

    pr = get("pricing")
    if pr is not None:
        _validate_pricing(pr)

    co = get("coalition")
    if co is not None:
        _choice("coalition.algorithm", co.algorithm, COALITION_ALGORITHMS)
        _int_at_least("coalition.max_size", co.max_size, 2)
        _real("coalition.coordination_cost", co.coordination_cost, 0.0)
        _prob("coalition.leader_prob", co.leader_prob)
        _int_at_least("coalition.formation_steps", co.formation_steps, 1)
        _int_at_least("coalition.pledge_window", co.pledge_window, 1)
        _int_at_least("coalition.invite_hops", co.invite_hops, 1)
        _prob("coalition.forward_p", co.forward_p)
        _choice("coalition.division", co.division, DIVISION_RULES)
        _int_at_least("coalition.shapley_samples", co.shapley_samples, 1)

    cm = get("community")
    if cm is not None:
        _validate_community(cm)

    ng = get("negotiation")
    if ng is not None:
        _choice("negotiation.protocol", ng.protocol, PROTOCOLS)
        _int_at_least("negotiation.max_rounds", ng.max_rounds, 1)
        _choice("negotiation.first_mover", ng.first_mover, FIRST_MOVERS)
        _real("negotiation.buyer_opening", ng.buyer_opening, 0.0, 1.0)
        _mix("negotiation.buyer_tactics", ng.buyer_tactics, sorted(NEGOTIATORS))
        _mix("negotiation.seller_tactics", ng.seller_tactics, sorted(NEGOTIATORS))
