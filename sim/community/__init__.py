"""Communities that push back: reviews, fairness, reputation, outrage and boycotts.

The feature is the ``community`` phase (``sim.phases.community``) plus a narrow interface
that other phases ask — :class:`Community`: which sellers a customer refuses, how opinions
weigh on choosing a seller and on the opening offer, and where to record a let-down
customer. :func:`make_community` gives the live :class:`ActiveCommunity` when
``community.enabled`` is set, else a :class:`NoCommunity` whose answers are neutral.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from sim.community.dynamics import (
    CANCELLED_CAMPAIGN,
    FAILED_DELIVERY,
    SELLER_RESPONSES,
    ActiveCommunity,
    SellerResponses,
)
from sim.community.inactive import NoCommunity


class Community(Protocol):
    """What phases other than ``community`` may ask of the community."""

    hosting: tuple[str, ...]
    #: Whether sellers' response multipliers change with the community (price lists follow).
    moves_prices: bool

    def refusals(self, buyers: np.ndarray, t: int) -> np.ndarray:
        """``[len(buyers), S]``: which sellers each buyer refuses at step ``t``."""
        ...

    def refuses(self, buyers: np.ndarray, sellers: np.ndarray, t: int) -> np.ndarray:
        """Whether each buyer refuses the seller beside it at step ``t``."""
        ...

    def choice_factor(self, buyers: np.ndarray) -> np.ndarray:
        """``[len(buyers), S]`` multiplier on quotes when choosing a seller."""
        ...

    def opening_factor(self, buyers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
        """Multiplier on each buyer's opening offer to the seller beside it."""
        ...

    def record_failure(self, customers: np.ndarray, sellers: np.ndarray, evidence: float) -> None:
        """Remember customers let down by a seller this step."""
        ...

    def step_figures(self, t: int) -> dict[str, int]:
        """The step's community figures for the time series."""
        ...

    def seller_rows(self, t: int) -> dict[str, np.ndarray]:
        """Per-seller community figures of the step."""
        ...

    def cascade_rows(self) -> list[tuple[int, int, int, int]]:
        """Outrage cascades ``(seller, start, end, size)``."""
        ...


def make_community(cfg: Any, n_customers: int, n_sellers: int) -> ActiveCommunity | NoCommunity:
    """The community of a run, per the ``community`` config node."""
    if cfg.enabled:
        return ActiveCommunity(cfg, n_customers, n_sellers)
    return NoCommunity(n_sellers)


__all__ = [
    "CANCELLED_CAMPAIGN",
    "FAILED_DELIVERY",
    "SELLER_RESPONSES",
    "ActiveCommunity",
    "Community",
    "NoCommunity",
    "SellerResponses",
    "make_community",
]
