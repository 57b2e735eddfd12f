"""What sellers learn during a run: adaptive price multipliers and demand-based prices.

The phases call :meth:`SellerLearning.set_prices` at the start of a step (phase ``price``),
:meth:`observe` while buyers ask for quotes (phase ``trade``) and :meth:`learn` after trading
(phase ``learn``). All randomness comes from the generator passed in, so runs stay
reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.params import MAX_FACTOR, choice, fail, is_real, number, probability
from agents.seller import SellerBook
from mechanisms.bandits import BANDIT_RULES, BanditLearner
from mechanisms.demand import monopoly_price


@dataclass
class AdaptiveParams:
    """Price learning (schema of ``pricing.adaptive``).

    Each adaptive seller picks a price multiplier (an arm) every step.

    Attributes:
        enabled: Make every seller adaptive (a policy's own ``adaptive`` does it for one).
        rule: Bandit rule (:data:`mechanisms.bandits.BANDIT_RULES`).
        arms: Price multipliers to choose from (finite, positive, at most
            :data:`~agents.params.MAX_FACTOR`).
        epsilon: Exploration probability of ``epsilon_greedy``.
        c: Exploration weight of ``ucb1``.
    """

    enabled: bool = False
    rule: str = choice("ucb1", BANDIT_RULES)
    arms: list[float] = field(default_factory=lambda: [0.85, 0.925, 1.0, 1.075, 1.15])
    epsilon: float = probability(0.1)
    c: float = number(2.0, ge=0.0, le=MAX_FACTOR)

    @staticmethod
    def checks(node: Any, key: str) -> None:
        """Arms are a non-empty list of finite positive multipliers."""
        arms = list(node.arms)
        if not arms or any(not (is_real(a) and 0 < a <= MAX_FACTOR) for a in arms):
            fail(f"{key}.arms", arms, f"a non-empty list of finite numbers in (0, {MAX_FACTOR:g}]")


class SellerLearning:
    """Per-seller learning state.

    Args:
        book: The sellers.
        adaptive: The ``pricing.adaptive`` config node (:class:`AdaptiveParams`).
    """

    def __init__(self, book: SellerBook, adaptive: Any) -> None:
        self.book = book
        self.adaptive = np.array(
            [bool(p.adaptive) or bool(adaptive.enabled) for p in book.policies], dtype=bool
        )
        self.learner = (
            BanditLearner(book.n, list(adaptive.arms), adaptive.rule, adaptive.epsilon, adaptive.c)
            if self.adaptive.any()
            else None
        )
        self.arm = np.zeros(book.n, dtype=np.int64)
        self.demand = np.array(
            [bool(getattr(p.params, "demand_based", False)) for p in book.policies]
        )
        self._obs: dict[tuple[int, int], list[np.ndarray]] = {}
        # A seller's reward is its step profit over the largest step profit it has seen, so
        # rewards lie in [-1, 1] as the bandit rules' exploration terms assume.
        self._scale = np.zeros(book.n)
        self._revenue0 = book.revenue.copy()
        self._cost0 = book.cost.copy()

    @property
    def dynamic(self) -> bool:
        """Whether any seller's quotes change during the run."""
        return bool(self.adaptive.any() or self.demand.any())

    def set_prices(self, t: int, rng: np.random.Generator) -> None:
        """Choose today's multipliers and refresh demand-based prices (phase ``price``)."""
        b = self.book
        self._revenue0 = b.revenue.copy()
        self._cost0 = b.cost.copy()
        if self.learner is not None:
            self.arm = self.learner.choose(rng)
            b.scale[:] = np.where(self.adaptive, self.learner.multiplier(self.arm), 1.0)
        for s in np.flatnonzero(self.demand):
            policy = b.policies[s].params
            if t % policy.update_every:
                continue
            for g in np.flatnonzero(b.offered[s]):
                obs = self._obs.get((int(s), int(g)))
                if not obs:
                    continue
                values = np.concatenate(obs)[-5000:]
                self._obs[(int(s), int(g))] = [values]
                if len(values) >= policy.min_observations:
                    b.learned[s, g] = monopoly_price(
                        values, float(b.unit_cost[s, g]), float(b.reservation[s, g])
                    )

    def stop_adapting(self, seller: int) -> None:
        """``seller`` no longer learns a price multiplier (it prices at its list price)."""
        self.adaptive[seller] = False
        self.book.scale[seller] = 1.0

    def wants_observations(self) -> bool:
        """Whether any seller collects demand observations."""
        return bool(self.demand.any())

    def observe(self, seller: np.ndarray, product: np.ndarray, signals: np.ndarray) -> None:
        """Record valuation signals of buyers who asked demand-based sellers for a quote."""
        keep = self.demand[seller] & ~np.isnan(signals)
        if not keep.any():
            return
        s, g, v = seller[keep], product[keep], signals[keep]
        order = np.lexsort((g, s))
        s, g, v = s[order], g[order], v[order]
        cut = np.flatnonzero((np.diff(s) != 0) | (np.diff(g) != 0)) + 1
        for ss, gg, vv in zip(np.split(s, cut), np.split(g, cut), np.split(v, cut), strict=True):
            self._obs.setdefault((int(ss[0]), int(gg[0])), []).append(vv)

    def learn(self) -> None:
        """Score today's multiplier of every adaptive seller by its profit (phase ``learn``)."""
        if self.learner is None:
            return
        b = self.book
        profit = (b.revenue - self._revenue0) - (b.cost - self._cost0)
        self._scale = np.maximum(self._scale, np.abs(profit))
        reward = np.divide(profit, self._scale, out=np.zeros(b.n), where=self._scale > 0)
        self.learner.update(self.arm, reward)
