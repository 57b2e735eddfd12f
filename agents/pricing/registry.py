"""Registry of pricing policies, keyed by the names the ``pricing`` config uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.pricing.base import PricingPolicy
from agents.pricing.posted import PostedPrice
from agents.pricing.volume_discount import VolumeDiscount

_CLASSES: tuple[type[PricingPolicy], ...] = (PostedPrice, VolumeDiscount)
POLICIES: dict[str, type[PricingPolicy]] = {cls.name: cls for cls in _CLASSES}
assert len(POLICIES) == len(_CLASSES), "pricing policy names must be unique"


def make_policy(name: str, params: Mapping[str, Any] | None = None) -> PricingPolicy:
    """Instantiate the policy registered as ``name`` with ``params``.

    Raises:
        ValueError: if ``name`` is not registered.
    """
    if name not in POLICIES:
        raise ValueError(
            f"unknown pricing policy {name!r}; allowed: {' | '.join(sorted(POLICIES))}"
        )
    return POLICIES[name](**dict(params or {}))
