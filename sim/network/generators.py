"""Random social graphs built straight into CSR arrays (no networkx on the way).

Erdős–Rényi, Watts–Strogatz small world, Barabási–Albert scale free (rustworkx's graph;
large ones rebuilt straight into CSR by :mod:`sim.network.barabasi_albert`) and a stochastic
block model with communities. All randomness comes from the generator (or seed) passed in,
so the same seed gives identical arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import rustworkx as rx

from mechanisms.arrays import sorted_unique
from sim.network.barabasi_albert import barabasi_albert_csr
from sim.network.graph import Graph, check_n, from_edges

#: From this many nodes on, scale-free graphs come from the compiled replica of rustworkx's
#: generator (identical arrays); below it rustworkx is faster than loading the kernels.
BA_KERNEL_MIN_NODES = 200_000


def _check_avg_degree(avg_degree: float) -> float:
    avg_degree = float(avg_degree)
    if not math.isfinite(avg_degree) or avg_degree < 0:
        raise ValueError(f"avg_degree must be a finite number >= 0, got {avg_degree}")
    return avg_degree


def _check_prob(name: str, p: float) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {p}")
    return p


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Encode unordered pairs as ``min * n + max`` (``int64``)."""
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    return np.minimum(a, b) * n + np.maximum(a, b)


def _sample_distinct_keys(
    target: np.ndarray,
    capacity: np.ndarray,
    draw: Callable[[np.ndarray], np.ndarray],
    group_of: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Sample ``target[g]`` distinct pairs uniformly from each group ``g`` of pairs.

    ``draw(k)`` must return pair keys (see :func:`_pair_keys`) of ``k[g]`` independent
    uniform pairs from each group ``g``; ``group_of(keys)`` maps keys back to groups.
    Rounds of draws are deduplicated against what was already accepted until every
    group holds exactly its target; a group that would overshoot keeps a uniformly
    random subset of its new pairs. Every step is invariant under permutations of the
    pairs within a group, so each group's final set is a uniform ``target[g]``-subset.
    In the sparse regime the first round already yields all but a handful of pairs.

    Args:
        target: Number of distinct pairs wanted per group (``<= capacity``).
        capacity: Number of admissible pairs per group.
        draw: Sampler of iid uniform pairs per group.
        group_of: Group index of each key.
        rng: Random generator (used only for trimming overshoots).

    Returns:
        The accepted keys, sorted ascending.
    """
    target = np.asarray(target, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.float64)
    have = np.zeros_like(target)
    keys = np.empty(0, dtype=np.int64)
    while True:
        deficit = target - have
        if not deficit.any():
            return keys
        free = np.maximum(capacity - have, 1.0)
        # Draw extra to offset collisions with pairs already held (matters only when dense).
        k = np.where(deficit > 0, np.maximum(deficit, np.rint(deficit * (capacity / free))), 0)
        new = sorted_unique(draw(k.astype(np.int64)))
        if keys.size and new.size:
            pos = np.minimum(np.searchsorted(keys, new), keys.size - 1)
            new = new[keys[pos] != new]
        groups = group_of(new)
        got = np.bincount(groups, minlength=target.size)
        over = got > deficit
        if over.any():
            sub = np.flatnonzero(over[groups])
            order = np.lexsort((rng.random(sub.size), groups[sub]))
            sub = sub[order]
            g_sorted = groups[sub]
            rank = np.arange(sub.size) - np.searchsorted(g_sorted, g_sorted, side="left")
            new = np.delete(new, sub[rank >= deficit[g_sorted]])
            got = np.minimum(got, deficit)
        have += got
        keys = np.sort(np.concatenate([keys, new]), kind="stable")  # merge of two sorted runs


def _within_block_draw(
    n: int, starts: np.ndarray, sizes: np.ndarray, rng: np.random.Generator
) -> Callable[[np.ndarray], np.ndarray]:
    """Return a sampler of uniform node pairs inside contiguous blocks of nodes."""

    def draw(k: np.ndarray) -> np.ndarray:
        if sizes.size == 1:  # scalar bounds are faster
            total = int(k[0])
            s = int(sizes[0])
            a = rng.integers(0, s, total)
            b = (a + rng.integers(1, s, total)) % s if total else a
            return _pair_keys(a + starts[0], b + starts[0], n)
        g = np.repeat(np.arange(sizes.size), k)
        s = sizes[g]
        a = rng.integers(0, s)
        b = (a + rng.integers(1, np.maximum(s, 2))) % s
        return _pair_keys(a + starts[g], b + starts[g], n)

    return draw


def _zero_groups(keys: np.ndarray) -> np.ndarray:
    return np.zeros(keys.size, dtype=np.intp)


def _keys_to_graph(n: int, keys: np.ndarray, blocks: np.ndarray | None = None) -> Graph:
    lo, hi = np.divmod(keys, n) if n else (keys, keys)
    return from_edges(n, lo, hi, blocks=blocks)


def _empty_graph(n: int, blocks: np.ndarray | None = None) -> Graph:
    return Graph(np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32), blocks)


def _complete_graph(n: int) -> Graph:
    a, b = np.triu_indices(n, 1)
    return from_edges(n, a, b)


def erdos_renyi(n: int, avg_degree: float, rng: np.random.Generator) -> Graph:
    """Uniform random graph G(n, m) with ``m = round(n * avg_degree / 2)`` edges.

    The ``m`` edges are a uniformly random ``m``-subset of the ``n(n-1)/2`` node pairs
    (Erdős and Rényi's G(n, m) model; the mean degree is exactly ``2m/n``). Pairs are
    sampled in vectorised batches, deduplicated, and topped up until ``m`` distinct pairs
    are held. ``m`` is capped at ``n(n-1)/2`` (the complete graph).

    References:
        P. Erdős and A. Rényi, "On random graphs I", Publicationes Mathematicae
        Debrecen 6, pp. 290-297, 1959.

    Args:
        n: Number of nodes.
        avg_degree: Target mean degree.
        rng: Random generator.

    Returns:
        The graph.
    """
    n = check_n(n)
    avg_degree = _check_avg_degree(avg_degree)
    total = n * (n - 1) // 2
    m = min(round(n * avg_degree / 2), total)
    if m == 0:
        return _empty_graph(n)
    if 2 * m > total:  # dense: choose directly among all pairs
        a, b = np.triu_indices(n, 1)
        pick = np.sort(rng.choice(total, size=m, replace=False))
        return from_edges(n, a[pick], b[pick])
    draw = _within_block_draw(n, np.array([0]), np.array([n]), rng)
    keys = _sample_distinct_keys(np.array([m]), np.array([total]), draw, _zero_groups, rng)
    return _keys_to_graph(n, keys)


def small_world(n: int, avg_degree: float, rewire_p: float, rng: np.random.Generator) -> Graph:
    """Watts-Strogatz small-world graph.

    Start from a ring lattice in which every node ``i`` is joined to
    ``i±1, ..., i±k/2 (mod n)`` with ``k = 2 * max(1, round(avg_degree / 2))``. Each
    lattice edge ``(i, i+j)`` then has its far endpoint replaced, with probability
    ``rewire_p``, by a uniformly random node other than ``i``; a rewired edge that
    duplicates an existing one is dropped (so the mean degree can fall slightly below
    ``k`` when ``rewire_p > 0``; the effect is ``O(k/n)``). With ``rewire_p = 0`` the
    result is exactly the ring lattice. For ``n <= k`` the half-width is capped at
    ``n // 2`` (wrap-around duplicates merge, giving the complete graph).

    References:
        D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
        networks", Nature 393, pp. 440-442, 1998.

    Args:
        n: Number of nodes.
        avg_degree: Target mean degree (rounded to an even lattice degree ``k >= 2``).
        rewire_p: Probability of rewiring each lattice edge.
        rng: Random generator.

    Returns:
        The graph.
    """
    n = check_n(n)
    avg_degree = _check_avg_degree(avg_degree)
    rewire_p = _check_prob("rewire_p", rewire_p)
    half = min(max(1, round(avg_degree / 2)), n // 2)
    if half == 0:
        return _empty_graph(n)
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = src + np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    dst %= n
    if rewire_p > 0:
        rewired = np.flatnonzero(rng.random(src.size) < rewire_p)
        dst[rewired] = (src[rewired] + rng.integers(1, n, rewired.size)) % n
    return from_edges(n, src.astype(np.int32), dst.astype(np.int32))


def scale_free(n: int, avg_degree: float, seed: int) -> Graph:
    """Barabási-Albert preferential-attachment graph.

    Each new node attaches ``m = max(1, round(avg_degree / 2))`` edges to existing nodes
    chosen with probability proportional to their degree, giving a power-law degree
    tail and mean degree close to ``2m``. Generated by
    ``rustworkx.barabasi_albert_graph`` (Rust; about a second at 10^6 nodes), seeded
    with ``seed``. For ``n <= m + 1`` the complete graph on ``n`` nodes is returned.
    For ``m = 1`` the growth starts from a single edge (rustworkx's default one-node
    seed graph has no edge to attach to).

    References:
        A.-L. Barabási and R. Albert, "Emergence of scaling in random networks",
        Science 286, pp. 509-512, 1999.

    Args:
        n: Number of nodes.
        avg_degree: Target mean degree (``2m``).
        seed: Integer seed in ``[0, 2**64)`` for rustworkx's generator.

    Returns:
        The graph.
    """
    n = check_n(n)
    avg_degree = _check_avg_degree(avg_degree)
    m = max(1, round(avg_degree / 2))
    if n <= m + 1:
        return _complete_graph(n)
    if n >= BA_KERNEL_MIN_NODES:
        csr = barabasi_albert_csr(n, m, int(seed))
        if csr is not None:
            return Graph(*csr)
    initial = rx.generators.path_graph(2) if m == 1 else None
    g = rx.barabasi_albert_graph(n, m, seed=int(seed), initial_graph=initial)
    edges = np.asarray(g.edge_list(), dtype=np.int32).reshape(-1, 2)
    del g
    return from_edges(n, edges[:, 0], edges[:, 1])


def _block_layout(n: int, n_blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contiguous nearly-equal blocks: ``(labels, starts, sizes)``."""
    sizes = np.full(n_blocks, n // n_blocks, dtype=np.int64)
    sizes[: n % n_blocks] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    labels = np.repeat(np.arange(n_blocks, dtype=np.int32), sizes)
    return labels, starts, sizes


def communities(
    n: int, n_blocks: int, avg_degree: float, mixing: float, rng: np.random.Generator
) -> Graph:
    """Stochastic block model with homophily (planted-partition form).

    Nodes ``0..n-1`` are split into ``n_blocks`` contiguous blocks whose sizes differ by
    at most one (``min(n_blocks, n)`` blocks if there are fewer nodes than blocks). A
    pair inside block ``b`` (size ``s_b``) is an edge with probability
    ``avg_degree * (1 - mixing) / (s_b - 1)``, and a pair in different blocks with the
    probability that gives ``n * avg_degree * mixing / 2`` between-block edges in
    expectation (probabilities capped at 1). So every node has expected degree
    ``avg_degree``, of which a share ``mixing`` leaves its block. With a single block
    there is nowhere to mix to and all ``avg_degree`` is within the block.

    Rather than visiting the O(n^2) pairs, the number of edges of each block and of the
    between-block part is drawn from the binomial distribution of the SBM, and that many
    distinct pairs are then sampled uniformly inside the block (resp. across blocks, by
    rejection of same-block pairs); the result has exactly the SBM distribution.

    References:
        P. W. Holland, K. B. Laskey and S. Leinhardt, "Stochastic blockmodels: First
        steps", Social Networks 5(2), pp. 109-137, 1983.
        M. McPherson, L. Smith-Lovin and J. M. Cook, "Birds of a feather: Homophily in
        social networks", Annual Review of Sociology 27, pp. 415-444, 2001.

    Args:
        n: Number of nodes.
        n_blocks: Number of communities (``>= 1``).
        avg_degree: Expected degree of every node.
        mixing: Expected share of a node's edges that leave its block, in ``[0, 1]``.
        rng: Random generator.

    Returns:
        The graph, with ``blocks`` set to each node's community label.
    """
    n = check_n(n)
    avg_degree = _check_avg_degree(avg_degree)
    mixing = _check_prob("mixing", mixing)
    if int(n_blocks) < 1:
        raise ValueError(f"n_blocks must be >= 1, got {n_blocks}")
    n_blocks = max(1, min(int(n_blocks), n))
    labels, starts, sizes = _block_layout(n, n_blocks)
    if n < 2:
        return _empty_graph(n, labels)
    if n_blocks == 1:
        mixing = 0.0

    cap_in = sizes * (sizes - 1) // 2
    p_in = np.minimum(1.0, avg_degree * (1 - mixing) / np.maximum(sizes - 1, 1))
    m_in = rng.binomial(cap_in, np.where(cap_in > 0, p_in, 0.0))
    cap_out = n * (n - 1) // 2 - int(cap_in.sum())
    m_out = 0
    if cap_out > 0:
        m_out = int(rng.binomial(cap_out, min(1.0, n * avg_degree * mixing / 2 / cap_out)))

    draw_in = _within_block_draw(n, starts, sizes, rng)

    def block_of_key(keys: np.ndarray) -> np.ndarray:
        return labels[keys // n].astype(np.intp)

    keys_in = _sample_distinct_keys(m_in, cap_in, draw_in, block_of_key, rng)
    keys_out = np.empty(0, dtype=np.int64)
    if m_out:
        accept = 1.0 - float((sizes.astype(np.float64) ** 2).sum()) / float(n) ** 2

        def draw_out(k: np.ndarray) -> np.ndarray:
            want = int(k[0])
            parts: list[np.ndarray] = []
            got = 0
            while got < want:
                batch = int(math.ceil((want - got) / accept * 1.05)) + 16
                a = rng.integers(0, n, batch)
                b = rng.integers(0, n, batch)
                ok = labels[a] != labels[b]
                parts.append(_pair_keys(a[ok], b[ok], n))
                got += parts[-1].size
            return np.concatenate(parts)[:want]  # the first `want` accepted iid draws

        keys_out = _sample_distinct_keys(
            np.array([m_out]), np.array([cap_out]), draw_out, _zero_groups, rng
        )
    return _keys_to_graph(n, np.concatenate([keys_in, keys_out]), blocks=labels)
