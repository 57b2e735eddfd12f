"""Settling served orders: who pays what, goods and money change hands, the deal log grows.

Members of a coalition split its bill by the division rule (``coalition.division``,
:func:`mechanisms.division.divide`); solo buyers pay the unit price times their quantity;
crowdfunding backers' escrow settles as their payment. Customers are served (or, with
repeat demand, come back later), sellers' totals and capacity are updated, bought
coalitions close, and one row per customer purchase goes to the deal log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from mechanisms.arrays import sorted_unique
from mechanisms.division import divide
from sim.phases.lifecycle import close, refresh_coalitions
from sim.records import DealChunk, Orders, Priced, Protocol
from sim.settings import Settings
from sim.state import MarketState


@dataclass(frozen=True)
class SettleTerms:
    """The config values settlement uses, read once per run (config lookups are slow).

    Attributes:
        division: Division rule of a coalition's bill (``coalition.division``).
        shapley_samples: Permutations per sampled Shapley value.
        coordination_cost: Cost of coordinating, per coalition member.
        repeat_rate: Chance per step that a served customer wants its product again.
    """

    division: str
    shapley_samples: int
    coordination_cost: float
    repeat_rate: float

    @classmethod
    def of(cls, cfg: Settings) -> SettleTerms:
        """The terms of the run configured by ``cfg``."""
        co = cfg.coalition
        return cls(
            division=co.division,
            shapley_samples=co.shapley_samples,
            coordination_cost=co.coordination_cost,
            repeat_rate=cfg.customers.repeat_rate,
        )


def settle(
    state: MarketState,
    orders: Orders,
    served: np.ndarray,
    priced: Priced,
    terms: SettleTerms | None = None,
) -> None:
    """Payments, transfers, bookkeeping and the deal log of the served ``orders``.

    Args:
        state: The market.
        orders: The step's orders.
        served: Mask of the orders served.
        priced: How each order was priced.
        terms: The run's settlement settings (default: read from ``state.cfg``).
    """
    if terms is None:
        terms = SettleTerms.of(state.cfg)
    price, rounds, protocol = priced.price, priced.rounds, priced.protocol
    cu, b, t = state.customers, state.sellers, state.step.t
    s, units = orders.seller, orders.units
    mg = orders.member_group
    member_served = served[mg]
    mem, mg = orders.members[member_served], mg[member_served]
    if len(mem) == 0:
        refresh_coalitions(state)
        return
    # Every order has members (its units are theirs), so the served rows are these.
    rows = served.nonzero()[0]
    qty = cu.quantity[mem].astype(np.int64)
    wtp = cu.wtp[mem]
    seller, product, cid = s[mg], orders.product[mg], orders.coalition[mg]
    unit = price[mg]
    # Solo buyers pay the unit price; coalition members split their bill by the rule.
    pay = unit * qty
    in_group = cid >= 0
    size = np.ones(len(mem), dtype=np.int64)
    if in_group.any():
        c = in_group.nonzero()[0]
        group_rows = sorted_unique(mg[c])
        grp = np.searchsorted(group_rows, mg[c])
        seller_rows, product_rows = s[group_rows], orders.product[group_rows]

        def price_of_quantity(gi: int, q: np.ndarray) -> np.ndarray:
            return b.quote(np.full(len(q), seller_rows[gi]), np.full(len(q), product_rows[gi]), q)

        pay[c] = divide(
            terms.division,
            wtp[c],
            qty[c],
            grp,
            price[group_rows],
            price_of_quantity=price_of_quantity,
            rng=state.rng,
            samples=terms.shapley_samples,
        )
        size[c] = np.bincount(grp, minlength=len(group_rows))[grp]
    else:
        group_rows = np.empty(0, dtype=np.int64)
    # Crowdfunding backers already paid the campaign price into escrow: it now settles.
    escrow = cu.escrow[mem]
    backed = escrow > 0
    if backed.any():
        pay = np.where(backed, escrow, pay)
    cu.escrow[mem] = 0.0

    prev_seller = cu.last_seller[mem].astype(np.int64)
    cu.last_seller[mem] = seller
    # Money and goods change hands.
    cu.paid[mem] += pay
    cu.bought[mem] += qty
    cu.status[mem] = Status.SERVED
    cu.coalition[mem] = NO_COALITION
    cu.invite[mem] = NO_COALITION
    if terms.repeat_rate > 0:
        # Repeat demand: the customer will want its product again after a while.
        cu.status[mem] = Status.WAITING
        back = t + state.rng.geometric(terms.repeat_rate, size=len(mem)).astype(np.int64)
        cu.arrival[mem] = np.minimum(back, np.iinfo(np.int32).max)
        cu.active_since[mem] = -1
    # Sellers' totals accumulate order by order (row order), as the log reads them.
    sold_units = units[rows]
    sr, pr = s[rows], orders.product[rows]
    np.add.at(b.revenue, sr, price[rows] * sold_units)
    np.add.at(b.units_sold, sr, sold_units)
    np.add.at(b.cost, sr, b.unit_cost[sr, pr] * sold_units)
    np.subtract.at(b.capacity_left, sr, sold_units)
    if len(group_rows):
        bought = orders.coalition[group_rows]
        state.coalitions.seller[bought] = s[group_rows]  # greedy groups record it here
        close(state, bought, CoalitionStatus.BOUGHT)
    refresh_coalitions(state)

    n = len(mem)
    # empty + fill: half the cost of np.full, paid every step.
    step = np.empty(n, dtype=np.int64)
    step.fill(t)
    satisfaction = np.empty(n)
    satisfaction.fill(np.nan)
    chunk = DealChunk(
        step=step,
        customer_id=mem.astype(np.int64),
        seller_id=seller.astype(np.int64),
        coalition_id=cid.astype(np.int64),
        coalition_size=size,
        product=product.astype(np.int64),
        quantity=qty,
        unit_price=pay / qty,
        seller_unit_price=unit,
        willingness_to_pay=wtp,
        seller_unit_cost=b.unit_cost[seller, product],
        seller_reservation_price=b.reservation[seller, product],
        protocol=protocol[mg],
        rounds=rounds[mg],
        coordination_cost=np.where(in_group, terms.coordination_cost, 0.0),
        satisfaction=satisfaction,
        previous_seller=prev_seller,
    )
    state.deal_log.append(chunk)
    state.step.deals = chunk
    state.step.rounds = rounds[rows][protocol[rows] == Protocol.ALTERNATING_OFFERS]
