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

from mechanisms.arrays import filled
from mechanisms.formation import clear_orders
from mechanisms.jit import lazy_kernel, use_kernels
from sim.community import NoCommunity
from sim.phases.formation import FormationStrategy
from sim.phases.lifecycle import leave_coalitions
from sim.phases.seller_choice import pick_cheapest
from sim.records import Orders, Protocol
from sim.state import MarketState

members_of_kernel = lazy_kernel("mechanisms.kernels.trade", "members_of_kernel")
solo_choice_kernel = lazy_kernel("mechanisms.kernels.trade", "solo_choice_kernel")

_TAKE_IT_OR_LEAVE_IT = int(Protocol.TAKE_IT_OR_LEAVE_IT)
#: ``is_group`` of solo orders for :meth:`SellerBook.bargains`: one False (0), already of
#: the index dtype it is converted to, broadcast over the orders.
_SOLO = np.zeros(1, dtype=np.intp)


def coalition_orders(
    state: MarketState, formation: FormationStrategy, ready: np.ndarray
) -> Orders | None:
    """Orders of the ready coalitions ``ready`` (None if there are none).

    Members who leave here are not recounted: the ``trade`` phase ends with a recount
    (:func:`~sim.phases.lifecycle.refresh_coalitions`), and nothing before it reads the
    coalition sizes, while groups emptied here place no order.
    """
    cu, co, b, t = state.customers, state.coalitions, state.sellers, state.step.t
    if len(ready) == 0:
        return None
    g = co.product[ready]
    terms = formation.deal_terms(state, ready, g)
    seller, fixed = terms.seller, terms.fixed
    members, grp = members_of(cu.coalition, ready, len(co))
    has_seller = seller >= 0

    # Usually every group has a seller and none a fixed price: the schedule alone applies.
    all_sellers, any_fixed = bool(has_seller.all()), not np.isnan(fixed).all()

    def price_of(rows: np.ndarray, qty: np.ndarray) -> np.ndarray:
        if all_sellers and not any_fixed:
            return b.quote(seller[rows], g[rows], qty)
        s = np.maximum(seller[rows], 0)
        price = np.where(np.isnan(fixed[rows]), b.quote(s, g[rows], qty), fixed[rows])
        return np.where(has_seller[rows], price, np.inf)

    if not isinstance(state.community, NoCommunity):
        # Members never buy from a seller they boycott: they leave the order.
        boycott = state.community.refuses(members, np.maximum(seller[grp], 0), t)
        refuse = has_seller[grp] & boycott
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
    if n_res < len(ready):
        pad = filled(len(ready) - n_res, np.nan)
        reservation = np.concatenate([reservation, pad])
        list_price = np.concatenate([list_price, pad])
    kept = np.bincount(grp, minlength=len(ready))
    viable = (units > 0) & has_seller & formation.viable(state, ready, units, terms, kept)
    rows = viable.nonzero()[0]
    remap = filled(len(ready), -1, dtype=np.int64)
    remap[rows] = np.arange(len(rows))
    in_viable = viable[grp]
    # The gathers below are fresh arrays: no second copy where the dtype is right already.
    cids = ready[rows]
    return Orders(
        coalition=cids.astype(np.int64, copy=False),
        seller=seller[rows].astype(np.int64, copy=False),
        product=g[rows].astype(np.int64),
        units=units[rows],
        reservation=reservation[rows],
        list_price=list_price[rows],
        tactic=co.tactic[cids].astype(np.int64),
        discount=co.discount[cids],
        protocol=terms.protocol[rows],
        members=members[in_viable],
        member_group=remap[grp[in_viable]],
    )


def members_of(
    coalition: np.ndarray, ready: np.ndarray, n_coalitions: int
) -> tuple[np.ndarray, np.ndarray]:
    """Members of the coalitions ``ready`` (ascending) and the row of ``ready`` each is in.

    Args:
        coalition: Every customer's coalition (-1: none).
        ready: Coalition ids, one per row.
        n_coalitions: Number of coalitions ever founded.
    """
    row_of = filled(n_coalitions, -1, dtype=np.int64)
    row_of[ready] = np.arange(len(ready))
    if use_kernels(len(coalition)):
        return members_of_kernel(coalition, row_of)
    inside = (coalition >= 0).nonzero()[0]
    rows = row_of[coalition[inside]]
    mine = rows >= 0
    return inside[mine], rows[mine]


def solo_orders(
    state: MarketState, formation: FormationStrategy, solo_wait: int | None = None
) -> Orders | None:
    """Orders of the customers who buy alone this step (None if there are none).

    ``solo_wait`` is ``formation.solo_wait(state)``, if the caller has it already.
    """
    cu, b = state.customers, state.sellers
    if solo_wait is None:
        solo_wait = formation.solo_wait(state)
    idx = cu.solo_buyers(state.step.t, solo_wait)
    if len(idx) == 0:
        return None
    q = cu.quantity[idx].astype(np.int64)
    product = cu.product[idx].astype(np.int64)
    quotes = b.quote_all(product, q, buyers=idx)
    seller, list_price = choose_sellers(state, idx, q, quotes)
    has = seller >= 0
    if state.learning.wants_observations():
        # Demand-based sellers learn from the valuation signals of the buyers they quote.
        h = has.nonzero()[0]
        quoted, asked = idx[h], seller[h]
        signals = np.full(len(h), np.nan)
        for s_id in np.unique(asked):
            m = asked == s_id
            signals[m] = cu.signals(b.policies[s_id], quoted[m])
        state.learning.observe(asked, product[h], signals)
    # Without bargaining a buyer only orders when the asked price is within its valuation.
    wtp = cu.wtp[idx]
    # A one-entry "solo" flag broadcasts over the orders: no per-order mask to build. A
    # buyer without a seller (-1) reads the last seller's entry, which ``has`` masks out.
    bargains = b.bargains(seller, _SOLO)
    keep = (has & (bargains | (list_price <= wtp))).nonzero()[0]
    if len(keep) < len(idx):
        idx, q, product, seller, list_price, wtp = (
            a[keep] for a in (idx, q, product, seller, list_price, wtp)
        )
    n = len(idx)
    coalition = filled(n, -1, dtype=np.int64)
    protocol = filled(n, _TAKE_IT_OR_LEAVE_IT, dtype=np.int8)
    return Orders(
        coalition=coalition,
        seller=seller,
        product=product,
        units=q,
        reservation=wtp,
        list_price=list_price,
        tactic=cu.tactic[idx].astype(np.int64),
        discount=cu.discount[idx],
        protocol=protocol,
        members=idx,
        member_group=np.arange(n),
    )


def choose_sellers(
    state: MarketState, buyers: np.ndarray, quantity: np.ndarray, quotes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each solo buyer's seller (-1: none can serve it) and that seller's quote (NaN if none).

    A buyer passes over sellers without the capacity for its quantity and sellers it
    refuses, and picks the lowest quote weighed by its opinions
    (:func:`~sim.phases.seller_choice.cheapest`: one uniform per buyer and seller breaks
    ties). Large batches take one compiled pass
    (:func:`mechanisms.kernels.trade.solo_choice_kernel`); :func:`choose_reference` is the
    numpy reference.

    Args:
        state: The market (its community and the sellers' capacity left; draws from its rng).
        buyers: The buyers.
        quantity: Units each wants.
        quotes: ``[R, S]`` every seller's quote for each buyer (changed in place).
    """
    community, capacity = state.community, state.sellers.capacity_left
    jit = use_kernels(quotes.size)
    neutral = isinstance(community, NoCommunity)
    if neutral:
        refused = factor = None
    else:
        refused = community.refusals(buyers, state.step.t)
        factor = community.choice_factor(buyers)
    jitter = state.rng.random(quotes.shape)
    if jit:
        if neutral:
            # Nobody refuses anyone and quotes weigh as they are: nothing to read.
            refused, factor = np.zeros((0, 0), dtype=bool), np.ones((0, 0))
        return solo_choice_kernel(quotes, quantity, capacity, refused, factor, jitter, neutral)
    return choose_reference(quotes, quantity, capacity, refused, factor, jitter)


def choose_reference(
    quotes: np.ndarray,
    quantity: np.ndarray,
    capacity: np.ndarray,
    refused: np.ndarray | None,
    factor: np.ndarray | None,
    jitter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The numpy reference of :func:`choose_sellers` (and of its kernel).

    Args:
        quotes: ``[R, S]`` quotes (changed in place: ``inf`` where a seller is passed over).
        quantity: ``[R]`` units each buyer wants.
        capacity: ``[S]`` capacity each seller has left.
        refused: ``[R, S]`` sellers each buyer refuses (None: none).
        factor: ``[R, S]`` weights of the quotes when choosing (None: ones).
        jitter: ``[R, S]`` tie-break uniforms.

    Returns:
        ``(seller, list_price)``: -1 and NaN where no seller can serve the buyer.
    """
    if len(quantity) and capacity.min() < quantity.max():
        # Usually every seller has room for the largest order: no mask to build then.
        quotes[capacity[None, :] < quantity[:, None]] = np.inf
    if refused is not None:
        quotes[refused] = np.inf
    seller = pick_cheapest(quotes if factor is None else quotes * factor, jitter)
    price = quotes[np.arange(len(seller)), np.maximum(seller, 0)]
    if len(seller) and seller.min() >= 0:
        return seller, price  # everyone found a seller: no NaN to put in
    return seller, np.where(seller >= 0, price, np.nan)
