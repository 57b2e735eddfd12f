"""Word-of-mouth discovery over the social graph (pure functions on CSR arrays).

:func:`forward` is one round of gossip: every informed bot tells each neighbour
independently with probability ``p``. The model calls it every step for every informed bot,
so an edge that did not fire gets a fresh chance next step (word of mouth that keeps going,
bounded by the invitation's hop limit). :func:`cascade_reach` is the one-shot independent
cascade (Kempe, Kleinberg & Tardos 2003), where each newly informed node tries each edge
once; its final reach is a cluster of bond percolation (Newman 2002).
"""

from __future__ import annotations

import numpy as np

from mechanisms.arrays import sorted_unique


def incident_edges(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All CSR entries of ``nodes``: (positions into ``indices``, their source node)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    start = indptr[nodes]
    deg = indptr[nodes + 1] - start
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    src = np.repeat(nodes, deg)
    first = np.repeat(np.cumsum(deg) - deg, deg)
    pos = np.repeat(start, deg) + (np.arange(total, dtype=np.int64) - first)
    return pos, src


def forward(
    indptr: np.ndarray,
    indices: np.ndarray,
    senders: np.ndarray,
    p: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One word-of-mouth round: each sender tells each neighbour with probability ``p``.

    Args:
        indptr: CSR row pointers.
        indices: CSR column indices (neighbours).
        senders: Sorted node ids that forward this round.
        p: Per-edge forwarding probability.
        rng: Random generator (one uniform draw per incident edge, in CSR order).

    Returns:
        ``(src, dst)`` arrays of the edges along which a message travelled.
    """
    pos, src = incident_edges(indptr, senders)
    fired = np.ones(len(pos), dtype=bool) if p >= 1.0 else rng.random(len(pos)) < p
    return src[fired], indices[pos[fired]].astype(np.int64)


def best_per_target(target: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index of the best candidate for each distinct target.

    Candidates are ranked by ``keys`` in order, smallest first (negate a key to prefer
    large values), so ties are broken deterministically by the later keys; exact ties on
    every key go to the earliest candidate.

    Integer keys are packed into one int64 score and reduced with ``np.minimum.at`` (linear
    time); when they do not fit in 63 bits a lexicographic sort is used instead.

    Returns:
        Positions (into the candidate arrays) of one winner per distinct target.
    """
    n = len(target)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    packed = _pack(keys)
    if packed is None:
        order = np.lexsort(tuple(reversed((target, *keys))))
        t_sorted = target[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = t_sorted[1:] != t_sorted[:-1]
        return order[first]
    n_targets = int(target.max()) + 1
    best = np.full(n_targets, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, target, packed)
    pos = np.flatnonzero(packed == best[target])
    first = np.full(n_targets, n, dtype=np.int64)
    np.minimum.at(first, target[pos], pos)
    return first[first < n]


def _pack(keys: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """Pack integer keys (most significant first) into one non-negative int64, if they fit."""
    shifted, widths = [], []
    for k in keys:
        k = np.asarray(k)
        if not np.issubdtype(k.dtype, np.integer):
            return None
        k = k.astype(np.int64) - int(k.min())
        widths.append(max(int(k.max()).bit_length(), 1))
        shifted.append(k)
    if sum(widths) > 63:
        return None
    packed = np.zeros(len(shifted[0]), dtype=np.int64)
    for k, w in zip(shifted, widths, strict=True):
        packed = (packed << w) | k
    return packed


def cascade_reach(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: np.ndarray,
    p: float,
    rng: np.random.Generator,
    max_rounds: int | None = None,
) -> np.ndarray:
    """Run a one-shot independent cascade to the end; returns the mask of reached nodes.

    Each newly informed node gets exactly one chance to inform each neighbour (probability
    ``p``), so the final reach is the seeds' cluster in bond percolation with occupation
    probability ``p``.
    """
    n = len(indptr) - 1
    reached = np.zeros(n, dtype=bool)
    frontier = sorted_unique(np.asarray(seeds, dtype=np.int64))
    reached[frontier] = True
    rounds = 0
    while len(frontier) and (max_rounds is None or rounds < max_rounds):
        _, dst = forward(indptr, indices, frontier, p, rng)
        new = sorted_unique(dst[~reached[dst]])
        reached[new] = True
        frontier = new
        rounds += 1
    return reached
