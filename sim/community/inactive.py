"""The community when it is off: every question other phases ask has the neutral answer."""

from __future__ import annotations

import numpy as np


class NoCommunity:
    """Stands in for :class:`~sim.community.dynamics.ActiveCommunity` when it is off.

    Nobody refuses a seller, opinions do not weigh on choices or openings, failures go
    unremembered, no seller hosts groups and the community's figures are zero.

    Args:
        n_sellers: Number of sellers.
    """

    hosting: tuple[str, ...] = ()
    moves_prices = False

    def __init__(self, n_sellers: int) -> None:
        self.n_sellers = n_sellers

    def refusals(self, buyers: np.ndarray, t: int) -> np.ndarray:
        """``[len(buyers), S]`` all False."""
        return np.zeros((len(buyers), self.n_sellers), dtype=bool)

    def refuses(self, buyers: np.ndarray, sellers: np.ndarray, t: int) -> np.ndarray:
        """All False."""
        return np.zeros(len(buyers), dtype=bool)

    def choice_factor(self, buyers: np.ndarray) -> np.ndarray:
        """``[len(buyers), S]`` ones: sellers are chosen by price alone."""
        return np.ones((len(buyers), self.n_sellers))

    def opening_factor(self, buyers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
        """Ones: buyers open at ``buyer_opening`` of their valuation."""
        return np.ones(len(buyers))

    def record_failure(self, customers: np.ndarray, sellers: np.ndarray, evidence: float) -> None:
        """Nothing to remember."""

    def step_figures(self, t: int) -> dict[str, int]:
        """Zero reviews, outrage and boycotts."""
        return {"reviews": 0, "outrage_new": 0, "boycotting_customers": 0}

    def seller_rows(self, t: int) -> dict[str, np.ndarray]:
        """No per-seller community figures (the sellers' table gets NaN)."""
        return {}

    def cascade_rows(self) -> list[tuple[int, int, int, int]]:
        """No outrage cascades."""
        return []
