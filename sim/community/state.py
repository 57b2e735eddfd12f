"""The community's state and what other phases may ask of it.

Per customer and seller beliefs (:class:`agents.reputation.Reputation`), the review site's
tallies, the outrage cascade log, what each customer last paid, and the step's tallies. The
questions other phases ask — who refuses which seller, how opinions weigh on choosing a
seller and on the opening offer, where to record a let-down customer — are answered here;
the rules that change the state are in :mod:`sim.community.dynamics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.reputation import Reputation
from mechanisms.community import public_rating
from mechanisms.contagion import CascadeLog


class CommunityState:
    """Community state of one run and the answers other phases get from it.

    Args:
        cfg: The ``community`` config node.
        n_customers: Number of customers.
        n_sellers: Number of sellers.
    """

    def __init__(self, cfg: Any, n_customers: int, n_sellers: int) -> None:
        self.cfg = cfg
        self.hosting = tuple(cfg.hosting)
        # Listening sellers move their prices with complaints: the price lists must follow.
        self.moves_prices = cfg.seller_response == "listen"
        n, s = n_customers, n_sellers
        self.n_sellers = s
        self.rep = Reputation.neutral(n, s)
        self.rating_sum = np.zeros(s)
        self.rating_n = np.zeros(s)
        self.cascades = CascadeLog(s)
        self.last_price = np.full(n, np.nan)
        self.last_seller = np.full(n, -1, dtype=np.int32)
        self.last_alone = np.zeros(n, dtype=bool)
        self.response = np.ones(s)
        self._apologised = np.full(s, -(10**9), dtype=np.int64)
        self._failed: list[tuple[np.ndarray, np.ndarray, float]] = []
        self.stats: dict[str, Any] = self._empty_stats()

    def _empty_stats(self) -> dict[str, Any]:
        s = self.n_sellers
        return {
            "reviews": 0,
            "negative_reviews": np.zeros(s),
            "reviews_by_seller": np.zeros(s),
            "outrage_seeds": np.zeros(s, dtype=np.int64),
            "outrage_contagion": np.zeros(s, dtype=np.int64),
        }

    def refusals(self, buyers: np.ndarray, t: int) -> np.ndarray:
        """``[len(buyers), S]``: which sellers each buyer refuses (boycotts) at step ``t``."""
        return self.rep.boycott_until[buyers] > t

    def refuses(self, buyers: np.ndarray, sellers: np.ndarray, t: int) -> np.ndarray:
        """Whether each buyer refuses the seller beside it at step ``t``."""
        return self.rep.boycott_until[buyers, sellers] > t

    def choice_factor(self, buyers: np.ndarray) -> np.ndarray:
        """``[len(buyers), S]`` multiplier on quotes when choosing a seller.

        A buyer weighs a seller's price by its opinion of the seller:
        ``1 − reputation_weight·(standing − 0.5)``, so a well-regarded seller may charge a
        little more and keep the buyer (loyalty), a distrusted one must be cheaper.
        """
        rep = self.rep
        standing = (rep.warmth[buyers] + rep.competence[buyers]) / 2.0
        return 1.0 - self.cfg.reputation_weight * (standing - 0.5)

    def opening_factor(self, buyers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
        """Buyers bargain harder with sellers they find cold: opening × (0.8 + 0.4·warmth)."""
        return 0.8 + 0.4 * self.rep.warmth[buyers, sellers]

    def record_failure(self, customers: np.ndarray, sellers: np.ndarray, evidence: float) -> None:
        """Remember customers let down by a seller this step (undelivered or cancelled)."""
        if len(customers):
            self._failed.append((np.asarray(customers), np.asarray(sellers), float(evidence)))

    # ------------------------------------------------------------------ observation

    def step_figures(self, t: int) -> dict[str, int]:
        """The step's community figures for the time series."""
        st = self.stats
        return {
            "reviews": int(st["reviews"]),
            "outrage_new": int(st["outrage_seeds"].sum() + st["outrage_contagion"].sum()),
            "boycotting_customers": self.rep.boycotters(t),
        }

    def cascade_rows(self) -> list[tuple[int, int, int, int]]:
        """Outrage cascades as ``(seller, start, end, size)``; ongoing ones end at -1."""
        log = self.cascades
        rows = [(s, a, b, n) for s, a, b, n in log.finished()]
        return rows + [(s, a, -1, n) for s, a, n in log.ongoing()]

    def seller_rows(self, t: int) -> dict[str, np.ndarray]:
        """Per-seller figures of this step (for the sellers' time series)."""
        rep = self.rep
        n_rev = self.rating_n
        # The review site shows a Bayesian average (prior: 5 neutral reviews).
        return {
            "warmth": rep.warmth.mean(axis=0).astype(np.float64),
            "competence": rep.competence.mean(axis=0).astype(np.float64),
            "public_rating": public_rating(self.rating_sum, n_rev),
            "boycott_share": rep.boycott_share(t),
            "reviews": self.stats["reviews_by_seller"].copy(),
            "outrage_seeds": self.stats["outrage_seeds"].astype(np.float64),
            "outrage_contagion": self.stats["outrage_contagion"].astype(np.float64),
        }
