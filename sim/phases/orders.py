"""Building the step's orders: ready coalitions clear their members, solo buyers pick sellers.

A ready group's order goes to the seller its formation strategy names (cheapest quote,
host, tender winner or the campaign's seller); members who boycott that seller leave, and
the group keeps the largest set of members who all accept the schedule price at their
joint volume (:func:`mechanisms.formation.clear_orders`). A solo buyer asks every seller
for a quote and picks the cheapest (weighed by its opinions); without bargaining it orders
only at a price within its valuation.
"""

from __future__ import annotations

import numpy as np

from mechanisms.formation import clear_orders
from sim.phases.formation import FormationStrategy
from sim.phases.lifecycle import leave_coalitions, refresh_coalitions
from sim.phases.seller_choice import cheapest
from sim.records import Orders, Protocol
from sim.state import MarketState


def coalition_orders(
    state: MarketState, formation: FormationStrategy, ready: np.ndarray
) -> Orders | None:
    """Orders of the ready coalitions ``ready`` (None if there are none)."""
    cu, co, b, t = state.customers, state.coalitions, state.sellers, state.step.t
    if len(ready) == 0:
        return None
    g = co.product[ready]
    terms = formation.deal_terms(state, ready, g)
    seller, fixed = terms.seller, terms.fixed
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

    # Members never buy from a seller they boycott: they leave the order.
    refuse = has_seller[grp] & state.community.refuses(members, np.maximum(seller[grp], 0), t)
    leave_coalitions(state, members[refuse])
    members, grp = members[~refuse], grp[~refuse]
    keep, reservation, list_price = clear_orders(
        grp, cu.wtp[members], cu.quantity[members].astype(np.int64), price_of
    )
    # Groups without a seller this step are not cleared: they keep everyone and wait.
    keep |= ~has_seller[grp]
    leave_coalitions(state, members[~keep])
    members, grp = members[keep], grp[keep]
    units = np.bincount(grp, weights=cu.quantity[members], minlength=len(ready)).astype(np.int64)
    n_res = len(reservation)
    reservation = np.concatenate([reservation, np.full(len(ready) - n_res, np.nan)])
    list_price = np.concatenate([list_price, np.full(len(ready) - n_res, np.nan)])
    kept = np.bincount(grp, minlength=len(ready))
    viable = (units > 0) & has_seller & formation.viable(state, ready, units, terms, kept)
    refresh_coalitions(state)
    rows = np.flatnonzero(viable)
    remap = np.full(len(ready), -1)
    remap[rows] = np.arange(len(rows))
    in_viable = viable[grp]
    return Orders(
        coalition=ready[rows].astype(np.int64),
        seller=seller[rows].astype(np.int64),
        product=g[rows].astype(np.int64),
        units=units[rows],
        reservation=reservation[rows],
        list_price=list_price[rows],
        tactic=co.tactic[ready[rows]].astype(np.int64),
        discount=co.discount[ready[rows]],
        protocol=terms.protocol[rows],
        members=members[in_viable],
        member_group=remap[grp[in_viable]],
    )


def solo_orders(state: MarketState, formation: FormationStrategy) -> Orders | None:
    """Orders of the customers who buy alone this step (None if there are none)."""
    cu, b, t = state.customers, state.sellers, state.step.t
    idx = np.flatnonzero(cu.wants_solo(t, formation.solo_wait(state)))
    if len(idx) == 0:
        return None
    q = cu.quantity[idx].astype(np.int64)
    quotes = b.quote_all(cu.product[idx].astype(np.int64), q, buyers=idx)
    quotes[b.capacity_left[None, :] < q[:, None]] = np.inf
    quotes[state.community.refusals(idx, t)] = np.inf
    seller = cheapest(quotes * state.community.choice_factor(idx), state.rng)
    ok = seller >= 0
    idx, q, seller = idx[ok], q[ok], seller[ok]
    list_price = quotes[ok][np.arange(len(idx)), seller]
    if state.learning.wants_observations():
        # Demand-based sellers learn from the valuation signals of the buyers they quote.
        signals = np.full(len(idx), np.nan)
        for s_id in np.unique(seller):
            m = seller == s_id
            signals[m] = cu.signals(b.policies[s_id], idx[m])
        state.learning.observe(seller, cu.product[idx].astype(np.int64), signals)
    # Without bargaining a buyer only orders when the asked price is within its valuation.
    ok = b.bargains(seller, np.zeros(len(seller), dtype=bool)) | (list_price <= cu.wtp[idx])
    idx, q, seller, list_price = idx[ok], q[ok], seller[ok], list_price[ok]
    return Orders(
        coalition=np.full(len(idx), -1, dtype=np.int64),
        seller=seller,
        product=cu.product[idx].astype(np.int64),
        units=q,
        reservation=cu.wtp[idx],
        list_price=list_price,
        tactic=cu.tactic[idx].astype(np.int64),
        discount=cu.discount[idx],
        protocol=np.full(len(idx), Protocol.TAKE_IT_OR_LEAVE_IT, dtype=np.int8),
        members=idx,
        member_group=np.arange(len(idx)),
    )
