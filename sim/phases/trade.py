"""Phase ``trade``: ready coalitions and solo buyers order, negotiate, get capacity and pay.

All orders of a step are priced at once — take-it-or-leave-it at the quote, or alternating
offers where the seller bargains (:func:`mechanisms.bargaining.alternating_offers`) — then
agreed orders queue for capacity in random order (:func:`mechanisms.allocation.first_fit`)
and the served ones settle (:mod:`sim.phases.settlement`). A coalition whose negotiation
fails dissolves, and its members are free to buy alone.
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from mechanisms.allocation import first_fit_prefix
from mechanisms.bargaining import Side, alternating_offers
from mechanisms.jit import use_kernels
from sim.community import FAILED_DELIVERY, NoCommunity
from sim.phases.formation import FormationStrategy
from sim.phases.lifecycle import close, refresh_coalitions
from sim.phases.orders import coalition_orders, solo_orders
from sim.phases.settlement import SettleTerms, settle
from sim.records import Orders, Priced, Protocol
from sim.state import MarketState


class Trade:
    """The ``trade`` phase for one formation strategy (chosen when the model is built).

    Args:
        formation: Says which groups are ready and on which terms they buy.
    """

    def __init__(self, formation: FormationStrategy) -> None:
        self.formation = formation
        self._settings: tuple[object, int, SettleTerms] | None = None

    def settings(self, state: MarketState) -> tuple[int, SettleTerms]:
        """How long customers wait for a group, and the settlement settings.

        Both follow from the run's config alone, so they are built once per config rather
        than every step.
        """
        if self._settings is None or self._settings[0] is not state.cfg:
            wait = self.formation.solo_wait(state)
            self._settings = (state.cfg, wait, SettleTerms.of(state.cfg))
        return self._settings[1], self._settings[2]

    def __call__(self, state: MarketState) -> None:
        """Build, price, allocate and settle the step's orders."""
        b = state.sellers
        b.capacity_left[:] = b.capacity
        state.step.active_buyers = state.customers.count_active()
        solo_wait, terms = self.settings(state)
        ready = self.formation.ready(state)
        group = coalition_orders(state, self.formation, ready)
        solo = solo_orders(state, self.formation, solo_wait)
        parts = [o for o in (group, solo) if o is not None and len(o)]
        if parts:
            orders = parts[0] if len(parts) == 1 else Orders.concat(parts)
            n_group = len(group) if group is not None else 0
            execute(state, orders, n_group, terms)
        else:
            # Settlement ends with the step's recount; without orders it is due here
            # (``ready`` and clearing may have closed groups or moved members).
            refresh_coalitions(state)


def opening_factor(state: MarketState, orders: Orders, k: np.ndarray) -> np.ndarray:
    """How each bargaining buyer side's opinion of its seller scales its opening offer.

    A group bargains with its founder's opinions, a solo buyer with its own.
    """
    if isinstance(state.community, NoCommunity):
        return np.ones(len(k))
    cid = orders.coalition[k]
    first_member = np.full(len(orders), -1, dtype=np.int64)
    first_member[orders.member_group[::-1]] = orders.members[::-1]
    who = first_member[k].copy()
    group = cid >= 0
    who[group] = state.coalitions.founder[cid[group]]
    return state.community.opening_factor(who.astype(np.int64), orders.seller[k])


def negotiate(state: MarketState, orders: Orders) -> Priced:
    """Price every order: take-it-or-leave-it or alternating offers, all at once.

    The bargaining sides are built unchecked (:meth:`Side.trusted`): reservations, list
    prices and discounts are the market's own validated float64 values, tactics int64
    indices into ``state.tactics``, and every array is a fresh copy made here.
    """
    b, ng = state.sellers, state.cfg.negotiation
    s = orders.seller
    price = orders.list_price.astype(np.float64)
    agreed = price <= orders.reservation
    rounds = np.zeros(len(orders), dtype=np.int64)
    protocol = orders.protocol.copy()
    bargain = b.bargains(s, orders.coalition >= 0)
    if bargain.any():
        k = bargain.nonzero()[0]
        sk = s[k]
        v = orders.reservation[k]
        opening = ng.buyer_opening * v
        if not isinstance(state.community, NoCommunity):
            opening *= opening_factor(state, orders, k)
        # The openings go unclamped: the protocol treats an opening beyond the own
        # reservation as the reservation (``_stack`` clamps them, with the same bits).
        buyer = Side.trusted(
            reservation=v, opening=opening, discount=orders.discount[k], tactic=orders.tactic[k]
        )
        seller = Side.trusted(
            reservation=b.reservation[sk, orders.product[k]],
            opening=price[k],
            discount=b.discount[sk],
            tactic=b.tactic[sk].astype(np.int64),
        )
        out = alternating_offers(
            buyer, seller, state.tactics, ng.max_rounds, ng.first_mover, utilities=False
        )
        agreed[k] = out.agreed
        price[k] = out.price  # NaN where no agreement
        rounds[k] = out.rounds
        protocol[k] = Protocol.ALTERNATING_OFFERS
    return Priced(agreed, price, rounds, protocol)


def execute(
    state: MarketState, orders: Orders, n_group: int, terms: SettleTerms | None = None
) -> None:
    """Negotiate, allocate capacity and settle ``orders`` (the first ``n_group`` are groups).

    ``terms`` are the run's settlement settings (default: read from ``state.cfg``).
    """
    priced = negotiate(state, orders)
    agreed = priced.agreed
    # Capacity: agreed orders queue in random order; each is served if it still fits.
    s = orders.seller
    k = agreed.nonzero()[0]
    all_agreed = len(k) == len(orders)
    if all_agreed:
        # Every order agreed (the usual case): they all queue, as they are.
        priority = state.rng.random(len(k))
        served = first_fit_prefix(
            s, orders.units, state.sellers.capacity_left, priority, use_kernels(len(k))
        )
    else:
        served = np.zeros(len(orders), dtype=bool)
        if len(k):
            priority = state.rng.random(len(k))
            served[k] = first_fit_prefix(
                s[k], orders.units[k], state.sellers.capacity_left, priority, use_kernels(len(k))
            )
    if not isinstance(state.community, NoCommunity):
        undelivered = (agreed & ~served)[orders.member_group]
        state.community.record_failure(
            orders.members[undelivered], s[orders.member_group[undelivered]], FAILED_DELIVERY
        )
    # Failed coalition negotiations dissolve; members become free to buy alone.
    if n_group and not all_agreed:
        failed = ~agreed[:n_group]
        close(state, orders.coalition[:n_group][failed], CoalitionStatus.DISSOLVED)
    settle(state, orders, served, priced, terms)
