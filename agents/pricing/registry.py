"""Registry of pricing policies, keyed by the names the ``pricing`` config uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.pricing.archetypes import CustomerFirst, ShortTerm
from agents.pricing.base import PricingPolicy
from agents.pricing.crowd import Crowdfunding, Negotiated, ReverseAuction, ThresholdDeal
from agents.pricing.offer import Offer
from agents.pricing.personalised import Personalised
from agents.pricing.posted import PostedPrice
from agents.pricing.volume_discount import VolumeDiscount

_CLASSES: tuple[type[PricingPolicy], ...] = (
    PostedPrice,
    Personalised,
    VolumeDiscount,
    ThresholdDeal,
    Crowdfunding,
    Negotiated,
    ReverseAuction,
    CustomerFirst,
    ShortTerm,
    Offer,
)
POLICIES: dict[str, type[PricingPolicy]] = {cls.name: cls for cls in _CLASSES}
if len(POLICIES) != len(_CLASSES):
    raise RuntimeError("pricing policy names must be unique")


def make_policy(name: str, params: Mapping[str, Any] | None = None) -> PricingPolicy:
    """Instantiate the policy registered as ``name`` with parameter values ``params``.

    Raises:
        ValueError: if ``name`` is not registered (``ConfigError``, a ``ValueError``, if a
            parameter is out of bounds).
    """
    if name not in POLICIES:
        allowed = " | ".join(sorted(POLICIES))
        raise ValueError(f"unknown pricing policy {name!r}; allowed: {allowed}")
    return POLICIES[name](**dict(params or {}))


def filter_policies(**traits: Any) -> list[str]:
    """Names of the policies whose classifier has all the given trait values."""
    return [
        name
        for name, cls in POLICIES.items()
        if all(cls.classifier.get(k) == v for k, v in traits.items())
    ]
