"""Registry of negotiation tactics, keyed by name (Axelrod-style strategy list)."""

from __future__ import annotations

from typing import Any

from agents.negotiators.base import REQUIRED_TRAITS, Negotiator
from agents.negotiators.rubinstein import Rubinstein
from agents.negotiators.time_dependent import (
    Boulware,
    Conceder,
    ExpBoulware,
    ExpConceder,
    ExpLinear,
    Linear,
)
from agents.negotiators.tit_for_tat import TitForTat

_CLASSES: tuple[type[Negotiator], ...] = (
    Boulware,
    Linear,
    Conceder,
    ExpBoulware,
    ExpLinear,
    ExpConceder,
    TitForTat,
    Rubinstein,
)


def _build(classes: tuple[type[Negotiator], ...]) -> dict[str, type[Negotiator]]:
    registry: dict[str, type[Negotiator]] = {}
    for cls in classes:
        if not cls.name or cls.name in registry:
            raise RuntimeError(f"negotiation tactic {cls.__name__} has an empty or duplicate name")
        missing = [k for k in REQUIRED_TRAITS if k not in cls.classifier]
        if missing:
            raise RuntimeError(f"negotiation tactic {cls.name!r} lacks classifier keys {missing}")
        registry[cls.name] = cls
    return registry


#: Every available tactic, by name.
NEGOTIATORS: dict[str, type[Negotiator]] = _build(_CLASSES)


def make_negotiator(name: str, **params: Any) -> Negotiator:
    """Instantiate the tactic registered under ``name``.

    Args:
        name: A key of :data:`NEGOTIATORS`.
        **params: Parameters overriding the tactic's defaults (e.g. ``beta``).

    Returns:
        The tactic instance.

    Raises:
        ValueError: if ``name`` is unknown or a parameter is unknown or invalid.
    """
    try:
        cls = NEGOTIATORS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown negotiation tactic {name!r}; allowed: {', '.join(sorted(NEGOTIATORS))}"
        ) from None
    return cls(**params)


def filter_negotiators(**traits: Any) -> list[str]:
    """Names (registry order) of the tactics whose classifier has all the given traits.

    Example: ``filter_negotiators(family="time_dependent", attitude="boulware")``.
    A trait missing from a classifier does not match.
    """
    missing = object()
    return [
        name
        for name, cls in NEGOTIATORS.items()
        if all(cls.classifier.get(k, missing) == v for k, v in traits.items())
    ]
