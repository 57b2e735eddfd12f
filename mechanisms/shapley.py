"""Shapley value of the group-buying game and the Shapley division of a coalition's surplus.

A sub-coalition buys at the seller's schedule price for its own volume
(:func:`group_buying_value`); :func:`shapley_values` is exact for small coalitions
(enumerating all ``2**n`` sub-coalitions at once) and otherwise the permutation-sampling
estimator of Castro, Gomez & Tejada (2009); :func:`shapley_payments` turns the values into
budget-balanced, individually rational payments (the ``"shapley"`` rule of
:func:`mechanisms.division.divide`).

References:
    L. S. Shapley (1953). A value for n-person games. In H. W. Kuhn and A. W. Tucker (eds.),
    *Contributions to the Theory of Games II*, Annals of Mathematics Studies 28, 307-317.

    J. Castro, D. Gomez and J. Tejada (2009). Polynomial calculation of the Shapley value
    based on sampling. *Computers & Operations Research* 36(5), 1726-1730.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

ValueFunction = Callable[[np.ndarray], np.ndarray]
"""Characteristic function: boolean masks ``(k, n)`` -> values ``(k,)``."""

PriceSchedule = Callable[[np.ndarray], np.ndarray]
"""Unit price as a function of quantity: quantities ``(k,)`` -> unit prices ``(k,)``."""

# Upper bound on the number of mask entries evaluated per batch by the sampling estimator.
_BATCH_CELLS = 1 << 21


def group_buying_value(
    wtp: np.ndarray, qty: np.ndarray, price_of_quantity: PriceSchedule
) -> ValueFunction:
    """Characteristic function of the group-buying game.

    A sub-coalition ``T`` buys on its own at the schedule price for its volume, and each
    member of ``T`` buys only if it gains:

        v(T) = sum_{i in T} max(0, w_i - p(Q_T)) * q_i,   Q_T = sum_{i in T} q_i,   v({}) = 0.

    With ``p`` non-increasing the game is monotone (adding a member lowers the unit price for
    everyone and adds a non-negative term), so marginal contributions and hence Shapley
    values are non-negative.

    Args:
        wtp: Per-unit willingness to pay ``w_i`` of the ``n`` players, shape ``(n,)``.
        qty: Quantities ``q_i``, shape ``(n,)``.
        price_of_quantity: Vectorised schedule ``p``: quantities ``(k,)`` -> unit prices
            ``(k,)``; assumed non-increasing. It is never asked for the price of zero units
            (empty rows are evaluated at one unit and contribute nothing).

    Returns:
        A function mapping a boolean matrix ``masks`` of shape ``(k, n)`` (row = one
        sub-coalition) to the values ``v`` of shape ``(k,)``.
    """
    w = np.asarray(wtp, dtype=float)
    q = np.asarray(qty, dtype=float)
    n = w.size

    def value(masks: np.ndarray) -> np.ndarray:
        """Evaluate ``v`` on the rows of a ``(k, n)`` boolean mask matrix."""
        m = np.asarray(masks, dtype=bool).reshape(-1, n)
        volume = m @ q
        unit = np.asarray(price_of_quantity(np.maximum(volume, 1.0)), dtype=float)
        gain = np.maximum(0.0, w[None, :] - unit.reshape(-1, 1)) * q[None, :]
        return np.where(m, gain, 0.0).sum(axis=1)

    return value


def _exact_shapley(value: ValueFunction, n: int) -> np.ndarray:
    """Exact Shapley value by enumerating all ``2**n`` coalitions in one batched call."""
    index = np.arange(1 << n, dtype=np.int64)
    bits = np.int64(1) << np.arange(n, dtype=np.int64)
    masks = (index[:, None] & bits[None, :]) != 0
    v = np.asarray(value(masks), dtype=float).reshape(-1)
    if v.size != index.size:
        raise ValueError(f"value function returned {v.size} values for {index.size} masks")
    size = masks.sum(axis=1)
    # weight of a coalition S (i not in S) in phi_i: |S|! (n - |S| - 1)! / n!
    weight = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)] + [0.0])
    marginal = v[index[:, None] | bits[None, :]] - v[:, None]  # zero where i already in S
    return np.where(masks, 0.0, weight[size][:, None] * marginal).sum(axis=0)


def _sampled_shapley(
    value: ValueFunction, n: int, rng: np.random.Generator, samples: int
) -> np.ndarray:
    """Permutation-sampling estimate of the Shapley value (Castro et al., 2009)."""
    perms = rng.permuted(np.tile(np.arange(n), (samples, 1)), axis=1)
    position = np.argsort(perms, axis=1)  # position[b, j] = place of player j in perm b
    steps = np.arange(n + 1)
    batch = max(1, _BATCH_CELLS // ((n + 1) * n))
    total = np.zeros(n)
    for start in range(0, samples, batch):
        pos = position[start : start + batch]
        b = pos.shape[0]
        # prefix k of permutation b holds the players placed before step k
        masks = pos[:, None, :] < steps[None, :, None]  # (b, n + 1, n)
        v = np.asarray(value(masks.reshape(b * (n + 1), n)), dtype=float).reshape(b, n + 1)
        after = np.take_along_axis(v, pos + 1, axis=1)
        before = np.take_along_axis(v, pos, axis=1)
        total += (after - before).sum(axis=0)
    return total / samples


def shapley_values(
    value: ValueFunction,
    n: int,
    rng: np.random.Generator | None = None,
    exact_max: int = 12,
    samples: int = 256,
) -> np.ndarray:
    """Shapley value of an ``n``-player TU game (Shapley, 1953).

    Exact for ``n <= exact_max``:

        phi_i = sum_{S subset N - {i}} |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)),

    evaluated over the full ``(2**n, n)`` subset matrix with a single call of ``value``.
    For larger ``n`` the permutation-sampling estimator of Castro, Gomez & Tejada (2009):
    draw ``samples`` uniform random orders ``pi`` of the players and average each player's
    marginal contribution ``v(Pre_pi(i) + i) - v(Pre_pi(i))`` to the set of its predecessors.
    The estimator is unbiased, and efficiency holds exactly (up to float rounding) because
    every permutation's marginals telescope to ``v(N) - v({})``. The prefix masks
    ``(samples, n + 1, n)`` are evaluated in batches; the permutations are all drawn up front,
    so the result depends only on ``rng``'s state (not on the batch size).

    Args:
        value: Characteristic function ``v``: boolean masks ``(k, n)`` -> values ``(k,)``.
        n: Number of players.
        rng: Random generator for the sampling estimator (required when ``n > exact_max``).
        exact_max: Largest ``n`` computed exactly (cost ``O(n 2**n)``).
        samples: Number of random permutations of the sampling estimator.

    Returns:
        Shapley values ``phi``, shape ``(n,)``, with ``sum(phi) = v(N) - v({})``.

    Raises:
        ValueError: If ``n < 0``, ``samples < 1``, or ``n > exact_max`` and ``rng`` is None.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if n == 0:
        return np.zeros(0)
    if n <= exact_max:
        return _exact_shapley(value, n)
    if rng is None:
        raise ValueError(f"n = {n} > exact_max = {exact_max}: the sampling estimator needs an rng")
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    return _sampled_shapley(value, n, rng, samples)


def shapley_payments(
    wtp: np.ndarray,
    qty: np.ndarray,
    price: float,
    price_of_quantity: PriceSchedule,
    rng: np.random.Generator | None = None,
    exact_max: int = 12,
    samples: int = 256,
) -> np.ndarray:
    """Shapley division of one coalition's surplus.

    The schedule is rescaled by the negotiated discount ratio so that the grand coalition's
    value equals the actual surplus at the negotiated price ``P``:

        p'(Q') = max(P, p(Q') * P / p(Q)),   Q = sum_i q_i,

    (the ``max`` only removes float rounding, since ``p`` is non-increasing and
    ``Q' <= Q``), hence ``p'(Q) = P`` and ``v(N) = S = sum_i (w_i - P) q_i``. Then
    ``pay_i = w_i q_i - phi_i`` with ``phi`` the Shapley value of
    ``group_buying_value(wtp, qty, p')``. Budget balance follows from efficiency
    (``sum_i phi_i = v(N) = S``), individual rationality from ``phi_i >= 0`` (monotone game;
    this also holds for the sampling estimate, whose marginals are all non-negative).

    Args:
        wtp: Per-unit willingness to pay ``w_i >= P``, shape ``(n,)``.
        qty: Quantities ``q_i >= 1``, shape ``(n,)``.
        price: Negotiated unit price ``P`` of the coalition.
        price_of_quantity: Seller's non-increasing schedule ``p``: quantities ``(k,)`` ->
            unit prices ``(k,)``.
        rng: Random generator, required when ``n > exact_max``.
        exact_max: Largest coalition size solved exactly.
        samples: Permutations of the sampling estimator.

    Returns:
        Payments ``pay_i``, shape ``(n,)``.

    Raises:
        ValueError: If shapes disagree, ``p(Q) <= 0``, or ``n > exact_max`` without ``rng``.
    """
    w = np.asarray(wtp, dtype=float).reshape(-1)
    q = np.asarray(qty, dtype=float).reshape(-1)
    if w.shape != q.shape:
        raise ValueError(f"wtp and qty must have equal length, got {w.size} and {q.size}")
    n = w.size
    if n == 0:
        return np.zeros(0)
    big_p = float(price)
    p_grand = float(np.asarray(price_of_quantity(np.array([q.sum()])), dtype=float).item())
    if not p_grand > 0.0:
        raise ValueError(f"schedule price for the whole coalition must be > 0, got {p_grand}")
    ratio = big_p / p_grand

    def scaled(quantity: np.ndarray) -> np.ndarray:
        """Schedule rescaled to the negotiated price at the coalition's volume."""
        base = np.asarray(price_of_quantity(quantity), dtype=float)
        return np.maximum(base * ratio, big_p)

    phi = shapley_values(
        group_buying_value(w, q, scaled), n, rng=rng, exact_max=exact_max, samples=samples
    )
    return w * q - phi
