"""Kernel of :mod:`mechanisms.contagion`: one step of complex contagion around the active nodes."""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def complex_contagion(
    indptr: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    susceptible: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """:func:`mechanisms.contagion.complex_contagion` for ``[n, S]`` masks, scalar threshold > 0."""
    # With a threshold above 0 only a node with an active neighbour can activate, so only
    # the neighbours of active nodes are counted; the arithmetic (an integer count divided
    # by the degree, compared with the threshold) is the reference's.
    n, n_cols = active.shape
    newly = np.zeros((n, n_cols), dtype=np.bool_)
    near = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for s in range(n_cols):
            if active[i, s]:
                for j in range(indptr[i], indptr[i + 1]):
                    near[indices[j]] = True
                break
    counts = np.zeros(n_cols, dtype=np.int64)
    for i in range(n):
        if not near[i]:
            continue
        deg = indptr[i + 1] - indptr[i]
        counts[:] = 0
        for j in range(indptr[i], indptr[i + 1]):
            k = indices[j]
            for s in range(n_cols):
                if active[k, s]:
                    counts[s] += 1
        for s in range(n_cols):
            if susceptible[i, s] and not active[i, s] and counts[s] / deg >= threshold:
                newly[i, s] = True
    return newly
