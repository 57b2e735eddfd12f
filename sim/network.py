"""Social graphs for the customer population, stored as compact CSR arrays.

Every builder returns a :class:`Graph`: an undirected simple graph (no self loops, no
parallel edges) in compressed sparse row form with ``int64`` row pointers and ``int32``
neighbour indices, each row sorted ascending. A graph of 10^6 nodes and average degree 8
takes about 40 MB and builds in about a second; no builder goes through networkx
(networkx is used only to read GraphML files and by :meth:`Graph.to_networkx`).

All randomness comes from the generator (or seed) passed in, so the same seed gives
identical arrays. :func:`build_graph` is the entry point used by the model; it maps a
``network`` config node onto one of the generators below.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "GRAPH_KINDS",
    "Graph",
    "build_graph",
    "communities",
    "erdos_renyi",
    "from_edges",
    "from_file",
    "scale_free",
    "small_world",
]

GRAPH_KINDS = ("erdos_renyi", "small_world", "scale_free", "communities", "file")

_INT32_MAX = int(np.iinfo(np.int32).max)


@dataclass(frozen=True, eq=False)
class Graph:
    """Undirected simple graph in CSR (compressed sparse row) form.

    The neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]``, sorted
    ascending. Each undirected edge ``{u, v}`` is stored twice (in row ``u`` and in row
    ``v``). The arrays are made C-contiguous and read-only on construction. Equality is
    identity (compare the arrays with ``np.array_equal`` to compare graphs).

    Attributes:
        indptr: Row pointers, ``int64``, shape ``(n + 1,)``.
        indices: Neighbour indices, ``int32``, shape ``(indptr[-1],)``.
        blocks: Community label (``int32``, values ``0..B-1``) of each node for graphs
            with a block structure (stochastic block model, or a file with a
            ``block``/``community`` attribute); ``None`` otherwise.
    """

    indptr: np.ndarray
    indices: np.ndarray
    blocks: np.ndarray | None = None

    def __post_init__(self) -> None:
        indptr = _frozen(self.indptr, np.int64)
        indices = _frozen(self.indices, np.int32)
        if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0:
            raise ValueError("Graph.indptr must be 1-D with indptr[0] == 0")
        if indices.ndim != 1 or indices.size != indptr[-1]:
            raise ValueError("Graph.indices must be 1-D with len(indices) == indptr[-1]")
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        if self.blocks is not None:
            blocks = _frozen(self.blocks, np.int32)
            if blocks.shape != (indptr.size - 1,):
                raise ValueError("Graph.blocks must have one label per node")
            object.__setattr__(self, "blocks", blocks)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.indptr.size - 1)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (half the number of CSR entries)."""
        return int(self.indices.size // 2)

    def degrees(self) -> np.ndarray:
        """Return the degree of every node (``int64``, shape ``(n,)``)."""
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        """Return the sorted neighbours of node ``i`` (a read-only view, ``int32``)."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def edge_sources(self) -> np.ndarray:
        """Return the row (source node) of every CSR entry.

        ``(edge_sources()[j], indices[j])`` is the ``j``-th directed entry, so the pair
        of arrays is a COO view of the adjacency matrix.

        Returns:
            ``int32`` array of length ``len(indices)``.
        """
        return np.repeat(np.arange(self.n, dtype=np.int32), self.degrees())

    def to_scipy(self) -> sp.csr_array:
        """Return the adjacency matrix as a boolean ``scipy.sparse.csr_array``."""
        data = np.ones(self.indices.size, dtype=bool)
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def to_networkx(self) -> nx.Graph:
        """Return a ``networkx.Graph`` with nodes ``0..n-1`` (for small graphs and plots).

        If the graph has blocks, each node carries them as the ``'block'`` attribute.
        """
        import networkx as nx

        g = nx.Graph()
        if self.blocks is None:
            g.add_nodes_from(range(self.n))
        else:
            g.add_nodes_from((i, {"block": b}) for i, b in enumerate(self.blocks.tolist()))
        src = self.edge_sources()
        upper = src < self.indices
        g.add_edges_from(zip(src[upper].tolist(), self.indices[upper].tolist(), strict=True))
        return g


def _frozen(a: Any, dtype: type[np.integer]) -> np.ndarray:
    """Return ``a`` as a read-only C-contiguous array of ``dtype`` (copy only if needed)."""
    arr = np.asarray(a)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"expected an integer array, got dtype {arr.dtype}")
    if arr.size and arr.dtype != dtype:
        info = np.iinfo(dtype)
        if arr.min() < info.min or arr.max() > info.max:
            raise ValueError(f"values do not fit in {np.dtype(dtype).name}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    arr.flags.writeable = False
    return arr


def _check_n(n: int) -> int:
    n = int(n)
    if n < 0:
        raise ValueError(f"number of nodes must be >= 0, got {n}")
    if n > _INT32_MAX:
        raise ValueError(f"number of nodes must be <= {_INT32_MAX} (int32 indices), got {n}")
    return n


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


def from_edges(n: int, u: np.ndarray, v: np.ndarray, blocks: np.ndarray | None = None) -> Graph:
    """Build a simple undirected :class:`Graph` from endpoint arrays.

    The edges ``(u[j], v[j])`` are symmetrised; self loops and repeated edges (in either
    direction) are dropped and every row is sorted. The work is done by scipy's COO to CSR
    conversion (a counting sort plus per-row sorts), so it is linear in the number of
    edges up to the row sorts.

    Args:
        n: Number of nodes; endpoints must lie in ``[0, n)``.
        u: First endpoints (any integer dtype).
        v: Second endpoints, same length as ``u``.
        blocks: Optional community label per node (length ``n``).

    Returns:
        The graph.

    Raises:
        ValueError: If the arrays differ in length or an endpoint is out of range.
    """
    n = _check_n(n)
    u = np.asarray(u).ravel()
    v = np.asarray(v).ravel()
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same length, got {u.size} and {v.size}")
    if u.size:
        lo = min(u.min(), v.min())
        hi = max(u.max(), v.max())
        if lo < 0 or hi >= n:
            raise ValueError(f"edge endpoints must be in [0, {n}), got values in [{lo}, {hi}]")
    keep = u != v
    u = u[keep].astype(np.int32, copy=False)
    v = v[keep].astype(np.int32, copy=False)
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    del u, v, keep
    coo = sp.coo_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n, n))
    del rows, cols
    csr = coo.tocsr()  # sums duplicates and sorts indices
    del coo
    csr.sum_duplicates()  # no-op when already canonical; guarantees it otherwise
    return Graph(
        indptr=csr.indptr.astype(np.int64),
        indices=csr.indices.astype(np.int32, copy=False),
        blocks=blocks,
    )


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Encode unordered pairs as ``min * n + max`` (``int64``)."""
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    return np.minimum(a, b) * n + np.maximum(a, b)


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.sort`` + mask; much faster than ``np.unique`` here)."""
    if a.size == 0:
        return a
    s = np.sort(a)
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


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
        new = _sorted_unique(draw(k.astype(np.int64)))
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
    n = _check_n(n)
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
    n = _check_n(n)
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
    import rustworkx as rx

    n = _check_n(n)
    avg_degree = _check_avg_degree(avg_degree)
    m = max(1, round(avg_degree / 2))
    if n <= m + 1:
        return _complete_graph(n)
    initial = rx.generators.path_graph(2) if m == 1 else None
    g = rx.barabasi_albert_graph(n, m, seed=int(seed), initial_graph=initial)
    edges = np.asarray(g.edge_list(), dtype=np.int64).reshape(-1, 2)
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
    n = _check_n(n)
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


def _is_int_label(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    if isinstance(x, str):
        try:
            int(x.strip())
        except ValueError:
            return False
        return True
    return False


def _label_order(labels: Sequence[Hashable]) -> dict[Hashable, int]:
    """Map distinct labels to ``0..N-1`` in sorted order (numeric if all int-like)."""
    distinct = list(dict.fromkeys(labels))
    if all(_is_int_label(x) for x in distinct):
        ordered = sorted(distinct, key=lambda x: int(x.strip()) if isinstance(x, str) else int(x))
    else:
        ordered = sorted(distinct, key=str)
    return {lab: i for i, lab in enumerate(ordered)}


def _read_graphml(path: Path) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    import networkx as nx

    g = nx.read_graphml(path)
    index = _label_order(list(g.nodes))
    n = len(index)
    edges = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    blocks = None
    for attr in ("block", "community"):
        values = dict(g.nodes(data=attr))
        if all(val is None for val in values.values()):
            continue
        missing = [node for node, val in values.items() if val is None]
        if missing:
            raise ValueError(
                f"network.path={str(path)!r}: node attribute {attr!r} is missing on "
                f"{len(missing)} node(s), e.g. {missing[0]!r}"
            )
        code = _label_order(list(values.values()))
        blocks = np.empty(n, dtype=np.int32)
        for node, val in values.items():
            blocks[index[node]] = code[val]
        break
    return n, edges[:, 0], edges[:, 1], blocks


def _int_codes(labels: np.ndarray) -> tuple[int, np.ndarray]:
    """Map integer labels to ``0..N-1`` in increasing order: ``(N, codes)``."""
    if labels.size == 0:
        return 0, labels.astype(np.int64)
    lo, hi = int(labels.min()), int(labels.max())
    if hi - lo <= 4 * labels.size:  # dense label range: O(len) lookup table
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[labels - lo] = True
        remap = np.cumsum(present, dtype=np.int64) - 1
        return int(remap[-1] + 1), remap[labels - lo]
    uniques = _sorted_unique(labels)
    return int(uniques.size), np.searchsorted(uniques, labels).astype(np.int64)


def _read_edge_list(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    import pandas as pd

    sep = r"\s+"
    with path.open() as fh:
        for line in fh:
            text = line.strip()
            if text and not text.startswith("#"):
                sep = "," if "," in text else r"\s+"
                break
        else:
            return 0, np.empty(0, np.int64), np.empty(0, np.int64)

    def read(dtype: Any) -> pd.DataFrame:
        return pd.read_csv(
            path,
            sep=sep,
            comment="#",
            header=None,
            usecols=[0, 1],
            skipinitialspace=True,
            skip_blank_lines=True,
            dtype=dtype,
            engine="c",
        )

    try:
        try:  # fast path: integer labels
            df = read(np.int64)
            labels = np.concatenate([df[0].to_numpy(), df[1].to_numpy()])
            del df
            count, codes = _int_codes(labels)
        except (ValueError, OverflowError):  # some label is not an int64
            df = read(str)
            if df.isna().to_numpy().any():
                raise ValueError("every edge line needs two node labels") from None
            strings = np.concatenate([df[0].str.strip().to_numpy(), df[1].str.strip().to_numpy()])
            del df
            numeric = pd.to_numeric(pd.Series(strings), errors="coerce")
            if not numeric.isna().any() and (numeric % 1 == 0).all():
                # Integer-valued labels ("7", "007", "7.0") order numerically.
                count, codes = _int_codes(numeric.to_numpy().astype(np.int64))
            else:
                codes, uniques = pd.factorize(strings, sort=True)
                count = len(uniques)
    except ValueError as exc:  # pandas' ParserError is a ValueError
        raise ValueError(f"network.path={str(path)!r} is not a readable edge list: {exc}") from exc
    half = codes.size // 2
    return count, codes[:half], codes[half:]


def from_file(path: str | Path, n: int | None = None) -> Graph:
    """Load a graph from a GraphML file or an edge list.

    ``*.graphml`` files are read with ``networkx.read_graphml``; a ``block`` (or else
    ``community``) node attribute becomes :attr:`Graph.blocks`, relabelled ``0..B-1``
    in sorted order. Any other file is an edge list: one edge per line, comma- or
    whitespace-separated (decided from the first data line), only the first two columns
    used, lines starting with ``#`` ignored. Node labels are mapped to ``0..N-1`` in
    sorted order, numerically when every label is an integer. Edge lists cannot contain
    isolated nodes; self loops and duplicate edges are dropped.

    Args:
        path: File to read.
        n: Expected node count (``customers.n``); checked if given.

    Returns:
        The graph.

    Raises:
        ValueError: If the file does not exist, is malformed, or has a node count
            different from ``n``.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"network.path={str(path)!r} does not exist")
    blocks = None
    if p.suffix.lower() == ".graphml":
        count, u, v, blocks = _read_graphml(p)
    else:
        count, u, v = _read_edge_list(p)
    if n is not None and int(n) != count:
        raise ValueError(
            f"network.path has {count} nodes but customers.n={n}; set customers.n={count}"
        )
    return from_edges(count, u, v, blocks=blocks)


def build_graph(
    kind: str,
    n: int,
    seed: np.random.SeedSequence | int,
    *,
    avg_degree: float = 8.0,
    rewire_p: float = 0.1,
    blocks: int = 8,
    mixing: float = 0.1,
    path: str | None = None,
) -> Graph:
    """Build the social graph described by a ``network`` config node.

    Args:
        kind: One of :data:`GRAPH_KINDS`.
        n: Number of nodes (customers).
        seed: Seed (or ``SeedSequence``) for ``np.random.default_rng``.
        avg_degree: Target mean degree (all generated kinds).
        rewire_p: Rewiring probability (``small_world``).
        blocks: Number of communities (``communities``).
        mixing: Share of edges leaving a community (``communities``).
        path: File to load (``file``); its node count must equal ``n``.

    Returns:
        The graph.

    Raises:
        ValueError: For an unknown ``kind``, a missing ``path`` for ``file``, or
            parameters out of range.
    """
    rng = np.random.default_rng(seed)
    if kind == "erdos_renyi":
        return erdos_renyi(n, avg_degree, rng)
    if kind == "small_world":
        return small_world(n, avg_degree, rewire_p, rng)
    if kind == "scale_free":
        return scale_free(n, avg_degree, int(rng.integers(2**63)))
    if kind == "communities":
        return communities(n, blocks, avg_degree, mixing, rng)
    if kind == "file":
        if path is None:
            raise ValueError("network.path must be set when network.kind='file'")
        return from_file(path, n=n)
    raise ValueError(f"network.kind={kind!r} is not one of {', '.join(GRAPH_KINDS)}")
