"""Small CSR graphs for mechanism tests, built with scipy alone (no model, no ``sim``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class CSR:
    """An undirected simple graph as CSR arrays (the shape the mechanisms take)."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]


def csr_graph(n: int, u, v) -> CSR:
    """Symmetrised graph of edges ``(u[j], v[j])`` without self loops or repeats."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    keep = u != v
    rows = np.concatenate([u[keep], v[keep]])
    cols = np.concatenate([v[keep], u[keep]])
    m = sp.coo_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    return CSR(m.indptr.astype(np.int64), m.indices.astype(np.int32))


def path_graph(n: int) -> CSR:
    return csr_graph(n, np.arange(n - 1), np.arange(1, n))


def ring_lattice(n: int, k: int) -> CSR:
    """Each node i joined to i±1, ..., i±k (mod n): degree 2k."""
    u = np.repeat(np.arange(n), k)
    return csr_graph(n, u, (u + np.tile(np.arange(1, k + 1), n)) % n)


def random_graph(n: int, avg_degree: float, rng: np.random.Generator) -> CSR:
    """Erdős–Rényi G(n, m) with ``m = round(n * avg_degree / 2)`` distinct edges."""
    m = round(n * avg_degree / 2)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        a, b = rng.integers(0, n, size=(2, 2 * (m - len(keys)) + 16))
        fresh = np.minimum(a, b) * n + np.maximum(a, b)
        keys = np.unique(np.concatenate([keys, fresh[a != b]]))
    keys = rng.permutation(keys)[:m]
    return csr_graph(n, keys // n, keys % n)
