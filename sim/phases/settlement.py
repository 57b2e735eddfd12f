"""Settling served orders: who pays what, goods and money change hands, the deal log grows.

Members of a coalition split its bill by the division rule (``coalition.division``,
:func:`mechanisms.division.divide`); solo buyers pay the unit price times their quantity;
crowdfunding backers' escrow settles as their payment. Customers are served (or, with
repeat demand, come back later), sellers' totals and capacity are updated, bought
coalitions close, and one row per customer purchase goes to the deal log.
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from mechanisms.arrays import sorted_unique
from mechanisms.division import divide
from sim.phases.lifecycle import close, refresh_coalitions
from sim.records import DealChunk, Orders, Priced, Protocol
from sim.state import MarketState


def settle(state: MarketState, orders: Orders, served: np.ndarray, priced: Priced) -> None:
    """Payments, transfers, bookkeeping and the deal log of the served ``orders``."""
    price, rounds, protocol = priced.price, priced.rounds, priced.protocol
    cu, b, t = state.customers, state.sellers, state.step.t
    s, units = orders.seller, orders.units
    mg = orders.member_group
    member_served = served[mg]
    mem, mg = orders.members[member_served], mg[member_served]
    if len(mem) == 0:
        refresh_coalitions(state)
        return
    rows = sorted_unique(mg)
    remap = np.full(len(orders), -1)
    remap[rows] = np.arange(len(rows))
    grp = remap[mg]
    p_unit = price[rows]
    qty = cu.quantity[mem].astype(np.int64)
    seller_rows, product_rows = s[rows], orders.product[rows]

    def price_of_quantity(gi: int, q: np.ndarray) -> np.ndarray:
        return b.quote(np.full(len(q), seller_rows[gi]), np.full(len(q), product_rows[gi]), q)

    co_cfg = state.cfg.coalition
    pay = divide(
        co_cfg.division,
        cu.wtp[mem],
        qty,
        grp,
        p_unit,
        price_of_quantity=price_of_quantity,
        rng=state.rng,
        samples=co_cfg.shapley_samples,
    )
    is_solo = orders.coalition[rows][grp] < 0
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
    repeat = state.cfg.customers.repeat_rate
    if repeat > 0:
        # Repeat demand: the customer will want its product again after a while.
        cu.status[mem] = Status.WAITING
        back = t + state.rng.geometric(repeat, size=len(mem)).astype(np.int64)
        cu.arrival[mem] = np.minimum(back, np.iinfo(np.int32).max)
        cu.active_since[mem] = -1
    sold_units = units[rows]
    sr, pr = s[rows], orders.product[rows]
    np.add.at(b.revenue, sr, p_unit * sold_units)
    np.add.at(b.units_sold, sr, sold_units)
    np.add.at(b.cost, sr, b.unit_cost[sr, pr] * sold_units)
    np.subtract.at(b.capacity_left, sr, sold_units)
    bought_c = orders.coalition[rows]
    is_c = bought_c >= 0
    co_size = np.zeros(len(rows), dtype=np.int64)
    if is_c.any():
        co_size = np.bincount(grp, minlength=len(rows))
        state.coalitions.seller[bought_c[is_c]] = sr[is_c]  # greedy groups record it here
        close(state, bought_c[is_c], CoalitionStatus.BOUGHT)
    refresh_coalitions(state)

    cid = orders.coalition[rows][grp]
    chunk = DealChunk(
        step=np.full(len(mem), t, dtype=np.int64),
        customer_id=mem.astype(np.int64),
        seller_id=sr[grp].astype(np.int64),
        coalition_id=cid.astype(np.int64),
        coalition_size=np.where(cid >= 0, co_size[grp], 1).astype(np.int64),
        product=pr[grp].astype(np.int64),
        quantity=qty,
        unit_price=pay / qty,
        seller_unit_price=p_unit[grp],
        willingness_to_pay=cu.wtp[mem],
        seller_unit_cost=b.unit_cost[sr[grp], pr[grp]],
        seller_reservation_price=b.reservation[sr[grp], pr[grp]],
        protocol=protocol[rows][grp],
        rounds=rounds[rows][grp],
        coordination_cost=np.where(cid >= 0, co_cfg.coordination_cost, 0.0),
        satisfaction=np.full(len(mem), np.nan),
        previous_seller=prev_seller,
    )
    state.deal_log.append(chunk)
    state.step.deals = chunk
    state.step.rounds = rounds[rows][protocol[rows] == Protocol.ALTERNATING_OFFERS]
