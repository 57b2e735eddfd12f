"""An offer set from outside the model: a human seller's price, tiers and data use.

In the classroom game each student is a seller: every round they post a unit price and may
add a volume tier, a threshold (group) deal and personalised pricing. The model treats the
offer as one more pricing policy, so bot customers discover, band together, negotiate and
buy exactly as they do against the other policies.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from agents.params import (
    MAX_FACTOR,
    MAX_NOISE,
    MAX_PRICE,
    MAX_UNITS,
    fail,
    integer,
    number,
    probability,
)
from agents.pricing.base import PolicyParams, PricingPolicy
from mechanisms.demand import personalised_price


@dataclass
class OfferParams(PolicyParams):
    """Parameters of :class:`Offer` (schema of ``pricing.offer``).

    Attributes:
        price: Posted unit price (absolute, not a markup; meant for one-product markets such
            as the classroom game's, where every seller sells the same product).
        tier_quantity: Orders of at least this many units get ``tier_discount`` (0: no tier).
        tier_discount: Volume-tier discount, in ``[0, 1)``.
        deal_min_quantity: Group orders of at least this many units get ``deal_discount``
            (0: no threshold deal).
        deal_discount: Threshold-deal discount, in ``[0, 1)``.
        personalised: Whether the seller prices each buyer from customer data (as
            ``pricing.personalised`` does, with its ``capture``, ``noise`` and
            ``privacy_share``).
    """

    price: float = number(15.0, gt=0.0, le=MAX_PRICE)
    tier_quantity: int = integer(0, ge=0, le=MAX_UNITS)
    tier_discount: float = probability(0.0)
    deal_min_quantity: int = integer(0, ge=0, le=MAX_UNITS)
    deal_discount: float = probability(0.0)
    personalised: bool = False
    capture: float = number(0.85, ge=0.0, le=MAX_FACTOR)
    noise: float = number(0.1, ge=0.0, le=MAX_NOISE)
    privacy_share: float = probability(0.2)
    negotiable: ClassVar[bool] = False

    @staticmethod
    def checks(node: Any, key: str) -> None:
        """Discounts below 1, so that a price never reaches zero."""
        for name in ("tier_discount", "deal_discount"):
            value = getattr(node, name)
            if not 0 <= value < 1:
                fail(f"{key}.{name}", value, "a number in [0, 1)")


class Offer(PricingPolicy):
    """A posted price set from outside, with an optional volume tier and threshold deal.

    ``price(Q) = max(price * scale * (1 - d(Q)), reservation)`` where ``d(Q)`` is the deepest
    discount whose minimum ``Q`` reaches (the volume tier, the threshold deal, or none). With
    ``personalised`` on, a buyer whose data the seller reads is charged a share ``capture``
    of its estimated valuation instead (``mechanisms.demand.personalised_price``); coalitions
    reveal no individual data and get the offer's price. Offers are take it or leave it.
    """

    name = "offer"
    Params = OfferParams
    classifier: ClassVar[dict[str, Any]] = {
        "family": "one_to_many",
        "mechanism": "list",
        "quantity_dependent": True,
        "uses_customer_data": False,
    }

    def __init__(self, params: OfferParams | None = None, **values: Any) -> None:
        super().__init__(params, **values)
        # Personalised pricing is this seller's choice, so the trait is per instance.
        self.classifier = {
            **type(self).classifier,
            "family": "one_to_one" if self.params.personalised else "one_to_many",
            "uses_customer_data": bool(self.params.personalised),
        }

    def list_price(self, unit_cost, scale=None, learned=None):
        """The offered price for every order (times the seller's multiplier, if any)."""
        price = np.full(np.shape(unit_cost), float(self.params.price))
        return price if scale is None else price * scale

    def _price(self, base, quantity, signal, reservation):
        p = self.params
        tier = np.where((p.tier_quantity > 0) & (quantity >= p.tier_quantity), p.tier_discount, 0)
        deal = np.where(
            (p.deal_min_quantity > 0) & (quantity >= p.deal_min_quantity), p.deal_discount, 0
        )
        price = base * (1.0 - np.maximum(tier, deal))
        if signal is None or not p.personalised:
            return price
        return personalised_price(signal, price, reservation, p.capture)

    def min_group_quantity(self) -> int:
        """The threshold deal's minimum quantity (1 without a deal)."""
        return max(int(self.params.deal_min_quantity), 1)

    def without_customer_data(self) -> Offer:
        """The same offer with personalised pricing off."""
        return Offer(dataclasses.replace(self.params, personalised=False))
