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
        quantity = np.broadcast_to(np.asarray(quantity), seller.shape)
        price = np.full(seller.shape, np.inf)
        ok = self.offered[seller, product]
        for policy in _unique(self.policies):
            uses = np.array([p is policy for p in self.policies])
            m = ok & uses[seller]
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
        out = np.zeros(len(seller), dtype=bool)
        for policy in _unique(self.policies):
            uses = np.array([p is policy for p in self.policies])[seller]
            out[uses] = policy.bargains(is_group[uses])
        return out

    def mechanism(self) -> np.ndarray:
        """Deal mechanism of each seller's policy (``list``, ``threshold``, ...)."""
        return np.array([p.mechanism for p in self.policies])

    def quote_all(
        self,
        product: np.ndarray,
        quantity: np.ndarray,
        buyers: np.ndarray | None = None,
        expected: bool = False,
    ) -> np.ndarray:
        """``[R, S]`` quotes of every seller for each of R orders."""
        r = len(product)
        sellers = np.broadcast_to(np.arange(self.n), (r, self.n))
        return self.quote(
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
        n_products = self.offered.shape[1]
        q = np.arange(max_quantity + 1)
        g = np.repeat(np.arange(n_products), max_quantity + 1)
        qq = np.tile(q, n_products)
        quotes = self.quote_all(g, np.maximum(qq, 1), expected=expected).min(axis=1)
        table = quotes.reshape(n_products, max_quantity + 1)
        table[:, 0] = np.inf
        return table


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
