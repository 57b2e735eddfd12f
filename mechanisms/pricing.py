"""Pure price maths of the seller policies: the volume-discount tier schedule."""

from __future__ import annotations

import numpy as np


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
