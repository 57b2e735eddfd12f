"""Seller archetypes: presets that combine a policy with the parameters of a business stance."""

from __future__ import annotations

from collections.abc import Sequence

from agents.pricing.personalised import Personalised
from agents.pricing.volume_discount import VolumeDiscount


class CustomerFirst(VolumeDiscount):
    """Long-run, fair-margin seller: thin markup, honest volume discounts, bargains openly.

    A volume-discount schedule at a low markup (default 0.15), negotiable, no personalised
    pricing and no short-term price learning.
    """

    name = "customer_first"
    classifier = {**VolumeDiscount.classifier, "archetype": "customer_first"}

    def __init__(
        self,
        markup: float = 0.15,
        tier_quantities: Sequence[int] = (1, 5, 10, 20, 40),
        tier_discounts: Sequence[float] = (0.0, 0.02, 0.04, 0.06, 0.08),
        min_quantity: int = 10,
        negotiable: bool = True,
        adaptive: bool = False,
    ) -> None:
        super().__init__(
            markup=markup,
            tier_quantities=tier_quantities,
            tier_discounts=tier_discounts,
            min_quantity=min_quantity,
            negotiable=negotiable,
            adaptive=adaptive,
        )


class ShortTerm(Personalised):
    """Short-term profit maximiser: high markup, personalised prices, learns to push prices.

    Personalised pricing capturing 92% of each buyer's estimated valuation, a high list price
    for buyers it cannot read, and an adaptive price multiplier tuned to this step's profit.
    """

    name = "short_term"
    classifier = {**Personalised.classifier, "archetype": "short_term"}

    def __init__(
        self,
        markup: float = 0.5,
        capture: float = 0.92,
        noise: float = 0.1,
        privacy_share: float = 0.2,
        negotiable: bool = False,
        adaptive: bool = True,
    ) -> None:
        super().__init__(
            markup=markup,
            capture=capture,
            noise=noise,
            privacy_share=privacy_share,
            negotiable=negotiable,
            adaptive=adaptive,
        )
