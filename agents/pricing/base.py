"""The pricing-policy contract every seller policy follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from agents.params import MAX_FACTOR, check_fields, number

MECHANISMS = ("list", "threshold", "crowdfunding", "auction")


@dataclass
class PolicyParams:
    """Parameters every pricing policy has.

    Attributes:
        markup: List price is ``unit_cost * (1 + markup)``.
        adaptive: Whether the seller learns a price multiplier from realised profit
            (``pricing.adaptive`` sets the learner).
        negotiable: Whether the seller bargains over its quote. A class attribute here: a
            policy whose bargaining is a choice declares it as a field of its ``Params``.
    """

    markup: float = number(0.3, ge=0.0, le=MAX_FACTOR)
    adaptive: bool = False
    negotiable: ClassVar[bool] = False


class PricingPolicy(ABC):
    """A seller's rule for quoting a unit price for an order.

    Subclasses set ``name`` (the key the ``pricing`` config selects them by) and a
    ``classifier`` of traits:

    - ``family``: one_to_many | one_to_one | one_to_crowd;
    - ``mechanism``: how a deal is struck — ``list`` (quote, then take-it-or-leave-it or
      bargain), ``threshold`` (group price only from a minimum quantity), ``crowdfunding``
      (all-or-nothing campaign paid up front), ``auction`` (coalitions tender, sellers bid);
    - ``quantity_dependent``, ``uses_customer_data``.

    A policy holds parameters only; everything a seller learns (its adaptive price multiplier,
    its demand-based price) is passed in as arrays, so quotes are pure functions and a policy
    is deterministic and picklable.

    Parameters live in one dataclass per policy (``Params``, a subclass of
    :class:`PolicyParams`): the same class is the policy's Hydra schema
    (``pricing.NAME``) and what its constructor takes, either as an instance or as keywords
    (``VolumeDiscount(markup=0.2)``). Bounds are declared on the fields
    (:mod:`agents.params`).

    Args:
        params: The policy's parameters (default: the ``Params`` defaults).
        **values: Parameter values, instead of ``params``.

    Raises:
        ConfigError: if a parameter is out of its bounds.
    """

    name: ClassVar[str]
    classifier: ClassVar[dict[str, Any]]
    Params: ClassVar[type[PolicyParams]]

    def __init__(self, params: PolicyParams | None = None, **values: Any) -> None:
        if params is None:
            params = self.Params(**values)
        elif values:
            raise TypeError(f"{type(self).__name__}: give params or keyword values, not both")
        if not isinstance(params, self.Params):
            raise TypeError(f"{type(self).__name__} takes {self.Params.__name__}, got {params!r}")
        check_fields(params, type(params), f"pricing.{self.name}")
        self.params = params

    @property
    def markup(self) -> float:
        """List price is ``unit_cost * (1 + markup)``."""
        return float(self.params.markup)

    @property
    def negotiable(self) -> bool:
        """Whether the seller bargains (alternating offers) over its quote."""
        return bool(self.params.negotiable)

    @property
    def adaptive(self) -> bool:
        """Whether the seller learns a price multiplier from realised profit."""
        return bool(self.params.adaptive)

    def list_price(
        self,
        unit_cost: np.ndarray,
        scale: np.ndarray | float | None = None,
        learned: np.ndarray | None = None,
    ) -> np.ndarray:
        """Base unit price: cost-plus, times the seller's learned multiplier ``scale``.

        Where a demand-based price has been ``learned`` (not NaN) it replaces cost-plus.
        """
        price = np.asarray(unit_cost, dtype=np.float64) * (1.0 + self.markup)
        if learned is not None:
            learned = np.asarray(learned, dtype=np.float64)
            price = np.where(np.isnan(learned), price, learned)
        if scale is not None:
            price = price * scale
        return price

    def quote(
        self,
        unit_cost: np.ndarray,
        reservation: np.ndarray,
        quantity: np.ndarray,
        *,
        signal: np.ndarray | None = None,
        scale: np.ndarray | float | None = None,
        learned: np.ndarray | None = None,
    ) -> np.ndarray:
        """Unit price asked for orders of ``quantity`` units; never below ``reservation``.

        Args:
            unit_cost: Seller's unit cost for each order's product.
            reservation: Seller's lowest acceptable unit price.
            quantity: Units ordered.
            signal: Seller's estimate of the buyer's per-unit valuation (NaN where unknown:
                hidden data or a coalition, which reveals only aggregate demand).
            scale: Seller's adaptive price multiplier.
            learned: Seller's demand-based price for the product (NaN if none).
        """
        base = self.list_price(unit_cost, scale, learned)
        price = self._price(base, np.asarray(quantity), signal, np.asarray(reservation))
        out = np.maximum(price, reservation)
        return np.broadcast_to(out, np.broadcast(out, quantity).shape).astype(np.float64)

    @abstractmethod
    def _price(
        self,
        base: np.ndarray,
        quantity: np.ndarray,
        signal: np.ndarray | None,
        reservation: np.ndarray,
    ) -> np.ndarray:
        """Policy-specific price from the base list price (floored at reservation after)."""

    def expected_quote(
        self,
        unit_cost: np.ndarray,
        reservation: np.ndarray,
        quantity: np.ndarray,
        *,
        scale: np.ndarray | float | None = None,
        learned: np.ndarray | None = None,
    ) -> np.ndarray:
        """The unit price buyers expect for an order of ``quantity`` (the public price list).

        For most policies this is the quote itself. Policies whose group price emerges from a
        mechanism (bargaining, tenders) override it with what a group can expect.
        """
        return self.quote(unit_cost, reservation, quantity, scale=scale, learned=learned)

    def bargains(self, is_group: np.ndarray) -> np.ndarray:
        """Whether each order is bargained (alternating offers) rather than take-it-or-leave-it."""
        return np.full(np.shape(is_group), self.negotiable, dtype=bool)

    def min_group_quantity(self) -> int:
        """Smallest pledged quantity at which this seller runs a group (threshold) deal."""
        return 1

    def without_customer_data(self) -> PricingPolicy | None:
        """This policy with customer data no longer used, if it has its own such variant.

        None (the default) means a seller that gives up customer data posts a cost-plus price
        with the same markup (:meth:`agents.seller.SellerBook.reform`).
        """
        return None

    @property
    def mechanism(self) -> str:
        """How a deal is struck (see the class docstring)."""
        return self.classifier.get("mechanism", "list")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.name, repr(self.params)))
