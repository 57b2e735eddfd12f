"""Seller archetypes: presets that combine a policy with the parameters of a business stance."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.params import MAX_FACTOR, number
from agents.pricing.personalised import Personalised, PersonalisedParams
from agents.pricing.volume_discount import VolumeDiscount, VolumeDiscountParams


@dataclass
class CustomerFirstParams(VolumeDiscountParams):
    """:class:`VolumeDiscountParams` at a thin margin with shallow tiers."""

    markup: float = number(0.15, ge=0.0, le=MAX_FACTOR)
    tier_discounts: list[float] = field(default_factory=lambda: [0.0, 0.02, 0.04, 0.06, 0.08])


class CustomerFirst(VolumeDiscount):
    """Long-run, fair-margin seller: thin markup, honest volume discounts, bargains openly.

    A volume-discount schedule at a low markup (default 0.15), negotiable, no personalised
    pricing and no short-term price learning.
    """

    name = "customer_first"
    Params = CustomerFirstParams
    classifier = {**VolumeDiscount.classifier, "archetype": "customer_first"}


@dataclass
class ShortTermParams(PersonalisedParams):
    """:class:`PersonalisedParams` at a high margin, capturing more, adaptive."""

    markup: float = number(0.5, ge=0.0, le=MAX_FACTOR)
    capture: float = number(0.92, ge=0.0, le=MAX_FACTOR)
    adaptive: bool = True


class ShortTerm(Personalised):
    """Short-term profit maximiser: high markup, personalised prices, learns to push prices.

    Personalised pricing capturing 92% of each buyer's estimated valuation, a high list price
    for buyers it cannot read, and an adaptive price multiplier tuned to this step's profit.
    """

    name = "short_term"
    Params = ShortTermParams
    classifier = {**Personalised.classifier, "archetype": "short_term"}
