"""Seller agents: what each sells, at what cost, with which pricing policy and tactic.

Sellers are few, so each is a Mesa agent; the :class:`SellerBook` keeps their numbers as
dense (seller x product) arrays so that quotes for thousands of orders are computed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mesa
import numpy as np

from agents.pricing.base import PricingPolicy
from agents.pricing.posted import PostedPrice


@dataclass
class SellerBook:
    """Dense tables of all sellers.

    Attributes:
        offered: ``[S, P]`` whether seller s sells product p.
        unit_cost: ``[S, P]`` marginal cost per unit (NaN where not offered).
        reservation: ``[S, P]`` lowest unit price the seller accepts (NaN where not offered).
        policies: Pricing policy of each seller (instances may be shared).
        tactic: Negotiation tactic index of each seller.
        discount: Per-round discount factor of each seller.
        capacity: Units each seller can sell per step.
        capacity_left: Units still available this step.
        revenue, units_sold, cost: Running totals per seller.
        scale: Adaptive price multiplier of each seller (1 unless learning).
        learned: ``[S, P]`` demand-based price (NaN until learned).
        signal_source: ``(policy, buyers) -> estimates`` of buyers' valuations, for policies
            that use customer data (``CustomerPopulation.signals``).
        response: Price multiplier a seller applies in response to complaints (1 if none).
        reformed_at: Step at which a seller gave up data-based pricing (-1: never).
    """

    offered: np.ndarray
    unit_cost: np.ndarray
    reservation: np.ndarray
    policies: list[PricingPolicy]
    tactic: np.ndarray
    discount: np.ndarray
    capacity: np.ndarray
    capacity_left: np.ndarray
    revenue: np.ndarray
    units_sold: np.ndarray
    cost: np.ndarray
    scale: np.ndarray = field(default=None)  # type: ignore[assignment]
    learned: np.ndarray = field(default=None)  # type: ignore[assignment]
    signal_source: Callable[[PricingPolicy, np.ndarray], np.ndarray] | None = None
    response: np.ndarray = field(default=None)  # type: ignore[assignment]
    reformed_at: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.scale is None:
            self.scale = np.ones(self.n)
        if self.response is None:
            self.response = np.ones(self.n)
        if self.reformed_at is None:
            self.reformed_at = np.full(self.n, -1, dtype=np.int64)
        if self.learned is None:
            self.learned = np.full(self.offered.shape, np.nan)
        # Caches of what only the policies and prices decide (see quote_table).
        self._tables: dict[bool, tuple[tuple, np.ndarray, tuple, np.ndarray]] = {}
        self._groups: _PolicyGroups | None = None

    @property
    def n(self) -> int:
        """Number of sellers."""
        return int(self.offered.shape[0])

    def quote(
        self,
        seller: np.ndarray,
        product: np.ndarray,
        quantity: np.ndarray,
        buyers: np.ndarray | None = None,
        expected: bool = False,
    ) -> np.ndarray:
        """Unit price each seller asks for each order; ``inf`` where it lacks the product.

        Quotes are elementwise in (seller, product, quantity), so integer quantities are
        looked up in a table of every seller's quote for every product and quantity
        (:meth:`quote_table`, kept while prices stay the same); only quotes that depend on
        the buyer (customer-data policies) are computed per order. :meth:`quote_direct` is
        the reference, order by order.

        Args:
            seller: Seller of each order.
            product: Product of each order.
            quantity: Units of each order.
            buyers: Customer behind each order (-1 for a coalition, which reveals only its
                aggregate demand); policies that use customer data get the seller's signal of
                that customer's valuation from ``signal_source``.
            expected: Give the price buyers *expect* (``PricingPolicy.expected_quote``)
                rather than the quote.
        """
        seller = np.asarray(seller)
        product = np.asarray(product)
        quantity = np.asarray(quantity)
        table = self._table_for(quantity, seller.size, expected)
        if table is None:
            return self.quote_direct(seller, product, quantity, buyers, expected)
        n_p, width = table.shape[1], table.shape[2]
        flat = (seller * n_p + product) * width + quantity
        price = table.reshape(-1).take(flat)
        personal = self._personal(buyers, expected)
        if personal is not None:
            # Quotes that depend on the buyer: computed order by order for those sellers.
            m = personal[seller]
            if m.any():
                price[m] = self.quote_direct(
                    seller[m],
                    np.broadcast_to(product, seller.shape)[m],
                    np.broadcast_to(quantity, seller.shape)[m],
                    np.broadcast_to(buyers, seller.shape)[m],
                    expected,
                )
        return price

    def quote_direct(
        self,
        seller: np.ndarray,
        product: np.ndarray,
        quantity: np.ndarray,
        buyers: np.ndarray | None = None,
        expected: bool = False,
    ) -> np.ndarray:
        """:meth:`quote` computed order by order with each seller's policy (the reference)."""
        seller = np.asarray(seller)
        product = np.asarray(product)
        quantity = np.broadcast_to(np.asarray(quantity), seller.shape)
        price = np.full(seller.shape, np.inf)
        ok = self.offered[seller, product]
        uniq, pid = self._policy_groups()
        pid_of = pid[seller]
        for k, policy in enumerate(uniq):
            m = ok & (pid_of == k) if len(uniq) > 1 else ok
            if m.any():
                s, g = seller[m], product[m]
                signal = None
                if (
                    buyers is not None
                    and self.signal_source is not None
                    and policy.classifier.get("uses_customer_data")
                ):
                    signal = self.signal_source(policy, np.broadcast_to(buyers, seller.shape)[m])
                if expected:
                    price[m] = policy.expected_quote(
                        self.unit_cost[s, g],
                        self.reservation[s, g],
                        quantity[m],
                        scale=self.scale[s] * self.response[s],
                        learned=self.learned[s, g],
                    )
                    continue
                price[m] = policy.quote(
                    self.unit_cost[s, g],
                    self.reservation[s, g],
                    quantity[m],
                    signal=signal,
                    scale=self.scale[s] * self.response[s],
                    learned=self.learned[s, g],
                )
        return price

    def quote_table(self, max_quantity: int, expected: bool = False) -> np.ndarray:
        """``[S, P, Q + 1]`` quote of every seller for every product and quantity ``0..Q``.

        ``Q`` is at least ``max_quantity``. The table is kept until a price input changes
        (policies, costs, reservations, offers, multipliers, learned prices); policies are
        pure functions of their parameters, which are never changed in place. Customer-data
        policies are quoted without a signal here (their list price).
        """
        key = self._price_key()
        cached = self._tables.get(expected)
        if cached is not None and cached[0] == key and cached[1].shape[2] > max_quantity:
            return cached[1]
        width = max_quantity + 1
        if cached is not None and cached[0] == key:
            width = max(width, 2 * cached[1].shape[2])
        n_s, n_p = self.offered.shape
        s, g, q = np.meshgrid(
            np.arange(n_s), np.arange(n_p), np.arange(width, dtype=np.int64), indexing="ij"
        )
        table = self.quote_direct(s, g, q, expected=expected)
        table.flags.writeable = False
        # ``[P * (Q + 1), S]``: every seller's quote for one order in a row (quote_all).
        rows = np.ascontiguousarray(table.transpose(1, 2, 0)).reshape(-1, n_s)
        # The policies are kept with the table, so that their ids cannot be reused.
        self._tables[expected] = (key, table, tuple(self.policies), rows)
        return table

    def _table_for(self, quantity: np.ndarray, work: int, expected: bool) -> np.ndarray | None:
        """The quote table covering ``quantity``, or None where looking up does not pay."""
        if quantity.dtype.kind not in "iu" or quantity.size == 0:
            return None
        q_max, q_min = int(quantity.max()), int(quantity.min())
        if q_min < 0:
            return None
        cached = self._tables.get(expected)
        if cached is not None and cached[1].shape[2] > q_max and cached[0] == self._price_key():
            return cached[1]
        if self.offered.size * (q_max + 1) > max(work, _MIN_TABLE):
            return None
        return self.quote_table(q_max, expected)

    def _price_key(self) -> tuple:
        """Everything a quote table depends on (policies by identity, arrays by value)."""
        return (
            tuple(map(id, self.policies)),
            self.offered.tobytes(),
            self.unit_cost.tobytes(),
            self.reservation.tobytes(),
            self.scale.tobytes(),
            self.response.tobytes(),
            self.learned.tobytes(),
        )

    def _policy_groups(self) -> tuple[list[PricingPolicy], np.ndarray]:
        """Distinct policies (by identity, first-seen order) and each seller's index into them."""
        groups = self._grouping()
        return groups.policies, groups.index

    def _grouping(self) -> _PolicyGroups:
        key = tuple(map(id, self.policies))
        if self._groups is None or self._groups.key != key:
            self._groups = _PolicyGroups.of(self.policies, key)
        return self._groups

    def _personal(self, buyers: np.ndarray | None, expected: bool) -> np.ndarray | None:
        """Sellers whose quotes depend on the buyer for this request (None if none)."""
        if buyers is None or expected or self.signal_source is None:
            return None
        return self._grouping().personal()

    def reform(self, seller: int, t: int) -> bool:
        """A seller that prices from customer data stops using it.

        It switches to its policy's own variant without customer data, if the policy has one
        (:meth:`PricingPolicy.without_customer_data`), else to a posted price, same markup.

        Returns:
            Whether the seller changed policy (False if it uses no customer data).
        """
        policy = self.policies[seller]
        if not policy.classifier.get("uses_customer_data"):
            return False
        self.policies[seller] = policy.without_customer_data() or PostedPrice(markup=policy.markup)
        self.reformed_at[seller] = t
        return True

    def bargains(self, seller: np.ndarray, is_group: np.ndarray) -> np.ndarray:
        """Whether each order (at its seller) is bargained rather than take-it-or-leave-it."""
        table = self._grouping().bargain_table()
        # asarray then astype: the cast costs a third less than asarray with a dtype.
        return table[seller, np.asarray(is_group).astype(np.intp)]

    def bargains_direct(self, seller: np.ndarray, is_group: np.ndarray) -> np.ndarray:
        """:meth:`bargains` asked of each policy order by order (the reference)."""
        out = np.zeros(len(seller), dtype=bool)
        for policy in _unique(self.policies):
            uses = np.array([p is policy for p in self.policies])[seller]
            out[uses] = policy.bargains(is_group[uses])
        return out

    def mechanism(self) -> np.ndarray:
        """Deal mechanism of each seller's policy (``list``, ``threshold``, ...)."""
        return np.array([p.mechanism for p in self.policies])

    def auctions(self) -> np.ndarray:
        """``[S]`` whether each seller's deal mechanism is ``auction`` (see :meth:`mechanism`).

        Kept with the policy grouping, as :meth:`bargains` is: policies never change in place.
        The array is shared: do not write to it.
        """
        return self._grouping().auction_mask()

    def quote_all(
        self,
        product: np.ndarray,
        quantity: np.ndarray,
        buyers: np.ndarray | None = None,
        expected: bool = False,
    ) -> np.ndarray:
        """``[R, S]`` quotes of every seller for each of R orders."""
        r = len(product)
        quantity = np.asarray(quantity)
        table = self._table_for(quantity, r * self.n, expected)
        if table is None:
            return self.quote_all_direct(product, quantity, buyers, expected)
        by_order = self._tables[expected][3]
        out = by_order.take(product * table.shape[2] + quantity, axis=0)
        personal = self._personal(buyers, expected)
        if personal is not None:
            # Quotes that depend on the buyer: computed order by order for those sellers.
            cols = np.flatnonzero(personal)
            shape = (r, len(cols))
            out[:, cols] = self.quote_direct(
                np.broadcast_to(cols, shape),
                np.broadcast_to(product[:, None], shape),
                np.broadcast_to(quantity[:, None], shape),
                np.broadcast_to(buyers[:, None], shape),
            )
        return out

    def quote_all_direct(
        self,
        product: np.ndarray,
        quantity: np.ndarray,
        buyers: np.ndarray | None = None,
        expected: bool = False,
    ) -> np.ndarray:
        """:meth:`quote_all` computed order by order (the reference)."""
        r = len(product)
        sellers = np.broadcast_to(np.arange(self.n), (r, self.n))
        return self.quote_direct(
            sellers,
            np.broadcast_to(product[:, None], (r, self.n)),
            np.broadcast_to(quantity[:, None], (r, self.n)),
            None if buyers is None else np.broadcast_to(buyers[:, None], (r, self.n)),
            expected=expected,
        )

    def best_price_table(self, max_quantity: int, expected: bool = True) -> np.ndarray:
        """``[P, max_quantity + 1]`` lowest quote over sellers for each product and quantity.

        Column 0 is unused (inf). Buyers use this public price list to judge whether a group
        is worth joining: with ``expected`` it holds the prices groups expect
        (``expected_quote``), otherwise the list quotes a solo buyer faces; never personalised
        prices, which depend on the buyer.
        """
        quotes = self.quote_table(max_quantity, expected)[:, :, : max_quantity + 1]
        table = quotes.min(axis=0)
        table[:, 0] = np.inf
        return table


#: Quote tables of up to this many cells are built even for a few quotes.
_MIN_TABLE = 4096


@dataclass
class _PolicyGroups:
    """Sellers grouped by policy object: what depends only on the policies in use.

    Attributes:
        key: Ids of the sellers' policies.
        policies: Distinct policies, first-seen order (kept, so that the ids stay theirs).
        index: ``[S]`` each seller's index into ``policies``.
        bargains: ``[S, 2]`` whether a seller bargains over a solo (0) or group (1) order.
        uses_data: ``[S]`` whether a seller's policy prices from customer data.
        any_data: Whether any does (set with ``uses_data``).
        auction: ``[S]`` whether a seller's policy deals by auction.
    """

    key: tuple[int, ...]
    policies: list[PricingPolicy]
    index: np.ndarray
    bargains: np.ndarray | None = None
    uses_data: np.ndarray | None = None
    any_data: bool = False
    auction: np.ndarray | None = None

    @classmethod
    def of(cls, policies: list[PricingPolicy], key: tuple[int, ...]) -> _PolicyGroups:
        """Group ``policies`` (whose ids are ``key``)."""
        first: dict[int, int] = {}
        uniq: list[PricingPolicy] = []
        index = np.empty(len(policies), dtype=np.intp)
        for i, p in enumerate(policies):
            k = first.setdefault(id(p), len(uniq))
            if k == len(uniq):
                uniq.append(p)
            index[i] = k
        return cls(key=key, policies=uniq, index=index)

    def bargain_table(self) -> np.ndarray:
        """``[S, 2]``: each seller's :meth:`PricingPolicy.bargains` for a solo and a group order."""
        if self.bargains is None:
            both = np.array([False, True])
            per_policy = np.array([p.bargains(both) for p in self.policies], dtype=bool)
            self.bargains = per_policy[self.index]
        return self.bargains

    def auction_mask(self) -> np.ndarray:
        """``[S]`` whether a seller's policy deals by ``auction``."""
        if self.auction is None:
            per_policy = np.array([p.mechanism == "auction" for p in self.policies], dtype=bool)
            self.auction = per_policy[self.index]
        return self.auction

    def personal(self) -> np.ndarray | None:
        """``[S]`` sellers whose policy prices from customer data (None if there are none)."""
        if self.uses_data is None:
            uses = [bool(p.classifier.get("uses_customer_data")) for p in self.policies]
            self.uses_data = np.array(uses, dtype=bool)[self.index]
            self.any_data = bool(self.uses_data.any())
        return self.uses_data if self.any_data else None


def _unique(items: list[PricingPolicy]) -> list[PricingPolicy]:
    seen: list[PricingPolicy] = []
    for it in items:
        if not any(it is s for s in seen):
            seen.append(it)
    return seen


class SellerAgent(mesa.Agent):
    """Mesa handle of one seller; its numbers live in the model's :class:`SellerBook`."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def policy(self) -> PricingPolicy:
        """Its pricing policy."""
        return self.model.sellers.policies[self.index]

    @property
    def products(self) -> list[int]:
        """Products it sells."""
        return np.flatnonzero(self.model.sellers.offered[self.index]).tolist()

    @property
    def tactic(self) -> str:
        """Name of its negotiation tactic."""
        return self.model.tactic_names[int(self.model.sellers.tactic[self.index])]

    @property
    def revenue(self) -> float:
        """Money received so far."""
        return float(self.model.sellers.revenue[self.index])

    @property
    def profit(self) -> float:
        """Revenue minus cost of the units sold so far."""
        b = self.model.sellers
        return float(b.revenue[self.index] - b.cost[self.index])

    def __repr__(self) -> str:
        return (
            f"SellerAgent(index={self.index}, policy={self.policy.name}, products={self.products})"
        )
