"""``coalition.algorithm=greedy_merge``: word-of-mouth groups that grow, switch and merge.

A founder advertises a target order (half the group's room at mean quantity) and joiners
judge the group by the public price list at that target; members switch to better groups;
adjacent groups of the same product merge while they fit in ``max_size``; hosting sellers
(community) seed groups around the best-connected customers. A group buys when full, when
``formation_steps`` have passed, or when a member's patience is about to run out, from the
seller whose quote (weighed by the founder's opinions) is lowest — or its host, or the
winner of a tender among auction sellers.
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from mechanisms.arrays import filled
from mechanisms.auctions import first_price_equilibrium_bid, reverse_auction, truthful_bid
from mechanisms.formation import plan_merges
from mechanisms.jit import use_kernels
from mechanisms.membership import adjacent_groups, members_of, ungrouped
from sim.community import NoCommunity
from sim.phases.formation.base import DealTerms, FormationStrategy, FoundingTerms
from sim.phases.lifecycle import close
from sim.phases.seller_choice import cheapest
from sim.records import Protocol
from sim.state import MarketState

_OPEN = int(CoalitionStatus.OPEN)
_TAKE_IT_OR_LEAVE_IT = int(Protocol.TAKE_IT_OR_LEAVE_IT)


def advertised_target(state: MarketState) -> int:
    """Units a greedy founder advertises: half the group's room at mean quantity."""
    cfg = state.cfg
    target = max(1, cfg.coalition.max_size * (cfg.customers.quantity_max + 1) // 4)
    return min(target, state.prices.max_order)


class GreedyMerge(FormationStrategy):
    """Leader recruitment by word of mouth, switching and merging (module docstring)."""

    name = "greedy_merge"

    def group_price(
        self, state: MarketState, cids: np.ndarray, units: np.ndarray, advertised: bool = True
    ) -> np.ndarray:
        """The public price list at the group's (advertised) order."""
        co, prices = state.coalitions, state.prices
        q = np.maximum(units, co.threshold[cids]) if advertised else units
        # Integer bounds: the same indices as ``np.clip``, without its Python-level wrapper.
        return prices.group[co.product[cids], np.minimum(np.maximum(q, 1), prices.max_order)]

    def founding_terms(self, state: MarketState, product: np.ndarray) -> FoundingTerms:
        """An advertised target order, judged by the price list; no seller chosen yet."""
        k = len(product)
        threshold = filled(k, advertised_target(state), dtype=np.int32)
        seller = filled(k, -1, dtype=np.int32)
        deadline = filled(k, state.step.t + state.cfg.coalition.formation_steps, dtype=np.int32)
        price = filled(k, np.nan)
        return FoundingTerms(
            seller=seller,
            threshold=threshold,
            hoped=state.prices.group[product, threshold],
            deadline=deadline,
            price=price,
        )

    def after_founding(self, state: MarketState) -> None:
        """Hosting sellers seed groups, then adjacent groups merge."""
        self.host_groups(state)
        self.merge(state)

    def host_groups(self, state: MarketState) -> None:
        """Hosting sellers seed their own group deal around an influential customer.

        Each step, with probability ``community.host_rate`` per hosting seller and product,
        the seller starts a group led by the best-connected active customer who wants the
        product, is in no group, does not boycott the seller and values the product at
        least at the host's price for the group's target order. The group buys from its host
        when the host can serve it (the focal point of the community).
        """
        hosting = state.community.hosting
        if not hosting:
            return
        cu, co, b, t = state.customers, state.coalitions, state.sellers, state.step.t
        hosts = np.flatnonzero([p.name in hosting for p in b.policies])
        free = ungrouped(cu.status, int(Status.ACTIVE), cu.loner, cu.coalition, use_kernels(cu.n))
        still_free = np.ones(len(free), dtype=bool)
        free_product = cu.product[free]
        indptr = state.graph.indptr
        target = advertised_target(state)
        leaders, sellers = [], []
        for s_id in hosts:
            for g in np.flatnonzero(b.offered[s_id]):
                if state.rng.random() >= state.cfg.community.host_rate:
                    continue
                pos = (still_free & (free_product == g)).nonzero()[0]
                pos = pos[~state.community.refuses(free[pos], np.full(len(pos), s_id), t)]
                if len(pos) == 0:
                    continue
                hoped = b.quote(np.array([s_id]), np.array([g]), np.array([target]))[0]
                pos = pos[cu.wtp[free[pos]] >= hoped]
                if len(pos) == 0:
                    continue
                cand = free[pos]
                best = np.argmax(indptr[cand + 1] - indptr[cand])  # the best-connected
                still_free[pos[best]] = False
                leaders.append(cand[best])
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
            deadline=np.full(len(leaders), t + state.cfg.coalition.formation_steps),
            tactic=cu.tactic[leaders],
            discount=cu.discount[leaders],
        )
        cu.coalition[leaders] = ids
        cu.invite[leaders] = NO_COALITION
        co.adjust(ids, 1, cu.quantity[leaders])  # leaders were in no group

    def merge(self, state: MarketState) -> None:
        """Adjacent open groups of the same product merge, smaller into larger."""
        cu, co = state.customers, state.coalitions
        if len(co) == 0:
            return
        open_c = co.status == _OPEN
        if np.count_nonzero(open_c) < 2:
            return  # a merge needs two open groups
        jit = use_kernels(cu.n)
        members = members_of(cu.coalition, open_c, jit)
        if len(members) == 0:
            return
        g = state.graph
        a, b = adjacent_groups(g.indptr, g.indices, members, cu.coalition, open_c, co.product, jit)
        if len(a) == 0:
            return
        absorbed, into = plan_merges(a, b, co.size.astype(np.int64), state.cfg.coalition.max_size)
        if len(absorbed) == 0:
            return
        # Members of the absorbed groups (open groups: all among ``members``) move over.
        remap = np.arange(len(co), dtype=np.int32)
        remap[absorbed] = into
        current = cu.coalition[members]
        moves = remap[current] != current
        moved, old, new = members[moves], current[moves], remap[current[moves]]
        cu.coalition[moved] = new
        q = cu.quantity[moved]
        co.adjust(old, -1, -q)
        co.adjust(new, 1, q)
        close(state, absorbed, CoalitionStatus.DISSOLVED, members=np.empty(0, dtype=np.int64))

    # ------------------------------------------------------------------ trade

    def ready(self, state: MarketState) -> np.ndarray:
        """Full, due or urgent groups; due groups of fewer than two break up."""
        cu, co, t = state.customers, state.coalitions, state.step.t
        if len(co) == 0:
            return np.empty(0, dtype=np.int64)
        open_c = co.status == _OPEN
        urgent = np.zeros(len(co), dtype=bool)
        jit = use_kernels(cu.n)
        if jit:
            members = members_of(cu.coalition, np.ones(len(co), dtype=bool), jit)
        else:
            # Every group selected: the members are simply everyone in a group.
            members = (cu.coalition >= 0).nonzero()[0]
        last_chance = cu.active_since[members] + cu.patience[members] - t <= 1
        urgent[cu.coalition[members[last_chance]]] = True
        size = co.size
        due = open_c & ((size >= state.cfg.coalition.max_size) | (t >= co.deadline) | urgent)
        # The few due groups are split on their own, not by masks over every group.
        ready = due.nonzero()[0]
        lonely = size[ready] < 2
        if lonely.any():
            close(state, ready[lonely], CoalitionStatus.DISSOLVED)
            ready = ready[~lonely]
        state.step.urgent = urgent
        return ready

    def deal_terms(self, state: MarketState, ready: np.ndarray, product: np.ndarray) -> DealTerms:
        """The cheapest seller by the founder's lights, the host, or a tender's winner."""
        co, b, t = state.coalitions, state.sellers, state.step.t
        protocol = filled(len(ready), _TAKE_IT_OR_LEAVE_IT, dtype=np.int8)
        fixed = filled(len(ready), np.nan)
        units0 = co.units[ready].astype(np.int64)
        quotes = b.quote_all(product, units0)
        if b.capacity_left.min() < units0.max():
            # Usually every seller has room for the largest group: no mask to build then.
            quotes[b.capacity_left[None, :] < units0[:, None]] = np.inf
        auction = b.auctions()
        any_auction = bool(auction.any())
        list_quotes = np.where(auction[None, :], np.inf, quotes) if any_auction else quotes
        # The group chooses with its founder's opinions and never from a seller the founder
        # boycotts; members who boycott the chosen seller drop out when orders clear.
        if isinstance(state.community, NoCommunity):
            # Nobody is shunned and every weight is one: the quotes as they are (x * 1.0
            # is x, bit for bit).
            seller = cheapest(list_quotes, state.rng)
        else:
            founders = co.founder[ready].astype(np.int64)
            shun = state.community.refusals(founders, t)
            quotes = np.where(shun, np.inf, quotes)
            list_quotes = np.where(shun, np.inf, list_quotes)
            seller = cheapest(list_quotes * state.community.choice_factor(founders), state.rng)
        host = co.host[ready]
        hosted = None
        if (host >= 0).any():
            host = host.astype(np.int64)
            at_host = quotes[np.arange(len(ready)), np.maximum(host, 0)]
            hosted = (host >= 0) & np.isfinite(at_host)
            seller = np.where(hosted, host, seller)
        if any_auction:
            if hosted is None:
                hosted = np.zeros(len(ready), dtype=bool)
            winner, tender_price, rule = self.tender(state, product, quotes, auction, list_quotes)
            use = (winner >= 0) & (tender_price <= list_quotes.min(axis=1)) & ~hosted
            seller = np.where(use, winner, seller)
            fixed[use] = tender_price[use]
            protocol[use] = (
                Protocol.FIRST_PRICE_AUCTION if rule == "first" else Protocol.SECOND_PRICE_AUCTION
            )
        return DealTerms(seller=seller, protocol=protocol, fixed=fixed)

    def tender(
        self,
        state: MarketState,
        product: np.ndarray,
        quotes: np.ndarray,
        auction: np.ndarray,
        list_quotes: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, str]:
        """Reverse auctions among the auction sellers able to serve each group's order.

        Bidders are the auction sellers with a finite quote (they sell the product and have
        the capacity). Second price: truthful bids at each seller's reservation price. First
        price: the symmetric equilibrium bid for costs uniform on the market's reservation
        range. The group's reserve is its best alternative: the cheapest list quote, or the
        auction sellers' own list price.
        """
        b = state.sellers
        policy = next(p for p, a in zip(b.policies, auction, strict=True) if a)
        rule = policy.params.format
        bidding = auction[None, :] & np.isfinite(quotes)
        cost = b.reservation[np.arange(b.n)[None, :], product[:, None]]
        if rule == "first":
            s_cfg = state.cfg.sellers
            high = state.base_cost[product] * (1 + s_cfg.cost_spread) * (1 + s_cfg.min_margin)
            n_bid = bidding.sum(axis=1)
            bids = first_price_equilibrium_bid(cost, np.maximum(n_bid, 1)[:, None], high[:, None])
        else:
            bids = truthful_bid(cost)
        bids = np.where(bidding, bids, np.inf)
        reserve = np.minimum(list_quotes.min(axis=1), np.where(bidding, quotes, np.inf).min(axis=1))
        winner, price = reverse_auction(bids, reserve, rule, tiebreak=state.rng.random(bids.shape))
        return winner, price, rule

    def viable(
        self,
        state: MarketState,
        ready: np.ndarray,
        units: np.ndarray,
        terms: DealTerms,
        kept_members: np.ndarray,
    ) -> np.ndarray:
        """Groups of fewer than two buyers break up; groups nobody can serve wait or break.

        A group left with fewer than two members who can afford the price breaks up (a lone
        member buys alone); a group that found no seller with capacity left stays open and
        tries again next step, unless waiting would strand a member (one is in its last
        step) or it exceeds every seller's full capacity.
        """
        b = state.sellers
        has_seller = terms.seller >= 0
        broken = (kept_members < 2) & has_seller
        if not has_seller.all():
            # Only groups without a seller can break for want of one.
            product = state.coalitions.product[ready]
            can_ever = (b.offered[:, product] & (b.capacity[:, None] >= units[None, :])).any(axis=0)
            broken |= ~has_seller & (state.step.urgent[ready] | ~can_ever)
        close(state, ready[broken], CoalitionStatus.DISSOLVED)
        return ~broken
