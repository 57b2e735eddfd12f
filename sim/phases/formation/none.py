"""``coalition.algorithm=none``: no coalitions; every customer buys alone (the baseline)."""

from __future__ import annotations

import numpy as np

from sim.phases.formation.base import DealTerms, FormationStrategy, FoundingTerms
from sim.state import MarketState


class NoCoalitions(FormationStrategy):
    """Nobody forms or joins a group, and nobody waits for one before buying alone."""

    name = "none"
    forms_coalitions = False

    def form(self, state: MarketState) -> None:
        """Nothing forms."""

    def group_price(
        self, state: MarketState, cids: np.ndarray, units: np.ndarray, advertised: bool = True
    ) -> np.ndarray:
        """There are no groups to price."""
        return np.full(len(cids), np.inf)

    def founding_terms(self, state: MarketState, product: np.ndarray) -> FoundingTerms:
        """Nobody founds a group."""
        raise RuntimeError("coalition.algorithm=none founds no groups")

    def ready(self, state: MarketState) -> np.ndarray:
        """No group is ever ready."""
        return np.empty(0, dtype=np.int64)

    def deal_terms(self, state: MarketState, ready: np.ndarray, product: np.ndarray) -> DealTerms:
        """No group buys."""
        raise RuntimeError("coalition.algorithm=none has no group deals")

    def viable(
        self,
        state: MarketState,
        ready: np.ndarray,
        units: np.ndarray,
        terms: DealTerms,
        kept_members: np.ndarray,
    ) -> np.ndarray:
        """No group buys."""
        return np.zeros(len(ready), dtype=bool)

    def solo_wait(self, state: MarketState) -> int:
        """Nobody waits for groups that cannot form."""
        return 0
