"""The pricing-policy contract every seller policy follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np


class PricingPolicy(ABC):
    """A seller's rule for quoting a unit price for an order.

    Subclasses set ``name`` (the key the ``pricing`` config selects them by) and a
    ``classifier`` of traits: ``family`` (one_to_many | one_to_one | one_to_crowd),
    ``quantity_dependent`` and ``uses_customer_data``. A policy holds parameters only:
    quotes are pure functions of costs and quantities, so a policy is deterministic and
    picklable.
    """

    name: ClassVar[str]
    classifier: ClassVar[dict[str, Any]]

    def __init__(self, negotiable: bool = False, **params: Any) -> None:
        self.negotiable = bool(negotiable)
        self.params = {"negotiable": self.negotiable, **params}

    @abstractmethod
    def quote(
        self, unit_cost: np.ndarray, reservation: np.ndarray, quantity: np.ndarray
    ) -> np.ndarray:
        """Unit price asked for orders of ``quantity`` units; never below ``reservation``."""

    def min_group_quantity(self) -> int:
        """Smallest pledged quantity at which this seller runs a group (threshold) deal."""
        return 1

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.name, repr(self)))
