"""The social graph as compact CSR arrays (:class:`Graph`) and its construction from edges.

A :class:`Graph` is an undirected simple graph (no self loops, no parallel edges) in
compressed sparse row form with ``int64`` row pointers and ``int32`` neighbour indices,
each row sorted ascending. A graph of 10^6 nodes and average degree 8 takes about 40 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

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


def check_n(n: int) -> int:
    """``n`` as a node count: an int in ``[0, 2**31)`` (indices are int32)."""
    n = int(n)
    if n < 0:
        raise ValueError(f"number of nodes must be >= 0, got {n}")
    if n > _INT32_MAX:
        raise ValueError(f"number of nodes must be <= {_INT32_MAX} (int32 indices), got {n}")
    return n


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
    n = check_n(n)
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
