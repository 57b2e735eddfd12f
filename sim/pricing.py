"""Pure price maths shared by the seller policies (no state, no model)."""

from __future__ import annotations

import numpy as np


def cost_plus_price(unit_cost: np.ndarray | float, markup: float) -> np.ndarray:
    """Cost-plus list price: ``unit_cost * (1 + markup)``."""
    return np.asarray(unit_cost, dtype=np.float64) * (1.0 + markup)


def tier_discount(
    quantity: np.ndarray | int, tier_quantities: np.ndarray, tier_discounts: np.ndarray
) -> np.ndarray:
    """Discount of the highest tier whose quantity threshold the order reaches.

    Args:
        quantity: Order quantities (>= 1).
        tier_quantities: Strictly increasing tier thresholds, the first being 1.
        tier_discounts: Discount (fraction of list price) of each tier, non-decreasing.

    Returns:
        The discount for each quantity.
    """
    tq = np.asarray(tier_quantities)
    idx = np.searchsorted(tq, np.asarray(quantity), side="right") - 1
    return np.asarray(tier_discounts, dtype=np.float64)[np.clip(idx, 0, len(tq) - 1)]


def volume_discount_price(
    list_price: np.ndarray | float,
    quantity: np.ndarray | int,
    tier_quantities: np.ndarray,
    tier_discounts: np.ndarray,
    floor: np.ndarray | float,
) -> np.ndarray:
    """Unit price of a volume-discount schedule, never below ``floor`` (the reservation price).

    ``price(Q) = max(list_price * (1 - d(Q)), floor)`` where ``d(Q)`` is the discount of the
    highest tier reached by ``Q``.
    """
    d = tier_discount(quantity, tier_quantities, tier_discounts)
    return np.maximum(np.asarray(list_price, dtype=np.float64) * (1.0 - d), floor)
