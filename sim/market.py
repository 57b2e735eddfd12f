"""Building a market's state from a resolved config: products, sellers, graph, customers.

Products, sellers, the graph and the customers each draw from their own stream spawned from
the run's seed (``np.random.SeedSequence(seed).spawn(4)``), so policies can be compared on
the same customers, costs and graph (common random numbers): changing the pricing mix
changes none of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from agents.coalition import CoalitionTable
from agents.customer import CustomerPopulation
from agents.learning import SellerLearning
from agents.negotiators.registry import make_negotiator
from agents.params import ConfigError, parse_mix
from agents.pricing.registry import make_policy
from agents.seller import SellerBook
from sim.community import make_community
from sim.network import Graph, build_graph
from sim.settings import settings_of
from sim.state import MarketState, PriceLists


def shares(items: Any, names: list[str]) -> np.ndarray:
    """Normalised shares of ``names`` in the mix ``items`` (0 for names not in it)."""
    mix = parse_mix(items)
    w = np.array([float(mix.get(n, 0.0)) for n in names])
    return w / w.sum()


def apportion(n: int, items: Any) -> list[str]:
    """Deterministic interleaved assignment of ``n`` items to the names of a mix by share."""
    mix = parse_mix(items)
    names = list(mix)
    w = np.array([float(mix[k]) for k in names])
    w = w / w.sum()
    out: list[str] = []
    given = np.zeros(len(names))
    for i in range(n):
        deficit = w * (i + 1) - given
        k = int(np.argmax(deficit))
        out.append(names[k])
        given[k] += 1
    return out


def build_sellers(
    cfg: DictConfig, base_cost: np.ndarray, tactic_names: list[str], rng: np.random.Generator
) -> SellerBook:
    """Sellers: products offered, unit costs, reservation prices, policies and tactics."""
    s, p = cfg.sellers, cfg.products
    n_s, n_p = s.n, p.n
    names = apportion(n_s, cfg.pricing.mix)
    instances = {
        name: make_policy(name, OmegaConf.to_container(cfg.pricing[name], resolve=True))
        for name in sorted(set(names))
    }
    offered = np.zeros((n_s, n_p), dtype=bool)
    for i in range(n_s):
        offered[i, (i + np.arange(s.products_per_seller)) % n_p] = True
    spread = rng.uniform(1 - s.cost_spread, 1 + s.cost_spread, (n_s, n_p))
    unit_cost = np.where(offered, base_cost[None, :] * spread, np.nan)
    tactic = rng.choice(
        len(tactic_names), size=n_s, p=shares(cfg.negotiation.seller_tactics, tactic_names)
    ).astype(np.int16)
    cap = np.full(n_s, s.capacity, dtype=np.int64)
    return SellerBook(
        offered=offered,
        unit_cost=unit_cost,
        reservation=unit_cost * (1 + s.min_margin),
        policies=[instances[n] for n in names],
        tactic=tactic,
        discount=np.full(n_s, s.discount),
        capacity=cap,
        capacity_left=cap.copy(),
        revenue=np.zeros(n_s),
        units_sold=np.zeros(n_s, dtype=np.int64),
        cost=np.zeros(n_s),
    )


def build_market(
    cfg: DictConfig, rng: np.random.Generator, graph: Graph | None = None
) -> MarketState:
    """The state of a new market.

    Args:
        cfg: The resolved, validated config.
        rng: The run's generator (draws of the steps; building uses spawned streams).
        graph: A prebuilt graph to use instead of building one (``customers.n`` nodes).

    Raises:
        ConfigError: if the graph cannot be built or does not fit the population.
    """
    c, ng = cfg.customers, cfg.negotiation
    graph_ss, products_ss, sellers_ss, customers_ss = np.random.SeedSequence(cfg.seed).spawn(4)

    # Products and sellers (independent of the population: common random numbers).
    prng = np.random.default_rng(products_ss)
    p = cfg.products
    base_cost = p.base_cost * prng.uniform(1 - p.cost_spread, 1 + p.cost_spread, p.n)
    tactic_names = sorted(set(parse_mix(ng.buyer_tactics)) | set(parse_mix(ng.seller_tactics)))
    sellers = build_sellers(cfg, base_cost, tactic_names, np.random.default_rng(sellers_ss))

    if graph is None:
        net = cfg.network
        try:
            graph = build_graph(
                net.kind,
                c.n,
                graph_ss,
                avg_degree=net.avg_degree,
                rewire_p=net.rewire_p,
                blocks=net.blocks,
                mixing=net.mixing,
                path=net.path,
                max_file_mb=net.max_file_mb,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    elif graph.n != c.n:
        raise ConfigError(f"graph has {graph.n} nodes but customers.n={c.n}")
    customers = CustomerPopulation.generate(
        c,
        base_cost,
        shares(ng.buyer_tactics, tactic_names),
        np.random.default_rng(customers_ss),
        blocks=graph.blocks,
    )
    sellers.signal_source = customers.signals
    max_order = cfg.coalition.max_size * c.quantity_max
    settings = settings_of(cfg)
    return MarketState(
        cfg=settings,
        rng=rng,
        graph=graph,
        customers=customers,
        sellers=sellers,
        coalitions=CoalitionTable(),
        learning=SellerLearning(sellers, cfg.pricing.adaptive),
        tactics=[make_negotiator(name) for name in tactic_names],
        tactic_names=tactic_names,
        base_cost=base_cost,
        prices=PriceLists.of(sellers, max_order),
        community=make_community(settings.community, c.n, sellers.n),
    )
