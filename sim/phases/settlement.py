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
from mechanisms.arrays import filled, sorted_unique
from mechanisms.division import divide
from sim.phases.lifecycle import close, refresh_coalitions
from sim.records import DealChunk, Orders, Priced, Protocol
from sim.settings import Settings
from sim.state import MarketState

#: Plain-int codes: an IntEnum operand makes numpy widen the int8 column first.
_SERVED, _WAITING = int(Status.SERVED), int(Status.WAITING)
_ALTERNATING_OFFERS = int(Protocol.ALTERNATING_OFFERS)


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
    all_served = bool(served.all())
    if all_served:
        # The usual case: every row and member is taken as it is, with no gathers.
        mem = orders.members
    else:
        member_served = served[mg]
        mem, mg = orders.members[member_served], mg[member_served]
    if len(mem) == 0:
        refresh_coalitions(state)
        return
    if all_served:
        sold_units, sr, sold_price = units, s, price
        row_rounds, row_protocol = rounds, protocol
    else:
        # Every order has members (its units are theirs), so the served rows are these.
        rows = served.nonzero()[0]
        sold_units, sr, sold_price = units[rows], s[rows], price[rows]
        row_rounds, row_protocol = rounds[rows], protocol[rows]
    q32 = cu.quantity[mem]
    qty = q32.astype(np.int64)
    wtp = cu.wtp[mem]
    seller, product, cid = s[mg], orders.product[mg], orders.coalition[mg]
    unit = price[mg]
    # Solo buyers pay the unit price; coalition members split their bill by the rule.
    pay = unit * qty
    in_group = cid >= 0
    size = filled(len(mem), 1, dtype=np.int64)
    if in_group.any():
        c = in_group.nonzero()[0]
        mg_c = mg[c]
        group_rows = sorted_unique(mg_c)
        grp = np.searchsorted(group_rows, mg_c)
        seller_rows = s[group_rows]
        if terms.division != "uniform":
            # The uniform rule's payments are ``unit * qty``, what ``pay`` holds already.
            product_rows = orders.product[group_rows]

            def price_of_quantity(gi: int, q: np.ndarray) -> np.ndarray:
                return b.quote(
                    np.full(len(q), seller_rows[gi]), np.full(len(q), product_rows[gi]), q
                )

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
        group_rows = seller_rows = np.empty(0, dtype=np.int64)
    # Crowdfunding backers already paid the campaign price into escrow: it now settles.
    escrow = cu.escrow[mem]
    if escrow.any():
        # Outside crowdfunding nobody holds escrow: nothing to settle or clear then.
        backed = escrow > 0
        if backed.any():
            pay = np.where(backed, escrow, pay)
        cu.escrow[mem] = 0.0

    prev_seller = cu.last_seller[mem].astype(np.int64)
    cu.last_seller[mem] = seller
    # Money and goods change hands.
    cu.paid[mem] += pay
    # The column's own dtype: the same int32 sums as adding the int64 copy and casting back.
    cu.bought[mem] += q32
    cu.status[mem] = _SERVED
    cu.coalition[mem] = NO_COALITION
    cu.invite[mem] = NO_COALITION
    if terms.repeat_rate > 0:
        # Repeat demand: the customer will want its product again after a while.
        cu.status[mem] = _WAITING
        back = t + state.rng.geometric(terms.repeat_rate, size=len(mem)).astype(np.int64)
        cu.arrival[mem] = np.minimum(back, np.iinfo(np.int32).max)
        cu.active_since[mem] = -1
    # Sellers' totals accumulate order by order (row order), as the log reads them.
    np.add.at(b.revenue, sr, sold_price * sold_units)
    np.add.at(b.units_sold, sr, sold_units)
    # Every order's unit cost in one two-index gather; rows and members read it by row.
    order_cost = b.unit_cost[s, orders.product]
    row_cost = order_cost if all_served else order_cost[rows]
    np.add.at(b.cost, sr, row_cost * sold_units)
    np.subtract.at(b.capacity_left, sr, sold_units)
    if len(group_rows):
        bought = orders.coalition[group_rows]
        state.coalitions.seller[bought] = seller_rows  # greedy groups record it here
        close(state, bought, CoalitionStatus.BOUGHT)
    refresh_coalitions(state)

    n = len(mem)
    # The id columns are fresh gathers: where they are int64 already, the chunk takes them
    # without a copy.
    step = filled(n, t, dtype=np.int64)
    satisfaction = filled(n, np.nan)
    chunk = DealChunk(
        step=step,
        customer_id=mem.astype(np.int64, copy=False),
        seller_id=seller.astype(np.int64, copy=False),
        coalition_id=cid.astype(np.int64, copy=False),
        coalition_size=size,
        product=product.astype(np.int64, copy=False),
        quantity=qty,
        unit_price=pay / qty,
        seller_unit_price=unit,
        willingness_to_pay=wtp,
        seller_unit_cost=order_cost[mg],
        seller_reservation_price=b.reservation[seller, product],
        protocol=protocol[mg],
        rounds=rounds[mg],
        coordination_cost=np.where(in_group, terms.coordination_cost, 0.0),
        satisfaction=satisfaction,
        previous_seller=prev_seller,
    )
    state.deal_log.append(chunk)
    state.step.deals = chunk
    state.step.rounds = row_rounds[row_protocol == _ALTERNATING_OFFERS]
