"""One-to-crowd pricing: a volume-discount schedule (tiers by order quantity)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.params import MAX_UNITS, ConfigError, fail, integer
from agents.pricing.base import PolicyParams, PricingPolicy
from mechanisms.pricing import tier_discount


@dataclass
class VolumeDiscountParams(PolicyParams):
    """Parameters of :class:`VolumeDiscount` (schema of ``pricing.volume_discount``).

    ``tier_quantities`` must start at 1 and increase strictly (up to
    :data:`~agents.params.MAX_UNITS`); ``tier_discounts`` (as many)
    must not decrease and lie in ``[0, 1)`` (:meth:`checks`).
    """

    tier_quantities: list[int] = field(default_factory=lambda: [1, 5, 10, 20, 40])
    tier_discounts: list[float] = field(default_factory=lambda: [0.0, 0.04, 0.08, 0.12, 0.16])
    min_quantity: int = integer(10, ge=1, le=MAX_UNITS)
    negotiable: bool = True

    @staticmethod
    def checks(node: Any, key: str) -> None:
        """The tiers form a schedule: quantities from 1 up, discounts in [0, 1) rising."""
        tq, td = list(node.tier_quantities), list(node.tier_discounts)
        if not tq:
            fail(f"{key}.tier_quantities", tq, "a non-empty list, one quantity per discount")
        if len(tq) != len(td):
            # Either list may be the one given wrong: the message names both.
            raise ConfigError(
                f"{key}.tier_quantities={tq!r} and {key}.tier_discounts={td!r} differ in "
                "length; allowed: one discount per tier quantity"
            )
        if tq[0] != 1 or tq[-1] > MAX_UNITS or any(b <= a for a, b in itertools.pairwise(tq)):
            fail(
                f"{key}.tier_quantities",
                tq,
                f"strictly increasing integers starting at 1, at most {MAX_UNITS}",
            )
        if any(not (0 <= d < 1) for d in td) or any(b < a for a, b in itertools.pairwise(td)):
            fail(f"{key}.tier_discounts", td, "non-decreasing numbers in [0, 1)")


class VolumeDiscount(PricingPolicy):
    """Tiered unit price: the larger the order, the deeper the discount off the list price.

    ``price(Q) = max(list_price * (1 - d(Q)), reservation)`` with ``d(Q)`` the discount of the
    highest tier reached. ``min_quantity`` is the smallest group order the seller accepts as a
    threshold (minimum-quantity) deal.
    """

    name = "volume_discount"
    Params = VolumeDiscountParams
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "list",
        "quantity_dependent": True,
        "uses_customer_data": False,
    }

    def __init__(self, params: VolumeDiscountParams | None = None, **values) -> None:
        super().__init__(params, **values)
        self._tiers = np.asarray(self.params.tier_quantities, dtype=np.int64)
        self._discounts = np.asarray(self.params.tier_discounts, dtype=np.float64)

    def _price(self, base, quantity, signal, reservation):
        return base * (1.0 - tier_discount(quantity, self._tiers, self._discounts))

    def min_group_quantity(self) -> int:
        """The seller's minimum quantity for a group deal."""
        return int(self.params.min_quantity)
