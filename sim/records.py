"""Typed per-step records: how a deal was struck, the orders of a step, and its purchases.

:class:`Orders` is what the order-building phase hands to negotiation and settlement (one
row per order, plus the flat member lists of group orders); :class:`DealChunk` is one step's
rows of the deal log (one row per customer purchase), whose fields are the columns of
``deals.parquet`` in order (:data:`DEAL_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class Protocol(IntEnum):
    """How a deal was struck (the deal log's ``protocol`` column holds the lower-case name)."""

    TAKE_IT_OR_LEAVE_IT = 0
    ALTERNATING_OFFERS = 1
    THRESHOLD = 2
    CROWDFUNDING = 3
    FIRST_PRICE_AUCTION = 4
    SECOND_PRICE_AUCTION = 5

    @property
    def label(self) -> str:
        """The name written to the deal log."""
        return self.name.lower()


#: Deal-log labels indexed by :class:`Protocol` code.
PROTOCOL_LABELS = np.array([p.label for p in Protocol], dtype=object)


@dataclass
class Orders:
    """The orders of one step, all sellers and buyers at once (row ``i`` is one order).

    Attributes:
        coalition: Coalition placing the order (-1 for a solo buyer).
        seller: Seller the order goes to.
        product: Product ordered.
        units: Units ordered.
        reservation: Highest unit price the buyer side accepts (the lowest kept valuation).
        list_price: The seller's quote (or the price fixed by a tender or campaign).
        tactic: Buyer side's negotiation tactic index.
        discount: Buyer side's per-round discount factor.
        protocol: :class:`Protocol` code (updated when the order is bargained).
        members: Customers behind the orders, flat.
        member_group: Order row of each entry of ``members``.
    """

    coalition: np.ndarray
    seller: np.ndarray
    product: np.ndarray
    units: np.ndarray
    reservation: np.ndarray
    list_price: np.ndarray
    tactic: np.ndarray
    discount: np.ndarray
    protocol: np.ndarray
    members: np.ndarray
    member_group: np.ndarray

    def __len__(self) -> int:
        return len(self.seller)

    @classmethod
    def concat(cls, parts: list[Orders]) -> Orders:
        """Stack several sets of orders (member rows re-pointed to the stacked order rows)."""
        cat = np.concatenate
        groups, offset = [], 0
        for o in parts:
            groups.append(o.member_group + np.int64(offset))
            offset += len(o)
        # Positional, in field order (``member_group`` last): cheaper than keywords.
        return cls(
            *(cat([getattr(o, name) for o in parts]) for name in _ORDER_COLUMNS[:-1]),
            cat(groups),
        )


#: Field names of :class:`Orders`, in order.
_ORDER_COLUMNS = tuple(f.name for f in dataclasses.fields(Orders))


@dataclass
class Priced:
    """How each order of a step came out of pricing (row ``i`` is order ``i``).

    Attributes:
        agreed: Whether buyer and seller agreed on a price.
        price: Agreed unit price (NaN where a negotiation failed).
        rounds: Offers made until agreement (0 for a take-it-or-leave-it quote).
        protocol: :class:`Protocol` code of each order as it was struck.
    """

    agreed: np.ndarray
    price: np.ndarray
    rounds: np.ndarray
    protocol: np.ndarray


def _column(dtype: type) -> np.ndarray:
    return field(metadata={"dtype": dtype})  # type: ignore[return-value]


@dataclass
class DealChunk:
    """One step's purchases: one row per customer purchase (the columns of ``deals.parquet``).

    ``unit_price`` is what the customer paid per unit (after the coalition's division rule);
    ``seller_unit_price`` is what the seller received per unit for the whole order (equal for
    solo buyers and under the uniform rule); ``protocol`` holds :class:`Protocol` codes (the
    log writes their labels); ``satisfaction`` (in [-1, 1]) is the buyer's experience of the
    purchase, NaN without community dynamics; ``previous_seller`` is the seller of the
    customer's previous purchase (-1 for a first one).
    """

    step: np.ndarray = _column(np.int64)
    customer_id: np.ndarray = _column(np.int64)
    seller_id: np.ndarray = _column(np.int64)
    coalition_id: np.ndarray = _column(np.int64)
    coalition_size: np.ndarray = _column(np.int64)
    product: np.ndarray = _column(np.int64)
    quantity: np.ndarray = _column(np.int64)
    unit_price: np.ndarray = _column(np.float64)
    seller_unit_price: np.ndarray = _column(np.float64)
    willingness_to_pay: np.ndarray = _column(np.float64)
    seller_unit_cost: np.ndarray = _column(np.float64)
    seller_reservation_price: np.ndarray = _column(np.float64)
    protocol: np.ndarray = _column(object)
    rounds: np.ndarray = _column(np.int64)
    coordination_cost: np.ndarray = _column(np.float64)
    satisfaction: np.ndarray = _column(np.float64)
    previous_seller: np.ndarray = _column(np.int64)

    def __len__(self) -> int:
        return len(self.customer_id)


#: Columns of ``deals.parquet`` and their dtypes, in order.
DEAL_COLUMNS: dict[str, type] = {f.name: f.metadata["dtype"] for f in dataclasses.fields(DealChunk)}
