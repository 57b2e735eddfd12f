"""The market model: wiring and the named phases of one step.

Each step runs, for the whole population at once:

1. ``arrive``   — customers whose arrival step has come start shopping;
2. ``expire``   — customers out of patience leave unserved (and leave their coalition);
3. ``price``    — adaptive sellers pick today's price multiplier; demand-based sellers
   re-estimate their monopoly price; the public price list is refreshed;
4. ``discover`` — word of mouth: coalition members and informed bots forward invitations;
5. ``form``     — customers join, switch, found or merge coalitions (config ``coalition``);
   crowdfunding backers pay into escrow;
6. ``trade``    — ready coalitions and solo buyers pick sellers (or tender), negotiate, are
   allocated capacity, pay (division rule) and are served; failed campaigns refund;
7. ``community``— (``community.enabled`` only) experience, price fairness, reviews by word of
   mouth, reputation, outrage and boycotts, seller responses (``sim.community_dynamics``);
8. ``learn``    — adaptive sellers score today's multiplier by today's profit;
9. ``collect``  — DataCollector records the step's metrics.

Agent state lives in numpy columns (``agents.customer.CustomerPopulation``,
``agents.seller.SellerBook``, ``agents.coalition.CoalitionTable``); the model never
imports visualisation.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from agents.coalition import CoalitionStatus, CoalitionTable
from agents.customer import NO_COALITION, CustomerAgent, CustomerPopulation, Status
from agents.negotiators.registry import make_negotiator
from agents.pricing.registry import make_policy
from agents.seller import SellerAgent, SellerBook
from sim.allocation import first_fit
from sim.auctions import first_price_equilibrium_bid, reverse_auction, truthful_bid
from sim.bargaining import Side, alternating_offers
from sim.campaigns import threshold_outcome
from sim.community_dynamics import CANCELLED_CAMPAIGN, FAILED_DELIVERY, CommunityDynamics
from sim.config import (
    DEFAULT_BUYER_TACTICS,
    DEFAULT_PRICING_MIX,
    DEFAULT_SELLER_TACTICS,
    MODEL_NODES,
    ConfigError,
    parse_mix,
    to_node,
    validate,
)
from sim.demand import wtp_signal
from sim.discovery import best_per_target, forward, incident_edges, sorted_unique
from sim.division import divide
from sim.formation import admit, clear_orders, plan_merges
from sim.metrics import DEAL_COLUMNS, TIMESERIES_COLUMNS, step_metrics
from sim.network import Graph, build_graph
from sim.seller_learning import SellerLearning

PROTOCOLS = (
    "take_it_or_leave_it",
    "alternating_offers",
    "threshold",
    "crowdfunding",
    "first_price_auction",
    "second_price_auction",
)
"""Values of the deal log's ``protocol`` column (stored internally as the index)."""
TAKE_IT, BARGAINED, THRESHOLD, CROWDFUNDING, FIRST_PRICE, SECOND_PRICE = range(6)


def _shares(items: Any, names: list[str]) -> np.ndarray:
    mix = parse_mix(items)
    w = np.array([float(mix.get(n, 0.0)) for n in names])
    return w / w.sum()


def _apportion(n: int, items: Any) -> list[str]:
    """Deterministic interleaved assignment of ``n`` items to names by share."""
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


class MarketModel(mesa.Model):
    """Collective negotiation market: customer bots, buying coalitions and sellers on a graph.

    Keyword arguments mirror the config nodes 1:1 (see ``sim/config.py``); each node may be
    a dict, a DictConfig or its dataclass, and missing keys take their defaults.

    Args:
        seed: Seed of every random stream in the run.
        steps: Number of steps after which ``running`` turns False.
        customers: ``customers`` node.
        products: ``products`` node.
        sellers: ``sellers`` node.
        network: ``network`` node.
        pricing: ``pricing`` node.
        coalition: ``coalition`` node.
        negotiation: ``negotiation`` node.
        community: ``community`` node (reviews, reputation, boycotts; off by default).
        rng: Alias of ``seed`` (``mesa.batch_run`` passes ``rng``); must be an int if given.
        graph: A prebuilt :class:`~sim.network.Graph` to use instead of building one.

    Raises:
        ConfigError: if any value is out of range.
    """

    def __init__(
        self,
        seed: int = 0,
        steps: int = 100,
        customers: Any = None,
        products: Any = None,
        sellers: Any = None,
        network: Any = None,
        pricing: Any = None,
        coalition: Any = None,
        negotiation: Any = None,
        community: Any = None,
        *,
        rng: int | None = None,
        graph: Graph | None = None,
    ) -> None:
        if rng is not None:
            if not isinstance(rng, int | np.integer):
                raise ConfigError(f"rng={rng!r} is invalid; allowed: an integer seed")
            seed = int(rng)
        cfg = self._resolve(
            seed,
            steps,
            customers,
            products,
            sellers,
            network,
            pricing,
            coalition,
            negotiation,
            community,
        )
        super().__init__(rng=int(seed))
        self.cfg = cfg
        self.seed = int(seed)
        self.n_steps = int(steps)
        c, co, ng = cfg.customers, cfg.coalition, cfg.negotiation

        graph_ss, products_ss, sellers_ss, customers_ss = np.random.SeedSequence(self.seed).spawn(4)

        # Products and sellers (independent of the population, so policies can be compared
        # on the same customers and graph: common random numbers).
        prng = np.random.default_rng(products_ss)
        p = cfg.products
        self.base_cost = p.base_cost * prng.uniform(1 - p.cost_spread, 1 + p.cost_spread, p.n)

        self.tactic_names = sorted(
            set(parse_mix(ng.buyer_tactics)) | set(parse_mix(ng.seller_tactics))
        )
        self.tactics = [make_negotiator(name) for name in self.tactic_names]
        self.sellers = self._build_sellers(cfg, np.random.default_rng(sellers_ss))

        # Graph and customers.
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
                )
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        elif graph.n != c.n:
            raise ConfigError(f"graph has {graph.n} nodes but customers.n={c.n}")
        self.graph = graph
        self.customers = CustomerPopulation.generate(
            c,
            self.base_cost,
            _shares(ng.buyer_tactics, self.tactic_names),
            np.random.default_rng(customers_ss),
            blocks=graph.blocks,
        )
        self.coalitions = CoalitionTable()
        self.sellers.signal_source = self._signals
        self.learning = SellerLearning(self.sellers, cfg.pricing.adaptive)
        self.max_order = co.max_size * c.quantity_max
        self._refresh_price_lists()

        self.customer_agents = [CustomerAgent(self, i) for i in range(c.n)]
        self.seller_agents = [SellerAgent(self, s) for s in range(self.sellers.n)]

        self.community = CommunityDynamics(self) if cfg.community.enabled else None
        self._seller_rows: list[dict[str, np.ndarray]] = []
        self._deal_chunks: list[dict[str, np.ndarray]] = []
        self.escrow_in = 0.0  # money ever paid into crowdfunding escrow
        self.step_stats: dict[str, float] = dict.fromkeys(TIMESERIES_COLUMNS, 0.0)
        self.datacollector = mesa.DataCollector(
            model_reporters={k: _reporter(k) for k in TIMESERIES_COLUMNS}
        )
        self.running = True

    # ------------------------------------------------------------------ construction

    @staticmethod
    def _resolve(seed: Any, steps: Any, *nodes: Any) -> DictConfig:
        resolved = {"seed": seed, "steps": steps}
        for name, value in zip(MODEL_NODES, nodes, strict=True):
            node = to_node(name, value)
            if name == "pricing" and not node.mix:
                node.mix = list(DEFAULT_PRICING_MIX)
            if name == "negotiation":
                if not node.buyer_tactics:
                    node.buyer_tactics = list(DEFAULT_BUYER_TACTICS)
                if not node.seller_tactics:
                    node.seller_tactics = list(DEFAULT_SELLER_TACTICS)
            resolved[name] = node
        cfg = OmegaConf.create(resolved)
        validate(cfg)
        return cfg

    @classmethod
    def from_config(cls, cfg: Any, **overrides: Any) -> MarketModel:
        """Build a model from a composed config (DictConfig, dict or :class:`Config`)."""
        if not isinstance(cfg, DictConfig):
            cfg = OmegaConf.create(cfg if isinstance(cfg, dict) else OmegaConf.structured(cfg))
        kwargs: dict[str, Any] = {"seed": cfg.get("seed", 0), "steps": cfg.get("steps", 100)}
        for name in MODEL_NODES:
            if name in cfg:
                kwargs[name] = cfg[name]
        kwargs.update(overrides)
        return cls(**kwargs)

    def _build_sellers(self, cfg: DictConfig, rng: np.random.Generator) -> SellerBook:
        s, p = cfg.sellers, cfg.products
        n_s, n_p = s.n, p.n
        names = _apportion(n_s, cfg.pricing.mix)
        instances = {
            name: make_policy(name, OmegaConf.to_container(cfg.pricing[name], resolve=True))
            for name in sorted(set(names))
        }
        offered = np.zeros((n_s, n_p), dtype=bool)
        for i in range(n_s):
            offered[i, (i + np.arange(s.products_per_seller)) % n_p] = True
        spread = rng.uniform(1 - s.cost_spread, 1 + s.cost_spread, (n_s, n_p))
        unit_cost = np.where(offered, self.base_cost[None, :] * spread, np.nan)
        seller_tactics = cfg.negotiation.seller_tactics
        tactic = rng.choice(
            len(self.tactic_names), size=n_s, p=_shares(seller_tactics, self.tactic_names)
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

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance the market by one step (phases in the order of the module docstring)."""
        t = self.steps - 1
        self._stats = {"active_buyers": 0, "rounds": []}
        b = self.sellers
        self._before = (b.units_sold.copy(), b.revenue.copy(), b.cost.copy())
        self._arrive(t)
        self._expire(t)
        self._price(t)
        self._discover(t)
        self._form(t)
        self._trade(t)
        self._community(t)
        self._learn(t)
        self._collect(t)
        if self.steps >= self.n_steps:
            self.running = False

    def run(self, steps: int | None = None) -> MarketModel:
        """Run ``steps`` more steps (default: until ``running`` is False)."""
        if steps is None:
            while self.running:
                self.step()
        else:
            for _ in range(steps):
                self.step()
        return self

    # -- phase 1
    def _arrive(self, t: int) -> None:
        cu = self.customers
        new = (cu.status == Status.WAITING) & (cu.arrival <= t)
        cu.status[new] = Status.ACTIVE
        cu.active_since[new] = t

    # -- phase 2
    def _expire(self, t: int) -> None:
        cu = self.customers
        # Crowdfunding backers have paid: they wait for their campaign to close.
        out = cu.active() & (cu.remaining_patience(t) <= 0) & (cu.escrow == 0)
        cu.status[out] = Status.LEFT
        cu.coalition[out] = NO_COALITION
        cu.invite[out] = NO_COALITION
        self._refresh_coalitions(t)

    def _refresh_coalitions(self, t: int) -> None:
        co, cu = self.coalitions, self.customers
        if len(co) == 0:
            return
        co.refresh_sizes(cu.coalition, cu.quantity)
        empty = (co.status == CoalitionStatus.OPEN) & (co.size == 0)
        self._close(np.flatnonzero(empty), CoalitionStatus.DISSOLVED, t)

    def _close(self, ids: np.ndarray, status: CoalitionStatus, t: int) -> None:
        if len(ids) == 0:
            return
        self.coalitions.status[ids] = status
        self.coalitions.closed[ids] = t
        cu = self.customers
        if status == CoalitionStatus.DISSOLVED:
            gone = np.zeros(len(self.coalitions), dtype=bool)
            gone[ids] = True
            members = cu.coalition >= 0
            freed = np.flatnonzero(members)[gone[cu.coalition[members]]]
            # Pledges are released: crowdfunding backers get their money back.
            back = cu.escrow[freed]
            if back.any():
                cu.refunded[freed] += back
                np.add.at(self.coalitions.refunded, cu.coalition[freed], back)
            cu.escrow[freed] = 0.0
            cu.coalition[freed] = NO_COALITION

    # -- phase 3
    def _price(self, t: int) -> None:
        listening = self.community is not None and self.cfg.community.seller_response == "listen"
        if self.learning.dynamic:
            self.learning.set_prices(t, self.rng)
        if self.learning.dynamic or listening:
            self._refresh_price_lists()

    def refresh_prices(self) -> None:
        """Recompute the public price lists after a seller changed its prices or policy."""
        self._refresh_price_lists()

    def _refresh_price_lists(self) -> None:
        """Public price lists: what a group expects at each quantity, and solo list prices."""
        self.price_table = self.sellers.best_price_table(self.max_order)
        self.solo_table = self.sellers.best_price_table(self.max_order, expected=False)

    def _signals(self, policy: Any, buyers: np.ndarray) -> np.ndarray:
        """A data-using seller's estimate of each buyer's valuation (NaN: coalition/hidden)."""
        cu = self.customers
        out = np.full(len(buyers), np.nan)
        ok = buyers >= 0
        b = buyers[ok]
        hidden = cu.privacy_u[b] < getattr(policy, "privacy_share", 0.0)
        out[ok] = wtp_signal(cu.wtp[b], cu.signal_z[b], getattr(policy, "noise", 0.0), hidden)
        return out

    # -- phase 4
    def _discover(self, t: int) -> None:
        co_cfg = self.cfg.coalition
        if co_cfg.algorithm == "none" or len(self.coalitions) == 0:
            return
        cu, co = self.customers, self.coalitions
        # Every bot gossips (word of mouth does not need its owner to be shopping); only
        # active customers act on what they hear.
        open_c = co.status == CoalitionStatus.OPEN
        stale = (cu.invite >= 0) & ~open_c[np.maximum(cu.invite, 0)]
        cu.invite[stale] = NO_COALITION
        member = (cu.coalition >= 0) & open_c[np.maximum(cu.coalition, 0)]
        relay = ~member & (cu.invite >= 0) & (cu.invite_hops < co_cfg.invite_hops)
        senders = np.flatnonzero(member | relay)
        if len(senders) == 0:
            return
        msg_c = np.where(member, cu.coalition, cu.invite)
        msg_h = np.where(member, 0, cu.invite_hops).astype(np.int64)
        src, dst = forward(
            self.graph.indptr, self.graph.indices, senders, co_cfg.forward_p, self.rng
        )
        ok = cu.coalition[dst] != msg_c[src]
        src, dst = src[ok], dst[ok]
        cid, hops = msg_c[src], msg_h[src] + 1
        heard = np.zeros(cu.n, dtype=bool)
        heard[dst] = True
        holders = np.flatnonzero(heard & (cu.invite >= 0))
        cand_t = np.concatenate([dst, holders])
        cand_c = np.concatenate([cid, cu.invite[holders]]).astype(np.int64)
        cand_h = np.concatenate([hops, cu.invite_hops[holders]]).astype(np.int64)
        matches = (co.product[cand_c] == cu.product[cand_t]).astype(np.int64)
        win = best_per_target(cand_t, -matches, -co.size[cand_c].astype(np.int64), cand_h, cand_c)
        cu.invite[cand_t[win]] = cand_c[win]
        cu.invite_hops[cand_t[win]] = cand_h[win]

    # -- phase 5
    def _group_price(
        self, cids: np.ndarray, units: np.ndarray, advertised: bool = True
    ) -> np.ndarray:
        """Expected unit price for coalitions ``cids`` ordering ``units`` (public price list).

        With ``advertised`` the order counts as at least the group's target (pledge minimum
        or the founder's advertised target), as a group-buying page shows it.
        """
        co = self.coalitions
        g = co.product[cids]
        q = np.maximum(units, co.threshold[cids]) if advertised else units
        if self.cfg.coalition.algorithm == "threshold_pledge":
            # Campaigns pay their seller's quote (a crowdfunding price is fixed at founding).
            price = self.sellers.quote(co.seller[cids], g, q)
            return np.where(np.isnan(co.price[cids]), price, co.price[cids])
        return self.price_table[g, np.clip(q, 1, self.max_order)]

    def _outside_value(self, idx: np.ndarray) -> np.ndarray:
        """Surplus a customer expects from buying alone (0 if the best solo price exceeds wtp)."""
        cu = self.customers
        solo = self.solo_table[cu.product[idx], np.clip(cu.quantity[idx], 1, self.max_order)]
        return np.maximum(cu.wtp[idx] - solo, 0.0) * cu.quantity[idx]

    def _form(self, t: int) -> None:
        co_cfg = self.cfg.coalition
        if co_cfg.algorithm == "none":
            return
        cu, co = self.customers, self.coalitions
        cost = co_cfg.coordination_cost
        greedy = co_cfg.algorithm == "greedy_merge"
        active = cu.active() & ~cu.loner

        # Joins and switches.
        if len(co):
            inv = np.maximum(cu.invite, 0)
            usable = (
                active
                & (cu.invite >= 0)
                & (co.status[inv] == CoalitionStatus.OPEN)
                & (co.product[inv] == cu.product)
                & (cu.invite != cu.coalition)
            )
            if not greedy:
                usable &= cu.coalition == NO_COALITION
                if self.community is not None:
                    # Nobody pledges to a campaign whose seller it boycotts.
                    target_seller = np.maximum(co.seller[inv], 0)
                    usable &= ~self.community.rep.boycotting(t)[np.arange(cu.n), target_seller]
            idx = np.flatnonzero(usable)
            if len(idx):
                target = cu.invite[idx]
                q = cu.quantity[idx]
                new_price = self._group_price(target, co.units[target] + q)
                value_new = (cu.wtp[idx] - new_price) * q - cost
                cur = cu.coalition[idx]
                inside = cur >= 0
                value_now = self._outside_value(idx)
                if inside.any():
                    # Switching compares realised group sizes, not advertised targets.
                    c_in, t_in = cur[inside], target[inside]
                    now_p = self._group_price(c_in, co.units[c_in], advertised=False)
                    new_p = self._group_price(t_in, co.units[t_in] + q[inside], advertised=False)
                    new_price[inside] = new_p
                    value_new[inside] = (cu.wtp[idx[inside]] - new_p) * q[inside] - cost
                    value_now[inside] = (cu.wtp[idx[inside]] - now_p) * q[inside] - cost + 1e-9
                wants = (cu.wtp[idx] >= new_price) & (value_new > value_now)
                idx, target = idx[wants], target[wants]
                room = np.maximum(co_cfg.max_size - co.size, 0)
                priority = self.rng.random(len(idx))
                ok = admit(target, room, priority)
                if not greedy:
                    # A campaign never takes more pledges than its seller can deliver in a step.
                    units_room = np.maximum(
                        self.sellers.capacity[np.maximum(co.seller, 0)] - co.units, 0
                    )
                    k = np.flatnonzero(ok)
                    ok[k] = first_fit(target[k], cu.quantity[idx[k]], units_room, priority[k])
                cu.coalition[idx[ok]] = target[ok]
                cu.invite[idx[ok]] = NO_COALITION
                self._refresh_coalitions(t)

        # Founding (leader recruitment).
        # An invitation blocks founding only if it is for an open group of one's own product.
        inv = np.maximum(cu.invite, 0)
        heard = (cu.invite >= 0) & (co.product[inv] == cu.product) if len(co) else cu.invite >= 0
        if len(co):
            heard &= co.status[inv] == CoalitionStatus.OPEN
        free = np.flatnonzero(active & (cu.coalition == NO_COALITION) & ~heard)
        if len(free):
            free = free[self.rng.random(len(free)) < co_cfg.leader_prob]
        if len(free):
            g = cu.product[free]
            if greedy:
                # The founder advertises a target order (half the group's room at mean
                # quantity); joiners judge the group by the schedule price at that target.
                seller = np.full(len(free), -1, dtype=np.int32)
                target = max(1, co_cfg.max_size * (self.cfg.customers.quantity_max + 1) // 4)
                threshold = np.full(len(free), min(target, self.max_order), dtype=np.int32)
                hoped = self.price_table[g, threshold]
                deadline = np.full(len(free), t + co_cfg.formation_steps, dtype=np.int32)
                crowdfunding_target = np.zeros(len(free), dtype=bool)
            else:
                seller, threshold = self._campaign_targets(g)
                crowdfunding_target = self.sellers.mechanism()[seller] == "crowdfunding"
                hoped = self.sellers.quote(seller, g, threshold)
                deadline = np.full(len(free), t + co_cfg.pledge_window, dtype=np.int32)
            q = cu.quantity[free]
            worth = (cu.wtp[free] >= hoped) & (
                (cu.wtp[free] - hoped) * q - cost > self._outside_value(free)
            )
            free = free[worth]
            if len(free):
                ids = co.found(
                    product=cu.product[free],
                    founder=free,
                    founded=np.full(len(free), t),
                    status=np.full(len(free), CoalitionStatus.OPEN),
                    seller=seller[worth],
                    threshold=threshold[worth],
                    deadline=deadline[worth],
                    tactic=cu.tactic[free],
                    discount=cu.discount[free],
                    price=np.where(crowdfunding_target[worth], hoped[worth], np.nan),
                )
                cu.coalition[free] = ids
                self._refresh_coalitions(t)

        if not greedy:
            self._collect_pledge_payments()

        if greedy:
            self._host_groups(t)
            self._merge(t)

    def _host_groups(self, t: int) -> None:
        """Hosting sellers seed their own group deal around an influential customer.

        Each step, with probability ``community.host_rate`` per hosting seller and product, the
        seller starts a group led by the best-connected active customer who wants the product,
        is in no group, does not boycott the seller and values the product at least at the
        host's price for the group's target order. The
        group buys from its host when the host can serve it (the focal point of the community).
        """
        cm = self.cfg.community
        if self.community is None or not cm.hosting:
            return
        cu, co, b = self.customers, self.coalitions, self.sellers
        hosts = np.flatnonzero([p.name in cm.hosting for p in b.policies])
        degree = self.graph.degrees()
        free = cu.active() & ~cu.loner & (cu.coalition == NO_COALITION)
        boycott = self.community.rep.boycotting(t)
        target = max(1, self.cfg.coalition.max_size * (self.cfg.customers.quantity_max + 1) // 4)
        target = min(target, self.max_order)
        leaders, sellers = [], []
        for s_id in hosts:
            for g in np.flatnonzero(b.offered[s_id]):
                if self.rng.random() >= cm.host_rate:
                    continue
                cand = np.flatnonzero(free & (cu.product == g) & ~boycott[:, s_id])
                if len(cand) == 0:
                    continue
                hoped = b.quote(np.array([s_id]), np.array([g]), np.array([target]))[0]
                cand = cand[cu.wtp[cand] >= hoped]
                if len(cand) == 0:
                    continue
                leader = cand[np.argmax(degree[cand])]
                free[leader] = False
                leaders.append(leader)
                sellers.append(s_id)
        if not leaders:
            return
        leaders = np.array(leaders, dtype=np.int64)
        ids = co.found(
            product=cu.product[leaders],
            founder=leaders,
            founded=np.full(len(leaders), t),
            status=np.full(len(leaders), CoalitionStatus.OPEN),
            host=np.array(sellers, dtype=np.int32),
            threshold=np.full(len(leaders), target, dtype=np.int32),
            deadline=np.full(len(leaders), t + self.cfg.coalition.formation_steps),
            tactic=cu.tactic[leaders],
            discount=cu.discount[leaders],
        )
        cu.coalition[leaders] = ids
        cu.invite[leaders] = NO_COALITION
        self._refresh_coalitions(t)

    def _collect_pledge_payments(self) -> None:
        """Crowdfunding backers pay the campaign price up front, into escrow."""
        cu, co = self.customers, self.coalitions
        if len(co) == 0:
            return
        crowdfunding = self.sellers.mechanism() == "crowdfunding"
        inside = np.flatnonzero((cu.coalition >= 0) & (cu.escrow == 0))
        c = cu.coalition[inside]
        payers = inside[(co.seller[c] >= 0) & crowdfunding[np.maximum(co.seller[c], 0)]]
        cu.escrow[payers] = co.price[cu.coalition[payers]] * cu.quantity[payers]
        self.escrow_in += float(cu.escrow[payers].sum())

    def _campaign_targets(self, product: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seller (and its minimum quantity) a pledge campaign for each product targets."""
        b = self.sellers
        moq = np.array([pol.min_group_quantity() for pol in b.policies])
        s_grid = np.broadcast_to(np.arange(b.n), (len(product), b.n))
        quotes = b.quote(s_grid, np.broadcast_to(product[:, None], s_grid.shape), moq[s_grid])
        best = np.argmin(quotes, axis=1).astype(np.int32)
        return best, moq[best].astype(np.int32)

    def _merge(self, t: int) -> None:
        cu, co = self.customers, self.coalitions
        if len(co) == 0:
            return
        open_c = co.status == CoalitionStatus.OPEN
        members = np.flatnonzero(cu.coalition >= 0)
        members = members[open_c[cu.coalition[members]]]
        if len(members) == 0:
            return
        pos, src = incident_edges(self.graph.indptr, members)
        dst = self.graph.indices[pos]
        a, b = cu.coalition[src], cu.coalition[dst]
        ok = (b >= 0) & (a != b)
        a, b = a[ok], b[ok]
        ok = open_c[b] & (co.product[a] == co.product[b])
        a, b = a[ok], b[ok]
        if len(a) == 0:
            return
        n_co = len(co)
        pairs = sorted_unique(np.minimum(a, b).astype(np.int64) * n_co + np.maximum(a, b))
        absorbed, into = plan_merges(
            pairs // n_co, pairs % n_co, co.size.astype(np.int64), self.cfg.coalition.max_size
        )
        if len(absorbed) == 0:
            return
        remap = np.arange(len(co), dtype=np.int32)
        remap[absorbed] = into
        inside = cu.coalition >= 0
        cu.coalition[inside] = remap[cu.coalition[inside]]
        self._close(absorbed, CoalitionStatus.DISSOLVED, t)
        self._refresh_coalitions(t)

    # -- phase 6
    def _trade(self, t: int) -> None:
        cu, co, b = self.customers, self.coalitions, self.sellers
        co_cfg = self.cfg.coalition
        b.capacity_left[:] = b.capacity
        self._stats["active_buyers"] = int(cu.active().sum())
        self._urgent = np.zeros(len(co), dtype=bool)

        ready = np.empty(0, dtype=np.int64)
        if len(co):
            open_c = co.status == CoalitionStatus.OPEN
            if co_cfg.algorithm == "threshold_pledge":
                # Threshold deals fire as soon as pledges reach the minimum; crowdfunding
                # campaigns settle at their deadline; short campaigns are cancelled then.
                status = threshold_outcome(co.units, co.threshold, t >= co.deadline)
                mech = self.sellers.mechanism()[np.maximum(co.seller, 0)]
                waits = (mech == "crowdfunding") & (t < co.deadline)
                expired = open_c & (status == -1)
                if self.community is not None and expired.any():
                    let_down = np.flatnonzero(cu.coalition >= 0)
                    let_down = let_down[expired[cu.coalition[let_down]]]
                    self.community.record_failure(
                        let_down, co.seller[cu.coalition[let_down]], CANCELLED_CAMPAIGN
                    )
                self._close(np.flatnonzero(expired), CoalitionStatus.DISSOLVED, t)
                ready = np.flatnonzero(open_c & (status == 1) & ~waits)
            else:
                urgent = np.zeros(len(co), dtype=bool)
                members = np.flatnonzero(cu.coalition >= 0)
                last_chance = cu.remaining_patience(t)[members] <= 1
                urgent[cu.coalition[members[last_chance]]] = True
                due = open_c & ((co.size >= co_cfg.max_size) | (t >= co.deadline) | urgent)
                lonely = due & (co.size < 2)
                self._close(np.flatnonzero(lonely), CoalitionStatus.DISSOLVED, t)
                ready = np.flatnonzero(due & ~lonely)
                self._urgent = urgent

        group_orders = self._coalition_orders(ready, t)
        solo_orders = self._solo_orders(t)
        self._execute(group_orders, solo_orders, t)
        self._refresh_coalitions(t)

    def _coalition_orders(self, ready: np.ndarray, t: int) -> dict[str, np.ndarray] | None:
        cu, co, b = self.customers, self.coalitions, self.sellers
        if len(ready) == 0:
            return None
        g = co.product[ready]
        mech = b.mechanism()
        protocol = np.full(len(ready), TAKE_IT, dtype=np.int8)
        fixed = np.full(len(ready), np.nan)  # prices set before clearing (tenders, campaigns)
        if self.cfg.coalition.algorithm == "threshold_pledge":
            seller = co.seller[ready]
            protocol[mech[seller] == "threshold"] = THRESHOLD
            cf = mech[seller] == "crowdfunding"
            protocol[cf] = CROWDFUNDING
            fixed[cf] = co.price[ready[cf]]
        else:
            units0 = co.units[ready].astype(np.int64)
            quotes = b.quote_all(g, units0)
            quotes[b.capacity_left[None, :] < units0[:, None]] = np.inf
            auction = mech == "auction"
            list_quotes = np.where(auction[None, :], np.inf, quotes)
            if self.community is not None:
                # The group chooses with its founder's opinions and never from a seller the
                # founder boycotts; members who boycott the chosen seller drop out below.
                founders = co.founder[ready].astype(np.int64)
                shun = self.community.boycotting(founders, t)
                quotes = np.where(shun, np.inf, quotes)
                list_quotes = np.where(shun, np.inf, list_quotes)
                seller = self._cheapest(list_quotes * self.community.choice_factor(founders))
            else:
                seller = self._cheapest(list_quotes)
            host = co.host[ready].astype(np.int64)
            hosted = (host >= 0) & np.isfinite(quotes[np.arange(len(ready)), np.maximum(host, 0)])
            seller = np.where(hosted, host, seller)
            if auction.any():
                winner, tender_price, rule = self._tender(g, quotes, auction, list_quotes)
                use = (winner >= 0) & (tender_price <= list_quotes.min(axis=1)) & ~hosted
                seller = np.where(use, winner, seller)
                fixed[use] = tender_price[use]
                protocol[use] = FIRST_PRICE if rule == "first" else SECOND_PRICE
        row_of = np.full(len(co), -1, dtype=np.int64)
        row_of[ready] = np.arange(len(ready))
        members = np.flatnonzero(cu.coalition >= 0)
        members = members[row_of[cu.coalition[members]] >= 0]
        grp = row_of[cu.coalition[members]]
        has_seller = seller >= 0

        def price_of(rows: np.ndarray, qty: np.ndarray) -> np.ndarray:
            s = np.maximum(seller[rows], 0)
            price = np.where(np.isnan(fixed[rows]), b.quote(s, g[rows], qty), fixed[rows])
            return np.where(has_seller[rows], price, np.inf)

        if self.community is not None:
            # Members never buy from a seller they boycott: they leave the order.
            refuse = (
                has_seller[grp]
                & self.community.rep.boycotting(t)[members, np.maximum(seller[grp], 0)]
            )
            cu.refunded[members[refuse]] += cu.escrow[members[refuse]]
            np.add.at(co.refunded, cu.coalition[members[refuse]], cu.escrow[members[refuse]])
            cu.escrow[members[refuse]] = 0.0
            cu.coalition[members[refuse]] = NO_COALITION
            members, grp = members[~refuse], grp[~refuse]
        keep, reservation, list_price = clear_orders(
            grp, cu.wtp[members], cu.quantity[members].astype(np.int64), price_of
        )
        # Groups without a seller this step are not cleared: they keep everyone and wait.
        waiting = ~has_seller[grp]
        keep |= waiting
        dropped = members[~keep]
        cu.refunded[dropped] += cu.escrow[dropped]
        np.add.at(co.refunded, cu.coalition[dropped], cu.escrow[dropped])
        cu.escrow[dropped] = 0.0
        cu.coalition[dropped] = NO_COALITION
        members, grp = members[keep], grp[keep]
        units = np.bincount(grp, weights=cu.quantity[members], minlength=len(ready)).astype(
            np.int64
        )
        n_res = len(reservation)
        reservation = np.concatenate([reservation, np.full(len(ready) - n_res, np.nan)])
        list_price = np.concatenate([list_price, np.full(len(ready) - n_res, np.nan)])
        viable = (units > 0) & has_seller
        if self.cfg.coalition.algorithm == "threshold_pledge":
            # Campaigns that fell below the minimum stay open (minus the dropped pledges);
            # a campaign larger than its seller's capacity left waits for the next step.
            viable &= units >= co.threshold[ready]
            viable &= units <= b.capacity_left[np.maximum(seller, 0)]
        else:
            # A group left with fewer than two members who can afford the price breaks up
            # (a lone member buys alone); groups that found no seller with capacity left
            # stay open and try again next step.
            kept = np.bincount(grp, minlength=len(ready))
            broken = (kept < 2) & has_seller
            # A group no seller can serve breaks up when waiting would strand a member
            # (one is in its last step) or when it exceeds every seller's full capacity.
            can_ever = (b.offered[:, g] & (b.capacity[:, None] >= units[None, :])).any(axis=0)
            broken |= ~has_seller & (self._urgent[ready] | ~can_ever)
            self._close(ready[broken], CoalitionStatus.DISSOLVED, t)
            viable &= ~broken
        self._refresh_coalitions(t)
        rows = np.flatnonzero(viable)
        remap = np.full(len(ready), -1)
        remap[rows] = np.arange(len(rows))
        in_viable = viable[grp]
        return {
            "coalition": ready[rows].astype(np.int64),
            "seller": seller[rows].astype(np.int64),
            "product": g[rows].astype(np.int64),
            "units": units[rows],
            "reservation": reservation[rows],
            "list_price": list_price[rows],
            "tactic": co.tactic[ready[rows]].astype(np.int64),
            "discount": co.discount[ready[rows]],
            "protocol": protocol[rows],
            "members": members[in_viable],
            "member_group": remap[grp[in_viable]],
        }

    def _tender(
        self, product: np.ndarray, quotes: np.ndarray, auction: np.ndarray, list_quotes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, str]:
        """Reverse auctions among the auction sellers able to serve each coalition's order.

        Bidders are the auction sellers with a finite quote (they sell the product and have
        the capacity). Second price: truthful bids at each seller's reservation price. First
        price: the symmetric equilibrium bid for costs uniform on the market's reservation
        range. The coalition's reserve is its best alternative: the cheapest list quote, or
        the auction sellers' own list price.
        """
        b = self.sellers
        policy = next(p for p, a in zip(b.policies, auction, strict=True) if a)
        rule = policy.format
        bidding = auction[None, :] & np.isfinite(quotes)
        cost = b.reservation[np.arange(b.n)[None, :], product[:, None]]
        if rule == "first":
            s_cfg = self.cfg.sellers
            high = self.base_cost[product] * (1 + s_cfg.cost_spread) * (1 + s_cfg.min_margin)
            n_bid = bidding.sum(axis=1)
            bids = first_price_equilibrium_bid(cost, np.maximum(n_bid, 1)[:, None], high[:, None])
        else:
            bids = truthful_bid(cost)
        bids = np.where(bidding, bids, np.inf)
        reserve = np.minimum(list_quotes.min(axis=1), np.where(bidding, quotes, np.inf).min(axis=1))
        winner, price = reverse_auction(bids, reserve, rule, tiebreak=self.rng.random(bids.shape))
        return winner, price, rule

    def _cheapest(self, quotes: np.ndarray) -> np.ndarray:
        """Seller with the lowest quote per row (random tie-break); -1 where none can serve."""
        if quotes.shape[0] == 0:
            return np.empty(0, dtype=np.int64)
        jitter = self.rng.random(quotes.shape)
        best = quotes.min(axis=1, keepdims=True)
        tied = np.where(quotes == best, jitter, np.inf)
        pick = np.argmin(tied, axis=1)
        return np.where(np.isfinite(best[:, 0]), pick, -1)

    def _solo_orders(self, t: int) -> dict[str, np.ndarray] | None:
        cu, b = self.customers, self.sellers
        # Nobody waits for groups that cannot form.
        wait = 0 if self.cfg.coalition.algorithm == "none" else self.cfg.customers.solo_after
        idx = np.flatnonzero(cu.wants_solo(t, wait))
        if len(idx) == 0:
            return None
        q = cu.quantity[idx].astype(np.int64)
        quotes = b.quote_all(cu.product[idx].astype(np.int64), q, buyers=idx)
        quotes[b.capacity_left[None, :] < q[:, None]] = np.inf
        if self.community is not None:
            quotes[self.community.boycotting(idx, t)] = np.inf
            seller = self._cheapest(quotes * self.community.choice_factor(idx))
        else:
            seller = self._cheapest(quotes)
        ok = seller >= 0
        idx, q, seller = idx[ok], q[ok], seller[ok]
        list_price = quotes[ok][np.arange(len(idx)), seller]
        if self.learning.wants_observations():
            # Demand-based sellers learn from the valuation signals of the buyers they quote.
            signals = np.full(len(idx), np.nan)
            for s_id in np.unique(seller):
                m = seller == s_id
                signals[m] = self._signals(b.policies[s_id], idx[m])
            self.learning.observe(seller, cu.product[idx].astype(np.int64), signals)
        # Without bargaining a buyer only orders when the asked price is within its valuation.
        ok = b.bargains(seller, np.zeros(len(seller), dtype=bool)) | (list_price <= cu.wtp[idx])
        idx, q, seller, list_price = idx[ok], q[ok], seller[ok], list_price[ok]
        return {
            "coalition": np.full(len(idx), -1, dtype=np.int64),
            "seller": seller,
            "product": cu.product[idx].astype(np.int64),
            "units": q,
            "reservation": cu.wtp[idx],
            "list_price": list_price,
            "tactic": cu.tactic[idx].astype(np.int64),
            "discount": cu.discount[idx],
            "protocol": np.full(len(idx), TAKE_IT, dtype=np.int8),
            "members": idx,
            "member_group": np.arange(len(idx)),
        }

    def _opening_factor(self, orders: dict[str, np.ndarray], k: np.ndarray) -> np.ndarray:
        """Buyers open lower with sellers they find cold (1 without community dynamics)."""
        if self.community is None:
            return np.ones(len(k))
        cid = orders["coalition"][k]
        first_member = np.full(len(orders["seller"]), -1, dtype=np.int64)
        first_member[orders["member_group"][::-1]] = orders["members"][::-1]
        who = first_member[k].copy()
        group = cid >= 0
        who[group] = self.coalitions.founder[cid[group]]
        return self.community.opening_factor(who.astype(np.int64), orders["seller"][k])

    def _negotiate(self, orders: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Price each order: take-it-or-leave-it or alternating offers, all orders at once."""
        b, ng = self.sellers, self.cfg.negotiation
        s, g = orders["seller"], orders["product"]
        n = len(s)
        price = orders["list_price"].astype(np.float64).copy()
        agreed = price <= orders["reservation"]
        rounds = np.zeros(n, dtype=np.int64)
        protocol = orders["protocol"].copy()
        bargain = b.bargains(s, orders["coalition"] >= 0)
        if bargain.any():
            k = np.flatnonzero(bargain)
            v = orders["reservation"][k]
            buyer = Side(
                reservation=v,
                opening=np.minimum(ng.buyer_opening * v * self._opening_factor(orders, k), v),
                discount=orders["discount"][k],
                tactic=orders["tactic"][k],
            )
            seller = Side(
                reservation=b.reservation[s[k], g[k]],
                opening=np.maximum(price[k], b.reservation[s[k], g[k]]),
                discount=b.discount[s[k]],
                tactic=b.tactic[s[k]].astype(np.int64),
            )
            out = alternating_offers(buyer, seller, self.tactics, ng.max_rounds, ng.first_mover)
            agreed[k] = out.agreed
            price[k] = np.where(out.agreed, out.price, np.nan)
            rounds[k] = out.rounds
            protocol[k] = BARGAINED
        return agreed, price, rounds, protocol

    def _execute(self, group: dict | None, solo: dict | None, t: int) -> None:
        cu, _co, b = self.customers, self.coalitions, self.sellers
        parts = [o for o in (group, solo) if o is not None and len(o["seller"])]
        if not parts:
            return
        n_group = len(group["seller"]) if group is not None else 0
        orders = {k: np.concatenate([o[k] for o in parts]) for k in parts[0] if k != "member_group"}
        offsets = np.cumsum([0] + [len(o["seller"]) for o in parts])
        orders["member_group"] = np.concatenate(
            [o["member_group"] + off for o, off in zip(parts, offsets, strict=False)]
        )
        agreed, price, rounds, protocol = self._negotiate(orders)

        # Capacity: agreed orders queue in random order; each is served if it still fits.
        s, units = orders["seller"], orders["units"]
        served = np.zeros(len(s), dtype=bool)
        k = np.flatnonzero(agreed)
        if len(k):
            served[k] = first_fit(s[k], units[k], b.capacity_left, self.rng.random(len(k)))
        if self.community is not None:
            undelivered = (agreed & ~served)[orders["member_group"]]
            self.community.record_failure(
                orders["members"][undelivered],
                s[orders["member_group"][undelivered]],
                FAILED_DELIVERY,
            )

        # Failed coalition negotiations dissolve; members become free to buy alone.
        is_group = np.arange(len(s)) < n_group
        failed = is_group & ~agreed
        self._close(orders["coalition"][failed], CoalitionStatus.DISSOLVED, t)

        mg = orders["member_group"]
        mem = orders["members"]
        member_served = served[mg]
        mem, mg = mem[member_served], mg[member_served]
        if len(mem) == 0:
            self._refresh_coalitions(t)
            return
        rows = sorted_unique(mg)
        remap = np.full(len(s), -1)
        remap[rows] = np.arange(len(rows))
        grp = remap[mg]
        p_unit = price[rows]
        qty = cu.quantity[mem].astype(np.int64)
        rule = self.cfg.coalition.division
        seller_rows, product_rows = s[rows], orders["product"][rows]

        def price_of_quantity(gi: int, q: np.ndarray) -> np.ndarray:
            return b.quote(np.full(len(q), seller_rows[gi]), np.full(len(q), product_rows[gi]), q)

        pay = divide(
            rule,
            cu.wtp[mem],
            qty,
            grp,
            p_unit,
            price_of_quantity=price_of_quantity,
            rng=self.rng,
            samples=self.cfg.coalition.shapley_samples,
        )
        is_solo = orders["coalition"][rows][grp] < 0
        pay = np.where(is_solo, p_unit[grp] * qty, pay)
        # Crowdfunding backers already paid the campaign price into escrow: it now settles.
        backed = cu.escrow[mem] > 0
        pay = np.where(backed, cu.escrow[mem], pay)
        cu.escrow[mem] = 0.0

        prev_seller = cu.last_seller[mem].astype(np.int64)
        cu.last_seller[mem] = s[rows][grp]
        # Money and goods change hands.
        cu.paid[mem] += pay
        cu.bought[mem] += qty
        cu.status[mem] = Status.SERVED
        cu.coalition[mem] = NO_COALITION
        cu.invite[mem] = NO_COALITION
        repeat = self.cfg.customers.repeat_rate
        if repeat > 0:
            # Repeat demand: the customer will want its product again after a while.
            cu.status[mem] = Status.WAITING
            back = t + self.rng.geometric(repeat, size=len(mem)).astype(np.int64)
            cu.arrival[mem] = np.minimum(back, np.iinfo(np.int32).max)
            cu.active_since[mem] = -1
        sold_units = units[rows]
        sr, pr = s[rows], orders["product"][rows]
        np.add.at(b.revenue, sr, p_unit * sold_units)
        np.add.at(b.units_sold, sr, sold_units)
        np.add.at(b.cost, sr, b.unit_cost[sr, pr] * sold_units)
        np.subtract.at(b.capacity_left, sr, sold_units)
        bought_c = orders["coalition"][rows]
        is_c = bought_c >= 0
        co_size = np.zeros(len(rows), dtype=np.int64)
        if is_c.any():
            co_size = np.bincount(grp, minlength=len(rows))
            self.coalitions.seller[bought_c[is_c]] = sr[is_c]  # greedy groups record it here
            self._close(bought_c[is_c], CoalitionStatus.BOUGHT, t)
        self._refresh_coalitions(t)

        cid = orders["coalition"][rows][grp]
        coord = np.where(cid >= 0, self.cfg.coalition.coordination_cost, 0.0)
        self._deal_chunks.append(
            {
                "step": np.full(len(mem), t, dtype=np.int64),
                "customer_id": mem.astype(np.int64),
                "seller_id": sr[grp].astype(np.int64),
                "coalition_id": cid.astype(np.int64),
                "coalition_size": np.where(cid >= 0, co_size[grp], 1).astype(np.int64),
                "product": pr[grp].astype(np.int64),
                "quantity": qty,
                "unit_price": pay / qty,
                "seller_unit_price": p_unit[grp],
                "willingness_to_pay": cu.wtp[mem],
                "seller_unit_cost": b.unit_cost[sr[grp], pr[grp]],
                "seller_reservation_price": b.reservation[sr[grp], pr[grp]],
                "protocol": protocol[rows][grp],
                "rounds": rounds[rows][grp],
                "coordination_cost": coord,
                "satisfaction": np.full(len(mem), np.nan),
                "previous_seller": prev_seller,
            }
        )
        self._stats["rounds"] = rounds[rows][protocol[rows] == BARGAINED]

    # -- phase 7
    def _community(self, t: int) -> None:
        if self.community is None:
            return
        chunk = self._deal_chunks[-1] if self._deal_chunks else None
        if chunk is not None and int(chunk["step"][0]) != t:
            chunk = None
        self.community.after_trade(t, chunk)

    # -- phase 8
    def _learn(self, t: int) -> None:
        self.learning.learn()

    # -- phase 9
    def _collect(self, t: int) -> None:
        chunk = self._deal_chunks[-1] if self._deal_chunks else None
        if chunk is not None and int(chunk["step"][0]) != t:
            chunk = None
        co = self.coalitions
        open_sizes = co.size[co.status == CoalitionStatus.OPEN] if len(co) else np.empty(0)
        self.step_stats = step_metrics(
            t, chunk, self._stats["active_buyers"], open_sizes, self._stats["rounds"]
        )
        self.step_stats.update(self._community_metrics(t, chunk))
        self._seller_rows.append(self._seller_step(t))
        self.datacollector.collect(self)

    def _community_metrics(self, t: int, chunk: dict[str, np.ndarray] | None) -> dict[str, float]:
        """Step figures of the community (zeros/NaN without community dynamics)."""
        out = {
            "reviews": 0,
            "outrage_new": 0,
            "boycotting_customers": 0,
            "loyalty": float("nan"),
        }
        if chunk is not None and "previous_seller" in chunk:
            prev = chunk["previous_seller"]
            back = prev >= 0
            if back.any():
                out["loyalty"] = float((prev[back] == chunk["seller_id"][back]).mean())
        c = self.community
        if c is None:
            return out
        out["reviews"] = int(c.stats["reviews"])
        out["outrage_new"] = int(
            c.stats["outrage_seeds"].sum() + c.stats["outrage_contagion"].sum()
        )
        out["boycotting_customers"] = int(c.rep.boycotting(t).any(axis=1).sum())
        return out

    def _seller_step(self, t: int) -> dict[str, np.ndarray]:
        """One row per seller for this step: sales, profit, share and (if on) reputation."""
        b = self.sellers
        units0, revenue0, cost0 = self._before
        units = (b.units_sold - units0).astype(np.int64)
        total = units.sum()
        row = {
            "step": np.full(b.n, t, dtype=np.int64),
            "seller_id": np.arange(b.n, dtype=np.int64),
            "units_sold": units,
            "revenue": b.revenue - revenue0,
            "profit": (b.revenue - revenue0) - (b.cost - cost0),
            "market_share": units / total if total else np.zeros(b.n),
            "price_multiplier": b.scale * b.response,
            "policy": np.array([p.name for p in b.policies], dtype=object),
        }
        nan = np.full(b.n, np.nan)
        extra = self.community.seller_rows(t) if self.community is not None else {}
        for key in (
            "warmth",
            "competence",
            "public_rating",
            "boycott_share",
            "reviews",
            "outrage_seeds",
            "outrage_contagion",
        ):
            row[key] = extra.get(key, nan)
        return row

    # ------------------------------------------------------------------ results

    def deals_frame(self) -> pd.DataFrame:
        """The event log: one row per customer purchase (see ``sim.metrics.DEAL_COLUMNS``)."""
        if not self._deal_chunks:
            frame = pd.DataFrame({k: np.empty(0, dtype=dt) for k, dt in DEAL_COLUMNS.items()})
        else:
            frame = pd.DataFrame(
                {
                    k: np.concatenate([c[k] for c in self._deal_chunks])
                    for k in DEAL_COLUMNS
                    if k != "protocol"
                }
            )
            codes = np.concatenate([c["protocol"] for c in self._deal_chunks])
            frame["protocol"] = np.asarray(PROTOCOLS, dtype=object)[codes]
        return frame[list(DEAL_COLUMNS)]

    def coalitions_frame(self) -> pd.DataFrame:
        """One row per coalition ever founded: its terms and outcome (the seller it bought from).

        ``status`` is ``open`` (still recruiting at the end), ``bought`` or ``dissolved``;
        ``refunded`` is the crowdfunding money returned to its backers (campaign failed, or
        backers left the order); ``host`` is the seller that seeded the group (-1 if none).
        """
        co = self.coalitions
        names = np.array([st.name.lower() for st in CoalitionStatus], dtype=object)
        mech = self.sellers.mechanism()
        seller = co.seller.astype(np.int64)
        return pd.DataFrame(
            {
                "coalition_id": np.arange(len(co), dtype=np.int64),
                "product": co.product.astype(np.int64),
                "founder": co.founder.astype(np.int64),
                "founded": co.founded.astype(np.int64),
                "closed": co.closed.astype(np.int64),
                "status": names[co.status.astype(np.int64)] if len(co) else names[:0],
                "seller_id": seller,
                "mechanism": np.where(seller >= 0, mech[np.maximum(seller, 0)], "")
                if len(co)
                else np.empty(0, dtype=object),
                "threshold": co.threshold.astype(np.int64),
                "deadline": co.deadline.astype(np.int64),
                "refunded": co.refunded.astype(np.float64),
                "host": co.host.astype(np.int64),
            }
        )

    def sellers_frame(self) -> pd.DataFrame:
        """Per step and seller: sales, profit, market share and reputation.

        Columns: units, revenue, profit, market share, price multiplier and, with community
        dynamics, mean warmth/competence, public rating, boycott share, reviews and new
        outrage (seeds and contagion); NaN for those without.
        """
        if not self._seller_rows:
            return pd.DataFrame()
        frame = pd.DataFrame(
            {k: np.concatenate([r[k] for r in self._seller_rows]) for k in self._seller_rows[0]}
        )
        # Each row carries the policy the seller ran that step (a seller may reform).
        frame.insert(2, "policy", frame.pop("policy"))
        return frame

    def cascades_frame(self) -> pd.DataFrame:
        """Outrage cascades: seller, start and end step, size (ongoing ones end at -1)."""
        rows = []
        if self.community is not None:
            log = self.community.cascades
            rows = [(s, a, b, n) for s, a, b, n in log.finished()]
            rows += [(s, a, -1, n) for s, a, n in log.ongoing()]
        return pd.DataFrame(rows, columns=["seller_id", "start", "end", "size"]).astype("int64")

    def timeseries_frame(self) -> pd.DataFrame:
        """Model-level metrics per step, from the DataCollector."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df[list(TIMESERIES_COLUMNS)]


def _reporter(key: str):
    def report(model: MarketModel) -> float:
        return model.step_stats[key]

    report.__name__ = key
    return report
