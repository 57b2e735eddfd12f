"""Seeded multi-armed bandit learners for adaptive pricing.

Each seller picks a price multiplier from ``K`` arms and learns from the realised profit.
The choice rules are pure functions vectorised over ``S`` sellers; :class:`BanditLearner`
holds the state (per-arm means and counts) and draws every random number it needs from a
caller-supplied :class:`numpy.random.Generator`, so a run is reproducible under a seed.

References:
    P. Auer, N. Cesa-Bianchi & P. Fischer (2002). "Finite-time analysis of the multiarmed
    bandit problem". Machine Learning 47(2-3):235-256 (UCB1 and epsilon-greedy).

    R. S. Sutton & A. G. Barto (2018). *Reinforcement Learning: An Introduction*, 2nd ed.,
    MIT Press, section 2.4 (incremental sample mean).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Choice rules accepted by :class:`BanditLearner`.
BANDIT_RULES = ("ucb1", "epsilon_greedy")


def _first_untried(counts: np.ndarray) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Per seller: whether some arm is untried, and the lowest-index untried arm."""
    untried = counts == 0
    return untried.any(axis=1), np.argmax(untried, axis=1)


def _check_2d(means: np.ndarray, counts: np.ndarray) -> None:
    if means.ndim != 2 or means.shape != counts.shape or means.shape[1] == 0:
        shapes = f"{means.shape}, {counts.shape}"
        raise ValueError(f"means and counts must share a shape [S, K] with K >= 1: {shapes}")


def epsilon_greedy(
    means: npt.ArrayLike,
    counts: npt.ArrayLike,
    epsilon: float,
    u_explore: npt.ArrayLike,
    u_arm: npt.ArrayLike,
) -> IntArray:
    """Epsilon-greedy arm choice for ``S`` sellers at once.

    Seller ``s`` explores iff ``u_explore[s] < epsilon``, then playing arm
    ``min(floor(u_arm[s] * K), K - 1)`` (uniform on the ``K`` arms for ``u_arm ~ U[0, 1)``).
    Otherwise it exploits: the lowest-index untried arm (``counts == 0``) if any, else
    ``argmax_k means[s, k]`` (ties to the lowest index). (Auer et al. 2002, section 3;
    Sutton & Barto 2018, section 2.2.)

    Args:
        means: Sample mean reward per seller and arm, shape ``[S, K]``.
        counts: Plays per seller and arm, shape ``[S, K]``.
        epsilon: Exploration probability in ``[0, 1]``.
        u_explore: Uniform draws in ``[0, 1)`` deciding exploration, shape ``[S]``.
        u_arm: Uniform draws in ``[0, 1)`` choosing the exploration arm, shape ``[S]``.

    Returns:
        Arm index per seller, shape ``[S]``.

    Raises:
        ValueError: On mismatched shapes or ``epsilon`` outside ``[0, 1]``.
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    m = np.asarray(means, dtype=np.float64)
    n = np.asarray(counts)
    _check_2d(m, n)
    n_arms = m.shape[1]
    any_untried, first_untried = _first_untried(n)
    greedy = np.where(any_untried, first_untried, np.argmax(m, axis=1))
    random_arm = np.minimum(
        np.floor(np.asarray(u_arm, dtype=np.float64) * n_arms).astype(np.intp), n_arms - 1
    )
    explore = np.asarray(u_explore, dtype=np.float64) < epsilon
    return np.where(explore, random_arm, greedy).astype(np.intp)


def ucb1(
    means: npt.ArrayLike, counts: npt.ArrayLike, t: int | npt.ArrayLike, c: float = 2.0
) -> IntArray:
    """UCB1 arm choice (Auer, Cesa-Bianchi & Fischer 2002) for ``S`` sellers at once.

    Each seller first plays its untried arms (lowest index first); once every arm has been
    played it picks ``argmax_k means[s, k] + sqrt(c * ln t / counts[s, k])`` (ties to the
    lowest index). ``c = 2`` is the original UCB1 index, which assumes rewards in
    ``[0, 1]``; scale the rewards (or ``c``) accordingly.

    Args:
        means: Sample mean reward per seller and arm, shape ``[S, K]``.
        counts: Plays per seller and arm, shape ``[S, K]``.
        t: Total plays so far (scalar or per seller ``[S]``), ``>= 1`` once all arms are tried.
        c: Exploration constant ``>= 0``.

    Returns:
        Arm index per seller, shape ``[S]``.

    Raises:
        ValueError: On mismatched shapes or negative ``c``.
    """
    if not c >= 0:
        raise ValueError(f"c must be >= 0, got {c}")
    m = np.asarray(means, dtype=np.float64)
    n = np.asarray(counts)
    _check_2d(m, n)
    any_untried, first_untried = _first_untried(n)
    log_t = np.log(np.maximum(np.asarray(t, dtype=np.float64), 1.0))
    log_t = np.broadcast_to(log_t, (m.shape[0],))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        index = m + np.sqrt(c * log_t / n)
    return np.where(any_untried, first_untried, np.argmax(index, axis=1)).astype(np.intp)


def update_means(
    means: npt.ArrayLike, counts: npt.ArrayLike, arms: npt.ArrayLike, rewards: npt.ArrayLike
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Incremental sample-mean update after each seller played one arm.

    For seller ``s`` and ``k = arms[s]``: ``n' = counts[s, k] + 1`` and
    ``mean' = means[s, k] + (rewards[s] - means[s, k]) / n'`` (Sutton & Barto 2018, eq. 2.3);
    other arms are unchanged. Pure: the inputs are not modified.

    Args:
        means: Sample mean reward per seller and arm, shape ``[S, K]``.
        counts: Plays per seller and arm, shape ``[S, K]``.
        arms: Arm played by each seller, shape ``[S]``.
        rewards: Reward each seller received, shape ``[S]``.

    Returns:
        ``(means, counts)``: new arrays.
    """
    m = np.array(means, dtype=np.float64)
    n = np.array(counts, dtype=np.int64)
    _check_2d(m, n)
    a = np.asarray(arms, dtype=np.intp)
    if a.shape != (m.shape[0],):
        raise ValueError(f"arms must have shape [S] = ({m.shape[0]},), got {a.shape}")
    r = np.broadcast_to(np.asarray(rewards, dtype=np.float64), a.shape)
    rows = np.arange(m.shape[0])
    n[rows, a] += 1
    m[rows, a] += (r - m[rows, a]) / n[rows, a]
    return m, n


class BanditLearner:
    """Per-seller bandit over price multipliers, reproducible under a seeded generator.

    Attributes:
        arms: The ``K`` price multipliers.
        rule: ``"ucb1"`` or ``"epsilon_greedy"``.
        epsilon: Exploration probability of epsilon-greedy.
        c: Exploration constant of UCB1.
        means: Sample mean reward per seller and arm, ``[S, K]``.
        counts: Plays per seller and arm, ``[S, K]``.
        t: Number of updates (rounds) so far.
    """

    def __init__(
        self,
        n_sellers: int,
        arms: Sequence[float],
        rule: str = "ucb1",
        epsilon: float = 0.1,
        c: float = 2.0,
    ) -> None:
        if rule not in BANDIT_RULES:
            raise ValueError(f"unknown bandit rule {rule!r}; allowed rules: {BANDIT_RULES}")
        arm_values = np.asarray(arms, dtype=np.float64)
        if arm_values.ndim != 1 or arm_values.size == 0 or not np.all(np.isfinite(arm_values)):
            raise ValueError("arms must be a non-empty sequence of finite multipliers")
        if n_sellers < 0:
            raise ValueError(f"n_sellers must be >= 0, got {n_sellers}")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
        if not c >= 0:
            raise ValueError(f"c must be >= 0, got {c}")
        self.arms = arm_values
        self.rule = rule
        self.epsilon = float(epsilon)
        self.c = float(c)
        self.means = np.zeros((n_sellers, arm_values.size))
        self.counts = np.zeros((n_sellers, arm_values.size), dtype=np.int64)
        self.t = 0

    @property
    def n_sellers(self) -> int:
        """Number of sellers ``S``."""
        return self.means.shape[0]

    def choose(self, rng: np.random.Generator) -> IntArray:
        """Arm index per seller for this round.

        Epsilon-greedy draws ``rng.random((2, S))`` (exploration and arm uniforms); UCB1 is
        deterministic given the state and draws nothing from ``rng``.

        Args:
            rng: Source of randomness.

        Returns:
            Arm index per seller, shape ``[S]``.
        """
        if self.rule == "epsilon_greedy":
            u = rng.random((2, self.n_sellers))
            return epsilon_greedy(self.means, self.counts, self.epsilon, u[0], u[1])
        return ucb1(self.means, self.counts, self.counts.sum(axis=1), self.c)

    def multiplier(self, arm_idx: npt.ArrayLike) -> FloatArray:
        """Price multiplier of each arm index: ``arms[arm_idx]``."""
        return self.arms[np.asarray(arm_idx, dtype=np.intp)]

    def update(self, arm_idx: npt.ArrayLike, rewards: npt.ArrayLike) -> None:
        """Record that each seller played ``arm_idx[s]`` and earned ``rewards[s]``."""
        self.means, self.counts = update_means(self.means, self.counts, arm_idx, rewards)
        self.t += 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BanditLearner):
            return NotImplemented
        return (
            self.rule == other.rule
            and self.epsilon == other.epsilon
            and self.c == other.c
            and self.t == other.t
            and np.array_equal(self.arms, other.arms)
            and np.array_equal(self.means, other.means)
            and np.array_equal(self.counts, other.counts)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable state
